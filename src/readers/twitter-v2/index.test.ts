import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { twitterV2Reader } from './index.js';
import { READERS, detectFormat } from '../index.js';
import { rng } from '../twitter-v1/fixtures.js';
import { InputFile } from '../../ingest/input.js';
import type { ReadRecord } from '../../model/post.js';
import { ingestFile } from '../../ingest/ingest.js';
import { openStore } from '../../store/index.js';
import { isVigieError } from '../../util/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'vigie-x-v2-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

let fileNo = 0;
function write(content: string | Buffer, ext = 'jsonl'): string {
  const p = join(dir, `f${fileNo++}.${ext}`);
  writeFileSync(p, content);
  return p;
}

async function readAll(path: string, limits = {}): Promise<ReadRecord[]> {
  const input = await InputFile.open(path, limits);
  const out: ReadRecord[] = [];
  for await (const r of twitterV2Reader.read(input, {})) out.push(r);
  return out;
}

const iso = (ms: number) => new Date(ms).toISOString();
const T = Date.UTC(2022, 3, 10, 8, 0, 0);
const HOSTILE = 'Vote <script>alert("x")</script> \u202Eevil\u202C \u0007\u0000 end';

function v2User(id: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    username: `Handle_${id}`,
    name: `Name ${id}`,
    created_at: '2015-06-01T12:00:00.000Z',
    description: `bio ${id}`,
    verified: false,
    profile_image_url: `https://pbs.twimg.com/profile_images/${id}/a_normal.jpg`,
    public_metrics: { followers_count: 100, following_count: 50, tweet_count: 1000, listed_count: 1 },
    ...extra,
  };
}

let seq = 0n;
function v2Tweet(author: string, ms: number, extra: Record<string, unknown> = {}) {
  seq++;
  return {
    id: String(1510000000000000000n + seq),
    author_id: author,
    created_at: iso(ms),
    text: `Bonjour #Vote2022 @Someone https://t.co/x${seq}`,
    lang: 'fr',
    source: 'Twitter for iPhone',
    conversation_id: String(1510000000000000000n + seq),
    entities: {
      hashtags: [{ start: 8, end: 17, tag: 'Vote2022' }],
      mentions: [{ start: 18, end: 26, username: 'Someone', id: '9' }],
      urls: [
        {
          start: 27,
          end: 50,
          url: `https://t.co/x${seq}`,
          expanded_url: `https://www.example.org/a/${seq}?utm_campaign=z`,
          unwound_url: `https://example.org/final/${seq}`,
          display_url: 'example.org/a',
        },
        { url: 'https://t.co/pic', expanded_url: 'https://twitter.com/x/status/1/photo/1', media_key: '3_1' },
      ],
    },
    attachments: { media_keys: ['3_1', '3_2'] },
    public_metrics: { retweet_count: 0, reply_count: 0, like_count: 1, quote_count: 0 },
    ...extra,
  };
}

describe('x-v2 mapping', () => {
  test('one tweet per line (twarc2 flattened): fields, note_tweet, media keys, embedded author', async () => {
    const t = v2Tweet('11', T, {
      note_tweet: {
        text: 'Un long texte #Long',
        entities: { hashtags: [{ tag: 'Long' }], urls: [], mentions: [] },
      },
      author: v2User('11', {
        profile_image_url: 'https://abs.twimg.com/sticky/default_profile_images/default_profile_normal.png',
      }),
    });
    const [rec] = await readAll(write(JSON.stringify(t) + '\n'));
    const p = rec.posts![0];
    assert.equal(p.postId, t.id);
    assert.equal(p.accountId, '11');
    assert.equal(p.time, T);
    assert.equal(p.text, 'Un long texte #Long', 'note_tweet.text wins over the truncated text');
    assert.deepEqual(p.hashtags, ['long'], 'entities come with the text they index');
    assert.deepEqual(p.media, ['3_1', '3_2']);
    assert.equal(p.client, 'Twitter for iPhone');
    assert.equal(p.kind, 'original');
    assert.equal(rec.accounts![0].defaultAvatar, true);
    assert.equal(rec.accounts![0].observedAt, T);

    const [plain] = await readAll(write(JSON.stringify(v2Tweet('12', T))));
    const q = plain.posts![0];
    assert.deepEqual(q.urls, [`https://www.example.org/a/${seq}?utm_campaign=z`], 'media links are not URLs');
    assert.deepEqual(q.canonicalUrls, [`https://www.example.org/a/${seq}`]);
    assert.deepEqual(q.domains, ['example.org']);
    assert.deepEqual(q.mentions, ['someone']);
    assert.deepEqual(q.hashtags, ['vote2022']);
    assert.equal(q.lang, 'fr');
  });

  test('a response page: kinds, references resolved through includes, accounts observed at their last post', async () => {
    const orig = v2Tweet('21', T - 3600_000);
    const rt = v2Tweet('22', T, {
      text: 'RT @Handle_21: Bonjour',
      referenced_tweets: [{ type: 'retweeted', id: orig.id }],
    });
    const quoteReply = v2Tweet('22', T + 1000, {
      referenced_tweets: [
        { type: 'replied_to', id: '777' },
        { type: 'quoted', id: orig.id },
      ],
      in_reply_to_user_id: '99',
    });
    const reply = v2Tweet('23', T + 2000, {
      text: HOSTILE,
      referenced_tweets: [{ type: 'replied_to', id: '888' }],
      in_reply_to_user_id: '98',
    });
    const page = {
      data: [rt, quoteReply, reply, { id: '5', text: 'no author' }, 'junk'],
      includes: { users: [v2User('21'), v2User('22', { verified: true }), v2User('23')], tweets: [orig] },
      meta: { result_count: 5, newest_id: rt.id, oldest_id: reply.id },
    };
    const empty = { meta: { result_count: 0 } };
    const recs = await readAll(write(JSON.stringify(page) + '\n' + JSON.stringify(empty) + '\n'));
    assert.equal(recs.length, 4, 'the page, its two bad tweets, and the empty page');
    const [main, bad1, bad2, none] = recs;
    const [a, b, c] = main.posts!;
    assert.deepEqual([a.kind, a.refPostId, a.refAccountId], ['repost', orig.id, '21']);
    assert.deepEqual(
      [b.kind, b.refPostId, b.refAccountId],
      ['quote', orig.id, '21'],
      'quoted outranks replied_to',
    );
    assert.deepEqual([c.kind, c.refPostId, c.refAccountId], ['reply', '888', '98']);
    assert.equal(c.text, HOSTILE);
    assert.match(bad1.reject!.reason, /^data\[3\] \(id 5\): no author_id/);
    assert.match(bad2.reject!.reason, /^data\[4\] is not an object/);
    assert.deepEqual(bad1.pos, main.pos);
    assert.deepEqual(none, {
      pos: { line: 2, offset: Buffer.byteLength(JSON.stringify(page)) + 1 },
      posts: [],
      accounts: [],
    });
    const acc = new Map(main.accounts!.map((x) => [x.accountId, x]));
    assert.equal(acc.get('21')!.observedAt, null, 'posted nothing in this page');
    assert.equal(acc.get('22')!.observedAt, T + 1000);
    assert.equal(acc.get('22')!.verified, true);
    assert.deepEqual(
      [acc.get('23')!.handle, acc.get('23')!.followers, acc.get('23')!.following, acc.get('23')!.postsCount],
      ['Handle_23', 100, 50, 1000],
    );
    assert.equal(acc.get('23')!.createdAt, Date.UTC(2015, 5, 1, 12));
    assert.equal(acc.get('23')!.defaultProfile, null);
  });

  test('malformed lines and bad field types are rejects with positions', async () => {
    const good = JSON.stringify(v2Tweet('31', T));
    const lines = [
      good,
      good.slice(0, 120),
      '{"foo":"bar"}',
      '"just a string"',
      JSON.stringify({ ...v2Tweet('31', T), id: 123 }),
      JSON.stringify({ ...v2Tweet('31', T), created_at: 'Wed Mar 02 10:11:12 +0000 2016' }),
      JSON.stringify({ ...v2Tweet('31', T), created_at: '2022-04-10T08:00:00' }),
      JSON.stringify({ ...v2Tweet('31', T), text: { html: 'x' } }),
      JSON.stringify({ data: 'nope', includes: {} }),
    ];
    const recs = await readAll(write(lines.join('\n')));
    const reasons = recs.map((r) => r.reject?.reason ?? 'ok');
    assert.equal(reasons[0], 'ok');
    assert.match(reasons[1], /^malformed JSON/);
    assert.match(reasons[2], /^not a v2 tweet/);
    assert.equal(reasons[3], 'not a JSON object');
    assert.equal(reasons[4], 'no id (string)');
    assert.match(reasons[5], /^unreadable created_at/);
    assert.match(reasons[6], /^unreadable created_at/, 'a time without a zone is refused');
    assert.equal(reasons[7], 'text is not a string');
    assert.match(reasons[8], /"data" is neither/);
    assert.equal(recs[1].pos.line, 2);
    assert.equal(recs[1].pos.offset, Buffer.byteLength(good) + 1);
  });

  test('a pretty-printed page is read whole; too large, it is refused with a hint', async () => {
    const page = {
      data: [v2Tweet('41', T), v2Tweet('42', T + 1)],
      includes: { users: [v2User('41')] },
      meta: {},
    };
    const path = write(JSON.stringify(page, null, 2), 'json');
    const recs = await readAll(path);
    assert.equal(recs.length, 1);
    assert.equal(recs[0].posts!.length, 2);
    assert.equal(recs[0].accounts!.length, 1);
    await assert.rejects(readAll(path, { maxRecordBytes: 200 }), (e) => isVigieError(e, 'ERR_INPUT'));
    const broken = await readAll(write(JSON.stringify(page, null, 2).slice(0, -40), 'json'));
    assert.equal(broken.length, 1);
    assert.match(broken[0].reject!.reason, /^malformed JSON/);
  });

  test('a JSON array of tweets or pages', async () => {
    const tweets = [v2Tweet('51', T), v2Tweet('52', T + 5)];
    const recs = await readAll(
      write(JSON.stringify([...tweets, { data: [v2Tweet('53', T)] }], null, 1), 'json'),
    );
    assert.deepEqual(
      recs.flatMap((r) => r.posts ?? []).map((p) => p.accountId),
      ['51', '52', '53'],
    );
  });
});

function pages(n: number, seed: number): string[] {
  const r = rng(seed);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const users = [0, 1, 2].map((k) => v2User(String(100 + Math.floor(r() * 20) + k * 20)));
    const data = users.map((u, k) => v2Tweet(u.id, T + i * 10_000 + k));
    out.push(JSON.stringify({ data, includes: { users }, meta: { result_count: data.length } }));
  }
  return out;
}

describe('sniffing', () => {
  const single = [v2Tweet('61', T), v2Tweet('62', T)].map((t) => JSON.stringify(t)).join('\n');
  const cases: [string, string][] = [
    ['tweets.jsonl', single],
    ['pages.jsonl', pages(3, 1).join('\n')],
    ['page.json', JSON.stringify(JSON.parse(pages(1, 2)[0]), null, 2)],
    ['array.json', JSON.stringify([v2Tweet('63', T)])],
  ];
  for (const [name, content] of cases) {
    test(`${name} is x-v2, and no other registered reader claims it`, async () => {
      const path = write(content, name.split('.').pop());
      const input = await InputFile.open(path);
      assert.equal((await detectFormat(input)).format, 'x-v2');
      const head = await input.head();
      for (const r of READERS) {
        const s = r.sniff(head, path);
        if (r.format === 'x-v2') assert.ok(s >= 0.5, `x-v2 scores ${s}`);
        else assert.ok(s < 0.5, `${r.format} scores ${s} on an x-v2 file`);
      }
    });
  }
});

describe('ingest', () => {
  test('generated v2 pages go through ingestFile into a DuckDB store with the right counts', async () => {
    const lines = pages(40, 9);
    lines.splice(10, 0, '{"data": [', '{"meta":{"result_count":0}}');
    const path = write(lines.join('\n'));
    const users = new Set<string>();
    let tweets = 0;
    for (const l of lines) {
      try {
        const p = JSON.parse(l);
        for (const u of p.includes?.users ?? []) users.add(u.id);
        tweets += p.data?.length ?? 0;
      } catch {
        // the truncated line
      }
    }
    const store = await openStore(join(dir, 'ingest.duckdb'));
    try {
      const res = await ingestFile(store, path);
      assert.equal(res.format, 'x-v2');
      assert.equal(res.status, 'ingested');
      assert.equal(res.accepted, tweets);
      assert.equal(res.rejected, 1);
      const c = await store.counts();
      assert.equal(c.posts, tweets);
      assert.equal(c.accounts, users.size);
    } finally {
      await store.close();
    }
  });
});
