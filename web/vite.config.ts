// Builds the dashboard into dist/web, served by `vigie serve` with a strict CSP
// (script-src 'self'; style-src 'self'): every script and style must be a file of its own.
import { defineConfig, type Plugin } from 'vite';
import preact from '@preact/preset-vite';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const outDir = fileURLToPath(new URL('../dist/web', import.meta.url));

// dist/web also holds the compiled browser tests (dist/web/e2e, written by tsc), so the output
// folder is not emptied as a whole; only the hashed assets of earlier builds are removed.
function cleanAssets(): Plugin {
  return {
    name: 'vigie-clean-assets',
    apply: 'build',
    buildStart() {
      rmSync(`${outDir}/assets`, { recursive: true, force: true });
    },
  };
}

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [preact({ devtoolsInProd: false, reactAliasesEnabled: false }), cleanAssets()],
  build: {
    outDir,
    emptyOutDir: false,
    // No inline data: scripts or styles; small assets stay files too (img-src allows data:, but
    // keeping everything as files makes the CSP story one sentence).
    assetsInlineLimit: 0,
    sourcemap: false,
    chunkSizeWarningLimit: 1200,
  },
  server: { proxy: { '/api': 'http://127.0.0.1:8377' } },
});
