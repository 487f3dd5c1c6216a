import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { genericCsvReader, resolveMapping } from './index.js';
import { InputFile } from '../../ingest/input.js';
import { ingestFile } from '../../ingest/ingest.js';
import { DuckDBStore } from '../../store/duckdb/DuckDBStore.js';
import type { ReadRecord } from '../../model/post.js';
import type { ReaderOptions } from '../types.js';
import { isVigieError } from '../../util/errors.js';

let dir = '';
let n = 0;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigie-generic-csv-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function file(text: string, name = `f${n++}.csv`): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

async function read(text: string, options: ReaderOptions = {}): Promise<ReadRecord[]> {
  const out: ReadRecord[] = [];
  for await (const r of genericCsvReader.read(await InputFile.open(file(text)), options)) out.push(r);
  return out;
}

const summary = (recs: ReadRecord[]) =>
  recs.map((r) => [r.pos.line, r.reject ? `REJECT ${r.reject.reason}` : r.posts![0].postId]);

describe('generic-csv reader', () => {
  test('missing and extra columns are rejected with their line numbers; the rest is read', async () => {
    const recs = await read(
      'post_id,account_id,timestamp\n1,a,1600000000\n2,b\n3,c,1600000002,extra\n4,d,1600000003\n',
    );
    assert.deepEqual(summary(recs), [
      [2, '1'],
      [3, 'REJECT expected 3 columns, found 2'],
      [4, 'REJECT expected 3 columns, found 4'],
      [5, '4'],
    ]);
  });

  test('quoted newlines stay in one record and later line numbers stay right; bad quoting is a reject', async () => {
    const recs = await read(
      'post_id,account_id,timestamp,text\n' +
        '1,a,1600000000,"two\nlines, and ""quotes"""\n' +
        '2,b,1600000001,bad"quote\n' +
        '3,c,1600000002,plain\n',
    );
    assert.deepEqual(summary(recs), [
      [2, '1'],
      [4, 'REJECT bad CSV quoting: quote inside an unquoted field (byte 18 of the record)'],
      [5, '3'],
    ]);
    assert.equal(recs[0].posts![0].text, 'two\nlines, and "quotes"');
  });

  test('the CooRTweet four-column object form is read without a mapping', async () => {
    const text =
      'object_id,account_id,content_id,timestamp_share\n' +
      '85d2d122,0fb4232d,114e22f1,1623881091\n' +
      '89864519,7d0e462c,60e1901a,1623879483\n';
    assert.ok(genericCsvReader.sniff(text, 'x.csv') >= 0.5);
    const recs = await read(text);
    const p = recs[0].posts![0];
    assert.equal(p.postId, '114e22f1');
    assert.equal(p.accountId, '0fb4232d');
    assert.equal(p.refPostId, '85d2d122');
    assert.equal(p.kind, 'repost');
    assert.equal(p.time, 1623881091 * 1000);
    assert.equal(p.platform, 'generic');
    assert.equal(p.lang, 'und');
    assert.equal(recs.length, 2);
  });

  test('mapping: role=column and column=role, object role, fixed platform', async () => {
    const text =
      'msg,who,when,link,words\nm1,u1,2021-09-01T10:00:00Z,HTTPS://Example.COM:443/a?utm_source=x&id=2#top,hello\n';
    const viaRole = await read(text, {
      mapping: {
        post_id: 'msg',
        account_id: 'who',
        time: 'when',
        text: 'words',
        object: 'link',
        object_role: 'url',
      },
      platform: 'forum',
    });
    const viaColumn = await read(text, {
      mapping: {
        msg: 'post_id',
        who: 'account_id',
        when: 'time',
        words: 'text',
        link: 'object',
        object_role: 'url',
      },
      platform: 'forum',
    });
    assert.deepEqual(viaColumn, viaRole);
    const p = viaRole[0].posts![0];
    assert.equal(p.platform, 'forum');
    assert.equal(p.time, Date.UTC(2021, 8, 1, 10));
    assert.deepEqual(p.urls, ['HTTPS://Example.COM:443/a?utm_source=x&id=2#top']);
    assert.deepEqual(p.canonicalUrls, ['https://example.com/a?id=2']);
    assert.deepEqual(p.domains, ['example.com']);
    assert.equal(p.refPostId, null);
    assert.equal(p.kind, 'original');
  });

  test('ERR_BAD_MAPPING names the missing roles, an unknown role, or a column not in the header', async () => {
    const header = ['msg', 'who', 'body'];
    assert.throws(
      () => resolveMapping(header, {}, 'x.csv'),
      (e: unknown) =>
        isVigieError(e, 'ERR_BAD_MAPPING') && /post_id, account_id, time/.test((e as Error).message),
    );
    assert.throws(
      () => resolveMapping(header, { mapping: { post_id: 'msg', account_id: 'who' } }, 'x.csv'),
      (e: unknown) => isVigieError(e, 'ERR_BAD_MAPPING') && /no column for time/.test((e as Error).message),
    );
    assert.throws(
      () => resolveMapping(header, { mapping: { colour: 'msg' } }, 'x.csv'),
      (e: unknown) => isVigieError(e, 'ERR_BAD_MAPPING') && /no known role/.test((e as Error).message),
    );
    assert.throws(
      () => resolveMapping(header, { mapping: { post_id: 'nope' } }, 'x.csv'),
      (e: unknown) =>
        isVigieError(e, 'ERR_BAD_MAPPING') && /"nope" is not in the header/.test((e as Error).message),
    );
    await assert.rejects(read('msg,who,body\n1,2,3\n'), (e: unknown) => isVigieError(e, 'ERR_BAD_MAPPING'));
  });

  test('empty ids, NA and unreadable times are rejects with a reason', async () => {
    const recs = await read(
      'post_id,account_id,timestamp\n,a,1600000000\n2,NA,1600000000\n3,c,yesterday\n4,d,1600000000\n',
    );
    assert.deepEqual(summary(recs), [
      [2, 'REJECT empty post id'],
      [3, 'REJECT empty account id'],
      [4, 'REJECT unreadable time "yesterday"'],
      [5, '4'],
    ]);
  });

  test('text is kept verbatim, HTML, script and control characters included', async () => {
    const evil = '<script>alert(1)</script><img src=x onerror="fetch(1)"> \u0000\u0007\u001b[31m\u202e';
    const csv = `post_id,account_id,timestamp,text,lang\n1,a,1600000000,"${evil.replace(/"/g, '""')}",en\n`;
    const recs = await read(csv);
    assert.equal(recs[0].posts![0].text, evil);
    assert.equal(recs[0].posts![0].lang, 'en');
  });

  test('sniff: leaves the X information-operations layout to its reader, and unknown headers alone', () => {
    assert.equal(genericCsvReader.sniff('tweetid,userid,tweet_text\n', 'a.csv'), 0);
    assert.equal(genericCsvReader.sniff('{"id": 1}\n', 'a.jsonl'), 0);
    assert.ok(genericCsvReader.sniff('account_id,post_id,url_id,timestamp\n', 'a.csv') >= 0.5);
  });

  test('rows of one post spread over several lines (german_elections style) are merged at ingest', async () => {
    const p = file(
      'account_id,post_id,url_id,hashtag_id,domain_id,phash_id,timestamp\n' +
        'fb_1,100,u1,,d1,,1629589836\n' +
        'fb_2,200,u9,,,,1629589000\n' +
        'fb_1,100,,h1,,,1629589836\n' +
        'fb_1,100,u2,,d1,p7,1629589836\n' +
        'fb_3,,u3,,,,1629589836\n',
      'german.csv',
    );
    const store = await DuckDBStore.open(join(dir, 'german.duckdb'));
    try {
      const r = await ingestFile(store, p);
      assert.equal(r.status, 'ingested');
      assert.equal(r.records, 5);
      assert.equal(r.rejected, 1); // the empty post id
      assert.equal(r.duplicates, 2); // two extra rows of post 100
      assert.equal(r.accepted, 2);
      const counts = await store.counts();
      assert.equal(counts.posts, 2);
      assert.equal(counts.accounts, 2);
      const rows = await (
        store as unknown as { conn: { runAndReadAll(s: string): Promise<{ getRowObjectsJS(): unknown[] }> } }
      ).conn.runAndReadAll(
        `SELECT post_id, urls, domains, hashtags, media, record_no FROM posts ORDER BY post_id`,
      );
      const [p100, p200] = rows.getRowObjectsJS() as Record<string, unknown>[];
      assert.equal(p100.post_id, '100');
      assert.equal(Number(p100.record_no), 0); // the first row of the post is kept
      assert.deepEqual([...(p100.urls as string[])].sort(), ['u1', 'u2']);
      assert.deepEqual(p100.domains, ['d1']);
      assert.deepEqual(p100.hashtags, ['h1']);
      assert.deepEqual(p100.media, ['p7']);
      assert.deepEqual(p200.urls, ['u9']);
    } finally {
      await store.close();
    }
  });
});
