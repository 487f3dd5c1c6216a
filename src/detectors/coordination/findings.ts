/**
 * Coordination clusters as findings: members, layers, the shared objects with their times and
 * deltas, sample posts, the spread of account creation dates, DISARM techniques, a confidence
 * with its method, and the innocent explanations that remain open.
 */
import { CLUSTER_KIND } from './clusters.js';
import type { EvidenceRef, Finding, Severity } from '../../findings/finding.js';
import { findingId } from '../../findings/finding.js';
import type { DetectorContext } from '../types.js';
import type { CoactionSession, SharedObject } from '../../store/coaction-types.js';
import { CLUSTER_TECHNIQUES, OBJECT_LAYER_DEFS, storeLayerOf } from './layers.js';
import type { CoordinationOptions, LayerSummary } from './index.js';
import type { GrowthEvidence } from './grow.js';
import type { AccountEdge, CoordinationCluster, CoordinationGraph } from './types.js';

const KIND = CLUSTER_KIND;
const DAY = 86400_000;

/** Layers whose objects are posts (their keys can be evidence references). */
const POST_OBJECT_LAYERS = new Set(['co-repost', 'co-reply']);

/** A shared object as shown in a finding: when each member acted and how far apart. */
export interface SharedObjectEvidence {
  object: string;
  accounts: number;
  first: string;
  /** Seconds from the first to the last action shown. */
  spreadSeconds: number;
  /** Median gap in seconds between consecutive actions shown. */
  medianGapSeconds: number;
  actions: { account: string; post: string; time: string; deltaSeconds: number }[];
}

/** Turn a store shared object into evidence with deltas from its first action. */
export function describeShared(s: SharedObject): SharedObjectEvidence {
  const acts = [...s.actions].sort((x, y) => x.timeMs - y.timeMs);
  const t0 = acts[0]?.timeMs ?? 0;
  const gaps = acts.slice(1).map((a, i) => (a.timeMs - acts[i].timeMs) / 1000);
  return {
    object: s.object,
    accounts: s.accounts,
    first: new Date(t0).toISOString(),
    spreadSeconds: acts.length ? (acts[acts.length - 1].timeMs - t0) / 1000 : 0,
    medianGapSeconds: median(gaps) ?? 0,
    actions: acts.map((a) => ({
      account: a.account,
      post: a.postKey,
      time: new Date(a.timeMs).toISOString(),
      deltaSeconds: (a.timeMs - t0) / 1000,
    })),
  };
}

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Spread of account creation dates, where known. */
export function creationSpread(created: number[], members: number) {
  const known = created.filter((c) => Number.isFinite(c)).sort((a, b) => a - b);
  if (known.length === 0) return { known: 0, members, note: 'no creation dates in the data' };
  const med = median(known)!;
  return {
    known: known.length,
    members,
    earliest: new Date(known[0]).toISOString(),
    latest: new Date(known[known.length - 1]).toISOString(),
    median: new Date(med).toISOString(),
    spreadDays: (known[known.length - 1] - known[0]) / DAY,
    /** Share of members with a known date created within 3.5 days of the median date. */
    withinAWeekOfMedian: known.filter((c) => Math.abs(c - med) <= 3.5 * DAY).length / known.length,
  };
}

function severityFor(size: number, layers: number): Severity {
  if (size >= 50 || (size >= 20 && layers >= 2)) return 'high';
  if (size >= 10 || layers >= 2) return 'medium';
  return 'low';
}

/**
 * Confidence that every member belongs: each member's best (smallest) q-value to another
 * member bounds the expected share of false edges among edges at least that strong, so the
 * weakest member's best q is the cluster's weak point.
 */
export function clusterConfidence(
  members: string[],
  edges: AccountEdge[],
  growth: Map<string, GrowthEvidence> = new Map(),
): number {
  const best = new Map<string, number>();
  for (const m of members) {
    const g = growth.get(m);
    if (g) best.set(m, g.qValue);
  }
  for (const e of edges) {
    best.set(e.a, Math.min(best.get(e.a) ?? 1, e.minQ));
    best.set(e.b, Math.min(best.get(e.b) ?? 1, e.minQ));
  }
  const worst = Math.max(...members.map((m) => best.get(m) ?? 1));
  return Math.max(0, Math.min(1, 1 - worst));
}

function caveats(o: CoordinationOptions, layers: string[], summaries: LayerSummary[]): string[] {
  const out = [
    "Popular moments: the null model keeps each object's own timing, so when thousands of fans repost a televised debate's top posts within minutes, the expected co-reposts of any two of them rise with it and a fan base reacting together is not significant by itself. Accounts that always react within seconds (notifications on for the same source) can still pair up.",
    "Shared management: one person or agency running several legitimate accounts (a party, its candidates and local branches; a newsroom's accounts) acts in lockstep without being inauthentic; check declared ownership.",
    'Automation is not deception: news aggregators and feed bots repost the same sources within seconds and pair with each other.',
    'Co-action shows that accounts act together, not who directs them; attribution needs other evidence.',
  ];
  if (layers.includes('co-hashtag') || layers.includes('co-hashtag-set'))
    out.push(
      'Hashtags: activists and fandoms adopt the same tags during live events; co-hashtag edges are weaker than co-repost or co-link edges.',
    );
  const capped = summaries.filter((s) => (s.stats?.cappedObjects ?? 0) > 0);
  if (capped.length)
    out.push(
      `Objects with more than ${o.maxAccountsPerObject} actions inside one window were left out (${capped.map((s) => `${s.layer}: ${s.stats!.cappedObjects}`).join(', ')}); co-actions on them are not counted.`,
    );
  if (summaries.some((s) => (s.stats?.wholeMinuteShare ?? 0) >= 0.99))
    out.push('Timestamps are whole minutes: time deltas are only known to the minute.');
  return out;
}

/** Build one finding per community (largest first) and the graph they come from. */
export async function buildFindings(
  ctx: DetectorContext,
  detector: { name: string; version: string },
  o: CoordinationOptions,
  edges: AccountEdge[],
  groups: string[][],
  summaries: LayerSummary[],
  growth: Map<string, GrowthEvidence> = new Map(),
  co?: Partial<Pick<CoactionSession, 'sharedObjectsOfGroups'>>,
): Promise<{ findings: Finding[]; graph: CoordinationGraph }> {
  const clusterOf = new Map<string, number>();
  groups.forEach((m, i) => m.forEach((k) => clusterOf.set(k, i + 1)));
  const byCluster = new Map<number, AccountEdge[]>();
  for (const e of edges) {
    const ca = clusterOf.get(e.a);
    if (ca !== undefined && ca === clusterOf.get(e.b)) {
      if (!byCluster.has(ca)) byCluster.set(ca, []);
      byCluster.get(ca)!.push(e);
    }
  }
  const windowOf = new Map(summaries.map((s) => [s.layer, s.windowSeconds]));
  const objectLayers = new Set(OBJECT_LAYER_DEFS.map((d) => d.layer));
  const findings: Finding[] = [];
  const clusters: CoordinationCluster[] = [];
  const createdAt = new Date().toISOString();
  // Per cluster, its layers by number of edges; evidence comes from its first four object layers.
  const layersOf = groups.map((_, i) => {
    const layerCounts = new Map<string, { edges: number; minQ: number; objects: number }>();
    for (const e of byCluster.get(i + 1) ?? [])
      for (const l of e.layers) {
        const c = layerCounts.get(l.layer) ?? { edges: 0, minQ: 1, objects: 0 };
        c.edges++;
        c.minQ = Math.min(c.minQ, l.qValue ?? 1);
        c.objects = Math.max(c.objects, l.count);
        layerCounts.set(l.layer, c);
      }
    const layers = [...layerCounts.keys()].sort(
      (x, y) => layerCounts.get(y)!.edges - layerCounts.get(x)!.edges || (x < y ? -1 : 1),
    );
    return { layerCounts, layers };
  });
  const evidenceLayersOf = layersOf.map((c) => c.layers.filter((l) => objectLayers.has(l)).slice(0, 4));
  const sharedQuery = (layer: string) => ({
    layer: storeLayerOf(layer),
    windowMs: (windowOf.get(layer) ?? 60) * 1000,
    limitObjects: o.evidenceObjects,
    limitActionsPerObject: 25,
  });
  // With a store session, one pass per layer for all clusters (same objects as one call each).
  const prefetched = new Map<string, SharedObject[]>();
  if (co?.sharedObjectsOfGroups)
    for (const layer of new Set(evidenceLayersOf.flat())) {
      const idx = groups.map((_, i) => i).filter((i) => evidenceLayersOf[i].includes(layer));
      const r = await co.sharedObjectsOfGroups({ ...sharedQuery(layer), groups: idx.map((i) => groups[i]) });
      idx.forEach((i, j) => prefetched.set(`${i}\u0000${layer}`, r[j]));
    }
  for (let i = 0; i < groups.length; i++) {
    const members = groups[i];
    const cEdges = byCluster.get(i + 1) ?? [];
    const { layerCounts, layers } = layersOf[i];
    const id = findingId(detector.name, KIND, members.join(','));
    clusters.push({ id: i + 1, findingId: id, members, edges: cEdges, layers });

    // Evidence: the objects most members shared, per object layer, with times and deltas.
    const shared: Record<string, SharedObjectEvidence[]> = {};
    const evidence: EvidenceRef[] = [];
    const samplePosts = new Set<string>();
    for (const layer of evidenceLayersOf[i]) {
      const objs =
        prefetched.get(`${i}\u0000${layer}`) ??
        (await ctx.store.sharedObjects({ ...sharedQuery(layer), accounts: members }));
      shared[layer] = objs.map(describeShared);
      for (const ob of objs) {
        if (POST_OBJECT_LAYERS.has(storeLayerOf(layer)))
          evidence.push({
            table: 'posts',
            key: ob.object,
            role: 'shared object',
            note: `${layer}: ${ob.accounts} members`,
          });
        for (const a of ob.actions.slice(0, 3)) samplePosts.add(a.postKey);
      }
    }
    for (const p of [...samplePosts].slice(0, 30))
      evidence.push({ table: 'posts', key: p, role: 'sample post' });
    for (const m of members.slice(0, o.evidenceMembers))
      evidence.push({ table: 'accounts', key: m, role: 'member' });

    const accounts = await ctx.store.accountsByKey(members);
    const creation = creationSpread(
      accounts.map((a) => a.createdAt ?? NaN),
      members.length,
    );
    const platforms = [...new Set(members.map((m) => m.slice(0, m.indexOf(':'))))].sort();
    const techniques = new Set(CLUSTER_TECHNIQUES);
    for (const l of layers)
      for (const t of OBJECT_LAYER_DEFS.find((d) => d.layer === l)?.techniques ?? []) techniques.add(t);
    if (platforms.length > 1) techniques.add('T0119.002');
    const confidence = clusterConfidence(members, cEdges, growth);
    const joined = members.filter((m) => growth.has(m));
    const top = layers[0];
    const topC = top ? layerCounts.get(top)! : null;
    const possible = (members.length * (members.length - 1)) / 2;
    const creationText =
      'spreadDays' in creation
        ? `account creation dates span ${(creation.spreadDays as number).toFixed(1)} days (${creation.known} of ${members.length} known)`
        : 'account creation dates unknown';
    findings.push({
      id,
      kind: KIND,
      channel: 'coordination',
      title: `${members.length} accounts acting in lockstep (${layers.join(', ') || 'no layer'})`,
      summary:
        `${members.length} accounts linked by ${cEdges.length} account pairs whose co-actions are improbable under the null model ` +
        `(Benjamini-Hochberg FDR ${o.fdr}). ` +
        (topC
          ? `Strongest layer ${top}: ${topC.edges} pairs, up to ${topC.objects} shared objects per pair within ${windowOf.get(top) ?? '?'} s, smallest q ${topC.minQ.toExponential(2)}. `
          : '') +
        `${creationText}.` +
        (joined.length
          ? ` ${joined.length} of the members joined through the group test (acting on the cluster's own objects within minutes of its members).`
          : ''),
      severity: severityFor(members.length, layers.length),
      confidence,
      confidenceMethod:
        "One minus the largest, over members, of the member's smallest Benjamini-Hochberg q-value to another member " +
        '(for members added by the group test, their group-test q-value). ' +
        'A q-value bounds the expected share of false edges among edges at least as strong, so this is the assurance ' +
        'for the weakest-linked member; it assumes the null model (popularity-stratified configuration model with each ' +
        "object's own timing, Poisson counts) holds for organic accounts.",
      detector: { name: detector.name, version: detector.version, parameters: { ...o } },
      evidence,
      techniques: [...techniques].sort(),
      caveats: caveats(o, layers, summaries),
      details: {
        size: members.length,
        members,
        platforms,
        layers: Object.fromEntries(
          layers.map((l) => [l, { ...layerCounts.get(l)!, windowSeconds: windowOf.get(l) ?? null }]),
        ),
        pairs: cEdges.length,
        joinedByGroupTest: joined.map((m) => ({ account: m, ...growth.get(m)!, group: undefined })),
        density: possible > 0 ? cEdges.length / possible : 0,
        sharedObjects: shared,
        creation,
        strongestPairs: [...cEdges]
          .sort((x, y) => x.minQ - y.minQ || y.weight - x.weight)
          .slice(0, 10)
          .map((e) => ({
            a: e.a,
            b: e.b,
            layers: e.layers.map((l) => ({
              layer: l.layer,
              count: l.count,
              expected: l.expected,
              pValue: l.pValue,
              log10P: l.logPValue !== undefined ? l.logPValue / Math.LN10 : undefined,
              qValue: l.qValue,
              meanDeltaSeconds: l.meanDeltaSeconds,
            })),
          })),
      },
      createdAt,
    });
  }
  return { findings, graph: { edges, clusters, clusterOf } };
}
