/**
 * Types shared by the coordination layers (co-repost, co-link, near-duplicate text,
 * synchronised activity...) and the combiner that turns them into one account graph.
 */

/** Account key used across layers: `${platform}:${account_id}`. */
export type AccountKey = string;

/** One significant-or-not edge of one behavioural layer between two accounts (a < b). */
export interface LayerEdge {
  /** Layer name, e.g. `co-repost`, `co-link`, `co-domain`, `co-hashtag`, `co-text`, `sync`. */
  layer: string;
  a: AccountKey;
  b: AccountKey;
  /** Number of distinct shared objects (or aligned bins) behind the edge. */
  count: number;
  /** Probability of at least `count` under the layer's null model. */
  pValue: number;
  /** Benjamini-Hochberg adjusted p-value (q-value), set by the combiner. */
  qValue?: number;
  /** Mean |time delta| in seconds between the two accounts' actions on shared objects. */
  meanDeltaSeconds?: number;
}
