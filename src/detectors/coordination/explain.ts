/**
 * `vigie explain-pair A B`: the evidence behind one edge, layer by layer: how many objects the
 * two accounts shared within the window, how many the null model expected, the p-value, and
 * the shared objects with both accounts' posts, times and deltas.
 *
 * @see crowdsec cmd/crowdsec-cli/cliexplain/explain.go for the habit of tracing one input.
 */
import type { Store } from '../../store/store.js';
import { OBJECT_LAYER_DEFS, storeLayerOf } from './layers.js';
import { resolveOptions, type CoordinationOptions } from './index.js';
import { describeShared, type SharedObjectEvidence } from './findings.js';
import { logConditionalPValue } from './stats.js';
import { applyFdr, type LayerRun } from './combine.js';
import type { LayerEdge } from './types.js';

export interface PairLayerEvidence {
  layer: string;
  windowSeconds: number;
  /** Distinct objects both acted on within the window. */
  count: number;
  /** Expected count under the null model. */
  expected: number;
  /** P(at least `count` | at least one) under the null model. */
  pValue: number;
  log10P: number;
  /** Pairs in the layer's FDR family (README, "FDR"): the Benjamini-Hochberg denominator. */
  pairsTested: number;
  /**
   * The pair's Benjamini-Hochberg q-value as the detector computes it, or null when the pair
   * cannot reach the FDR level (its q-value is then above `fdr`).
   */
  qValue: number | null;
  /** Whether the detector counts this layer edge as significant. */
  significant: boolean;
  meanDeltaSeconds: number;
  objects: SharedObjectEvidence[];
}

export interface PairExplanation {
  a: string;
  b: string;
  fdr: number;
  layers: PairLayerEvidence[];
  /** Layers with nothing shared, or skipped, and why. */
  messages: string[];
}

/**
 * Evidence for one account pair on every available object layer. Account keys are
 * `platform:account_id`. Each layer is run over the whole workspace as the detector runs it
 * (seconds at a million posts), so p- and q-values are exactly the detector's.
 * @example const e = await explainPair(store, 'x:123', 'x:456'); console.log(formatPairExplanation(e));
 */
export async function explainPair(
  store: Store,
  a: string,
  b: string,
  options: Partial<CoordinationOptions> & { objects?: number } = {},
): Promise<PairExplanation> {
  const o = resolveOptions(options);
  const out: PairExplanation = { a, b, fdr: o.fdr, layers: [], messages: [] };
  if (a === b) {
    out.messages.push('the two accounts are the same; give two different account keys (platform:account_id)');
    return out;
  }
  const counts = await store.counts();
  if (counts.posts === 0) {
    out.messages.push('the workspace holds no posts');
    return out;
  }
  const known = await store.accountsByKey([a, b]);
  if (known.length < 2) {
    const have = new Set(known.map((x) => `${x.platform}:${x.accountId}`));
    const missing = [a, b].filter((k) => !have.has(k));
    out.messages.push(`no account ${missing.join(' or ')} in this workspace (keys are platform:account_id)`);
  }
  const [x, y] = a < b ? [a, b] : [b, a];
  const info = new Map((await store.coactionLayers()).map((l) => [l.layer, l]));
  const runs: LayerRun[] = [];
  const found: { evidence: PairLayerEvidence; edge: LayerEdge | undefined }[] = [];
  for (const layer of o.layers) {
    const li = info.get(storeLayerOf(layer));
    if (!li?.available) {
      out.messages.push(`${layer}: skipped, ${li?.reason ?? 'not available'}`);
      continue;
    }
    const w = o.windows[layer] ?? OBJECT_LAYER_DEFS.find((d) => d.layer === layer)!.windowSeconds;
    const common = {
      layer: storeLayerOf(layer),
      windowMs: w * 1000,
      maxAccountsPerObject: o.maxAccountsPerObject,
      minObjectsPerStratum: o.minObjectsPerStratum,
      nullModel: o.nullModel,
    };
    // The detector's run (all candidates of the layer) gives the exact BH q-value ...
    const full = await store.coactionPairs({
      ...common,
      minCount: 2,
      maxPValue: o.fdr,
      dispersion: o.dispersion,
      ...(o.fdrScope === 'layer' ? { discreteFdr: o.fdr } : {}),
    });
    const edges: LayerEdge[] = full.pairs.map((p) => {
      const lp = logConditionalPValue(p.count, p.expected, o.dispersion);
      return { layer, a: p.a, b: p.b, count: p.count, pValue: Math.exp(lp), logPValue: lp };
    });
    runs.push({
      layer,
      edges,
      tested: full.stats.pairsInFamily ?? full.stats.pairsTested,
      weak: OBJECT_LAYER_DEFS.find((d) => d.layer === layer)?.weak,
    });
    // ... and the pair's own counts come from a run restricted to the two accounts.
    const mine = await store.coactionPairs({ ...common, minCount: 1, onlyAccounts: [a, b] });
    const p = mine.pairs[0];
    if (!p) {
      out.messages.push(`${layer}: nothing shared within ${w} s`);
      continue;
    }
    const lp = logConditionalPValue(p.count, p.expected, o.dispersion);
    const objects = await store.sharedObjects({
      layer: storeLayerOf(layer),
      windowMs: w * 1000,
      accounts: [a, b],
      limitObjects: options.objects ?? 20,
      limitActionsPerObject: 10,
    });
    found.push({
      edge: edges.find((e) => e.a === x && e.b === y),
      evidence: {
        layer,
        windowSeconds: w,
        count: p.count,
        expected: p.expected,
        pValue: Math.exp(lp),
        log10P: lp / Math.LN10,
        pairsTested: full.stats.pairsInFamily ?? full.stats.pairsTested,
        qValue: null,
        significant: false,
        meanDeltaSeconds: p.meanDeltaMs / 1000,
        objects: objects.map(describeShared),
      },
    });
  }
  applyFdr(runs, o.fdrScope);
  for (const f of found) {
    f.evidence.qValue = f.edge?.qValue ?? null;
    f.evidence.significant = f.evidence.qValue !== null && f.evidence.qValue <= o.fdr;
    out.layers.push(f.evidence);
  }
  return out;
}

/** A probability given as log10, printed as m.me-N (works below the smallest double). */
function fmtP(log10: number): string {
  if (log10 > -4) return Math.pow(10, log10).toPrecision(2);
  const exp = Math.floor(log10);
  return `${Math.pow(10, log10 - exp).toFixed(1)}e${exp}`;
}

/** Plain-text rendering of an explanation, for the terminal. */
export function formatPairExplanation(e: PairExplanation): string {
  const lines = [`Evidence for the pair ${e.a} and ${e.b}`];
  for (const l of e.layers) {
    lines.push(
      '',
      `${l.layer} (window ${l.windowSeconds} s): ${l.count} shared object(s), ${l.expected.toPrecision(3)} expected by chance, ` +
        `p = ${fmtP(l.log10P)} (given at least one), ` +
        (l.qValue === null ? `q > ${e.fdr}` : `q = ${fmtP(Math.log10(Math.max(l.qValue, 1e-300)))}`) +
        ` over ${l.pairsTested} pairs tested: ${l.significant ? 'SIGNIFICANT' : 'not significant'}; ` +
        `mean delta ${l.meanDeltaSeconds.toFixed(1)} s`,
    );
    for (const ob of l.objects) {
      lines.push(`  ${ob.object}  (first ${ob.first})`);
      for (const a of ob.actions)
        lines.push(
          `    +${a.deltaSeconds.toFixed(0).padStart(6)} s  ${a.time}  ${a.account}  post ${a.post}`,
        );
    }
  }
  if (e.messages.length) lines.push('', ...e.messages.map((m) => `note: ${m}`));
  if (e.layers.length === 0) lines.push('', 'No layer shows shared objects within its window for this pair.');
  return lines.join('\n');
}
