/**
 * The number issue #3 asks for, shared by the coordination and ClickHouse benches: co-repost
 * pairs at the detector's defaults, their conditional p-values, and the Benjamini–Hochberg
 * control, down to the significant edges. The same steps as the detector's co-repost layer.
 */
import type { Store } from '../../src/store/store.js';
import { DEFAULTS } from '../../src/detectors/coordination/index.js';
import { logConditionalPValue } from '../../src/detectors/coordination/stats.js';
import { applyFdr, combineLayers } from '../../src/detectors/coordination/combine.js';

export async function coRepostToSignificant(store: Store) {
  const cr = await store.coactionPairs({
    layer: 'co-repost',
    windowMs: DEFAULTS.windows['co-repost'] * 1000,
    maxAccountsPerObject: DEFAULTS.maxAccountsPerObject,
    minCount: 2,
    minObjectsPerStratum: DEFAULTS.minObjectsPerStratum,
    maxPValue: DEFAULTS.fdr,
    dispersion: DEFAULTS.dispersion,
    discreteFdr: DEFAULTS.fdr,
  });
  const edges = cr.pairs.map((p) => {
    const lp = logConditionalPValue(p.count, p.expected, DEFAULTS.dispersion);
    return { layer: 'co-repost', a: p.a, b: p.b, count: p.count, pValue: Math.exp(lp), logPValue: lp };
  });
  const runs = [{ layer: 'co-repost', edges, tested: cr.stats.pairsInFamily ?? cr.stats.pairsTested }];
  applyFdr(runs, 'layer');
  return { cr, sig: combineLayers(runs, DEFAULTS.fdr) };
}
