/**
 * Store operations for cross-channel correlation, the timeline and table exports (reached
 * through `Store.interchange()`): posts that link given domains, URLs or hashtags; post volume
 * per time bin; findings and their evidence written as Parquet by the engine itself.
 */

/** A post that links at least one of the queried domains, URLs or hashtags. */
export interface PostMatch {
  platform: string;
  postId: string;
  accountId: string;
  /** epoch ms */
  time: number;
  /** The queried values this post carries (domains, canonical URLs, hashtags). */
  domains: string[];
  urls: string[];
  hashtags: string[];
}

export interface PostMatchQuery {
  /** Registrable domains (eTLD+1), lower case. */
  domains?: string[];
  /** Canonical URLs, exact. */
  urls?: string[];
  /** Hashtags without `#`, case-folded. */
  hashtags?: string[];
  /** epoch ms, inclusive */
  from?: number;
  /** epoch ms, exclusive */
  to?: number;
  /**
   * Only posts by these accounts (`platform:account_id`). Given alone (no domains, URLs or
   * hashtags), every post of these accounts is returned with all its domains.
   */
  accounts?: string[];
  limit?: number;
}

export interface VolumeBin {
  /** epoch ms of the bin start */
  start: number;
  posts: number;
  accounts: number;
}

export interface InterchangeStore {
  postsMatching(q: PostMatchQuery): Promise<PostMatch[]>;
  /** Posts and distinct accounts per bin of `binMs`, in time order (bins with no post omitted). */
  postVolume(binMs: number): Promise<VolumeBin[]>;
  /**
   * Write `findings` (one row per finding, evidence nested as a list of structs) or `evidence`
   * (one row per evidence reference) to a Parquet file with DuckDB's COPY. Returns rows written.
   */
  writeParquet(what: 'findings' | 'evidence', path: string): Promise<number>;
}
