/**
 * Where vigie's own files are. Code runs both from src/ (tsx) and compiled from dist/src/,
 * and the data/, rules/ folders and package.json sit at the project root beside both, so
 * the root is found by walking up to the package.json that names vigie rather than by a
 * fixed number of `..` (which differs between the two layouts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { VigieError } from './errors.js';

let cachedRoot: string | null = null;

/** The project root (the folder of vigie's package.json). */
export function projectRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = import.meta.dirname;
  for (;;) {
    const p = join(dir, 'package.json');
    if (existsSync(p)) {
      try {
        if (JSON.parse(readFileSync(p, 'utf8')).name === 'vigie') return (cachedRoot = dir);
      } catch {
        // an unreadable package.json is not ours: keep walking up
      }
    }
    const up = dirname(dir);
    if (up === dir)
      throw new VigieError('ERR_NOT_FOUND', `vigie's package.json not found above ${import.meta.dirname}`);
    dir = up;
  }
}

/** A file or folder shipped with vigie (data/..., rules/...); an error naming it if missing. */
export function projectPath(...parts: string[]): string {
  const p = join(projectRoot(), ...parts);
  if (!existsSync(p))
    throw new VigieError('ERR_NOT_FOUND', `${join(...parts)} not found in ${projectRoot()}`);
  return p;
}

/** The third-party reference data for conformance tests ($VIGIE_REFERENCE_DATA or ../shared/data). */
export function referenceDataDir(): string {
  return process.env.VIGIE_REFERENCE_DATA ?? resolve(projectRoot(), '..', 'shared', 'data');
}
