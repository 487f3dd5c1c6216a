/**
 * Tool and reference-data versions for the briefing and the manifest: what produced the
 * numbers, so someone else can reproduce them.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Store } from '../store/store.js';
import { VIGIE_VERSION } from '../version.js';

export interface DataFile {
  /** path relative to the project (data/...) or to the package (`<package>/<file>`) */
  path: string;
  size: number;
  sha256: string;
}

export interface ReferenceData {
  name: string;
  version: string | null;
  /** why it is listed, e.g. `curated lists (data/)`, `IP enrichment` */
  use: string;
  files: DataFile[];
}

export interface Versions {
  vigie: string;
  node: string;
  engine: string;
  /** npm packages whose version can change results */
  packages: Record<string, string>;
  reference: ReferenceData[];
}

/** The project root (where package.json names vigie), from src/ or dist/src/. */
export function projectRoot(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const p = join(dir, 'package.json');
    if (existsSync(p)) {
      try {
        if (JSON.parse(readFileSync(p, 'utf8')).name === 'vigie') return dir;
      } catch {
        /* keep walking up */
      }
    }
    dir = dirname(dir);
  }
  return null;
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

function packageDir(name: string): string | null {
  try {
    return dirname(createRequire(import.meta.url).resolve(`${name}/package.json`));
  } catch {
    return null;
  }
}

function packageVersion(name: string): string | null {
  const d = packageDir(name);
  if (!d) return null;
  try {
    return String(JSON.parse(readFileSync(join(d, 'package.json'), 'utf8')).version);
  } catch {
    return null;
  }
}

/** Packages whose version changes what vigie computes or reads. */
const RESULT_PACKAGES = [
  '@duckdb/node-api',
  'graphology',
  'graphology-communities-louvain',
  'graphology-layout-forceatlas2',
  'mailauth',
  'tlsh',
  'tldts',
  'eld',
];

const IP_PACKAGES = ['@ip-location-db/geo-whois-asn-country', '@ip-location-db/asn'];

export async function collectVersions(store: Store, used: { attacks: boolean }): Promise<Versions> {
  const packages: Record<string, string> = {};
  for (const p of RESULT_PACKAGES) {
    const v = packageVersion(p);
    if (v) packages[p] = v;
  }
  const reference: ReferenceData[] = [];
  const root = projectRoot();
  if (root && existsSync(join(root, 'data'))) {
    const files: DataFile[] = [];
    for (const f of walk(join(root, 'data')))
      files.push({ path: relative(root, f), size: statSync(f).size, sha256: await sha256File(f) });
    reference.push({
      name: 'vigie data/',
      version: VIGIE_VERSION,
      use: 'curated lists shipped with vigie',
      files,
    });
  }
  if (used.attacks)
    for (const name of IP_PACKAGES) {
      const dir = packageDir(name);
      if (!dir) continue;
      const files: DataFile[] = [];
      // Only the IPv4 tables are hashed: they are what enrichment loads for every run (IPv6
      // ones only when IPv6 addresses appear), and hashing ~100 MB more would slow every report.
      for (const f of readdirSync(dir)
        .filter((x) => x.endsWith('ipv4-num.csv'))
        .sort()) {
        const p = join(dir, f);
        files.push({ path: `${name}/${f}`, size: statSync(p).size, sha256: await sha256File(p) });
      }
      reference.push({
        name,
        version: packageVersion(name),
        use: 'IP country and network enrichment',
        files,
      });
    }
  return {
    vigie: VIGIE_VERSION,
    node: process.version,
    engine: await store.report().engineVersion(),
    packages,
    reference,
  };
}
