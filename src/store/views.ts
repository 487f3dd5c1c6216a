/**
 * Read-side queries of the dashboard and HTTP API (reached through `Store.views()`): paginated,
 * filtered lists and single rows resolved by key, plus the pre-aggregated overview. Nothing
 * here writes workspace data, except the overview's summary tables (derived, rebuildable).
 */
import type { Finding } from '../findings/finding.js';
import type { Annotation } from './annotations.js';
import type { StoredSignal } from './signals.js';

export interface Page<T> {
  items: T[];
  total: number;
}

export interface PageQuery {
  limit: number;
  offset: number;
}

export interface FindingSummary {
  id: string;
  kind: string;
  channel: string;
  title: string;
  summary: string;
  severity: string;
  confidence: number;
  detector: string;
  createdAt: string;
  evidenceCount: number;
  techniques: string[];
  details?: Record<string, unknown>;
  annotation: Annotation | null;
}

export interface FindingQuery extends PageQuery {
  channel?: string;
  detector?: string;
  kind?: string;
  /** Minimum severity. */
  severity?: string;
  /** Status of the latest annotation; `unreviewed` = none. */
  status?: 'confirmed' | 'dismissed' | 'note' | 'unreviewed';
  /** Case-insensitive substring of title or summary. */
  q?: string;
  /**
   * Findings that reference this account key in their evidence, as a cluster member
   * (`details.members`) or as a member of a cluster they describe (`details.clusterMembers`).
   */
  account?: string;
  /** Only these finding ids (evidence that points at other findings). */
  ids?: string[];
  /** Include `details` in the summaries. */
  withDetails?: boolean;
}

/** Data-side counts and timelines, computed once per workspace change (see `overviewBase`). */
export interface OverviewBase {
  posts: number;
  accounts: number;
  sources: number;
  firstPost: string | null;
  lastPost: string | null;
  leaks: { messages: number; byVerdict: Record<string, number> };
  attacks: { events: number; alerts: number };
  /** Hourly buckets (series `posts`, `leaks`) and daily ones (`infrastructure`). */
  buckets: { series: string; t: string; count: number }[];
  aggregatedAt: string;
  /** True when the summary tables were rebuilt by this call. */
  rebuilt: boolean;
}

export interface FindingCounts {
  total: number;
  byChannel: Record<string, number>;
  /** Findings per channel and UTC day (or hour) of creation. */
  timeline: { channel: string; t: string; count: number }[];
}

export interface PostView {
  key: string;
  platform: string;
  postId: string;
  accountId: string;
  accountKey: string;
  time: string | null;
  text: string | null;
  lang: string;
  kind: string;
  refPostId: string | null;
  refAccountId: string | null;
  urls: string[];
  domains: string[];
  hashtags: string[];
  mentions: string[];
  media: string[];
  client: string | null;
  sourceId: number;
  recordNo: number;
}

export interface AccountView {
  key: string;
  platform: string;
  accountId: string;
  handle: string | null;
  displayName: string | null;
  createdAt: string | null;
  followers: number | null;
  following: number | null;
  postsCount: number | null;
  description: string | null;
  verified: boolean | null;
  firstSeen: string | null;
  lastSeen: string | null;
}

export interface LeakMessageView {
  id: string;
  dumpId: string;
  msgKey: string;
  date: string | null;
  from: string | null;
  fromDomain: string | null;
  to: string | null;
  subject: string | null;
  messageId: string | null;
  verdict: string;
  explanation: string;
  sha256: string;
  size: number;
}

export interface LeakMessageDetail extends LeakMessageView {
  dump: { dumpId: string; label: string; leakDate: string | null } | null;
  signatures: unknown[];
  flags: unknown[];
  arc: { status: string; reason: string | null };
  verifiedAsOf: string | null;
  keys: Record<string, unknown>[];
  attachments: Record<string, unknown>[];
}

export interface LeakQuery extends PageQuery {
  verdict?: string;
  dump?: string;
  sort: 'date' | 'from' | 'subject' | 'verdict' | 'size';
  order: 'asc' | 'desc';
}

export interface AttackLineView {
  sourceId: number;
  path: string | null;
  line: number;
  offset: number | null;
  time: string | null;
  raw: string;
  sha256: string;
}

export interface AttackStats {
  byDay: { day: string; events: number; alerts: number }[];
  byCountry: { country: string; events: number; alerts: number }[];
  byAsn: { asn: number; org: string; alerts: number; events: number }[];
  byScenario: { scenario: string; alerts: number; events: number }[];
}

export interface SearchHit {
  kind: 'post' | 'message' | 'event';
  id: string;
  title: string;
  excerpt: string;
  time: string | null;
}

export interface ViewStore {
  /**
   * Counts and timelines of posts, leak messages and log events, from summary tables rebuilt
   * when the workspace's sources changed (and the store is writable); else computed live.
   */
  overviewBase(): Promise<OverviewBase>;
  /** Finding counts per channel, created after `sinceMs` when given; timeline per `bucket`. */
  findingCounts(sinceMs: number | null, bucket: 'hour' | 'day'): Promise<FindingCounts>;
  findings(q: FindingQuery): Promise<Page<FindingSummary>>;
  finding(id: string): Promise<Finding | null>;
  /**
   * Evidence rows by table and key, in order; null for tables not resolved or keys not found.
   * Resolved: posts, accounts, leak_messages, attack_alerts, attack_lines, account_signals
   * (a StoredSignal) and findings (a FindingSummary of the referenced finding).
   */
  evidenceRows(refs: { table: string; key: string }[]): Promise<(Record<string, unknown> | null)[]>;
  post(platform: string, postId: string): Promise<PostView | null>;
  account(key: string): Promise<AccountView | null>;
  /** The account's most recent posts. */
  accountPosts(key: string, limit: number): Promise<PostView[]>;
  /**
   * The account's stored signals (`account_signals`: score, features and contributions as
   * objects), or null when it was not scored (or the workspace predates the table).
   */
  accountSignals(key: string): Promise<StoredSignal | null>;
  leakMessages(q: LeakQuery): Promise<Page<LeakMessageView> & { verdicts: Record<string, number> }>;
  leakMessage(dumpId: string, msgKey: string): Promise<LeakMessageDetail | null>;
  attackStats(): Promise<AttackStats>;
  attackLines(alertIds: string[]): Promise<Map<string, AttackLineView[]>>;
  search(q: string, kinds: SearchHit['kind'][], page: PageQuery): Promise<Page<SearchHit>>;
}
