import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blueskyJetstreamReader, eventTime, TIME_DEFAULTS } from './index.js';
import { READERS, detectFormat } from '../index.js';
import { InputFile } from '../../ingest/input.js';
import type { Post, ReadRecord } from '../../model/post.js';
import { ingestFile } from '../../ingest/ingest.js';
import { openStore } from '../../store/index.js';

const ALICE = 'did:plc:ewvi7nxzyoun6zhxrhs64oiz';
const BOB = 'did:plc:z72i7hdynmk6r22z27h6tvur';
const CAROL = 'did:web:carol.example.com';
const T_US = 1725911162329308; // 2024-09-09T19:46:02.329Z
const CREATED = '2024-09-09T19:46:02.102Z';
const HOSTILE =
  'Vote <script>alert("x")</script> <a href="javascript:alert(1)">click</a> \u202Eevil\u202C \u200F\u0007\u001b[31m\u0000 end';

const dir = mkdtempSync(join(tmpdir(), 'vigie-bluesky-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

function commit(
  did: string,
  collection: string,
  rkey: string,
  record: unknown,
  extra: Record<string, unknown> = {},
) {
  return {
    did,
    time_us: T_US,
    kind: 'commit',
    commit: {
      rev: '3l3qo2vuowo2b',
      operation: 'create',
      collection,
      rkey,
      record,
      cid: 'bafyreidummy',
      ...extra,
    },
  };
}

const post = (text: string, more: Record<string, unknown> = {}) => ({
  $type: 'app.bsky.feed.post',
  text,
  createdAt: CREATED,
  langs: ['en'],
  ...more,
});

const bobPost = `at://${BOB}/app.bsky.feed.post/3l3pte3p2e325`;

/** Lines that become posts (in order), lines that are skipped, and lines that are rejected. */
const ACCEPTED = [
  commit(
    ALICE,
    'app.bsky.feed.post',
    '3l3qo2vutsw2b',
    post('Read https://example.org/a… #Vote @bob.bsky.social', {
      facets: [
        {
          index: { byteStart: 5, byteEnd: 28 },
          features: [
            { $type: 'app.bsky.richtext.facet#link', uri: 'https://Example.org/a/long?utm_source=bsky' },
          ],
        },
        {
          index: { byteStart: 29, byteEnd: 34 },
          features: [{ $type: 'app.bsky.richtext.facet#tag', tag: 'Vote' }],
        },
        {
          index: { byteStart: 35, byteEnd: 51 },
          features: [{ $type: 'app.bsky.richtext.facet#mention', did: BOB }],
        },
      ],
      embed: {
        $type: 'app.bsky.embed.images',
        images: [
          {
            alt: '',
            image: {
              $type: 'blob',
              ref: { $link: 'bafkreihash1' },
              mimeType: 'image/jpeg',
              size: 1000,
            },
          },
          { alt: '', image: { cid: 'bafkreilegacy', mimeType: 'image/png' } },
        ],
      },
    }),
  ),
  commit(
    BOB,
    'app.bsky.feed.post',
    '3l3qo2vutsw2c',
    post('my reply', {
      reply: {
        root: { uri: bobPost, cid: 'bafy1' },
        parent: { uri: `at://${ALICE}/app.bsky.feed.post/3l3qo2vutsw2b`, cid: 'x' },
      },
    }),
  ),
  commit(
    CAROL,
    'app.bsky.feed.post',
    '3l3qo2vutsw2d',
    post('quoting with media', {
      langs: ['fr-FR'],
      embed: {
        $type: 'app.bsky.embed.recordWithMedia',
        record: { record: { uri: bobPost, cid: 'bafy2' } },
        media: {
          $type: 'app.bsky.embed.external',
          external: { uri: 'https://rt.example/story', title: 't' },
        },
      },
    }),
  ),
  commit(ALICE, 'app.bsky.feed.repost', '3l3qo2vutsw2e', {
    $type: 'app.bsky.feed.repost',
    subject: { uri: bobPost, cid: 'bafy3' },
    createdAt: CREATED,
  }),
  commit(BOB, 'app.bsky.feed.post', '3l3qo2vutsw2f', post(HOSTILE)),
  // backdated: createdAt years before the relay saw it -> time_us is used
  commit(BOB, 'app.bsky.feed.post', '3l3qo2vutsw2g', post('old', { createdAt: '2009-01-01T00:00:00Z' })),
  // older Jetstream spelling
  {
    did: CAROL,
    time_us: T_US,
    type: 'com',
    commit: {
      rev: 'r',
      type: 'c',
      collection: 'app.bsky.feed.post',
      rkey: '3l3qo2vutsw2h',
      record: post('legacy'),
    },
  },
];
const SKIPPED = [
  commit(ALICE, 'app.bsky.feed.like', '3l3qo2vutsw3a', {
    $type: 'app.bsky.feed.like',
    subject: { uri: bobPost },
  }),
  {
    ...commit(ALICE, 'app.bsky.feed.post', '3l3qo2vutsw3b', undefined),
    commit: { operation: 'delete', collection: 'app.bsky.feed.post', rkey: 'x', rev: 'r' },
  },
  {
    did: ALICE,
    time_us: T_US,
    kind: 'account',
    account: { active: true, did: ALICE, seq: 1, time: CREATED },
  },
];
const IDENTITY = {
  did: BOB,
  time_us: T_US,
  kind: 'identity',
  identity: { did: BOB, handle: 'bob.bsky.social', seq: 2, time: CREATED },
};
const REJECTED: [string, RegExp][] = [
  [
    '{"did": "did:plc:abc", "time_us": 1, "kind": "commit", "commit": {"operation": "create"',
    /malformed JSON/,
  ],
  [JSON.stringify(commit(ALICE, 'app.bsky.feed.post', '', post('no rkey'))), /without a valid rkey/],
  [JSON.stringify({ ...commit(ALICE, 'app.bsky.feed.post', 'k1', post('x')), did: 42 }), /no valid "did"/],
  [
    JSON.stringify(commit(ALICE, 'app.bsky.feed.post', 'k2', post('x', { text: ['not', 'a', 'string'] }))),
    /text is an array, not a string/,
  ],
  [
    JSON.stringify(commit(ALICE, 'app.bsky.feed.repost', 'k3', { subject: { uri: 'https://evil' } })),
    /subject\.uri/,
  ],
  [
    JSON.stringify({
      ...commit(ALICE, 'app.bsky.feed.post', 'k4', post('x', { createdAt: 'yesterday' })),
      time_us: 'never',
    }),
    /usable time/,
  ],
  ['[1, 2, 3]', /an array/],
];

const lines = [
  ...ACCEPTED.slice(0, 3).map((x) => JSON.stringify(x)),
  JSON.stringify(SKIPPED[0]),
  REJECTED[0][0],
  JSON.stringify(IDENTITY),
  ...ACCEPTED.slice(3).map((x) => JSON.stringify(x)),
  ...SKIPPED.slice(1).map((x) => JSON.stringify(x)),
  '',
  ...REJECTED.slice(1).map((r) => r[0]),
];
const mainPath = join(dir, 'jetstream.jsonl');
writeFileSync(mainPath, lines.join('\n') + '\n');

async function readAll(path: string): Promise<ReadRecord[]> {
  const input = await InputFile.open(path);
  const out: ReadRecord[] = [];
  for await (const r of blueskyJetstreamReader.read(input, {})) out.push(r);
  return out;
}
const postsOf = (recs: ReadRecord[]): Post[] => recs.flatMap((r) => r.posts ?? []);

describe('bluesky jetstream reader', () => {
  test('maps posts, replies, quotes and reposts', async () => {
    const posts = postsOf(await readAll(mainPath));
    assert.deepEqual(
      posts.map((p) => [p.postId, p.accountId, p.kind, p.refPostId, p.refAccountId]),
      [
        [`at://${ALICE}/app.bsky.feed.post/3l3qo2vutsw2b`, ALICE, 'original', null, null],
        [
          `at://${BOB}/app.bsky.feed.post/3l3qo2vutsw2c`,
          BOB,
          'reply',
          `at://${ALICE}/app.bsky.feed.post/3l3qo2vutsw2b`,
          ALICE,
        ],
        [`at://${CAROL}/app.bsky.feed.post/3l3qo2vutsw2d`, CAROL, 'quote', bobPost, BOB],
        [`at://${ALICE}/app.bsky.feed.repost/3l3qo2vutsw2e`, ALICE, 'repost', bobPost, BOB],
        [`at://${BOB}/app.bsky.feed.post/3l3qo2vutsw2f`, BOB, 'original', null, null],
        [`at://${BOB}/app.bsky.feed.post/3l3qo2vutsw2g`, BOB, 'original', null, null],
        [`at://${CAROL}/app.bsky.feed.post/3l3qo2vutsw2h`, CAROL, 'original', null, null],
      ],
    );
    const p = posts[0];
    assert.equal(p.platform, 'bluesky');
    assert.equal(p.time, Date.parse(CREATED));
    assert.equal(p.lang, 'en');
    assert.deepEqual(p.urls, ['https://Example.org/a/long?utm_source=bsky']);
    assert.deepEqual(p.canonicalUrls, ['https://example.org/a/long']);
    assert.deepEqual(p.domains, ['example.org']);
    assert.deepEqual(p.hashtags, ['vote']);
    assert.deepEqual(p.mentions, [BOB]);
    assert.deepEqual(p.media, ['bafkreihash1', 'bafkreilegacy']);
    assert.equal(posts[2].lang, 'fr');
    assert.deepEqual(posts[2].domains, ['rt.example']);
    assert.equal(posts[3].text, null);
    assert.equal(posts[5].time, Math.floor(T_US / 1000), 'backdated createdAt replaced by time_us');
  });

  test('stores hostile text verbatim', async () => {
    const posts = postsOf(await readAll(mainPath));
    assert.equal(posts[4].text, HOSTILE);
    assert.deepEqual(posts[4].urls, []);
  });

  test('skips other collections, deletes and account events; identity gives a handle', async () => {
    const recs = await readAll(mainPath);
    assert.equal(postsOf(recs).length, ACCEPTED.length);
    const idRec = recs.find((r) => !r.posts && r.accounts);
    assert.deepEqual(
      idRec?.accounts?.map((a) => [a.accountId, a.handle, a.observedAt]),
      [[BOB, 'bob.bsky.social', Math.floor(T_US / 1000)]],
    );
    assert.equal(recs.length, ACCEPTED.length + 1 + REJECTED.length);
  });

  test('rejects malformed lines with line numbers and reasons', async () => {
    const rejects = (await readAll(mainPath)).filter((r) => r.reject);
    assert.equal(rejects.length, REJECTED.length);
    REJECTED.forEach(([raw, why], i) => {
      assert.match(rejects[i].reject!.reason, why);
      assert.equal(lines[rejects[i].pos.line! - 1], raw, 'line number points at the raw line');
    });
  });

  test('eventTime: plausible createdAt wins, otherwise the relay time', () => {
    const relay = Math.floor(T_US / 1000);
    assert.equal(eventTime(CREATED, T_US), Date.parse(CREATED));
    assert.equal(eventTime('2030-01-01T00:00:00Z', T_US), relay);
    assert.equal(eventTime(new Date(relay + TIME_DEFAULTS.maxLeadMs + 1).toISOString(), T_US), relay);
    assert.equal(
      eventTime(new Date(relay - TIME_DEFAULTS.maxLagMs).toISOString(), T_US),
      relay - TIME_DEFAULTS.maxLagMs,
    );
    assert.equal(eventTime('2009-01-01T00:00:00Z', undefined), null);
    assert.equal(eventTime(CREATED, undefined), Date.parse(CREATED));
    assert.equal(eventTime('garbage', 'x'), null);
  });

  test('sniffers: only the bluesky reader claims jetstream files', async () => {
    const input = await InputFile.open(mainPath);
    const head = await input.head();
    for (const r of READERS) {
      const s = r.sniff(head, mainPath);
      if (r.format === 'bluesky-jetstream') assert.ok(s >= 0.8, `bluesky sniff ${s}`);
      else assert.equal(s, 0, `${r.format} claims a jetstream file (${s})`);
    }
    assert.equal((await detectFormat(input)).format, 'bluesky-jetstream');
  });

  test('ingest into DuckDB: counts, and a second ingest adds nothing', async () => {
    const store = await openStore(join(dir, 'ws.duckdb'));
    try {
      const first = await ingestFile(store, mainPath);
      assert.equal(first.status, 'ingested', first.error);
      assert.equal(first.format, 'bluesky-jetstream');
      assert.equal(first.accepted, ACCEPTED.length);
      assert.equal(first.rejected, REJECTED.length);
      const before = await store.counts();
      assert.equal(before.posts, ACCEPTED.length);
      assert.equal(before.accounts, 3);
      const second = await ingestFile(store, mainPath);
      assert.equal(second.status, 'already-ingested');
      assert.deepEqual(await store.counts(), before);
    } finally {
      await store.close();
    }
  });
});
