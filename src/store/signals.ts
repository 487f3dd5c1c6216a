/**
 * The store operations of account signals (reached through `Store.signals()`): per-account
 * behaviour aggregated from posts by the engine, and the stored feature vectors and scores
 * (table `account_signals`) that `vigie accounts` and a dashboard read.
 */
import type { Account } from '../model/post.js';

/** What the engine aggregates per account (see `SignalStore.accountBehaviour`). */
export interface BehaviourQuery {
  /** Local hour at which the night starts (inclusive), 0..23. */
  nightStartHour: number;
  /** Local hour at which the night ends (exclusive), 0..23; may be below the start (wraps at midnight). */
  nightEndHour: number;
  /** A gap between two posts at least this long (days) counts as dormancy. */
  dormancyDays: number;
  /** Reactivation reference (epoch ms, e.g. the vote); null: the last post of the workspace. */
  reactivationBefore: number | null;
  /** A post ending a dormancy counts as reactivation when it falls this many days before the reference. */
  reactivationWindowDays: number;
  /** Gaps needed before gap regularity (CV, entropy) is computed; fewer gives null. */
  minGaps: number;
  /** Accounts' own IANA time zones (key `platform:account_id`), validated by the caller. */
  timezones?: { key: string; tz: string }[];
}

/** One account's profile and post aggregates. Times are epoch ms; null when unknown. */
export interface AccountBehaviourRow extends Omit<Account, 'observedAt'> {
  /** When the profile snapshot used was observed (epoch ms). */
  snapshotAt: number | null;
  lastSeen: number | null;
  /** Posts of the account in the workspace. */
  posts: number;
  firstPost: number | null;
  lastPost: number | null;
  reposts: number;
  /** Posts whose local hour falls in the night window. */
  nightPosts: number;
  /** The zone the night was judged in; null: UTC, because the account's own zone is unknown. */
  nightTz: string | null;
  /** Inter-post gaps (seconds) and their moments; null below `minGaps` gaps. */
  gaps: number;
  gapMean: number | null;
  gapStd: number | null;
  /** Shannon entropy (bits) of the gaps binned by floor(log2(1 + seconds)). */
  gapEntropy: number | null;
  longestGapSeconds: number | null;
  /** Distinct client applications named, and the Shannon entropy (bits) of their use. */
  clients: number;
  clientEntropy: number | null;
  /** A post ending a dormancy fell in the reactivation window; null without posts. */
  reactivated: boolean | null;
}

/** The reactivation reference actually used (the query's, or the workspace's last post). */
export interface BehaviourResult {
  rows: AccountBehaviourRow[];
  reactivationBefore: number | null;
}

/** One scored account as stored in `account_signals`. */
export interface StoredSignal {
  platform: string;
  accountId: string;
  /** Feature name to raw value (null: unknown). */
  features: Record<string, number | null>;
  /** Notes on how features were obtained (e.g. `night-utc`: the account's zone was unknown). */
  flags: string[];
  score: number;
  logit: number;
  /** Feature name to its log-odds contribution. */
  contributions: Record<string, number>;
  model: string;
  /** ISO-8601 */
  computedAt: string;
}

export interface SignalQuery {
  /** Highest scores first, at most this many. */
  top?: number;
  /** One account key `platform:account_id`. */
  key?: string;
}

export interface SignalStore {
  /** Profile fields and post aggregates of every account of the workspace, in key order. */
  accountBehaviour(query: BehaviourQuery): Promise<BehaviourResult>;
  /** Replace all stored signals with these rows. Returns rows stored. */
  replaceSignals(rows: StoredSignal[]): Promise<number>;
  /** Stored signals, highest score first. */
  listSignals(query?: SignalQuery): Promise<StoredSignal[]>;
}
