/**
 * Feature extraction for every account of the workspace: profile and behaviour from the
 * store, the creation-burst feature from the coordination clusters already found.
 */
import { storedClusters } from '../detectors/coordination/clusters.js';
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import type { Store } from '../store/store.js';
import type { BehaviourQuery } from '../store/signals.js';
import { VigieError } from '../util/errors.js';
import { D, FEATURE_INDEX, accountVector } from './features.js';

export interface ExtractOptions extends Omit<BehaviourQuery, 'timezones'> {
  /** Reference time for account age when a row has no snapshot and no posts (epoch ms). */
  asOf: number | null;
  /** Cluster co-members created within this many hours of an account count towards its creation burst. */
  burstWindowHours: number;
  /** Accounts' own IANA time zones by key `platform:account_id`. */
  timezones?: Map<string, string>;
}

export const EXTRACT_DEFAULTS: ExtractOptions = {
  nightStartHour: 0,
  nightEndHour: 6,
  dormancyDays: 90,
  reactivationBefore: null,
  reactivationWindowDays: 30,
  minGaps: 5,
  asOf: null,
  burstWindowHours: 72,
};

export interface FeatureTable {
  /** Account keys `platform:account_id`, in store order. */
  keys: string[];
  /** n × D raw values, row-major, NaN for unknown. */
  values: Float64Array;
  flags: string[][];
  /** The reactivation reference used (epoch ms), null when the workspace has no posts. */
  reactivationBefore: number | null;
  /** Coordination clusters read for the creation-burst feature. */
  clusters: number;
}

export interface ClusterMembers {
  findingId: string;
  members: string[];
}

/** The coordination detector's clusters. */
export async function coordinationClusters(store: Store): Promise<ClusterMembers[]> {
  return (await storedClusters(store)).map((c) => ({ findingId: c.finding.id, members: c.members }));
}

/** Check IANA zone names before they reach SQL, so a typo is an error naming the zone. */
export function checkTimeZone(tz: string, where: string): void {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
  } catch {
    throw new VigieError('ERR_INPUT', `${where}: unknown time zone "${tz}"`);
  }
}

export async function extractFeatures(
  store: Store,
  options: Partial<ExtractOptions> = {},
): Promise<FeatureTable> {
  const o = { ...EXTRACT_DEFAULTS, ...options };
  const tzs = [...(o.timezones ?? new Map<string, string>())].map(([key, tz]) => {
    checkTimeZone(tz, `time zone of ${key}`);
    return { key, tz };
  });
  const { rows, reactivationBefore } = await store.signals().accountBehaviour({
    nightStartHour: o.nightStartHour,
    nightEndHour: o.nightEndHour,
    dormancyDays: o.dormancyDays,
    reactivationBefore: o.reactivationBefore,
    reactivationWindowDays: o.reactivationWindowDays,
    minGaps: o.minGaps,
    timezones: tzs,
  });
  const n = rows.length;
  const values = new Float64Array(n * D);
  const keys: string[] = new Array<string>(n);
  const flags: string[][] = new Array<string[]>(n);
  const created = new Map<string, number | null>();
  const row = new Float64Array(D);
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    keys[i] = `${r.platform}:${r.accountId}`;
    flags[i] = accountVector(r, { asOf: o.asOf }, row);
    values.set(row, i * D);
    created.set(keys[i], r.createdAt);
  }

  // Creation burst: only co-acting accounts count, so it is measured inside the clusters the
  // coordination detector proved; without clusters there is nothing to measure (unknown).
  const clusters = await coordinationClusters(store);
  const burstCol = FEATURE_INDEX.get('creation_burst')!;
  if (clusters.length > 0) {
    const win = o.burstWindowHours * 3_600_000;
    const burst = new Map<string, number>();
    for (const c of clusters) {
      const known = c.members
        .map((m) => [m, created.get(m) ?? null] as const)
        .filter((x): x is readonly [string, number] => x[1] !== null)
        .sort((a, b) => a[1] - b[1]);
      // Sorted by creation time: a two-pointer sweep counts neighbours within the window.
      let lo = 0;
      let hi = 0;
      for (let i = 0; i < known.length; i++) {
        while (known[i][1] - known[lo][1] > win) lo++;
        while (hi + 1 < known.length && known[hi + 1][1] - known[i][1] <= win) hi++;
        const k = known[i][0];
        burst.set(k, Math.max(burst.get(k) ?? 0, hi - lo));
      }
    }
    for (let i = 0; i < n; i++) {
      if (created.get(keys[i]) === null) continue;
      values[i * D + burstCol] = burst.get(keys[i]) ?? 0;
    }
  } else {
    for (const f of flags) f.push('no-clusters');
  }
  return { keys, values, flags, reactivationBefore, clusters: clusters.length };
}

/**
 * Read accounts' own time zones from a CSV of `platform:account_id,zone` (IANA names, e.g.
 * Europe/Paris), header optional. Bad rows are skipped, each with its file and line.
 */
export function readTimezones(path: string): { zones: Map<string, string>; problems: string[] } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new VigieError('ERR_INPUT', `${path}: cannot read (${(e as Error).message})`);
  }
  const problems: string[] = [];
  const zones = new Map<string, string>();
  const records = parse(text, {
    bom: true,
    info: true,
    relax_column_count: true,
    skip_empty_lines: true,
    trim: true,
    skip_records_with_error: true,
    on_skip: (err) => {
      problems.push(`${path}:${typeof err?.lines === 'number' ? err.lines : '?'}: unreadable CSV row`);
      return undefined;
    },
  }) as unknown as { record: string[]; info: { lines: number } }[];
  records.forEach(({ record, info }, i) => {
    const [key = '', tz = ''] = record;
    if (i === 0 && /^(time_?zone|tz|zone)$/i.test(tz) && !tz.includes('/')) return; // header
    const where = `${path}:${info.lines}`;
    if (!/^[^:]+:.+$/.test(key))
      return void problems.push(`${where}: "${key.slice(0, 60)}" is not platform:account_id`);
    try {
      checkTimeZone(tz, where);
    } catch (e) {
      return void problems.push((e as Error).message);
    }
    zones.set(key, tz);
  });
  return { zones, problems };
}
