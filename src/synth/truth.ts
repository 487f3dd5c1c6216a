/**
 * Ground truth of a synthetic week, and helpers to score detected clusters of accounts
 * against it.
 */
import type { HardNegative, SwarmTruth } from './plan.js';
import type { WeekEvent } from './calendar.js';
import type { SmearTruth } from './smear.js';

/** Everything planted in a generated week (written as `<name>.truth.json`). */
export interface GroundTruth {
  generator: 'vigie-synth';
  /** Bumped when the same options would generate different output. */
  version: number;
  seed: number;
  platform: 'x';
  /** The resolved options that generated the week. */
  options: Record<string, unknown>;
  period: { start: string; end: string };
  events: { name: string; title: string; start: string; end: string; hashtags: string[] }[];
  swarms: SwarmTruth[];
  /** Organic look-alikes of coordination (crowds reposting the same viral posts within minutes). */
  hardNegatives: HardNegative[];
  /** The planted smear narrative (only when the `smear` option was on). */
  smear?: SmearTruth;
}

export function eventsTruth(events: WeekEvent[]): GroundTruth['events'] {
  return events.map((e) => ({
    name: e.name,
    title: e.title,
    start: new Date(e.start).toISOString(),
    end: new Date(e.end).toISOString(),
    hashtags: e.hashtags,
  }));
}

/**
 * Swarm id of each planted account (`accountId -> swarm id`). Accounts not in the map are
 * organic.
 *
 * @example swarmLabels(truth).get('862...') === 'swarm-03'
 */
export function swarmLabels(truth: GroundTruth): Map<string, string> {
  const m = new Map<string, string>();
  for (const s of truth.swarms) for (const a of s.accountIds) m.set(a, s.id);
  return m;
}

export interface SwarmScore {
  id: string;
  style: string;
  size: number;
  /** Members found in any detected cluster. */
  recall: number;
  /** Best Jaccard similarity between the swarm and one detected cluster. */
  bestJaccard: number;
  /** Index of that cluster in the input, -1 when none overlaps. */
  bestCluster: number;
}

export interface ClusterScore {
  /** Flagged accounts (in any cluster) that are swarm members. */
  precision: number;
  /** Swarm members that were flagged. */
  recall: number;
  f1: number;
  flagged: number;
  truePositives: number;
  /** Flagged organic accounts. */
  falsePositives: number;
  /** Clusters whose members are mostly (> 50 %) from one swarm. */
  pureClusters: number;
  perSwarm: SwarmScore[];
}

/**
 * Score detected clusters (lists of account ids, as in the output files) against the truth:
 * account-level precision and recall, and how well each swarm is recovered as one cluster.
 */
export function scoreClusters(truth: GroundTruth, clusters: readonly (readonly string[])[]): ClusterScore {
  const label = swarmLabels(truth);
  const flagged = new Set<string>();
  for (const c of clusters) for (const a of c) flagged.add(a);
  let tp = 0;
  for (const a of flagged) if (label.has(a)) tp++;
  const members = label.size;
  const precision = flagged.size ? tp / flagged.size : members ? 0 : 1;
  const recall = members ? tp / members : 1;
  const sets = clusters.map((c) => new Set(c));
  let pure = 0;
  for (const c of sets) {
    const counts = new Map<string, number>();
    for (const a of c) {
      const l = label.get(a);
      if (l) counts.set(l, (counts.get(l) ?? 0) + 1);
    }
    if (Math.max(0, ...counts.values()) > c.size / 2) pure++;
  }
  const perSwarm = truth.swarms.map((s) => {
    let found = 0;
    for (const a of s.accountIds) if (flagged.has(a)) found++;
    let best = 0;
    let bestCluster = -1;
    sets.forEach((c, i) => {
      let inter = 0;
      for (const a of s.accountIds) if (c.has(a)) inter++;
      const j = inter / (c.size + s.accountIds.length - inter);
      if (inter > 0 && j > best) {
        best = j;
        bestCluster = i;
      }
    });
    return {
      id: s.id,
      style: s.style,
      size: s.accountIds.length,
      recall: s.accountIds.length ? found / s.accountIds.length : 1,
      bestJaccard: best,
      bestCluster,
    };
  });
  return {
    precision,
    recall,
    f1: precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0,
    flagged: flagged.size,
    truePositives: tp,
    falsePositives: flagged.size - tp,
    pureClusters: pure,
    perSwarm,
  };
}
