/** vigie's own version, read from package.json so reports always name the exact release. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

function findPackageJson(): string {
  // Works from src/ (tsx) and from dist/src/ (compiled): walk up to the package root.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    try {
      const p = join(dir, 'package.json');
      const pkg = JSON.parse(readFileSync(p, 'utf8'));
      if (pkg.name === 'vigie') return pkg.version as string;
    } catch {
      /* keep walking up */
    }
    dir = dirname(dir);
  }
  return '0.0.0-unknown';
}

export const VIGIE_VERSION = findPackageJson();
