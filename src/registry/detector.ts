/**
 * Detector `state-media`: accounts and coordination clusters that link to registry outlets
 * (state media, their mirrors, domains of named operations) far beyond the workspace's base
 * rate. Who posted each listed URL first, how soon after its first appearance others
 * followed, and which outlets they carry, with the earliest posts as evidence.
 */
import { findingId, type EvidenceRef, type Finding, type Severity } from '../findings/finding.js';
import type { Detector, DetectorContext, DetectResult } from '../detectors/types.js';
import type { Amplification, HostMatch } from '../store/registry.js';
import type { Store } from '../store/store.js';
import { coordinationClusters, envFiles, logBinomialTail, narrativeRefs } from './links.js';
import { cachedMatcher, loadRegistry, registryErrors, type LoadedRegistry } from './registry.js';

export const STATE_MEDIA_VERSION = '0.1.0';

export interface StateMediaOptions {
  /** Load data/registry/state-media.csv. */
  defaults: boolean;
  /** Extra watch-lists (also from $VIGIE_REGISTRY, separated like PATH). */
  registryFiles: string[];
  /** Folder of the reference lists (also $VIGIE_REGISTRY_REFERENCE); null for none. */
  reference: string | null;
  /** Accounts need at least this many links in all to be judged (a share of 2 links says little). */
  minLinks: number;
  /** Accounts and clusters need at least this many links to listed outlets. */
  minListedLinks: number;
  /** Share of an account's links going to listed outlets needed for a finding. */
  minAccountShare: number;
  /** Share of a cluster's links going to listed outlets needed for a finding. */
  minClusterShare: number;
  /** The share must also be this many times the workspace's base rate. */
  minLift: number;
  /** ... and improbable at the base rate: binomial upper tail at most this. */
  maxPValue: number;
  /** A share is "fast" within this many seconds of the URL's first appearance. */
  fastSeconds: number;
  /** At most this many account findings (most listed links first); clusters are not capped. */
  maxAccountFindings: number;
  /** Evidence posts per finding. */
  evidencePosts: number;
}

export const STATE_MEDIA_DEFAULTS: StateMediaOptions = {
  defaults: true,
  registryFiles: [],
  reference: null,
  minLinks: 5,
  minListedLinks: 3,
  minAccountShare: 0.5,
  minClusterShare: 0.25,
  minLift: 3,
  maxPValue: 0.001,
  fastSeconds: 3600,
  maxAccountFindings: 100,
  evidencePosts: 12,
};

export function resolveRegistry(
  o: Pick<StateMediaOptions, 'defaults' | 'registryFiles' | 'reference'>,
): LoadedRegistry {
  return loadRegistry({
    defaults: o.defaults,
    files: [...o.registryFiles, ...envFiles('VIGIE_REGISTRY')],
    reference: o.reference ?? process.env.VIGIE_REGISTRY_REFERENCE ?? undefined,
  });
}

/** Match the workspace's linked hosts against the registry and store the matches. */
export async function matchWorkspaceHosts(
  store: Store,
  registry: LoadedRegistry,
): Promise<{ hosts: number; matches: HostMatch[] }> {
  const hosts = await store.registry().linkedHosts();
  const match = cachedMatcher(registry);
  const matches: HostMatch[] = [];
  for (const h of hosts) {
    const m = match(h.host);
    if (!m) continue;
    matches.push({
      host: h.host,
      list: 'registry',
      matched: m.matched,
      outlet: m.entry.outlet,
      actor: m.entry.actor,
      kind: m.entry.kind,
      sourceUrl: m.entry.sourceUrl,
    });
  }
  await store.registry().saveMatches('registry', matches);
  return { hosts: hosts.length, matches };
}

export const STATE_MEDIA_CAVEATS = [
  'Sharing a link is not endorsing it: journalists, researchers, fact-checkers and critics link to state media too. Read the evidence posts.',
  "A URL's first appearance in this workspace is not its publication time: the collection may have started late or missed earlier posts, so 'first sharer' means first in these data.",
  "The registry is a curated list of public reports; an outlet absent from it is not cleared, and listing criteria differ between sources (see each row's source).",
  "The base rate is this workspace's own: if the collection was built around state-media keywords, every account will look like an amplifier.",
  'The binomial test treats links as independent; accounts that repost the same URL many times make it look more certain than it is.',
];

/** Every DISARM technique this detector can emit (a test checks each exists in DISARM). */
export const STATE_MEDIA_TECHNIQUES = {
  amplify: 'T0118', // Amplify Existing Narrative
  statePropaganda: 'T0002', // Facilitate State Propaganda
  inauthenticNewsSites: 'T0098.002', // Leverage Existing Inauthentic News Sites
} as const;

function techniquesFor(a: Amplification): string[] {
  const t = new Set<string>([STATE_MEDIA_TECHNIQUES.amplify]);
  if (a.outlets.some((o) => o.kind === 'state-media')) t.add(STATE_MEDIA_TECHNIQUES.statePropaganda);
  if (a.outlets.some((o) => o.kind === 'operation' || o.kind === 'impersonation' || o.kind === 'mirror'))
    t.add(STATE_MEDIA_TECHNIQUES.inauthenticNewsSites);
  return [...t].sort();
}

function carriesOperations(a: Amplification): boolean {
  return a.outlets.some((o) => o.kind === 'operation' || o.kind === 'impersonation');
}

function describeOutlets(a: Amplification, n = 4): string {
  return a.outlets
    .slice(0, n)
    .map((o) => `${o.outlet} (${o.links})`)
    .join(', ');
}

function lagText(a: Amplification): string {
  if (a.medianLagSeconds === null) return '';
  const m = a.medianLagSeconds / 60;
  return `median ${m < 120 ? `${m.toFixed(0)} min` : `${(m / 60).toFixed(1)} h`} after first appearance`;
}

export const stateMediaDetector: Detector<StateMediaOptions> = {
  name: 'state-media',
  version: STATE_MEDIA_VERSION,
  channel: 'narratives',
  description:
    'accounts and coordination clusters amplifying state-media outlets and known-operation domains beyond the base rate',
  defaults: STATE_MEDIA_DEFAULTS,
  async detect(ctx: DetectorContext, options: Partial<StateMediaOptions> = {}): Promise<DetectResult> {
    const o: StateMediaOptions = { ...STATE_MEDIA_DEFAULTS, ...options };
    const messages: string[] = [];
    const registry = resolveRegistry(o);
    const errs = registryErrors(registry);
    if (errs.length) {
      messages.push(`${errs.length} watch-list row(s) skipped:`);
      for (const e of errs.slice(0, 5)) messages.push(`  ${e.file}:${e.line}: ${e.message}`);
    }
    const { hosts, matches } = await matchWorkspaceHosts(ctx.store, registry);
    const stats: Record<string, number> = {
      registryRows: registry.entries.length,
      linkedHosts: hosts,
      matchedHosts: matches.length,
    };
    if (matches.length === 0) {
      messages.push(
        hosts === 0 ? 'no links in the workspace' : `none of ${hosts} linked hosts is in the registry`,
      );
      return { findings: [], messages, stats };
    }
    const rs = ctx.store.registry();
    const base = await rs.baseline('registry');
    const p0 = base.links > 0 ? base.listedLinks / base.links : 0;
    stats.links = base.links;
    stats.listedLinks = base.listedLinks;
    const q = { list: 'registry' as const, minListedLinks: o.minListedLinks, fastSeconds: o.fastSeconds };
    const createdAt = new Date().toISOString();
    const params = { ...o, baseRate: p0 };
    const narratives = await narrativeRefs(ctx.store);
    const findings: Finding[] = [];

    const judge = (a: Amplification, minShare: number) => {
      const logP = logBinomialTail(a.listedLinks, a.links, p0);
      const lift = p0 > 0 ? a.share / p0 : Infinity;
      const pass =
        a.listedLinks >= o.minListedLinks &&
        a.share >= minShare &&
        lift >= o.minLift &&
        logP <= Math.log(o.maxPValue);
      return { pass, logP, lift };
    };
    const evidenceOf = async (accounts: string[]) => {
      const posts = await rs.listedPosts({ list: 'registry', accounts, limit: 3 });
      return posts.slice(0, o.evidencePosts);
    };
    const narrativeLinks = (postKeys: string[], hosts: string[]) =>
      narratives
        .filter((n) => postKeys.some((k) => n.posts.has(k)) || hosts.some((h) => n.domains.has(h)))
        .map((n) => ({ findingId: n.findingId, title: n.title }));
    const confidenceOf = (logP: number) => Math.min(0.99, Math.max(0, 1 - Math.exp(logP)));
    const CONF_METHOD =
      'One minus the binomial upper-tail probability of at least this many listed links among all its links, at the ' +
      "workspace's base rate of listed links (capped at 0.99). It measures how far the share exceeds the base rate, " +
      'not intent; links are treated as independent.';

    // ---- clusters -----------------------------------------------------------------------
    const clusters = await coordinationClusters(ctx.store);
    stats.clusters = clusters.length;
    if (clusters.length === 0)
      messages.push('no coordination clusters stored (run the coordination detector first)');
    const byId = new Map(clusters.map((c) => [c.findingId, c]));
    const groupAmps = await rs.groupAmplification(
      clusters.map((c) => ({ id: c.findingId, members: c.members })),
      q,
    );
    for (const a of groupAmps) {
      const c = byId.get(a.key)!;
      const j = judge(a, o.minClusterShare);
      if (!j.pass) continue;
      const posts = await evidenceOf(c.members);
      const hostsOf = [...new Set(posts.map((p) => p.host))];
      const evidence: EvidenceRef[] = [
        { table: 'findings', key: c.findingId, role: 'coordination cluster', note: c.title },
        ...posts.map((p) => ({
          table: 'posts',
          key: p.key,
          role: p.time === p.firstAppearance ? 'first appearance' : 'listed link',
          note: `${p.outlet}: ${p.url}`,
        })),
      ];
      const severity: Severity = carriesOperations(a) || a.firstShares > 0 ? 'high' : 'medium';
      findings.push({
        id: findingId('state-media', 'cluster-amplification', c.findingId),
        kind: 'cluster-amplification',
        channel: 'narratives',
        title: `Coordinated cluster of ${c.members.length} accounts amplifies ${a.outlets[0]?.outlet ?? 'registry outlets'}`,
        summary:
          `${a.activeMembers} of ${c.members.length} members of a coordination cluster posted ${a.listedLinks} links to registry outlets ` +
          `(${(a.share * 100).toFixed(0)}% of their ${a.links} links; workspace base rate ${(p0 * 100).toFixed(1)}%, ${j.lift.toFixed(1)}×): ` +
          `${describeOutlets(a)}. ${a.listedUrls} distinct URLs, ${a.firstShares} first posted in these data by a member, ` +
          `${a.fastShares} picked up within ${Math.round(o.fastSeconds / 60)} min of first appearance${lagText(a) ? `, ${lagText(a)}` : ''}.`,
        severity,
        confidence: confidenceOf(j.logP),
        confidenceMethod: CONF_METHOD,
        detector: { name: 'state-media', version: STATE_MEDIA_VERSION, parameters: params },
        evidence,
        techniques: techniquesFor(a),
        caveats: STATE_MEDIA_CAVEATS,
        details: {
          subject: 'cluster',
          cluster: c.findingId,
          members: c.members,
          ...a,
          baseRate: p0,
          lift: j.lift,
          log10PValue: j.logP / Math.LN10,
          narratives: narrativeLinks(
            posts.map((p) => p.key),
            hostsOf,
          ),
        },
        createdAt,
      });
    }
    stats.clusterFindings = findings.length;

    // ---- accounts -----------------------------------------------------------------------
    const accountAmps = await rs.accountAmplification(q);
    const flagged = accountAmps
      .filter((a) => a.links >= o.minLinks)
      .map((a) => ({ a, j: judge(a, o.minAccountShare) }))
      .filter((x) => x.j.pass);
    stats.accountsAmplifying = flagged.length;
    if (flagged.length > o.maxAccountFindings)
      messages.push(
        `${flagged.length} accounts pass the thresholds; reporting the ${o.maxAccountFindings} with most listed links`,
      );
    const inCluster = new Map<string, string>();
    for (const c of clusters) for (const m of c.members) inCluster.set(m, c.findingId);
    for (const { a, j } of flagged.slice(0, o.maxAccountFindings)) {
      const posts = await evidenceOf([a.key]);
      const cluster = inCluster.get(a.key) ?? null;
      findings.push({
        id: findingId('state-media', 'account-amplification', a.key),
        kind: 'account-amplification',
        channel: 'narratives',
        title: `${a.key} links mostly to registry outlets (${(a.share * 100).toFixed(0)}% of ${a.links} links)`,
        summary:
          `${a.listedLinks} of ${a.links} links go to registry outlets (base rate ${(p0 * 100).toFixed(1)}%, ${j.lift.toFixed(1)}×): ` +
          `${describeOutlets(a)}. First in these data for ${a.firstShares} of ${a.listedUrls} URLs` +
          `${lagText(a) ? `; ${lagText(a)}` : ''}.` +
          (cluster ? ' Member of a coordination cluster.' : ''),
        severity: carriesOperations(a) ? 'medium' : 'low',
        confidence: confidenceOf(j.logP),
        confidenceMethod: CONF_METHOD,
        detector: { name: 'state-media', version: STATE_MEDIA_VERSION, parameters: params },
        evidence: [
          { table: 'accounts', key: a.key, role: 'amplifier' },
          ...posts.map((p) => ({
            table: 'posts',
            key: p.key,
            role: p.time === p.firstAppearance ? 'first appearance' : 'listed link',
            note: `${p.outlet}: ${p.url}`,
          })),
          ...(cluster ? [{ table: 'findings', key: cluster, role: 'coordination cluster' }] : []),
        ],
        techniques: techniquesFor(a),
        caveats: STATE_MEDIA_CAVEATS,
        details: {
          subject: 'account',
          account: a.key,
          ...a,
          baseRate: p0,
          lift: j.lift,
          log10PValue: j.logP / Math.LN10,
          cluster,
          narratives: narrativeLinks(
            posts.map((p) => p.key),
            [...new Set(posts.map((p) => p.host))],
          ),
        },
        createdAt,
      });
    }
    stats.findings = findings.length;
    return { findings, messages, stats };
  },
};
