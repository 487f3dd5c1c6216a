import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Post } from '../../model/post.js';
import { bareAccount } from '../../model/post.js';
import { isVigieError } from '../../util/errors.js';
import { mulberry32, loadFixture } from '../../detectors/coordination/fixture.js';
import { DuckDBStore } from './DuckDBStore.js';
import { OBJECT_LAYERS } from './coaction.js';

const T0 = Date.UTC(2017, 4, 3, 19);

function mk(id: string, account: string, time: number, extra: Partial<Post> = {}): Post {
  return {
    platform: 'x',
    postId: id,
    accountId: account,
    time,
    text: null,
    lang: 'und',
    kind: 'original',
    refPostId: null,
    refAccountId: null,
    urls: [],
    canonicalUrls: [],
    domains: [],
    hashtags: [],
    mentions: [],
    media: [],
    client: null,
    ...extra,
  };
}

const repost = (id: string, account: string, time: number, object: string) =>
  mk(id, account, time, { kind: 'repost', refPostId: object });

async function storeWith(posts: Post[], withAccounts = true): Promise<DuckDBStore> {
  const store = await DuckDBStore.open(':memory:');
  const ids = withAccounts ? [...new Set(posts.map((p) => p.accountId))] : [];
  const accounts = ids.map((a) => ({
    ...bareAccount('x', a),
    createdAt: T0 - 86400_000,
  }));
  await loadFixture(store, { posts, accounts });
  return store;
}

/** Brute force over all action pairs of each object: the oracle for pair generation. */
function brute(posts: Post[], windowMs: number) {
  const byObj = new Map<string, Post[]>();
  for (const p of posts) {
    if (p.kind !== 'repost' || !p.refPostId) continue;
    const k = `x:${p.refPostId}`;
    if (!byObj.has(k)) byObj.set(k, []);
    byObj.get(k)!.push(p);
  }
  const pairs = new Map<string, Map<string, number>>(); // pair -> object -> closest delta
  for (const [o, ps] of byObj)
    for (let i = 0; i < ps.length; i++)
      for (let j = i + 1; j < ps.length; j++) {
        const [p, q] = [ps[i], ps[j]];
        if (p.accountId === q.accountId) continue;
        const d = Math.abs(p.time - q.time);
        if (d > windowMs) continue;
        const [a, b] = [`x:${p.accountId}`, `x:${q.accountId}`].sort();
        const k = `${a} ${b}`;
        if (!pairs.has(k)) pairs.set(k, new Map());
        const m = pairs.get(k)!;
        m.set(o, Math.min(m.get(o) ?? Infinity, d));
      }
  return pairs;
}

function randomReposts(seed: number, n: number, repeats: boolean): Post[] {
  const rnd = mulberry32(seed);
  const posts: Post[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) {
    const a = `a${Math.floor(rnd() * 25)}`;
    const k = Math.floor(Math.pow(rnd(), 2) * 30);
    const o = `o${k}`;
    if (!repeats && seen.has(a + o)) continue;
    seen.add(a + o);
    // Times on a 10 s grid: plenty of ties and pairs exactly at the window edge. The object's
    // index in milliseconds keeps objects' first times distinct (strata order by first time).
    posts.push(repost(`p${i}`, a, T0 + Math.floor(rnd() * 360) * 10_000 + k, o));
  }
  return posts;
}

// Sums of doubles inside DuckDB may add in any order across threads (the plain calls too):
// expected counts are compared to 1e-12 relative, everything else exactly.
function same(x: unknown, y: unknown, path = ''): void {
  if (typeof x === 'number' && typeof y === 'number' && !Number.isInteger(x))
    return assert.ok(Math.abs(x - y) <= 1e-12 * Math.abs(y), `${path}: ${x} vs ${y}`);
  if (x && y && typeof x === 'object' && typeof y === 'object') {
    assert.deepEqual(Object.keys(x), Object.keys(y), path);
    for (const k of Object.keys(x))
      if (k !== 'seconds')
        same((x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k], `${path}.${k}`);
    return;
  }
  assert.equal(x, y, path);
}

/** Session tables left in the store (cs_*). */
async function keptTables(store: DuckDBStore, like = 'cs\\_%'): Promise<unknown[][]> {
  const conn = (store as unknown as { conn: import('@duckdb/node-api').DuckDBConnection }).conn;
  return (
    await conn.runAndReadAll(
      `SELECT table_name FROM duckdb_tables() WHERE table_name LIKE '${like}' ESCAPE '\\'`,
    )
  ).getRows();
}

const Q = { windowMs: 30_000, maxAccountsPerObject: 1000, minCount: 1, minObjectsPerStratum: 1 };

describe('co-action pairs in DuckDB', () => {
  // 'few': a handful of repeated actions, whose earlier partners are generated backward (at
  // most 1 % of the rows repeat); 'many': the general path.
  for (const repeats of ['none', 'few', 'many'] as const) {
    test(`pairs, counts and deltas equal brute force (${repeats} repeated actions per account and object)`, async () => {
      const posts = randomReposts(repeats === 'many' ? 11 : 5, 600, repeats === 'many');
      if (repeats === 'few') {
        // A second set of objects, so that the repeats stay under 1 % of the rows.
        for (const p of randomReposts(6, 600, false))
          posts.push({ ...p, postId: `b${p.postId}`, refPostId: `b${p.refPostId}`, time: p.time + 7 });
        // u2 repeats itself on 'edge'; its only partner u1 acted exactly W (30 s) before its
        // first action, and u3 at the same time as it. Plus a repeat inside a random object.
        const T = T0 + 9000_000;
        posts.push(repost('e1', 'u1', T, 'edge'), repost('e2', 'u2', T + 30_000, 'edge'));
        posts.push(repost('e3', 'u3', T + 30_000, 'edge'), repost('e4', 'u2', T + 500_000, 'edge'));
        posts.push(repost('e5', posts[0].accountId, posts[0].time + 12_000, posts[0].refPostId!));
      }
      // Without account rows, keys come from the posts themselves.
      const store = await storeWith(posts, repeats === 'none');
      try {
        const r = await store.coactionPairs({ layer: 'co-repost', ...Q });
        const want = brute(posts, Q.windowMs);
        assert.equal(r.stats.pairsTested, want.size);
        assert.equal(r.pairs.length, want.size);
        for (const p of r.pairs) {
          const m = want.get(`${p.a} ${p.b}`);
          assert.ok(m, `unexpected pair ${p.a} ${p.b}`);
          assert.equal(p.count, m.size);
          const mean = [...m.values()].reduce((s, x) => s + x, 0) / m.size;
          assert.ok(Math.abs(p.meanDeltaMs - mean) < 1e-6, `${p.meanDeltaMs} vs ${mean}`);
          assert.ok(p.expected > 0 && p.firstMs <= p.lastMs);
        }
        // minCount only filters what is returned; all pairs are still counted.
        const r2 = await store.coactionPairs({ layer: 'co-repost', ...Q, minCount: 2 });
        assert.equal(r2.stats.pairsTested, want.size);
        assert.equal(r2.pairs.length, [...want.values()].filter((m) => m.size >= 2).length);
        // Deltas and times of the returned pairs come from a second pass among their accounts
        // only: the same as when every pair is returned (checked against brute force above).
        const byKey = new Map(r.pairs.map((p) => [`${p.a} ${p.b}`, p]));
        const r3 = await store.coactionPairs({ layer: 'co-repost', ...Q, maxPValue: 0.3 });
        assert.ok(
          r3.pairs.length > 0 && r3.pairs.length < r.pairs.length,
          `${r3.pairs.length} ${r.pairs.length}`,
        );
        for (const p of [...r2.pairs, ...r3.pairs]) {
          const full = byKey.get(`${p.a} ${p.b}`)!;
          const pick = (x: typeof p) => [x.count, x.meanDeltaMs, x.firstMs, x.lastMs];
          assert.deepEqual(pick(p), pick(full), `${p.a} ${p.b}`);
        }
      } finally {
        await store.close();
      }
    });
  }

  test('expected counts follow the stratified formula sum_s n_is n_js rate_s', async () => {
    const posts = randomReposts(3, 500, false);
    const store = await storeWith(posts);
    try {
      const size = 3;
      const r = await store.coactionPairs({ layer: 'co-repost', ...Q, minObjectsPerStratum: size });
      // Recompute the null from scratch: popularity bins cut into runs of `size` objects by first time.
      const byObj = new Map<string, Post[]>();
      for (const p of posts) byObj.set(p.refPostId!, [...(byObj.get(p.refPostId!) ?? []), p]);
      const bins = new Map<number, { o: string; first: number }[]>();
      for (const [o, ps] of byObj) {
        const b = Math.floor(Math.log2(new Set(ps.map((p) => p.accountId)).size));
        bins.set(b, [...(bins.get(b) ?? []), { o, first: Math.min(...ps.map((p) => p.time)) }]);
      }
      const stratumOf = new Map<string, string>();
      for (const [b, objs] of bins) {
        objs.sort((x, y) => x.first - y.first);
        objs.forEach((x, i) => {
          const chunk =
            objs.length < size ? 0 : Math.min(Math.floor(i / size), Math.floor(objs.length / size) - 1);
          stratumOf.set(x.o, `${b}/${chunk}`);
        });
      }
      assert.equal(
        r.stats.strata.reduce((s, x) => s + x.timeStrata, 0),
        new Set(stratumOf.values()).size,
      );
      const map = { get: (o: string) => stratumOf.get(o) };
      const inc = new Map<string, number>();
      const wp = new Map<string, number>();
      for (const [o, ps] of byObj) {
        const s = map.get(o)!;
        const d = ps.length;
        let pairs = 0;
        for (let i = 0; i < d; i++)
          for (let j = i + 1; j < d; j++) if (Math.abs(ps[i].time - ps[j].time) <= Q.windowMs) pairs++;
        inc.set(s, (inc.get(s) ?? 0) + d);
        if (d > 1) wp.set(s, (wp.get(s) ?? 0) + (pairs * d) / (d - 1));
      }
      const n = new Map<string, Map<string, number>>();
      for (const p of posts) {
        const s = map.get(p.refPostId!)!;
        const m = n.get(`x:${p.accountId}`) ?? new Map();
        m.set(s, (m.get(s) ?? 0) + 1);
        n.set(`x:${p.accountId}`, m);
      }
      for (const p of r.pairs.slice(0, 50)) {
        let lambda = 0;
        for (const [s, ni] of n.get(p.a)!) {
          const nj = n.get(p.b)!.get(s) ?? 0;
          const rate = (2 * (wp.get(s) ?? 0)) / (inc.get(s)! * inc.get(s)!);
          lambda += ni * nj * rate;
        }
        assert.ok(Math.abs(p.expected - lambda) / lambda < 1e-9, `${p.expected} vs ${lambda}`);
      }
    } finally {
      await store.close();
    }
  });

  test('an object crowded beyond the cap inside one window is left out and reported', async () => {
    const posts: Post[] = [];
    for (let i = 0; i < 12; i++) posts.push(repost(`c${i}`, `fan${i}`, T0 + i * 1000, 'viral'));
    for (let k = 0; k < 3; k++)
      for (const a of ['r1', 'r2', 'r3'])
        posts.push(repost(`r${k}${a}`, a, T0 + k * 3600_000 + 5000, `obscure${k}`));
    const store = await storeWith(posts);
    try {
      const r = await store.coactionPairs({ layer: 'co-repost', ...Q, maxAccountsPerObject: 5 });
      assert.equal(r.stats.cappedObjects, 1);
      assert.equal(r.stats.cappedActions, 12);
      assert.equal(r.stats.maxActionsInWindow, 12);
      assert.deepEqual(
        r.pairs.map((p) => `${p.a} ${p.b} ${p.count}`),
        ['x:r1 x:r2 3', 'x:r1 x:r3 3', 'x:r2 x:r3 3'],
      );
    } finally {
      await store.close();
    }
  });

  test('maxPValue drops only pairs whose point probability already exceeds it', async () => {
    const posts = randomReposts(9, 700, false);
    const store = await storeWith(posts);
    try {
      const all = await store.coactionPairs({ layer: 'co-repost', ...Q, minCount: 2 });
      const some = await store.coactionPairs({ layer: 'co-repost', ...Q, minCount: 2, maxPValue: 0.05 });
      assert.equal(some.stats.pairsTested, all.stats.pairsTested);
      const kept = new Set(some.pairs.map((p) => p.a + p.b));
      for (const p of all.pairs) {
        const l = p.expected;
        let lnPmf = -l + p.count * Math.log(l);
        for (let k = 2; k <= p.count; k++) lnPmf -= Math.log(k);
        const lnPoint = lnPmf - Math.log(1 - Math.exp(-l));
        assert.equal(kept.has(p.a + p.b), lnPoint <= Math.log(0.05) + 1e-9, `${p.a} ${p.b}`);
      }
    } finally {
      await store.close();
    }
  });

  test('discreteFdr: pairs that cannot reach p < 1 (an account with one object) leave the family', async () => {
    // Background, a ring of five accounts on eight objects within seconds, and 60 accounts seen
    // once (their pairs have p = 1 whatever happens and must leave the family).
    const posts = randomReposts(21, 700, false);
    for (let o = 0; o < 8; o++)
      for (let m = 0; m < 5; m++)
        posts.push(repost(`r${o}-${m}`, `ring${m}`, T0 + o * 400_000 + m * 1000, `ro${o}`));
    for (let i = 0; i < 60; i++) posts.push(repost(`s${i}`, `once${i}`, T0 + (i % 6) * 5000, `o${i % 3}`));
    // Objects as popular as the ring's, reposted over an hour: the ring's are not the only ones.
    const rnd = mulberry32(3);
    for (let o = 0; o < 60; o++)
      for (let m = 0; m < 5; m++)
        posts.push(
          repost(
            `b${o}-${m}`,
            `bg${Math.floor(rnd() * 40)}-${m}`,
            T0 + Math.floor(rnd() * 3600) * 1000 + o,
            `bo${o}`,
          ),
        );
    const store = await storeWith(posts);
    try {
      const alpha = 0.01;
      // Strata of 20 objects: the ring's eight objects do not make a stratum of their own.
      const q = { layer: 'co-repost', ...Q, minObjectsPerStratum: 20 };
      const all = await store.coactionPairs(q);
      const fam = await store.coactionPairs({ ...q, discreteFdr: alpha });
      assert.equal(fam.stats.pairsTested, all.stats.pairsTested);
      assert.equal(
        all.stats.pairsInFamily,
        all.stats.pairsTested,
        'without discreteFdr every tested pair is in',
      );
      // Oracle: cm = fewer distinct objects of the two accounts; a pair with cm = 1 has p = 1.
      const objs = new Map<string, Set<string>>();
      for (const p of posts) {
        const k = `x:${p.accountId}`;
        if (!objs.has(k)) objs.set(k, new Set());
        objs.get(k)!.add(p.refPostId!);
      }
      const cm = (p: { a: string; b: string }) => Math.min(objs.get(p.a)!.size, objs.get(p.b)!.size);
      const want = new Set(all.pairs.filter((p) => cm(p) >= 2).map((p) => `${p.a} ${p.b}`));
      assert.equal(fam.stats.pairsInFamily, want.size);
      assert.ok(want.size < all.stats.pairsTested, `family ${want.size} of ${all.stats.pairsTested}`);
      assert.deepEqual(new Set(fam.pairs.map((p) => `${p.a} ${p.b}`)), want);
      assert.ok(fam.pairs.some((p) => p.a === 'x:ring0' && p.b === 'x:ring1' && p.count === 8));
      assert.ok(!fam.pairs.some((p) => p.a.startsWith('x:once') || p.b.startsWith('x:once')));
    } finally {
      await store.close();
    }
  });

  test('list layers: one action per distinct element; hashtag sets need two tags', async () => {
    const u = 'https://ex.org/a';
    const posts = [
      mk('1', 'a', T0, { canonicalUrls: [u, u], urls: [u, u], hashtags: ['x', 'y'] }),
      mk('2', 'b', T0 + 5000, { canonicalUrls: [u], urls: [u], hashtags: ['y', 'x'] }),
      mk('3', 'c', T0 + 9000, { canonicalUrls: [u], urls: [u], hashtags: ['x'] }),
    ];
    const store = await storeWith(posts);
    try {
      const link = await store.coactionPairs({ layer: 'co-link', ...Q });
      assert.equal(link.stats.actions, 3);
      assert.equal(link.stats.pairsTested, 3);
      const set = await store.coactionPairs({ layer: 'co-hashtag-set', ...Q });
      assert.deepEqual(
        set.pairs.map((p) => [p.a, p.b, p.count]),
        [['x:a', 'x:b', 1]],
      );
    } finally {
      await store.close();
    }
  });

  test('onlyAccounts restricts the pairs but not the null statistics', async () => {
    const posts = randomReposts(4, 500, false);
    const store = await storeWith(posts);
    try {
      const all = await store.coactionPairs({ layer: 'co-repost', ...Q });
      const p = all.pairs[0];
      const one = await store.coactionPairs({ layer: 'co-repost', ...Q, onlyAccounts: [p.a, p.b] });
      assert.equal(one.pairs.length, 1);
      assert.deepEqual(one.pairs[0], p);
    } finally {
      await store.close();
    }
  });

  test('shared objects list the actions of the given accounts within the window', async () => {
    const posts = [
      repost('1', 'a', T0, 'o1'),
      repost('2', 'b', T0 + 20_000, 'o1'),
      repost('3', 'c', T0 + 500_000, 'o1'), // outside the window of a and b
      repost('4', 'a', T0, 'o2'),
      repost('5', 'b', T0 + 1000, 'o2'),
      repost('6', 'c', T0 + 2000, 'o2'),
    ];
    const store = await storeWith(posts);
    try {
      const s = await store.sharedObjects({
        layer: 'co-repost',
        windowMs: 30_000,
        accounts: ['x:a', 'x:b', 'x:c'],
        limitObjects: 10,
        limitActionsPerObject: 10,
      });
      assert.deepEqual(
        s.map((o) => [o.object, o.accounts, o.actions.map((a) => a.postKey).join(' ')]),
        [
          ['x:o2', 3, 'x:4 x:5 x:6'],
          ['x:o1', 2, 'x:1 x:2'],
        ],
      );
      const accts = await store.accountsByKey(['x:a', 'x:zz', "x:a' OR 1=1"]);
      assert.deepEqual(
        accts.map((a) => a.accountId),
        ['a'],
      );
    } finally {
      await store.close();
    }
  });

  test('edge cases: empty layer, one account, unknown layer, near-dup layer not there', async () => {
    const store = await storeWith([repost('1', 'solo', T0, 'o'), repost('2', 'solo', T0 + 1, 'o2')]);
    try {
      const r = await store.coactionPairs({ layer: 'co-repost', ...Q });
      assert.equal(r.stats.accounts, 1);
      assert.equal(r.pairs.length, 0);
      const empty = await store.coactionPairs({ layer: 'co-image', ...Q });
      assert.equal(empty.stats.actions, 0);
      await assert.rejects(store.coactionPairs({ layer: 'nope', ...Q }), (e) => isVigieError(e, 'ERR_USAGE'));
      const layers = await store.coactionLayers();
      const text = layers.find((l) => l.layer === 'co-text');
      assert.equal(text?.available, false);
      await assert.rejects(store.coactionPairs({ layer: 'co-text', ...Q }), (e) =>
        isVigieError(e, 'ERR_NOT_FOUND'),
      );
    } finally {
      await store.close();
    }
  });

  test('co-text pairs accounts on near-duplicate groups once the near-dup detector has written them', async () => {
    const posts = [
      mk('1', 'a', T0, { text: 'Vote no!' }),
      mk('2', 'b', T0 + 30_000, { text: 'vote NO !' }),
      mk('3', 'c', T0 + 60_000, { text: 'something else' }),
    ];
    const store = await storeWith(posts);
    try {
      assert.equal((await store.coactionLayers()).find((l) => l.layer === 'co-text')?.available, false);
      // Rows are referenced by their position in the posts table, as the near-dup detector does.
      await store.saveNearDupGroups({
        count: 3,
        refs: new Float64Array([0, 1, 2]),
        groupIds: new Float64Array([7, 7, 8]),
        similarity: new Float32Array([0.9, 0.9, 1]),
      });
      assert.equal((await store.coactionLayers()).find((l) => l.layer === 'co-text')?.available, true);
      const r = await store.coactionPairs({ layer: 'co-text', ...Q, windowMs: 60_000 });
      assert.deepEqual(
        r.pairs.map((p) => [p.a, p.b, p.count]),
        [['x:a', 'x:b', 1]],
      );
    } finally {
      await store.close();
    }
  });

  test('timing null: expected = sum over shared objects of min(1, k_i k_j tau_stratum)', async () => {
    const posts = randomReposts(21, 500, true);
    const store = await storeWith(posts);
    try {
      const big = 1_000_000; // one stratum per popularity bin
      const r = await store.coactionPairs({
        layer: 'co-repost',
        ...Q,
        minObjectsPerStratum: big,
        nullModel: 'timing',
      });
      const byObj = new Map<string, Post[]>();
      for (const p of posts) byObj.set(p.refPostId!, [...(byObj.get(p.refPostId!) ?? []), p]);
      const binOf = new Map<string, number>();
      const within = new Map<number, number>();
      const all = new Map<number, number>();
      for (const [o, ps] of byObj) {
        const b = Math.floor(Math.log2(new Set(ps.map((p) => p.accountId)).size));
        binOf.set(o, b);
        for (let i = 0; i < ps.length; i++)
          for (let j = i + 1; j < ps.length; j++) {
            if (ps[i].accountId === ps[j].accountId) continue;
            all.set(b, (all.get(b) ?? 0) + 1);
            if (Math.abs(ps[i].time - ps[j].time) <= Q.windowMs) within.set(b, (within.get(b) ?? 0) + 1);
          }
      }
      const k = (a: string, o: string) => byObj.get(o)!.filter((p) => `x:${p.accountId}` === a).length;
      for (const p of r.pairs.slice(0, 40)) {
        let lambda = 0;
        let shared = 0;
        for (const [o] of byObj) {
          const [ka, kb] = [k(p.a, o), k(p.b, o)];
          if (ka === 0 || kb === 0) continue;
          shared++;
          const b = binOf.get(o)!;
          lambda += Math.min(1, ka * kb * ((within.get(b) ?? 0) / all.get(b)!));
        }
        assert.equal(p.sharedObjects, shared);
        assert.ok(Math.abs(p.expected - lambda) / lambda < 1e-9, `${p.expected} vs ${lambda}`);
      }
    } finally {
      await store.close();
    }
  });

  test("group candidates: outsiders acting on a group's co-action objects within W of a member", async () => {
    const posts: Post[] = [];
    for (let k = 0; k < 4; k++) {
      const at = T0 + k * 7200_000;
      for (const [i, m] of ['a', 'b', 'c'].entries())
        posts.push(repost(`g${k}${m}`, m, at + i * 5000, `push${k}`));
      if (k < 3) posts.push(repost(`d${k}`, 'd', at + 20_000, `push${k}`)); // an outsider in step
      posts.push(repost(`e${k}`, 'e', at + 3600_000, `push${k}`)); // an outsider an hour later
    }
    for (let i = 0; i < 200; i++) posts.push(repost(`n${i}`, `u${i % 40}`, T0 + i * 60_000, `org${i % 50}`));
    const store = await storeWith(posts);
    try {
      const r = await store.groupCandidates({
        layer: 'co-repost',
        windowMs: 60_000,
        maxAccountsPerObject: 1000,
        minObjectsPerStratum: 1000, // one stratum per popularity bin
        groups: [['x:a', 'x:b', 'x:c']],
        minCount: 1,
      });
      assert.equal(r.groupObjects[0], 4);
      assert.deepEqual(
        r.candidates.map((c) => [c.account, c.count]),
        [['x:d', 3]],
      );
      assert.equal(r.tested, 1);
      // d's 3 actions land, by chance, on the 4 pushes in proportion to their share of the bin.
      assert.ok(
        r.candidates[0].expected > 0 && r.candidates[0].expected < 1,
        String(r.candidates[0].expected),
      );
    } finally {
      await store.close();
    }
  });
  test('shared objects of several groups in one pass equal one call per group', async () => {
    const posts = randomReposts(7, 500, true);
    const store = await storeWith(posts);
    // Overlapping groups, a one-account group, an empty one, and limits that cut the lists.
    const groups = [
      ['x:a1', 'x:a2', 'x:a3', 'x:a4', 'x:a5'],
      ['x:a4', 'x:a5', 'x:a6'],
      ['x:a7'],
      [],
      ['x:a8', 'x:a9'],
    ];
    const q = { layer: 'co-repost', windowMs: 60_000, limitObjects: 3, limitActionsPerObject: 4 };
    const session = await store.coactionSession();
    try {
      const all = await session.sharedObjectsOfGroups({ ...q, groups });
      assert.equal(all.length, groups.length);
      for (const [i, accounts] of groups.entries())
        assert.deepEqual(all[i], await store.sharedObjects({ ...q, accounts }), `group ${i}`);
      assert.ok(all[0].length === 3 && all[0].some((o) => o.actions.length === 4));
      assert.deepEqual(all[2], []);
    } finally {
      await session.close();
      await store.close();
    }
  });

  test('a session gives the numbers of the plain calls (two windows, a capped object, repeats, group tests)', async () => {
    // Repeated actions with ties and pairs at the window edges (10 s grid), plus an object
    // whose busiest window holds 4 actions within 30 s but all 10 within 120 s: capped at the
    // long window only (cap 6), so the two windows do not expand the same objects.
    const posts = randomReposts(11, 600, true);
    for (let i = 0; i < 10; i++) posts.push(repost(`v${i}`, `a${i}`, T0 + 7200_000 + i * 10_000, 'viral'));
    const store = await storeWith(posts);
    const windows = [30_000, 120_000];
    const q = (windowMs: number) => ({
      layer: 'co-repost',
      windowMs,
      maxAccountsPerObject: 6,
      minCount: 2,
      minObjectsPerStratum: 3,
      discreteFdr: 0.01,
      dispersion: 0.3,
    });
    const g = (windowMs: number) => ({
      layer: 'co-repost',
      windowMs,
      maxAccountsPerObject: 6,
      minObjectsPerStratum: 3,
      groups: [
        ['x:a1', 'x:a2', 'x:a3', 'x:a4'],
        ['x:a10', 'x:a11', 'x:a12'],
      ],
      minCount: 1,
    });
    try {
      const plain = [];
      for (const w of windows) plain.push(await store.coactionPairs(q(w)));
      const plainGroups = [];
      for (const w of [...windows, 60_000]) plainGroups.push(await store.groupCandidates(g(w)));
      assert.notEqual(plain[0].stats.cappedObjects, plain[1].stats.cappedObjects);
      assert.ok(plain[0].pairs.length > 0 && plainGroups[0].tested > 0);

      const session = await store.coactionSession();
      try {
        // As the detector calls them: each window's pairs, then each window's group test; the
        // 60 s group test has no kept null model and falls back to its own.
        for (const [i, w] of windows.entries()) {
          same(await session.coactionPairs(q(w)), plain[i], `pairs ${w}`);
        }
        for (const [i, w] of [...windows, 60_000].entries())
          same(await session.groupCandidates(g(w)), plainGroups[i], `groups ${w}`);
      } finally {
        await session.close();
      }
      // Nothing kept after close; the plain calls still give the same numbers.
      assert.deepEqual(await keptTables(store), []);
      same((await store.coactionPairs(q(windows[0]))).pairs, plain[0].pairs, 'after close');
    } finally {
      await store.close();
    }
  });
});

describe('layers with their own actions SELECT', () => {
  test('read the same actions and objects as the generic path over their select', async () => {
    // Reposts and replies on two platforms sharing post ids (the same id on two platforms is
    // two objects), a reply without a reference (no action), and a repeated action.
    const posts: Post[] = [];
    const rnd = mulberry32(3);
    for (let i = 0; i < 300; i++) {
      const kind = rnd() < 0.5 ? ('repost' as const) : ('reply' as const);
      const ref = rnd() < 0.05 ? null : `r${Math.floor(rnd() * 20)}`;
      posts.push(
        mk(`p${i}`, `a${Math.floor(rnd() * 15)}`, T0 + Math.floor(rnd() * 600) * 1000, {
          kind,
          refPostId: ref,
          platform: rnd() < 0.5 ? 'x' : 'bsky',
          lang: rnd() < 0.5 ? 'fr' : 'en',
        }),
      );
    }
    const store = await storeWith(posts);
    try {
      const conn = (store as unknown as { conn: import('@duckdb/node-api').DuckDBConnection }).conn;
      // Each action with the size of its object: the same multiset on both paths means the same
      // actions partitioned into the same objects (up to the objects' hash values).
      const shape = async (sql: string) =>
        (
          await conn.runAndReadAll(
            `SELECT a, t, l, count(*) OVER (PARTITION BY o) AS k FROM (${sql}) ORDER BY a, t, l, k`,
          )
        ).getRowsJS();
      let checked = 0;
      for (const [layer, spec] of Object.entries(OBJECT_LAYERS)) {
        if (!spec.actions) continue;
        const generic = `SELECT hash(platform, account_id) AS a, hash(obj) AS o, epoch_ms(created_at) AS t, lang AS l
          FROM (${spec.select}) WHERE obj IS NOT NULL AND obj <> ''`;
        const want = await shape(generic);
        assert.ok(want.length > 100, layer);
        assert.deepEqual(await shape(spec.actions), want, layer);
        checked++;
      }
      assert.equal(checked, 2, 'co-repost and co-reply have their own actions SELECT');
    } finally {
      await store.close();
    }
  });
});
