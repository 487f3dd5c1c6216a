/**
 * The network of one coordination cluster for the dashboard: its members as nodes and the
 * member pairs that co-acted as edges, with per-layer counts and p-values.
 *
 * The detector does not store every edge (only the ten strongest pairs, in the finding), so
 * the edges are recomputed from the store with the finding's own parameters, restricted to the
 * members. The layer statistics (null model, pairs tested) stay those of the whole layer, so a
 * pair's p-value is the detector's. Its Benjamini-Hochberg q-value needs the rank of the pair
 * among all the layer's pairs; rather than rerun the whole layer, an upper bound is given:
 * Bonferroni's p x (pairs tested) is never below the BH q-value.
 */
import type { Finding } from '../findings/finding.js';
import type { Store } from '../store/store.js';
import { OBJECT_LAYER_DEFS, storeLayerOf } from '../detectors/coordination/layers.js';
import { resolveOptions, type CoordinationOptions } from '../detectors/coordination/index.js';
import { logConditionalPValue } from '../detectors/coordination/stats.js';
import { splitKey } from '../model/keys.js';

export interface GraphEdgeLayer {
  layer: string;
  count: number;
  expected: number | null;
  pValue: number | null;
  /** Upper bound on the detector's q-value (Bonferroni), or the stored q for strongest pairs. */
  qUpper: number | null;
  meanDeltaSeconds: number | null;
}

export interface GraphNode {
  id: string;
  label: string;
  size: number;
  attributes: Record<string, unknown>;
}

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  weight: number;
  layers: GraphEdgeLayer[];
  significant: boolean;
  strongest: boolean;
}

export interface ClusterGraph {
  findingId: string;
  nodes: GraphNode[];
  edges: GraphEdge[];
  truncated: boolean;
  note: string;
}

interface StoredPair {
  a: string;
  b: string;
  layers: {
    layer: string;
    count: number;
    expected?: number;
    pValue?: number;
    qValue?: number;
    meanDeltaSeconds?: number;
  }[];
}

function options(f: Finding): CoordinationOptions {
  try {
    return resolveOptions(f.detector.parameters as Partial<CoordinationOptions>);
  } catch {
    // Parameters of another detector version: the defaults are the best guess.
    return resolveOptions({});
  }
}

/** -log10 p, capped so that one layer with an underflowing p does not swamp the others. */
function strength(log10P: number): number {
  return Math.min(300, Math.max(0, -log10P));
}

export async function clusterGraph(store: Store, f: Finding, maxEdges: number): Promise<ClusterGraph> {
  const d = f.details ?? {};
  const members = Array.isArray(d.members) ? d.members.map(String) : [];
  const layerInfo = (d.layers ?? {}) as Record<string, { windowSeconds?: number | null }>;
  const strongest = (Array.isArray(d.strongestPairs) ? d.strongestPairs : []) as StoredPair[];
  const o = options(f);
  const objectLayers = new Set(OBJECT_LAYER_DEFS.map((x) => x.layer));
  const available = new Map((await store.coactionLayers()).map((l) => [l.layer, l.available]));
  const edges = new Map<string, GraphEdge>();
  const keyOf = (a: string, b: string) => (a < b ? `${a}|${b}` : `${b}|${a}`);
  const edgeOf = (a: string, b: string): GraphEdge => {
    const id = keyOf(a, b);
    let e = edges.get(id);
    if (!e) {
      const [s, t] = a < b ? [a, b] : [b, a];
      e = { id, source: s, target: t, weight: 0, layers: [], significant: false, strongest: false };
      edges.set(id, e);
    }
    return e;
  };
  const skipped: string[] = [];
  for (const layer of Object.keys(layerInfo)) {
    if (!objectLayers.has(layer) || !available.get(storeLayerOf(layer))) {
      skipped.push(layer);
      continue;
    }
    const w = layerInfo[layer]?.windowSeconds ?? o.windows[layer] ?? 60;
    const res = await store.coactionPairs({
      layer: storeLayerOf(layer),
      windowMs: w * 1000,
      maxAccountsPerObject: o.maxAccountsPerObject,
      minCount: 2,
      minObjectsPerStratum: o.minObjectsPerStratum,
      nullModel: o.nullModel,
      onlyAccounts: members,
    });
    const lnM = Math.log(Math.max(1, res.stats.pairsTested));
    for (const p of res.pairs) {
      const lp = logConditionalPValue(p.count, p.expected, o.dispersion);
      const e = edgeOf(p.a, p.b);
      const lnQ = Math.min(0, lp + lnM);
      e.layers.push({
        layer,
        count: p.count,
        expected: p.expected,
        pValue: Math.exp(lp),
        qUpper: Math.exp(lnQ),
        meanDeltaSeconds: p.meanDeltaMs / 1000,
      });
      e.weight += strength(lp / Math.LN10);
      if (lnQ <= Math.log(o.fdr)) e.significant = true;
    }
  }
  for (const sp of strongest) {
    if (typeof sp?.a !== 'string' || typeof sp?.b !== 'string') continue;
    const e = edgeOf(sp.a, sp.b);
    e.strongest = true;
    e.significant = true;
    for (const l of sp.layers ?? []) {
      if (e.layers.some((x) => x.layer === l.layer)) continue;
      // Layers not recomputed here (e.g. synchronised activity): the finding's stored numbers.
      e.layers.push({
        layer: l.layer,
        count: l.count,
        expected: l.expected ?? null,
        pValue: l.pValue ?? null,
        qUpper: l.qValue ?? null,
        meanDeltaSeconds: l.meanDeltaSeconds ?? null,
      });
      if (l.pValue !== undefined && l.pValue > 0) e.weight += strength(Math.log10(l.pValue));
    }
  }
  const sorted = [...edges.values()].sort(
    (x, y) => Number(y.significant) - Number(x.significant) || y.weight - x.weight || (x.id < y.id ? -1 : 1),
  );
  const kept = sorted.slice(0, maxEdges);
  const degree = new Map<string, number>();
  for (const e of kept) {
    degree.set(e.source, (degree.get(e.source) ?? 0) + 1);
    degree.set(e.target, (degree.get(e.target) ?? 0) + 1);
  }
  const accounts = new Map(
    (await store.accountsByKey(members)).map((a) => [`${a.platform}:${a.accountId}`, a]),
  );
  const nodes: GraphNode[] = members.map((m) => {
    const a = accounts.get(m);
    const deg = degree.get(m) ?? 0;
    return {
      id: m,
      label: a?.handle ?? m,
      size: Math.round((3 + 2 * Math.sqrt(deg)) * 10) / 10,
      attributes: {
        platform: splitKey(m)?.[0] ?? '',
        handle: a?.handle ?? null,
        displayName: a?.displayName ?? null,
        createdAt: a?.createdAt != null ? new Date(a.createdAt).toISOString() : null,
        followers: a?.followers ?? null,
        postsCount: a?.postsCount ?? null,
        degree: deg,
      },
    };
  });
  return {
    findingId: f.id,
    nodes,
    edges: kept,
    truncated: kept.length < sorted.length,
    note:
      `Edges: member pairs with at least 2 shared objects within a layer's window, recomputed with the finding's parameters` +
      ` (FDR ${o.fdr}); qUpper is a Bonferroni upper bound on the detector's q-value.` +
      (skipped.length
        ? ` Layers not recomputed: ${skipped.join(', ')} (only the finding's strongest pairs show them).`
        : '') +
      (kept.length < sorted.length ? ` Showing the ${kept.length} strongest of ${sorted.length} edges.` : ''),
  };
}
