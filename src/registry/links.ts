/**
 * What the two registry detectors read besides posts: coordination clusters, narratives
 * (when that detector has run), the binomial tail used to say "beyond the base rate", and
 * the extra list files named in the environment for `vigie detect` / `vigie analyze`.
 */
import { storedClusters } from '../detectors/coordination/clusters.js';
import { delimiter } from 'node:path';
import type { Finding } from '../findings/finding.js';
import type { Store } from '../store/store.js';
import { lnFactorial } from '../detectors/coordination/stats.js';

export interface Cluster {
  findingId: string;
  title: string;
  members: string[];
}

/** Coordination clusters already stored. */
export async function coordinationClusters(store: Store): Promise<Cluster[]> {
  return (await storedClusters(store)).map((c) => ({
    findingId: c.finding.id,
    title: c.finding.title,
    members: c.members,
  }));
}

export interface NarrativeRef {
  findingId: string;
  title: string;
  kind: string;
  /** Evidence post keys (`platform:post_id`). */
  posts: Set<string>;
  /** Domains or hosts the narrative finding names in `details.domains` / `details.registryDomains`. */
  domains: Set<string>;
}

/**
 * Findings of the `narratives` detector, if it has run; an empty list otherwise (the
 * narratives channel is optional for the registry detectors).
 */
export async function narrativeRefs(store: Store): Promise<NarrativeRef[]> {
  const fs: Finding[] = await store.listFindings({ channel: 'narratives' });
  return fs
    .filter((f) => f.detector.name === 'narratives')
    .map((f) => {
      const d = f.details ?? {};
      const domains = new Set<string>();
      for (const k of ['domains', 'registryDomains', 'lookalikeDomains']) {
        const v = d[k];
        if (Array.isArray(v))
          for (const x of v) {
            if (typeof x === 'string') domains.add(x.toLowerCase());
            else if (x && typeof x === 'object' && typeof (x as { domain?: unknown }).domain === 'string')
              domains.add((x as { domain: string }).domain.toLowerCase());
          }
      }
      return {
        findingId: f.id,
        title: f.title,
        kind: f.kind,
        posts: new Set(f.evidence.filter((e) => e.table === 'posts').map((e) => e.key)),
        domains,
      };
    });
}

/**
 * ln P(X >= k) for X ~ Binomial(n, p): how surprising k listed links out of n are at the
 * workspace's base rate p. Summed in log space from k upwards (terms shrink fast past the
 * mode), so n in the millions stays exact enough and cheap.
 */
export function logBinomialTail(k: number, n: number, p: number): number {
  if (k <= 0) return 0;
  if (k > n) return -Infinity;
  if (p <= 0) return -Infinity;
  if (p >= 1) return 0;
  const lp = Math.log(p);
  const lq = Math.log1p(-p);
  const lnN = lnFactorial(n);
  const term = (j: number) => lnN - lnFactorial(j) - lnFactorial(n - j) + j * lp + (n - j) * lq;
  let max = -Infinity;
  const terms: number[] = [];
  for (let j = k; j <= n; j++) {
    const t = term(j);
    terms.push(t);
    if (t > max) max = t;
    if (j > n * p && t < max - 40) break;
  }
  let s = 0;
  for (const t of terms) s += Math.exp(t - max);
  return Math.min(0, max + Math.log(s));
}

/** Files named in an environment variable (separated like PATH); empty when unset. */
export function envFiles(name: string): string[] {
  const v = process.env[name];
  return v ? v.split(delimiter).filter(Boolean) : [];
}
