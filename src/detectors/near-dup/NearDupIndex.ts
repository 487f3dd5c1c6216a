/**
 * A streaming near-duplicate index: feed posts in time order, get groups of near-duplicate
 * texts. MinHash (one-permutation hashing with optimal densification) over character
 * shingles, LSH banding, candidates verified by exact Jaccard on the shingle sets, and
 * union-find over verified pairs.
 *
 * Posts are read once. Per post the index keeps 4 bytes; per distinct text, while its time
 * segment and the next one are open, its shingle hashes (4 bytes per character) and its
 * band keys (8 bytes per band), in typed arrays. LSH buckets are found by radix-sorting
 * the band keys of a segment (plus the previous one) rather than by a hash table: at
 * millions of keys a table costs a cache miss per lookup, a sort streams through memory.
 *
 * @see A. Broder, "On the resemblance and containment of documents" (1997): shingles and MinHash.
 * @see P. Li, A. Owen, C.-H. Zhang, "One permutation hashing" (NeurIPS 2012).
 * @see A. Shrivastava, "Optimal densification for fast and accurate minwise hashing" (ICML 2017).
 * @see J. Leskovec, A. Rajaraman, J. Ullman, Mining of Massive Datasets, ch. 3 (LSH banding).
 */
import { VigieError } from '../../util/errors.js';
import { fmix32 } from './hash.js';
import { radixSortPairs } from './radix.js';
import { SHINGLE, TextHasher } from './TextHasher.js';

export { SHINGLE } from './TextHasher.js';

/** Options of the near-duplicate index; see README.md for how the defaults were chosen. */
export interface NearDupOptions {
  /** LSH bands. The signature has `bands * rows` one-permutation bins. */
  bands: number;
  /** Signature values per band. */
  rows: number;
  /** Minimum exact Jaccard of the shingle sets for two texts to be near-duplicates. */
  threshold: number;
  /** Normalised texts shorter than this are not matched: common short phrases are not evidence. */
  minChars: number;
  /** Texts are shingled up to this many normalised code units (hostile or very long posts). */
  maxChars: number;
  /** Previous members of an LSH bucket a text is compared with (bounds work on popular buckets). */
  bucketProbe: number;
  /** A segment spans at most this much time; a text is compared with its own and the previous segment. */
  horizonSeconds: number;
  /** A segment also closes after this many distinct texts (bounds memory on dense data). */
  maxSegmentTexts: number;
  /** Fold Latin look-alike Cyrillic and Greek letters to Latin. */
  foldHomoglyphs: boolean;
  /** Seed of the hash functions: the same seed gives the same groups. */
  seed: number;
}

export const NEAR_DUP_DEFAULTS: Readonly<NearDupOptions> = Object.freeze({
  bands: 8,
  rows: 5,
  threshold: 0.8,
  minChars: 20,
  maxChars: 2000,
  bucketProbe: 8,
  horizonSeconds: 7 * 86_400,
  maxSegmentTexts: 1_000_000,
  foldHomoglyphs: true,
  seed: 0x5eed,
});

/** Counters of one run, for the summary and the README's measurements. */
export interface NearDupStats {
  posts: number;
  /** Posts without text, or whose normalised text is shorter than `minChars`. */
  excludedShort: number;
  /** Posts whose text was cut at `maxChars` for shingling. */
  truncated: number;
  /** Distinct normalised texts (posts with an identical normalised text share one). */
  distinctTexts: number;
  /** Posts whose normalised text equals an earlier one's. */
  exactDuplicates: number;
  /** Pairs of texts met in an LSH bucket. */
  candidates: number;
  /** Candidates already in the same group (no verification needed). */
  sameGroup: number;
  /** Candidates already verified below the threshold through another band (not verified again). */
  repeated: number;
  /** Candidates whose b-bit signature estimate of J is far below the threshold (not verified). */
  estimatedOut: number;
  /** Candidates whose shingle-set sizes alone put J below the threshold (not merged). */
  sizedOut: number;
  /** Exact Jaccard computations (merges of two sorted shingle sets). */
  verified: number;
  /** Verified pairs at or above the threshold (unions). */
  matched: number;
  /** Bucket members compared with only their `bucketProbe` predecessors (popular buckets). */
  probeCapped: number;
  /** Largest LSH bucket met, in distinct texts. */
  largestBucket: number;
  /** Time segments (1 + horizon or size rotations). */
  segments: number;
  /** Groups with at least two posts, and the posts in them. */
  groups: number;
  groupedPosts: number;
}

/** The outcome, per post in the order they were added. */
export interface NearDupResult {
  /** Group id of each post (the smallest distinct-text id in its group), -1 when alone or excluded. */
  groupOf: Int32Array;
  /** Highest verified Jaccard between the post's text and another text of its group (1 for copies). */
  similarity: Float32Array;
  stats: NearDupStats;
  /** Notes for the user: caps met, texts truncated, segments. */
  messages: string[];
}

/** Pool blocks of 2^22 hashes (16 MiB): larger than any text (maxChars <= 1e6). */
const BLOCK_BITS = 22;
const BLOCK_SIZE = 1 << BLOCK_BITS;
const BLOCK_MASK = BLOCK_SIZE - 1;
/** A segment also closes when its pool holds this many hashes (1 GiB). */
const MAX_POOL = 1 << 28;

type Typed = Int32Array | Float32Array | Uint8Array;
function grown<T extends Typed>(a: T, need: number): T {
  if (need <= a.length) return a;
  const b = new (a.constructor as new (n: number) => T)(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

/** The distinct texts of one time segment: shingle hashes, band keys, exact-copy table. */
class Segment {
  count = 0;
  /**
   * Shingle hashes of each text, in fixed-size blocks (growing never copies): text `i` has
   * `lens[i]` hashes from position `starts[i]` (block `start >>> BLOCK_BITS`).
   */
  blocks: Int32Array[] = [];
  starts = new Int32Array(1024);
  /** Shingles of each text; once sorted, the size of its (sorted, deduplicated) set. */
  lens = new Int32Array(1024);
  /** Per text: 0 never verified, 1 verified once, 2 shingles sorted and deduplicated. */
  sorted = new Uint8Array(1024);
  /** Next free pool position. */
  used = 0;
  /** Band keys and their distinct-text ids, appended in id order; sorted by key once closed. */
  keys = new Int32Array(1 << 12);
  ids = new Int32Array(1 << 12);
  entries = 0;
  /**
   * b-bit signatures, for the estimate that filters candidates: `bins` bytes per text, padded
   * with zeros to `words` 32-bit words, and the same memory as words (`sigs32`).
   */
  sigs: Uint8Array;
  sigs32: Int32Array;
  readonly words: number;
  /** Open-addressing table of exact-content hashes: [hi, lo, id] per slot, id -1 when free. */
  exact = new Int32Array(3 << 10).fill(-1);
  exacts = 0;

  constructor(
    readonly base: number,
    readonly startTime: number,
    readonly bins: number,
    /** Pool blocks of dropped segments, reused before new ones are allocated. */
    private readonly spare: Int32Array[] = [],
  ) {
    this.words = (bins + 3) >>> 2;
    this.sigs = new Uint8Array(1024 * 4 * this.words);
    this.sigs32 = new Int32Array(this.sigs.buffer);
  }

  findExact(hi: number, lo: number): number {
    const t = this.exact;
    const mask = t.length / 3 - 1;
    for (let i = (hi ^ lo) & mask; ; i = (i + 1) & mask) {
      const id = t[i * 3 + 2];
      if (id === -1) return -1;
      if (t[i * 3] === hi && t[i * 3 + 1] === lo) return id;
    }
  }

  addExact(hi: number, lo: number, id: number): void {
    if ((this.exacts + 1) * 2 > this.exact.length / 3) {
      const old = this.exact;
      this.exact = new Int32Array(old.length * 2).fill(-1);
      this.exacts = 0;
      for (let j = 0; j < old.length; j += 3)
        if (old[j + 2] !== -1) this.addExact(old[j], old[j + 1], old[j + 2]);
    }
    const t = this.exact;
    const mask = t.length / 3 - 1;
    let i = (hi ^ lo) & mask;
    while (t[i * 3 + 2] !== -1) i = (i + 1) & mask;
    t[i * 3] = hi;
    t[i * 3 + 1] = lo;
    t[i * 3 + 2] = id;
    this.exacts++;
  }

  /** Room for `m` hashes in one block; returns the position (`used` is moved by the caller). */
  reserve(m: number): number {
    let at = this.used;
    if ((at & BLOCK_MASK) + m > BLOCK_SIZE) at = ((at >>> BLOCK_BITS) + 1) << BLOCK_BITS;
    while (this.blocks.length <= at >>> BLOCK_BITS)
      this.blocks.push(this.spare.pop() ?? new Int32Array(BLOCK_SIZE));
    return at;
  }

  /** Trim the band keys once the segment is closed (the exact table still serves lookups from the next one). */
  close(): void {
    this.keys = this.keys.slice(0, this.entries);
    this.ids = this.ids.slice(0, this.entries);
  }
}

/**
 * Pairs of texts verified below the threshold while a segment is compared. A dissimilar pair
 * that shares one band often shares others (J = 0.6 shares each band of 5 rows with
 * probability 0.08, and its bands are not independent for short texts): without this memory
 * it is verified once per shared band. A direct-mapped cache, not a set: fixed size, one
 * memory access per lookup and no rehashing, which matters because it is consulted for every
 * candidate (millions per segment); a pair whose slot was taken over is only verified again.
 */
class FailedPairs {
  /** (x, y) per slot, x = -1 when free. */
  private slots = new Int32Array(2 << FAILED_MIN_BITS).fill(-1);
  private bits = FAILED_MIN_BITS;

  /**
   * Empty the cache for a segment close comparing `texts` texts, grown to about
   * {@link FAILED_PER_TEXT} slots per text first: template-like texts fail about 6
   * verifications each, and an overflowing cache only costs repeated verifications.
   */
  clear(texts = 0): void {
    let bits = this.bits;
    while (bits < FAILED_MAX_BITS && 1 << bits < texts * FAILED_PER_TEXT) bits++;
    if (bits !== this.bits) {
      this.bits = bits;
      this.slots = new Int32Array(2 << bits);
    }
    this.slots.fill(-1);
  }

  private slot(x: number, y: number): number {
    return (fmix32(Math.imul(x, 0x9e3779b1) ^ y) >>> (32 - this.bits)) << 1;
  }

  has(x: number, y: number): boolean {
    const i = this.slot(x, y);
    return this.slots[i] === x && this.slots[i + 1] === y;
  }

  add(x: number, y: number): void {
    const i = this.slot(x, y);
    this.slots[i] = x;
    this.slots[i + 1] = y;
  }
}

/**
 * log2 of the slots of {@link FailedPairs}: 2^16 (512 KB) at first, grown with the segments
 * up to 2^23 (64 MB). With 2^20 for every segment, the detector path's 10M-post workspace
 * (745,000 distinct texts, 4.8 million failed verifications in one close) overflowed it
 * about 5 times; the same ratio on the 1M workspace (2^17 slots) verified 15 % more pairs
 * than 2^20, and 2^23 there 4 % fewer.
 */
const FAILED_MIN_BITS = 16;
const FAILED_MAX_BITS = 23;
const FAILED_PER_TEXT = 8;

/**
 * Streaming near-duplicate grouping. Add posts in non-decreasing time order (the store
 * streams them so); call {@link NearDupIndex.finish} once.
 *
 * @example
 * const idx = new NearDupIndex();
 * for (const p of posts) idx.add(p.text, p.time);
 * const { groupOf } = idx.finish(); // groupOf[i] === groupOf[j] !== -1: posts i and j are near-duplicates
 */
export class NearDupIndex {
  readonly options: Readonly<NearDupOptions>;
  private readonly hasher: TextHasher;
  private readonly horizonMs: number;
  private readonly failed = new FailedPairs();
  private readonly spareBlocks: Int32Array[] = [];
  /** Scratch set of {@link NearDupIndex.jaccardHashed}, cleared by bumping `stamp`. */
  private setKeys = new Int32Array(1024);
  private setStamp = new Int32Array(1024);
  private stamp = 0;

  private posts = 0;
  private postText = new Int32Array(1 << 12);
  private distinct = 0;
  private parent = new Int32Array(1 << 12);
  private best = new Float32Array(1 << 12);
  private copies = new Int32Array(1 << 12);
  private cur: Segment | null = null;
  private prev: Segment | null = null;
  private finished = false;
  private readonly st: NearDupStats = {
    posts: 0, excludedShort: 0, truncated: 0, distinctTexts: 0, exactDuplicates: 0, candidates: 0, sameGroup: 0,
    repeated: 0, estimatedOut: 0, sizedOut: 0, verified: 0, matched: 0, probeCapped: 0, largestBucket: 0, segments: 0, groups: 0, groupedPosts: 0,
  }; // prettier-ignore

  constructor(options: Partial<NearDupOptions> = {}) {
    const o = { ...NEAR_DUP_DEFAULTS, ...options };
    const int = (v: number, lo: number, hi: number) => Number.isInteger(v) && v >= lo && v <= hi;
    if (!int(o.bands, 1, 256) || !int(o.rows, 1, 64) || o.bands * o.rows > 1024)
      throw usage('bands and rows must be positive integers with bands * rows <= 1024');
    if (!(o.threshold > 0 && o.threshold <= 1)) throw usage('threshold must be in (0, 1]');
    if (!int(o.maxChars, SHINGLE, 1_000_000)) throw usage(`maxChars must be an integer >= ${SHINGLE}`);
    if (!int(o.minChars, SHINGLE, o.maxChars))
      throw usage(`minChars must be an integer in [${SHINGLE}, maxChars]`);
    if (!int(o.bucketProbe, 1, 1_000_000)) throw usage('bucketProbe must be a positive integer');
    if (!(o.horizonSeconds > 0)) throw usage('horizonSeconds must be positive');
    if (!int(o.maxSegmentTexts, 1, 2 ** 30)) throw usage('maxSegmentTexts must be a positive integer');
    this.options = Object.freeze(o);
    this.horizonMs = o.horizonSeconds * 1000;
    this.hasher = new TextHasher(this.options);
  }

  /**
   * Add one post. `time` is epoch milliseconds; posts must come in non-decreasing time
   * order for the horizon to hold (out-of-order posts are still grouped, within the
   * segments open when they arrive). Returns the post's index in the result arrays.
   */
  add(text: string | null, time: number): number {
    const post = this.newPost();
    const h = this.hasher;
    const ok = h.normalise(text);
    if (h.truncated) this.st.truncated++;
    if (!ok) {
      this.postText[post] = -1;
      this.st.excludedShort++;
      return post;
    }
    const seg = this.segmentFor(time);
    // An exact copy is found on its normalised text, before any shingle is hashed.
    h.exactKey();
    if (this.copyOf(post, seg, h.hi, h.lo)) return post;
    // Shingles go straight into the pool.
    const at = seg.reserve(h.length);
    h.shingleInto(seg.blocks[at >>> BLOCK_BITS], at & BLOCK_MASK);
    h.bandKeys();
    this.commit(post, seg, h.hi, h.lo, at, h.count, h.keys, 0, h.sig8, 0);
    return post;
  }

  /**
   * Add one post hashed elsewhere (a worker, see `parallel.ts`), with the same options:
   * `matched` false for a null or short text; otherwise its exact-copy key, its `count`
   * shingle hashes at `shingles[from..]`, its band keys at `keys[keyFrom..]` and its b-bit
   * signature at `sig8[sigFrom..]`. The same as {@link NearDupIndex.add} on the text.
   */
  addHashed(
    time: number,
    matched: boolean,
    truncated: boolean,
    hi: number,
    lo: number,
    shingles: Int32Array,
    from: number,
    count: number,
    keys: Int32Array,
    keyFrom: number,
    sig8: Uint8Array,
    sigFrom: number,
  ): number {
    const post = this.newPost();
    if (truncated) this.st.truncated++;
    if (!matched) {
      this.postText[post] = -1;
      this.st.excludedShort++;
      return post;
    }
    const seg = this.segmentFor(time);
    if (this.copyOf(post, seg, hi, lo)) return post;
    const at = seg.reserve(count);
    const block = seg.blocks[at >>> BLOCK_BITS];
    // A plain loop: `set(subarray(...))` allocates a view per text.
    for (let i = 0, w = at & BLOCK_MASK; i < count; i++) block[w + i] = shingles[from + i];
    this.commit(post, seg, hi, lo, at, count, keys, keyFrom, sig8, sigFrom);
    return post;
  }

  /**
   * Add one post that a worker found to be an exact copy (key only, see `parallel.ts`).
   * Returns false, adding nothing, when the open segment for `time` does not hold that
   * text: the caller then adds the post with {@link NearDupIndex.add}.
   */
  addCopy(time: number, truncated: boolean, hi: number, lo: number): boolean {
    if (this.finished) throw new VigieError('ERR_USAGE', 'NearDupIndex.add after finish()');
    const seg = this.segmentFor(time);
    if (seg.findExact(hi, lo) === -1) return false;
    const post = this.newPost();
    if (truncated) this.st.truncated++;
    this.copyOf(post, seg, hi, lo);
    return true;
  }

  /** Time segments opened so far (workers clear their exact-copy memory on a new one). */
  get segmentCount(): number {
    return this.st.segments;
  }

  private newPost(): number {
    if (this.finished) throw new VigieError('ERR_USAGE', 'NearDupIndex.add after finish()');
    const post = this.posts++;
    if (post >= this.postText.length) this.postText = grown(this.postText, post + 1);
    return post;
  }

  /** True (and the post recorded) when the open segment already holds this exact text. */
  private copyOf(post: number, seg: Segment, hi: number, lo: number): boolean {
    const same = seg.findExact(hi, lo);
    if (same === -1) return false;
    this.postText[post] = same;
    this.copies[same]++;
    this.st.exactDuplicates++;
    return true;
  }

  /** A new distinct text, its `count` shingles already at pool position `at`: its band keys, its exact key. */
  private commit(
    post: number,
    seg: Segment,
    hi: number,
    lo: number,
    at: number,
    count: number,
    keys: Int32Array,
    keyFrom: number,
    sig8: Uint8Array,
    sigFrom: number,
  ): void {
    const d = this.newText();
    this.postText[post] = d;
    const local = seg.count++;
    if (local >= seg.starts.length) {
      seg.starts = grown(seg.starts, local + 1);
      seg.lens = grown(seg.lens, local + 1);
      seg.sorted = grown(seg.sorted, local + 1);
    }
    seg.starts[local] = at;
    seg.lens[local] = count;
    const bins = seg.bins;
    const stride = seg.words * 4;
    if ((local + 1) * stride > seg.sigs.length) {
      seg.sigs = grown(seg.sigs, (local + 1) * stride);
      seg.sigs32 = new Int32Array(seg.sigs.buffer);
    }
    for (let i = 0, w = local * stride; i < bins; i++) seg.sigs[w + i] = sig8[sigFrom + i];
    seg.used = at + count;
    seg.addExact(hi, lo, d);
    if (this.prev) {
      // The same text in the previous segment: link it, and keep a fresh copy in this one
      // so that later near-duplicates still meet it.
      const old = this.prev.findExact(hi, lo);
      if (old !== -1) {
        this.st.exactDuplicates++;
        this.union(old, d, 1);
      }
    }
    const bands = this.options.bands;
    const e = seg.entries;
    if (e + bands > seg.keys.length) {
      seg.keys = grown(seg.keys, e + bands);
      seg.ids = grown(seg.ids, e + bands);
    }
    for (let b = 0; b < bands; b++) {
      seg.keys[e + b] = keys[keyFrom + b];
      seg.ids[e + b] = d;
    }
    seg.entries = e + bands;
  }

  /** The open segment, after closing it if `time` is past its horizon or it is full. */
  private segmentFor(time: number): Segment {
    const cur = this.cur;
    if (cur === null) {
      this.st.segments++;
      return (this.cur = new Segment(this.distinct, time, this.hasher.bins, this.spareBlocks));
    }
    if (
      cur.count > 0 &&
      (time - cur.startTime > this.horizonMs ||
        cur.count >= this.options.maxSegmentTexts ||
        cur.used > MAX_POOL)
    ) {
      this.closeSegment();
      this.st.segments++;
      return (this.cur = new Segment(this.distinct, time, this.hasher.bins, this.spareBlocks));
    }
    return cur;
  }

  private newText(): number {
    const d = this.distinct++;
    if (d >= this.parent.length) {
      this.parent = grown(this.parent, d + 1);
      this.best = grown(this.best, d + 1);
      this.copies = grown(this.copies, d + 1);
    }
    this.parent[d] = d;
    this.best[d] = 0;
    this.copies[d] = 1;
    this.st.distinctTexts++;
    return d;
  }

  /**
   * Close the open segment: sort its band keys, merge them with the previous segment's,
   * and compare each of its texts with up to `bucketProbe` earlier members of each bucket.
   */
  private closeSegment(): void {
    const cur = this.cur;
    if (cur === null) return;
    this.cur = null;
    const n = cur.entries;
    const tmpK = new Int32Array(n);
    const tmpV = new Int32Array(n);
    radixSortPairs(cur.keys, cur.ids, n, tmpK, tmpV);
    cur.close();
    const prev = this.prev;
    let keys = cur.keys;
    let ids = cur.ids;
    if (prev && prev.entries > 0) {
      // Both runs are sorted by (unsigned key, id) and every id of prev is smaller: a linear merge.
      const m = prev.entries + n;
      keys = tmpK.length >= m ? tmpK : new Int32Array(m);
      ids = tmpV.length >= m ? tmpV : new Int32Array(m);
      const pk = prev.keys;
      const pv = prev.ids;
      let i = 0;
      let j = 0;
      let w = 0;
      while (i < prev.entries && j < n) {
        if (pk[i] >>> 0 <= cur.keys[j] >>> 0) {
          keys[w] = pk[i];
          ids[w++] = pv[i++];
        } else {
          keys[w] = cur.keys[j];
          ids[w++] = cur.ids[j++];
        }
      }
      while (i < prev.entries) {
        keys[w] = pk[i];
        ids[w++] = pv[i++];
      }
      while (j < n) {
        keys[w] = cur.keys[j];
        ids[w++] = cur.ids[j++];
      }
    }
    this.compareBuckets(keys, ids, prev ? prev.entries + n : n, cur, prev);
    // `prev` is dropped now (`cur` becomes the previous segment): its pool blocks (16 MiB each) serve the next
    // segments, rather than new allocations that each count as external memory and bring on
    // a full garbage collection.
    if (prev) for (const b of prev.blocks.splice(0)) this.spareBlocks.push(b);
    this.prev = cur;
  }

  private compareBuckets(
    keys: Int32Array,
    ids: Int32Array,
    m: number,
    cur: Segment,
    prev: Segment | null,
  ): void {
    const st = this.st;
    const probe = this.options.bucketProbe;
    const threshold = this.options.threshold;
    const base = cur.base;
    const failed = this.failed;
    failed.clear(cur.count + (prev ? prev.count : 0));
    const bins = this.hasher.bins;
    const words = cur.words;
    // Padding bytes are zero in both signatures, so they always agree: counted in.
    const minAgree = Math.ceil(bins * (threshold - ESTIMATE_MARGIN)) + words * 4 - bins;
    for (let s = 0; s < m;) {
      const key = keys[s];
      let e = s + 1;
      while (e < m && keys[e] === key) e++;
      if (e - s > 1) {
        if (e - s > st.largestBucket) st.largestBucket = e - s;
        for (let i = s + 1; i < e; i++) {
          const y = ids[i];
          if (y < base) continue; // both in the previous segment: compared when it closed
          const from = Math.max(s, i - probe);
          if (from > s) st.probeCapped++;
          for (let j = i - 1; j >= from; j--) {
            const x = ids[j];
            if (x === y) continue;
            st.candidates++;
            if (this.find(x) === this.find(y)) {
              st.sameGroup++;
              continue;
            }
            // The estimate first: it reads only the two signatures, which stay in cache while
            // a bucket is walked; only pairs that pass it can be remembered as failed.
            const sx = x < base ? prev! : cur;
            if (agree(sx.sigs32, (x - sx.base) * words, cur.sigs32, (y - base) * words, words) < minAgree) {
              st.estimatedOut++;
              continue;
            }
            if (failed.has(x, y)) {
              st.repeated++;
              continue;
            }
            const sim = this.jaccard(sx, x, cur, y);
            if (sim >= threshold) {
              st.matched++;
              this.union(x, y, sim);
            } else failed.add(x, y);
          }
        }
      }
      s = e;
    }
  }

  /**
   * Exact Jaccard of the shingle sets of texts `x` (in `sx`) and `y` (in `sy`). Stops early
   * once the threshold is out of reach, then returns a value below the threshold.
   *
   * A text verified a second time has its shingles sorted and deduplicated in place (the
   * pool is read by nothing else), so that texts of popular buckets, verified many times,
   * are merged as sorted sets: no hash table, and the set sizes are known before the merge
   * starts, so a pair whose sizes alone put J below the threshold (J <= min / max) costs
   * nothing. A text verified once (most of them, on varied posts) is not worth a sort
   * (about 3 µs for 150 shingles): such pairs go through a hash set.
   */
  private jaccard(sx: Segment, x: number, sy: Segment, y: number): number {
    const lx = x - sx.base;
    const ly = y - sy.base;
    const fx = sx.sorted[lx];
    const fy = sy.sorted[ly];
    if (fx === 1) sortText(sx, lx);
    else if (fx === 0) sx.sorted[lx] = 1;
    if (fy === 1) sortText(sy, ly);
    else if (fy === 0) sy.sorted[ly] = 1;
    if (sx.sorted[lx] !== 2 || sy.sorted[ly] !== 2) {
      this.st.verified++;
      return this.jaccardHashed(sx, lx, sy, ly);
    }
    const nx = sx.lens[lx];
    const ny = sy.lens[ly];
    const t = this.options.threshold;
    if (nx < t * ny || ny < t * nx) {
      this.st.sizedOut++;
      return Math.min(nx, ny) / Math.max(nx, ny);
    }
    this.st.verified++;
    const px = sx.blocks[sx.starts[lx] >>> BLOCK_BITS];
    const py = sy.blocks[sy.starts[ly] >>> BLOCK_BITS];
    const ax = sx.starts[lx] & BLOCK_MASK;
    const ay = sy.starts[ly] & BLOCK_MASK;
    const bx = ax + nx;
    const by = ay + ny;
    // J >= t  <=>  inter >= t (nx + ny) / (1 + t); inter can still grow by at most what is
    // left of either set. The margin keeps a pair at exactly J = t (common in short texts)
    // from being cut by rounding.
    const need = (t / (1 + t)) * (nx + ny) - 1e-6;
    let i = ax;
    let j = ay;
    let inter = 0;
    while (i < bx && j < by) {
      const a = px[i];
      const b = py[j];
      inter += a === b ? 1 : 0;
      i += a <= b ? 1 : 0;
      j += b <= a ? 1 : 0;
      if (inter + Math.min(bx - i, by - j) < need) break;
    }
    return inter / (nx + ny - inter);
  }

  /**
   * Jaccard through a stamp-cleared open-addressing set: x's shingles in, y's probed. Works
   * on sorted and unsorted shingles alike (repeats are counted once).
   */
  private jaccardHashed(sx: Segment, lx: number, sy: Segment, ly: number): number {
    const px = sx.blocks[sx.starts[lx] >>> BLOCK_BITS];
    const ax = sx.starts[lx] & BLOCK_MASK;
    const bx = ax + sx.lens[lx];
    const py = sy.blocks[sy.starts[ly] >>> BLOCK_BITS];
    const ay = sy.starts[ly] & BLOCK_MASK;
    const by = ay + sy.lens[ly];
    const t = this.options.threshold;
    const ratio = t / (1 + t); // J >= t  <=>  inter >= ratio * (nx + ny)
    // Both sets go into the table: keep it at most half full, or probing never ends.
    const need = 2 * (bx - ax + by - ay);
    let size = this.setKeys.length;
    if (size < need) {
      while (size < need) size *= 2;
      this.setKeys = new Int32Array(size);
      this.setStamp = new Int32Array(size);
      this.stamp = 0;
    }
    const { setKeys, setStamp } = this;
    const mask = size - 1;
    // Stamps: sx only = a, both = a + 1, sy only = a + 2; anything below a is free.
    const a = (this.stamp += 3) - 2;
    if (a > 0x7ffffff0) {
      setStamp.fill(0);
      this.stamp = 0;
      return this.jaccardHashed(sx, lx, sy, ly);
    }
    let nx = 0;
    for (let i = ax; i < bx; i++) {
      const s = px[i];
      let j = s & mask;
      while (setStamp[j] >= a && setKeys[j] !== s) j = (j + 1) & mask;
      if (setStamp[j] < a) {
        setStamp[j] = a;
        setKeys[j] = s;
        nx++;
      }
    }
    let ny = 0;
    let inter = 0;
    for (let i = ay; i < by; i++) {
      const s = py[i];
      let j = s & mask;
      while (setStamp[j] >= a && setKeys[j] !== s) j = (j + 1) & mask;
      const st = setStamp[j];
      if (st === a) {
        setStamp[j] = a + 1;
        inter++;
        ny++;
      } else if (st < a) {
        setStamp[j] = a + 2;
        setKeys[j] = s;
        ny++;
        // ny only grows, inter by at most what is left: stop once the threshold is out of reach.
        if (inter + (by - i - 1) < ratio * (nx + ny) - 1e-6) return inter / (nx + ny - inter);
      }
    }
    return inter / (nx + ny - inter);
  }

  private find(x: number): number {
    const p = this.parent;
    while (p[x] !== x) {
      p[x] = p[p[x]]; // path halving
      x = p[x];
    }
    return x;
  }

  /** Join two texts' groups; the root is the smaller id, so a group's id is its first text. */
  private union(a: number, b: number, similarity: number): void {
    if (similarity > this.best[a]) this.best[a] = similarity;
    if (similarity > this.best[b]) this.best[b] = similarity;
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra < rb) this.parent[rb] = ra;
    else if (rb < ra) this.parent[ra] = rb;
  }

  /** Close the last segment and resolve the groups. The index cannot be used afterwards. */
  finish(): NearDupResult {
    if (this.finished) throw new VigieError('ERR_USAGE', 'NearDupIndex.finish called twice');
    this.closeSegment();
    this.finished = true;
    this.prev = null;
    const st = this.st;
    st.posts = this.posts;
    const size = new Int32Array(this.distinct);
    for (let d = 0; d < this.distinct; d++) size[this.find(d)] += this.copies[d];
    const groupOf = new Int32Array(this.posts);
    const similarity = new Float32Array(this.posts);
    for (let p = 0; p < this.posts; p++) {
      const d = this.postText[p];
      const r = d < 0 ? -1 : this.find(d);
      if (r < 0 || size[r] < 2) {
        groupOf[p] = -1;
        continue;
      }
      groupOf[p] = r;
      similarity[p] = this.copies[d] > 1 ? 1 : this.best[d];
      st.groupedPosts++;
    }
    for (let d = 0; d < this.distinct; d++) if (this.parent[d] === d && size[d] >= 2) st.groups++;
    const o = this.options;
    const messages: string[] = [];
    if (st.excludedShort)
      messages.push(
        `${st.excludedShort} posts without text or shorter than ${o.minChars} characters once normalised were not matched (short phrases are not evidence)`,
      );
    if (st.truncated)
      messages.push(
        `${st.truncated} long texts were matched on their first ${o.maxChars} normalised characters`,
      );
    if (st.segments > 1)
      messages.push(
        `texts were compared in ${st.segments} time segments (at most ${o.horizonSeconds} s or ${o.maxSegmentTexts} distinct texts each, each compared with the previous one): near-duplicates further apart are linked only through texts in between`,
      );
    if (st.probeCapped)
      messages.push(
        `${st.probeCapped} texts in popular LSH buckets (largest: ${st.largestBucket} texts) were compared with their ${o.bucketProbe} predecessors in the bucket only`,
      );
    this.postText = new Int32Array(0);
    return { groupOf, similarity, stats: { ...st }, messages };
  }
}

/**
 * A candidate is verified only when its b-bit signatures agree on at least
 * `bins * (threshold - ESTIMATE_MARGIN)` bins. A pair at J = 0.8 agrees on 0.8 + 0.2 / 256
 * of its 40 bins on average (32, binomial sd 2.5): 22 is 4 sd below, so the filter loses
 * about one such pair in 10^4 (measured recall below), and it drops most candidates with
 * J < 0.55 without touching their shingles. A margin of 0.125 (27 bins) halves the
 * verifications on short template texts with unchanged measured recall, but loses about 2%
 * of pairs at exactly J = 0.8 in theory and moves groups slightly: not adopted (README).
 */
const ESTIMATE_MARGIN = 0.25;

/**
 * Sort text `local`'s shingle hashes in place and drop repeats: its `lens` becomes the size
 * of its shingle set. A library sort (the engine's native typed-array sort) on a view.
 */
function sortText(seg: Segment, local: number): void {
  const start = seg.starts[local];
  const block = seg.blocks[start >>> BLOCK_BITS];
  const a = start & BLOCK_MASK;
  const b = a + seg.lens[local];
  block.subarray(a, b).sort();
  let w = a;
  for (let r = a; r < b; r++) if (r === a || block[r] !== block[w - 1]) block[w++] = block[r];
  seg.lens[local] = w - a;
  seg.sorted[local] = 2;
}

/**
 * Bins on which two b-bit signatures agree, four bins per 32-bit word: the high bit of each
 * byte of `t` is set exactly when that byte of a ^ b is zero (no borrow crosses bytes).
 */
function agree(a: Int32Array, ai: number, b: Int32Array, bi: number, words: number): number {
  let n = 0;
  for (let k = 0; k < words; k++) {
    const d = a[ai + k] ^ b[bi + k];
    const t = ~(((d & 0x7f7f7f7f) + 0x7f7f7f7f) | d | 0x7f7f7f7f);
    n += Math.imul((t >>> 7) & 0x01010101, 0x01010101) >>> 24;
  }
  return n;
}

function usage(msg: string): VigieError {
  return new VigieError('ERR_USAGE', `near-dup: ${msg}`);
}
