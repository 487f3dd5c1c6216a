/**
 * Near-duplicate indexing with the per-text hashing (normalise, shingles, signature, band
 * keys) and the segment closes (LSH buckets and verification, `close.ts`) in worker threads,
 * and the index (exact copies, segments, union-find) on the calling thread. Texts go to the workers through
 * SharedArrayBuffers (one copy of their UTF-16 code units, or of their UTF-8 bytes as the store
 * gave them, which the workers decode; no structured clone, no garbage per text) and come back
 * the same way; batches are pipelined, so the index commits batch k
 * while the workers hash batch k + 1; the shared buffers are posted to a worker only when they
 * change. A worker sends an exact copy of a text it hashed before as its key alone
 * ({@link SeenKeys}). The groups are the same as {@link NearDupIndex.add}'s.
 *
 * @example
 * const p = new ParallelNearDup(new NearDupIndex(), 2);
 * for (const batch of batches) await p.add(batch.texts, batch.times);
 * const { groupOf } = await p.finish();
 */
import { Worker } from 'node:worker_threads';
import type { CloseOutcome, NearDupIndex, NearDupResult, PreparedClose } from './NearDupIndex.js';
import {
  addCloseStats,
  emptyCloseStats,
  pairOffsets,
  splitEntries,
  splitTexts,
  type CloseJob,
  type VerifyResult,
  type WalkResult,
} from './close.js';
import { MAP_WORDS, type TextHasher } from './TextHasher.js';
import { rawUnitsRead } from './normalise.js';

/** Int32 values per text in `meta` before its band keys: state, hi, lo, count, shingle position. */
export const META = 5;
/**
 * `meta` state: not matched (null or short), matched, left for the main thread (no room),
 * or an exact copy of a text this worker hashed earlier (key only, no shingles).
 */
const SHORT = 0;
const OK = 1;
const LEFT = 2;
const COPY = 3;
/** Added to the state when the text was truncated. */
const TRUNCATED = 4;

/** Shared buffers of one batch slot. */
export interface Slot {
  /** The texts end to end: UTF-16 code units, or UTF-8 bytes when the job says `utf8`. */
  text: SharedArrayBuffer;
  /** Per text: start in `text` (code units or bytes), and its length (-1 for null). */
  starts: SharedArrayBuffer;
  lens: SharedArrayBuffer;
  meta: SharedArrayBuffer;
  /** Per text, its signature record (`TextHasher.sig32`): `record` 32-bit words. */
  sigs: SharedArrayBuffer;
  shingles: SharedArrayBuffer;
}

/** One worker's share of a batch. */
export interface HashJob {
  kind: 'hash';
  id: number;
  /** Which of the two batch slots; `buffers` only when the worker has not seen this slot's current buffers. */
  slot: number;
  buffers?: Slot;
  from: number;
  to: number;
  /** This range's region of `shingles`: [shFrom, shEnd). */
  shFrom: number;
  shEnd: number;
  bands: number;
  /** 32-bit words of a signature record. */
  record: number;
  /** The index's segment count when the batch was sent: a new one clears the worker's seen keys. */
  segment: number;
  /** `text` holds UTF-8 bytes, which the worker decodes (up to `rawCap` code units per text). */
  utf8: boolean;
  rawCap: number;
}

/** One worker's share of a segment close's first phase (`close.ts`). */
export interface WalkJob {
  kind: 'walk';
  id: number;
  job: CloseJob;
  from: number;
  to: number;
}

/** One worker's share of a segment close's second phase. */
export interface VerifyJob {
  kind: 'verify';
  id: number;
  job: CloseJob;
  walks: WalkResult[];
  offsets: Int32Array;
  from: number;
  to: number;
}

export type WorkerJob = HashJob | WalkJob | VerifyJob;

/** A worker's answer: the job's id, and the result of a walk or a verification. */
export interface WorkerReply {
  id: number;
  result?: WalkResult | VerifyResult;
}

/**
 * Exact-copy keys of the texts a worker has hashed in full, so that a later copy of one is
 * sent back as its key alone, without hashing its shingles. The index decides: a key it
 * does not find in its open segment (a copy of a text of a closed segment, met just after a
 * segment change) is hashed again on the main thread. Open addressing on (hi, lo); cleared
 * on a new segment and when full, which only costs some copies a full hash.
 */
/** Slots of {@link SeenKeys} (cleared at half full: 1M keys, 18 MB per worker). */
const SEEN_SIZE = 1 << 21;

export class SeenKeys {
  private readonly his = new Int32Array(SEEN_SIZE);
  private readonly los = new Int32Array(SEEN_SIZE);
  private readonly used = new Uint8Array(SEEN_SIZE);
  private size = 0;
  segment = -1;
  static readonly SIZE = 1 << 21;

  /** True when (hi, lo) was added before; adds it otherwise. */
  testAndAdd(hi: number, lo: number): boolean {
    const mask = SEEN_SIZE - 1;
    const { his, los, used } = this;
    let i = (hi ^ Math.imul(lo, 0x9e3779b1)) & mask;
    while (used[i] === 1) {
      if (his[i] === hi && los[i] === lo) return true;
      i = (i + 1) & mask;
    }
    if (this.size * 2 >= SEEN_SIZE) {
      this.clear();
      i = (hi ^ Math.imul(lo, 0x9e3779b1)) & mask;
    }
    used[i] = 1;
    his[i] = hi;
    los[i] = lo;
    this.size++;
    return false;
  }

  clear(): void {
    if (this.size > 0) this.used.fill(0);
    this.size = 0;
  }
}

/** A worker's UTF-16 copy of the UTF-8 text it is hashing. */
let scratch = new Uint16Array(0);

/**
 * Decode UTF-8 `bytes[from, to)` into `out` as UTF-16 code units, at most `cap` of them (a
 * surrogate pair cut by the cap keeps its first half, as `String.prototype.slice` would);
 * returns the units written. Hand-written because TextDecoder makes a string per text, and
 * the worker needs code units: this loop writes them straight into the hasher's input. The
 * engine only stores valid UTF-8; anything else (an overlong form, a stray continuation
 * byte, a cut sequence) becomes U+FFFD per byte, never a read outside the range.
 */
export function decodeUtf8(
  bytes: Uint8Array,
  from: number,
  to: number,
  out: Uint16Array,
  cap: number,
): number {
  let w = 0;
  let i = from;
  while (i < to && w < cap) {
    const b = bytes[i];
    if (b < 0x80) {
      out[w++] = b;
      i++;
      continue;
    }
    let need = -1;
    let cp = 0;
    let min = 0;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      cp = b & 0x1f;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      cp = b & 0x0f;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      cp = b & 0x07;
      min = 0x10000;
    }
    let k = 1;
    for (; need > 0 && k <= need && i + k < to && (bytes[i + k] & 0xc0) === 0x80; k++)
      cp = (cp << 6) | (bytes[i + k] & 0x3f);
    if (need < 0 || k <= need || cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      out[w++] = 0xfffd;
      i++;
      continue;
    }
    i += need + 1;
    if (cp < 0x10000) out[w++] = cp;
    else {
      cp -= 0x10000;
      out[w++] = 0xd800 | (cp >>> 10);
      if (w < cap) out[w++] = 0xdc00 | (cp & 0x3ff);
    }
  }
  return w;
}

/** Hash texts [from, to) of a job (run by the workers; exported for them). */
export function hashRange(h: TextHasher, job: HashJob, slot: Slot, seen: SeenKeys): void {
  if (job.segment !== seen.segment) {
    seen.clear();
    seen.segment = job.segment;
  }
  const text = job.utf8 ? null : new Uint16Array(slot.text);
  const bytes = job.utf8 ? new Uint8Array(slot.text) : null;
  if (bytes && scratch.length < job.rawCap + 1) scratch = new Uint16Array(job.rawCap + 1);
  const starts = new Int32Array(slot.starts);
  const lens = new Int32Array(slot.lens);
  const meta = new Int32Array(slot.meta);
  const sigs = new Int32Array(slot.sigs);
  const sh = new Int32Array(slot.shingles);
  const { bands, record } = job;
  const stride = META + bands;
  let at = job.shFrom;
  for (let i = job.from; i < job.to; i++) {
    const len = lens[i];
    const m = i * stride;
    const ok =
      len < 0
        ? h.normalise(null)
        : bytes
          ? h.normaliseCodes(scratch, 0, decodeUtf8(bytes, starts[i], starts[i] + len, scratch, job.rawCap))
          : h.normaliseCodes(text!, starts[i], starts[i] + len);
    const trunc = h.truncated ? TRUNCATED : 0;
    if (!ok) {
      meta[m] = SHORT | trunc;
      continue;
    }
    h.exactKey();
    meta[m + 1] = h.hi;
    meta[m + 2] = h.lo;
    if (seen.testAndAdd(h.hi, h.lo)) {
      meta[m] = COPY | trunc;
      continue;
    }
    if (at + h.length > job.shEnd) {
      meta[m] = LEFT | trunc;
      continue;
    }
    h.shingleInto(sh, at);
    h.bandKeys();
    meta[m] = OK | trunc;
    meta[m + 3] = h.count;
    meta[m + 4] = at;
    for (let b = 0; b < bands; b++) meta[m + META + b] = h.keys[b];
    sigs.set(h.sig32, i * record);
    at += h.count;
  }
}

/** A batch of posts to hash: its texts as strings, or as UTF-8 bytes end to end with each text's byte length (-1: none). */
export type TextBatch = { texts: (string | null)[] } | { bytes: Uint8Array; lens: Int32Array };

interface Pending {
  slot: Slot;
  /** The text of post i, for the few the index must hash itself. */
  textAt: (i: number) => string | null;
  count: number;
  times: ArrayLike<number>;
  done: Promise<unknown>;
}

/** Keeps a leading U+FEFF, as the workers' decoder does, so both paths see the same text. */
const utf8Decoder = new TextDecoder('utf-8', { ignoreBOM: true });

export class ParallelNearDup {
  private readonly workers: Worker[] = [];
  private readonly waiting = new Map<
    number,
    { resolve: (r: WorkerReply['result']) => void; reject: (e: Error) => void }
  >();
  /** A worker failed: every later batch fails with it rather than waiting forever. */
  private failure: Error | null = null;
  private nextId = 0;
  private readonly slots: Slot[] = [];
  /** Per worker, the slot buffers it was last sent: buffers are sent again only when they grow. */
  private readonly sent: (Slot | undefined)[][] = [];
  private turn = 0;
  private pending: Pending | null = null;
  /** A segment close running in the workers; applied before the next one is prepared. */
  private closing: Promise<void> | null = null;
  private readonly bands: number;
  /** 32-bit words of a signature record (`TextHasher.recordWords`). */
  private readonly record: number;
  /** Raw code units read per text: normalisation never reads further. */
  private readonly rawCap: number;

  constructor(
    private readonly index: NearDupIndex,
    workers = 2,
  ) {
    const o = index.options;
    this.bands = o.bands;
    this.record = ((o.bands * o.rows + 3) >>> 2) + MAP_WORDS;
    // All that normalisation reads (so the copy normalises as the whole text would), and
    // more than 8 x maxChars, which marks a text as truncated.
    this.rawCap = rawUnitsRead(o.maxChars);
    const hasherOptions = {
      bands: o.bands,
      rows: o.rows,
      minChars: o.minChars,
      maxChars: o.maxChars,
      foldHomoglyphs: o.foldHomoglyphs,
      seed: o.seed,
    };
    for (let w = 0; w < Math.max(1, workers); w++) {
      const worker = startWorker(hasherOptions);
      worker.on('message', (m: WorkerReply) => {
        const wake = this.waiting.get(m.id);
        this.waiting.delete(m.id);
        wake?.resolve(m.result);
      });
      const fail = (e: Error) => {
        this.failure ??= e;
        for (const w of this.waiting.values()) w.reject(e);
        this.waiting.clear();
      };
      worker.on('error', fail);
      // Any exit before close() (which removes this listener) fails the run: a job posted to
      // a worker that is gone would never be answered.
      worker.on('exit', (code) =>
        fail(new Error(`near-dup hash worker exited with code ${code} before the run ended`)),
      );
      this.workers.push(worker);
    }
    // Segments that close while posts are added are compared here, in the workers.
    index.deferClose = (p) => {
      const c = this.runClose(p);
      c.catch(() => undefined); // awaited (and its error thrown) by settle()
      this.closing = c;
    };
  }

  /**
   * Add a batch of posts (time order, as {@link NearDupIndex.add}). Resolves once the
   * previous batch is committed to the index and this one is being hashed.
   */
  async add(texts: (string | null)[] | TextBatch, times: ArrayLike<number>): Promise<void> {
    const next = this.start(Array.isArray(texts) ? { texts } : texts, times);
    try {
      await this.drain();
    } catch (e) {
      // This batch will never be awaited: its failure (a worker that died fails every job)
      // must not surface later as an unhandled rejection, which ends the process.
      next.done.catch(() => undefined);
      throw e;
    }
    this.pending = next;
  }

  /** Commit the last batch, compare the last segment in the workers, stop them, and resolve the groups. */
  async finish(): Promise<NearDupResult> {
    try {
      await this.drain();
      await this.settle();
      const last = this.index.prepareClose();
      if (last) await this.runClose(last);
    } finally {
      await this.close();
    }
    return this.index.finish();
  }

  /** Stop the workers (also after an error; `finish` does it itself). */
  async close(): Promise<void> {
    this.index.deferClose = null;
    const ws = this.workers.splice(0);
    for (const w of ws) w.removeAllListeners('exit');
    await Promise.all(ws.map((w) => w.terminate()));
  }

  private async drain(): Promise<void> {
    const p = this.pending;
    if (p === null) return;
    this.pending = null;
    await p.done;
    await this.commit(p);
  }

  /** Wait for the segment close in flight, if any (it is applied when it ends). */
  private async settle(): Promise<void> {
    const c = this.closing;
    this.closing = null;
    await c;
  }

  private call<R extends WorkerReply['result']>(
    w: number,
    job: WorkerJob,
    transfer: ArrayBuffer[] = [],
  ): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      this.waiting.set(job.id, { resolve: resolve as (r: WorkerReply['result']) => void, reject });
      this.workers[w].postMessage(job, transfer);
    });
  }

  /**
   * A segment close in the workers: the bucket walk cut into one range per worker, the pairs
   * grouped by first text on this thread (one counting pass), their verification cut into
   * one range per worker; then the index applies the pairs found. The result is the same as
   * the index's own one-thread close (`close.ts`).
   */
  private async runClose(p: PreparedClose): Promise<void> {
    const { job } = p;
    const t = this.workers.length;
    const cuts = splitEntries(job, t);
    const walks = await Promise.all(
      cuts
        .slice(1)
        .map((to, w) =>
          this.call<WalkResult>(w, { kind: 'walk', id: this.nextId++, job, from: cuts[w], to }),
        ),
    );
    const offsets = pairOffsets(walks, job.lo, job.roots.length);
    const xCuts = splitTexts(offsets, t);
    const verified = await Promise.all(
      xCuts.slice(1).map((to, w) =>
        this.call<VerifyResult>(w, {
          kind: 'verify',
          id: this.nextId++,
          job,
          walks,
          offsets,
          from: xCuts[w],
          to,
        }),
      ),
    );
    const stats = emptyCloseStats();
    for (const r of [...walks, ...verified]) addCloseStats(stats, r.stats);
    const outcome: CloseOutcome = { pairs: verified, stats };
    this.index.applyClose(p, outcome);
  }

  /** Slot `i`, grown for `n` texts of `textBytes` in all and `size` raw units or bytes (which bound their shingles). */
  private slotFor(i: number, n: number, textBytes: number, size: number): Slot {
    const s = this.slots[i];
    const shingles = size + 8 * n;
    if (
      s &&
      s.text.byteLength >= textBytes &&
      s.lens.byteLength >= n * 4 &&
      s.shingles.byteLength >= shingles * 4
    )
      return s;
    const grow = (b: SharedArrayBuffer | undefined, need: number) =>
      b && b.byteLength >= need ? b : new SharedArrayBuffer(Math.max(need, (b?.byteLength ?? 0) * 2));
    return (this.slots[i] = {
      text: grow(s?.text, textBytes),
      starts: grow(s?.starts, n * 4),
      lens: grow(s?.lens, n * 4),
      meta: grow(s?.meta, n * 4 * (META + this.bands)),
      sigs: grow(s?.sigs, n * this.record * 4),
      shingles: grow(s?.shingles, shingles * 4),
    });
  }

  private start(batch: TextBatch, times: ArrayLike<number>): Pending {
    const utf8 = 'bytes' in batch;
    const n = utf8 ? batch.lens.length : batch.texts.length;
    // UTF-8: rawCap code units never take more than 3 bytes each, so a text cut at
    // 3 x rawCap + 3 bytes still decodes to its first rawCap units.
    const cap = utf8 ? this.rawCap * 3 + 3 : this.rawCap;
    let size = 0; // code units, or bytes
    if (utf8) for (let i = 0; i < n; i++) size += Math.max(0, Math.min(batch.lens[i], cap));
    else for (const t of batch.texts) if (t !== null) size += Math.min(t.length, cap);
    const slotIndex = this.turn++ & 1;
    const slot = this.slotFor(slotIndex, n, utf8 ? size : size * 2, size);
    const starts = new Int32Array(slot.starts);
    const lens = new Int32Array(slot.lens);
    // Shingle regions follow the texts' raw lengths (+ 8 for short folds that expand; a
    // text's code units never outnumber its UTF-8 bytes); a text whose normalised form
    // does not fit is hashed on this thread instead.
    const cut: number[] = [0];
    const shCut: number[] = [0];
    const per = Math.ceil(n / this.workers.length);
    const buf = Buffer.from(slot.text);
    let at = 0;
    let src = 0; // UTF-8: read position in batch.bytes
    const whole = utf8 && size === batch.bytes.length;
    if (whole) buf.set(batch.bytes);
    for (let i = 0; i < n; i++) {
      starts[i] = at;
      if (utf8) {
        const full = batch.lens[i];
        const len = Math.min(full, cap);
        lens[i] = len;
        if (len > 0) {
          if (!whole) buf.set(batch.bytes.subarray(src, src + len), at);
          at += len;
        }
        if (full > 0) src += full;
      } else {
        const t = batch.texts[i];
        if (t === null) lens[i] = -1;
        else {
          const len = Math.min(t.length, cap);
          buf.write(len < t.length ? t.slice(0, len) : t, at * 2, len * 2, 'utf16le');
          lens[i] = len;
          at += len;
        }
      }
      if ((i + 1) % per === 0 || i + 1 === n) {
        cut.push(i + 1);
        shCut.push(at + 8 * (i + 1));
      }
    }
    let textAt: (i: number) => string | null;
    if (utf8) {
      // Rarely needed (a text left for this thread): decoded from the slot, which keeps this
      // batch until the one after next.
      const bytes = new Uint8Array(slot.text);
      textAt = (i) =>
        lens[i] < 0 ? null : utf8Decoder.decode(bytes.subarray(starts[i], starts[i] + lens[i]));
    } else {
      const texts = batch.texts;
      textAt = (i) => texts[i];
    }
    const done: Promise<undefined>[] = [];
    for (let w = 0; w + 1 < cut.length; w++) {
      const id = this.nextId++;
      const sent = (this.sent[w] ??= []);
      const job: HashJob = {
        kind: 'hash',
        id,
        slot: slotIndex,
        buffers: sent[slotIndex] === slot ? undefined : slot,
        from: cut[w],
        to: cut[w + 1],
        shFrom: shCut[w],
        shEnd: shCut[w + 1],
        bands: this.bands,
        record: this.record,
        segment: this.index.segmentCount,
        utf8,
        rawCap: this.rawCap,
      };
      done.push(this.call<undefined>(w, job));
      sent[slotIndex] = slot;
    }
    return { slot, textAt, count: n, times, done: Promise.all(done) };
  }

  private async commit(p: Pending): Promise<void> {
    const meta = new Int32Array(p.slot.meta);
    const sigs = new Int32Array(p.slot.sigs);
    const sh = new Int32Array(p.slot.shingles);
    const stride = META + this.bands;
    for (let i = 0; i < p.count; i++) {
      // A post that closes the open segment waits for the previous close to be applied:
      // each close starts from the groups as the one before left them.
      if (this.closing !== null && this.index.rotationDue(p.times[i])) await this.settle();
      const m = i * stride;
      const state = meta[m];
      const kind = state & 3;
      if (kind === LEFT) this.index.add(p.textAt(i), p.times[i]);
      else if (kind === COPY) {
        if (!this.index.addCopy(p.times[i], (state & TRUNCATED) !== 0, meta[m + 1], meta[m + 2]))
          this.index.add(p.textAt(i), p.times[i]);
      } else
        this.index.addHashed(
          p.times[i],
          kind === OK,
          (state & TRUNCATED) !== 0,
          meta[m + 1],
          meta[m + 2],
          sh,
          meta[m + 4],
          meta[m + 3],
          meta,
          m + META,
          sigs,
          i * this.record,
        );
    }
  }
}

function startWorker(workerData: object): Worker {
  // Under tsx (tests) the sources are .ts and the worker must register tsx's loader itself.
  const ts = import.meta.url.endsWith('.ts');
  const url = new URL(ts ? './hash-worker.ts' : './hash-worker.js', import.meta.url);
  return ts
    ? new Worker(
        `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`,
        { eval: true, workerData },
      )
    : new Worker(url, { workerData });
}
