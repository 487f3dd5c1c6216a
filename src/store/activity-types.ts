/**
 * Domain types of the store operations behind two coordination layers that are computed
 * outside the engine: near-duplicate text (src/detectors/near-dup/, which reads every text
 * once, in time order, and writes back groups) and synchronised activity (src/detectors/sync/,
 * which reads each account's active time bins).
 *
 * Kept apart from `store.ts` so that each seam reads as one unit; every backend implements
 * the same operations.
 */
import type { PostKind } from '../model/post.js';

/** What to stream in {@link PostTextChunk}s. */
export interface PostTextStreamOptions {
  /** Only posts of these kinds (default: all). */
  kinds?: PostKind[];
  /** The caller reads refs, times and texts only: a store may leave `platforms`, `postIds`, `accountIds` empty. */
  textsOnly?: boolean;
  /**
   * With `textsOnly`, the caller takes the texts as UTF-8 bytes: a store may fill
   * {@link PostTextChunk.utf8} instead of `texts` (one buffer per chunk instead of one string
   * per post; DuckDB's client pays a native call per string). A store that does not leaves
   * `utf8` unset and fills `texts`.
   */
  utf8?: boolean;
  /**
   * With `utf8`: the caller reads no more than this many characters of a text (code points;
   * at least the UTF-16 units it reads), so a store may cut the texts it sends after it.
   * Without it, or when it is too large to keep a chunk small, a store sends strings.
   */
  utf8MaxChars?: number;
  /**
   * Called once, before the first chunk, with the number of posts the stream will yield, by a
   * store that knows it cheaply (a store may not call it). The near-duplicate detector uses it
   * to start its worker threads while the engine sorts, instead of after the first posts.
   */
  onCount?: (posts: number) => void;
}

/**
 * A chunk of posts in (created_at, platform, post_id) order, as parallel columns. `refs` are
 * opaque row references for {@link NearDupGroupRows}, valid until the posts table changes.
 */
export interface PostTextChunk {
  refs: Float64Array;
  platforms: string[];
  postIds: string[];
  accountIds: string[];
  /** Epoch milliseconds. */
  times: Float64Array;
  /** Verbatim texts (null when the post has none); empty when `utf8` is set. */
  texts: (string | null)[];
  /** The texts as UTF-8, end to end, when the caller asked for `utf8` and the store obliged. */
  utf8?: {
    bytes: Uint8Array;
    /** Per post, its text's length in bytes (-1: no text). */
    lens: Int32Array;
  };
}

/**
 * Near-duplicate groups to store, as parallel columns over `count` posts: row reference
 * (from {@link PostTextChunk.refs}), group id, and the highest verified Jaccard similarity
 * between the post's text and another text of its group.
 */
export interface NearDupGroupRows {
  count: number;
  refs: Float64Array;
  groupIds: Float64Array;
  similarity: Float32Array;
}

/** A query for per-account activity bins. */
export interface ActivityBinsQuery {
  /** Bin width in seconds. */
  binSeconds: number;
  /** Accounts active in fewer bins are left out. */
  minActiveBins: number;
  /** Only posts of these kinds (default: all). */
  kinds?: PostKind[];
}

/**
 * Per-account binary activity, compressed to the bins where some returned account was
 * active. Accounts are sorted by key; account `i`'s active bins are
 * `bins[offsets[i] .. offsets[i + 1])`, ascending indices into `binStartMs`.
 */
export interface ActivityBins {
  binSeconds: number;
  /** Account keys `${platform}:${account_id}`, ascending. */
  accounts: string[];
  offsets: Int32Array;
  bins: Int32Array;
  /** Start of each occupied bin, epoch ms, ascending. */
  binStartMs: Float64Array;
  /** Accounts with at least one post of the requested kinds (returned or not). */
  accountsSeen: number;
}
