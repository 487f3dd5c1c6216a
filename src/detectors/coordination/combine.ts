/**
 * From per-layer edges to one account graph and its communities.
 *
 * Each layer's p-values get their own Benjamini-Hochberg control over all the pairs that layer
 * tested (or one control over all layers pooled, `fdrScope: 'all'`). A pair is an edge of the
 * combined graph when at least one of its non-weak layers is significant; weak layers (co-domain)
 * add evidence to such edges but never create one. Communities come from Louvain on that graph,
 * with a seeded random source so that the same input and seed give the same clusters.
 *
 * @see Blondel, Guillaume, Lambiotte & Lefebvre (2008), Fast unfolding of communities in large
 *   networks, J. Stat. Mech. P10008; graphology-communities-louvain.
 */
import GraphImport from 'graphology';
import louvainImport from 'graphology-communities-louvain';
import { bhLogQ } from './stats.js';
import { mulberry32 } from '../../util/rng.js';
import type { AccountEdge, LayerEdge } from './types.js';

/** The edges one layer produced, with what the false-discovery control needs. */
export interface LayerRun {
  layer: string;
  /** Edges with their p-values (pairs never returned had p = 1 or could not reach the level). */
  edges: LayerEdge[];
  /** Pairs the layer tested in all (>= edges.length): the BH denominator. */
  tested: number;
  /** Weak layers only add evidence to edges found by other layers. */
  weak?: boolean;
}

function logP(e: LayerEdge): number {
  if (e.logPValue !== undefined && Number.isFinite(e.logPValue)) return e.logPValue;
  if (e.logPValue === -Infinity) return -745; // smallest double exponent: still orders first
  return e.pValue > 0 ? Math.log(e.pValue) : -745;
}

/**
 * Set `qValue` on every edge: BH over each layer's tested pairs, or over all layers pooled.
 * @example applyFdr([{ layer: 'co-repost', edges, tested: 1000 }], 'layer')
 */
export function applyFdr(runs: LayerRun[], scope: 'layer' | 'all'): void {
  const groups = scope === 'all' ? [runs] : runs.map((r) => [r]);
  for (const g of groups) {
    const edges = g.flatMap((r) => r.edges);
    const m = Math.max(
      edges.length,
      g.reduce((s, r) => s + Math.max(r.tested, r.edges.length), 0),
    );
    if (edges.length === 0) continue;
    const q = bhLogQ(edges.map(logP), m);
    edges.forEach((e, i) => (e.qValue = Math.exp(q[i])));
  }
}

/** Weight of one significant layer edge for Louvain: -log10 p, capped so no layer swamps the rest. */
export function layerWeight(e: LayerEdge): number {
  return Math.min(50, -logP(e) / Math.LN10);
}

function pairKey(a: string, b: string): string {
  return a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`;
}

/**
 * The combined graph: pairs with a significant non-weak layer, each with all its significant
 * layer edges. Call `applyFdr` first. Sorted by (a, b).
 */
export function combineLayers(runs: LayerRun[], fdr: number): AccountEdge[] {
  const byPair = new Map<string, AccountEdge>();
  const ordered = [...runs].sort((x, y) => Number(!!x.weak) - Number(!!y.weak));
  for (const run of ordered) {
    for (const e of run.edges) {
      if (!(e.qValue !== undefined && e.qValue <= fdr)) continue;
      const [a, b] = e.a < e.b ? [e.a, e.b] : [e.b, e.a];
      const k = pairKey(a, b);
      let edge = byPair.get(k);
      if (!edge) {
        if (run.weak) continue;
        edge = { a, b, layers: [], weight: 0, minQ: 1 };
        byPair.set(k, edge);
      }
      edge.layers.push(e);
      edge.weight += layerWeight(e);
      edge.minQ = Math.min(edge.minQ, e.qValue);
    }
  }
  const out = [...byPair.values()];
  for (const e of out) e.layers.sort((x, y) => (x.layer < y.layer ? -1 : x.layer > y.layer ? 1 : 0));
  return out.sort((x, y) => (x.a < y.a ? -1 : x.a > y.a ? 1 : x.b < y.b ? -1 : x.b > y.b ? 1 : 0));
}

// Under NodeNext these packages' declarations read as CommonJS (the default import would be
// `module.exports`, holding `.default`); at run time the default import is the class or function
// itself. Accept both shapes.
const Graph = ((GraphImport as unknown as { default?: unknown }).default ??
  GraphImport) as typeof GraphImport.default;
const louvain = ((louvainImport as unknown as { default?: unknown }).default ??
  louvainImport) as typeof louvainImport.default;

/** The seeded random source handed to Louvain (mulberry32, the project's one small PRNG). */
export const seededRandom = mulberry32;

/**
 * Louvain communities of the combined graph with at least `minSize` members, largest first;
 * members sorted. Deterministic for a seed (nodes and edges enter the graph sorted).
 * @example communities(edges, { seed: 1, resolution: 1, minSize: 3 })
 */
export function communities(
  edges: AccountEdge[],
  o: { seed: number; resolution: number; minSize: number },
): string[][] {
  if (edges.length === 0) return [];
  const g = new Graph({ type: 'undirected', multi: false, allowSelfLoops: false });
  const nodes = [...new Set(edges.flatMap((e) => [e.a, e.b]))].sort();
  for (const n of nodes) g.addNode(n);
  for (const e of edges) g.addEdge(e.a, e.b, { weight: e.weight });
  const assignment = louvain(g, {
    getEdgeWeight: 'weight',
    resolution: o.resolution,
    rng: seededRandom(o.seed),
  }) as Record<string, number>;
  const groups = new Map<number, string[]>();
  for (const n of nodes) {
    const c = assignment[n];
    if (!groups.has(c)) groups.set(c, []);
    groups.get(c)!.push(n);
  }
  return [...groups.values()]
    .filter((m) => m.length >= o.minSize)
    .map((m) => m.sort())
    .sort((x, y) => y.length - x.length || (x[0] < y[0] ? -1 : 1));
}
