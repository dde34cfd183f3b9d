// Vitest for the checkout extension: jsdom, Preact JSX, the tester inlined (it ships ESM that imports the extension through Vite).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  test: {
    root: __dirname,
    include: ['tests/**/*.test.ts'],
    environment: 'jsdom',
    server: { deps: { inline: ['@shopify/ui-extensions-tester'] } },
  },
});
