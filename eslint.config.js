// ESLint (flat config): TypeScript rules, and the architecture rules: core/ and ports/ stay cloud-agnostic; the pipeline framework and the feature runner know no adapter and no particular pipeline.
const tseslint = require('typescript-eslint');

/** Packages domain code must never import: adapters and entry points wrap them. */
const CLOUD_PACKAGES = ['firebase-functions', 'firebase-functions/*', 'firebase-admin', 'firebase-admin/*', '@google-cloud/*', '@duckdb/*'];

/** What the pipeline framework (pipeline/) and the feature runner must not import: the entry points wire adapters and pipelines in. */
const FRAMEWORK_FORBIDDEN = [...CLOUD_PACKAGES, '**/adapters/**', '**/training/**', '**/models/**', '**/pipelines', '**/monitoring/**', '**/serving/**', '**/runtime/**', '**/cli/**'];

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
  {
    // The container's entry point (step-entry.ts) wires the product's pipelines and stores in (functions/src/pipelines.ts).
    files: ['functions/src/pipeline/**/*.ts', 'functions/src/features/runner.ts', 'functions/src/features/key-box.ts', 'functions/src/features/snapshot.ts', 'functions/src/features/plan.ts', 'functions/src/features/compile.ts'],
    ignores: ['functions/src/pipeline/step-entry.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: FRAMEWORK_FORBIDDEN, message: 'the pipeline framework and the feature runner know no adapter and no particular pipeline: take a port or a registration, and wire it in the entry point (functions/src/pipelines.ts, the CLI verb).' }] }],
    },
  },
);
