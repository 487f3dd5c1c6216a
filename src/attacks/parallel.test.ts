import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeAttackDemo } from './demo.js';
import { openStore } from '../store/index.js';
import { ingestLogs } from './ingest.js';
import { partitionOf } from '../logs/read.js';
import { partitionOfBytes } from './parallel.js';

test('partition key: the client /24, after a leading virtual host too', () => {
  const a = partitionOf('198.51.100.7 - - [x] "GET / HTTP/1.1" 200 1');
  assert.equal(partitionOf('198.51.100.200 - - [y] "GET /z HTTP/1.1" 404 1'), a);
  assert.equal(partitionOf('www.example.org:443 198.51.100.9 - - [x] "GET / HTTP/1.1" 200 1'), a);
  assert.notEqual(partitionOf('198.51.101.7 - - [x]'), a);
  assert.equal(partitionOf('2001:db8:1:2::1 - - [x]'), partitionOf('2001:db8:1:ffff::9 - - [x]'));
  for (const l of [
    '198.51.100.7 - - [x]',
    'www.example.org:443 198.51.100.9 - x',
    '2001:db8::1 - -',
    'garbage',
    '1.2.3.4',
  ])
    assert.equal(partitionOfBytes(Buffer.from(l)), partitionOf(l), l);
});

test('two worker threads find the same alerts and counts as one stream', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-par-'));
  const demo = await writeAttackDemo(join(dir, 'demo'), { seed: 3, days: 2, webPerDay: 3000 });
  // Framing cases the worker path must treat exactly as InputFile.lines(): a BOM, CRLF,
  // blank and whitespace-only lines, invalid UTF-8, a line over the 64 KiB bound, no final newline.
  const hostile = Buffer.concat([
    Buffer.from([0xef, 0xbb, 0xbf]),
    Buffer.from('198.51.100.1 - - [01/May/2017:00:00:01 +0000] "GET / HTTP/1.1" 200 5 "-" "ua"\r\n\n   \n'),
    Buffer.from(
      '198.51.100.2 - - [01/May/2017:00:00:02 +0000] "GET /caf\xe9 HTTP/1.1" 200 5 "-" "ua"\n',
      'latin1',
    ),
    Buffer.from('x'.repeat(70_000) + '\nnot a log line\n'),
    readFileSync(demo.access),
    Buffer.from('198.51.100.3 - - [03/May/2017:00:00:03 +0000] "GET /.env HTTP/1.1" 404 5 "-" "ua"'),
  ]);
  writeFileSync(demo.access, hostile);
  const summarise = async (threads: number) => {
    const store = await openStore(join(dir, `t${threads}.duckdb`));
    try {
      const r = await ingestLogs(store, [demo.access], { enrich: false, threads });
      const alerts = (await store.attacks().listAlerts())
        .map((a) => `${a.scenario} ${a.key} ${a.events} ${a.evidence.map((e) => e.line).join(',')}`)
        .sort();
      const daily = (await store.attacks().daily()).map((d) => `${d.day} ${d.kind} ${d.events}`);
      const rejects = (await store.listRejects()).map(
        (x) => `${x.line} ${x.offset} ${x.reason} ${x.excerpt.slice(0, 20)}`,
      );
      return { files: r.files.map((f) => [f.lines, f.events, f.rejected]), alerts, daily, rejects };
    } finally {
      await store.close();
    }
  };
  const one = await summarise(1);
  const two = await summarise(2);
  assert.ok(one.alerts.length > 20);
  assert.equal(one.rejects.length, 3);
  assert.deepEqual(two, one);
});
