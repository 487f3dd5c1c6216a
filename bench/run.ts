/**
 * Entry point of `npm run bench`: runs every bench module (each `bench/<name>/run.ts`, compiled
 * to `dist/bench/<name>/run.js`), one after the other, each in its own process so that its
 * time and peak memory are its own.
 *
 *   npm run bench                    # all of them
 *   npm run bench -- ingest          # those whose name contains "ingest" (several names allowed)
 *   npm run bench -- ingest --rows 100000   # options after the names go to each module
 *   npm run bench -- --list          # what there is
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

/** Bench modules next to this file: folders holding a `run` script. */
export function benchModules(root = here): string[] {
  return readdirSync(root)
    .filter((d) => statSync(join(root, d)).isDirectory() && existsSync(join(root, d, `run${ext}`)))
    .sort();
}

function main(): void {
  const args = process.argv.slice(2);
  const firstOption = args.findIndex((a) => a.startsWith('-'));
  const names = firstOption < 0 ? args : args.slice(0, firstOption);
  const passed = firstOption < 0 ? [] : args.slice(firstOption).filter((a) => a !== '--list');
  const all = benchModules();
  if (args.includes('--list')) {
    console.log(all.join('\n'));
    return;
  }
  const chosen = names.length ? all.filter((m) => names.some((n) => m.includes(n))) : all;
  if (chosen.length === 0) {
    console.error(`no bench module matches ${names.join(', ')}; there are: ${all.join(', ')}`);
    process.exit(2);
  }
  const failed: string[] = [];
  for (const m of chosen) {
    console.log(`\n=== bench ${m} ===`);
    const t = performance.now();
    const r = spawnSync(process.execPath, [...process.execArgv, join(here, m, `run${ext}`), ...passed], {
      stdio: 'inherit',
    });
    console.log(
      `=== ${m}: ${r.status === 0 ? 'done' : `FAILED (${r.status ?? r.signal})`} in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );
    if (r.status !== 0) failed.push(m);
  }
  if (failed.length) {
    console.error(`\nfailed: ${failed.join(', ')}`);
    process.exit(1);
  }
}

main();
