/**
 * Coordinated behaviour: which accounts act in lockstep, with the evidence and a stated
 * false-discovery rate.
 *
 * For each object layer (co-repost, co-link, co-hashtag, ...) the store pairs accounts that
 * acted on the same object within the layer's window and gives each pair's expected count
 * under a null model that keeps account activity, object popularity and each object's own
 * timing (src/store/duckdb/coaction.ts). A pair's p-value is the Poisson tail of its count,
 * conditioned on the pair having been seen; Benjamini-Hochberg controls the false discovery
 * rate over the pairs each layer tested that can reach p < 1 (README, "FDR"). Significant
 * pairs of all layers (and of registered edge providers such as synchronised activity) form
 * one account graph; its Louvain communities become findings with their evidence.
 *
 * @see Pacheco, Hui, Torres-Lugo, Truong, Flammini & Menczer (2021), Uncovering coordinated
 *   networks on social media: methods and case studies, ICWSM 15:455-466.
 * @see OSoMe coordinationz (filipinascimento/coordinationz), bipartite configuration null model.
 * @see README.md in this folder for the method, parameters and caveats.
 */
import type { Detector, DetectorContext, DetectResult } from '../types.js';
import type { CoactionLayerInfo, CoactionSession, CoactionStats } from '../../store/coaction-types.js';
import { VigieError } from '../../util/errors.js';
import { applyFdr, combineLayers, communities, type LayerRun } from './combine.js';
import { buildFindings } from './findings.js';
import { growClusters, type GrowthEvidence } from './grow.js';
import { OBJECT_LAYER_DEFS, defaultWindows, storeLayerOf } from './layers.js';
import { EDGE_PROVIDERS } from './providers.js';
import { logConditionalPValue } from './stats.js';
import type { CoordinationGraph, LayerEdge } from './types.js';

export const NAME = 'coordination';
export const VERSION = '0.1.0';

export interface CoordinationOptions {
  /** Object layers to run, from `OBJECT_LAYER_DEFS` (unavailable ones are skipped with a message). */
  layers: string[];
  /** Window per layer in seconds; layers not listed use their default (see layers.ts). */
  windows: Record<string, number>;
  /** False discovery rate controlled by Benjamini-Hochberg. */
  fdr: number;
  /** `layer`: one BH control per layer (each layer's edges at rate `fdr`); `all`: one over all layers pooled. */
  fdrScope: 'layer' | 'all';
  /** Objects with more actions than this inside one window are left out of a layer (reported). */
  maxAccountsPerObject: number;
  /**
   * `timing`: given the objects two accounts both acted on, are their actions closer in time
   * than actions on objects of the same popularity and moment? `configuration`: also asks
   * whether they chose the same objects more often than their activity predicts (more power on
   * slow link pushes, but interest communities show up). See README.
   */
  nullModel: 'timing' | 'configuration';
  /** Strata of the null model hold at least this many objects (popularity bins cut along time). */
  minObjectsPerStratum: number;
  /**
   * Uncertainty of the null's expected count, as the coefficient of variation of a gamma rate
   * (negative-binomial tail); 0 gives a plain Poisson tail. See README, "Dispersion".
   */
  dispersion: number;
  /** Smallest community reported as a finding. */
  minClusterSize: number;
  /**
   * Second stage: test accounts outside each cluster that act on the cluster's own co-action
   * objects within the window of a member (group test, FDR-controlled), and add the significant
   * ones. Finds members whose pairwise evidence is thin (link pushes, partial participation).
   */
  growClusters: boolean;
  /** Louvain resolution (higher gives smaller communities). */
  resolution: number;
  /** Also combine the edges of registered providers (synchronised activity...). */
  providers: boolean;
  /** Shared objects sampled per layer and cluster for the evidence. */
  evidenceObjects: number;
  /** Most member accounts listed as evidence references per finding (all are in details). */
  evidenceMembers: number;
}

export const DEFAULTS: CoordinationOptions = {
  layers: OBJECT_LAYER_DEFS.map((d) => d.layer),
  windows: defaultWindows(),
  fdr: 0.01,
  fdrScope: 'layer',
  maxAccountsPerObject: 150,
  nullModel: 'configuration',
  minObjectsPerStratum: 200,
  dispersion: 0.3,
  minClusterSize: 3,
  growClusters: true,
  resolution: 1,
  providers: true,
  evidenceObjects: 8,
  evidenceMembers: 500,
};

/** The co-action calls of one run: a store session when the store has one, else the store. */
export type CoactionOps = Pick<CoactionSession, 'coactionPairs' | 'groupCandidates'> &
  Partial<Pick<CoactionSession, 'sharedObjectsOfGroups'>>;

/** What one layer did, for the summary and the report. */
export interface LayerSummary {
  layer: string;
  windowSeconds: number;
  status: 'ran' | 'unavailable' | 'empty';
  reason?: string;
  pairsTested: number;
  /** The BH family: tested pairs whose smallest attainable p-value can reach `fdr` (README, "FDR"). */
  pairsInFamily?: number;
  candidates: number;
  significant: number;
  stats?: CoactionStats;
  /** Wall seconds of an edge provider (object layers have theirs in `stats`). */
  seconds?: number;
}

export interface DetailedResult extends DetectResult {
  graph: CoordinationGraph;
  layers: LayerSummary[];
  options: CoordinationOptions;
}

/** Merge and check user options against DEFAULTS. */
export function resolveOptions(options: Partial<CoordinationOptions> = {}): CoordinationOptions {
  const o: CoordinationOptions = {
    ...DEFAULTS,
    ...options,
    windows: { ...DEFAULTS.windows, ...(options.windows ?? {}) },
  };
  const bad = (msg: string) => new VigieError('ERR_USAGE', `coordination: ${msg}`);
  if (!(o.fdr > 0 && o.fdr < 1)) throw bad(`fdr must be between 0 and 1 (got ${o.fdr})`);
  if (o.fdrScope !== 'layer' && o.fdrScope !== 'all') throw bad(`fdrScope must be "layer" or "all"`);
  if (o.nullModel !== 'timing' && o.nullModel !== 'configuration')
    throw bad(`nullModel must be "timing" or "configuration"`);
  const known = new Set(OBJECT_LAYER_DEFS.map((d) => d.layer));
  const unknown = o.layers.filter((l) => !known.has(l));
  if (unknown.length) throw bad(`unknown layer ${unknown.join(', ')}; layers: ${[...known].join(', ')}`);
  for (const [l, w] of Object.entries(o.windows))
    if (!(Number.isFinite(w) && w >= 0)) throw bad(`window of ${l} must be a number of seconds >= 0`);
  if (!(o.maxAccountsPerObject >= 2)) throw bad('maxAccountsPerObject must be >= 2');
  if (!(o.dispersion >= 0 && o.dispersion <= 10)) throw bad('dispersion must be between 0 and 10');
  if (!(o.minClusterSize >= 2)) throw bad('minClusterSize must be >= 2');
  return o;
}

function secondsSince(t: number): string {
  return ((performance.now() - t) / 1000).toFixed(2);
}

function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** Run one object layer: pairs, p-values, messages. */
async function runObjectLayer(
  ctx: DetectorContext,
  co: CoactionOps,
  layer: string,
  windowSeconds: number,
  o: CoordinationOptions,
  messages: string[],
  onlyAccounts?: string[],
): Promise<{ run: LayerRun; summary: LayerSummary }> {
  const query = (w: number) =>
    co.coactionPairs({
      ...(onlyAccounts ? { onlyAccounts } : {}),
      layer: storeLayerOf(layer),
      windowMs: w * 1000,
      maxAccountsPerObject: o.maxAccountsPerObject,
      minCount: 2,
      minObjectsPerStratum: o.minObjectsPerStratum,
      maxPValue: o.fdr,
      nullModel: o.nullModel,
      dispersion: o.dispersion,
      // One BH per layer: the family is the pairs whose smallest attainable p-value can reach
      // the level (Tarone, Gilbert). Pooled over layers, every pair tested counts.
      ...(o.fdrScope === 'layer' ? { discreteFdr: o.fdr } : {}),
    });
  let w = windowSeconds;
  let res = await query(w);
  const st = res.stats;
  if (st.actions > 0 && st.wholeMinuteShare >= 0.99 && w < 60) {
    messages.push(
      `${layer}: timestamps are whole minutes (${(st.wholeMinuteShare * 100).toFixed(1)}%), so a ${w} s window cannot be honoured; using 60 s (deltas are only known to the minute)`,
    );
    w = 60;
    res = await query(w);
  } else if (st.actions > 0 && st.wholeMinuteShare >= 0.99) {
    messages.push(`${layer}: timestamps are whole minutes; time deltas are only known to the minute`);
  }
  const s = res.stats;
  if (s.actions > 0 && s.firstMs === s.lastMs)
    messages.push(
      `${layer}: all ${s.actions} actions share one timestamp (${isoOrNull(s.firstMs)}); timing carries no information, significance rests on which objects accounts share`,
    );
  if (s.cappedObjects > 0)
    messages.push(
      `${layer}: ${s.cappedObjects} object(s) had more than ${o.maxAccountsPerObject} actions inside one ${w} s window (largest ${s.maxActionsInWindow}); they were left out of the layer (${s.cappedActions} actions)`,
    );
  const edges: LayerEdge[] = res.pairs.map((p) => {
    const lp = logConditionalPValue(p.count, p.expected, o.dispersion);
    return {
      layer,
      a: p.a,
      b: p.b,
      count: p.count,
      pValue: Math.exp(lp),
      logPValue: lp,
      expected: p.expected,
      pairsTested: s.pairsInFamily ?? s.pairsTested,
      windowSeconds: w,
      meanDeltaSeconds: p.meanDeltaMs / 1000,
      firstMs: p.firstMs,
      lastMs: p.lastMs,
    };
  });
  const weak = OBJECT_LAYER_DEFS.find((d) => d.layer === layer)?.weak ?? false;
  ctx.log(
    `${layer}: ${s.actions} actions, ${s.accounts} accounts, ${s.pairsTested} pairs tested (${s.pairsInFamily ?? s.pairsTested} in the FDR family), ${edges.length} candidates (${s.seconds.toFixed(2)} s)`,
  );
  return {
    run: { layer, edges, tested: s.pairsInFamily ?? s.pairsTested, weak },
    summary: {
      layer,
      windowSeconds: w,
      status: s.actions === 0 ? 'empty' : 'ran',
      pairsTested: s.pairsTested,
      pairsInFamily: s.pairsInFamily ?? s.pairsTested,
      candidates: edges.length,
      significant: 0,
      stats: s,
    },
  };
}

/**
 * Run the detector and return the findings together with the combined graph and per-layer
 * summaries (for exports and explain).
 * @example const r = await detectDetailed({ store, runId, seed: 1, log: console.error });
 */
export async function detectDetailed(
  ctx: DetectorContext,
  options: Partial<CoordinationOptions> = {},
): Promise<DetailedResult> {
  const o = resolveOptions(options);
  const messages: string[] = [];
  const empty = (): DetailedResult => ({
    findings: [],
    messages,
    stats: { accounts: 0, edges: 0, clusters: 0 },
    graph: { edges: [], clusters: [], clusterOf: new Map() },
    layers: [],
    options: o,
  });
  const counts = await ctx.store.counts();
  if (counts.posts === 0) {
    messages.push('coordination: the workspace holds no posts; nothing to analyse');
    return empty();
  }
  const info = new Map((await ctx.store.coactionLayers()).map((l) => [l.layer, l]));
  // A store session shares work between calls (a layer's actions across its two windows, each
  // window's null model with its group test); the numbers are those of the plain calls.
  const session = ctx.store.coactionSession ? await ctx.store.coactionSession() : undefined;
  try {
    return await detectWith(ctx, o, messages, info, session ?? ctx.store, async () => session?.close());
  } finally {
    await session?.close();
  }
}

async function detectWith(
  ctx: DetectorContext,
  o: CoordinationOptions,
  messages: string[],
  info: Map<string, CoactionLayerInfo>,
  co: CoactionOps,
  /** Frees what the session kept, once the findings are built. */
  release: () => Promise<void>,
): Promise<DetailedResult> {
  const runs: LayerRun[] = [];
  const layers: LayerSummary[] = [];
  const weakLayers = new Set(OBJECT_LAYER_DEFS.filter((d) => d.weak).map((d) => d.layer));
  const runLayer = async (layer: string, onlyAccounts?: string[]) => {
    const w = o.windows[layer] ?? defaultWindows()[layer];
    const li = info.get(storeLayerOf(layer));
    if (!li || !li.available) {
      const reason = li?.reason ?? 'this store cannot compute this layer';
      messages.push(`${layer}: skipped, ${reason}`);
      layers.push({
        layer,
        windowSeconds: w,
        status: 'unavailable',
        reason,
        pairsTested: 0,
        candidates: 0,
        significant: 0,
      });
      return;
    }
    const { run, summary } = await runObjectLayer(ctx, co, layer, w, o, messages, onlyAccounts);
    runs.push(run);
    layers.push(summary);
  };
  for (const layer of o.layers) if (!weakLayers.has(layer)) await runLayer(layer);
  if (o.providers) {
    for (const p of EDGE_PROVIDERS) {
      const t = performance.now();
      const r = await p.edges(ctx);
      const seconds = (performance.now() - t) / 1000;
      ctx.log(
        `${p.layer}: ${r.tested ?? r.edges.length} pairs tested, ${r.edges.length} candidates (${seconds.toFixed(2)} s)`,
      );
      messages.push(...(r.messages ?? []));
      runs.push({ layer: p.layer, edges: r.edges, tested: r.tested ?? r.edges.length });
      layers.push({
        layer: p.layer,
        windowSeconds: 0,
        status: r.edges.length ? 'ran' : 'empty',
        pairsTested: r.tested ?? r.edges.length,
        candidates: r.edges.length,
        significant: 0,
        seconds,
      });
    }
  }
  // Weak layers only add evidence to edges the others found: their pairs are generated among
  // the accounts of those edges alone (the null still uses the whole layer), and their
  // Benjamini-Hochberg family is the pairs tested among those accounts.
  applyFdr(runs, o.fdrScope);
  const strong = [...new Set(combineLayers(runs, o.fdr).flatMap((e) => [e.a, e.b]))].sort();
  for (const layer of o.layers) {
    if (!weakLayers.has(layer)) continue;
    if (strong.length < 2) {
      layers.push({
        layer,
        windowSeconds: o.windows[layer] ?? defaultWindows()[layer],
        status: 'empty',
        pairsTested: 0,
        candidates: 0,
        significant: 0,
      });
      continue;
    }
    await runLayer(layer, strong);
  }
  applyFdr(runs, o.fdrScope);
  for (const r of runs) {
    const s = layers.find((l) => l.layer === r.layer);
    if (s) s.significant = r.edges.filter((e) => (e.qValue ?? 1) <= o.fdr).length;
  }
  let t = performance.now();
  const edges = combineLayers(runs, o.fdr);
  const found = communities(edges, { seed: ctx.seed, resolution: o.resolution, minSize: o.minClusterSize });
  ctx.log(`combined graph: ${edges.length} edges, ${found.length} communities (${secondsSince(t)} s)`);
  t = performance.now();
  const { groups, growth } = o.growClusters
    ? await growClusters(ctx, found, layers, o, messages, co)
    : { groups: found, growth: new Map<string, GrowthEvidence>() };
  if (o.growClusters) ctx.log(`group tests: ${growth.size} account(s) joined (${secondsSince(t)} s)`);
  t = performance.now();
  const accounts = new Set(edges.flatMap((e) => [e.a, e.b])).size;
  if (edges.length === 0)
    messages.push(
      `coordination: no pair of accounts co-acts more than chance allows at FDR ${o.fdr} (${runs.reduce((s, r) => s + r.tested, 0)} pairs tested)`,
    );
  else if (groups.length === 0)
    messages.push(
      `coordination: ${edges.length} significant pair(s) among ${accounts} accounts, but no community of ${o.minClusterSize} or more`,
    );
  const { findings, graph } = await buildFindings(
    ctx,
    { name: NAME, version: VERSION },
    o,
    edges,
    groups,
    layers,
    growth,
    co,
  );
  await release();
  ctx.log(`findings: ${findings.length} cluster(s) with evidence (${secondsSince(t)} s)`);
  const stats: Record<string, number> = {
    accounts,
    edges: edges.length,
    clusters: graph.clusters.length,
    clusteredAccounts: graph.clusters.reduce((s, c) => s + c.members.length, 0),
    joinedByGroupTest: growth.size,
  };
  for (const l of layers) {
    stats[`${l.layer}.pairsTested`] = l.pairsTested;
    stats[`${l.layer}.significant`] = l.significant;
  }
  return { findings, messages, stats, graph, layers, options: o };
}

/** `detect()` and `detect.detailed()`, after graphology's `louvain` / `louvain.detailed`. */
const detect = Object.assign(
  async (ctx: DetectorContext, options?: Partial<CoordinationOptions>): Promise<DetectResult> => {
    const { findings, messages, stats } = await detectDetailed(ctx, options);
    return { findings, messages, stats };
  },
  { detailed: detectDetailed },
);

export const coordinationDetector: Detector<CoordinationOptions> = {
  name: NAME,
  version: VERSION,
  channel: 'coordination',
  description:
    'accounts acting in lockstep (co-repost, co-link, co-hashtag...), tested against a null model with FDR control',
  defaults: DEFAULTS,
  detect,
};

export { detect };
export { explainPair, formatPairExplanation } from './explain.js';
export {
  writeEdgesCsv,
  writeEdgesJsonl,
  writeClustersCsv,
  writeClustersJsonl,
  writeGexf,
  writeGraphml,
} from './export.js';
