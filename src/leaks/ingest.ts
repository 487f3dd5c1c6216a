/**
 * Ingest of a leaked dump: walk folders and archives (zip, tar, tar.gz, gz), streaming; hash
 * every file as received (the manifest); verify every message's DKIM signatures against the
 * offline key store; hash attachments and analyse documents; then, over the whole dump, carry
 * authenticity to files, flag documents across files, match decoys and pair altered copies.
 *
 * Archives are read entry by entry and never extracted under their own names: a member that
 * would escape the archive (zip-slip), a link, an encrypted member or a compression bomb is
 * listed in the manifest as refused, with the reason, and the walk goes on.
 *
 * Re-running the same dump id replaces what an earlier (possibly interrupted) run left, so a
 * crash never leaves a half-counted dump behind.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import type { LeakBatch, LeakDocumentRow, LeakFileRow, LeakMessageRow, LeakStore } from '../store/leaks.js';
import { VigieError } from '../util/errors.js';
import { StreamingVerification, type VerifyOptions } from './dkim.js';
import { VerifyPool, verifyWithMboxVariants } from './verify-pool.js';
import {
  analyseDocument,
  crossFileFlags,
  looksLikeDocument,
  type DocFlag,
  type DocumentReport,
} from './documents/index.js';
import { KeyRing, type DkimKeyRecord } from './keys.js';
import { MboxSplitter, type MboxEscape } from './mbox.js';
import { matchDecoys, nearDuplicates, tlshOf, TLSH_MAX_BYTES } from './similar.js';
import type { AttachmentInfo, FileKind, MessageReport } from './types.js';
import { ZipArchive, refusalOf, ZIP_DEFAULTS, unsafeMemberName, type ZipLimits } from './zip.js';

/** Options of a dump ingest; see DUMP_DEFAULTS. */
export interface DumpOptions {
  dumpId: string;
  label: string;
  /** Publication date of the leak (epoch ms): keys whose private half was out before it are flagged. */
  leakDate: number | null;
  /** Claimed theft date (epoch ms): documents modified after it are flagged. */
  theftDate: number | null;
  liveDns: boolean;
  /** Messages up to this size are verified in memory (ARC and mbox re-readings need it); larger ones stream. */
  maxBufferedMessage: number;
  /** Documents up to this size get forensics; larger ones are only hashed. */
  maxDocumentBytes: number;
  /** Archive nesting depth (an archive inside an archive is depth 2). */
  maxDepth: number;
  zip: ZipLimits;
  /** Decompressed bytes allowed per .gz member, and the bomb ratio. */
  maxGunzipBytes: number;
  maxGunzipRatio: number;
  /** Rows per committed batch. */
  batch: number;
  /** Verification worker threads (0: verify on the main thread). Not used with live DNS. */
  workers: number;
  /** Scripts of the organisation's people for the foreign-script flag (default: the dump's majority). */
  orgScripts: string[] | null;
  /** Progress callback (files and messages done). */
  onProgress?: (p: { files: number; messages: number; bytes: number }) => void;
  /** Injected DNS lookup (tests). */
  resolveTxt?: (name: string) => Promise<string[][]>;
}

export const DUMP_DEFAULTS: Omit<DumpOptions, 'dumpId' | 'label'> = {
  leakDate: null,
  theftDate: null,
  liveDns: false,
  maxBufferedMessage: 32 * 1024 * 1024,
  maxDocumentBytes: 64 * 1024 * 1024,
  maxDepth: 4,
  zip: ZIP_DEFAULTS,
  maxGunzipBytes: 64 * 1024 ** 3,
  maxGunzipRatio: 1000,
  batch: 2000,
  workers: VerifyPool.defaultSize(),
  orgScripts: null,
};

/** What an ingest did. */
export interface DumpResult {
  dumpId: string;
  stats: Record<string, number>;
  /** Refused members and read errors, with reasons. */
  refused: { path: string; reason: string }[];
  /** Key store problems and notes for the user. */
  notes: string[];
  seconds: number;
}

const MESSAGE_EXT = /\.(eml|msg822)$/i;
const HEADER_LINE = /^[!-9;-~]+:[ \t]/;
const MAIL_HEADERS =
  /^(from|received|date|message-id|dkim-signature|subject|to|return-path|delivered-to|mime-version|x-[\w-]+):/im;

/** Reads an entry's bytes once: a peek at the start for sniffing, then all chunks, hashing as it goes. */
class Tap {
  private readonly it: AsyncIterator<Buffer>;
  private head: Buffer[] = [];
  private done = false;
  private readonly hash = createHash('sha256');
  size = 0;

  constructor(src: AsyncIterable<Buffer>) {
    this.it = src[Symbol.asyncIterator]();
  }

  async peek(n: number): Promise<Buffer> {
    let have = this.head.reduce((a, b) => a + b.length, 0);
    while (have < n && !this.done) {
      const r = await this.it.next();
      if (r.done) this.done = true;
      else {
        this.head.push(r.value);
        have += r.value.length;
      }
    }
    return Buffer.concat(this.head).subarray(0, n);
  }

  async *chunks(): AsyncGenerator<Buffer> {
    for (const c of this.head) {
      this.hash.update(c);
      this.size += c.length;
      yield c;
    }
    this.head = [];
    while (!this.done) {
      const r = await this.it.next();
      if (r.done) {
        this.done = true;
        break;
      }
      this.hash.update(r.value);
      this.size += r.value.length;
      yield r.value;
    }
  }

  async drain(): Promise<void> {
    for await (const _c of this.chunks());
  }

  private digest: string | null = null;

  sha256(): string {
    this.digest ??= this.hash.digest('hex');
    return this.digest;
  }
}

function gunzipGuard(path: string, maxBytes: number, maxRatio: number, inBytes: () => number): Transform {
  let out = 0;
  return new Transform({
    transform(chunk: Buffer, _e, cb) {
      out += chunk.length;
      if (out > maxBytes)
        return cb(
          new VigieError('ERR_DECOMPRESSION_LIMIT', `${path}: decompressed size passed ${maxBytes} bytes`),
        );
      if (out > 1024 * 1024 && out / Math.max(1, inBytes()) > maxRatio)
        return cb(
          new VigieError(
            'ERR_DECOMPRESSION_LIMIT',
            `${path}: compression ratio above ${maxRatio}:1 after ${out} bytes: gzip bomb`,
          ),
        );
      cb(null, chunk);
    },
  });
}

type Sniffed = 'zip' | 'gzip' | 'tar' | 'pdf' | 'ole' | 'mbox' | 'message' | 'other';

function sniff(head: Buffer, name: string): Sniffed {
  if (
    head[0] === 0x50 &&
    head[1] === 0x4b &&
    (head[2] === 3 || head[2] === 5) &&
    (head[3] === 4 || head[3] === 6)
  )
    return 'zip';
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 262 && head.toString('latin1', 257, 262) === 'ustar') return 'tar';
  if (head.subarray(0, 1024).includes('%PDF-')) return 'pdf';
  if (head.readUInt32BE(0) === 0xd0cf11e0 && head.length > 4) return 'ole';
  const text = head.subarray(0, 4096).toString('latin1');
  if (text.startsWith('From ')) return 'mbox';
  if (MESSAGE_EXT.test(name) || (HEADER_LINE.test(text) && MAIL_HEADERS.test(text))) return 'message';
  return 'other';
}

/** Ingest one dump into the workspace. */
export async function ingestDump(
  store: LeakStore,
  inputs: string[],
  options: Partial<DumpOptions> & Pick<DumpOptions, 'dumpId' | 'label'>,
): Promise<DumpResult> {
  const o: DumpOptions = { ...DUMP_DEFAULTS, ...options };
  const t0 = Date.now();
  const ring = new KeyRing(await store.listKeys(), { liveDns: o.liveDns, resolveTxt: o.resolveTxt });
  // TLSH costs ~170 ms/MB in JS: compute it only when a registered decoy can use it.
  const needTlsh = (await store.listDecoys()).some((d) => d.tlsh);
  const pool =
    o.workers > 0 && !o.liveDns && VerifyPool.available()
      ? new VerifyPool(o.workers, {
          keys: await store.listKeys(),
          leakDate: o.leakDate,
          maxDocumentBytes: o.maxDocumentBytes,
        })
      : null;
  const run = new DumpRun(store, o, ring, needTlsh, pool);
  await store.beginDump({
    dumpId: o.dumpId,
    label: o.label,
    inputs: inputs.map((p) => resolve(p)),
    leakDate: o.leakDate,
    theftDate: o.theftDate,
  });
  try {
    const roots = inputs.map((p) => resolve(p));
    for (const root of roots) await run.walkPath(root, roots.length === 1 ? dirname(root) : process.cwd());
    await run.settle();
    await run.flush();
    if (ring.learnt.length) await store.upsertKeys(ring.learnt);
    await run.finalize();
    const stats = { ...run.stats, seconds: (Date.now() - t0) / 1000 };
    await store.finishDump(o.dumpId, 'done', stats);
    return {
      dumpId: o.dumpId,
      stats,
      refused: run.refused,
      notes: [...ring.problems, ...run.notes],
      seconds: (Date.now() - t0) / 1000,
    };
  } catch (e) {
    await run.settle().catch(() => undefined);
    await store.finishDump(o.dumpId, 'failed', run.stats, (e as Error).message).catch(() => undefined);
    throw e;
  } finally {
    await pool?.close();
  }
}

class DumpRun {
  readonly stats: Record<string, number> = {
    files: 0,
    bytes: 0,
    messages: 0,
    attachments: 0,
    documents: 0,
    refused: 0,
    errors: 0,
    authentic: 0,
    'body-altered': 0,
    forged: 0,
    'key-unavailable': 0,
    unsigned: 0,
  };
  readonly refused: { path: string; reason: string }[] = [];
  readonly notes: string[] = [];
  private batch: LeakBatch;
  private readonly verify: VerifyOptions;

  constructor(
    private readonly store: LeakStore,
    private readonly o: DumpOptions,
    ring: KeyRing,
    private readonly needTlsh: boolean,
    private readonly pool: VerifyPool | null,
  ) {
    this.batch = { dumpId: o.dumpId, files: [], messages: [], documents: [] };
    this.verify = {
      ring,
      leakDate: o.leakDate,
      capture: (p) => (looksLikeDocument(p.filename, p.contentType) ? o.maxDocumentBytes : 0),
    };
  }

  async flush(): Promise<void> {
    const b = this.batch;
    if (!b.files.length && !b.messages.length && !b.documents.length) return;
    this.batch = { dumpId: this.o.dumpId, files: [], messages: [], documents: [] };
    await this.store.writeBatch(b);
    this.o.onProgress?.({ files: this.stats.files, messages: this.stats.messages, bytes: this.stats.bytes });
  }

  private async maybeFlush(): Promise<void> {
    if (this.batch.files.length + this.batch.messages.length >= this.o.batch) await this.flush();
  }

  private file(row: Omit<LeakFileRow, 'anchor' | 'tlsh' | 'parentMessage'> & Partial<LeakFileRow>): void {
    this.batch.files.push({ anchor: 'none', tlsh: null, parentMessage: null, ...row });
    if (!row.parentMessage) {
      this.stats.files++;
      this.stats.bytes += row.size;
    }
    if (row.status === 'refused') {
      this.stats.refused++;
      this.refused.push({ path: row.path, reason: row.note ?? '' });
    } else if (row.status === 'error') {
      this.stats.errors++;
      this.refused.push({ path: row.path, reason: row.note ?? '' });
    }
  }

  private refuse(
    path: string,
    reason: string,
    mtime: number | null,
    size = 0,
    kind: FileKind = 'other',
  ): void {
    this.file({ path, size, sha256: '', mtime, kind, status: 'refused', note: reason });
  }

  /** A path on disk: a folder is walked in name order, links are refused, files are read. */
  async walkPath(abs: string, base: string): Promise<void> {
    const shown = relative(base, abs) || basename(abs);
    let st;
    try {
      st = await fsp.lstat(abs);
    } catch (e) {
      throw new VigieError('ERR_INPUT', `${abs}: cannot read (${(e as Error).message})`, { cause: e });
    }
    if (st.isSymbolicLink()) return this.refuse(shown, 'symbolic link: links are not followed', st.mtimeMs);
    if (st.isDirectory()) {
      for (const name of (await fsp.readdir(abs)).sort()) await this.walkPath(join(abs, name), base);
      return;
    }
    if (!st.isFile()) return this.refuse(shown, 'not a regular file (device, socket or pipe)', st.mtimeMs);
    await this.entry(shown, st.mtimeMs, () => createReadStream(abs, { highWaterMark: 1 << 20 }), 1, abs);
  }

  /**
   * One file, from disk or from an archive. `diskPath` is set for files on disk (ZIP needs
   * random access: members of archives are spilled to a temporary file first).
   */
  private async entry(
    path: string,
    mtime: number | null,
    open: () => Readable,
    depth: number,
    diskPath?: string,
  ): Promise<void> {
    const tap = new Tap(open());
    let kind: FileKind = 'other';
    try {
      const head = await tap.peek(4096);
      const s = sniff(head, path);
      const isDocName = looksLikeDocument(path);
      if ((s === 'zip' && isDocName) || s === 'pdf') kind = 'document';
      else if (s === 'zip' || s === 'gzip' || s === 'tar') kind = 'archive';
      else if (s === 'mbox') kind = 'mbox';
      else if (s === 'message') kind = 'message';
      else if (s === 'ole') kind = /\.(msg|pst|ost)$/i.test(path) ? 'outlook' : 'other';
      let note: string | null = null;
      let tlsh: string | null = null;
      if (kind === 'archive' && depth > this.o.maxDepth) {
        await tap.drain();
        note = `archive nested deeper than ${this.o.maxDepth} levels: listed, not opened`;
      } else if (kind === 'archive') {
        note = await this.archive(s as 'zip' | 'gzip' | 'tar', path, tap, depth, diskPath);
      } else if (kind === 'message') {
        await this.message(path, tap);
      } else if (kind === 'mbox') {
        note = await this.mbox(path, tap);
      } else if (kind === 'document') {
        const buf = await collect(tap, this.o.maxDocumentBytes);
        if (buf) {
          tlsh = this.needTlsh ? tlshOf(buf) : null;
          await this.document(path, createHash('sha256').update(buf).digest('hex'), buf);
        } else note = `larger than ${this.o.maxDocumentBytes} bytes: hashed, no forensics`;
      } else {
        const buf = this.needTlsh ? await collect(tap, TLSH_MAX_BYTES) : (await tap.drain(), null);
        if (buf) tlsh = tlshOf(buf);
        if (kind === 'outlook')
          note =
            'Outlook item: listed and hashed; DKIM cannot be checked (Outlook does not keep the original MIME bytes)';
      }
      this.file({ path, size: tap.size, sha256: tap.sha256(), mtime, kind, status: 'ok', note, tlsh });
    } catch (e) {
      if (e instanceof VigieError && e.code === 'ERR_DECOMPRESSION_LIMIT') {
        this.file({ path, size: tap.size, sha256: '', mtime, kind, status: 'refused', note: e.message });
      } else {
        this.file({
          path,
          size: tap.size,
          sha256: '',
          mtime,
          kind,
          status: 'error',
          note: `could not be read: ${(e as Error).message}`,
        });
      }
    }
    await this.maybeFlush();
  }

  private async archive(
    s: 'zip' | 'gzip' | 'tar',
    path: string,
    tap: Tap,
    depth: number,
    diskPath?: string,
  ): Promise<string | null> {
    if (s === 'gzip') {
      const inner = path.replace(/\.tgz$/i, '.tar').replace(/\.gz$/i, '') || `${path}.out`;
      const src = Readable.from(tap.chunks());
      const gunzip = createGunzip();
      let inBytes = 0;
      src.on('data', (c: Buffer) => (inBytes += c.length));
      const out = src
        .pipe(gunzip)
        .pipe(gunzipGuard(path, this.o.maxGunzipBytes, this.o.maxGunzipRatio, () => inBytes));
      gunzip.on('error', (e) => out.destroy(e));
      await this.entry(`${path}!/${basename(inner)}`, null, () => out, depth + 1);
      await tap.drain();
      return null;
    }
    if (s === 'tar') {
      await this.tar(path, tap, depth);
      return null;
    }
    let file = diskPath;
    let tmp: string | null = null;
    if (!file) {
      tmp = await fsp.mkdtemp(join(tmpdir(), 'vigie-zip-'));
      file = join(tmp, 'member.zip');
      await pipeline(Readable.from(tap.chunks()), createWriteStream(file));
    } else await tap.drain();
    try {
      await this.zip(path, file, depth);
    } finally {
      if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
    }
    return null;
  }

  private async zip(path: string, file: string, depth: number): Promise<void> {
    let zip: ZipArchive;
    try {
      zip = await ZipArchive.open(file);
    } catch (e) {
      throw new Error(`not a readable ZIP (${(e as Error).message})`);
    }
    let total = 0;
    let n = 0;
    try {
      for await (const e of zip.entries()) {
        if (e.isDir) continue;
        const member = `${path}!/${e.name}`;
        const mtime = Date.parse(e.dosTime + 'Z');
        if (++n > this.o.zip.maxEntries) {
          this.refuse(member, `more than ${this.o.zip.maxEntries} entries: the rest were not read`, mtime);
          break;
        }
        const why = refusalOf(e, this.o.zip);
        if (why) {
          this.refuse(member, why, mtime, e.uncompressedSize);
          continue;
        }
        total += e.uncompressedSize;
        if (total > this.o.zip.maxTotalBytes) {
          this.refuse(
            member,
            `archive expands past ${this.o.zip.maxTotalBytes} bytes: zip bomb, the rest were not read`,
            mtime,
          );
          break;
        }
        await this.entry(member, mtime, () => Readable.from(lazyStream(() => zip.stream(e))), depth + 1);
      }
    } finally {
      zip.close();
    }
  }

  private async tar(path: string, tap: Tap, depth: number): Promise<void> {
    const extract = tar.extract();
    let total = 0;
    const done = new Promise<void>((resolveDone, reject) => {
      extract.on('entry', (header, stream, next) => {
        const member = `${path}!/${header.name}`;
        const mtime = header.mtime ? header.mtime.getTime() : null;
        const skip = (reason: string | null) => {
          if (reason) this.refuse(member, reason, mtime, header.size ?? 0);
          stream.on('end', () => next());
          stream.resume();
        };
        const unsafe = unsafeMemberName(header.name);
        if (unsafe) return skip(unsafe);
        if (header.type === 'symlink' || header.type === 'link')
          return skip(
            `${header.type === 'link' ? 'hard' : 'symbolic'} link to "${header.linkname ?? ''}": links are not followed`,
          );
        if (header.type === 'directory') return skip(null);
        if (header.type !== 'file' && header.type !== 'contiguous-file')
          return skip(`tar member of type ${header.type}: not a regular file`);
        total += header.size ?? 0;
        if (total > this.o.zip.maxTotalBytes)
          return skip(`archive expands past ${this.o.zip.maxTotalBytes} bytes`);
        this.entry(member, mtime, () => stream as unknown as Readable, depth + 1).then(
          () => {
            stream.resume();
            next();
          },
          (err) => reject(err),
        );
      });
      extract.on('finish', () => resolveDone());
      extract.on('error', reject);
    });
    const src = Readable.from(tap.chunks());
    src.on('error', (e) => extract.destroy(e));
    src.pipe(extract);
    await done;
  }

  private messageRow(key: string, sha256: string, size: number, r: MessageReport): LeakMessageRow {
    this.stats.messages++;
    this.stats[r.verdict]++;
    return {
      msgKey: key,
      sha256,
      size,
      date: r.date,
      from: r.from,
      fromDomain: r.fromDomain,
      to: r.to,
      subject: r.subject,
      messageId: r.messageId,
      verdict: r.verdict,
      explanation: r.explanation,
      signatures: r.signatures,
      flags: r.flags,
      arcStatus: r.arc.status,
      arcReason: r.arc.reason,
      verifiedAsOf: r.verifiedAsOf,
    };
  }

  private async attachments(key: string, list: AttachmentInfo[], mtime: number | null): Promise<void> {
    for (const a of list) {
      const name = (a.filename ?? `part-${a.part}`).replace(/[/\\]/g, '_');
      const path = `${key}#part${a.part}/${name}`;
      const doc = !!a.content && looksLikeDocument(a.filename, a.contentType);
      this.stats.attachments++;
      this.file({
        path,
        size: a.size,
        sha256: a.sha256,
        mtime,
        kind: doc ? 'document' : 'other',
        status: 'ok',
        note: null,
        parentMessage: key,
        tlsh: a.content && this.needTlsh ? tlshOf(a.content) : null,
      });
      if (a.content && doc) await this.document(path, a.sha256, a.content);
    }
  }

  private readonly pending = new Set<Promise<void>>();

  /** Wait for every message handed to the pool. */
  async settle(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }

  /**
   * Verify a buffered message (on the pool when there is one) and record it; returns once the
   * message is queued, so reading goes on while workers verify. `sha256` is the file's hash for
   * a lone message; mbox messages are hashed as verified.
   */
  private async submit(
    key: string,
    buf: Buffer,
    escapes: MboxEscape[],
    sha256: string | null,
  ): Promise<void> {
    const record = async (v: { report: MessageReport; bytes: Buffer }) => {
      const sha = sha256 ?? createHash('sha256').update(v.bytes).digest('hex');
      this.batch.messages.push(this.messageRow(key, sha, buf.length, v.report));
      await this.attachments(key, v.report.attachments, v.report.date);
    };
    if (!this.pool) return record(await verifyWithMboxVariants(buf, escapes, this.verify));
    const p: Promise<void> = this.pool
      .verify(buf, escapes)
      .then(record)
      .catch((e: Error) => {
        this.stats.errors++;
        this.refused.push({ path: key, reason: `verification failed: ${e.message}` });
      })
      .finally(() => this.pending.delete(p));
    this.pending.add(p);
    while (this.pending.size >= this.o.workers * 16) await Promise.race(this.pending);
  }

  private async message(path: string, tap: Tap): Promise<void> {
    const parts: Buffer[] = [];
    let size = 0;
    let streaming: StreamingVerification | null = null;
    for await (const c of tap.chunks()) {
      if (streaming) {
        await streaming.write(c);
        continue;
      }
      parts.push(c);
      size += c.length;
      if (size > this.o.maxBufferedMessage) {
        streaming = new StreamingVerification(this.verify);
        for (const p of parts) await streaming.write(p);
        parts.length = 0;
      }
    }
    if (!streaming) return this.submit(path, Buffer.concat(parts), [], tap.sha256());
    const report = await streaming.end();
    this.batch.messages.push(this.messageRow(path, tap.sha256(), tap.size, report));
    await this.attachments(path, report.attachments, report.date);
  }

  private async mbox(path: string, tap: Tap): Promise<string | null> {
    const split = new MboxSplitter();
    let cur: {
      key: string;
      parts: Buffer[];
      size: number;
      hash: ReturnType<typeof createHash>;
      streaming: StreamingVerification | null;
    } | null = null;
    const handle = async (evs: ReturnType<MboxSplitter['push']>) => {
      for (const ev of evs) {
        if (ev.type === 'begin')
          cur = {
            key: `${path}#${ev.index}`,
            parts: [],
            size: 0,
            hash: createHash('sha256'),
            streaming: null,
          };
        else if (ev.type === 'data' && cur) {
          cur.size += ev.data.length;
          if (cur.streaming) {
            cur.hash.update(ev.data);
            await cur.streaming.write(ev.data);
          } else {
            cur.parts.push(ev.data);
            if (cur.size > this.o.maxBufferedMessage) {
              cur.streaming = new StreamingVerification(this.verify);
              for (const p of cur.parts) {
                cur.hash.update(p);
                await cur.streaming.write(p);
              }
              cur.parts = [];
            }
          }
        } else if (ev.type === 'end' && cur) {
          const m = cur;
          cur = null;
          if (m.streaming) {
            const report = await m.streaming.end();
            this.batch.messages.push(this.messageRow(m.key, m.hash.digest('hex'), m.size, report));
            await this.attachments(m.key, report.attachments, report.date);
          } else await this.submit(m.key, Buffer.concat(m.parts), ev.escapes, null);
          await this.maybeFlush();
        }
      }
    };
    for await (const c of tap.chunks()) await handle(split.push(c));
    await handle(split.end());
    return split.preamble ? `${split.preamble} bytes before the first "From " line were not a message` : null;
  }

  private async document(path: string, sha256: string, buf: Buffer): Promise<void> {
    let r: DocumentReport | null;
    try {
      r = await analyseDocument(buf, { theftDate: this.o.theftDate });
    } catch (e) {
      r = {
        format: 'unknown',
        meta: { custom: {} },
        flags: [],
        text: null,
        problems: [`forensics failed: ${(e as Error).message}`],
      };
    }
    if (!r) return;
    this.stats.documents++;
    const row: LeakDocumentRow = {
      path,
      sha256,
      format: r.format,
      meta: r.meta,
      flags: r.flags,
      text: r.text,
      problems: r.problems,
    };
    this.batch.documents.push(row);
  }

  /** Dump-level analysis once every file is in: anchors, cross-file flags, decoys, altered copies. */
  async finalize(): Promise<void> {
    const anchors = await this.store.anchorFiles(this.o.dumpId);
    this.stats.anchoredFiles = anchors['signed-attachment'] + anchors['same-hash-as-signed-attachment'];
    this.stats.unanchoredFiles = anchors.none;
    const docs = await this.store.documents(this.o.dumpId);
    const flags = crossFileFlags(
      docs.map((d) => ({
        path: d.path,
        container: containerOf(d.path),
        report: { format: d.format, meta: d.meta, flags: d.flags, text: d.text, problems: d.problems },
      })),
      { orgScripts: this.o.orgScripts },
    );
    const add = (p: string, f: DocFlag) => flags.set(p, [...(flags.get(p) ?? []), f]);
    const decoys = await this.store.listDecoys();
    if (decoys.length) {
      const files = (await this.store.files(this.o.dumpId)).filter((f) => f.status === 'ok');
      const hits = matchDecoys(files, decoys);
      this.stats.decoyMatches = hits.length;
      const docPaths = new Set(docs.map((d) => d.path));
      for (const h of hits) {
        if (docPaths.has(h.path))
          add(h.path, { code: 'decoy-match', reason: `matches the registered decoy "${h.decoy}": ${h.how}` });
        else this.notes.push(`${h.path} matches the registered decoy "${h.decoy}": ${h.how}`);
      }
    }
    const pairs = nearDuplicates(docs);
    await this.store.savePairs(this.o.dumpId, pairs);
    this.stats.nearDuplicatePairs = pairs.length;
    for (const p of pairs) {
      const why = 'near-duplicate of ';
      add(p.pathA, {
        code: 'altered-copy',
        reason: `${why}${p.pathB} (${Math.round(p.similarity * 100)}% of lines shared; ${p.removed.length} removed, ${p.added.length} added)`,
      });
      add(p.pathB, {
        code: 'altered-copy',
        reason: `${why}${p.pathA} (${Math.round(p.similarity * 100)}% of lines shared; ${p.removed.length} removed, ${p.added.length} added)`,
      });
    }
    await this.store.addDocumentFlags(this.o.dumpId, flags);
    const after = await this.store.documents(this.o.dumpId);
    this.stats.flaggedDocuments = after.filter((d) => d.flags.length).length;
  }
}

/** The archive or folder a dump path sits in (`a.zip!/x/y.docx` → `a.zip!/x`). */
export function containerOf(path: string): string {
  const cut = path.lastIndexOf('/');
  return cut < 0 ? '.' : path.slice(0, cut);
}

async function* lazyStream(open: () => Promise<Readable>): AsyncGenerator<Buffer> {
  const s = await open();
  for await (const c of s) yield c as Buffer;
}

/** All bytes when they fit in `max`, else null (the rest is still consumed, for the hash). */
async function collect(tap: Tap, max: number): Promise<Buffer | null> {
  const parts: Buffer[] = [];
  let n = 0;
  let over = false;
  for await (const c of tap.chunks()) {
    if (over) continue;
    n += c.length;
    if (n > max) {
      over = true;
      parts.length = 0;
    } else parts.push(c);
  }
  return over ? null : Buffer.concat(parts);
}

/** A key record list from a key file's text (both JSON forms), for `--keys`. */
export type { DkimKeyRecord };
