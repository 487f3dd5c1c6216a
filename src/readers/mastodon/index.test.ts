import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mastodonReader, htmlToText, decodeEntities, fullHandle } from './index.js';
import { READERS, detectFormat } from '../index.js';
import { InputFile } from '../../ingest/input.js';
import type { Post, ReadRecord } from '../../model/post.js';
import { ingestFile } from '../../ingest/ingest.js';
import { openStore } from '../../store/index.js';

const HOSTILE =
  'Vote <script>alert("x")</script> <a href="javascript:alert(1)">click</a> \u202Eevil\u202C \u200F\u0007\u001b[31m\u0000 end';
/** How Mastodon's sanitiser renders HOSTILE typed by a user: escaped, inside a paragraph. */
const HOSTILE_HTML = `<p>${HOSTILE.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')}</p>`;

const dir = mkdtempSync(join(tmpdir(), 'vigie-mastodon-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

function account(acct: string, host: string, extra: Record<string, unknown> = {}) {
  const username = acct.split('@')[0];
  return {
    id: String(100000 + username.length),
    username,
    acct,
    display_name: username.toUpperCase(),
    locked: false,
    bot: false,
    created_at: '2022-11-08T00:00:00.000Z',
    note: '<p>Bio of ' + username + '</p>',
    url: `https://${host}/@${username}`,
    avatar: `https://${host}/system/accounts/avatars/1/original/a.png`,
    header: `https://${host}/system/accounts/headers/1/original/h.png`,
    followers_count: 10,
    following_count: 20,
    statuses_count: 30,
    ...extra,
  };
}

let seq = 0;
function status(acc: ReturnType<typeof account>, host: string, extra: Record<string, unknown> = {}) {
  seq++;
  const id = String(112233445566778800n + BigInt(seq));
  return {
    id,
    created_at: `2024-05-01T10:00:${String(seq).padStart(2, '0')}.000Z`,
    in_reply_to_id: null,
    in_reply_to_account_id: null,
    sensitive: false,
    spoiler_text: '',
    visibility: 'public',
    language: 'en',
    uri: `https://${host}/users/${acc.username}/statuses/${id}`,
    url: `https://${host}/@${acc.username}/${id}`,
    content: '<p>hello</p>',
    reblog: null,
    application: { name: 'Web', website: null },
    account: acc,
    media_attachments: [],
    mentions: [],
    tags: [],
    emojis: [],
    card: null,
    poll: null,
    ...extra,
  };
}

// "alice" is local to the serving instance (acct without domain); bob is remote.
const alice = account('alice', 'social.example', {
  avatar: 'https://social.example/avatars/original/missing.png',
  header: 'https://social.example/headers/original/missing.png',
  note: '',
});
const bob = account('Bob@Other.Example', 'other.example');
const s1 = status(bob, 'other.example', {
  content:
    '<p>Read <a href="https://news.example.com/a?utm_source=m" rel="nofollow noopener" target="_blank"><span class="invisible">https://</span><span class="ellipsis">news.example.com/a?utm_so</span><span class="invisible">urce=m</span></a> <a href="https://other.example/tags/Vote" class="mention hashtag">#<span>Vote</span></a><br>line two &amp; &lt;b&gt;</p><p>para <span class="h-card"><a href="https://social.example/@alice" class="u-url mention">@<span>alice</span></a></span></p>',
  tags: [{ name: 'Vote', url: 'https://other.example/tags/vote' }],
  mentions: [{ id: '100005', username: 'alice', acct: 'alice', url: 'https://social.example/@alice' }],
  media_attachments: [
    {
      id: '9',
      type: 'image',
      url: 'https://social.example/cache/m/1.jpg',
      blurhash: 'UBL_:rOpGG-oBUNG,qRj2so|=eE1w^n4S5NH',
    },
    {
      id: '10',
      type: 'image',
      url: 'https://social.example/cache/m/2.jpg',
      remote_url: 'https://other.example/m/2.jpg',
      blurhash: null,
    },
  ],
  application: null,
});
const s2 = status(alice, 'social.example', {
  in_reply_to_id: s1.id,
  in_reply_to_account_id: bob.id,
  content:
    '<p><span class="h-card"><a href="https://other.example/@Bob" class="u-url mention">@<span>Bob</span></a></span> agreed</p>',
  mentions: [{ id: bob.id, username: 'Bob', acct: 'Bob@other.example', url: 'https://other.example/@Bob' }],
});
const boost = status(alice, 'social.example', { content: '', reblog: s1, language: null });
const hostile = status(alice, 'social.example', { content: HOSTILE_HTML, language: null });
const raw = status(bob, 'other.example', {
  content:
    '<p>literal <script>alert(1)</script><img src=x onerror="alert(2)"> <3 &#x202E;x&#0; &bogus; &amp;lt;</p>',
});

const GOOD = [s1, s2, boost, hostile, raw];
const BAD: [unknown, RegExp][] = [
  [(({ id: _id, ...rest }) => rest)(status(bob, 'other.example')), /status has no id/],
  [status(bob, 'other.example', { created_at: 12 }), /unreadable created_at/],
  [status(bob, 'other.example', { content: { html: 1 } }), /content is an object, not a string/],
  [status(bob, 'other.example', { account: null }), /no account\.acct/],
  [status(bob, 'other.example', { reblog: 'nope' }), /boosted status is a string/],
  ['just a string', /not an object/],
];

async function readAll(path: string): Promise<ReadRecord[]> {
  const input = await InputFile.open(path);
  const out: ReadRecord[] = [];
  for await (const r of mastodonReader.read(input, {})) out.push(r);
  return out;
}
const postsOf = (recs: ReadRecord[]): Post[] => recs.flatMap((r) => r.posts ?? []);

const all = [...GOOD.slice(0, 2), BAD[0][0], ...GOOD.slice(2), ...BAD.slice(1).map((b) => b[0])];
const arrayPath = join(dir, 'page.json');
writeFileSync(arrayPath, JSON.stringify(all, null, 2));
const linesPath = join(dir, 'statuses.jsonl');
writeFileSync(linesPath, all.map((s) => JSON.stringify(s)).join('\n') + '\n');

describe('htmlToText', () => {
  test('strips tags without interpreting them; decodes entities once', () => {
    assert.equal(htmlToText('<p>a &lt;b&gt;<br>c</p><p>d</p>'), 'a <b>\nc\n\nd');
    assert.equal(htmlToText('x <a title="a>b" href=\'javascript:alert(1)\'>y</a> z'), 'x y z');
    assert.equal(htmlToText('<!-- <p>hidden --> a <3 b'), ' a <3 b');
    assert.equal(htmlToText('cut <a href="x'), 'cut <a href="x');
    assert.equal(
      decodeEntities('&amp;lt; &#65;&#x42; &#xD800; &#0; &#x110000; &nope;'),
      '&lt; AB &#xD800; &#0; &#x110000; &nope;',
    );
  });
  test('fullHandle completes local accounts with their instance', () => {
    assert.equal(fullHandle('Alice', 'https://Social.Example/@Alice', null), 'alice@social.example');
    assert.equal(fullHandle('bob@other.example', 'https://x.example/@bob', null), 'bob@other.example');
    assert.equal(
      fullHandle('carol', 'not a url', 'https://c.example/users/carol/statuses/1'),
      'carol@c.example',
    );
    assert.equal(fullHandle('dave', null, null), 'dave');
  });
});

describe('mastodon reader', () => {
  for (const [name, path] of [
    ['JSON array page', arrayPath],
    ['JSON lines', linesPath],
  ] as const) {
    test(`${name}: maps statuses, boosts and replies`, async () => {
      const posts = postsOf(await readAll(path));
      assert.deepEqual(
        posts.map((p) => [p.postId, p.accountId, p.kind, p.refPostId, p.refAccountId]),
        [
          [s1.uri, 'bob@other.example', 'original', null, null],
          [s2.uri, 'alice@social.example', 'reply', s1.id, 'bob@other.example'],
          [boost.uri, 'alice@social.example', 'repost', s1.uri, 'bob@other.example'],
          [s1.uri, 'bob@other.example', 'original', null, null],
          [hostile.uri, 'alice@social.example', 'original', null, null],
          [raw.uri, 'bob@other.example', 'original', null, null],
        ],
      );
      const p = posts[0];
      assert.equal(p.platform, 'mastodon');
      assert.equal(p.time, Date.parse(s1.created_at));
      assert.equal(
        p.text,
        'Read https://news.example.com/a?utm_source=m #Vote\nline two & <b>\n\npara @alice',
      );
      assert.deepEqual(p.urls, ['https://news.example.com/a?utm_source=m']);
      assert.deepEqual(p.canonicalUrls, ['https://news.example.com/a']);
      assert.deepEqual(p.hashtags, ['vote']);
      assert.deepEqual(p.mentions, ['alice@social.example']);
      assert.deepEqual(p.media, ['UBL_:rOpGG-oBUNG,qRj2so|=eE1w^n4S5NH', 'https://other.example/m/2.jpg']);
      assert.equal(p.client, null);
      assert.equal(posts[1].client, 'Web');
      assert.equal(posts[2].text, null);
    });

    test(`${name}: hostile content stored verbatim after entity decoding`, async () => {
      const posts = postsOf(await readAll(path));
      assert.equal(posts[4].text, HOSTILE);
      assert.equal(posts[5].text, 'literal alert(1) <3 \u202Ex&#0; &bogus; &lt;');
      assert.deepEqual(posts[4].urls, []);
    });

    test(`${name}: rejects malformed statuses with positions`, async () => {
      const recs = await readAll(path);
      const rejects = recs.filter((r) => r.reject);
      assert.equal(rejects.length, BAD.length);
      BAD.forEach(([, why], i) => assert.match(rejects[i].reject!.reason, why));
      // the first bad status (no id) is the third element or line
      const bytes = Buffer.from(
        path === linesPath ? all.map((s) => JSON.stringify(s)).join('\n') : JSON.stringify(all, null, 2),
      );
      const at = bytes.subarray(rejects[0].pos.offset).toString();
      if (path === linesPath) {
        assert.equal(rejects[0].pos.line, 3);
        assert.ok(at.startsWith('{"created_at"'));
      } else {
        assert.equal(
          rejects[0].pos.line,
          bytes.subarray(0, rejects[0].pos.offset).toString().split('\n').length,
        );
        assert.ok(at.startsWith('{\n    "created_at"'));
      }
    });
  }

  test('accounts: full handles, default avatar, profile counts', async () => {
    const recs = await readAll(arrayPath);
    const a = recs.flatMap((r) => r.accounts ?? []).find((x) => x.accountId === 'alice@social.example')!;
    assert.equal(a.defaultAvatar, true);
    assert.equal(a.defaultProfile, true);
    assert.equal(a.description, null);
    assert.equal(a.createdAt, Date.parse('2022-11-08T00:00:00.000Z'));
    const b = recs.flatMap((r) => r.accounts ?? []).find((x) => x.accountId === 'bob@other.example')!;
    assert.deepEqual(
      [b.defaultAvatar, b.defaultProfile, b.description, b.followers, b.following, b.postsCount],
      [false, false, 'Bio of Bob', 10, 20, 30],
    );
  });

  test('a truncated page keeps the statuses before the cut', async () => {
    const text = JSON.stringify(GOOD, null, 2);
    const cutAt = text.indexOf('"id": "' + raw.id) + 40;
    const path = join(dir, 'cut.json');
    writeFileSync(path, text.slice(0, cutAt));
    const recs = await readAll(path);
    assert.equal(postsOf(recs).length, 5);
    assert.equal(recs.filter((r) => r.reject).length, 1);
    assert.match(
      recs.at(-1)!.reject!.reason,
      new RegExp(`file ends at byte ${Buffer.byteLength(text.slice(0, cutAt))} inside element 4`),
    );
  });

  test('sniffers: only the mastodon reader claims mastodon files', async () => {
    for (const path of [arrayPath, linesPath]) {
      const input = await InputFile.open(path);
      const head = await input.head();
      for (const r of READERS) {
        const s = r.sniff(head, path);
        if (r.format === 'mastodon') assert.ok(s >= 0.8, `mastodon sniff ${s}`);
        else assert.equal(s, 0, `${r.format} claims a mastodon file (${s})`);
      }
      assert.equal((await detectFormat(input)).format, 'mastodon');
    }
  });

  test('ingest into DuckDB: counts, and a second ingest adds nothing', async () => {
    const store = await openStore(join(dir, 'ws.duckdb'));
    try {
      const first = await ingestFile(store, arrayPath);
      assert.equal(first.status, 'ingested', first.error);
      assert.equal(first.format, 'mastodon');
      // six post rows, one of them the boosted status seen twice: five distinct posts
      assert.equal(first.accepted, 5);
      assert.equal(first.rejected, BAD.length);
      const before = await store.counts();
      assert.equal(before.posts, 5);
      assert.equal(before.accounts, 2);
      const again = await ingestFile(store, arrayPath);
      assert.equal(again.status, 'already-ingested');
      assert.deepEqual(await store.counts(), before);
      // the same statuses as JSON lines: a different file, but no new posts
      const lines = await ingestFile(store, linesPath);
      assert.equal(lines.status, 'ingested');
      assert.equal(lines.accepted, 0);
      assert.equal((await store.counts()).posts, 5);
    } finally {
      await store.close();
    }
  });
});
