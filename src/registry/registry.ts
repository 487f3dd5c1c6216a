/**
 * Watch-lists of state-affiliated outlets, their mirrors and the domains of named influence
 * operations, as data: CSV files with one cited row per domain (see docs/registry.md).
 *
 * Matching is by host and its parents down to the registrable domain (public-suffix aware,
 * tldts): a row `rt.com` covers `de.rt.com` and `francais.rt.com`; a row
 * `france.news-pravda.com` covers that host only, not its siblings. The most specific row
 * wins, so `de.rt.com` can name "RT DE" while `rt.com` names "RT".
 */
import { projectPath } from '../util/paths.js';
import { join } from 'node:path';
import { readCsvRecords, type CsvRecord, type RowError } from './csv.js';
import { VigieError } from '../util/errors.js';
import { hostChain, normaliseHost } from './hosts.js';
import { loadReferenceRegistries, type ReferenceLoad } from './reference.js';

export const REGISTRY_KINDS = [
  'state-media',
  'mirror',
  'operation',
  'impersonation',
  'proxy',
  'disinformation-outlet',
  'other',
] as const;
export type RegistryKind = (typeof REGISTRY_KINDS)[number];

export const REGISTRY_COLUMNS = [
  'domain',
  'outlet_or_operation',
  'state_or_actor',
  'kind',
  'source_url',
  'source_date',
  'licence',
] as const;

export interface RegistryEntry {
  /** Normalised host the row names (see `normaliseHost`). */
  domain: string;
  outlet: string;
  actor: string;
  kind: RegistryKind;
  sourceUrl: string;
  /** YYYY, YYYY-MM or YYYY-MM-DD */
  sourceDate: string;
  licence: string;
  /** Where the row came from: file and 1-based line. */
  file: string;
  line: number;
  /** The list's own name for its source, when it differs from the outlet (reference lists). */
  sourceLabel?: string;
}

export type { RowError } from './csv.js';
export { MAX_REGISTRY_BYTES } from './csv.js';

export interface FileLoad {
  file: string;
  /** `registry` (this project's format), `sites-of-concern`, `dima` (reference lists). */
  format: string;
  rows: number;
  accepted: number;
  /** Rows dropped on purpose (not state-linked, patterns that are not domains, duplicates). */
  filtered: number;
  errors: RowError[];
  /** Why rows were filtered, with counts. */
  filteredBy: Record<string, number>;
}

export interface Registry {
  entries: RegistryEntry[];
  /** Normalised host -> rows naming it, in load order (default list first). */
  byHost: Map<string, RegistryEntry[]>;
  files: FileLoad[];
}

export interface RegistryMatch {
  /** The host that was looked up, normalised. */
  host: string;
  /** The registry key that matched (the host or one of its parents). */
  matched: string;
  /** The first row for that key (the default list and user files come before reference lists). */
  entry: RegistryEntry;
  /** Every row naming that key (several reports may name one domain). */
  entries: RegistryEntry[];
  /** True when the host itself is listed, false when a parent domain is. */
  exact: boolean;
}

/** The project's data folder. */
export function dataDir(): string {
  return projectPath('data');
}

export const DEFAULT_REGISTRY_FILE = (): string => join(dataDir(), 'registry', 'state-media.csv');

const MAX_CELL = 2048;

function readCsv(file: string): { records: CsvRecord[]; errors: RowError[] } {
  const errors: RowError[] = [];
  return { records: readCsvRecords(file, errors), errors };
}

const DATE_RE = /^(\d{4})(?:-(0[1-9]|1[0-2])(?:-(0[1-9]|[12]\d|3[01]))?)?$/;

/** Checks one date cell: YYYY, YYYY-MM or YYYY-MM-DD, a real day. */
export function validDate(s: string): boolean {
  const m = DATE_RE.exec(s);
  if (!m) return false;
  if (!m[3]) return true;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/** An http(s) URL with a host: what `source_url` must be. */
export function validSourceUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'https:' || u.protocol === 'http:') && u.hostname.length > 0;
  } catch {
    return false;
  }
}

/**
 * Parse one watch-list in this project's format. Never throws for bad rows: each is reported
 * with its file and line and skipped. Throws (ERR_INPUT) only when the file cannot be read
 * or lacks a required column.
 */
export function parseRegistryFile(file: string): { entries: RegistryEntry[]; load: FileLoad } {
  const { records, errors } = readCsv(file);
  const load: FileLoad = {
    file,
    format: 'registry',
    rows: 0,
    accepted: 0,
    filtered: 0,
    errors,
    filteredBy: {},
  };
  if (records.length === 0) {
    if (errors.length === 0) errors.push({ file, line: 1, message: 'empty file: no header row' });
    return { entries: [], load };
  }
  const header = records[0].record.map((h) => h.trim().toLowerCase());
  const missing = REGISTRY_COLUMNS.filter((c) => !header.includes(c));
  if (missing.length)
    throw new VigieError(
      'ERR_INPUT',
      `${file}:${records[0].line}: missing column(s) ${missing.join(', ')}; a watch-list has ${REGISTRY_COLUMNS.join(', ')}`,
    );
  const col = Object.fromEntries(REGISTRY_COLUMNS.map((c) => [c, header.indexOf(c)])) as Record<
    (typeof REGISTRY_COLUMNS)[number],
    number
  >;
  const entries: RegistryEntry[] = [];
  const seen = new Set<string>();
  for (const { record, line } of records.slice(1)) {
    load.rows++;
    const bad = (message: string) => errors.push({ file, line, message });
    if (record.length === 1 && record[0].trim().startsWith('#')) {
      load.rows--; // a comment line
      continue;
    }
    if (record.length < header.length) {
      bad(`${record.length} field(s), the header has ${header.length}`);
      continue;
    }
    if (record.some((c) => c.length > MAX_CELL)) {
      bad(`a field longer than ${MAX_CELL} characters`);
      continue;
    }
    const cell = (c: (typeof REGISTRY_COLUMNS)[number]) => record[col[c]].trim();
    const rawDomain = cell('domain');
    const host = normaliseHost(rawDomain);
    if (!host) {
      bad(`domain "${rawDomain.slice(0, 80)}" has no registrable domain`);
      continue;
    }
    const kind = cell('kind').toLowerCase();
    if (!(REGISTRY_KINDS as readonly string[]).includes(kind)) {
      bad(`kind "${kind.slice(0, 40)}" is not one of ${REGISTRY_KINDS.join(', ')}`);
      continue;
    }
    const outlet = cell('outlet_or_operation');
    const actor = cell('state_or_actor');
    const sourceUrl = cell('source_url');
    const sourceDate = cell('source_date');
    const licence = cell('licence');
    if (!outlet) {
      bad('outlet_or_operation is empty');
      continue;
    }
    if (!actor) {
      bad('state_or_actor is empty');
      continue;
    }
    if (!validSourceUrl(sourceUrl)) {
      bad(`source_url "${sourceUrl.slice(0, 80)}" is not an http(s) URL: every row cites a public source`);
      continue;
    }
    if (!validDate(sourceDate)) {
      bad(`source_date "${sourceDate.slice(0, 20)}" is not YYYY, YYYY-MM or YYYY-MM-DD`);
      continue;
    }
    if (!licence) {
      bad('licence is empty');
      continue;
    }
    const key = `${host.host}\u0000${outlet.toLowerCase()}`;
    if (seen.has(key)) {
      load.filtered++;
      load.filteredBy['duplicate row'] = (load.filteredBy['duplicate row'] ?? 0) + 1;
      continue;
    }
    seen.add(key);
    entries.push({
      domain: host.host,
      outlet,
      actor,
      kind: kind as RegistryKind,
      sourceUrl,
      sourceDate,
      licence,
      file,
      line,
    });
  }
  load.accepted = entries.length;
  return { entries, load };
}

/** Build the lookup from rows in precedence order. */
export function buildRegistry(entries: RegistryEntry[], files: FileLoad[] = []): Registry {
  const byHost = new Map<string, RegistryEntry[]>();
  for (const e of entries) {
    const l = byHost.get(e.domain);
    if (l) l.push(e);
    else byHost.set(e.domain, [e]);
  }
  return { entries, byHost, files };
}

/**
 * The registry row covering a domain, host or URL, or null. A listed parent domain covers
 * its subdomains; the most specific listed key wins.
 * @example matchDomain(reg, 'https://francais.rt.com/x')?.entry.outlet
 */
export function matchDomain(registry: Registry, domain: string): RegistryMatch | null {
  const n = normaliseHost(domain);
  if (!n) return null;
  return matchNormalised(registry, n.host, hostChain(n));
}

function matchNormalised(registry: Registry, host: string, chain: string[]): RegistryMatch | null {
  for (const k of chain) {
    const rows = registry.byHost.get(k);
    if (rows) return { host, matched: k, entry: rows[0], entries: rows, exact: k === host };
  }
  return null;
}

/**
 * A matcher with a bounded cache, for streams where hosts repeat (links of a workspace):
 * parsing the host dominates the cost and a handful of hosts make most links.
 */
export function cachedMatcher(
  registry: Registry,
  cacheSize = 100_000,
): (domain: string) => RegistryMatch | null {
  const cache = new Map<string, RegistryMatch | null>();
  return (domain: string) => {
    const hit = cache.get(domain);
    if (hit !== undefined) return hit;
    const m = matchDomain(registry, domain);
    if (cache.size >= cacheSize) cache.clear();
    cache.set(domain, m);
    return m;
  };
}

export interface LoadRegistryOptions {
  /** Load the project's default list (data/registry/state-media.csv). Default true. */
  defaults?: boolean;
  /** Extra watch-lists in this project's format, in order. */
  files?: string[];
  /**
   * A folder holding the reference lists (sites_of_concern.csv, dima_operation_domains.csv):
   * the folder itself, or a `shared/data` root with `reference/state-media-domains/` under it.
   */
  reference?: string;
}

export interface LoadedRegistry extends Registry {
  reference?: ReferenceLoad;
}

/**
 * The registry from the default list, the user's files and (optionally) the reference lists.
 * Rows come in that order, so a user's row naming a domain takes precedence over a reference
 * row and the default list over both.
 */
export function loadRegistry(options: LoadRegistryOptions = {}): LoadedRegistry {
  const entries: RegistryEntry[] = [];
  const files: FileLoad[] = [];
  const paths = [...(options.defaults === false ? [] : [DEFAULT_REGISTRY_FILE()]), ...(options.files ?? [])];
  for (const f of paths) {
    const r = parseRegistryFile(f);
    entries.push(...r.entries);
    files.push(r.load);
  }
  let reference: ReferenceLoad | undefined;
  if (options.reference) {
    reference = loadReferenceRegistries(options.reference);
    entries.push(...reference.entries);
    files.push(...reference.files);
  }
  return { ...buildRegistry(entries, files), reference };
}

/** All row errors of a load, for printing. */
export function registryErrors(r: Registry): RowError[] {
  return r.files.flatMap((f) => f.errors);
}
