import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Post } from '../../model/post.js';
import { bareAccount } from '../../model/post.js';
import { validateFinding } from '../../findings/finding.js';
import { DuckDBStore } from '../../store/duckdb/DuckDBStore.js';
import type { DetectorContext } from '../types.js';
import { DETECTORS } from '../index.js';
import { FIXTURE_DEFAULTS, loadFixture, makeFixture, mulberry32, type Fixture } from './fixture.js';
import { coordinationDetector, detectDetailed, explainPair, formatPairExplanation } from './index.js';

const T0 = Date.UTC(2017, 4, 3, 19);
const quiet = () => undefined;
const ctxOf = (store: DuckDBStore, seed = 1): DetectorContext => ({ store, runId: 'test', seed, log: quiet });

function repost(id: string, account: string, time: number, object: string): Post {
  return {
    platform: 'x',
    postId: id,
    accountId: account,
    time,
    text: null,
    lang: 'und',
    kind: 'repost',
    refPostId: object,
    refAccountId: null,
    urls: [],
    canonicalUrls: [],
    domains: [],
    hashtags: [],
    mentions: [],
    media: [],
    client: null,
  };
}

async function storeWith(posts: Post[]): Promise<DuckDBStore> {
  const store = await DuckDBStore.open(':memory:');
  const accounts = [...new Set(posts.map((p) => p.accountId))].map((a) => bareAccount('x', a));
  await loadFixture(store, { posts, accounts });
  return store;
}

describe('coordination detector on a stream with planted swarms', () => {
  let store: DuckDBStore;
  let fx: Fixture;
  before(async () => {
    // More organic objects than the default fixture, so that every popularity stratum of the
    // null model holds organic objects besides the swarm's own.
    fx = makeFixture({
      ...FIXTURE_DEFAULTS,
      seed: 3,
      fans: 600,
      reposts: 30000,
      swarms: [
        { style: 'repost', size: 20, pushes: 15, jitterSeconds: 30, participation: 0.9 },
        { style: 'link', size: 12, pushes: 15, jitterSeconds: 1800, participation: 0.85 },
      ],
    });
    store = await DuckDBStore.open(':memory:');
    await loadFixture(store, fx);
  });
  after(async () => store.close());

  test('finds the planted accounts, not the debate fans, with valid findings', async () => {
    // The cap is raised so that the fans' popular moment is tested by the null model, not capped away.
    const r = await detectDetailed(ctxOf(store), { maxAccountsPerObject: 100_000 });
    const planted = new Set(fx.swarms.flat());
    const flagged = new Set(r.graph.clusters.flatMap((c) => c.members));
    const tp = [...flagged].filter((k) => planted.has(k)).length;
    assert.ok(tp / flagged.size >= 0.95, `precision ${tp}/${flagged.size}`);
    assert.ok(tp / planted.size >= 0.85, `recall ${tp}/${planted.size}`);
    const fansInEdges = fx.fans.filter((f) => r.graph.edges.some((e) => e.a === f || e.b === f));
    assert.ok(
      fansInEdges.length <= 2,
      `fans with a significant edge: ${fansInEdges.length} of ${fx.fans.length}`,
    );
    // The repost ring is one cluster, found on co-repost.
    const ring = r.graph.clusters.find((c) => c.members.includes(fx.swarms[0][0]))!;
    assert.ok(ring.layers.includes('co-repost'));
    assert.ok(ring.members.filter((m) => fx.swarms[0].includes(m)).length >= 18);
    for (const f of r.findings) {
      assert.deepEqual(validateFinding(f), []);
      assert.ok(f.techniques.includes('T0049'));
      assert.ok(f.evidence.some((e) => e.table === 'accounts' && e.role === 'member'));
      assert.ok(f.evidence.some((e) => e.table === 'posts' && e.role === 'sample post'));
      assert.ok(f.caveats.some((c) => c.includes('debate')));
      assert.ok(f.confidence > 0.9);
    }
    const ringFinding = r.findings.find((f) => f.id === ring.findingId)!;
    assert.ok(ringFinding.techniques.includes('T0049.003'));
    const shared = (
      ringFinding.details!.sharedObjects as Record<string, { actions: { deltaSeconds: number }[] }[]>
    )['co-repost'];
    assert.ok(shared.length > 0 && shared[0].actions.length >= 10);
    assert.ok(shared[0].actions.every((a) => a.deltaSeconds >= 0 && a.deltaSeconds <= 60));
    const creation = ringFinding.details!.creation as { spreadDays: number };
    assert.ok(creation.spreadDays <= 3);
  });

  test('is deterministic for a seed', async () => {
    const a = await coordinationDetector.detect(ctxOf(store, 5), {});
    const b = await coordinationDetector.detect(ctxOf(store, 5), {});
    assert.deepEqual(
      a.findings.map((f) => [f.id, f.details?.members]),
      b.findings.map((f) => [f.id, f.details?.members]),
    );
    assert.ok(a.findings.length >= 2);
  });

  test('explain-pair shows the shared objects behind a ring edge', async () => {
    const [x, y] = fx.swarms[0];
    const e = await explainPair(store, y, x);
    const l = e.layers.find((z) => z.layer === 'co-repost')!;
    assert.ok(l.significant && l.qValue !== null && l.qValue <= 0.01);
    assert.ok(l.count >= 8 && l.count > 5 * l.expected);
    assert.ok(l.objects.length >= 8 && l.objects.every((o) => o.actions.length === 2));
    assert.match(formatPairExplanation(e), /co-repost \(window 60 s\).*SIGNIFICANT/);
    const fans = await explainPair(store, fx.fans[0], fx.fans[1]);
    assert.ok(fans.layers.every((z) => !z.significant));
    const same = await explainPair(store, x, x);
    assert.equal(same.layers.length, 0);
    assert.match(same.messages[0], /same/);
  });

  test('is registered', () => {
    assert.ok(DETECTORS.some((d) => d.name === 'coordination' && d.channel === 'coordination'));
  });
});

describe('coordination detector on a link push jittered over hours', () => {
  test('the 6 h co-link window finds what the 1 h window misses, and no organic account', async () => {
    const fx = makeFixture({
      ...FIXTURE_DEFAULTS,
      seed: 11,
      swarms: [{ style: 'link', size: 14, pushes: 10, jitterSeconds: 3 * 3600, participation: 0.8 }],
    });
    const store = await DuckDBStore.open(':memory:');
    try {
      await loadFixture(store, fx);
      const planted = new Set(fx.swarms.flat());
      const found = async (layers: string[]) => {
        const r = await detectDetailed(ctxOf(store), { layers, providers: false });
        const flagged = new Set(r.graph.clusters.flatMap((c) => c.members));
        return { tp: [...flagged].filter((k) => planted.has(k)).length, flagged: flagged.size };
      };
      const short = await found(['co-repost', 'co-link']);
      const both = await found(['co-repost', 'co-link', 'co-link-6h']);
      assert.ok(both.tp > short.tp, `planted found: ${short.tp} with 1 h, ${both.tp} with 6 h too`);
      assert.ok(both.tp >= both.flagged * 0.95, `precision ${both.tp}/${both.flagged}`);
    } finally {
      await store.close();
    }
  });
});

describe('coordination detector edge cases', () => {
  test('an empty workspace gives a message, not an error', async () => {
    const store = await DuckDBStore.open(':memory:');
    try {
      const r = await coordinationDetector.detect(ctxOf(store));
      assert.equal(r.findings.length, 0);
      assert.match(r.messages.join('\n'), /no posts/);
    } finally {
      await store.close();
    }
  });

  test('one account: nothing to pair', async () => {
    const store = await storeWith([repost('1', 'a', T0, 'o1'), repost('2', 'a', T0 + 5, 'o2')]);
    try {
      const r = await coordinationDetector.detect(ctxOf(store));
      assert.equal(r.findings.length, 0);
      assert.match(r.messages.join('\n'), /no pair of accounts/);
    } finally {
      await store.close();
    }
  });

  test('all posts at one timestamp: timing carries no information, said so', async () => {
    // Each account reposts 4 of 60 posts chosen at random: no structure, one timestamp.
    const rnd = mulberry32(9);
    const posts: Post[] = [];
    for (let i = 0; i < 300; i++) {
      const picks = new Set<number>();
      while (picks.size < 4) picks.add(Math.floor(rnd() * 60));
      for (const k of picks) posts.push(repost(`p${i}-${k}`, `u${i}`, T0, `o${k}`));
    }
    const store = await storeWith(posts);
    try {
      const r = await coordinationDetector.detect(ctxOf(store));
      assert.match(r.messages.join('\n'), /share one timestamp/);
      assert.equal(r.findings.length, 0);
    } finally {
      await store.close();
    }
  });

  test('one object shared by fifty thousand accounts in one window is capped, quickly', async () => {
    const posts: Post[] = [];
    for (let i = 0; i < 50_000; i++) posts.push(repost(`v${i}`, `u${i}`, T0 + (i % 30) * 1000, 'viral'));
    const store = await storeWith(posts);
    try {
      const r = await detectDetailed(ctxOf(store));
      const msg = r.messages.join('\n');
      assert.match(
        msg,
        /co-repost: 1 object\(s\) had more than 150 actions inside one 60 s window \(largest 50000\)/,
      );
      assert.equal(r.layers.find((l) => l.layer === 'co-repost')!.pairsTested, 0);
    } finally {
      await store.close();
    }
  });

  test('minute-resolution timestamps raise a shorter window to 60 s', async () => {
    const posts: Post[] = [];
    for (let i = 0; i < 40; i++) posts.push(repost(`m${i}`, `u${i % 8}`, T0 + (i % 5) * 60_000, `o${i % 6}`));
    const store = await storeWith(posts);
    try {
      const r = await detectDetailed(ctxOf(store), { windows: { 'co-repost': 10 }, layers: ['co-repost'] });
      assert.match(r.messages.join('\n'), /whole minutes .* using 60 s/);
      assert.equal(r.layers[0].windowSeconds, 60);
    } finally {
      await store.close();
    }
  });

  test('options are checked', async () => {
    const store = await DuckDBStore.open(':memory:');
    try {
      await assert.rejects(coordinationDetector.detect(ctxOf(store), { fdr: 2 }), /fdr/);
      await assert.rejects(
        coordinationDetector.detect(ctxOf(store), { layers: ['co-telepathy'] }),
        /unknown layer/,
      );
    } finally {
      await store.close();
    }
  });
});
