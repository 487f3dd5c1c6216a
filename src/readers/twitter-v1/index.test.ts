import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { twibot20Reader, twibot20Users, twitterV1Reader, parseV1Tweet } from './index.js';
import {
  canonicalUrlFast,
  clientName,
  domainOfCanonical,
  parseIsoInstant,
  parseTwitterDate,
  urlFields,
  xLang,
} from './shared.js';
import { twitterDate, twitterJson, v1Tweets, v1User, rng } from './fixtures.js';
import { READERS, detectFormat } from '../index.js';
import type { Reader } from '../types.js';
import { InputFile } from '../../ingest/input.js';
import { canonicalUrl, detectLanguage, normaliseUrls, registrableDomain } from '../../ingest/normalize.js';
import type { Post, ReadRecord } from '../../model/post.js';
import { ingestFile } from '../../ingest/ingest.js';
import { openStore } from '../../store/index.js';

const dir = mkdtempSync(join(tmpdir(), 'vigie-x-v1-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

let fileNo = 0;
function write(content: string | Buffer, ext = 'jsonl'): string {
  const p = join(dir, `f${fileNo++}.${ext}`);
  writeFileSync(p, content);
  return p;
}

async function readAll(reader: Reader, path: string): Promise<ReadRecord[]> {
  const input = await InputFile.open(path);
  const out: ReadRecord[] = [];
  for await (const r of reader.read(input, {})) out.push(r);
  return out;
}

const T = Date.UTC(2017, 4, 5, 18, 30, 15);
const HOSTILE =
  'Votez <script>alert("x")</script> \u202Eevil\u202C \u0007\u001b[31m\u0000 fin &amp; &lt;b&gt;';

function user(id: string, extra: Record<string, unknown> = {}) {
  return {
    id: Number(id),
    id_str: id,
    name: `Name ${id}`,
    screen_name: `Handle_${id}`,
    description: `bio ${id}`,
    verified: false,
    followers_count: 10,
    friends_count: 20,
    statuses_count: 30,
    created_at: 'Tue Nov 18 10:27:25 +0000 2008',
    default_profile: true,
    default_profile_image: false,
    ...extra,
  };
}

/** A long (extended) original tweet with two photos, a tracked URL, a hashtag and a mention. */
const ORIGINAL = {
  created_at: twitterDate(T),
  id: 1,
  id_str: '860000000000000001',
  text: 'truncated text…',
  truncated: true,
  source: '<a href="http://twitter.com/download/android" rel="nofollow">Twitter for Android</a>',
  user: user('101', { followers_count: 1234, verified: true }),
  lang: 'fr',
  entities: { hashtags: [], urls: [], user_mentions: [] },
  extended_tweet: {
    full_text: 'Texte complet #MacronLeaks @Someone https://t.co/abc',
    entities: {
      hashtags: [{ text: 'MacronLeaks', indices: [14, 26] }],
      urls: [
        {
          url: 'https://t.co/abc',
          expanded_url: 'HTTPS://WWW.Example.COM/a?utm_source=tw&id=2#frag',
          display_url: 'example.com/a',
        },
      ],
      user_mentions: [{ screen_name: 'Someone', id_str: '555' }],
    },
    extended_entities: {
      media: [
        { id_str: '900', media_url_https: 'https://pbs.twimg.com/media/a.jpg', type: 'photo' },
        { id_str: '901', media_url_https: 'https://pbs.twimg.com/media/b.jpg', type: 'photo' },
      ],
    },
  },
};

const RETWEET = {
  created_at: twitterDate(T + 60_000),
  id_str: '860000000000000002',
  text: 'RT @Handle_101: Texte complet #MacronLeaks @Someone https://t.co/abc',
  source: '<a href="https://mobile.twitter.com" rel="nofollow">Twitter Web App</a>',
  user: user('102', { default_profile_image: true }),
  lang: 'fr',
  retweeted_status: ORIGINAL,
  entities: { hashtags: [{ text: 'MacronLeaks' }], urls: [], user_mentions: [{ screen_name: 'Handle_101' }] },
};

const QUOTE = {
  created_at: twitterDate(T + 120_000),
  id_str: '860000000000000003',
  full_text: 'Regardez ça',
  user: user('103'),
  lang: 'fr',
  is_quote_status: true,
  quoted_status_id_str: ORIGINAL.id_str,
  quoted_status: ORIGINAL,
  // A quote that also replies counts as a quote.
  in_reply_to_status_id_str: '42',
  entities: { hashtags: [], urls: [], user_mentions: [] },
};

const REPLY = {
  created_at: twitterDate(T + 180_000),
  id_str: '860000000000000004',
  text: '@Handle_101 ' + HOSTILE,
  source: '<a href="https://evil.example" rel="nofollow"><script>alert(1)</script>Bot &amp; Co</a>',
  user: user('104'),
  lang: 'und',
  in_reply_to_status_id_str: ORIGINAL.id_str,
  in_reply_to_user_id_str: '101',
  entities: { hashtags: [], urls: 'not a list', user_mentions: [{ screen_name: 'Handle_101' }] },
};

describe('x-v1 mapping', () => {
  test('an extended original: full text, entities, media, client, time, author', async () => {
    const recs = await readAll(twitterV1Reader, write(JSON.stringify(ORIGINAL) + '\n'));
    assert.equal(recs.length, 1);
    const p = recs[0].posts![0];
    assert.deepEqual(p, {
      platform: 'x',
      postId: '860000000000000001',
      accountId: '101',
      time: T,
      text: 'Texte complet #MacronLeaks @Someone https://t.co/abc',
      lang: 'fr',
      kind: 'original',
      refPostId: null,
      refAccountId: null,
      urls: ['HTTPS://WWW.Example.COM/a?utm_source=tw&id=2#frag'],
      canonicalUrls: ['https://www.example.com/a?id=2'],
      domains: ['example.com'],
      hashtags: ['macronleaks'],
      mentions: ['someone'],
      media: ['900', '901'],
      client: 'Twitter for Android',
    } satisfies Post);
    assert.deepEqual(recs[0].accounts, [
      {
        platform: 'x',
        accountId: '101',
        handle: 'Handle_101',
        displayName: 'Name 101',
        createdAt: Date.UTC(2008, 10, 18, 10, 27, 25),
        followers: 1234,
        following: 20,
        postsCount: 30,
        description: 'bio 101',
        verified: true,
        defaultProfile: true,
        defaultAvatar: false,
        observedAt: T,
      },
    ]);
  });

  test('retweet, quote and reply: kind, references, embedded authors observed at post time', async () => {
    const lines = [RETWEET, QUOTE, REPLY].map((t) => JSON.stringify(t)).join('\n');
    const [rt, qt, rp] = await readAll(twitterV1Reader, write(lines));
    const r = rt.posts![0];
    assert.equal(r.kind, 'repost');
    assert.equal(r.refPostId, ORIGINAL.id_str);
    assert.equal(r.refAccountId, '101');
    assert.equal(r.text, RETWEET.text, 'a retweet keeps its own "RT @x:" text');
    assert.equal(r.client, 'Twitter Web App');
    assert.deepEqual(
      rt.accounts!.map((a) => [a.accountId, a.observedAt, a.defaultAvatar]),
      [
        ['102', T + 60_000, true],
        ['101', T + 60_000, false],
      ],
    );
    const q = qt.posts![0];
    assert.equal(q.kind, 'quote');
    assert.equal(q.refPostId, ORIGINAL.id_str);
    assert.equal(q.refAccountId, '101');
    assert.equal(q.text, 'Regardez ça');
    assert.deepEqual(
      qt.accounts!.map((a) => a.accountId),
      ['103', '101'],
    );
    const p = rp.posts![0];
    assert.equal(p.kind, 'reply');
    assert.equal(p.refPostId, ORIGINAL.id_str);
    assert.equal(p.refAccountId, '101');
    assert.deepEqual(p.urls, [], 'an entities.urls that is not a list is ignored, not fatal');
    assert.deepEqual(p.mentions, ['handle_101']);
  });

  test('hostile text is stored verbatim; a hostile source becomes plain text', async () => {
    const [rec] = await readAll(twitterV1Reader, write(JSON.stringify(REPLY)));
    const p = rec.posts![0];
    assert.equal(p.text, '@Handle_101 ' + HOSTILE);
    assert.equal(p.client, 'alert(1)Bot & Co');
    assert.ok(!p.client!.includes('<'));
  });

  test('language: given codes are used as they are, never detected; absent lang is detected', () => {
    const fr =
      'Les électeurs se rendent aux urnes dimanche pour choisir le prochain président de la République.';
    const base = { id_str: '9', created_at: twitterDate(T), user: user('1'), text: fr };
    const und = parseV1Tweet({ ...base, lang: 'und' });
    assert.equal(und.reason, undefined);
    assert.equal((und as { post: Post }).post.lang, 'und', "'und' from X means X could not tell: kept");
    assert.equal((parseV1Tweet({ ...base, lang: 'en-GB' }) as { post: Post }).post.lang, 'en');
    const none = parseV1Tweet(base) as { post: Post };
    assert.equal(none.post.lang, detectLanguage(fr));
    assert.equal(none.post.lang, 'fr');
    assert.equal(xLang('zxx', fr), 'und');
  });

  test('streaming notices are empty records; malformed and non-tweet lines are rejects with positions', async () => {
    const good = JSON.stringify(ORIGINAL);
    const lines = [
      '{"delete":{"status":{"id":1,"id_str":"1","user_id":3,"user_id_str":"3"},"timestamp_ms":"1493000000000"}}',
      '{"limit":{"track":12,"timestamp_ms":"1493000000000"}}',
      good,
      good.slice(0, 300), // truncated JSON
      '{"hello":"world"}', // valid JSON, not a tweet
      '[1,2,3]',
      JSON.stringify({ ...ORIGINAL, id_str: 860000000000000001 }), // id as a number
      JSON.stringify({ ...ORIGINAL, user: 'nobody' }),
      JSON.stringify({ ...ORIGINAL, user: { ...ORIGINAL.user, id_str: 101 } }),
      JSON.stringify({ ...ORIGINAL, created_at: 'yesterday' }),
      JSON.stringify({ ...ORIGINAL, extended_tweet: undefined, text: 42 }),
      JSON.stringify({ ...ORIGINAL, user: { ...ORIGINAL.user, followers_count: 'many', verified: 'yes' } }),
      '',
      '   ',
    ];
    const body = lines.join('\n') + '\n';
    const bad = Buffer.concat([Buffer.from(body), Buffer.from([0x7b, 0xff, 0xfe, 0x7d, 0x0a])]);
    const recs = await readAll(twitterV1Reader, write(bad));
    assert.equal(recs.length, 13, 'one record per non-blank line');
    assert.deepEqual(recs[0], { pos: { line: 1, offset: 0 } });
    assert.equal(recs[1].posts, undefined);
    assert.equal(recs[1].reject, undefined);
    assert.equal(recs[2].posts!.length, 1);
    const reasons = recs.slice(3).map((r) => r.reject?.reason ?? 'accepted');
    assert.match(reasons[0], /^malformed JSON/);
    assert.equal(reasons[1], 'no id_str (string)');
    assert.equal(reasons[2], 'not a JSON object');
    assert.equal(reasons[3], 'no id_str (string)');
    assert.equal(reasons[4], 'no user object');
    assert.equal(reasons[5], 'user has no id_str (string)');
    assert.match(reasons[6], /^unreadable created_at "yesterday"/);
    assert.equal(reasons[7], 'text is not a string');
    assert.equal(reasons[8], 'accepted', 'bad optional profile fields do not reject the tweet');
    assert.equal(recs[11].accounts![0].followers, null);
    assert.equal(recs[11].accounts![0].verified, null);
    assert.equal(reasons[9], 'invalid UTF-8');
    // Positions point at the line's first byte in the file.
    const truncated = recs[3];
    assert.equal(truncated.pos.line, 4);
    assert.equal(truncated.pos.offset, Buffer.byteLength(lines.slice(0, 3).join('\n') + '\n'));
    assert.equal(truncated.reject!.excerpt, good.slice(0, 200));
    assert.equal(recs[12].pos.line, 15);
  });

  test('a JSON array of tweets, and a gzipped file, read the same as JSON lines', async () => {
    const { lines } = v1Tweets(40, 3);
    const a = await readAll(twitterV1Reader, write(lines.join('\n')));
    const b = await readAll(twitterV1Reader, write('[\n' + lines.join(',\n') + '\n]\n', 'json'));
    const c = await readAll(twitterV1Reader, write(gzipSync(lines.join('\n')), 'jsonl.gz'));
    const posts = (rs: ReadRecord[]) => rs.flatMap((r) => r.posts ?? []);
    assert.equal(posts(a).length, 40);
    assert.deepEqual(posts(b), posts(a));
    assert.deepEqual(posts(c), posts(a));
    // A malformed (but bracket-balanced) element is one reject; its neighbours still read.
    const broken = await readAll(
      twitterV1Reader,
      write('[' + lines[0] + ',{"id_str": nope},' + lines[1] + ']', 'json'),
    );
    assert.equal(posts(broken).length, 2);
    assert.equal(broken.filter((r) => r.reject).length, 1);
  });

  test('generated fixtures round-trip: every kind maps, nothing is rejected', async () => {
    const { lines, kinds } = v1Tweets(300, 11);
    const recs = await readAll(twitterV1Reader, write(lines.join('\n')));
    assert.equal(recs.length, 300);
    assert.equal(recs.filter((r) => r.reject).length, 0);
    const want = {
      original: 'original',
      long: 'original',
      reply: 'reply',
      quote: 'quote',
      retweet: 'repost',
    };
    recs.forEach((r, i) => assert.equal(r.posts![0].kind, want[kinds[i]], `line ${i + 1}`));
    const long = recs.find((_, i) => kinds[i] === 'long')!.posts![0];
    assert.ok(!long.text!.endsWith('…'), 'long tweets use extended_tweet.full_text');
    assert.ok(long.hashtags.length > 0 && long.urls.length > 0);
    // Escaped JSON (as X wrote it) decodes to the same text as raw UTF-8.
    const raw = v1Tweets(5, 11, 'utf8').lines;
    assert.deepEqual(
      raw.map((l) => JSON.parse(l).user.name),
      lines.slice(0, 5).map((l) => JSON.parse(l).user.name),
    );
  });
});

describe('x-v1 helpers', () => {
  test('parseTwitterDate agrees with Date.parse and refuses what is out of layout or range', () => {
    const r = rng(5);
    for (let i = 0; i < 500; i++) {
      const ms = Math.floor((Date.UTC(2007, 0, 1) + r() * 6e11) / 1000) * 1000;
      const s = twitterDate(ms);
      assert.equal(parseTwitterDate(s), ms, s);
    }
    assert.equal(parseTwitterDate('Wed Mar 02 10:11:12 +0200 2016'), Date.UTC(2016, 2, 2, 8, 11, 12));
    for (const bad of [
      'Wed Xyz 02 10:11:12 +0000 2016',
      'Wed Mar 02 25:11:12 +0000 2016',
      'Wed Mar 02 10:11:12 +0000 16',
      '',
    ]) {
      assert.equal(parseTwitterDate(bad), null, bad);
    }
    assert.equal(parseIsoInstant('2021-03-04T05:06:07.123Z'), Date.UTC(2021, 2, 4, 5, 6, 7, 123));
    assert.equal(parseIsoInstant('2021-03-04T05:06:07+01:00'), Date.UTC(2021, 2, 4, 4, 6, 7));
    assert.equal(
      parseIsoInstant('2021-03-04T05:06:07'),
      null,
      'no zone: refused rather than read as local time',
    );
    assert.equal(parseIsoInstant('2021-13-04T05:06:07.000Z'), null);
  });

  test('urlFields gives what normaliseUrls gives', () => {
    const raw = [
      'https://Example.com/a?utm_medium=x',
      'not a url',
      'ftp://example.com/x',
      'http://sub.example.co.uk/p#x',
      'https://example.com/b',
      '',
    ];
    assert.deepEqual(urlFields(raw), normaliseUrls(raw));
    assert.deepEqual(urlFields(raw), normaliseUrls(raw), 'second call, from the cache');
  });

  test('the canonical-URL fast path and the per-host domain cache agree with normalize.ts on tricky URLs', () => {
    const r = rng(77);
    const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
    // Plain URLs are over-represented so the fast path is taken often.
    const schemes = ['http://', 'https://', 'https://', 'https://', 'HTTPS://', 'ftp://', 'https:/'];
    const hosts = [
      'example.com', 'example.com', 'www.example.co.uk', 'news.example.fr', 'Example.com', 'xn--bcher-kva.example', 'xn--zz.com', '127.0.0.1',
      '0x7f.1', 'a.b', 'host.com:8080', 'host.com:443', 'user:pw@host.com', '1.2.3', 'localhost', 'a-.com',
      'sub.blogspot.com', 'example.com.', 'ex_ample.com', 'münchen.de',
    ]; // prettier-ignore
    const bits = [
      'a',
      'B',
      '-',
      '_',
      '.',
      '..',
      '%2e',
      '%2E',
      '%C3%A9',
      "'",
      '~',
      ' ',
      '"',
      '<',
      '\\',
      '|',
      '`',
      '{',
      '%',
      '@',
      ':',
      '!',
      '(',
      ';',
      '=',
      '+',
      '/',
      '//',
      'é',
    ];
    for (let i = 0; i < 3000; i++) {
      let path = '';
      const n = Math.floor(r() * 6);
      for (let k = 0; k < n; k++) path += (r() < 0.4 ? '/' : '') + pick(bits);
      let u = pick(schemes) + pick(hosts) + (r() < 0.9 ? '/' : '') + path;
      if (r() < 0.1) u += '?utm_source=x&a=1';
      if (r() < 0.05) u += '#frag';
      const want = canonicalUrl(u);
      assert.equal(canonicalUrlFast(u), want, u);
      if (want !== null) assert.equal(domainOfCanonical(want), registrableDomain(want), want);
    }
  });

  test('clientName strips markup and decodes the basic entities', () => {
    assert.equal(clientName('<a href="x" rel="nofollow">Tweetbot for iΟS</a>'), 'Tweetbot for iΟS');
    assert.equal(clientName('Twitter for iPhone'), 'Twitter for iPhone');
    assert.equal(clientName('<a href="x">A &amp; B &lt;3</a>'), 'A & B <3');
    assert.equal(clientName('<b><i></i></b>'), null);
    assert.equal(clientName(42), null);
  });
});

/** A TwiBot-20 user as the released files write it: every profile value a string with a trailing space. */
function twibotUser(n: number, tweets: unknown): Record<string, unknown> {
  const u = v1User(rng(n), n);
  const profile: Record<string, string> = {};
  for (const [k, v] of Object.entries(u)) {
    profile[k] = (v === null ? 'None' : typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v)) + ' ';
  }
  return { ID: String(u.id_str), profile, tweet: tweets, neighbor: null, domain: ['Politics'] };
}

describe('twibot20', () => {
  test('profiles with stringified values become accounts; text-only tweets are kept aside', async () => {
    const tweetObj = JSON.parse(v1Tweets(1, 2).lines[0]);
    const users = [
      twibotUser(1, ['RT @a: first\n', 'second <script>x</script>\n']),
      twibotUser(2, null),
      twibotUser(3, [tweetObj, 17, { id_str: 'x' }]),
      { ID: '4', tweet: [] }, // no profile
    ];
    const path = write(JSON.stringify(users, null, 1), 'json');
    const details = [];
    for await (const u of twibot20Users(await InputFile.open(path))) details.push(u);
    assert.deepEqual(details[0].texts, ['RT @a: first\n', 'second <script>x</script>\n']);
    const a = details[0].account!;
    const src = v1User(rng(1), 1);
    assert.equal(a.accountId, src.id_str);
    assert.equal(a.handle, src.screen_name);
    assert.equal(a.followers, src.followers_count);
    assert.equal(a.verified, src.verified);
    assert.equal(a.defaultAvatar, src.default_profile_image);
    assert.equal(a.description, src.description, 'the one trailing space the dump adds is removed');
    assert.equal(details[1].texts.length, 0);
    assert.equal(details[2].posts.length, 1);
    assert.deepEqual(
      details[2].tweetRejects.map((r) => r.index),
      [1, 2],
    );
    assert.match(details[3].reject!.reason, /no profile/);

    const recs = await readAll(twibot20Reader, write(JSON.stringify(users), 'json'));
    assert.equal(recs.filter((r) => r.accounts).length, 3);
    assert.equal(recs.filter((r) => r.reject).length, 3, 'two bad tweet entries and one bad user');
  });

  test('conformance: every user and tweet of TwiBot-20_sample.json reads without a reject', async (t) => {
    const here = fileURLToPath(new URL('.', import.meta.url));
    const root = resolve(here, '..', '..', '..', ...(here.includes(`${join('dist', 'src')}`) ? ['..'] : []));
    const data = process.env.VIGIE_REFERENCE_DATA ?? resolve(root, '..', 'shared', 'data');
    const path = join(data, 'social', 'twibot-20-sample', 'TwiBot-20_sample.json');
    if (!existsSync(path)) {
      t.skip(`reference data not found at ${path}`);
      return;
    }
    // Source: BunsenFeng/TwiBot-20 @ f37b6510, MIT (see shared/data/README.md).
    const raw = JSON.parse(readFileSync(path, 'utf8')) as { tweet: unknown[] | null }[];
    const tweetsInFile = raw.reduce((n, u) => n + (u.tweet?.length ?? 0), 0);
    let users = 0;
    let texts = 0;
    let problems = 0;
    for await (const u of twibot20Users(await InputFile.open(path))) {
      users++;
      texts += u.texts.length + u.posts.length;
      problems += (u.reject ? 1 : 0) + u.tweetRejects.length;
    }
    assert.equal(users, 100);
    assert.equal(problems, 0);
    assert.equal(texts, tweetsInFile);
    const recs = await readAll(twibot20Reader, path);
    const ids = new Set(recs.flatMap((r) => r.accounts ?? []).map((a) => a.accountId));
    assert.equal(ids.size, 100);
    assert.equal(recs.filter((r) => r.reject).length, 0);
    const shaq = recs.flatMap((r) => r.accounts ?? []).find((a) => a.accountId === '17461978')!;
    assert.equal(shaq.handle, 'SHAQ');
    assert.equal(shaq.followers, 15349596);
    assert.equal(shaq.verified, true);
    assert.equal(shaq.createdAt, Date.UTC(2008, 10, 18, 10, 27, 25));
  });
});

describe('sniffing', () => {
  const { lines } = v1Tweets(30, 21);
  const cases: [string, string, string][] = [
    ['x-v1', 'tweets.jsonl', lines.join('\n')],
    ['x-v1', 'tweets.json', '[\n  ' + lines.slice(0, 5).join(',\n  ') + '\n]'],
    ['x-v1', 'stream.jsonl', '{"limit":{"track":3,"timestamp_ms":"1"}}\n' + lines.slice(0, 3).join('\n')],
    ['x-v1', 'escaped.jsonl', lines.map((l) => twitterJson(JSON.parse(l))).join('\n')],
    ['twibot20', 'TwiBot-20_sample.json', JSON.stringify([twibotUser(1, ['a']), twibotUser(2, ['b'])])],
  ];
  for (const [format, name, content] of cases) {
    test(`${name} is ${format}, and no other registered reader claims it`, async () => {
      const path = write(content, name.split('.').pop());
      const input = await InputFile.open(path);
      assert.equal((await detectFormat(input)).format, format);
      const head = await input.head();
      for (const r of READERS) {
        const s = r.sniff(head, path);
        if (r.format === format) assert.ok(s >= 0.5, `${r.format} scores ${s}`);
        else assert.ok(s < 0.5, `${r.format} scores ${s} on a ${format} file`);
      }
    });
  }
});

describe('ingest', () => {
  test('a generated v1.1 file goes through ingestFile into a DuckDB store with the right counts', async () => {
    const { lines } = v1Tweets(120, 31);
    const body = [
      ...lines.slice(0, 60),
      '{"delete":{"status":{"id_str":"1","user_id_str":"2"}}}',
      '{"truncated": ',
      '{"not":"a tweet"}',
      ...lines.slice(60),
    ].join('\n');
    const path = write(body);
    const store = await openStore(join(dir, 'ingest.duckdb'));
    try {
      const res = await ingestFile(store, path);
      assert.equal(res.status, 'ingested');
      assert.equal(res.format, 'x-v1');
      assert.equal(res.records, 123);
      assert.equal(res.accepted, 120);
      assert.equal(res.rejected, 2);
      const ids = new Set<string>();
      for (const l of lines) {
        const o = JSON.parse(l);
        ids.add(o.user.id_str);
        if (o.retweeted_status) ids.add(o.retweeted_status.user.id_str);
        if (o.quoted_status) ids.add(o.quoted_status.user.id_str);
      }
      const c = await store.counts();
      assert.equal(c.posts, 120);
      assert.equal(c.accounts, ids.size);
      assert.equal(c.rejects, 2);
      const again = await ingestFile(store, path);
      assert.equal(again.status, 'already-ingested');
    } finally {
      await store.close();
    }
  });
});
