/**
 * Where tests find the third-party reference data (../shared/data beside the repository, or
 * $VIGIE_REFERENCE_DATA). Tests run both from src/ (tsx) and compiled from dist/src/, so the
 * repository root is found by walking up to package.json rather than by a fixed number of `..`.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export function repoRoot(from: string = import.meta.dirname): string {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${from}`);
    dir = up;
  }
}

/** The reference data folder; it may not exist (callers skip their tests then). */
export function referenceDataDir(): string {
  return process.env.VIGIE_REFERENCE_DATA ?? resolve(repoRoot(), '..', 'shared', 'data');
}
