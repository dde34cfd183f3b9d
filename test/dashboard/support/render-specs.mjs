// Runs the page's spec builders (hosting/dashboard/specs.js, an ES module) on the inputs given on stdin, compiles each spec with Vega-Lite and runs it in a headless Vega view: prints each chart's table rows, marks drawn and SVG size.
import { readFileSync } from 'node:fs';
import * as vega from 'vega';
import * as vl from 'vega-lite';
import * as specs from '../../../hosting/dashboard/specs.js';

const cases = JSON.parse(readFileSync(0, 'utf8'));
const out = [];
for (const c of cases) {
  const spec = specs[c.fn](...c.args);
  if (spec === null) {
    out.push({ name: c.name, spec: null });
    continue;
  }
  // The page draws at container width; headless, a fixed width stands in for it.
  const compiled = vl.compile({ ...spec, width: 600 }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  await view.runAsync();
  const svg = await view.toSVG();
  out.push({ name: c.name, spec, rows: view.data('table'), marks: (svg.match(/<path|<rect|<line|<text/g) ?? []).length, svgBytes: svg.length });
  view.finalize();
}
process.stdout.write(JSON.stringify(out));
