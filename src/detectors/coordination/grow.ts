/**
 * Second stage: growing clusters by a group test.
 *
 * A swarm member whose pairwise evidence is thin (a link push of six URLs jittered over hours,
 * a member who joined half the campaigns) has no significant edge of its own, yet it keeps
 * acting on the cluster's own objects within minutes of the members. For each cluster G found
 * from significant pairs and each account i outside every cluster that acted, within W of a
 * member, on objects two members co-acted on (G's co-action objects), the store counts those
 * objects (Y) and the number of G's co-action objects i would act on at all by chance under the
 * configuration null (E, timing ignored, so conservative). The p-value is the negative-binomial
 * tail of Y given Y >= 1; Benjamini-Hochberg runs over every (cluster, account, layer) with
 * Y >= 1, all layers pooled.
 *
 * Selection: G was formed from pairs among its members; i was left out because its own pair
 * tests were not significant, which can only make its counts smaller under the null, so the
 * unconditional tail stays a valid bound.
 */
import type { DetectorContext } from '../types.js';
import { bhLogQ, logConditionalPValue } from './stats.js';
import { OBJECT_LAYER_DEFS, storeLayerOf } from './layers.js';
import type { CoactionOps, CoordinationOptions, LayerSummary } from './index.js';

/** Why an account joined a cluster through the group test. */
export interface GrowthEvidence {
  /** Index of the cluster in the input list. */
  group: number;
  layer: string;
  /** Cluster co-action objects the account acted on within the window of a member. */
  count: number;
  /** How many of them it would act on at all by chance. */
  expected: number;
  pValue: number;
  qValue: number;
  /** Candidates tested in all (BH denominator). */
  tested: number;
}

/**
 * Add to each group the outside accounts that pass the group test; returns the grown groups
 * (members sorted, same order) and the evidence for each added account.
 * @example const { groups, growth } = await growClusters(ctx, clusters, layerSummaries, options, messages);
 */
export async function growClusters(
  ctx: DetectorContext,
  groups: string[][],
  layers: LayerSummary[],
  o: CoordinationOptions,
  messages: string[],
  co: CoactionOps = ctx.store,
): Promise<{ groups: string[][]; growth: Map<string, GrowthEvidence> }> {
  const growth = new Map<string, GrowthEvidence>();
  if (groups.length === 0) return { groups, growth };
  const weak = new Set(OBJECT_LAYER_DEFS.filter((d) => d.weak).map((d) => d.layer));
  const known = new Set(OBJECT_LAYER_DEFS.map((d) => d.layer));
  const cands: (Omit<GrowthEvidence, 'qValue' | 'tested' | 'pValue'> & { account: string; logP: number })[] =
    [];
  let tested = 0;
  for (const l of layers) {
    if (l.status !== 'ran' || weak.has(l.layer) || !known.has(l.layer)) continue;
    const r = await co.groupCandidates({
      layer: storeLayerOf(l.layer),
      windowMs: l.windowSeconds * 1000,
      maxAccountsPerObject: o.maxAccountsPerObject,
      minObjectsPerStratum: o.minObjectsPerStratum,
      groups,
      minCount: 2,
    });
    tested += r.tested;
    for (const c of r.candidates) {
      const lp = logConditionalPValue(c.count, c.expected, o.dispersion);
      cands.push({
        group: c.group,
        layer: l.layer,
        count: c.count,
        expected: c.expected,
        logP: lp,
        account: c.account,
      });
    }
    ctx.log(
      `${l.layer}: group test, ${r.tested} outside accounts tested against ${groups.length} cluster(s) (${r.seconds.toFixed(2)} s)`,
    );
  }
  if (cands.length === 0) return { groups, growth };
  const logQ = bhLogQ(
    cands.map((c) => c.logP),
    Math.max(tested, cands.length),
  );
  const best = new Map<string, GrowthEvidence>();
  cands.forEach((c, i) => {
    const q = Math.exp(logQ[i]);
    if (q > o.fdr) return;
    const { account, logP, ...rest } = c;
    const prev = best.get(account);
    if (prev && prev.qValue <= q) return;
    best.set(account, { ...rest, pValue: Math.exp(logP), qValue: q, tested });
  });
  const out = groups.map((g) => [...g]);
  for (const [account, ev] of [...best].sort((x, y) => (x[0] < y[0] ? -1 : 1))) {
    out[ev.group].push(account);
    growth.set(account, ev);
  }
  if (growth.size)
    messages.push(
      `coordination: ${growth.size} account(s) joined a cluster through the group test (acting on the cluster's own objects within the window of its members; FDR ${o.fdr})`,
    );
  return { groups: out.map((g) => g.sort()), growth };
}
