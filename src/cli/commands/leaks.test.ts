import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { run } from '../main.js';

/** Run the CLI in-process (a spawn per command costs seconds of module loading), capturing output. */
async function vigie(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const log = console.log;
  const write = process.stdout.write.bind(process.stdout);
  const ewrite = process.stderr.write.bind(process.stderr);
  console.log = (...a: unknown[]) => void (out += a.map(String).join(' ') + '\n');
  process.stdout.write = ((c: string | Uint8Array) => (
    (out += String(c)),
    true
  )) as typeof process.stdout.write;
  process.stderr.write = ((c: string | Uint8Array) => (
    (err += String(c)),
    true
  )) as typeof process.stderr.write;
  try {
    const code = await run(['node', 'vigie', ...args]);
    return { code, out, err };
  } finally {
    console.log = log;
    process.stdout.write = write;
    process.stderr.write = ewrite;
  }
}

describe('vigie leaks CLI', () => {
  let dir: string;
  let db: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigie-leaks-cli-'));
    db = join(dir, 'w.duckdb');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('demo, report (table, JSON, CSV), documents, manifest, keys, decoys', async () => {
    const demo = await vigie(['--db', db, 'leaks', 'demo', '--dir', join(dir, 'demo')]);
    assert.equal(demo.code, 0, demo.err);
    assert.match(demo.out, /authentic\s+9\n/);
    assert.match(demo.out, /headers authentic, body altered\s+1\n/);

    const table = await vigie(['--db', db, 'leaks', 'report']);
    assert.equal(table.code, 0, table.err);
    assert.match(table.out, /forged or headers altered/);

    const json = JSON.parse((await vigie(['--db', db, 'leaks', 'report', '--json'])).out);
    assert.equal(json.counts.forged, 1);
    assert.equal(json.messages.length, 14);
    const forged = json.messages.find((m: { verdict: string }) => m.verdict === 'forged');
    assert.equal(forged.subject, 'Offshore accounts - delete after reading');

    const csv = parse((await vigie(['--db', db, 'leaks', 'report', '--csv', '--verdict', 'unsigned'])).out, {
      columns: true,
    }) as Record<string, string>[];
    assert.equal(csv.length, 2);
    assert.ok(csv.every((r) => r.verdict === 'unsigned'));

    const docs = await vigie(['--db', db, 'leaks', 'report', '--documents', '--csv']);
    const rows = parse(docs.out, { columns: true }) as Record<string, string>[];
    assert.ok(rows.some((r) => r.flags.includes('edits-clustered') && r.flags.includes('foreign-script')));

    const manifest = (await vigie(['--db', db, 'leaks', 'manifest'])).out.trim().split('\n');
    assert.ok(manifest.every((l) => /^[0-9a-f]{64} {2}\S/.test(l) || l.startsWith('#')));
    assert.ok(manifest.some((l) => l.endsWith('campagne-leak/documents/finances.zip')));
    const mjson = JSON.parse((await vigie(['--db', db, 'leaks', 'manifest', '--json'])).out);
    assert.ok(
      mjson.files.some(
        (f: { path: string; anchor: string }) =>
          f.path.endsWith('plan.docx') && f.anchor === 'same-hash-as-signed-attachment',
      ),
    );

    const keys = await vigie(['--db', db, 'leaks', 'keys', 'list']);
    assert.match(keys.out, /mail2017\._domainkey\.campagne\.example\s+rsa\s+2048/);
    const add = await vigie([
      '--db',
      db,
      'leaks',
      'keys',
      'add',
      '--domain',
      'x.example',
      '--selector',
      's',
      '--txt',
      'v=DKIM1; p=',
    ]);
    assert.equal(add.code, 2);
    assert.match(add.err, /revoked key/);

    const decoy = join(dir, 'decoy.txt');
    writeFileSync(decoy, 'planted text '.repeat(100));
    assert.match((await vigie(['--db', db, 'leaks', 'decoys', 'add', decoy])).out, /1 decoys registered/);
    assert.match((await vigie(['--db', db, 'leaks', 'decoys', 'list'])).out, /decoy\.txt/);

    const findings = JSON.parse((await vigie(['--db', db, 'findings', '--json'])).out);
    assert.ok(
      findings.some(
        (f: { channel: string; kind: string }) => f.channel === 'leaks' && f.kind === 'dump-authentication',
      ),
    );
  });
});
