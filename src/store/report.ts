/**
 * Read-only queries of the briefing (`vigie report`), reached through `Store.report()`:
 * aggregates for charts, the runs recorded, and evidence references resolved to the raw
 * records they point at (post text, log line, message headers) so a reader can go from a
 * finding down to what was ingested. Nothing here writes.
 */

/** Posts in one time bin. */
export interface VolumeBin {
  /** epoch ms of the bin start (UTC) */
  start: number;
  posts: number;
}

/** Alerts and the events they cover, under one label (a day, a country, a scenario). */
export interface AttackCount {
  label: string;
  alerts: number;
  events: number;
}

export interface AttackBreakdown {
  alerts: number;
  events: number;
  /** by UTC day of the alert's first event, in day order */
  perDay: AttackCount[];
  /** by source country (`''` when unknown), most alerts first */
  perCountry: AttackCount[];
  /** by scenario, most alerts first */
  perScenario: AttackCount[];
}

/** One detector run as recorded in `runs`. */
export interface RunRow {
  runId: string;
  command: string;
  parameters: Record<string, unknown>;
  version: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** Number of findings per channel, detector, kind and severity (no cap, unlike listings). */
export interface FindingCountRow {
  channel: string;
  detector: string;
  kind: string;
  severity: string;
  findings: number;
}

/**
 * A raw record behind an evidence reference. Every string may be adversary-controlled and
 * must be escaped by whoever renders it.
 */
export interface EvidenceRecord {
  table: string;
  key: string;
  /** ISO-8601 time of the record, when it has one */
  time: string | null;
  /** who: account of a post, sender of a message, handle of an account, source address */
  who: string | null;
  /** text excerpt: post text, log line, subject, document path */
  text: string | null;
  /** where it was read: `file:line` for log lines, `file#record` for posts, a dump path */
  location: string | null;
  /** the stored content hash, when the table has one */
  sha256: string | null;
}

export interface ReportStore {
  /** Posts per time bin of `binSeconds`, in time order (empty bins left out). */
  postVolume(binSeconds: number): Promise<VolumeBin[]>;
  /** Infrastructure alerts counted per day, source country and scenario. */
  attackBreakdown(): Promise<AttackBreakdown>;
  /** Detector runs, oldest first. */
  runs(): Promise<RunRow[]>;
  findingCounts(): Promise<FindingCountRow[]>;
  /**
   * The raw records of evidence references, keyed `table + '\u0000' + key`. Tables it does
   * not know and keys it does not find are left out.
   */
  resolveEvidence(refs: { table: string; key: string }[]): Promise<Map<string, EvidenceRecord>>;
  /** The database engine and its version, e.g. `DuckDB v1.5.0`. */
  engineVersion(): Promise<string>;
}

/** The map key of `ReportStore.resolveEvidence`. */
export function evidenceKey(table: string, key: string): string {
  return `${table}\u0000${key}`;
}
