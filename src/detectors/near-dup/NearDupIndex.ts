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
import {
  addCloseStats,
  BLOCK_BITS,
  BLOCK_MASK,
  BLOCK_SIZE,
  grown,
  grownShared,
  pairOffsets,
  sharedInt32,
  verifyPairs,
  walkBuckets,
  type CloseJob,
  type CloseStats,
  type SegmentView,
} from './close.js';
import { radixSortPairs } from './radix.js';
import { MAP_WORDS, SHINGLE, TextHasher } from './TextHasher.js';

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
  /** Candidates already in one group when their segment closed (no verification needed). */
  sameGroup: number;
  /** Candidates met again in another band of the same close (each pair is verified once). */
  repeated: number;
  /** Candidates whose b-bit signature estimate of J is far below the threshold (not verified). */
  estimatedOut: number;
  /** Candidates whose set sizes and shingle maps bound J below the threshold (not verified). */
  sizedOut: number;
  /** Exact Jaccard computations (one text's shingles counted against another's set). */
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

/** A segment also closes when its pool holds this many hashes (1 GiB). */
const MAX_POOL = 1 << 28;

/**
 * The distinct texts of one time segment: shingle hashes, band keys, exact-copy table. What
 * a close reads (pool, positions, lengths, signatures) is in shared memory.
 */
class Segment {
  count = 0;
  /**
   * Shingle hashes of each text, in fixed-size blocks (growing never copies): text `i` has
   * `lens[i]` hashes from position `starts[i]` (block `start >>> BLOCK_BITS`).
   */
  blocks: Int32Array[] = [];
  starts = sharedInt32(1024);
  /** Distinct shingle hashes of each text: the size of its shingle set. */
  lens = sharedInt32(1024);
  /** Next free pool position. */
  used = 0;
  /** Band keys and their distinct-text ids, appended in id order; sorted by key once closed. */
  keys = new Int32Array(1 << 12);
  ids = new Int32Array(1 << 12);
  entries = 0;
  /**
   * Signature records, `stride` 32-bit words per text: the b-bit signature that filters
   * candidates (`bins` bytes padded with zeros to `words` words), then the shingle map
   * ({@link MAP_WORDS} words) that bounds their Jaccard.
   */
  sigs32: Int32Array;
  readonly words: number;
  readonly stride: number;
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
    this.stride = this.words + MAP_WORDS;
    this.sigs32 = sharedInt32(1024 * this.stride);
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
      this.blocks.push(this.spare.pop() ?? sharedInt32(BLOCK_SIZE));
    return at;
  }

  /** Trim the band keys once the segment is closed (the exact table still serves lookups from the next one). */
  close(): void {
    this.keys = this.keys.slice(0, this.entries);
    this.ids = this.ids.slice(0, this.entries);
  }

  view(): SegmentView {
    const { base, count, starts, lens, blocks, sigs32, stride } = this;
    return { base, count, starts, lens, blocks, sigs32, stride };
  }
}

/** A segment close prepared by {@link NearDupIndex}: the job, and what to release once it is applied. */
export interface PreparedClose {
  job: CloseJob;
  /** The segment dropped by this close: its pool blocks are reused once the close is applied. */
  dropped: Segment | null;
}

/** The outcome of a close, from one thread or merged from several: pairs at or above the threshold. */
export interface CloseOutcome {
  pairs: { pairs: Int32Array; sims: Float64Array; n: number }[];
  stats: CloseStats;
}

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
  private readonly spareBlocks: Int32Array[] = [];
  /**
   * Set by {@link ParallelNearDup}: a segment that closes while posts are added is handed to
   * it (compared in its worker threads) instead of being compared on this thread.
   */
  deferClose: ((p: PreparedClose) => void) | null = null;

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
    this.commit(post, seg, h.hi, h.lo, at, h.count, h.keys, 0, h.sig32, 0);
    return post;
  }

  /**
   * Add one post hashed elsewhere (a worker, see `parallel.ts`), with the same options:
   * `matched` false for a null or short text; otherwise its exact-copy key, its `count`
   * distinct shingle hashes at `shingles[from..]`, its band keys at `keys[keyFrom..]` and its
   * signature record (`TextHasher.sig32`) at `sig32[sigFrom..]`. The same as
   * {@link NearDupIndex.add} on the text.
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
    sig32: Int32Array,
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
    this.commit(post, seg, hi, lo, at, count, keys, keyFrom, sig32, sigFrom);
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
    sig32: Int32Array,
    sigFrom: number,
  ): void {
    const d = this.newText();
    this.postText[post] = d;
    const local = seg.count++;
    if (local >= seg.starts.length) {
      seg.starts = grownShared(seg.starts, local + 1);
      seg.lens = grownShared(seg.lens, local + 1);
    }
    seg.starts[local] = at;
    seg.lens[local] = count;
    const stride = seg.stride;
    if ((local + 1) * stride > seg.sigs32.length) seg.sigs32 = grownShared(seg.sigs32, (local + 1) * stride);
    for (let i = 0, w = local * stride; i < stride; i++) seg.sigs32[w + i] = sig32[sigFrom + i];
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

  /**
   * True when a post at `time` would close the open segment (past its horizon, or full).
   * {@link ParallelNearDup} waits for the previous close to be applied before such a post.
   */
  rotationDue(time: number): boolean {
    const cur = this.cur;
    return (
      cur !== null &&
      cur.count > 0 &&
      (time - cur.startTime > this.horizonMs ||
        cur.count >= this.options.maxSegmentTexts ||
        cur.used > MAX_POOL)
    );
  }

  /** The open segment, after closing it if `time` is past its horizon or it is full. */
  private segmentFor(time: number): Segment {
    const cur = this.cur;
    if (cur === null) {
      this.st.segments++;
      return (this.cur = new Segment(this.distinct, time, this.hasher.bins, this.spareBlocks));
    }
    if (this.rotationDue(time)) {
      const p = this.prepareClose();
      if (p && this.deferClose) this.deferClose(p);
      else if (p) this.applyClose(p, runClose(p.job));
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
   * Close the open segment for comparison: sort its band keys and merge them with the
   * previous segment's (in shared memory), and take the union-find roots of both segments'
   * texts as they are now. The open segment becomes the previous one; the one before is
   * dropped once the close is applied. Null when no segment is open.
   */
  prepareClose(): PreparedClose | null {
    const cur = this.cur;
    if (cur === null) return null;
    this.cur = null;
    const n = cur.entries;
    radixSortPairs(cur.keys, cur.ids, n, new Int32Array(n), new Int32Array(n));
    cur.close();
    const prev = this.prev;
    const pe = prev ? prev.entries : 0;
    const m = pe + n;
    const keys = sharedInt32(m);
    const ids = sharedInt32(m);
    // Both runs are sorted by (unsigned key, id) and every id of prev is smaller: a linear merge.
    const pk = prev ? prev.keys : keys;
    const pv = prev ? prev.ids : ids;
    const ck = cur.keys;
    const cv = cur.ids;
    let i = 0;
    let j = 0;
    let w = 0;
    while (i < pe && j < n) {
      if (pk[i] >>> 0 <= ck[j] >>> 0) {
        keys[w] = pk[i];
        ids[w++] = pv[i++];
      } else {
        keys[w] = ck[j];
        ids[w++] = cv[j++];
      }
    }
    while (i < pe) {
      keys[w] = pk[i];
      ids[w++] = pv[i++];
    }
    while (j < n) {
      keys[w] = ck[j];
      ids[w++] = cv[j++];
    }
    const lo = prev ? prev.base : cur.base;
    const roots = sharedInt32(this.distinct - lo);
    for (let d = lo; d < this.distinct; d++) roots[d - lo] = this.find(d);
    const { bins } = this.hasher;
    const { threshold, bucketProbe } = this.options;
    const words = cur.words;
    this.prev = cur;
    return {
      job: {
        keys,
        ids,
        entries: m,
        cur: cur.view(),
        prev: prev ? prev.view() : null,
        roots,
        lo,
        words,
        stride: cur.stride,
        // Padding bytes are zero in both signatures, so they always agree: counted in.
        minAgree: Math.ceil(bins * (threshold - ESTIMATE_MARGIN)) + words * 4 - bins,
        probe: bucketProbe,
        threshold,
      },
      dropped: prev,
    };
  }

  /** Join the pairs a close found, and release the segment it dropped. */
  applyClose(p: PreparedClose, outcome: CloseOutcome): void {
    for (const r of outcome.pairs)
      for (let k = 0; k < r.n; k++) this.union(r.pairs[2 * k], r.pairs[2 * k + 1], r.sims[k]);
    addCloseStats(this.st, outcome.stats);
    // The dropped segment's pool blocks (16 MiB each) serve the next segments, rather than
    // new allocations that each count as external memory and bring on a full garbage collection.
    if (p.dropped) for (const b of p.dropped.blocks.splice(0)) this.spareBlocks.push(b);
  }

  /** Close the open segment and compare it on this thread. */
  private closeSegment(): void {
    const p = this.prepareClose();
    if (p) this.applyClose(p, runClose(p.job));
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

/** A whole close on this thread: one walk over every bucket, one verification of every pair. */
export function runClose(job: CloseJob): CloseOutcome {
  const walk = walkBuckets(job, 0, job.entries);
  const offsets = pairOffsets([walk], job.lo, job.roots.length);
  const verified = verifyPairs(job, [walk], offsets, 0, job.roots.length);
  const stats = walk.stats;
  addCloseStats(stats, verified.stats);
  return { pairs: [verified], stats };
}

function usage(msg: string): VigieError {
  return new VigieError('ERR_USAGE', `near-dup: ${msg}`);
}
