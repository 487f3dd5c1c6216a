/**
 * Near-duplicate indexing with the per-text hashing (normalise, shingles, signature, band
 * keys: about half of the CPU time) in worker threads, and the index (exact copies, LSH
 * buckets, verification, union-find) on the calling thread. Texts go to the workers through
 * SharedArrayBuffers (one copy of the UTF-16 code units, no structured clone, no garbage per
 * text) and come back the same way; batches are pipelined, so the index commits batch k
 * while the workers hash batch k + 1. The groups are the same as {@link NearDupIndex.add}'s.
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
/** `meta` state: not matched (null or short), matched, or left for the main thread (no room). */
const SHORT = 0;
const OK = 1;
const LEFT = 2;
/** Added to the state when the text was truncated. */
const TRUNCATED = 4;

/** Shared buffers of one batch slot. */
interface Slot {
  text: SharedArrayBuffer; // UTF-16 code units, texts end to end
  /** Per text: start in `text` (code units), and its length (-1 for null). */
  starts: SharedArrayBuffer;
  lens: SharedArrayBuffer;
  meta: SharedArrayBuffer;
  sig8: SharedArrayBuffer;
  shingles: SharedArrayBuffer;
}

/** One worker's share of a batch. */
export interface HashJob extends Slot {
  id: number;
  from: number;
  to: number;
  /** This range's region of `shingles`: [shFrom, shEnd). */
  shFrom: number;
  shEnd: number;
  bands: number;
  bins: number;
}

/** Hash texts [from, to) of a job (run by the workers; exported for them). */
export function hashRange(h: TextHasher, job: HashJob): void {
  const text = Buffer.from(job.text);
  const starts = new Int32Array(job.starts);
  const lens = new Int32Array(job.lens);
  const meta = new Int32Array(job.meta);
  const sig8 = new Uint8Array(job.sig8);
  const sh = new Int32Array(job.shingles);
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
    if (at + h.length > job.shEnd) {
      meta[m] = LEFT | trunc;
      continue;
    }
    h.shingleInto(sh, at);
    h.bandKeys();
    meta[m] = OK | trunc;
    meta[m + 1] = h.hi;
    meta[m + 2] = h.lo;
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

  private slotFor(n: number, chars: number): Slot {
    const i = this.turn++ & 1;
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
    const slot = this.slotFor(n, chars);
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
      const job: HashJob = {
        ...slot,
        id,
        from: cut[w],
        to: cut[w + 1],
        shFrom: shCut[w],
        shEnd: shCut[w + 1],
        bands: this.bands,
        bins: this.bins,
      };
      done.push(
        new Promise<void>((resolve, reject) =>
          this.failure ? reject(this.failure) : this.waiting.set(id, { resolve, reject }),
        ),
      );
      this.workers[w].postMessage(job);
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
      else
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
