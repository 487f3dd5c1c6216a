/**
 * Ingest: file -> reader -> batches -> store, idempotent and resumable.
 *
 * - The file's SHA-256 identifies it: a file already ingested is skipped ("adds nothing").
 * - Each batch of records is committed with the count of records done, in one transaction;
 *   after a crash or SIGKILL, a re-run of the same file skips the records already committed
 *   and completes it. Readers are deterministic, so record N is always the same record.
 * - Duplicate posts (same platform and id) from other files are dropped at the end of a file;
 *   rows of one post split over several records of a file are merged.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Account, Post, ReadRecord } from '../model/post.js';
import { bareAccount } from '../model/post.js';
import type { IngestBatch, RejectRow, Store } from '../store/store.js';
import { detectFormat, readerFor } from '../readers/index.js';
import type { ReaderOptions } from '../readers/types.js';
import { InputFile, type InputLimits } from './input.js';
import { VigieError, isVigieError } from '../util/errors.js';

export interface IngestProgress {
  phase: 'hashing' | 'reading' | 'finishing';
  path: string;
  bytes: number;
  totalBytes: number;
  records: number;
  accepted: number;
  rejected: number;
}

export interface IngestOptions {
  /** Force a format instead of detecting it. */
  format?: string;
  readerOptions?: ReaderOptions;
  limits?: Partial<InputLimits>;
  /** Records per committed batch. */
  batchRecords?: number;
  onProgress?: (p: IngestProgress) => void;
}

/**
 * `batchRecords`: records per committed batch. Two DuckDB row groups (2 x 122,880 rows): a
 * batch holding whole row groups is compressed and written straight to the database file at
 * commit ("optimistic write"), where a smaller one goes through the write-ahead log and a
 * checkpoint that recompresses the partly filled row group batch after batch. Measured on
 * 1M CSV rows: 9.5 s of CPU in all instead of 12.1 s with 100,000-record batches.
 */
export const INGEST_DEFAULTS = { batchRecords: 2 * 122_880 };

/** Posts handed to the store's stage at a time: one DuckDB data chunk. */
const STAGE_POSTS = 2048;

export type FileStatus = 'ingested' | 'resumed' | 'already-ingested' | 'empty' | 'failed';

export interface FileResult {
  path: string;
  status: FileStatus;
  format: string | null;
  sha256: string | null;
  sourceId: number | null;
  /** Posts stored from this file (after duplicate removal). */
  accepted: number;
  rejected: number;
  duplicates: number;
  records: number;
  seconds: number;
  error?: string;
  errorCode?: string;
}

async function sha256File(path: string, onBytes?: (n: number) => void): Promise<string> {
  const h = createHash('sha256');
  let n = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    h.update(chunk);
    n += chunk.length;
    onBytes?.(n);
  }
  return h.digest('hex');
}

type AccountAcc = Account & { firstSeen: number | null; lastSeen: number | null };

const PROFILE_FIELDS = [
  'handle', 'displayName', 'createdAt', 'followers', 'following', 'postsCount', 'description',
  'verified', 'defaultProfile', 'defaultAvatar',
] as const; // prettier-ignore

/**
 * A copy as an explicit literal: V8 gives a `{ ...a }` spread of this many fields a slow
 * (dictionary) shape, which showed in profiles of v1.1 ingest (one snapshot per tweet).
 */
function acc(a: Account): AccountAcc {
  return {
    platform: a.platform,
    accountId: a.accountId,
    handle: a.handle,
    displayName: a.displayName,
    createdAt: a.createdAt,
    followers: a.followers,
    following: a.following,
    postsCount: a.postsCount,
    description: a.description,
    verified: a.verified,
    defaultProfile: a.defaultProfile,
    defaultAvatar: a.defaultAvatar,
    observedAt: a.observedAt,
    firstSeen: null,
    lastSeen: null,
  };
}

/**
 * The account snapshots of one batch, each key once (the store's upsert needs that): newest
 * profile fields win, and the seen range is widened. Post authors are not listed here: the
 * store derives them from the posts (see `IngestBatch.accounts`).
 */
class Accounts {
  private readonly slots = new Map<string, Map<string, number>>();
  private first = new Float64Array(1024);
  private last = new Float64Array(1024);
  private readonly platforms: string[] = [];
  private readonly ids: string[] = [];
  private readonly profiles: (AccountAcc | null)[] = [];

  private slot(platform: string, accountId: string): number {
    let t = this.slots.get(platform);
    if (!t) this.slots.set(platform, (t = new Map()));
    const s = t.get(accountId);
    if (s !== undefined) return s;
    const n = this.ids.length;
    if (n === this.first.length) {
      const f = new Float64Array(n * 2);
      const l = new Float64Array(n * 2);
      f.set(this.first);
      l.set(this.last);
      this.first = f;
      this.last = l;
    }
    this.first[n] = NaN; // NaN: not seen at a known time
    this.last[n] = NaN;
    this.platforms.push(platform);
    this.ids.push(accountId);
    this.profiles.push(null);
    t.set(accountId, n);
    return n;
  }

  private widen(s: number, at: number): void {
    const f = this.first[s];
    if (f !== f || at < f) this.first[s] = at;
    const l = this.last[s];
    if (l !== l || at > l) this.last[s] = at;
  }

  /** A profile snapshot: newer non-null fields win; older ones only fill gaps. */
  merge(a: Account, seenAt: number | null): void {
    const s = this.slot(a.platform, a.accountId);
    if (seenAt !== null) this.widen(s, seenAt);
    const cur = this.profiles[s];
    if (cur === null) {
      this.profiles[s] = acc(a);
      return;
    }
    const newer = a.observedAt !== null && (cur.observedAt === null || a.observedAt >= cur.observedAt);
    for (const k of PROFILE_FIELDS) {
      const v = a[k];
      if (v === null || v === undefined) continue;
      if (newer || cur[k] === null) (cur as unknown as Record<string, unknown>)[k] = v;
    }
    if (newer) cur.observedAt = a.observedAt;
  }

  values(): AccountAcc[] {
    const out: AccountAcc[] = new Array(this.ids.length);
    for (let s = 0; s < this.ids.length; s++) {
      const a = this.profiles[s] ?? acc(bareAccount(this.platforms[s], this.ids[s]));
      const f = this.first[s];
      const l = this.last[s];
      a.firstSeen = f === f ? f : null;
      a.lastSeen = l === l ? l : null;
      out[s] = a;
    }
    return out;
  }
}

/** Ingest one file. Never throws for bad content: the result says what happened. */
export async function ingestFile(
  store: Store,
  path: string,
  options: IngestOptions = {},
): Promise<FileResult> {
  const started = performance.now();
  const batchRecords = options.batchRecords ?? INGEST_DEFAULTS.batchRecords;
  const result: FileResult = {
    path,
    status: 'failed',
    format: null,
    sha256: null,
    sourceId: null,
    accepted: 0,
    rejected: 0,
    duplicates: 0,
    records: 0,
    seconds: 0,
  };
  const progress: IngestProgress = {
    phase: 'hashing',
    path,
    bytes: 0,
    totalBytes: 0,
    records: 0,
    accepted: 0,
    rejected: 0,
  };
  const report = () => options.onProgress?.(progress);
  let sourceId: number | null = null;
  // Waits for a batch write still in flight (set once reading starts).
  let settle = async (): Promise<void> => undefined;
  try {
    const input = await InputFile.open(path, options.limits);
    progress.totalBytes = input.size;
    if (input.size === 0) {
      result.status = 'empty';
      result.error = `${path}: file is empty; nothing to ingest`;
      return result;
    }
    result.sha256 = await sha256File(path, (n) => {
      progress.bytes = n;
      if ((n & 0x3ffffff) < 1 << 20) report();
    });
    let existing = await store.sourceByHash(result.sha256);
    if (existing && existing.status !== 'done' && existing.recordsDone === 0) {
      // Nothing of it was committed (it failed or was killed before its first batch): start
      // afresh, so corrected flags (--format, --map) take effect.
      await store.discardSource(existing.sourceId);
      existing = null;
    }
    if (existing && existing.status === 'done') {
      Object.assign(result, {
        status: 'already-ingested',
        format: existing.format,
        sourceId: existing.sourceId,
        accepted: 0,
        rejected: 0,
        records: 0,
      });
      return result;
    }
    const reader = existing
      ? readerFor(existing.format)
      : options.format
        ? readerFor(options.format)
        : await detectFormat(input);
    result.format = reader.format;
    const readerOptions: ReaderOptions = existing?.options
      ? (existing.options as ReaderOptions)
      : (options.readerOptions ?? {});
    const source =
      existing ??
      (await store.beginSource({
        path,
        size: input.size,
        sha256: result.sha256,
        format: reader.format,
        compression: input.compression,
        options: readerOptions as Record<string, unknown>,
      }));
    sourceId = source.sourceId;
    result.sourceId = sourceId;
    const skip = existing ? existing.recordsDone : 0;
    result.status = existing ? 'resumed' : 'ingested';

    progress.phase = 'reading';
    progress.bytes = 0;
    let posts: Post[] = [];
    let recNos: number[] = [];
    let rejects: RejectRow[] = [];
    let accounts = new Accounts();
    // Posts go to the store's stage every STAGE_POSTS, so the objects die young.
    let stage = store.newPostStage?.(sourceId) ?? null;
    let recordNo = 0;
    let inBatch = 0;
    let lastReport = 0;
    // The previous batch's write: it runs (DuckDB commits on its own threads) while the next
    // batch is read. At most one is in flight, and batches commit in file order, so
    // `recordsDone` only grows and a kill leaves a prefix of the file committed.
    let inflight: Promise<void> | null = null;
    settle = async () => {
      if (inflight) await inflight.catch(() => undefined);
    };
    const flush = async () => {
      const batch: IngestBatch = {
        sourceId: sourceId!,
        posts,
        postRecordNos: recNos,
        accounts: accounts.values(),
        rejects,
        recordsDone: recordNo,
        ...(stage ? { staged: stage } : {}),
      };
      const nPosts = posts.length + (stage?.count ?? 0);
      posts = [];
      recNos = [];
      rejects = [];
      accounts = new Accounts();
      stage = store.newPostStage?.(sourceId!) ?? null;
      inBatch = 0;
      if (inflight) await inflight;
      const w = store.writeBatch(batch).then(() => {
        result.accepted += nPosts;
        result.rejected += batch.rejects.length;
      });
      w.catch(() => undefined); // surfaces at the next await of `inflight`
      inflight = w;
    };
    /** Add one record to the batch; true when the batch is full. */
    const take = (rec: ReadRecord): boolean => {
      const no = recordNo++;
      if (no < skip) return false;
      inBatch++;
      if (rec.reject) {
        rejects.push({
          recordNo: no,
          line: rec.pos.line ?? null,
          offset: rec.pos.offset,
          reason: rec.reject.reason,
          excerpt: rec.reject.excerpt,
        });
        progress.rejected++;
      } else {
        if (rec.accounts) for (const a of rec.accounts) accounts.merge(a, a.observedAt);
        if (rec.posts)
          for (const p of rec.posts) {
            posts.push(p);
            recNos.push(no);
            progress.accepted++;
          }
        if (stage !== null && posts.length >= STAGE_POSTS) {
          stage.add(posts, recNos);
          posts = [];
          recNos = [];
        }
      }
      if ((no & 0x3ff) === 0) {
        const now = performance.now();
        if (now - lastReport > 200) {
          lastReport = now;
          progress.records = recordNo;
          progress.bytes = input.bytesRead;
          report();
        }
      }
      return inBatch >= batchRecords;
    };
    if (reader.readBatches) {
      // One await per chunk of records rather than per record.
      for await (const recs of reader.readBatches(input, readerOptions))
        for (let k = 0; k < recs.length; k++) if (take(recs[k])) await flush();
    } else {
      for await (const rec of reader.read(input, readerOptions)) if (take(rec)) await flush();
    }
    await flush();
    await inflight;
    progress.phase = 'finishing';
    progress.records = recordNo;
    progress.bytes = input.size;
    report();
    const fin = await store.finishSource(sourceId, 'done');
    result.records = recordNo;
    result.duplicates = fin.duplicates;
    result.accepted = fin.accepted - fin.duplicates;
    result.rejected = fin.rejected;
    return result;
  } catch (e) {
    result.status = 'failed';
    result.error = e instanceof Error ? e.message : String(e);
    result.errorCode = isVigieError(e) ? e.code : 'ERR_INPUT';
    await settle();
    if (sourceId !== null) {
      // Keep what was committed; the source stays resumable.
      await store.finishSource(sourceId, 'failed', result.error).catch(() => undefined);
    }
    if (!(e instanceof VigieError) && !(e instanceof Error)) throw e;
    return result;
  } finally {
    result.seconds = (performance.now() - started) / 1000;
  }
}

/** Ingest several files in order; one failing file does not stop the others. */
export async function ingestFiles(
  store: Store,
  paths: string[],
  options: IngestOptions = {},
): Promise<FileResult[]> {
  const out: FileResult[] = [];
  for (const p of paths) out.push(await ingestFile(store, p, options));
  return out;
}
