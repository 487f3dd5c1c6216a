#!/usr/bin/env node
// Thin launcher: the CLI is compiled TypeScript in dist/ (built by `npm ci` via `prepare`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));
if (!existsSync(main)) {
  console.error('vigie is not built yet: run `npm ci` (or `npm run build`) in the project folder first.');
  process.exit(2);
}
const { run } = await import(main);
process.exitCode = await run(process.argv);
