/**
 * The store operations of the infrastructure-attacks channel (reached through
 * `Store.attacks()`): alerts raised by scenarios with their evidence lines, and daily event
 * counts for the digest. Log events themselves are not stored (a month of access logs is
 * billions of rows): the files are the record, identified by their SHA-256 in `sources`,
 * and every line an alert rests on is kept verbatim with its position and hash.
 */
import type { Severity } from '../findings/finding.js';

/** One evidence line of an alert. Key in findings: `attack_lines` / `<sourceId>:<line>`. */
export interface AttackLine {
  sourceId: number;
  line: number;
  offset: number;
  /** epoch ms, NaN when the line had no time */
  time: number;
  raw: string;
  sha256: string;
}

/** What an alert says about its bucket, as the scenario engine raises it and as it is stored. */
export interface AlertSummary {
  scenario: string;
  key: string;
  /** The first client address of the bucket (the only one for groupby ip). */
  ip: string;
  ips: string[];
  users: string[];
  /** Distinct values of the scenario's `distinct` field (capped). */
  values: string[];
  uas: string[];
  paths: string[];
  services: string[];
  firstTime: number;
  lastTime: number;
  /** Events in the bucket when it overflowed. */
  events: number;
  /** Matching events of the same group dropped during the blackhole after this alert. */
  suppressed: number;
  /** Time of the last of those. */
  lastActivity: number;
  severity: Severity;
  confidence: number;
  techniques: string[];
  traits: string[];
  country: string;
  asn: number;
  org: string;
  hosting: boolean;
  tor: boolean;
}

export interface StoredAlert extends AlertSummary {
  alertId: string;
  groupby: string;
  sourceIds: number[];
  evidence: AttackLine[];
}

/** Events of one day (UTC), source, family, kind and source country. */
export interface DailyCount {
  day: string;
  sourceId: number;
  family: string;
  kind: string;
  country: string;
  events: number;
}

export interface AlertFilter {
  /** epoch ms, inclusive */
  from?: number;
  /** epoch ms, exclusive */
  to?: number;
  scenario?: string;
}

export interface AttackStore {
  /** Store alerts (replacing any with the same id) and their evidence lines, in one transaction. */
  saveAlerts(alerts: StoredAlert[]): Promise<void>;
  /** Add daily counts (summed with existing rows of the same day/source/family/kind/country). */
  saveDaily(rows: DailyCount[]): Promise<void>;
  listAlerts(filter?: AlertFilter): Promise<StoredAlert[]>;
  /** Daily counts summed over sources. */
  daily(): Promise<DailyCount[]>;
  /** Set a log source's final counts (events accepted, lines rejected) and its detected format. */
  setSourceCounts(sourceId: number, accepted: number, rejected: number, format?: string): Promise<void>;
  /** Remove what a source contributed (before it is re-read after a crash). */
  discardSource(sourceId: number): Promise<void>;
}
