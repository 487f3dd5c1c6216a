/**
 * Closing a time segment of the near-duplicate index: find the candidate pairs in its LSH
 * buckets, verify them, and return the pairs at or above the threshold. The index applies
 * them to its union-find (`NearDupIndex.applyClose`).
 *
 * The work is split in two phases that read only shared memory and the union-find as it was
 * when the segment closed (`roots`), so any number of threads can run them (`parallel.ts`
 * gives them to its worker threads; `NearDupIndex` runs them on its own thread) and the
 * result does not depend on how it was split:
 *
 * 1. **walk**: the sorted band keys are cut at bucket boundaries; in each bucket every text
 *    is paired with its `probe` predecessors. Pairs already joined before the close, whose
 *    b-bit signatures disagree too much (an estimate), or whose set sizes and shingle maps
 *    put their Jaccard below the threshold (a bound: no pair at or above it is lost) are
 *    dropped. The rest are written out.
 * 2. **verify**: the pairs are grouped by their first text (a counting sort); each group's
 *    second texts are deduplicated (a pair that shares several bands is verified once) and
 *    verified by exact Jaccard against one hash set of the first text's shingles, built once
 *    for all of them.
 *
 * Grouping by first text replaces what a single pass would do with a union-find lookup and
 * a cache of failed pairs per candidate (a random memory access each): pairs of the same
 * text are verified together, while its shingles are in cache. The cost is that a pair
 * joined through another pair of the same close is verified anyway (on the 10M-post bench,
 * without the map bound, 16.7 million verifications and size checks instead of 12.0 million);
 * the map bound then leaves 2.2 million, and all of it runs in parallel (README.md, Measured).
 */

import { MAP_WORDS } from './TextHasher.js';

/** Pool blocks of 2^22 shingle hashes (16 MiB): larger than any text (maxChars <= 1e6). */
export const BLOCK_BITS = 22;
export const BLOCK_SIZE = 1 << BLOCK_BITS;
export const BLOCK_MASK = BLOCK_SIZE - 1;

/** The texts of one segment, in shared memory (readable by worker threads). */
export interface SegmentView {
  /** Distinct-text id of the segment's first text. */
  base: number;
  count: number;
  /** Pool position (block `start >>> BLOCK_BITS`) and number of distinct shingle hashes of each text. */
  starts: Int32Array;
  lens: Int32Array;
  blocks: Int32Array[];
  /**
   * Signature records, `stride` 32-bit words per text: the b-bit signature (`words` words),
   * then the 512-bit shingle map (`MAP_WORDS`).
   */
  sigs32: Int32Array;
  stride: number;
}

/** Everything a close needs, all of it in shared memory or small. */
export interface CloseJob {
  /** Band keys of the closing segment and the previous one, sorted by (unsigned key, id). */
  keys: Int32Array;
  ids: Int32Array;
  entries: number;
  cur: SegmentView;
  prev: SegmentView | null;
  /** The union-find root of text `lo + i` when the segment closed. */
  roots: Int32Array;
  lo: number;
  /** Words of the b-bit signature at the start of each record, and of the whole record. */
  words: number;
  stride: number;
  /** Bins (padding words included) two signatures must agree on for a pair to be verified. */
  minAgree: number;
  probe: number;
  threshold: number;
}

/** Counters of a close (the same names as `NearDupStats`). */
export interface CloseStats {
  candidates: number;
  sameGroup: number;
  estimatedOut: number;
  repeated: number;
  sizedOut: number;
  verified: number;
  matched: number;
  probeCapped: number;
  largestBucket: number;
}

export function emptyCloseStats(): CloseStats {
  return { candidates: 0, sameGroup: 0, estimatedOut: 0, repeated: 0, sizedOut: 0, verified: 0, matched: 0, probeCapped: 0, largestBucket: 0 }; // prettier-ignore
}

export function addCloseStats(into: CloseStats, s: CloseStats): void {
  into.candidates += s.candidates;
  into.sameGroup += s.sameGroup;
  into.estimatedOut += s.estimatedOut;
  into.repeated += s.repeated;
  into.sizedOut += s.sizedOut;
  into.verified += s.verified;
  into.matched += s.matched;
  into.probeCapped += s.probeCapped;
  into.largestBucket = Math.max(into.largestBucket, s.largestBucket);
}

/** Candidate pairs of one walk: `xs[k] < ys[k]`, in shared memory for the verify phase. */
export interface WalkResult {
  xs: Int32Array;
  ys: Int32Array;
  n: number;
  stats: CloseStats;
}

/** Pairs at or above the threshold: (x, y) at `pairs[2k]`, `pairs[2k + 1]`, Jaccard `sims[k]`. */
export interface VerifyResult {
  pairs: Int32Array;
  sims: Float64Array;
  n: number;
  stats: CloseStats;
}

/** An Int32Array in shared memory, zero-filled. */
export function sharedInt32(n: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(Math.max(n, 1) * 4));
}

/** Entry boundaries that cut `[0, entries)` into `parts` ranges of about equal size, at bucket edges. */
export function splitEntries(job: CloseJob, parts: number): number[] {
  const { keys, entries } = job;
  const cuts = [0];
  for (let p = 1; p < parts; p++) {
    let at = Math.max(cuts[cuts.length - 1], Math.floor((entries * p) / parts));
    while (at > 0 && at < entries && keys[at] === keys[at - 1]) at++;
    cuts.push(at);
  }
  cuts.push(entries);
  return cuts;
}

/**
 * Phase 1 over entries `[from, to)` (bucket-aligned): each text of the closing segment is
 * paired with its `probe` predecessors in each bucket; pairs that were already in one group
 * when the segment closed, whose signatures agree on fewer than `minAgree` bins, or whose
 * set sizes and shingle maps bound J below the threshold ({@link sharedBound}) are counted
 * and dropped.
 */
export function walkBuckets(job: CloseJob, from: number, to: number): WalkResult {
  const { keys, ids, roots, lo, words, stride, minAgree, probe } = job;
  const base = job.cur.base;
  const curSigs = job.cur.sigs32;
  const curLens = job.cur.lens;
  const prevSigs = job.prev ? job.prev.sigs32 : curSigs;
  const prevLens = job.prev ? job.prev.lens : curLens;
  const prevBase = job.prev ? job.prev.base : base;
  const ratio = job.threshold / (1 + job.threshold); // J >= t  <=>  shared >= ratio * (nx + ny)
  const st = emptyCloseStats();
  // Grown by doubling: at 10M posts about 0.7 pairs per entry pass the filters.
  let xs = sharedInt32(Math.max(1024, (to - from) >>> 2));
  let ys = sharedInt32(xs.length);
  let n = 0;
  for (let s = from; s < to;) {
    const key = keys[s];
    let e = s + 1;
    while (e < to && keys[e] === key) e++;
    if (e - s > 1) {
      if (e - s > st.largestBucket) st.largestBucket = e - s;
      for (let i = s + 1; i < e; i++) {
        const y = ids[i];
        if (y < base) continue; // both in the previous segment: compared when it closed
        const first = Math.max(s, i - probe);
        if (first > s) st.probeCapped++;
        const ry = roots[y - lo];
        const yw = (y - base) * stride;
        const ny = curLens[y - base];
        for (let j = i - 1; j >= first; j--) {
          const x = ids[j];
          if (x === y) continue; // two bands of one text with the same key
          st.candidates++;
          if (roots[x - lo] === ry) {
            st.sameGroup++;
            continue;
          }
          const inPrev = x < base;
          const xl = inPrev ? x - prevBase : x - base;
          const xSigs = inPrev ? prevSigs : curSigs;
          const xw = xl * stride;
          if (agree(xSigs, xw, curSigs, yw, words) < minAgree) {
            st.estimatedOut++;
            continue;
          }
          const nx = (inPrev ? prevLens : curLens)[xl];
          if (sharedBound(xSigs, xw + words, curSigs, yw + words, nx, ny) < ratio * (nx + ny) - 1e-9) {
            st.sizedOut++;
            continue;
          }
          if (n === xs.length) {
            xs = grownShared(xs, n + 1);
            ys = grownShared(ys, n + 1);
          }
          xs[n] = x;
          ys[n++] = y;
        }
      }
    }
    s = e;
  }
  return { xs, ys, n, stats: st };
}

/**
 * Offsets of each first text's pairs once grouped: the pairs of text `lo + i` will sit at
 * `[offsets[i], offsets[i + 1])`. One pass over every walk's pairs.
 */
export function pairOffsets(walks: WalkResult[], lo: number, texts: number): Int32Array {
  const off = sharedInt32(texts + 1);
  for (const w of walks) for (let k = 0; k < w.n; k++) off[w.xs[k] - lo + 1]++;
  for (let i = 0; i < texts; i++) off[i + 1] += off[i];
  return off;
}

/** First-text boundaries (local indices) that cut the pairs into `parts` ranges of about equal size. */
export function splitTexts(offsets: Int32Array, parts: number): number[] {
  const texts = offsets.length - 1;
  const total = offsets[texts];
  const cuts = [0];
  let i = 0;
  for (let p = 1; p < parts; p++) {
    const want = (total * p) / parts;
    while (i < texts && offsets[i] < want) i++;
    cuts.push(i);
  }
  cuts.push(texts);
  return cuts;
}

/**
 * Phase 2 for first texts `lo + [from, to)`: gather their pairs from every walk, drop
 * repeats, and verify each by exact Jaccard of the shingle sets. Returns the pairs at or
 * above the threshold.
 */
export function verifyPairs(
  job: CloseJob,
  walks: WalkResult[],
  offsets: Int32Array,
  from: number,
  to: number,
): VerifyResult {
  const { lo, threshold } = job;
  const st = emptyCloseStats();
  // Counting sort of this range's pairs by first text.
  const at0 = offsets[from];
  const ys = new Int32Array(Math.max(offsets[to] - at0, 1));
  const cursor = offsets.slice(from, to + 1);
  for (const w of walks) {
    const { xs, ys: wy } = w;
    for (let k = 0; k < w.n; k++) {
      const i = xs[k] - lo;
      if (i >= from && i < to) ys[cursor[i - from]++ - at0] = wy[k];
    }
  }
  const v = new Verifier(job);
  const seen = new Int32Array(job.cur.count);
  let pairs: Int32Array = new Int32Array(1024);
  let sims: Float64Array = new Float64Array(512);
  let n = 0;
  let list = new Int32Array(64);
  for (let i = from; i < to; i++) {
    const a = offsets[i] - at0;
    const b = offsets[i + 1] - at0;
    if (a === b) continue;
    const x = lo + i;
    // Second texts, each once (a pair found in several bands is verified once).
    if (b - a > list.length) list = new Int32Array(b - a);
    let m = 0;
    const stampX = x + 1;
    for (let k = a; k < b; k++) {
      const y = ys[k];
      const ly = y - job.cur.base;
      if (seen[ly] === stampX) {
        st.repeated++;
        continue;
      }
      seen[ly] = stampX;
      list[m++] = y;
    }
    v.setFirst(x);
    for (let k = 0; k < m; k++) {
      const y = list[k];
      const sim = v.jaccardWith(y, threshold, st);
      if (sim < threshold) continue;
      st.matched++;
      if (n === sims.length) {
        pairs = grown(pairs, 2 * n + 2);
        sims = grown(sims, n + 1);
      }
      pairs[2 * n] = x;
      pairs[2 * n + 1] = y;
      sims[n++] = sim;
    }
  }
  return { pairs, sims, n, stats: st };
}

/**
 * Exact Jaccard of one text against many: the first text's shingles go into an
 * open-addressing set once, and each second text's shingles are looked up in it. Shingles
 * are stored each once (`TextHasher`), so the set sizes are the texts' lengths.
 */
class Verifier {
  private keys = new Int32Array(1 << 10);
  private stamps = new Int32Array(1 << 10);
  private stamp = 0;
  private mask = 0;
  private nx = 0;

  constructor(private readonly job: CloseJob) {}

  /** Put text `x`'s shingles into the set. */
  setFirst(x: number): void {
    const sx = segmentOf(this.job, x);
    const lx = sx.lens[x - sx.base];
    let size = 64;
    while (size < 2 * lx) size *= 2; // at most half full
    if (size > this.keys.length) {
      this.keys = new Int32Array(size);
      this.stamps = new Int32Array(size);
      this.stamp = 0;
    }
    if (this.stamp === 0x7fffffff) {
      this.stamps.fill(0);
      this.stamp = 0;
    }
    const stamp = ++this.stamp;
    this.mask = size - 1;
    const { keys, stamps, mask } = this;
    const start = sx.starts[x - sx.base];
    const block = sx.blocks[start >>> BLOCK_BITS];
    const a = start & BLOCK_MASK;
    for (let i = a; i < a + lx; i++) {
      const s = block[i];
      let j = s & mask;
      while (stamps[j] === stamp) j = (j + 1) & mask;
      stamps[j] = stamp;
      keys[j] = s;
    }
    this.nx = lx;
  }

  /**
   * Jaccard of the first text with `y` (a text of the closing segment). Returns a value
   * below `threshold` as soon as the threshold is out of reach.
   */
  jaccardWith(y: number, threshold: number, st: CloseStats): number {
    const cur = this.job.cur;
    const ly = y - cur.base;
    const ny = cur.lens[ly];
    const nx = this.nx;
    st.verified++;
    const start = cur.starts[ly];
    const block = cur.blocks[start >>> BLOCK_BITS];
    const a = start & BLOCK_MASK;
    const b = a + ny;
    const { keys, stamps, mask, stamp } = this;
    // J >= t  <=>  shared >= need; shared can still grow by at most what is left of y.
    const need = (threshold / (1 + threshold)) * (nx + ny) - 1e-9;
    let shared = 0;
    for (let i = a; i < b; i++) {
      const s = block[i];
      let j = s & mask;
      while (stamps[j] === stamp) {
        if (keys[j] === s) {
          shared++;
          break;
        }
        j = (j + 1) & mask;
      }
      if (shared + (b - i - 1) < need) break;
    }
    return shared / (nx + ny - shared);
  }
}

function segmentOf(job: CloseJob, x: number): SegmentView {
  return x < job.cur.base ? job.prev! : job.cur;
}

/**
 * An upper bound on the shingles two texts share, from their set sizes and 512-bit shingle
 * maps: a bit set in one map only is a shingle of one text only, and distinct bits are
 * distinct shingles, so |A △ B| >= popcount(mapA ^ mapB) and |A ∩ B| <= (|A| + |B| -
 * popcount) / 2 (and <= min(|A|, |B|)). Exact: a pair at or above the threshold always
 * passes. Tight on tweet-sized texts (few of their shingles share a bit); long texts fill
 * the map and the bound loosens.
 */
export function sharedBound(
  a: Int32Array,
  ai: number,
  b: Int32Array,
  bi: number,
  na: number,
  nb: number,
): number {
  let d = 0;
  for (let k = 0; k < MAP_WORDS; k++) {
    let v = a[ai + k] ^ b[bi + k];
    v -= (v >>> 1) & 0x55555555;
    v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
    d += Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
  }
  const bound = (na + nb - d) / 2;
  return Math.min(bound, na, nb);
}

/**
 * Bins on which two b-bit signatures agree, four bins per 32-bit word: the high bit of each
 * byte of `t` is set exactly when that byte of a ^ b is zero (no borrow crosses bytes).
 */
export function agree(a: Int32Array, ai: number, b: Int32Array, bi: number, words: number): number {
  let n = 0;
  for (let k = 0; k < words; k++) {
    const d = a[ai + k] ^ b[bi + k];
    const t = ~(((d & 0x7f7f7f7f) + 0x7f7f7f7f) | d | 0x7f7f7f7f);
    n += Math.imul((t >>> 7) & 0x01010101, 0x01010101) >>> 24;
  }
  return n;
}

/** `a` copied into a typed array of the same kind at least `need` long (doubling), or `a` when long enough. */
export function grown<T extends Int32Array | Float32Array | Float64Array | Uint8Array>(
  a: T,
  need: number,
): T {
  if (need <= a.length) return a;
  const b = new (a.constructor as new (n: number) => T)(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

/** {@link grown} in shared memory: what a segment close reads must be readable by worker threads. */
export function grownShared(a: Int32Array, need: number): Int32Array {
  if (need <= a.length) return a;
  const b = sharedInt32(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}
