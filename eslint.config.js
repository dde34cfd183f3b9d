// ESLint (flat config): TypeScript rules, and the architecture rule that core/ and ports/ stay cloud-agnostic.
const tseslint = require('typescript-eslint');

/** Packages domain code must never import: adapters and entry points wrap them. */
const CLOUD_PACKAGES = ['firebase-functions', 'firebase-functions/*', 'firebase-admin', 'firebase-admin/*', '@google-cloud/*', '@duckdb/*'];

module.exports = tseslint.config(
  { ignores: ['**/node_modules/**', 'functions/lib/**', 'coverage/**', 'bench-results/**', '.shop-mlops/**', 'hosting/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    files: ['functions/src/core/**/*.ts', 'functions/src/ports/**/*.ts', 'functions/src/http/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: CLOUD_PACKAGES, message: 'core/, ports/ and http/ must not depend on a cloud or storage package: put it behind a port and an adapter.' }] }],
    },
  },
);
