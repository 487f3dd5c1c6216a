/**
 * What is known about one narrative in a workspace: volume over time, the earliest posts
 * (origin candidates), the coordination clusters whose members carried it, the domains its
 * posts link, and its spread across languages and platforms.
 */
import { storedClusters } from '../detectors/coordination/clusters.js';
import type { Finding } from '../findings/finding.js';
import type { Store } from '../store/store.js';
import type {
  NarrativeBreakdown,
  NarrativePost,
  NarrativeSummary,
  SeriesPoint,
} from '../store/narratives.js';

export interface CarryingCluster {
  findingId: string;
  title: string;
  /** Cluster size. */
  size: number;
  /** Cluster members (account keys) with at least one matched post. */
  carriers: string[];
  /** Matched posts by those members. */
  posts: number;
  /** Epoch ms of the first matched post by a member. */
  first: number;
  /** Share of the narrative's matched posts made by this cluster's members. */
  shareOfPosts: number;
}

export interface NarrativeReport {
  summary: NarrativeSummary;
  hourly: SeriesPoint[];
  daily: SeriesPoint[];
  /** Earliest matched posts that are not reposts: candidates for where it started. */
  origins: NarrativePost[];
  clusters: CarryingCluster[];
  breakdown: NarrativeBreakdown;
  /** Matched posts that are also in near-duplicate groups (copy-paste). */
  nearDup: { posts: number; groups: number; accounts: number };
  /** Peak hour (most matched posts). */
  peak: SeriesPoint | null;
}

export interface ReportOptions {
  /** Origin candidates listed. */
  origins: number;
  /** A cluster carries the narrative when at least this many of its members posted it. */
  minCarriers: number;
}

export const REPORT_DEFAULTS: Readonly<ReportOptions> = Object.freeze({ origins: 5, minCarriers: 2 });

/** Coordination clusters stored in the workspace. */
export async function coordinationClusters(store: Store): Promise<{ finding: Finding; members: string[] }[]> {
  return storedClusters(store);
}

/** The report of narrative `id`; null when no such narrative is stored. */
export async function narrativeReport(
  store: Store,
  id: string,
  options: Partial<ReportOptions> = {},
  clusters?: { finding: Finding; members: string[] }[],
): Promise<NarrativeReport | null> {
  const o = { ...REPORT_DEFAULTS, ...options };
  const ns = store.narratives();
  const summary = (await ns.summaries()).find((s) => s.id === id);
  if (!summary) return null;
  const accounts = await ns.accounts(id);
  const byAccount = new Map(accounts.map((a) => [a.account, a]));
  const carrying: CarryingCluster[] = [];
  for (const c of clusters ?? (await coordinationClusters(store))) {
    const carriers = c.members.filter((m) => byAccount.has(m));
    if (carriers.length < o.minCarriers) continue;
    let posts = 0;
    let first = Infinity;
    for (const m of carriers) {
      const a = byAccount.get(m)!;
      posts += a.posts;
      first = Math.min(first, a.first);
    }
    carrying.push({
      findingId: c.finding.id,
      title: c.finding.title,
      size: c.members.length,
      carriers,
      posts,
      first,
      shareOfPosts: summary.posts ? posts / summary.posts : 0,
    });
  }
  carrying.sort((a, b) => b.posts - a.posts || a.first - b.first || (a.findingId < b.findingId ? -1 : 1));
  const hourly = await ns.series(id, 'hour');
  let peak: SeriesPoint | null = null;
  for (const p of hourly) if (!peak || p.posts > peak.posts) peak = p;
  return {
    summary,
    hourly,
    daily: await ns.series(id, 'day'),
    origins: await ns.earliestPosts(id, o.origins),
    clusters: carrying,
    breakdown: await ns.breakdown(id),
    nearDup: await ns.nearDupOverlap(id),
    peak,
  };
}
