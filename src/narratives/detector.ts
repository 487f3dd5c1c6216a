/**
 * Detector `narratives` (channel `narratives`): for every narrative stored in the workspace
 * (by `vigie narratives match --file`), match the posts again (so new ingests are counted),
 * then one finding per narrative with matched posts: volume, origin candidates, the
 * coordination clusters that carried it, domains, languages, platforms, evidence posts and
 * DISARM tags where they fit.
 *
 * Runs after `coordination` (src/detectors/index.ts) so that the clusters it reads are fresh.
 */
import { findingId, type EvidenceRef, type Finding, type Severity } from '../findings/finding.js';
import type { DetectResult, Detector, DetectorContext } from '../detectors/types.js';
import { fromStored, matchWorkspace } from './match.js';
import { coordinationClusters, narrativeReport, type NarrativeReport } from './report.js';
import type { NarrativeDefinition } from './definition.js';

export interface NarrativesDetectorOptions {
  /** Match the stored definitions again before reporting (false: use the stored matches). */
  rematch: boolean;
  /** Origin candidates per narrative. */
  origins: number;
  /** Cluster members that must have posted the narrative for the cluster to carry it. */
  minCarriers: number;
  /** Narratives with fewer matched posts get no finding. */
  minPosts: number;
  /** Matched posts in near-duplicate groups, by distinct accounts, that tag the narrative as copypasta. */
  copypastaAccounts: number;
}

export const NARRATIVES_DETECTOR_DEFAULTS: Readonly<NarrativesDetectorOptions> = Object.freeze({
  rematch: true,
  origins: 5,
  minCarriers: 2,
  minPosts: 1,
  copypastaAccounts: 3,
});

/** DISARM techniques the detector itself can attach (validated against the framework in tests). */
export const NARRATIVE_TECHNIQUES = Object.freeze({
  /** Flood Information Space: coordinated clusters carried the narrative. */
  flooding: 'T0049',
  /** Use Copypasta: the same text, near-duplicated, by several accounts. */
  copypasta: 'T0084.001',
});

export const NARRATIVE_CAVEATS = [
  'Keyword matching finds mentions, not endorsements: debunks, quotes, reporting and satire that use the same words are counted.',
  'The earliest matched post in this workspace is a candidate origin only: collection may start later, posts may have been deleted, and the narrative may have started on another platform or offline.',
  'A cluster "carries" the narrative when at least two of its members posted matching text; it does not show that the cluster created it.',
  'Normalisation folds Latin look-alike letters of Cyrillic and Greek, so an unrelated word in those scripts can occasionally match a Latin term.',
];

function severityOf(r: NarrativeReport): Severity {
  const share = r.clusters.reduce((a, c) => a + c.shareOfPosts, 0);
  if (r.clusters.length === 0) return 'info';
  if (share < 0.1) return 'low';
  if (share < 0.3) return 'medium';
  return 'high';
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The finding for one narrative's report. */
export function narrativeFinding(
  def: Pick<NarrativeDefinition, 'id' | 'name' | 'techniques'>,
  r: NarrativeReport,
  o: NarrativesDetectorOptions,
  clusterConfidence: Map<string, number>,
  version: string,
): Finding {
  const s = r.summary;
  const origin = r.origins[0] ?? null;
  const techniques = new Set(def.techniques);
  if (r.clusters.length) techniques.add(NARRATIVE_TECHNIQUES.flooding);
  if (r.nearDup.accounts >= o.copypastaAccounts) techniques.add(NARRATIVE_TECHNIQUES.copypasta);
  const evidence: EvidenceRef[] = r.origins.map((p, i) => ({
    table: 'posts',
    key: `${p.platform}:${p.postId}`,
    role: i === 0 ? 'origin candidate (earliest matched post)' : 'early post',
    note: p.domains.length ? `links ${p.domains.join(', ')}` : undefined,
  }));
  for (const c of r.clusters)
    evidence.push({ table: 'findings', key: c.findingId, role: 'carrying cluster' });
  const langs = r.breakdown.languages.map((l) => `${l.key} ${l.posts}`).join(', ');
  const clusterShare = r.clusters.reduce((a, c) => a + c.shareOfPosts, 0);
  const confidence = r.clusters.length
    ? Math.max(...r.clusters.map((c) => clusterConfidence.get(c.findingId) ?? 0.5))
    : 0.3;
  const summary =
    `${s.posts} posts by ${s.accounts} accounts matched "${def.name}" from ${iso(s.firstPost!)} to ${iso(s.lastPost!)}` +
    (r.peak ? `, peaking at ${r.peak.posts} posts in the hour from ${iso(r.peak.start)}` : '') +
    `. Languages: ${langs || 'none'}; platforms: ${r.breakdown.platforms.map((p) => p.key).join(', ')}.` +
    (origin
      ? ` Earliest post ${origin.platform}:${origin.postId} by ${origin.platform}:${origin.accountId}` +
        (origin.domains.length ? ` linking ${origin.domains.join(', ')}` : '') +
        '.'
      : '') +
    (r.clusters.length
      ? ` ${r.clusters.length} coordination cluster(s) carried it (${r.clusters.reduce((a, c) => a + c.carriers.length, 0)} members, ${(clusterShare * 100).toFixed(0)} % of matched posts), the first ${origin ? `${((r.clusters[0].first - origin.time) / 3_600_000).toFixed(1)} h after the earliest post` : ''}.`
      : ' No coordination cluster carried it.') +
    (r.breakdown.domains.length
      ? ` Domains linked: ${r.breakdown.domains
          .slice(0, 5)
          .map((d) => `${d.key} (${d.posts})`)
          .join(', ')}.`
      : '');
  return {
    id: findingId('narratives', 'narrative', def.id),
    kind: 'narrative',
    channel: 'narratives',
    title: `Narrative "${def.name}": ${s.posts} posts by ${s.accounts} accounts${r.clusters.length ? `, carried by ${r.clusters.length} coordinated cluster(s)` : ''}`,
    summary,
    severity: severityOf(r),
    confidence,
    confidenceMethod:
      'With carrying clusters: the highest confidence among the coordination clusters whose members posted the narrative ' +
      '(their statistical assurance; the narrative match itself is a keyword match, not a probability). ' +
      'Without: 0.3, a fixed low value, since matched mentions alone show volume, not coordination or intent.',
    detector: { name: 'narratives', version, parameters: { ...o } },
    evidence,
    techniques: [...techniques].sort(),
    caveats: NARRATIVE_CAVEATS,
    details: {
      narrativeId: def.id,
      name: def.name,
      sourceFile: s.sourceFile,
      posts: s.posts,
      accounts: s.accounts,
      firstPost: s.firstPost === null ? null : iso(s.firstPost),
      lastPost: s.lastPost === null ? null : iso(s.lastPost),
      daily: r.daily.map((p) => ({ day: iso(p.start).slice(0, 10), posts: p.posts, accounts: p.accounts })),
      peakHour: r.peak ? { start: iso(r.peak.start), posts: r.peak.posts } : null,
      origins: r.origins.map((p) => ({
        post: `${p.platform}:${p.postId}`,
        account: `${p.platform}:${p.accountId}`,
        time: iso(p.time),
        lang: p.lang,
        kind: p.kind,
        urls: p.urls,
        domains: p.domains,
        terms: p.terms,
      })),
      clusters: r.clusters.map((c) => ({
        findingId: c.findingId,
        size: c.size,
        carriers: c.carriers,
        posts: c.posts,
        first: iso(c.first),
        lagFromOriginHours: origin ? (c.first - origin.time) / 3_600_000 : null,
        shareOfPosts: c.shareOfPosts,
      })),
      domains: r.breakdown.domains.slice(0, 30),
      languages: r.breakdown.languages,
      platforms: r.breakdown.platforms,
      kinds: r.breakdown.kinds,
      nearDuplicates: r.nearDup,
    },
    createdAt: new Date().toISOString(),
  };
}

export const narrativesDetector: Detector<NarrativesDetectorOptions> = {
  name: 'narratives',
  version: '0.1.0',
  channel: 'narratives',
  description:
    'one finding per stored narrative (vigie narratives match --file): volume, origin candidates, carrying clusters, domains, languages',
  defaults: NARRATIVES_DETECTOR_DEFAULTS,
  async detect(ctx: DetectorContext, options?: Partial<NarrativesDetectorOptions>): Promise<DetectResult> {
    const o = { ...NARRATIVES_DETECTOR_DEFAULTS, ...options };
    const ns = ctx.store.narratives();
    const stored = await ns.storedNarratives();
    if (stored.length === 0)
      return {
        findings: [],
        messages: [
          'no narratives defined in this workspace: run `vigie narratives match --file <narratives.yaml>` first',
        ],
        stats: {},
      };
    const defs = fromStored(stored);
    const messages: string[] = [];
    const stats: Record<string, number> = { narratives: defs.length };
    if (o.rematch) {
      const m = await matchWorkspace(ctx.store, defs, { log: ctx.log });
      stats.postsMatched = m.posts;
      stats.matches = m.matches;
      stats.postsPerSecond = Math.round(m.postsPerSecond);
    }
    const clusters = await coordinationClusters(ctx.store);
    const conf = new Map(clusters.map((c) => [c.finding.id, c.finding.confidence]));
    const findings: Finding[] = [];
    for (const def of defs) {
      const r = await narrativeReport(
        ctx.store,
        def.id,
        { origins: o.origins, minCarriers: o.minCarriers },
        clusters,
      );
      if (!r || r.summary.posts < o.minPosts) {
        messages.push(`narrative ${def.id}: ${r?.summary.posts ?? 0} matched posts, no finding`);
        continue;
      }
      findings.push(narrativeFinding(def, r, o, conf, narrativesDetector.version));
    }
    stats.findings = findings.length;
    return { findings, messages, stats };
  },
};
