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
import type { Account, Post } from '../model/post.js';
import { bareAccount } from '../model/post.js';
import type { RejectRow, Store } from '../store/store.js';
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

export const INGEST_DEFAULTS = { batchRecords: 100_000 };

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

function mergeAccount(map: Map<string, AccountAcc>, a: Account, seenAt: number | null): void {
  const key = a.platform + '\u0000' + a.accountId;
  const cur = map.get(key);
  if (!cur) {
    map.set(key, { ...a, firstSeen: seenAt, lastSeen: seenAt });
    return;
  }
  if (seenAt !== null) {
    if (cur.firstSeen === null || seenAt < cur.firstSeen) cur.firstSeen = seenAt;
    if (cur.lastSeen === null || seenAt > cur.lastSeen) cur.lastSeen = seenAt;
  }
  const newer = a.observedAt !== null && (cur.observedAt === null || a.observedAt >= cur.observedAt);
  for (const k of [
    'handle', 'displayName', 'createdAt', 'followers', 'following', 'postsCount', 'description',
    'verified', 'defaultProfile', 'defaultAvatar',
  ] as const) { // prettier-ignore
    const v = a[k];
    if (v === null || v === undefined) continue;
    if (newer || cur[k] === null) (cur as unknown as Record<string, unknown>)[k] = v;
  }
  if (newer) cur.observedAt = a.observedAt;
}

/** Ingest one file. Never throws for bad content: the result says what happened. */
export async function ingestFile(store: Store, path: string, options: IngestOptions = {}): Promise<FileResult> {
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
    let accounts = new Map<string, AccountAcc>();
    let recordNo = 0;
    let inBatch = 0;
    let lastReport = 0;
    const flush = async () => {
      await store.writeBatch({
        sourceId: sourceId!,
        posts,
        postRecordNos: recNos,
        accounts: [...accounts.values()],
        rejects,
        recordsDone: recordNo,
      });
      result.accepted += posts.length;
      result.rejected += rejects.length;
      posts = [];
      recNos = [];
      rejects = [];
      accounts = new Map();
      inBatch = 0;
    };
    for await (const rec of reader.read(input, readerOptions)) {
      const no = recordNo++;
      if (no < skip) continue;
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
        if (rec.accounts) for (const a of rec.accounts) mergeAccount(accounts, a, a.observedAt);
        if (rec.posts)
          for (const p of rec.posts) {
            posts.push(p);
            recNos.push(no);
            mergeAccount(accounts, bareAccount(p.platform, p.accountId), p.time);
            progress.accepted++;
          }
      }
      if (inBatch >= batchRecords) await flush();
      if ((no & 0x3ff) === 0) {
        const now = performance.now();
        if (now - lastReport > 200) {
          lastReport = now;
          progress.records = recordNo;
          progress.bytes = input.bytesRead;
          report();
        }
      }
    }
    await flush();
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
export async function ingestFiles(store: Store, paths: string[], options: IngestOptions = {}): Promise<FileResult[]> {
  const out: FileResult[] = [];
  for (const p of paths) out.push(await ingestFile(store, p, options));
  return out;
}
