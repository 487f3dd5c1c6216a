import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ioTime, parseListCell, xIoArchiveReader } from './index.js';
import { READERS, detectFormat } from '../index.js';
import { rng } from '../twitter-v1/fixtures.js';
import { InputFile } from '../../ingest/input.js';
import type { ReadRecord } from '../../model/post.js';
import { ingestFile } from '../../ingest/ingest.js';
import { openStore } from '../../store/index.js';
import { isVigieError } from '../../util/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'vigie-x-io-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

let fileNo = 0;
function write(content: string): string {
  const p = join(dir, `io${fileNo++}_tweets_csv_hashed.csv`);
  writeFileSync(p, content);
  return p;
}

async function readAll(path: string): Promise<ReadRecord[]> {
  const input = await InputFile.open(path);
  const out: ReadRecord[] = [];
  for await (const r of xIoArchiveReader.read(input, {})) out.push(r);
  return out;
}

const HEADER = [
  'tweetid', 'userid', 'user_display_name', 'user_screen_name', 'user_reported_location', 'user_profile_description',
  'user_profile_url', 'follower_count', 'following_count', 'account_creation_date', 'account_language',
  'tweet_language', 'tweet_text', 'tweet_time', 'tweet_client_name', 'in_reply_to_userid', 'in_reply_to_tweetid',
  'quoted_tweet_tweetid', 'is_retweet', 'retweet_userid', 'retweet_tweetid', 'latitude', 'longitude', 'quote_count',
  'reply_count', 'like_count', 'retweet_count', 'hashtags', 'urls', 'user_mentions', 'poll_choices',
]; // prettier-ignore

const HASH_A = 'b0b90ae15ea8fcad5fd0fe5666ba65680a9b76103c4cee437d44456e12d00066';
const HOSTILE = 'Vote <script>alert("x")</script> "quoted", \u202Eevil\u202C \u0007 end\nsecond line';

function csvCell(v: string): string {
  return /[",\r\n]/.test(v) ? '"' + v.replace(/"/g, '""') + '"' : v;
}

function row(values: Partial<Record<(typeof HEADER)[number], string>>): string {
  const base: Record<string, string> = {
    tweetid: '502371804913348608',
    userid: HASH_A,
    user_display_name: HASH_A,
    user_screen_name: HASH_A,
    user_reported_location: 'cleveland / ohio',
    user_profile_description: 'wanna live 4ever',
    user_profile_url: '',
    follower_count: '145',
    following_count: '318',
    account_creation_date: '2014-03-15',
    account_language: 'en',
    tweet_language: 'en',
    tweet_text: 'Boy have no fear (have no fear)',
    tweet_time: '2014-08-21 08:29',
    tweet_client_name: 'vavilonX',
    in_reply_to_userid: '',
    in_reply_to_tweetid: '',
    quoted_tweet_tweetid: '',
    is_retweet: 'false',
    retweet_userid: '',
    retweet_tweetid: '',
    latitude: 'absent',
    longitude: 'absent',
    quote_count: '0',
    reply_count: '0',
    like_count: '0',
    retweet_count: '0',
    hashtags: '',
    urls: '',
    user_mentions: '',
    poll_choices: '',
    ...values,
  };
  return HEADER.map((h) => csvCell(base[h])).join(',');
}

describe('x-io-archive mapping', () => {
  test('original, retweet, quote and reply rows; lists; minute times in UTC; one account per user', async () => {
    const body = [
      HEADER.join(','),
      row({
        hashtags: "['MAGA', 'Trump']",
        urls: '[https://bit.ly/abc, https://www.example.com/a?utm_source=x&b=1,2]',
        user_mentions: '[2531159968, 1234]',
        tweet_text: HOSTILE,
      }),
      row({
        tweetid: '502371804913348609',
        tweet_time: '2016-11-08 23:59',
        is_retweet: 'true',
        retweet_userid: '25073877',
        retweet_tweetid: '796000000000000000',
        hashtags: '[Election2016]',
        tweet_language: '',
        tweet_text: 'RT @realDonaldTrump: Today we make America great again!',
      }),
      row({ tweetid: '3', quoted_tweet_tweetid: '11', in_reply_to_tweetid: '12', in_reply_to_userid: '13' }),
      row({
        tweetid: '4',
        userid: 'other',
        in_reply_to_tweetid: '12',
        in_reply_to_userid: '13',
        tweet_language: 'ru',
      }),
    ].join('\n');
    const recs = await readAll(write(body));
    assert.equal(recs.length, 4);
    const [a, b, c, d] = recs.map((r) => r.posts![0]);
    assert.deepEqual(a, {
      platform: 'x',
      postId: '502371804913348608',
      accountId: HASH_A,
      time: Date.UTC(2014, 7, 21, 8, 29),
      text: HOSTILE,
      lang: 'en',
      kind: 'original',
      refPostId: null,
      refAccountId: null,
      urls: ['https://bit.ly/abc', 'https://www.example.com/a?utm_source=x&b=1,2'],
      canonicalUrls: ['https://bit.ly/abc', 'https://www.example.com/a?b=1%2C2'],
      domains: ['bit.ly', 'example.com'],
      hashtags: ['maga', 'trump'],
      mentions: ['2531159968', '1234'],
      media: [],
      client: 'vavilonX',
    });
    assert.deepEqual(
      [b.kind, b.refPostId, b.refAccountId, b.time],
      ['repost', '796000000000000000', '25073877', Date.UTC(2016, 10, 8, 23, 59)],
    );
    assert.equal(b.lang, 'en', 'an empty tweet_language falls back to detection');
    assert.deepEqual([c.kind, c.refPostId, c.refAccountId], ['quote', '11', null]);
    assert.deepEqual([d.kind, d.refPostId, d.refAccountId, d.lang], ['reply', '12', '13', 'ru']);
    assert.deepEqual(recs[0].accounts, [
      {
        platform: 'x',
        accountId: HASH_A,
        handle: HASH_A,
        displayName: HASH_A,
        createdAt: Date.UTC(2014, 2, 15),
        followers: 145,
        following: 318,
        postsCount: null,
        description: 'wanna live 4ever',
        verified: null,
        defaultProfile: null,
        defaultAvatar: null,
        observedAt: null,
      },
    ]);
    assert.equal(recs[1].accounts, undefined, 'the same user is not emitted twice');
    assert.equal(recs[3].accounts![0].accountId, 'other');
  });

  test('bad rows are rejects with their line; a file without the key columns is refused', async () => {
    const body = [
      HEADER.join(','),
      row({ tweetid: '' }),
      row({ tweetid: '2', userid: '' }),
      row({ tweetid: '3', tweet_time: '21/08/2014 08:29' }),
      row({ tweetid: '4', tweet_time: '2014-02-30 08:29' }),
      row({ tweetid: '5' }).split(',').slice(0, 10).join(','),
      row({ tweetid: '6', follower_count: 'lots' }),
    ].join('\n');
    const recs = await readAll(write(body));
    const reasons = recs.map((r) => r.reject?.reason ?? 'ok');
    assert.deepEqual(reasons.slice(0, 4), [
      'empty tweetid',
      'empty userid',
      'unreadable tweet_time "21/08/2014 08:29"',
      'unreadable tweet_time "2014-02-30 08:29"',
    ]);
    assert.match(reasons[4], /expected 31 columns, found 10/);
    assert.equal(reasons[5], 'ok');
    assert.equal(recs[5].accounts![0].followers, null);
    assert.equal(recs[0].pos.line, 2);
    assert.equal(recs[3].pos.line, 5);
    const input = await InputFile.open(write('tweetid,userid,text\n1,2,x\n'));
    await assert.rejects(
      (async () => {
        for await (const _ of xIoArchiveReader.read(input, {})) void _;
      })(),
      (e) => isVigieError(e, 'ERR_INPUT'),
    );
  });
});

describe('x-io-archive helpers', () => {
  test('parseListCell reads the shapes Python writes', () => {
    assert.deepEqual(parseListCell(''), []);
    assert.deepEqual(parseListCell('[]'), []);
    assert.deepEqual(parseListCell('[tag1, tag2]'), ['tag1', 'tag2']);
    assert.deepEqual(parseListCell("['a', 'b']"), ['a', 'b']);
    assert.deepEqual(parseListCell(`["it's", 'say \\"hi\\"', 'x,y']`), ["it's", 'say "hi"', 'x,y']);
    assert.deepEqual(parseListCell('solo'), ['solo']);
    assert.deepEqual(parseListCell("['unterminated"), ['unterminated']);
    assert.deepEqual(parseListCell('[http://a.com/x,y, https://b.org/?q=1,2]', true), [
      'http://a.com/x,y',
      'https://b.org/?q=1,2',
    ]);
    assert.deepEqual(parseListCell("['http://a.com/1', 'http://b.com/2']", true), [
      'http://a.com/1',
      'http://b.com/2',
    ]);
    // Hostile cells never throw.
    const r = rng(3);
    for (let i = 0; i < 300; i++) {
      const s = Array.from({ length: Math.floor(r() * 30) }, () => '[]\'",\\ a'[Math.floor(r() * 9)]).join(
        '',
      );
      assert.ok(Array.isArray(parseListCell(s)) && Array.isArray(parseListCell(s, true)));
    }
  });

  test('ioTime: minutes, seconds, dates, zones; UTC regardless of the machine', () => {
    assert.equal(ioTime('2014-08-21 08:29'), Date.UTC(2014, 7, 21, 8, 29));
    assert.equal(ioTime('2014-08-21 08:29:30'), Date.UTC(2014, 7, 21, 8, 29, 30));
    assert.equal(ioTime('2014-08-21T08:29:30.000Z'), Date.UTC(2014, 7, 21, 8, 29, 30));
    assert.equal(ioTime('2014-08-21 08:29+02:00'), Date.UTC(2014, 7, 21, 6, 29));
    assert.equal(ioTime('2014-03-15'), Date.UTC(2014, 2, 15));
    for (const bad of ['2014-13-01 00:00', '2014-02-30 00:00', '2014-08-21 24:00', 'yesterday', ''])
      assert.equal(ioTime(bad), null, bad);
  });
});

function archive(n: number, seed: number): { body: string; users: Set<string> } {
  const r = rng(seed);
  const users = new Set<string>();
  const rows = [HEADER.join(',')];
  for (let i = 0; i < n; i++) {
    const u = `user${Math.floor(r() * 25)}`;
    users.add(u);
    const rt = r() < 0.4;
    rows.push(
      row({
        tweetid: String(800000000000000000n + BigInt(i)),
        userid: u,
        user_screen_name: u,
        tweet_time: `2017-05-0${1 + Math.floor(r() * 6)} ${String(Math.floor(r() * 24)).padStart(2, '0')}:${String(Math.floor(r() * 60)).padStart(2, '0')}`,
        is_retweet: rt ? 'True' : 'False',
        retweet_tweetid: rt ? String(700000000000000000n + BigInt(Math.floor(r() * 10))) : '',
        hashtags: r() < 0.5 ? "['Presidentielle2017']" : '[]',
        urls: r() < 0.3 ? '[https://www.example.fr/article]' : '',
        tweet_text: `Message ${i}, avec "guillemets"`,
      }),
    );
  }
  return { body: rows.join('\r\n') + '\r\n', users };
}

describe('sniffing', () => {
  test('an IO archive is x-io-archive, and no other registered reader claims it', async () => {
    const path = write(archive(20, 1).body);
    const input = await InputFile.open(path);
    assert.equal((await detectFormat(input)).format, 'x-io-archive');
    const head = await input.head();
    for (const r of READERS) {
      const s = r.sniff(head, path);
      if (r.format === 'x-io-archive') assert.ok(s >= 0.5, `x-io-archive scores ${s}`);
      else assert.ok(s < 0.5, `${r.format} scores ${s} on an IO archive`);
    }
  });
});

describe('ingest', () => {
  test('a generated archive goes through ingestFile into a DuckDB store with the right counts', async () => {
    const { body, users } = archive(200, 5);
    const path = write(body + row({ tweetid: 'bad', tweet_time: 'never' }) + '\r\n');
    const store = await openStore(join(dir, 'ingest.duckdb'));
    try {
      const res = await ingestFile(store, path);
      assert.equal(res.format, 'x-io-archive');
      assert.equal(res.accepted, 200);
      assert.equal(res.rejected, 1);
      const c = await store.counts();
      assert.equal(c.posts, 200);
      assert.equal(c.accounts, users.size);
      assert.equal(c.firstPost !== null && c.firstPost.startsWith('2017-05-0'), true);
    } finally {
      await store.close();
    }
  });
});
