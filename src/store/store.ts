/**
 * The store contract: every read and write of the workspace, in domain terms.
 *
 * Only implementations of this interface know the engine (DuckDB now; ClickHouse later).
 * Detectors, readers and outputs never see SQL.
 */
import type { Account, Post } from '../model/post.js';
import type { Finding } from '../findings/finding.js';
import type {
  CoactionLayerInfo,
  CoactionQuery,
  CoactionResult,
  CoactionSession,
  GroupGrowthQuery,
  GroupGrowthResult,
  SharedObject,
  SharedObjectsQuery,
} from './coaction-types.js';
import type { LeakStore } from './leaks.js';
import type { AttackStore } from './attacks.js';
import type { InterchangeStore } from './interchange.js';
import type { RegistryStore } from './registry.js';
import type { NarrativeStore } from './narratives.js';
import type { SignalStore } from './signals.js';
import type { ReportStore } from './report.js';
import type { AnnotationStore } from './annotations.js';
import type { ViewStore } from './views.js';
import type {
  ActivityBins,
  ActivityBinsQuery,
  NearDupGroupRows,
  PostTextChunk,
  PostTextStreamOptions,
} from './activity-types.js';

export interface SourceMeta {
  path: string;
  size: number;
  sha256: string;
  format: string;
  compression: string | null;
  options?: Record<string, unknown>;
}

export type SourceStatus = 'running' | 'done' | 'failed';

export interface SourceRow extends SourceMeta {
  sourceId: number;
  ingestedAt: string;
  finishedAt: string | null;
  status: SourceStatus;
  recordsDone: number;
  accepted: number;
  rejected: number;
  duplicates: number;
  error: string | null;
}

export interface RejectRow {
  recordNo: number;
  line: number | null;
  offset: number | null;
  reason: string;
  excerpt: string;
}

/** One transactional unit of ingest: everything in it is committed together, or nothing. */
export interface IngestBatch {
  sourceId: number;
  /** Record number (0-based) of each post, same order as `posts`. */
  postRecordNos: number[];
  posts: Post[];
  /**
   * Account snapshots (at most one per key). The authors of the posts need not be listed:
   * the store records every author it does not know yet, and widens their seen range from
   * the posts when the source is finished.
   */
  accounts: Account[];
  rejects: RejectRow[];
  /** Records of the file fully handled once this batch commits. */
  recordsDone: number;
  /** Posts of this batch handed over early (see `Store.newPostStage`); they come before `posts`. */
  staged?: PostStage;
}

/**
 * Posts of one batch converted to the engine's format as they are read, so that the JS
 * objects die young instead of living until the batch commits (which cost ~1.8 s of garbage
 * collection per million posts, measured). Nothing is written until the batch is.
 */
export interface PostStage {
  /** Stage posts and their record numbers (same length). */
  add(posts: Post[], recordNos: number[]): void;
  /** Posts staged so far. */
  readonly count: number;
}

export interface WorkspaceCounts {
  posts: number;
  accounts: number;
  sources: number;
  rejects: number;
  findings: number;
  platforms: { platform: string; posts: number }[];
  firstPost: string | null;
  lastPost: string | null;
}

export interface FindingFilter {
  channel?: string;
  kind?: string;
  minSeverity?: string;
  limit?: number;
}

export interface Store {
  readonly location: string;
  close(): Promise<void>;
  schemaVersion(): Promise<number>;

  /** Find a source by file hash. */
  sourceByHash(sha256: string): Promise<SourceRow | null>;
  /** Register a new source (status running). */
  beginSource(meta: SourceMeta): Promise<SourceRow>;
  /** Commit a batch of records and the source's progress atomically. */
  writeBatch(batch: IngestBatch): Promise<void>;
  /** Optional: a stage for the posts of one batch of `sourceId` (see `IngestBatch.staged`). */
  newPostStage?(sourceId: number): PostStage;
  /**
   * Finish a source: merge records of one post split over several rows of this file, drop
   * posts already ingested from other files, set final counts. Returns duplicates removed.
   */
  finishSource(sourceId: number, status: SourceStatus, error?: string | null): Promise<SourceRow>;
  /** Delete a source and everything ingested from it. */
  discardSource(sourceId: number): Promise<void>;
  listSources(): Promise<SourceRow[]>;
  listRejects(sourceId?: number, limit?: number): Promise<(RejectRow & { sourceId: number; path: string })[]>;

  counts(): Promise<WorkspaceCounts>;

  /** Store findings (replacing earlier versions with the same id), filling evidence content hashes. */
  saveFindings(findings: Finding[], runId: string): Promise<void>;
  /** Remove the findings a detector produced earlier (before it writes fresh ones). */
  clearFindings(detector: string): Promise<void>;
  listFindings(filter?: FindingFilter): Promise<Finding[]>;

  beginRun(
    runId: string,
    command: string,
    parameters: Record<string, unknown>,
    version: string,
  ): Promise<void>;
  finishRun(runId: string): Promise<void>;

  // ---- coordination (see src/store/coaction-types.ts) ----------------------------------
  /** The object layers this store can pair accounts on, and whether this workspace has their data. */
  coactionLayers(): Promise<CoactionLayerInfo[]>;
  /** Account pairs acting on the same object within W, with the null model's expected counts. */
  coactionPairs(query: CoactionQuery): Promise<CoactionResult>;
  /** Objects that several of the given accounts acted on within W, with their actions. */
  sharedObjects(query: SharedObjectsQuery): Promise<SharedObject[]>;
  /** Accounts outside each group acting on the group's co-action objects within W of a member. */
  groupCandidates(query: GroupGrowthQuery): Promise<GroupGrowthResult>;
  /** Optional: co-action calls that share work within one detector run (same numbers). */
  coactionSession?(): Promise<CoactionSession>;
  /** Accounts by key (`platform:account_id`); unknown keys are left out. */
  accountsByKey(keys: string[]): Promise<Account[]>;

  // ---- near-duplicate text, synchronised activity (see src/store/activity-types.ts) -----
  /** Every post's text in time order, in chunks: memory stays at one chunk. */
  streamPostTexts(options?: PostTextStreamOptions): AsyncIterable<PostTextChunk>;
  /** Replace the near-duplicate text groups (what the `co-text` layer pairs accounts on). Returns rows stored. */
  saveNearDupGroups(groups: NearDupGroupRows): Promise<number>;
  /** Per-account active time bins of accounts active in at least `minActiveBins` bins. */
  activityBins(query: ActivityBinsQuery): Promise<ActivityBins>;

  /** Hack-and-leak: dumps, verdicts, documents, DKIM keys, decoys (see src/store/leaks.ts). */
  leaks(): LeakStore;
  /** Infrastructure attacks: alerts, evidence lines, daily counts (see src/store/attacks.ts). */
  attacks(): AttackStore;
  /** Cross-channel queries, post volume, Parquet export (see src/store/interchange.ts). */
  interchange(): InterchangeStore;
  /** State-media registry and news look-alikes: matched hosts, amplification (see src/store/registry.ts). */
  registry(): RegistryStore;
  /** Narratives: definitions, matched posts, report aggregates, discovery (see src/store/narratives.ts). */
  narratives(): NarrativeStore;
  /** Account signals: behaviour aggregates, stored features and scores (see src/store/signals.ts). */
  signals(): SignalStore;
  /** Read-only queries of the briefing: chart aggregates, runs, raw evidence (see src/store/report.ts). */
  report(): ReportStore;
  /** Analyst annotations of findings (see src/store/annotations.ts). */
  annotations(): AnnotationStore;
  /** Read-side queries of the dashboard and HTTP API (see src/store/views.ts). */
  views(): ViewStore;
}
