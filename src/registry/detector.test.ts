import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBStore } from '../store/duckdb/DuckDBStore.js';
import { loadFixture } from '../detectors/coordination/fixture.js';
import { runDetectors } from '../detectors/run.js';
import { findingId, type Finding } from '../findings/finding.js';
import type { Post } from '../model/post.js';
import { makeRegistryFixture, type RegistryFixture } from './fixture.js';
import { loadRegistry } from './registry.js';
import { matchWorkspaceHosts } from './detector.js';

/** Independent of the code under test: the listed hosts of the fixture, by suffix. */
const LISTED = (host: string) => /(^|\.)(rt\.com|pravda-fr\.com|lemonde\.ltd)$/.test(host);
const hostOf = (u: string) => new URL(u).hostname;

interface Expect {
  links: number;
  listed: number;
  urls: number;
  firsts: number;
  medianLag: number | null;
}

/** Counts for a group of accounts, by plain loops over the fixture's posts. */
function expected(posts: Post[], group: Set<string>): Expect {
  const firstOf = new Map<string, { t: number; acct: string }>();
  for (const p of [...posts].sort((a, b) => a.time - b.time || (a.accountId < b.accountId ? -1 : 1)))
    for (const u of p.canonicalUrls)
      if (LISTED(hostOf(u)) && !firstOf.has(u)) firstOf.set(u, { t: p.time, acct: `x:${p.accountId}` });
  let links = 0;
  let listed = 0;
  const groupFirst = new Map<string, number>();
  for (const p of posts) {
    if (!group.has(`x:${p.accountId}`)) continue;
    for (const u of new Set(p.canonicalUrls)) {
      links++;
      if (!LISTED(hostOf(u))) continue;
      listed++;
      groupFirst.set(u, Math.min(groupFirst.get(u) ?? Infinity, p.time));
    }
  }
  const lags = [...groupFirst].map(([u, t]) => (t - firstOf.get(u)!.t) / 1000).sort((a, b) => a - b);
  const mid = lags.length / 2;
  return {
    links,
    listed,
    urls: groupFirst.size,
    firsts: [...groupFirst.keys()].filter((u) => group.has(firstOf.get(u)!.acct)).length,
    medianLag: lags.length
      ? lags.length % 2
        ? lags[Math.floor(mid)]
        : (lags[mid - 1] + lags[mid]) / 2
      : null,
  };
}

function clusterFinding(members: string[]): Finding {
  // The contract the coordination detector writes (src/detectors/coordination/findings.ts),
  // stored directly so this test does not depend on that detector's statistics.
  return {
    id: findingId('coordination', 'cluster', members.join(',')),
    kind: 'coordinated-cluster',
    channel: 'coordination',
    title: `${members.length} accounts acting in lockstep (co-url)`,
    summary: 'fixture cluster',
    severity: 'high',
    confidence: 0.99,
    confidenceMethod: 'fixture',
    detector: { name: 'coordination', version: 'fixture', parameters: {} },
    evidence: members.map((m) => ({ table: 'accounts', key: m, role: 'member' })),
    techniques: ['T0049.005'],
    caveats: ['fixture'],
    details: { members, strongestPairs: [] },
    createdAt: new Date(0).toISOString(),
  };
}

function narrativeFinding(postKey: string): Finding {
  return {
    id: findingId('narratives', 'narrative', 'smear'),
    kind: 'narrative',
    channel: 'narratives',
    title: 'Smear: candidate funded by foreign money',
    summary: 'fixture narrative',
    severity: 'medium',
    confidence: 0.9,
    confidenceMethod: 'fixture',
    detector: { name: 'narratives', version: 'fixture', parameters: {} },
    evidence: [{ table: 'posts', key: postKey, role: 'matching post' }],
    techniques: [],
    caveats: ['fixture'],
    details: {},
    createdAt: new Date(0).toISOString(),
  };
}

describe('registry amplification over a fixture workspace', () => {
  let store: DuckDBStore;
  let fx: RegistryFixture;
  let clusterId: string;

  before(async () => {
    fx = makeRegistryFixture(11);
    store = await DuckDBStore.open(':memory:');
    await loadFixture(store, fx);
    const c = clusterFinding(fx.cluster);
    clusterId = c.id;
    await store.saveFindings([c, narrativeFinding(fx.narrativePost)], 'fixture-run');
  });
  after(async () => store.close());

  test('linked hosts are matched by registrable domain and subdomain', async () => {
    const { matches } = await matchWorkspaceHosts(store, loadRegistry());
    const byHost = new Map(matches.map((m) => [m.host, m]));
    assert.equal(byHost.get('de.rt.com')?.outlet, 'RT DE (Russia Today Germany)');
    assert.equal(byHost.get('francais.rt.com')?.matched, 'francais.rt.com');
    assert.equal(byHost.get('www.rt.com')?.matched, 'rt.com');
    assert.equal(byHost.get('pravda-fr.com')?.kind, 'operation');
    assert.equal(byHost.get('lemonde.ltd')?.kind, 'impersonation');
    assert.equal(byHost.has('www.lemonde.fr'), false);
    const linked = await store.registry().linkedHosts();
    assert.deepEqual(
      [...byHost.keys()].sort(),
      linked
        .map((h) => h.host)
        .filter(LISTED)
        .sort(),
    );
  });

  test('per-account counts equal a plain recount of the posts', async () => {
    await matchWorkspaceHosts(store, loadRegistry());
    const amps = await store.registry().accountAmplification({ list: 'registry' });
    const accounts = new Set(
      fx.posts.filter((p) => p.canonicalUrls.some((u) => LISTED(hostOf(u)))).map((p) => `x:${p.accountId}`),
    );
    assert.equal(amps.length, accounts.size);
    for (const a of amps) {
      const e = expected(fx.posts, new Set([a.key]));
      assert.equal(a.links, e.links, a.key);
      assert.equal(a.listedLinks, e.listed, a.key);
      assert.equal(a.listedUrls, e.urls, a.key);
      assert.equal(a.firstShares, e.firsts, a.key);
      assert.equal(a.medianLagSeconds, e.medianLag, a.key);
    }
    const heavy = amps.find((a) => a.key === fx.heavy)!;
    assert.equal(heavy.listedLinks, 8);
    assert.equal(heavy.links, 10);
    assert.deepEqual(heavy.outlets, [
      { outlet: 'RT (Russia Today)', actor: 'Russia', kind: 'state-media', links: 8 },
    ]);
    assert.equal(amps.find((a) => a.key === fx.outletAccount)!.firstShares, 2);
  });

  test('per-cluster counts: share, outlets, first shares and lag after first appearance', async () => {
    await matchWorkspaceHosts(store, loadRegistry());
    const [g] = await store
      .registry()
      .groupAmplification([{ id: 'g', members: fx.cluster }], { list: 'registry' });
    const e = expected(fx.posts, new Set(fx.cluster));
    assert.equal(g.links, e.links);
    assert.equal(g.listedLinks, e.listed);
    assert.equal(g.listedLinks, 24);
    assert.equal(g.links, 36);
    assert.equal(g.listedUrls, 4);
    assert.equal(g.firstShares, 2); // pravda-fr.com and lemonde.ltd were posted first by c0
    assert.equal(g.medianLagSeconds, 60); // lags 0, 0, 120, 120 s
    assert.equal(g.fastShares, 4);
    assert.equal(g.activeMembers, 6);
    assert.deepEqual(
      g.outlets.map((o) => [o.outlet, o.links]),
      [
        ['Portal Kombat', 6],
        ['RRN / Doppelganger (clone of lemonde.fr)', 6],
        ['RT DE (Russia Today Germany)', 6],
        ['RT France (Russia Today France)', 6],
      ],
    );
  });

  test('state-media and news-lookalike detectors: findings, evidence, links to cluster and narrative', async () => {
    const { runs } = await runDetectors(store, { only: ['state-media', 'news-lookalike'] });
    const all = runs.flatMap((r) => r.result.findings);
    const cl = all.filter((f) => f.kind === 'cluster-amplification');
    assert.equal(cl.length, 1);
    assert.equal(cl[0].details!.cluster, clusterId);
    assert.equal(cl[0].severity, 'high');
    assert.ok(cl[0].evidence.some((e) => e.table === 'findings' && e.key === clusterId));
    assert.ok(cl[0].evidence.filter((e) => e.table === 'posts').length >= 4);
    assert.ok(cl[0].techniques.includes('T0118') && cl[0].techniques.includes('T0098.002'));
    assert.ok(cl[0].caveats.some((c) => c.includes('not endorsing')));
    assert.deepEqual(
      (cl[0].details!.narratives as { findingId: string }[]).map((n) => n.findingId),
      [findingId('narratives', 'narrative', 'smear')],
    );

    const acc = all.filter((f) => f.kind === 'account-amplification').map((f) => f.details!.account);
    assert.ok(acc.includes(fx.heavy));
    for (const j of fx.journalists) assert.ok(!acc.includes(j), `${j} linked RT once: not an amplifier`);
    assert.ok(!acc.includes(fx.outletAccount), 'two links are too few to judge');
    assert.deepEqual(acc.filter((a) => fx.cluster.includes(String(a))).length, 6);

    const la = all.filter((f) => f.kind === 'news-lookalike');
    assert.deepEqual(
      la.map((f) => f.details!.clone),
      ['lemonde.ltd'],
    );
    const l = la[0];
    assert.equal(l.details!.brand, 'lemonde.fr');
    assert.equal(l.details!.tier, 'high');
    assert.equal(l.severity, 'high');
    assert.equal(l.confidence, 0.95); // named in the RRN report row of the default registry
    assert.equal(l.details!.firstAccount, 'x:c0');
    assert.equal(l.details!.accountCount, 6);
    assert.deepEqual(
      (l.details!.clusters as { cluster: string; membersSharing: number }[]).map((c) => [
        c.cluster,
        c.membersSharing,
      ]),
      [[clusterId, 6]],
    );
    assert.equal((l.details!.narratives as unknown[]).length, 1);
    assert.ok(l.techniques.includes('T0149.003'));
    // the stored findings are the returned ones
    const stored = await store.listFindings({ channel: 'narratives' });
    assert.equal(stored.filter((f) => f.detector.name !== 'narratives').length, all.length);
  });

  test('a user watch-list adds outlets; nothing to match gives a message, not an error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigie-reg-'));
    const f = join(dir, 'mine.csv');
    writeFileSync(
      f,
      'domain,outlet_or_operation,state_or_actor,kind,source_url,source_date,licence\n' +
        'blog3.example.org,Example proxy blog,Test actor,proxy,https://example.org/report,2026-01-02,CC0-1.0\n',
    );
    const { matches } = await matchWorkspaceHosts(store, loadRegistry({ files: [f] }));
    assert.ok(matches.some((m) => m.host === 'blog3.example.org' && m.outlet === 'Example proxy blog'));
    assert.ok(!matches.some((m) => m.host === 'blog4.example.org'));

    const empty = await DuckDBStore.open(':memory:');
    try {
      const { runs } = await runDetectors(empty, { only: ['state-media', 'news-lookalike'] });
      for (const r of runs) {
        assert.equal(r.result.findings.length, 0);
        assert.ok(r.result.messages.some((m) => m.includes('no links')));
      }
    } finally {
      await empty.close();
    }
  });
});
