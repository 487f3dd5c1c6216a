/**
 * The store contract: every read and write of the workspace, in domain terms.
 *
 * Only implementations of this interface know the engine (DuckDB now; ClickHouse later).
 * Detectors, readers and outputs never see SQL.
 */
import type { Account, Post } from '../model/post.js';
import type { Finding } from '../findings/finding.js';

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
  accounts: Account[];
  rejects: RejectRow[];
  /** Records of the file fully handled once this batch commits. */
  recordsDone: number;
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

  beginRun(runId: string, command: string, parameters: Record<string, unknown>, version: string): Promise<void>;
  finishRun(runId: string): Promise<void>;
}
