import { defineConfig } from 'vite';

/**
 * The dashboard's build: `npm run build:ui` (run by `npm ci` through `prepare`) writes ui/dist,
 * which the API serves at `/`. Relative asset paths, so it also works behind a path prefix.
 */
export default defineConfig({
  root: import.meta.dirname,
  base: './',
  // Preact's JSX runtime through esbuild: no Babel preset needed.
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1000 },
  logLevel: 'warn',
});
