import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { Post } from '../../model/post.js';
import { bareAccount } from '../../model/post.js';
import type { ActivityBins } from '../../store/activity-types.js';
import { DuckDBStore } from '../../store/duckdb/DuckDBStore.js';
import { isVigieError } from '../../util/errors.js';
import { loadFixture } from '../coordination/fixture.js';
import { bhLogQ, logConditionalPValue } from '../coordination/stats.js';
import { mulberry32 } from '../../util/rng.js';
import { SYNC_DEFAULTS, logSelectedTail, syncEdges, syncEdgesFromBins, syncProvider } from './index.js';

const T0 = Date.UTC(2017, 4, 1);
const MIN = 60_000;

/** Activity bins from (account, time) events, as the store computes them. */
function binsOf(
  events: [string, number][],
  binSeconds = 60,
  minActiveBins = SYNC_DEFAULTS.minActiveBins,
): ActivityBins {
  const binMs = binSeconds * 1000;
  const per = new Map<string, Set<number>>();
  for (const [a, t] of events) {
    if (!per.has(a)) per.set(a, new Set());
    per.get(a)!.add(Math.floor(t / binMs));
  }
  const accounts = [...per.keys()].filter((a) => per.get(a)!.size >= minActiveBins).sort();
  const occupied = [...new Set(accounts.flatMap((a) => [...per.get(a)!]))].sort((x, y) => x - y);
  const index = new Map(occupied.map((b, i) => [b, i]));
  const offsets = new Int32Array(accounts.length + 1);
  const bins: number[] = [];
  accounts.forEach((a, i) => {
    bins.push(...[...per.get(a)!].map((b) => index.get(b)!).sort((x, y) => x - y));
    offsets[i + 1] = bins.length;
  });
  return {
    binSeconds,
    accounts,
    offsets,
    bins: Int32Array.from(bins),
    binStartMs: Float64Array.from(occupied.map((b) => b * binMs)),
    accountsSeen: per.size,
  };
}

interface World {
  events: [string, number][];
  bots: string[];
  fans: string[];
}

/**
 * A week of organic accounts (heavy-tailed activity, a daily rhythm), a televised debate
 * where 300 fans post in the same half hour, and 6 bots that post in the same minute 25
 * times over the week besides their own organic posts.
 */
function world(seed: number): World {
  const rnd = mulberry32(seed);
  const events: [string, number][] = [];
  const week = 7 * 24 * 60;
  const organicMinute = () => {
    for (;;) {
      const m = Math.floor(rnd() * week);
      const hour = (m / 60) % 24;
      if (rnd() < (hour >= 7 && hour <= 23 ? 1 : 0.15)) return m;
    }
  };
  for (let i = 0; i < 400; i++) {
    const a = `x:user${String(i).padStart(4, '0')}`;
    const posts = Math.floor(10 + 300 * rnd() ** 3);
    for (let k = 0; k < posts; k++) events.push([a, T0 + organicMinute() * MIN + Math.floor(rnd() * MIN)]);
  }
  const fans: string[] = [];
  const debate = 3 * 24 * 60 + 21 * 60;
  for (let i = 0; i < 300; i++) {
    const a = `x:user${String(i).padStart(4, '0')}`;
    fans.push(a);
    for (let k = 0; k < 4; k++)
      events.push([a, T0 + (debate + Math.floor(rnd() * 30)) * MIN + Math.floor(rnd() * MIN)]);
  }
  const bots = Array.from({ length: 6 }, (_, i) => `x:bot${i}`);
  for (let k = 0; k < 25; k++) {
    const m = organicMinute();
    for (const b of bots) events.push([b, T0 + m * MIN + Math.floor(rnd() * 50_000)]);
  }
  for (const b of bots) for (let k = 0; k < 30; k++) events.push([b, T0 + organicMinute() * MIN]);
  return { events, bots, fans };
}

function significant(
  edges: { a: string; b: string; logPValue?: number }[],
  tested: number,
  fdr = 0.01,
): Set<string> {
  const q = bhLogQ(
    edges.map((e) => e.logPValue!),
    tested,
  );
  return new Set(edges.filter((_, i) => q[i] <= Math.log(fdr)).map((e) => `${e.a}|${e.b}`));
}

describe('synchronised activity', () => {
  test("the fast conditional Poisson tail equals the coordination detector's", () => {
    for (const mu of [1e-9, 1e-4, 0.01, 0.3, 1, 2.5, 10, 40])
      for (const k of [1, 2, 3, 5, 10, 25, 60, 200]) {
        const a = logSelectedTail(k, mu);
        const b = logConditionalPValue(k, mu);
        assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `k=${k} mu=${mu}: ${a} vs ${b}`);
      }
  });

  test('finds the bot pairs at FDR 0.01, not the debate fans or organic accounts', () => {
    const w = world(3);
    const r = syncEdgesFromBins(binsOf(w.events));
    const sig = significant(r.edges, r.tested);
    const botPairs = new Set<string>();
    for (let i = 0; i < w.bots.length; i++)
      for (let j = i + 1; j < w.bots.length; j++) botPairs.add(`${w.bots[i]}|${w.bots[j]}`);
    assert.deepEqual([...sig].sort(), [...botPairs].sort());
    for (const e of r.edges.filter((e) => sig.has(`${e.a}|${e.b}`))) {
      assert.equal(e.layer, 'sync');
      assert.ok(e.a < e.b);
      assert.ok(e.count >= 25, `${e.a} ${e.b} count ${e.count}`);
      assert.ok(e.expected! < 2);
      assert.equal(e.pairsTested, r.tested);
      assert.ok(e.firstMs! >= T0 && e.lastMs! > e.firstMs!);
    }
    assert.ok(r.tested > 10_000, `${r.tested} pairs tested`);
    assert.equal(r.stats.skippedBins, 0); // the debate (<= 300 per minute) is absorbed by the null
  });

  test('p-values are conservative on independent accounts', () => {
    const rnd = mulberry32(9);
    const events: [string, number][] = [];
    for (let i = 0; i < 300; i++)
      for (let k = 0; k < 40 + Math.floor(rnd() * 200); k++)
        events.push([`x:u${i}`, T0 + Math.floor(rnd() * 3 * 1440) * MIN]);
    const r = syncEdgesFromBins(binsOf(events), { minCoActiveBins: 1, maxPValue: 1 });
    assert.equal(r.edges.length, r.tested);
    const below = r.edges.filter((e) => e.pValue <= 0.05).length / r.tested;
    assert.ok(below <= 0.05, `share of p <= 0.05 under the null: ${below}`);
    assert.equal(significant(r.edges, r.tested).size, 0);
  });

  test('all posts at one timestamp: the bin is a popular moment, skipped and reported, no blow-up', () => {
    const events: [string, number][] = [];
    for (let i = 0; i < 20_000; i++) {
      const a = `x:a${i}`;
      events.push([a, T0]);
      for (let k = 1; k <= 10; k++) events.push([a, T0 + (k * 997 + i * 31) * MIN]);
    }
    const r = syncEdgesFromBins(binsOf(events));
    assert.equal(r.stats.skippedBins, 1);
    assert.equal(r.stats.skippedActivations, 20_000);
    assert.ok(r.stats.pairWork < 5e6, `${r.stats.pairWork} counter steps`);
    assert.match(r.messages.join('\n'), /popular 60-second bins.*20000 accounts/);
  });

  test('a work budget lowers the bin cap, said so', () => {
    const w = world(4);
    const r = syncEdgesFromBins(binsOf(w.events), { maxPairWork: 20_000 });
    assert.ok(r.stats.maxAccountsPerBin < SYNC_DEFAULTS.maxAccountsPerBin);
    assert.ok(r.stats.pairWork <= 20_000);
    assert.match(r.messages.join('\n'), /cap was lowered/);
  });

  test('deterministic', () => {
    const b = binsOf(world(5).events);
    assert.deepEqual(syncEdgesFromBins(b), syncEdgesFromBins(b));
  });

  test('empty, one account, bad options', () => {
    const none = syncEdgesFromBins(binsOf([]));
    assert.equal(none.edges.length, 0);
    assert.equal(none.tested, 0);
    assert.match(none.messages[0], /no account/);
    const one = syncEdgesFromBins(
      binsOf(Array.from({ length: 20 }, (_, k) => ['x:a', T0 + k * MIN] as [string, number])),
    );
    assert.match(one.messages[0], /only one account/);
    for (const bad of [{ binSeconds: 0 }, { minActiveBins: 0 }, { maxAccountsPerBin: 1 }, { maxPValue: 0 }])
      assert.throws(
        () => syncEdgesFromBins(binsOf([]), bad),
        (e) => isVigieError(e, 'ERR_USAGE'),
        JSON.stringify(bad),
      );
  });

  test('on a workspace: bins computed in the engine match, and the provider returns the bots', async () => {
    const w = world(6);
    const posts: Post[] = w.events.map(([a, t], i) => ({
      platform: 'x', postId: `p${i}`, accountId: a.slice(2), time: t, text: null, lang: 'und', kind: 'original',
      refPostId: null, refAccountId: null, urls: [], canonicalUrls: [], domains: [], hashtags: [], mentions: [],
      media: [], client: null,
    })); // prettier-ignore
    const store = await DuckDBStore.open(':memory:');
    try {
      const empty = await syncEdges(store);
      assert.equal(empty.edges.length, 0);
      await loadFixture(store, {
        posts,
        accounts: [...new Set(posts.map((p) => p.accountId))].map((a) => bareAccount('x', a)),
      });
      const fromStore = await store.activityBins({
        binSeconds: 60,
        minActiveBins: SYNC_DEFAULTS.minActiveBins,
      });
      const expected = binsOf(w.events);
      assert.deepEqual(fromStore.accounts, expected.accounts);
      assert.deepEqual(fromStore.offsets, expected.offsets);
      assert.deepEqual(fromStore.bins, expected.bins);
      assert.deepEqual(fromStore.binStartMs, expected.binStartMs);
      assert.equal(fromStore.accountsSeen, expected.accountsSeen);
      const r = await syncProvider.edges({ store, runId: 'r', seed: 1, log: () => undefined });
      const sig = significant(r.edges, r.tested!);
      assert.equal(sig.size, 15);
      for (const k of sig) assert.match(k, /^x:bot\d\|x:bot\d$/);
    } finally {
      await store.close();
    }
  });
});
