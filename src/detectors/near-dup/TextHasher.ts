/**
 * The per-text half of near-duplicate matching, which needs no shared state: normalise a
 * text, hash its character 5-grams, take its one-permutation MinHash signature, densify it
 * and cut it into LSH band keys, plus a 64-bit key of the whole normalised text for exact
 * copies. It keeps no state between texts, so it also runs in worker threads (`parallel.ts`).
 *
 * @see P. Li, A. Owen, C.-H. Zhang, "One permutation hashing" (NeurIPS 2012).
 * @see A. Shrivastava, "Optimal densification for fast and accurate minwise hashing" (ICML 2017).
 * @see M. Pătraşcu, M. Thorup, "The power of simple tabulation hashing" (J. ACM 2012).
 */
import { fmix32 as fmix32Export } from './hash.js';
import { mulberry32 } from '../../util/rng.js';
import { normaliseCodesInto, normaliseInto, rawUnitsRead } from './normalise.js';

// A local binding: calls through an imported binding can go through a getter in some module
// loaders (CommonJS interop), which stops V8 from inlining the hot hash rounds.
const fmix32 = fmix32Export;

/**
 * Shingle length in normalised UTF-16 code units. Fixed, so that the hashing loop keeps the
 * window in registers (see README.md for why 5).
 */
export const SHINGLE = 5;
/** Marks an empty one-permutation bin; bin values are 31-bit, so every real value is below it. */
const EMPTY = 0x7fffffff;
/** Probes of the densification sequence kept in a table; further ones are computed. */
const PROBES = 32;
/**
 * 32-bit words of a text's shingle map: 512 bits, one per shingle hash's low 9 bits. A bit
 * set in one text's map and not in the other's proves a shingle the other lacks, so the maps
 * of two texts bound their Jaccard from above without reading their shingles (`close.ts`).
 */
export const MAP_WORDS = 16;

/** What the hasher needs of the index options. */
export interface HasherOptions {
  bands: number;
  rows: number;
  minChars: number;
  maxChars: number;
  foldHomoglyphs: boolean;
  seed: number;
}

/**
 * Hashes one text at a time into reusable buffers. After {@link TextHasher.hash} returns
 * true: `hi`/`lo`, `shingles[0 .. count)` and the shingle map in `sig32`; after
 * {@link TextHasher.bandKeys}: `keys` and the b-bit signature (`sig8`, the start of `sig32`).
 *
 * @example
 * const h = new TextHasher(NEAR_DUP_DEFAULTS);
 * if (h.hash('some post text, long enough')) { h.bandKeys(); use(h.keys, h.shingles, h.count); }
 */
export class TextHasher {
  readonly bins: number;
  /** Normalised length of the last text (-1 for null). */
  length = 0;
  /** The last text was cut at `maxChars` (or its raw form at 8 x `maxChars`). */
  truncated = false;
  /** Shingle hashes of the last text, each once, in order of first occurrence, and how many. */
  readonly shingles: Int32Array;
  count = 0;
  /** 64-bit key of the normalised text: equal texts, equal keys. */
  hi = 0;
  lo = 0;
  /** LSH band keys of the last text. */
  readonly keys: Int32Array;
  /**
   * The low 8 bits of each densified signature value (b-bit minwise hashing, Li & König
   * 2010): two texts agree on a bin with probability J + (1 - J) / 256, a cheap estimate of
   * J that rejects most false candidates before the exact verification.
   */
  readonly sig8: Uint8Array;
  /**
   * The signature record of the last text as 32-bit words: its b-bit signature (`sig8`,
   * padded with zeros to {@link TextHasher.sigWords} words), then its shingle map
   * ({@link MAP_WORDS} words). The index stores it as is.
   */
  readonly sig32: Int32Array;
  /** Words of the b-bit signature in a record, and of the whole record. */
  readonly sigWords: number;
  readonly recordWords: number;

  private readonly norm: Uint16Array;
  /** Open-addressing set that drops repeated shingles, cleared by bumping `stamp`. */
  private readonly seenKeys: Int32Array;
  private readonly seenStamp: Int32Array;
  private stamp = 0;
  /** Simple tabulation hashing: one random table per shingle position. */
  private readonly t0: Int32Array;
  private readonly t1: Int32Array;
  private readonly t2: Int32Array;
  private readonly t3: Int32Array;
  private readonly t4: Int32Array;
  private readonly sig: Int32Array;
  /** Random odd multipliers of the band keys, one per signature value. */
  private readonly mult: Int32Array;
  private readonly probes: Int32Array;
  /** Start values of the exact-key chains (from the seed). */
  private readonly keySeedA: number;
  private readonly keySeedB: number;

  constructor(readonly options: Readonly<HasherOptions>) {
    const o = options;
    this.bins = o.bands * o.rows;
    // Room for multi-unit folds (ligatures...) past maxChars without a bounds check per unit.
    this.norm = new Uint16Array(o.maxChars + 8);
    this.shingles = new Int32Array(o.maxChars + 8);
    this.keys = new Int32Array(o.bands);
    this.sigWords = (o.bands * o.rows + 3) >>> 2;
    this.recordWords = this.sigWords + MAP_WORDS;
    this.sig32 = new Int32Array(this.recordWords);
    this.sig8 = new Uint8Array(this.sig32.buffer, 0, o.bands * o.rows);
    let size = 16;
    while (size < 2 * (o.maxChars + 8)) size *= 2;
    this.seenKeys = new Int32Array(size);
    this.seenStamp = new Int32Array(size);
    const rnd = mulberry32(o.seed);
    const table = () => {
      const t = new Int32Array(0x10000);
      for (let c = 0; c < t.length; c++) t[c] = (rnd() * 4294967296) | 0;
      return t;
    };
    [this.t0, this.t1, this.t2, this.t3, this.t4] = [table(), table(), table(), table(), table()];
    this.sig = new Int32Array(this.bins);
    this.mult = new Int32Array(this.bins);
    for (let i = 0; i < this.bins; i++) this.mult[i] = (rnd() * 4294967296) | 0 | 1;
    this.probes = new Int32Array(this.bins * PROBES);
    for (let i = 0; i < this.probes.length; i++) this.probes[i] = Math.floor(rnd() * this.bins);
    this.keySeedA = (rnd() * 4294967296) | 0;
    this.keySeedB = (rnd() * 4294967296) | 0;
  }

  /**
   * Normalise and shingle one text. Returns false when it is not matched (null, or shorter
   * than `minChars` once normalised).
   */
  hash(text: string | null): boolean {
    if (!this.normalise(text)) return false;
    this.exactKey();
    this.shingleInto(this.shingles, 0);
    return true;
  }

  /**
   * Normalise one text only: `length` and `truncated` are set, and the caller can reserve
   * room for its at most `length` shingles before {@link TextHasher.shingleInto}. Returns
   * false when it is not matched.
   */
  normalise(text: string | null): boolean {
    const o = this.options;
    if (text === null) {
      this.length = -1;
      this.truncated = false;
      return false;
    }
    const n = normaliseInto(text, this.norm, o);
    this.length = n;
    this.truncated = n >= o.maxChars || text.length > o.maxChars * 8;
    return n >= o.minChars;
  }

  /**
   * {@link TextHasher.normalise} on a text given as the code units `src[from, to)` (a batch
   * in shared memory, see `parallel.ts`): no string is made. The text may be cut after
   * `rawUnitsRead(maxChars)` units, which is all normalisation reads.
   */
  normaliseCodes(src: Uint16Array, from: number, to: number): boolean {
    const o = this.options;
    const n = normaliseCodesInto(src, from, Math.min(to, from + rawUnitsRead(o.maxChars)), this.norm, o);
    this.length = n;
    this.truncated = n >= o.maxChars || to - from > o.maxChars * 8;
    return n >= o.minChars;
  }

  /**
   * Hash the shingles of the last normalised text into `out` from `at` (so the index can
   * write them straight into its pool, without a copy), each once, and its one-permutation
   * signature and shingle map (the exact-copy key is {@link TextHasher.exactKey}'s).
   * Every step is independent of the previous shingle's, so the loop runs at the CPU's
   * throughput rather than at a hash chain's latency; the running minimum is taken without a
   * branch, which the CPU could not predict.
   */
  shingleInto(shingles: Int32Array, at: number): void {
    const n = this.length;
    const { bins, sig, t0, t1, t2, t3, t4 } = this;
    const buf = this.norm;
    sig.fill(EMPTY);
    let c1 = buf[0];
    let c2 = buf[1];
    let c3 = buf[2];
    let c4 = buf[3];
    let w = at;
    for (let i = SHINGLE - 1; i < n; i++) {
      const c0 = c1;
      c1 = c2;
      c2 = c3;
      c3 = c4;
      c4 = buf[i];
      let s = t0[c0] ^ t1[c1] ^ t2[c2] ^ t3[c3] ^ t4[c4];
      // A multiply-xorshift round on top of tabulation: cheap insurance against structured input.
      s = Math.imul(s ^ (s >>> 16), 0x85ebca6b);
      s ^= s >>> 13;
      shingles[w++] = s;
      // One-permutation hashing: the top bits pick the bin, the low 31 bits compete for its minimum.
      const bin = ((s >>> 16) * bins) >>> 16;
      const v = sig[bin];
      const dlt = ((s & 0x7fffffff) - v) | 0;
      sig[bin] = v + (dlt & (dlt >> 31));
    }
    this.count = this.unique(shingles, at, w) - at;
  }

  /**
   * Drop repeated shingles from `out[at..end)` in place (first occurrences kept, in order)
   * and set the shingle map. Returns the new end. Sets make the verification a plain count
   * of shared shingles and `count` the exact set size, which the bounds of `close.ts` need.
   */
  private unique(out: Int32Array, at: number, end: number): number {
    const { seenKeys, seenStamp, sig32 } = this;
    const mask = seenKeys.length - 1;
    if (this.stamp === 0x7fffffff) {
      seenStamp.fill(0);
      this.stamp = 0;
    }
    const stamp = ++this.stamp;
    const m0 = this.sigWords;
    for (let k = 0; k < MAP_WORDS; k++) sig32[m0 + k] = 0;
    let w = at;
    for (let r = at; r < end; r++) {
      const s = out[r];
      let j = (s ^ (s >>> 15)) & mask;
      for (;;) {
        if (seenStamp[j] !== stamp) {
          seenStamp[j] = stamp;
          seenKeys[j] = s;
          out[w++] = s;
          sig32[m0 + ((s >>> 5) & 15)] |= 1 << (s & 31);
          break;
        }
        if (seenKeys[j] === s) break;
        j = (j + 1) & mask;
      }
    }
    return w;
  }

  /**
   * The 64-bit exact-copy key of the last normalised text (`hi`, `lo`), computed before any
   * shingle so that an exact copy (a quarter of posts in copy-paste campaigns) costs only
   * its normalisation and this pass. Two independent multiply-xor chains over pairs of code
   * units, seeded, finalised with the length: equal texts, equal keys; texts that differ
   * anywhere differ in the key except with probability about 2^-64. The chains are
   * independent of each other, so the CPU runs them side by side.
   */
  exactKey(): void {
    const n = this.length;
    const buf = this.norm;
    let a = this.keySeedA;
    let b = this.keySeedB;
    let i = 0;
    for (; i + 1 < n; i += 2) {
      const w = buf[i] | (buf[i + 1] << 16);
      a = Math.imul(((a << 5) | (a >>> 27)) ^ w, 0x9e3779b1);
      b = Math.imul(((b << 7) | (b >>> 25)) ^ w, 0x85ebca77);
    }
    if (i < n) {
      a = Math.imul(((a << 5) | (a >>> 27)) ^ buf[i] ^ 0x10000, 0x9e3779b1);
      b = Math.imul(((b << 7) | (b >>> 25)) ^ buf[i] ^ 0x10000, 0x85ebca77);
    }
    this.hi = fmix32(a ^ n) | 0;
    this.lo = fmix32(b + Math.imul(n, 0xc2b2ae35)) | 0;
  }

  /** Densify the signature of the last text and cut it into band keys (`keys`). */
  bandKeys(): void {
    this.densify();
    const { sig, mult, keys, sig8 } = this;
    const { bands, rows } = this.options;
    for (let b = 0, at = 0; b < bands; b++) {
      let h = b;
      for (let r = 0; r < rows; r++, at++) {
        const v = sig[at] ^ (sig[at] >> 31); // undoes densify's complement
        sig8[at] = v;
        h = (h + Math.imul(v, mult[at])) | 0;
      }
      keys[b] = fmix32(h);
    }
  }

  /**
   * Optimal densification: an empty bin takes the value of the first originally non-empty
   * bin along a fixed pseudo-random probe sequence, so that two texts collide on it with
   * probability equal to their Jaccard similarity (Shrivastava 2017, Theorem 1).
   */
  private densify(): void {
    const { sig, bins, probes } = this;
    for (let i = 0; i < bins; i++) {
      if (sig[i] !== EMPTY) continue;
      for (let a = 0; ; a++) {
        const j = a < PROBES ? probes[i * PROBES + a] : fmix32(Math.imul(i + 1, 0x9e3779b1) ^ a) % bins;
        const v = sig[j];
        // Copies are stored complemented (negative), so they are never copied again.
        if (v >= 0 && v !== EMPTY) {
          sig[i] = ~v;
          break;
        }
      }
    }
  }
}
