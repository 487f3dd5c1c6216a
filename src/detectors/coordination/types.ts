/**
 * Types shared by the coordination layers (co-repost, co-link, near-duplicate text,
 * synchronised activity...) and the combiner that turns them into one account graph.
 */
import type { DetectorContext } from '../types.js';

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
  /** Natural log of `pValue`, kept because far-tail p-values underflow a double to 0. */
  logPValue?: number;
  /** Expected `count` under the layer's null model. */
  expected?: number;
  /** Pairs tested in this layer (the Benjamini-Hochberg denominator), when the layer knows it. */
  pairsTested?: number;
  /** The layer's time window in seconds. */
  windowSeconds?: number;
  /** Epoch ms of the first and last co-action (timestamped exports). */
  firstMs?: number;
  lastMs?: number;
}

/**
 * A source of extra edges for the combined graph, e.g. synchronised activity
 * (src/detectors/sync/). It returns all edges it tested (significant or not) with p-values;
 * the combiner applies the false-discovery control. Register in `./providers.ts`.
 */
export interface EdgeProvider {
  /** Layer name its edges carry. */
  layer: string;
  /** One line for messages and reports. */
  description: string;
  edges(ctx: DetectorContext): Promise<EdgeProviderResult>;
}

export interface EdgeProviderResult {
  /** Edges with at least some evidence (count >= 1), each with its p-value. */
  edges: LayerEdge[];
  /** Hypotheses tested in all (>= edges.length); defaults to edges.length. */
  tested?: number;
  messages?: string[];
}

/** One account pair of the combined graph: its significant layer edges. */
export interface AccountEdge {
  a: AccountKey;
  b: AccountKey;
  /** Significant layer edges (q <= fdr), one per layer. */
  layers: LayerEdge[];
  /** Louvain weight: sum over layers of min(50, -log10 p). */
  weight: number;
  /** Smallest q-value over its layers. */
  minQ: number;
}

/** A community of the combined graph that became a finding. */
export interface CoordinationCluster {
  /** 1-based, by decreasing size. */
  id: number;
  findingId: string;
  members: AccountKey[];
  /** Significant edges among the members. */
  edges: AccountEdge[];
  layers: string[];
}

/** The combined account graph and its clusters (for exports and explain). */
export interface CoordinationGraph {
  edges: AccountEdge[];
  clusters: CoordinationCluster[];
  /** Account -> cluster id, for members of reported clusters. */
  clusterOf: Map<AccountKey, number>;
}
