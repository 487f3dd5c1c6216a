/**
 * Protected news outlets: real newspapers, broadcasters and agencies whose domains clones
 * imitate (lemonde.fr -> lemonde.ltd). Checks run on the project's one look-alike engine,
 * src/attacks/lookalike; this module only supplies the list and reads the answer for news.
 */
import { join } from 'node:path';
import { readCsvRecords, type RowError } from './csv.js';
import { findLookalikes, type LookalikeMatch, type LookalikeTier } from '../attacks/lookalike/index.js';
import { VigieError } from '../util/errors.js';
import { normaliseHost } from './hosts.js';
import { dataDir, type FileLoad } from './registry.js';

export interface ProtectedOutlet {
  domain: string;
  outlet: string;
  country: string;
  sourceUrl: string;
  file: string;
  line: number;
}

export interface ProtectedOutlets {
  outlets: ProtectedOutlet[];
  /** Registrable domains never reported: the outlets themselves and their known siblings. */
  allow: string[];
  files: FileLoad[];
}

export const DEFAULT_PROTECTED_FILE = (): string => join(dataDir(), 'registry', 'protected-outlets.csv');
export const DEFAULT_ALLOW_FILE = (): string => join(dataDir(), 'registry', 'lookalike-allow.csv');

/** Brand labels shorter than this are too collision-prone to protect by name (dw, ft). */
export const MIN_BRAND_LABEL = 3;

function readTable(
  file: string,
  columns: string[],
  format: string,
): { rows: { get: (c: string) => string; line: number }[]; load: FileLoad } {
  const errors: RowError[] = [];
  const recs = readCsvRecords(file, errors);
  const load: FileLoad = { file, format, rows: 0, accepted: 0, filtered: 0, errors, filteredBy: {} };
  if (recs.length === 0) return { rows: [], load };
  const header = recs[0].record.map((h) => h.trim().toLowerCase());
  const missing = columns.filter((c) => !header.includes(c));
  if (missing.length)
    throw new VigieError('ERR_INPUT', `${file}:${recs[0].line}: missing column(s) ${missing.join(', ')}`);
  const rows = recs.slice(1).map((r) => ({
    line: r.line,
    get: (c: string) => (r.record[header.indexOf(c)] ?? '').trim(),
  }));
  load.rows = rows.length;
  return { rows, load };
}

export interface LoadProtectedOptions {
  /** Load the project's default list and allowlist. Default true. */
  defaults?: boolean;
  /** Extra protected-outlet files (columns domain, outlet, country, source_url). */
  files?: string[];
  /** Extra allowlist files (column domain; owner and source_url recommended). */
  allowFiles?: string[];
}

/**
 * The protected outlets (default list plus the user's files) and the allowlist. Bad rows are
 * reported with file and line and skipped.
 */
export function loadProtectedOutlets(options: LoadProtectedOptions = {}): ProtectedOutlets {
  const outlets: ProtectedOutlet[] = [];
  const allow = new Set<string>();
  const files: FileLoad[] = [];
  const defaults = options.defaults !== false;
  for (const file of [...(defaults ? [DEFAULT_PROTECTED_FILE()] : []), ...(options.files ?? [])]) {
    const { rows, load } = readTable(file, ['domain', 'outlet'], 'protected-outlets');
    const seen = new Set(outlets.map((o) => o.domain));
    for (const r of rows) {
      const raw = r.get('domain');
      const n = normaliseHost(raw);
      const bad = (message: string) => load.errors.push({ file, line: r.line, message });
      if (!n || n.isIp) {
        bad(`domain "${raw.slice(0, 80)}" has no registrable domain`);
        continue;
      }
      const label = n.registrable.split('.')[0];
      if (label.length < MIN_BRAND_LABEL) {
        bad(`"${n.registrable}": names shorter than ${MIN_BRAND_LABEL} characters match too much to protect`);
        continue;
      }
      if (!r.get('outlet')) {
        bad('outlet is empty');
        continue;
      }
      allow.add(n.registrable);
      if (seen.has(n.registrable)) {
        load.filtered++;
        load.filteredBy['duplicate domain'] = (load.filteredBy['duplicate domain'] ?? 0) + 1;
        continue;
      }
      seen.add(n.registrable);
      outlets.push({
        domain: n.registrable,
        outlet: r.get('outlet'),
        country: r.get('country'),
        sourceUrl: r.get('source_url'),
        file,
        line: r.line,
      });
      load.accepted++;
    }
    files.push(load);
  }
  for (const file of [...(defaults ? [DEFAULT_ALLOW_FILE()] : []), ...(options.allowFiles ?? [])]) {
    const { rows, load } = readTable(file, ['domain'], 'lookalike-allow');
    for (const r of rows) {
      const n = normaliseHost(r.get('domain'));
      if (!n) {
        load.errors.push({
          file,
          line: r.line,
          message: `domain "${r.get('domain').slice(0, 80)}" is not a domain`,
        });
        continue;
      }
      allow.add(n.host);
      load.accepted++;
    }
    files.push(load);
  }
  return { outlets, allow: [...allow].sort(), files };
}

let defaultOutlets: ProtectedOutlets | null = null;

/** Tiers reported as news look-alikes by default: `low` (a brand embedded in a longer word) is too noisy. */
export const NEWS_LOOKALIKE_TIERS: LookalikeTier[] = ['high', 'medium'];

/**
 * Does this domain imitate a protected news outlet? Matches from the shared look-alike engine,
 * strongest first, `low` tier left out unless asked for.
 * @example checkNewsLookalike('lemonde.ltd')[0].brand === 'lemonde.fr'
 */
export function checkNewsLookalike(
  domain: string,
  outlets?: ProtectedOutlets,
  tiers: LookalikeTier[] = NEWS_LOOKALIKE_TIERS,
): LookalikeMatch[] {
  const p = outlets ?? (defaultOutlets ??= loadProtectedOutlets());
  return findLookalikes(
    [domain],
    p.outlets.map((o) => o.domain),
    { allowlist: p.allow },
  ).filter((m) => tiers.includes(m.tier));
}

/** Many domains at once (one engine call): what the detector and the bench use. */
export function findNewsLookalikes(
  domains: Iterable<string>,
  outlets: ProtectedOutlets,
  tiers: LookalikeTier[] = NEWS_LOOKALIKE_TIERS,
): LookalikeMatch[] {
  return findLookalikes(
    domains,
    outlets.outlets.map((o) => o.domain),
    { allowlist: outlets.allow },
  ).filter((m) => tiers.includes(m.tier));
}
