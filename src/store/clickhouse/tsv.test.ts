/**
 * Ingest as TabSeparated, and co-action rows derived by the servers: hostile text must
 * round-trip byte for byte, and every layer's objects derived on ClickHouse must be the ones
 * the DuckDB store derives from the same posts (a real two-shard cluster and a real DuckDB).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Account, Post } from '../../model/post.js';
import type { Store } from '../store.js';
import { DuckDBStore } from '../duckdb/DuckDBStore.js';
import { ClickHouseStore, rowToPost } from './ClickHouseStore.js';
import { LAYERS } from './layers.js';
import { tsvArray, tsvNullable, tsvString } from './tsv.js';
import { clickhouseSkipReason, startCluster, type TestCluster } from './testing/cluster.js';

const skip = clickhouseSkipReason();

test('TSV escaping: separators, backslashes and quotes are escaped, NULL is \\N', () => {
  assert.equal(tsvString('a\tb\nc\\d\re'), 'a\\tb\\nc\\\\d\\re');
  assert.equal(tsvString("l'été"), "l'été");
  assert.equal(tsvNullable(null), '\\N');
  assert.equal(tsvNullable('\\N'), '\\\\N');
  assert.equal(tsvArray([]), '[]');
  assert.equal(tsvArray(["it's", 'a\\b', 'c\td']), "['it\\'s','a\\\\b','c\\td']");
});

const HOSTILE = [
  'tab\there',
  'new\nline',
  'cr\rret',
  'back\\slash',
  "quote'single",
  '"double"',
  '\\N',
  '\\',
  "['x','y']",
  '<script>alert(1)</script>',
  'nul\u0000byte',
  'émoji 🗳️ ok',
  '',
];

function hostilePosts(): Post[] {
  const posts: Post[] = [];
  const t0 = Date.UTC(2026, 3, 10, 12);
  HOSTILE.forEach((h, i) => {
    for (const acc of ['a\t1', "b'2"]) {
      const n = posts.length;
      posts.push({
        platform: 'x',
        postId: `p${n}${h.slice(0, 3)}`,
        accountId: acc,
        time: t0 + i * 3_600_000 + n * 1000,
        text: i % 4 === 3 ? null : `${h} text ${h}`,
        lang: 'fr',
        kind: i % 3 === 0 ? 'repost' : i % 3 === 1 ? 'reply' : 'original',
        refPostId: i % 3 === 2 ? null : `ref${h}${i}`,
        refAccountId: i % 3 === 2 ? null : `r${h}`,
        urls: [`https://e.example/${h}`],
        canonicalUrls: [`https://e.example/${h}`, `https://e.example/${h}`],
        domains: [`d${h}.example`],
        hashtags: [h, `tag${i}`, h],
        mentions: [h, `m${h}`],
        media: [h],
        client: i % 2 ? null : `client ${h}`,
      });
    }
  });
  return posts;
}

async function load(store: Store, posts: Post[], accounts: Account[]): Promise<void> {
  const src = await store.beginSource({
    path: 'hostile',
    size: 1,
    sha256: 'hostile',
    format: 'synth',
    compression: null,
  });
  await store.writeBatch({
    sourceId: src.sourceId,
    posts,
    postRecordNos: posts.map((_, i) => i),
    accounts,
    rejects: [{ recordNo: posts.length, line: 3, offset: 17, reason: 'bad\tline\n', excerpt: "x'\\y" }],
    recordsDone: posts.length + 1,
  });
  await store.finishSource(src.sourceId, 'done');
}

describe('TSV ingest and server-side co-action rows', { skip: skip ?? false }, () => {
  let cluster: TestCluster;
  let ch: ClickHouseStore;
  let duck: Store;
  const posts = hostilePosts();
  const accounts: Account[] = [
    {
      platform: 'x',
      accountId: 'a\t1',
      handle: 'h\\\n',
      displayName: "d'",
      createdAt: 1_600_000_000_000,
      followers: 5,
      following: null,
      postsCount: 7,
      description: 'desc\ttab',
      verified: true,
      defaultProfile: false,
      defaultAvatar: null,
      observedAt: Date.UTC(2026, 3, 10),
    },
  ];

  before(async () => {
    cluster = await startCluster(2);
    ch = await ClickHouseStore.open(cluster.url('tsv'));
    duck = await DuckDBStore.open(':memory:');
    await load(ch, posts, accounts);
    await load(duck, posts, accounts);
  });
  after(async () => {
    await ch?.close().catch(() => undefined);
    await duck?.close().catch(() => undefined);
    await cluster?.stop();
  });

  test('hostile posts, accounts and rejects come back byte for byte', async () => {
    const rows = await ch.head.rows<Record<string, unknown>>(
      `SELECT * FROM tsv.posts_d ORDER BY record_no`,
      'read posts',
    );
    assert.deepEqual(rows.map(rowToPost), posts);
    assert.deepEqual(await ch.accountsByKey(['x:a\t1']), await duck.accountsByKey(['x:a\t1']));
    assert.equal((await ch.accountsByKey(['x:a\t1']))[0].handle, 'h\\\n');
    const [r] = await ch.listRejects();
    assert.equal(r.reason, 'bad\tline\n');
    assert.equal(r.excerpt, "x'\\y");
    assert.equal(r.offset, 17);
  });

  test('every layer derives the same objects and actions as the DuckDB store', async () => {
    const keys = ['x:a\t1', "x:b'2"];
    for (const layer of Object.keys(LAYERS).filter((l) => !LAYERS[l].requiresNearDup)) {
      const q = {
        layer,
        windowMs: 3_600_000,
        accounts: keys,
        limitObjects: 1000,
        limitActionsPerObject: 100,
      };
      const [d, c] = [await duck.sharedObjects(q), await ch.sharedObjects(q)];
      assert.ok(d.length > 0, `${layer}: the hostile posts must share objects`);
      assert.deepEqual(c, d, `${layer}: objects differ`);
    }
    // A post's repeated list elements give one row, as in DuckDB (list_distinct).
    const [n] = await ch.head.rows<{ n: string; u: string }>(
      `SELECT count() AS n, uniqExact(layer, obj, post_id) AS u FROM tsv.actions_d`,
      'count actions',
    );
    assert.equal(n.n, n.u);
  });
});

if (skip) test(`TSV ingest suite skipped: ${skip}`, { skip }, () => undefined);
