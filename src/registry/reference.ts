/**
 * Loaders for two public third-party watch-lists, read where the user keeps them (never
 * copied into this repository; see ../shared/data/README.md for provenance and licences):
 *
 * - `sites_of_concern.csv` (ASD-at-GMF/disinfo-laundromat, MIT): Threat Actor, Domain, Name,
 *   Source. Only the sources that list state-linked outlets are kept; "Wikidata All News"
 *   (ordinary news outlets), "Pink Slime" (partisan US local sites), "Wikipedia Fake News"
 *   (hoax sites) and "Newsguard AI" (AI content farms) are not state media and are filtered.
 * - `dima_operation_domains.csv` (M82-project/DIMA_Plugin_Chrome, Apache-2.0, data arrays
 *   extracted): domains of named operations, each with the report that named it. Rows whose
 *   match type is `contains` with a bare word (`topnews`) are patterns, not domains: filtered.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readCsvRecords, type CsvRecord, type RowError } from './csv.js';
import { VigieError } from '../util/errors.js';
import { normaliseHost } from './hosts.js';
import type { FileLoad, RegistryEntry, RegistryKind } from './registry.js';
import { validDate, validSourceUrl } from './registry.js';

export const SITES_OF_CONCERN = 'sites_of_concern.csv';
export const DIMA_DOMAINS = 'dima_operation_domains.csv';
const LAUNDROMAT_URL = 'https://github.com/ASD-at-GMF/disinfo-laundromat';

/** Sources of sites_of_concern.csv that list state-linked outlets, and how their rows read. */
export const SITES_OF_CONCERN_STATE_SOURCES: Record<
  string,
  { kind: RegistryKind; outlet: string; actor: string }
> = {
  EuVsDisinfo: {
    kind: 'disinformation-outlet',
    outlet: 'EUvsDisinfo database outlet',
    actor: 'pro-Kremlin (EUvsDisinfo)',
  },
  'Viginum (Portal Kombat)': { kind: 'operation', outlet: 'Portal Kombat', actor: 'Russia' },
  'RT Mirror/Repost': { kind: 'mirror', outlet: 'RT (mirror or repost)', actor: 'Russia' },
  'Intel/Suspected': { kind: 'proxy', outlet: 'suspected state-linked outlet', actor: 'Russia (suspected)' },
};

/** Display names of the operations named in dima_operation_domains.csv. */
const DIMA_OPERATIONS: Record<string, { outlet: string; actor: string }> = {
  PortalKombat: { outlet: 'Portal Kombat', actor: 'Russia' },
  Pravda: { outlet: 'Pravda network', actor: 'Russia' },
  RRN: { outlet: 'RRN / Doppelganger', actor: 'Russia' },
  Doppelganger: { outlet: 'RRN / Doppelganger', actor: 'Russia' },
  Storm1516: { outlet: 'Storm-1516', actor: 'Russia' },
  Copycop: { outlet: 'CopyCop', actor: 'Russia' },
  InfoRos: { outlet: 'InfoRos', actor: 'Russia' },
  Baybridge: { outlet: 'Baybridge', actor: 'China' },
};

export interface ReferenceLoad {
  dir: string;
  entries: RegistryEntry[];
  files: FileLoad[];
}

/** The folder holding the reference lists: `dir` itself or `dir/reference/state-media-domains`. */
export function resolveReferenceDir(dir: string): string | null {
  for (const d of [dir, join(dir, 'reference', 'state-media-domains'), join(dir, 'state-media-domains')]) {
    if (existsSync(join(d, SITES_OF_CONCERN)) || existsSync(join(d, DIMA_DOMAINS))) return d;
  }
  return null;
}

function readRows(file: string, errors: RowError[]): CsvRecord[] {
  return readCsvRecords(file, errors);
}

function headerIndex(file: string, header: string[], cols: string[]): Record<string, number> {
  const h = header.map((x) => x.trim());
  const missing = cols.filter((c) => !h.includes(c));
  if (missing.length) throw new VigieError('ERR_INPUT', `${file}:1: missing column(s) ${missing.join(', ')}`);
  return Object.fromEntries(cols.map((c) => [c, h.indexOf(c)]));
}

function filter(load: FileLoad, why: string): void {
  load.filtered++;
  load.filteredBy[why] = (load.filteredBy[why] ?? 0) + 1;
}

/** Rows of sites_of_concern.csv from state-linked sources. */
export function loadSitesOfConcern(file: string): { entries: RegistryEntry[]; load: FileLoad } {
  const errors: RowError[] = [];
  const rows = readRows(file, errors);
  const load: FileLoad = {
    file,
    format: 'sites-of-concern',
    rows: 0,
    accepted: 0,
    filtered: 0,
    errors,
    filteredBy: {},
  };
  if (rows.length === 0) return { entries: [], load };
  const c = headerIndex(file, rows[0].record, ['Threat Actor', 'Domain', 'Name', 'Source']);
  const entries: RegistryEntry[] = [];
  const seen = new Set<string>();
  for (const { record, line } of rows.slice(1)) {
    load.rows++;
    const source = (record[c.Source] ?? '').trim();
    const spec = SITES_OF_CONCERN_STATE_SOURCES[source];
    if (!spec) {
      filter(load, `source "${source}" is not a state-linked list`);
      continue;
    }
    const raw = (record[c.Domain] ?? '').trim();
    const host = normaliseHost(raw);
    if (!host) {
      errors.push({ file, line, message: `domain "${raw.slice(0, 80)}" has no registrable domain` });
      continue;
    }
    const key = `${host.host}\u0000${source}`;
    if (seen.has(key)) {
      filter(load, 'duplicate domain within the source');
      continue;
    }
    seen.add(key);
    const name = (record[c.Name] ?? '').trim();
    const actor = (record[c['Threat Actor']] ?? '').trim();
    entries.push({
      domain: host.host,
      outlet: name || spec.outlet,
      actor: actor || spec.actor,
      kind: spec.kind,
      sourceUrl: LAUNDROMAT_URL,
      sourceDate: '',
      licence: 'MIT (ASD-at-GMF/disinfo-laundromat)',
      file,
      line,
      sourceLabel: source,
    });
  }
  load.accepted = entries.length;
  return { entries, load };
}

/** Rows of dima_operation_domains.csv that name a domain. */
export function loadDimaDomains(file: string): { entries: RegistryEntry[]; load: FileLoad } {
  const errors: RowError[] = [];
  const rows = readRows(file, errors);
  const load: FileLoad = { file, format: 'dima', rows: 0, accepted: 0, filtered: 0, errors, filteredBy: {} };
  if (rows.length === 0) return { entries: [], load };
  const c = headerIndex(file, rows[0].record, [
    'operation',
    'domain',
    'match_type',
    'source',
    'report_url',
    'identified_date',
    'tags',
    'reason',
  ]);
  const entries: RegistryEntry[] = [];
  const seen = new Set<string>();
  for (const { record, line } of rows.slice(1)) {
    load.rows++;
    const cell = (k: string) => (record[c[k]] ?? '').trim();
    const raw = cell('domain');
    if (cell('match_type') === 'contains' && !raw.includes('.')) {
      filter(load, 'pattern, not a domain (match_type contains)');
      continue;
    }
    const host = normaliseHost(raw);
    if (!host) {
      errors.push({ file, line, message: `domain "${raw.slice(0, 80)}" has no registrable domain` });
      continue;
    }
    const op = cell('operation');
    const tags = cell('tags');
    const spec = DIMA_OPERATIONS[op] ?? {
      outlet: op || 'unnamed operation',
      actor: /Chine/i.test(tags) ? 'China' : /Russie/i.test(tags) ? 'Russia' : 'unattributed',
    };
    const url = cell('report_url');
    if (!validSourceUrl(url)) {
      errors.push({ file, line, message: `report_url "${url.slice(0, 80)}" is not an http(s) URL` });
      continue;
    }
    const key = `${host.host}\u0000${spec.outlet}\u0000${url}`;
    if (seen.has(key)) {
      filter(load, 'duplicate domain, operation and report');
      continue;
    }
    seen.add(key);
    const date = cell('identified_date');
    const impersonation = /Usurpation|Typosquatting|Clone de/i.test(`${tags} ${cell('reason')}`);
    entries.push({
      domain: host.host,
      outlet: spec.outlet,
      actor: spec.actor,
      kind: impersonation ? 'impersonation' : 'operation',
      sourceUrl: url,
      sourceDate: validDate(date) ? date : '',
      licence: 'Apache-2.0 (M82-project/DIMA_Plugin_Chrome)',
      file,
      line,
      sourceLabel: cell('source'),
    });
  }
  load.accepted = entries.length;
  return { entries, load };
}

/** Both reference lists from a folder (see `resolveReferenceDir`); ERR_NOT_FOUND when neither is there. */
export function loadReferenceRegistries(dir: string): ReferenceLoad {
  const d = resolveReferenceDir(dir);
  if (!d)
    throw new VigieError(
      'ERR_NOT_FOUND',
      `${dir}: neither ${SITES_OF_CONCERN} nor ${DIMA_DOMAINS} found (in it or in reference/state-media-domains/)`,
    );
  const entries: RegistryEntry[] = [];
  const files: FileLoad[] = [];
  for (const [name, fn] of [
    [DIMA_DOMAINS, loadDimaDomains],
    [SITES_OF_CONCERN, loadSitesOfConcern],
  ] as const) {
    const f = join(d, name);
    if (!existsSync(f)) continue;
    const r = fn(f);
    entries.push(...r.entries);
    files.push(r.load);
  }
  return { dir: d, entries, files };
}
