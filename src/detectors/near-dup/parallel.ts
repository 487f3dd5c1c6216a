/**
 * Near-duplicate indexing with the per-text hashing (normalise, shingles, signature, band
 * keys: about half of the CPU time) in worker threads, and the index (exact copies, LSH
 * buckets, verification, union-find) on the calling thread. Texts go to the workers through
 * SharedArrayBuffers (one copy of the UTF-16 code units, no structured clone, no garbage per
 * text) and come back the same way; batches are pipelined, so the index commits batch k
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
import type { NearDupIndex, NearDupResult } from './NearDupIndex.js';
import type { TextHasher } from './TextHasher.js';

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
  text: SharedArrayBuffer; // UTF-16 code units, texts end to end
  /** Per text: start in `text` (code units), and its length (-1 for null). */
  starts: SharedArrayBuffer;
  lens: SharedArrayBuffer;
  meta: SharedArrayBuffer;
  sig8: SharedArrayBuffer;
  shingles: SharedArrayBuffer;
}

/** One worker's share of a batch. */
export interface HashJob {
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
  bins: number;
  /** The index's segment count when the batch was sent: a new one clears the worker's seen keys. */
  segment: number;
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

/** Hash texts [from, to) of a job (run by the workers; exported for them). */
export function hashRange(h: TextHasher, job: HashJob, slot: Slot, seen: SeenKeys): void {
  if (job.segment !== seen.segment) {
    seen.clear();
    seen.segment = job.segment;
  }
  const text = Buffer.from(slot.text);
  const starts = new Int32Array(slot.starts);
  const lens = new Int32Array(slot.lens);
  const meta = new Int32Array(slot.meta);
  const sig8 = new Uint8Array(slot.sig8);
  const sh = new Int32Array(slot.shingles);
  const { bands, bins } = job;
  const stride = META + bands;
  let at = job.shFrom;
  for (let i = job.from; i < job.to; i++) {
    const len = lens[i];
    const m = i * stride;
    const ok = h.normalise(len < 0 ? null : text.toString('utf16le', starts[i] * 2, (starts[i] + len) * 2));
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
    sig8.set(h.sig8, i * bins);
    at += h.count;
  }
}

interface Pending {
  slot: Slot;
  texts: (string | null)[];
  times: ArrayLike<number>;
  done: Promise<unknown>;
}

export class ParallelNearDup {
  private readonly workers: Worker[] = [];
  private readonly waiting = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  /** A worker failed: every later batch fails with it rather than waiting forever. */
  private failure: Error | null = null;
  private nextId = 0;
  private readonly slots: Slot[] = [];
  /** Per worker, the slot buffers it was last sent: buffers are sent again only when they grow. */
  private readonly sent: (Slot | undefined)[][] = [];
  private turn = 0;
  private pending: Pending | null = null;
  private readonly bands: number;
  private readonly bins: number;
  /** Raw code units read per text: normalisation never reads further. */
  private readonly rawCap: number;

  constructor(
    private readonly index: NearDupIndex,
    workers = 2,
  ) {
    const o = index.options;
    this.bands = o.bands;
    this.bins = o.bands * o.rows;
    this.rawCap = o.maxChars * 8 + 1;
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
      worker.on('message', (id: number) => {
        const wake = this.waiting.get(id);
        this.waiting.delete(id);
        wake?.resolve();
      });
      const fail = (e: Error) => {
        this.failure ??= e;
        for (const w of this.waiting.values()) w.reject(e);
        this.waiting.clear();
      };
      worker.on('error', fail);
      worker.on('exit', (code) => {
        if (code !== 0) fail(new Error(`near-dup hash worker exited with code ${code}`));
      });
      this.workers.push(worker);
    }
  }

  /**
   * Add a batch of posts (time order, as {@link NearDupIndex.add}). Resolves once the
   * previous batch is committed to the index and this one is being hashed.
   */
  async add(texts: (string | null)[], times: ArrayLike<number>): Promise<void> {
    const next = this.start(texts, times);
    await this.drain();
    this.pending = next;
  }

  /** Commit the last batch, stop the workers, and resolve the groups. */
  async finish(): Promise<NearDupResult> {
    try {
      await this.drain();
    } finally {
      await this.close();
    }
    return this.index.finish();
  }

  /** Stop the workers (also after an error; `finish` does it itself). */
  async close(): Promise<void> {
    const ws = this.workers.splice(0);
    for (const w of ws) w.removeAllListeners('exit');
    await Promise.all(ws.map((w) => w.terminate()));
  }

  private async drain(): Promise<void> {
    const p = this.pending;
    if (p === null) return;
    this.pending = null;
    await p.done;
    this.commit(p);
  }

  private slotFor(i: number, n: number, chars: number): Slot {
    const s = this.slots[i];
    const shingles = chars + 8 * n;
    if (
      s &&
      s.text.byteLength >= chars * 2 &&
      s.lens.byteLength >= n * 4 &&
      s.shingles.byteLength >= shingles * 4
    )
      return s;
    const grow = (b: SharedArrayBuffer | undefined, need: number) =>
      b && b.byteLength >= need ? b : new SharedArrayBuffer(Math.max(need, (b?.byteLength ?? 0) * 2));
    return (this.slots[i] = {
      text: grow(s?.text, chars * 2),
      starts: grow(s?.starts, n * 4),
      lens: grow(s?.lens, n * 4),
      meta: grow(s?.meta, n * 4 * (META + this.bands)),
      sig8: grow(s?.sig8, n * this.bins),
      shingles: grow(s?.shingles, shingles * 4),
    });
  }

  private start(texts: (string | null)[], times: ArrayLike<number>): Pending {
    const n = texts.length;
    let chars = 0;
    for (const t of texts) if (t !== null) chars += Math.min(t.length, this.rawCap);
    const slotIndex = this.turn++ & 1;
    const slot = this.slotFor(slotIndex, n, chars);
    const buf = Buffer.from(slot.text);
    const starts = new Int32Array(slot.starts);
    const lens = new Int32Array(slot.lens);
    // Shingle regions follow the texts' raw lengths (+ 8 for short folds that expand);
    // a text whose normalised form does not fit is hashed on this thread instead.
    const cut: number[] = [0];
    const shCut: number[] = [0];
    const per = Math.ceil(n / this.workers.length);
    let at = 0;
    for (let i = 0; i < n; i++) {
      const t = texts[i];
      starts[i] = at;
      if (t === null) lens[i] = -1;
      else {
        const len = Math.min(t.length, this.rawCap);
        buf.write(len < t.length ? t.slice(0, len) : t, at * 2, len * 2, 'utf16le');
        lens[i] = len;
        at += len;
      }
      if ((i + 1) % per === 0 || i + 1 === n) {
        cut.push(i + 1);
        shCut.push(at + 8 * (i + 1));
      }
    }
    const done: Promise<void>[] = [];
    for (let w = 0; w + 1 < cut.length; w++) {
      const id = this.nextId++;
      const sent = (this.sent[w] ??= []);
      const job: HashJob = {
        id,
        slot: slotIndex,
        buffers: sent[slotIndex] === slot ? undefined : slot,
        from: cut[w],
        to: cut[w + 1],
        shFrom: shCut[w],
        shEnd: shCut[w + 1],
        bands: this.bands,
        bins: this.bins,
        segment: this.index.segmentCount,
      };
      done.push(
        new Promise<void>((resolve, reject) =>
          this.failure ? reject(this.failure) : this.waiting.set(id, { resolve, reject }),
        ),
      );
      this.workers[w].postMessage(job);
      sent[slotIndex] = slot;
    }
    return { slot, texts, times, done: Promise.all(done) };
  }

  private commit(p: Pending): void {
    const meta = new Int32Array(p.slot.meta);
    const sig8 = new Uint8Array(p.slot.sig8);
    const sh = new Int32Array(p.slot.shingles);
    const stride = META + this.bands;
    for (let i = 0; i < p.texts.length; i++) {
      const m = i * stride;
      const state = meta[m];
      const kind = state & 3;
      if (kind === LEFT) this.index.add(p.texts[i], p.times[i]);
      else if (kind === COPY) {
        if (!this.index.addCopy(p.times[i], (state & TRUNCATED) !== 0, meta[m + 1], meta[m + 2]))
          this.index.add(p.texts[i], p.times[i]);
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
          sig8,
          i * this.bins,
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
