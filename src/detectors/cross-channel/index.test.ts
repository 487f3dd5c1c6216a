import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DuckDBStore } from '../../store/duckdb/DuckDBStore.js';
import type { Store } from '../../store/store.js';
import type { Finding } from '../../findings/finding.js';
import { crossChannelDetector } from './index.js';
import { buildTimeline } from './timeline.js';
import { BOTS, LEAK_DATE, LOOKALIKE, PHISH, loadCrossFixture, type CrossFixture } from './fixture.js';

const ctx = (store: Store) => ({ store, runId: 't', seed: 1, log: () => {} });

describe('cross-channel detector', () => {
  let store: Store;
  let fx: CrossFixture;
  before(async () => {
    store = await DuckDBStore.open(':memory:');
    fx = await loadCrossFixture(store);
  });
  after(async () => store.close());

  test('a phishing domain named by an infrastructure finding and pushed by the cluster is linked', async () => {
    const r = await crossChannelDetector.detect(ctx(store));
    const shared = r.findings.filter((f) => f.kind === 'shared-domain');
    assert.equal(shared.length, 1);
    const f = shared[0];
    assert.equal(f.details?.domain, PHISH);
    assert.deepEqual(f.details?.linkedFindings, ['phish-1', 'cluster-1']);
    // Only the members' posts, not the organic user who warned about it.
    assert.equal(f.details?.posts, fx.botPhishPosts);
    const posts = f.evidence.filter((e) => e.table === 'posts');
    assert.equal(posts.length, fx.botPhishPosts);
    const botIds = new Set(
      fx.posts.filter((p) => BOTS.includes(`x:${p.accountId}`)).map((p) => `x:${p.postId}`),
    );
    assert.ok(posts.every((e) => botIds.has(e.key)));
    // Both sides' evidence: the two findings and the infrastructure finding's own evidence.
    assert.ok(f.evidence.some((e) => e.table === 'findings' && e.key === 'phish-1'));
    assert.ok(f.evidence.some((e) => e.table === 'findings' && e.key === 'cluster-1'));
    assert.ok(f.evidence.some((e) => e.table === 'mail' && e.key === 'm1'));
    assert.equal(f.confidence, Number((0.9 * 0.95).toFixed(3)));
  });

  test('a leak publication followed by a burst of posts linking it is a leak-push; a quiet dump is not', async () => {
    const r = await crossChannelDetector.detect(ctx(store));
    const pushes = r.findings.filter((f) => f.kind === 'leak-push');
    assert.deepEqual(
      pushes.map((f) => f.details?.dumpId),
      ['macron'],
    );
    const d = pushes[0].details as Record<string, unknown>;
    assert.equal(d.postsAfter, fx.leakAfter);
    assert.equal(d.postsBefore, fx.leakBefore);
    assert.equal(d.clusterPosts, fx.botLeakPosts);
    assert.equal(d.leakDate, new Date(LEAK_DATE).toISOString());
    assert.ok(Date.parse(d.firstTime as string) >= LEAK_DATE);
    assert.ok((d.ratio as number) >= 5);
    assert.deepEqual(d.linkedFindings, ['leak-1', 'cluster-1']);
    // The leak finding's URL and the label hashtag were both used to find posts.
    const ind = d.indicators as { urls: string[]; hashtags: string[] };
    assert.ok(ind.urls.includes('https://archive.example.org/macronleaks.torrent'));
    assert.ok(ind.hashtags.includes('macronleaks'));
    assert.ok(pushes[0].evidence.some((e) => e.table === 'leak_dumps' && e.key === 'macron'));
    assert.equal(pushes[0].evidence.filter((e) => e.role === 'post BEFORE publication').length, 2);
  });

  test('the burst is measured against the baseline: a busy baseline gives no push', async () => {
    const r = await crossChannelDetector.detect(ctx(store), {
      baselineHours: 1,
      leakWindowHours: 6,
      burstRatio: 200,
    });
    assert.equal(r.findings.filter((f) => f.kind === 'leak-push').length, 0);
  });

  test('look-alikes of a protected brand posted by the cluster, with --brands', async () => {
    const r = await crossChannelDetector.detect(ctx(store), { brands: ['en-marche.fr'] });
    const look = r.findings.filter((f) => f.kind === 'lookalike-pushed');
    // en-marche-login.fr is already linked to its infrastructure finding; only the other one is new.
    assert.deepEqual(
      look.map((f) => f.details?.domain),
      [LOOKALIKE],
    );
    assert.equal(look[0].details?.accounts, 4);
  });

  test('no narratives findings: a message, not an error; with one, narrative-carried', async () => {
    const r = await crossChannelDetector.detect(ctx(store));
    assert.ok(r.messages.some((m) => m.includes('narrative-carried not checked')));
    const narrative: Finding = {
      id: 'narr-1',
      kind: 'first-seen',
      channel: 'narratives',
      title: 'leak story first at a registry outlet',
      summary: 's',
      severity: 'medium',
      confidence: 0.8,
      confidenceMethod: 'fixture',
      detector: { name: 'state-media', version: 't', parameters: {} },
      evidence: [],
      techniques: ['T0002'],
      caveats: ['fixture'],
      details: { firstSeen: new Date(LEAK_DATE - 60_000).toISOString(), hashtags: ['#MacronLeaks'] },
      createdAt: new Date(LEAK_DATE).toISOString(),
    };
    const s2 = await DuckDBStore.open(':memory:');
    try {
      await loadCrossFixture(s2);
      await s2.saveFindings([narrative], 't');
      const r2 = await crossChannelDetector.detect(ctx(s2));
      const carried = r2.findings.filter((f) => f.kind === 'narrative-carried');
      assert.equal(carried.length, 1);
      assert.deepEqual(carried[0].details?.linkedFindings, ['narr-1', 'cluster-1']);
      assert.equal(carried[0].details?.posts, fx.botLeakPosts);
    } finally {
      await s2.close();
    }
  });

  test('re-running gives identical findings', async () => {
    const a = await crossChannelDetector.detect(ctx(store));
    const b = await crossChannelDetector.detect(ctx(store));
    assert.equal(JSON.stringify(a.findings), JSON.stringify(b.findings));
  });

  test('an empty workspace gives messages, no findings', async () => {
    const s = await DuckDBStore.open(':memory:');
    try {
      const r = await crossChannelDetector.detect(ctx(s));
      assert.equal(r.findings.length, 0);
      assert.ok(r.messages.length >= 2);
    } finally {
      await s.close();
    }
  });

  test('the timeline merges post volume, findings and leak publications in time order', async () => {
    const r = await crossChannelDetector.detect(ctx(store));
    await store.saveFindings(r.findings, 't');
    const tl = await buildTimeline(store);
    const times = tl.map((e) => Date.parse(e.time));
    assert.deepEqual(
      times,
      [...times].sort((a, b) => a - b),
    );
    const pub = tl.findIndex((e) => e.kind === 'leak-publication' && e.ref === 'macron');
    const push = tl.findIndex((e) => e.kind === 'finding' && e.title.startsWith('MacronLeaks'));
    assert.ok(pub >= 0 && push > pub, 'the push comes after the publication');
    const volume = tl.filter((e) => e.kind === 'volume').reduce((n, e) => n + (e.count ?? 0), 0);
    assert.equal(volume, fx.posts.length);
    assert.ok(tl.some((e) => e.channel === 'cross-channel'));
  });
});
