#!/usr/bin/env node
// shop-mlops CLI entry: runs the TypeScript sources through tsx (no build step needed locally).
require('tsx/cjs');
require('../src/cli/main.ts').main(process.argv.slice(2)).then(
  (code) => { if (typeof code === 'number') process.exitCode = code; },
  (err) => { console.error(err && err.message ? err.message : err); process.exitCode = 1; },
);
