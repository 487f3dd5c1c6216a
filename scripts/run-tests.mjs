#!/usr/bin/env node
// Runs every compiled *.test.js under dist/ with node's own test runner.
// Node 20's `--test` does not expand globs, so the file list is built here.
// TEST_ONLY=<substring> limits the run to matching files (like crowdsec's TEST_ONLY).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const only = process.env.TEST_ONLY;
const files = walk('dist', [])
  .filter((f) => !only || f.includes(only))
  .sort();
if (files.length === 0) {
  console.error('no test files found under dist/ (did the build run?)');
  process.exit(1);
}
const args = [
  '--test',
  '--test-concurrency=2',
  ...(process.env.CI ? ['--test-reporter=spec'] : []),
  ...files,
];
const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
process.exit(r.status ?? 1);
