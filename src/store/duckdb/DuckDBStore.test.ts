import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Account, Post } from '../../model/post.js';
import { bareAccount } from '../../model/post.js';
import { isVigieError } from '../../util/errors.js';
import { DuckDBStore } from './DuckDBStore.js';
import { mulberry32 as rng } from '../../util/rng.js';

let dir = '';
let n = 0;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigie-store-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Rows of a query on a closed workspace file, opened read-only. */
async function sql(path: string, q: string): Promise<Record<string, unknown>[]> {
  const db = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
  const c = await db.connect();
  try {
    return (await c.runAndReadAll(q)).getRowObjectsJS() as Record<string, unknown>[];
  } finally {
    c.closeSync();
    db.closeSync();
  }
}

const STRINGS = [
  '',
  'a',
  'exactly12byt',
  'thirteen byte',
  'é',
  'ééééééé', // 7 chars, 14 bytes: not inline
  '🇫🇷',
  'a long string that certainly does not fit inline in sixteen bytes',
  '<script>alert(1)</script>\u0000\u0007',
  'x'.repeat(5000),
];

/** Posts exercising every column: nulls, inline and long strings, lists of 0..3, odd times. */
function posts(count: number, seed: number): Post[] {
  const r = rng(seed);
  const pick = () => STRINGS[Math.floor(r() * STRINGS.length)];
  const list = () => Array.from({ length: Math.floor(r() * 4) }, pick);
  const times = [
    0,
    -1,
    1,
    1.5e12 + 123,
    -86_400_000 * 365 * 100,
    8.64e15,
    Date.UTC(2017, 4, 5, 12, 0, 0, 999),
  ];
  return Array.from({ length: count }, (_, i) => ({
    platform: r() < 0.9 ? 'x' : 'bluesky',
    postId: `${seed}-${i}-${pick()}`,
    accountId: r() < 0.5 ? `u${i % 37}` : `account-${pick()}`,
    time: times[i % times.length] + (i % 5),
    text: r() < 0.2 ? null : pick(),
    lang: r() < 0.5 ? 'fr' : 'und',
    kind: (['original', 'repost', 'reply', 'quote'] as const)[i % 4],
    refPostId: r() < 0.5 ? null : pick(),
    refAccountId: r() < 0.7 ? null : pick(),
    urls: list(),
    canonicalUrls: list(),
    domains: list(),
    hashtags: list(),
    mentions: list(),
    media: list(),
    client: r() < 0.5 ? null : pick(),
  }));
}

async function readPosts(path: string): Promise<Post[]> {
  const rows = await sql(
    path,
    `SELECT platform, post_id, account_id, epoch_ms(created_at) AS t, text, lang, kind, ref_post_id, ref_account_id,
       urls, canonical_urls, domains, hashtags, mentions, media, client, record_no FROM posts ORDER BY record_no`,
  );
  return rows.map((r) => ({
    platform: r.platform as string,
    postId: r.post_id as string,
    accountId: r.account_id as string,
    time: Number(r.t),
    text: r.text as string | null,
    lang: r.lang as string,
    kind: r.kind as Post['kind'],
    refPostId: r.ref_post_id as string | null,
    refAccountId: r.ref_account_id as string | null,
    urls: r.urls as string[],
    canonicalUrls: r.canonical_urls as string[],
    domains: r.domains as string[],
    hashtags: r.hashtags as string[],
    mentions: r.mentions as string[],
    media: r.media as string[],
    client: r.client as string | null,
  }));
}

const meta = (sha: string) => ({
  path: `/in/${sha}`,
  size: 1,
  sha256: sha,
  format: 'generic-csv',
  compression: null,
});

describe('DuckDBStore bulk writes', () => {
  test('posts written directly and through a stage read back identical, across chunk boundaries', async () => {
    const path = join(dir, `p${n++}.duckdb`);
    const staged = posts(5000, 1);
    const direct = posts(2100, 2);
    const s = await DuckDBStore.open(path);
    try {
      const src = await s.beginSource(meta('a'));
      const stage = s.newPostStage(src.sourceId);
      stage.add(staged.slice(0, 2048), [...Array(2048).keys()]);
      stage.add(
        staged.slice(2048),
        Array.from({ length: 5000 - 2048 }, (_, i) => 2048 + i),
      );
      assert.equal(stage.count, 5000);
      await s.writeBatch({
        sourceId: src.sourceId,
        staged: stage,
        posts: direct,
        postRecordNos: direct.map((_, i) => 5000 + i),
        accounts: [],
        rejects: [],
        recordsDone: 7100,
      });
      const [row] = await s.listSources();
      assert.equal(row.accepted, 7100);
      assert.equal(row.recordsDone, 7100);
    } finally {
      await s.close();
    }
    assert.deepEqual(await readPosts(path), [...staged, ...direct]);
  });

  test('a stage from another store is refused', async () => {
    const a = await DuckDBStore.open(':memory:');
    const b = await DuckDBStore.open(':memory:');
    try {
      const sa = await a.beginSource(meta('x'));
      const sb = await b.beginSource(meta('x'));
      const stage = a.newPostStage(sa.sourceId);
      stage.add(posts(3, 3), [0, 1, 2]);
      await assert.rejects(
        b.writeBatch({
          sourceId: sb.sourceId,
          staged: stage,
          posts: [],
          postRecordNos: [],
          accounts: [],
          rejects: [],
          recordsDone: 3,
        }),
        (e: unknown) => isVigieError(e, 'ERR_STORE'),
      );
      assert.equal((await b.counts()).posts, 0);
    } finally {
      await a.close();
      await b.close();
    }
  });

  test('a failing batch leaves nothing behind (posts, accounts, progress)', async () => {
    const s = await DuckDBStore.open(':memory:');
    try {
      const src = await s.beginSource(meta('f'));
      const ok = posts(10, 4);
      await s.writeBatch({
        sourceId: src.sourceId,
        posts: ok,
        postRecordNos: [...ok.keys()],
        accounts: [],
        rejects: [],
        recordsDone: 10,
      });
      const before = await s.counts();
      const dup = { ...bareAccount('x', 'same'), handle: 'h' };
      // The same account key twice in one batch violates the contract: the batch must fail whole.
      await assert.rejects(
        s.writeBatch({
          sourceId: src.sourceId,
          posts: posts(3000, 5),
          postRecordNos: Array.from({ length: 3000 }, (_, i) => 10 + i),
          accounts: [dup, dup],
          rejects: [{ recordNo: 11, line: 12, offset: 0, reason: 'r', excerpt: '' }],
          recordsDone: 3010,
        }),
      );
      assert.deepEqual(await s.counts(), before);
      const [row] = await s.listSources();
      assert.equal(row.recordsDone, 10);
      assert.equal(row.accepted, 10);
    } finally {
      await s.close();
    }
  });

  test('accounts: authors come from the posts, the newest snapshot wins, older ones fill gaps, seen ranges widen', async () => {
    const path = join(dir, `a${n++}.duckdb`);
    const s = await DuckDBStore.open(path);
    const T = Date.UTC(2021, 0, 1);
    const post = (id: string, acct: string, dt: number): Post => ({
      ...posts(1, 6)[0],
      platform: 'x',
      postId: id,
      accountId: acct,
      time: T + dt,
    });
    const snap = (acct: string, at: number, fields: Partial<Account>): Account => ({
      ...bareAccount('x', acct),
      observedAt: T + at,
      ...fields,
    });
    try {
      const src = await s.beginSource(meta('acc'));
      await s.writeBatch({
        sourceId: src.sourceId,
        posts: [post('1', 'alice', 100), post('2', 'bob', 50), post('3', 'bob', 500)],
        postRecordNos: [0, 1, 2],
        accounts: [snap('alice', 100, { handle: 'alice_old', followers: 10, description: 'first bio' })],
        rejects: [],
        recordsDone: 3,
      });
      await s.writeBatch({
        sourceId: src.sourceId,
        posts: [post('4', 'alice', 900), post('5', 'carol', 10)],
        postRecordNos: [3, 4],
        accounts: [
          snap('alice', 900, { handle: 'alice_new', followers: 99, description: null }),
          // An older snapshot than the one stored: only fills what is missing.
          snap('bob', -100, { handle: 'bob_h', verified: true }),
        ],
        rejects: [],
        recordsDone: 5,
      });
      await s.finishSource(src.sourceId, 'done');
      const got = await s.accountsByKey(['x:alice', 'x:bob', 'x:carol']);
      assert.equal(got.length, 3);
    } finally {
      await s.close();
    }
    const rows = await sql(
      path,
      `SELECT account_id, handle, followers, description, verified, epoch_ms(first_seen) - ${T} AS f,
         epoch_ms(last_seen) - ${T} AS l FROM accounts ORDER BY account_id`,
    );
    assert.deepEqual(
      rows.map((r) => [
        r.account_id,
        r.handle,
        r.followers === null ? null : Number(r.followers),
        r.description,
        r.verified,
        Number(r.f),
        Number(r.l),
      ]),
      [
        ['alice', 'alice_new', 99, 'first bio', null, 100, 900],
        ['bob', 'bob_h', null, null, true, -100, 500],
        ['carol', null, null, null, null, 10, 10],
      ],
    );
  });
});
