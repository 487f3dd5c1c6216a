/**
 * The narrative part of `vigie demo`: the planted smear (src/synth/smear.ts) scored against
 * the answer key: was the narrative found, is its earliest post the outlet's, do its
 * carriers include the planted swarm, which domains did it link.
 */
import { projectPath } from '../util/paths.js';
import type { Finding } from '../findings/finding.js';
import type { SmearTruth } from '../synth/smear.js';

/** data/narratives/demo-smear.yaml of this installation. */
export function demoSmearFile(): string {
  return projectPath('data', 'narratives', 'demo-smear.yaml');
}

export interface SmearScore {
  found: boolean;
  findingId: string | null;
  /** Planted smear posts (outlet, swarm, organic) among the matched posts' evidence count. */
  matchedPosts: number;
  plantedPosts: number;
  /** The earliest matched post is the outlet's first post. */
  originIsOutlet: boolean;
  originPost: string | null;
  /** Share of the planted swarm's accounts among the carriers of all carrying clusters. */
  swarmRecall: number;
  /** Share of all carrying clusters' carriers that are planted swarm accounts. */
  carrierPrecision: number;
  carryingClusters: number;
  /** Carrying cluster holding most swarm accounts, with its share of planted accounts. */
  bestCluster: { findingId: string; carriers: number; swarmAccounts: number; precision: number } | null;
  domainsFound: string[];
  domainsMissed: string[];
}

interface Details {
  narrativeId?: string;
  posts?: number;
  origins?: { post: string }[];
  clusters?: { findingId: string; carriers: string[] }[];
  domains?: { key: string }[];
}

/** Score the `narratives` findings against the smear of the answer key. */
export function scoreSmear(truth: SmearTruth, findings: Finding[]): SmearScore {
  const f = findings.find(
    (x) =>
      x.detector.name === 'narratives' &&
      (x.details as Details | undefined)?.narrativeId === truth.narrativeId,
  );
  const d = (f?.details ?? {}) as Details;
  const swarm = new Set(truth.swarmAccountIds);
  let best: SmearScore['bestCluster'] = null;
  const carriers = new Set<string>();
  for (const c of d.clusters ?? []) {
    const ids = c.carriers.map((k) => k.replace(/^[^:]+:/, ''));
    for (const a of ids) carriers.add(a);
    const inSwarm = ids.filter((a) => swarm.has(a)).length;
    if (!best || inSwarm > best.swarmAccounts)
      best = {
        findingId: c.findingId,
        carriers: ids.length,
        swarmAccounts: inSwarm,
        precision: ids.length ? inSwarm / ids.length : 0,
      };
  }
  const origin = d.origins?.[0]?.post ?? null;
  const domains = new Set((d.domains ?? []).map((x) => x.key));
  const wanted = [...truth.stateMediaDomains, ...truth.cloneDomains];
  return {
    found: !!f,
    findingId: f?.id ?? null,
    matchedPosts: d.posts ?? 0,
    plantedPosts: truth.postIds.length,
    originIsOutlet: origin !== null && origin.replace(/^[^:]+:/, '') === truth.originPostId,
    originPost: origin,
    swarmRecall: [...carriers].filter((a) => swarm.has(a)).length / Math.max(1, swarm.size),
    carrierPrecision: carriers.size ? [...carriers].filter((a) => swarm.has(a)).length / carriers.size : 0,
    carryingClusters: (d.clusters ?? []).length,
    bestCluster: best,
    domainsFound: wanted.filter((x) => domains.has(x)),
    domainsMissed: wanted.filter((x) => !domains.has(x)),
  };
}

/** Lines for the demo's output. */
export function formatSmearScore(s: SmearScore, truth: SmearTruth): string[] {
  if (!s.found) return [`The planted smear narrative ${truth.narrativeId} was NOT found.`];
  return [
    `Planted smear "${truth.narrativeId}": found, ${s.matchedPosts} matched posts (${s.plantedPosts} planted; organic reposts add to them).`,
    `  origin: earliest matched post ${s.originPost} ${s.originIsOutlet ? 'is' : 'is NOT'} the outlet's (@${truth.outlet.handle}, ${truth.originTime}).`,
    s.bestCluster
      ? `  carriers: ${s.carryingClusters} coordination cluster(s) carry it; their carriers hold ${Math.round(s.swarmRecall * truth.swarmAccountIds.length)} of the ${truth.swarmAccountIds.length} planted swarm accounts (recall ${s.swarmRecall.toFixed(2)}, precision ${s.carrierPrecision.toFixed(2)}; best single cluster ${s.bestCluster.swarmAccounts}).`
      : `  carriers: no coordination cluster carries it (the planted swarm of ${truth.swarmAccountIds.length} accounts was not found as a cluster).`,
    `  domains: ${s.domainsFound.join(', ') || 'none'} found${s.domainsMissed.length ? `; missed ${s.domainsMissed.join(', ')}` : ''} (state media ${truth.stateMediaDomains.join(', ')}, look-alike ${truth.cloneDomains.join(', ')}).`,
  ];
}
