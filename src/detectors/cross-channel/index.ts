/**
 * The `cross-channel` detector: links findings of different channels, each link a finding that
 * carries both sides' evidence.
 *
 * - `shared-domain`: a domain named by a non-social finding (infrastructure, leaks, narratives:
 *   look-alike or phishing domains, attack infrastructure) is posted by members of a
 *   coordinated cluster. With `brands`, domains the cluster posts that the look-alike engine
 *   (src/attacks/lookalike) flags as imitations of a protected brand are linked too
 *   (`lookalike-pushed`).
 * - `leak-push`: after a dump's publication time (`leakDate` in the leaks sub-store), a burst
 *   of posts linking the leak (its URLs, domains or hashtags) - the #MacronLeaks pattern: the
 *   dump went up around 20:35 CEST on 5 May 2017 and 47,000 tweets followed in 3.5 hours.
 *   The burst is measured against the rate of the same links in the hours before.
 * - `narrative-carried`: a narrative first seen at a registry outlet (findings of channel
 *   `narratives`, e.g. detectors `narratives` and `state-media`) then posted by a cluster.
 *
 * It reads other findings through generic fields only (`details.members`, domains/urls/
 * hashtags anywhere in `details`, `details.firstTime`/`firstSeen`), so it works with whatever
 * detectors ran and says so when a side is missing.
 */
import { clusterMembers, isCoordinationCluster } from '../coordination/clusters.js';
import { parse as parseDomain } from 'tldts';
import type { Detector, DetectResult, DetectorContext } from '../types.js';
import { findingId, type EvidenceRef, type Finding } from '../../findings/finding.js';
import type { PostMatch } from '../../store/interchange.js';
import { findLookalikes } from '../../attacks/lookalike/index.js';
import { observablesOf } from '../../export/stix/observables.js';

export interface CrossChannelOptions {
  /** Hours after a leak's publication in which a push is looked for. */
  leakWindowHours: number;
  /** Hours before publication that give the baseline rate of the same links. */
  baselineHours: number;
  /** A push needs at least this many posts in the window... */
  minPosts: number;
  /** ...from at least this many accounts... */
  minAccounts: number;
  /** ...at a rate at least this many times the baseline rate. */
  burstRatio: number;
  /** Extra leak indicators (apply to every dump): URLs, domains, hashtags. */
  leakUrls: string[];
  leakDomains: string[];
  leakHashtags: string[];
  /** Protected domains for the look-alike check of domains posted by clusters. */
  brands: string[];
  /** A narrative counts as carried when cluster members post it within this many hours. */
  narrativeLagHours: number;
  /** ...in at least this many posts by at least two members. */
  minNarrativePosts: number;
  /** Post evidence rows per finding. */
  maxEvidence: number;
}

export const CROSS_CHANNEL_DEFAULTS: CrossChannelOptions = {
  leakWindowHours: 6,
  baselineHours: 24,
  minPosts: 20,
  minAccounts: 5,
  burstRatio: 5,
  leakUrls: [],
  leakDomains: [],
  leakHashtags: [],
  brands: [],
  narrativeLagHours: 72,
  minNarrativePosts: 3,
  maxEvidence: 50,
};

const NAME = 'cross-channel';
const VERSION = '0.1.0';
const HOUR = 3600_000;

const COMMON_CAVEATS = [
  'a link between channels is a co-occurrence in the data: it does not show that the same people run both sides',
  'popular domains, hashtags and leaks are posted by many genuine users too; the link matters only together with the evidence of coordination on each side',
];

interface Cluster {
  finding: Finding;
  members: Set<string>;
}

function registrable(host: string): string | null {
  const p = parseDomain(host);
  return p.domain && !p.isIp ? p.domain.toLowerCase() : null;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function timeOf(f: Finding): number {
  const d = (f.details ?? {}) as Record<string, unknown>;
  for (const k of ['firstSeen', 'firstTime', 'first', 'start', 'publishedAt']) {
    const v = d[k];
    const t = typeof v === 'number' ? v : typeof v === 'string' ? Date.parse(v) : NaN;
    if (Number.isFinite(t)) return t;
  }
  return Date.parse(f.createdAt);
}

function postRefs(posts: PostMatch[], max: number, role: string): EvidenceRef[] {
  return posts.slice(0, max).map((p) => ({ table: 'posts', key: `${p.platform}:${p.postId}`, role }));
}

const findingRef = (f: Finding, role: string): EvidenceRef => ({
  table: 'findings',
  key: f.id,
  role,
  note: f.title,
});

/** Hashtags a finding names (`details.hashtags`/`hashtag`), case-folded without `#`. */
function hashtagsOf(f: Finding): string[] {
  const d = (f.details ?? {}) as Record<string, unknown>;
  const raw = [d.hashtags, d.hashtag].flatMap((x) =>
    Array.isArray(x) ? x : typeof x === 'string' ? [x] : [],
  );
  return raw
    .filter((x): x is string => typeof x === 'string' && x.length < 140)
    .map((x) => x.replace(/^#/, '').normalize('NFKC').toLowerCase());
}

/** Clusters whose members wrote these posts, with the posts of each. */
function byCluster(posts: PostMatch[], clusters: Cluster[]): { c: Cluster; posts: PostMatch[] }[] {
  return clusters
    .map((c) => ({ c, posts: posts.filter((p) => c.members.has(`${p.platform}:${p.accountId}`)) }))
    .filter((x) => x.posts.length > 0);
}

const lastTime = (posts: PostMatch[]) => posts.reduce((m, p) => Math.max(m, p.time), 0);
const accountsIn = (posts: PostMatch[]) => new Set(posts.map((p) => `${p.platform}:${p.accountId}`)).size;

async function sharedDomains(
  ctx: DetectorContext,
  o: CrossChannelOptions,
  all: Finding[],
  clusters: Cluster[],
): Promise<Finding[]> {
  const out: Finding[] = [];
  const store = ctx.store.interchange();
  const members = [...new Set(clusters.flatMap((c) => [...c.members]))].sort();
  // Domains named by findings outside the social channel.
  const named = new Map<string, Finding[]>();
  for (const f of all) {
    if (f.channel === 'coordination' || f.channel === 'cross-channel' || f.channel === 'ingest') continue;
    for (const ob of observablesOf(f).observables) {
      const host =
        ob.kind === 'url' ? new URL(ob.value).hostname : ob.kind === 'domain-name' ? ob.value : null;
      const reg = host ? registrable(host) : null;
      if (reg)
        named.set(
          reg,
          [...(named.get(reg) ?? []), f].filter((x, i, a) => a.indexOf(x) === i),
        );
    }
  }
  for (const [domain, sources] of [...named.entries()].sort()) {
    const posts = await store.postsMatching({ domains: [domain], accounts: members });
    for (const { c, posts: ps } of byCluster(posts, clusters)) {
      for (const src of sources) {
        const conf = Number((src.confidence * c.finding.confidence).toFixed(3));
        out.push({
          id: findingId(NAME, 'shared-domain', `${domain}|${src.id}|${c.finding.id}`),
          kind: 'shared-domain',
          channel: 'cross-channel',
          title: `${domain}: named by ${src.channel} finding and posted by a coordinated cluster (${accountsIn(ps)} accounts, ${ps.length} posts)`,
          summary: `${src.channel} finding "${src.title}" names ${domain}; ${ps.length} posts by ${accountsIn(ps)} members of cluster "${c.finding.title}" link it, first at ${iso(ps[0].time)}.`,
          severity: src.severity === 'critical' || c.finding.severity === 'critical' ? 'critical' : 'high',
          confidence: conf,
          confidenceMethod:
            "product of the two linked findings' confidences (the link holds only if both do); the domain co-occurrence itself is exact",
          detector: {
            name: NAME,
            version: VERSION,
            parameters: { ...o } as unknown as Record<string, unknown>,
          },
          evidence: [
            findingRef(src, `${src.channel} side`),
            findingRef(c.finding, 'coordination side'),
            ...src.evidence.slice(0, 10),
            ...postRefs(ps, o.maxEvidence, 'post linking the domain'),
          ],
          techniques: [...new Set([...src.techniques, ...c.finding.techniques, 'T0149.003'])].sort(),
          caveats: [
            ...COMMON_CAVEATS,
            'members may post a domain to warn about it or mock it: read the sample posts',
          ],
          details: {
            domain,
            linkedFindings: [src.id, c.finding.id],
            posts: ps.length,
            accounts: accountsIn(ps),
            firstTime: iso(ps[0].time),
            lastTime: iso(lastTime(ps)),
          },
          createdAt: iso(lastTime(ps)),
        });
      }
    }
  }
  if (o.brands.length && members.length) {
    const posts = await store.postsMatching({ accounts: members });
    const domains = [...new Set(posts.flatMap((p) => p.domains))];
    const looks = findLookalikes(domains, o.brands).filter((m) => m.tier !== 'low');
    for (const m of looks) {
      const reg = registrable(m.observed) ?? m.observed;
      if (named.has(reg)) continue; // already linked to a finding above
      const withIt = posts.filter((p) => p.domains.includes(m.observed) || p.domains.includes(reg));
      for (const { c, posts: ps } of byCluster(withIt, clusters)) {
        out.push({
          id: findingId(NAME, 'lookalike-pushed', `${m.observed}|${m.brand}|${c.finding.id}`),
          kind: 'lookalike-pushed',
          channel: 'cross-channel',
          title: `${m.observed}: look-alike of ${m.brand} (${m.tier}) posted by a coordinated cluster (${accountsIn(ps)} accounts)`,
          summary: `${ps.length} posts by ${accountsIn(ps)} members of cluster "${c.finding.title}" link ${m.observed}, which imitates ${m.brand}: ${m.reasons.join('; ')}.`,
          severity: m.tier === 'high' ? 'high' : 'medium',
          confidence: Number((c.finding.confidence * (m.tier === 'high' ? 0.9 : 0.6)).toFixed(3)),
          confidenceMethod:
            'cluster confidence times a prior for the look-alike tier (0.9 high, 0.6 medium; expert priors, not calibrated)',
          detector: {
            name: NAME,
            version: VERSION,
            parameters: { ...o } as unknown as Record<string, unknown>,
          },
          evidence: [
            findingRef(c.finding, 'coordination side'),
            ...postRefs(ps, o.maxEvidence, 'post linking the look-alike'),
          ],
          techniques: ['T0149.003', 'T1583.001'],
          caveats: [
            ...COMMON_CAVEATS,
            'a look-alike name is not proof of phishing: parody, fan and unrelated sites can resemble a brand',
          ],
          details: {
            domain: m.observed,
            brand: m.brand,
            tier: m.tier,
            reasons: m.reasons,
            linkedFindings: [c.finding.id],
            posts: ps.length,
            accounts: accountsIn(ps),
            firstTime: iso(ps[0].time),
            lastTime: iso(lastTime(ps)),
          },
          createdAt: iso(lastTime(ps)),
        });
      }
    }
  }
  return out;
}

async function leakPushes(
  ctx: DetectorContext,
  o: CrossChannelOptions,
  all: Finding[],
  clusters: Cluster[],
  messages: string[],
): Promise<Finding[]> {
  const out: Finding[] = [];
  const dumps = (await ctx.store.leaks().listDumps()).filter((d) => d.leakDate !== null);
  if (!dumps.length) {
    messages.push('no leak with a publication date (vigie leaks ingest --leak-date): leak-push not checked');
    return out;
  }
  for (const d of dumps) {
    const leakDate = d.leakDate!;
    const leakFindings = all.filter(
      (f) =>
        f.detector.name === 'leaks' && (f.detector.parameters as { dumpId?: string }).dumpId === d.dumpId,
    );
    const urls = new Set(o.leakUrls);
    const domains = new Set(o.leakDomains.map((x) => registrable(x) ?? x.toLowerCase()));
    const tags = new Set(o.leakHashtags.map((x) => x.replace(/^#/, '').normalize('NFKC').toLowerCase()));
    // The dump's label as a hashtag (MacronLeaks -> #macronleaks) is how such pushes are named.
    const labelTag = d.label
      .normalize('NFKC')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}_]/gu, '');
    if (labelTag.length >= 4) tags.add(labelTag);
    for (const f of leakFindings) {
      for (const ob of observablesOf(f).observables)
        if (ob.kind === 'url') urls.add(ob.value);
        else if (ob.kind === 'domain-name') domains.add(registrable(ob.value) ?? ob.value);
      for (const t of hashtagsOf(f)) tags.add(t);
    }
    const q = { domains: [...domains], urls: [...urls], hashtags: [...tags] };
    const from = leakDate - o.baselineHours * HOUR;
    const to = leakDate + o.leakWindowHours * HOUR;
    const posts = await ctx.store.interchange().postsMatching({ ...q, from, to });
    const before = posts.filter((p) => p.time < leakDate);
    const after = posts.filter((p) => p.time >= leakDate);
    const rateBefore = before.length / o.baselineHours;
    const rateAfter = after.length / o.leakWindowHours;
    // A floor of one post per baseline period keeps an empty baseline from giving an infinite ratio.
    const ratio = rateAfter / Math.max(rateBefore, 1 / o.baselineHours);
    const accounts = accountsIn(after);
    if (after.length < o.minPosts || accounts < o.minAccounts || ratio < o.burstRatio) continue;
    // Half the posts arrived by this time: the speed of the push.
    const half = after[Math.floor((after.length - 1) / 2)].time;
    const hourly = new Map<number, number>();
    for (const p of after)
      hourly.set(
        Math.floor((p.time - leakDate) / HOUR),
        (hourly.get(Math.floor((p.time - leakDate) / HOUR)) ?? 0) + 1,
      );
    const involved = byCluster(after, clusters);
    const clusterPosts = involved.reduce((n, x) => n + x.posts.length, 0);
    const conf = Math.min(0.95, 1 - Math.exp(-ratio / (2 * o.burstRatio))) * (involved.length ? 1 : 0.7);
    out.push({
      id: findingId(NAME, 'leak-push', d.dumpId),
      kind: 'leak-push',
      channel: 'cross-channel',
      title: `${d.label}: ${after.length} posts by ${accounts} accounts linked the leak within ${o.leakWindowHours} h of its publication`,
      summary:
        `Published ${iso(leakDate)}; first post linking it ${iso(after[0].time)} (${Math.round((after[0].time - leakDate) / 60_000)} min later), half of the posts by ${iso(half)}. ` +
        `Rate ${rateAfter.toFixed(1)}/h after vs ${rateBefore.toFixed(1)}/h in the ${o.baselineHours} h before (x${ratio.toFixed(1)}). ` +
        (involved.length
          ? `${clusterPosts} of the posts come from ${involved.length} coordinated cluster(s).`
          : 'No coordinated cluster among the posters (run the coordination detector first).') +
        (before.length ? ` ${before.length} posts linked it BEFORE publication.` : ''),
      severity: involved.length ? 'high' : 'medium',
      confidence: Number(conf.toFixed(3)),
      confidenceMethod:
        'heuristic: 1 - exp(-ratio / (2 x burstRatio)) of the post-rate ratio after vs before publication, capped at 0.95, times 0.7 when no coordinated cluster takes part; not calibrated on labelled pushes',
      detector: { name: NAME, version: VERSION, parameters: { ...o } as unknown as Record<string, unknown> },
      evidence: [
        {
          table: 'leak_dumps',
          key: d.dumpId,
          role: 'leak publication',
          note: `${d.label}, published ${iso(leakDate)}`,
        },
        ...leakFindings.slice(0, 5).map((f) => findingRef(f, 'leak side')),
        ...involved.map((x) => findingRef(x.c.finding, 'coordination side')),
        ...postRefs(before, 10, 'post BEFORE publication'),
        ...postRefs(after, o.maxEvidence, 'post after publication'),
      ],
      techniques: ['T0049', 'T0089.001'],
      caveats: [
        ...COMMON_CAVEATS,
        'a fast spread after a leak is also what genuine news interest looks like; the coordination evidence, not the speed, carries the finding',
        'the publication time is the one recorded with the dump (vigie leaks ingest --leak-date); if it is wrong, so is the before/after split',
      ],
      details: {
        dumpId: d.dumpId,
        leakDate: iso(leakDate),
        indicators: q,
        postsBefore: before.length,
        postsAfter: after.length,
        accounts,
        rateBefore,
        rateAfter,
        ratio,
        firstTime: iso(after[0].time),
        halfTime: iso(half),
        lastTime: iso(lastTime(after)),
        hourly: [...hourly.entries()].sort((a, b) => a[0] - b[0]).map(([h, n]) => ({ hour: h, posts: n })),
        clusterPosts,
        linkedFindings: [...leakFindings.map((f) => f.id), ...involved.map((x) => x.c.finding.id)],
      },
      createdAt: iso(lastTime(after)),
    });
  }
  return out;
}

async function narrativesCarried(
  ctx: DetectorContext,
  o: CrossChannelOptions,
  all: Finding[],
  clusters: Cluster[],
  messages: string[],
): Promise<Finding[]> {
  const narratives = all.filter((f) => f.channel === 'narratives');
  if (!narratives.length) {
    messages.push('no narratives or state-media findings: narrative-carried not checked');
    return [];
  }
  const members = [...new Set(clusters.flatMap((c) => [...c.members]))].sort();
  const out: Finding[] = [];
  for (const f of narratives) {
    const obs = observablesOf(f).observables;
    const q = {
      domains: [
        ...new Set(obs.filter((x) => x.kind === 'domain-name').map((x) => registrable(x.value) ?? x.value)),
      ],
      urls: obs.filter((x) => x.kind === 'url').map((x) => x.value),
      hashtags: hashtagsOf(f),
    };
    const seen = timeOf(f);
    if (!Number.isFinite(seen)) continue;
    const posts = await ctx.store
      .interchange()
      .postsMatching({ ...q, from: seen, to: seen + o.narrativeLagHours * HOUR, accounts: members });
    for (const { c, posts: ps } of byCluster(posts, clusters)) {
      if (ps.length < o.minNarrativePosts || accountsIn(ps) < 2) continue;
      out.push({
        id: findingId(NAME, 'narrative-carried', `${f.id}|${c.finding.id}`),
        kind: 'narrative-carried',
        channel: 'cross-channel',
        title: `Narrative first seen ${iso(seen)} carried by a coordinated cluster (${accountsIn(ps)} accounts, ${ps.length} posts)`,
        summary: `"${f.title}" (${f.detector.name}) then ${ps.length} posts by ${accountsIn(ps)} members of cluster "${c.finding.title}", first ${Math.round((ps[0].time - seen) / 60_000)} min later.`,
        severity: 'high',
        confidence: Number((f.confidence * c.finding.confidence).toFixed(3)),
        confidenceMethod:
          "product of the narrative finding's and the cluster's confidences; the timing is exact",
        detector: {
          name: NAME,
          version: VERSION,
          parameters: { ...o } as unknown as Record<string, unknown>,
        },
        evidence: [
          findingRef(f, 'narrative side'),
          findingRef(c.finding, 'coordination side'),
          ...postRefs(ps, o.maxEvidence, 'post carrying the narrative'),
        ],
        techniques: [...new Set(['T0118', ...f.techniques])].sort(),
        caveats: [
          ...COMMON_CAVEATS,
          'the cluster may have picked the story up from another outlet than the one first seen here',
        ],
        details: {
          linkedFindings: [f.id, c.finding.id],
          firstSeen: iso(seen),
          firstTime: iso(ps[0].time),
          lastTime: iso(lastTime(ps)),
          posts: ps.length,
          accounts: accountsIn(ps),
          indicators: q,
        },
        createdAt: iso(lastTime(ps)),
      });
    }
  }
  return out;
}

export const crossChannelDetector: Detector<CrossChannelOptions> = {
  name: NAME,
  version: VERSION,
  channel: 'cross-channel',
  description:
    'links findings across channels: shared domains, leak publication then coordinated push, narratives carried by clusters',
  defaults: CROSS_CHANNEL_DEFAULTS,
  async detect(ctx, options = {}): Promise<DetectResult> {
    const o = { ...CROSS_CHANNEL_DEFAULTS, ...options };
    const all = (await ctx.store.listFindings()).filter((f) => f.detector.name !== NAME);
    const clusters: Cluster[] = all
      .filter(isCoordinationCluster)
      .map((f) => ({ finding: f, members: new Set(clusterMembers(f)) }))
      .filter((c) => c.members.size > 0)
      .sort((a, b) => (a.finding.id < b.finding.id ? -1 : 1));
    const messages: string[] = [];
    if (!clusters.length)
      messages.push(
        'no coordination clusters (run the coordination detector first): links to clusters not checked',
      );
    const shared = clusters.length ? await sharedDomains(ctx, o, all, clusters) : [];
    const leaks = await leakPushes(ctx, o, all, clusters, messages);
    const narr = clusters.length ? await narrativesCarried(ctx, o, all, clusters, messages) : [];
    const findings = [...shared, ...leaks, ...narr];
    return {
      findings,
      messages,
      stats: {
        sharedDomain: shared.filter((f) => f.kind === 'shared-domain').length,
        lookalikePushed: shared.length - shared.filter((f) => f.kind === 'shared-domain').length,
        leakPush: leaks.length,
        narrativeCarried: narr.length,
      },
    };
  },
};
