import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { telegramReader } from './index.js';
import { READERS, detectFormat } from '../index.js';
import { InputFile, type InputLimits } from '../../ingest/input.js';
import type { Post, ReadRecord } from '../../model/post.js';
import { ingestFile } from '../../ingest/ingest.js';
import { openStore } from '../../store/index.js';
import { isVigieError } from '../../util/errors.js';

const CHAT_ID = 1234567890;
const T0 = 1714000000; // 2024-04-24T23:06:40Z
const HOSTILE =
  'Vote <script>alert("x")</script> <a href="javascript:alert(1)">click</a> \u202Eevil\u202C \u200F\u0007\u001b[31m\u0000 end';

const dir = mkdtempSync(join(tmpdir(), 'vigie-telegram-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

function msg(id: number, extra: Record<string, unknown>): Record<string, unknown> {
  return {
    id,
    type: 'message',
    date: new Date((T0 + id) * 1000).toISOString().slice(0, 19),
    date_unixtime: String(T0 + id),
    from: 'Канал Правды',
    from_id: `channel${CHAT_ID}`,
    text: '',
    text_entities: [],
    ...extra,
  };
}

/** The well-formed messages of the main fixture, in file order. */
function goodMessages(): Record<string, unknown>[] {
  return [
    msg(1, {
      from: 'Alice',
      from_id: 'user111',
      text: [
        'Read ',
        { type: 'link', text: 'example.org/article?utm_source=tg' },
        ' and ',
        { type: 'text_link', text: 'this', href: 'https://News.Example.com/x#frag' },
        ' ',
        { type: 'hashtag', text: '#Élection2027' },
        ' ',
        { type: 'mention', text: '@SomeChannel' },
        ' ',
        { type: 'mention_name', text: 'Bob', user_id: 222 },
      ],
      text_entities: [
        { type: 'plain', text: 'Read ' },
        { type: 'link', text: 'example.org/article?utm_source=tg' },
        { type: 'plain', text: ' and ' },
        { type: 'text_link', text: 'this', href: 'https://News.Example.com/x#frag' },
        { type: 'plain', text: ' ' },
        { type: 'hashtag', text: '#Élection2027' },
        { type: 'plain', text: ' ' },
        { type: 'mention', text: '@SomeChannel' },
        { type: 'plain', text: ' ' },
        { type: 'mention_name', text: 'Bob', user_id: 222 },
      ],
    }),
    {
      id: 2,
      type: 'service',
      date: '2024-04-24T23:06:42',
      date_unixtime: String(T0 + 2),
      action: 'pin_message',
    },
    msg(3, { forwarded_from: 'State Outlet', forwarded_from_id: 'channel999', text: 'forwarded words' }),
    msg(4, { from: 'Carol', from_id: 'user333', reply_to_message_id: 1, text: 'a reply' }),
    (() => {
      const m = msg(5, { text: 'channel post without from_id' });
      delete m.from;
      delete m.from_id;
      return m;
    })(),
    msg(6, {
      photo: 'photos/photo_6@25-04-2024_01-06-46.jpg',
      file: '(File not included. Change data exporting settings to download.)',
      file_name: 'leak.pdf',
      file_size: 52344,
      media_type: 'file',
    }),
    msg(7, { text: HOSTILE, text_entities: [{ type: 'plain', text: HOSTILE }] }),
    (() => {
      const m = msg(8, { text: 'no unixtime here' });
      delete m.date_unixtime;
      m.date = '2024-04-25T10:00:00';
      return m;
    })(),
  ];
}

/** Raw JSON texts of malformed elements, each with the reason it must be rejected for. */
const BAD_ELEMENTS: [string, RegExp][] = [
  ['42', /not an object/],
  [JSON.stringify(msg(9, { text: 5 })), /text is a number/],
  [JSON.stringify({ ...msg(10, {}), id: undefined }), /no usable id/],
  ['{"id": 11, "type": "message", "text": oops}', /malformed JSON element/],
  [JSON.stringify(msg(12, { from_id: 12345 })), /from_id is a number/],
];

function exportText(elements: string[], header: Record<string, unknown> = {}): string {
  const head = { name: 'Канал Правды', type: 'public_channel', id: CHAT_ID, ...header };
  const h = JSON.stringify(head, null, 1).slice(0, -2); // drop "\n}"
  return `${h},\n "messages": [\n  ${elements.join(',\n  ')}\n ]\n}\n`;
}

function write(name: string, content: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

async function readAll(path: string, limits: Partial<InputLimits> = {}): Promise<ReadRecord[]> {
  const input = await InputFile.open(path, limits);
  const out: ReadRecord[] = [];
  for await (const r of telegramReader.read(input, {})) out.push(r);
  return out;
}

const good = goodMessages().map((m) => JSON.stringify(m, null, 1));
const mainPath = write(
  'result.json',
  exportText([...good.slice(0, 3), ...BAD_ELEMENTS.map((b) => b[0]), ...good.slice(3)]),
);

function postsOf(recs: ReadRecord[]): Post[] {
  return recs.flatMap((r) => r.posts ?? []);
}

describe('telegram reader', () => {
  test('maps messages: ids, kinds, entities, media, accounts', async () => {
    const recs = await readAll(mainPath);
    const posts = postsOf(recs);
    assert.deepEqual(
      posts.map((p) => [p.postId, p.kind, p.accountId]),
      [
        [`${CHAT_ID}/1`, 'original', 'user111'],
        [`${CHAT_ID}/3`, 'repost', `channel${CHAT_ID}`],
        [`${CHAT_ID}/4`, 'reply', 'user333'],
        [`${CHAT_ID}/5`, 'original', `channel${CHAT_ID}`],
        [`${CHAT_ID}/6`, 'original', `channel${CHAT_ID}`],
        [`${CHAT_ID}/7`, 'original', `channel${CHAT_ID}`],
        [`${CHAT_ID}/8`, 'original', `channel${CHAT_ID}`],
      ],
    );
    const p1 = posts[0];
    assert.equal(p1.platform, 'telegram');
    assert.equal(p1.time, (T0 + 1) * 1000);
    assert.equal(p1.text, 'Read example.org/article?utm_source=tg and this #Élection2027 @SomeChannel Bob');
    assert.deepEqual(p1.urls, ['example.org/article?utm_source=tg', 'https://News.Example.com/x#frag']);
    assert.deepEqual(p1.canonicalUrls, ['https://example.org/article', 'https://news.example.com/x']);
    assert.deepEqual(p1.domains, ['example.org', 'example.com']);
    assert.deepEqual(p1.hashtags, ['élection2027']);
    assert.deepEqual(p1.mentions, ['somechannel', 'user222']);

    const fwd = posts[1];
    assert.equal(fwd.refAccountId, 'channel999');
    assert.equal(fwd.refPostId, null);
    const fwdRec = recs.find((r) => r.posts?.[0] === fwd)!;
    assert.deepEqual(
      fwdRec.accounts?.map((a) => [a.accountId, a.displayName]),
      [
        [`channel${CHAT_ID}`, 'Канал Правды'],
        ['channel999', 'State Outlet'],
      ],
    );
    assert.equal(posts[2].refPostId, `${CHAT_ID}/1`);
    assert.deepEqual(posts[4].media, ['photos/photo_6@25-04-2024_01-06-46.jpg', 'leak.pdf|52344']);
    // date without a zone is read as UTC when date_unixtime is absent
    assert.equal(posts[6].time, Date.UTC(2024, 3, 25, 10, 0, 0));
  });

  test('stores hostile text verbatim', async () => {
    const posts = postsOf(await readAll(mainPath));
    const p = posts.find((x) => x.postId === `${CHAT_ID}/7`)!;
    assert.equal(p.text, HOSTILE);
    // no link was made out of the javascript: href written as text
    assert.deepEqual(p.urls, []);
  });

  test('rejects malformed elements with their index and position, and reads on', async () => {
    const recs = await readAll(mainPath);
    const rejects = recs.filter((r) => r.reject);
    assert.equal(rejects.length, BAD_ELEMENTS.length);
    BAD_ELEMENTS.forEach(([, why], i) => {
      const r = rejects[i];
      assert.match(r.reject!.reason, why);
      assert.ok(r.pos.offset > 0 && r.pos.line! > 1, 'position recorded');
    });
    // element indices: 3 good/service elements come first, so the bad ones are 3..7
    assert.match(rejects[0].reject!.reason, /message 3 /);
    assert.match(rejects[3].reject!.reason, /^message element 6: malformed JSON/);
    // the offset points at the element's first byte
    const bytes = Buffer.from(
      exportText([...good.slice(0, 3), ...BAD_ELEMENTS.map((b) => b[0]), ...good.slice(3)]),
    );
    assert.equal(bytes.subarray(rejects[3].pos.offset, rejects[3].pos.offset + 9).toString(), '{"id": 11');
  });

  test('a truncated file keeps what was read and says where it was cut', async () => {
    const full = Buffer.from(exportText(good));
    const lastStart = full.lastIndexOf('{\n "id": 8');
    const cutAt = lastStart + 30;
    const path = write('cut.json', full.subarray(0, cutAt));
    const recs = await readAll(path);
    assert.equal(postsOf(recs).length, 6);
    const rejects = recs.filter((r) => r.reject);
    assert.equal(rejects.length, 1);
    assert.equal(rejects[0].pos.offset, lastStart);
    assert.match(rejects[0].reject!.reason, new RegExp(`file ends at byte ${cutAt} inside element 7`));
  });

  test('a file cut between elements, or before the messages, is one reject, no crash', async () => {
    const full = exportText(good);
    const between = write('cut2.json', full.slice(0, full.indexOf(',\n  {\n "id": 8')));
    let recs = await readAll(between);
    assert.equal(postsOf(recs).length, 6);
    assert.equal(recs.filter((r) => r.reject).length, 1);
    assert.match(recs.at(-1)!.reject!.reason, /array still open/);

    const early = write('cut3.json', full.slice(0, 40));
    recs = await readAll(early);
    assert.equal(recs.length, 1);
    assert.match(recs[0].reject!.reason, /before the "messages" array began/);
  });

  test('structure broken mid-file: one reject, earlier messages kept', async () => {
    const path = write('broken.json', exportText([good[0], '{"id": 99}}', good[2]]));
    const recs = await readAll(path);
    assert.equal(postsOf(recs).length, 1);
    assert.equal(recs.filter((r) => r.reject).length, 2); // the element, then the broken structure
    assert.match(recs.at(-1)!.reject!.reason, /JSON structure broken/);
  });

  test('an element over the size limit is rejected without being read', async () => {
    const big = JSON.stringify(msg(50, { text: 'x'.repeat(5000) }));
    const path = write('big.json', exportText([good[0], big, good[2]]));
    const recs = await readAll(path, { maxRecordBytes: 2000 });
    assert.equal(postsOf(recs).length, 2);
    assert.match(recs[1].reject!.reason, /larger than 2000 bytes/);
  });

  test('chat id after the messages is found by a second pass; gzip works', async () => {
    const text = `{"name": "g", "type": "private_supergroup", "messages": [${good[0]}], "id": 77}`;
    const path = write('late-id.json.gz', gzipSync(text));
    const posts = postsOf(await readAll(path));
    assert.deepEqual(
      posts.map((p) => p.postId),
      ['77/1'],
    );
  });

  test('a full-account export fails with a hint; an export without chat id fails clearly', async () => {
    const full = write(
      'account.json',
      JSON.stringify({
        about: 'x',
        chats: { about: 'y', list: [{ id: 1, type: 'public_channel', messages: [] }] },
      }),
    );
    await assert.rejects(
      async () => readAll(full),
      (e: unknown) => isVigieError(e, 'ERR_INPUT') && /full-account export/.test((e as Error).message),
    );
    const noId = write('noid.json', `{"name": "g", "messages": [${good[0]}]}`);
    await assert.rejects(
      async () => readAll(noId),
      (e: unknown) => isVigieError(e, 'ERR_INPUT'),
    );
  });

  test('sniffers: only the telegram reader claims telegram exports', async () => {
    for (const path of [mainPath, write('t2.json', exportText(good.slice(0, 2)))]) {
      const input = await InputFile.open(path);
      const head = await input.head();
      for (const r of READERS) {
        const s = r.sniff(head, path);
        if (r.format === 'telegram') assert.ok(s >= 0.8, `telegram sniff ${s}`);
        else assert.equal(s, 0, `${r.format} claims a telegram export (${s})`);
      }
      assert.equal((await detectFormat(input)).format, 'telegram');
    }
  });

  test('ingest into DuckDB: counts, and a second ingest adds nothing', async () => {
    const store = await openStore(join(dir, 'ws.duckdb'));
    try {
      const first = await ingestFile(store, mainPath);
      assert.equal(first.status, 'ingested', first.error);
      assert.equal(first.format, 'telegram');
      assert.equal(first.accepted, 7);
      assert.equal(first.rejected, BAD_ELEMENTS.length);
      const before = await store.counts();
      assert.equal(before.posts, 7);
      const second = await ingestFile(store, mainPath);
      assert.equal(second.status, 'already-ingested');
      assert.equal(second.accepted, 0);
      assert.deepEqual(await store.counts(), before);
    } finally {
      await store.close();
    }
  });
});
