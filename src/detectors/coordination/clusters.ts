/**
 * How other detectors read the coordination detector's clusters: one definition of the
 * finding's kind and members, so a renamed kind cannot silently leave them with no clusters.
 */
import type { Finding } from '../../findings/finding.js';
import type { Store } from '../../store/store.js';

export const COORDINATION_DETECTOR = 'coordination';
export const CLUSTER_KIND = 'coordinated-cluster';

export interface StoredCluster {
  finding: Finding;
  /** Account keys `platform:account_id`. */
  members: string[];
}

export function isCoordinationCluster(f: Finding): boolean {
  return f.detector.name === COORDINATION_DETECTOR && f.kind === CLUSTER_KIND;
}

export function clusterMembers(f: Finding): string[] {
  const m = f.details?.members;
  return Array.isArray(m) ? m.filter((x): x is string => typeof x === 'string') : [];
}

/** The stored clusters with at least one member, in finding-id order (deterministic). */
export async function storedClusters(store: Store): Promise<StoredCluster[]> {
  return (await store.listFindings({ kind: CLUSTER_KIND }))
    .filter(isCoordinationCluster)
    .map((finding) => ({ finding, members: clusterMembers(finding) }))
    .filter((c) => c.members.length > 0)
    .sort((a, b) => (a.finding.id < b.finding.id ? -1 : a.finding.id > b.finding.id ? 1 : 0));
}
