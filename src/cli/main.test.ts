import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildProgram } from './main.js';

// Compiled to dist/src/cli/: the package root is three levels up.
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'vigie.js');

function vigie(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('vigie CLI', () => {
  let dir: string;
  let db: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigie-cli-'));
    db = join(dir, 'w.duckdb');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('every subcommand has --help', () => {
    for (const c of buildProgram().commands) {
      const r = vigie([c.name(), '--help']);
      assert.equal(r.code, 0, `${c.name()} --help exit code`);
      assert.match(r.out, new RegExp(`Usage: vigie ${c.name()}`));
    }
  });

  test('ingest prints counts, status and rejects report them, hostile text is printed inert', () => {
    const csv = join(dir, 'posts.csv');
    writeFileSync(
      csv,
      'post_id,account_id,timestamp,text\n' +
        'p1,a1,1494009300,"hello <script>alert(1)</script>"\n' +
        'p2,a2,1494009301,"\u001b[31mred\u001b[0m \u202eevil"\n' +
        'p3,a3\n' +
        'p4,a4,not-a-time,x\n',
    );
    const r = vigie(['--db', db, 'ingest', csv, '--progress', 'none']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /accepted 2 posts, rejected 2 records/);
    const st = JSON.parse(vigie(['--db', db, 'status', '--json']).out);
    assert.equal(st.counts.posts, 2);
    assert.equal(st.sources[0].rejected, 2);
    assert.match(st.sources[0].sha256, /^[0-9a-f]{64}$/);
    const rej = JSON.parse(vigie(['--db', db, 'rejects', '--json']).out);
    assert.deepEqual(
      rej.map((x: { line: number }) => x.line),
      [4, 5],
    );
    assert.match(rej[0].reason, /expected 4 columns, found 2/);
    assert.match(rej[1].reason, /unreadable time/);
    // A second run adds nothing.
    const again = vigie(['--db', db, 'ingest', csv, '--progress', 'none', '--json']);
    assert.equal(JSON.parse(again.out)[0].status, 'already-ingested');
    // The table view never lets an escape sequence reach the terminal.
    const table = vigie(['--db', db, 'rejects']);
    assert.equal(table.code, 0);
    assert.ok(!table.out.includes('\u001b'));
  });

  test('unknown format: clear error listing the formats, non-zero exit, other files still ingested', () => {
    const junk = join(dir, 'junk.bin');
    writeFileSync(junk, Buffer.from([0x00, 0x01, 0x02, 0xff, 0xfe, 0x10]));
    const ok = join(dir, 'ok.csv');
    writeFileSync(ok, 'post_id,account_id,timestamp\nq1,b1,1494009300\n');
    const r = vigie(['--db', db, 'ingest', junk, ok, '--progress', 'none']);
    assert.equal(r.code, 1);
    assert.match(r.out, /junk\.bin: cannot tell the format/);
    assert.match(r.out, /generic-csv/);
    const st = JSON.parse(vigie(['--db', db, 'status', '--json']).out);
    assert.equal(st.counts.posts, 3);
  });

  test('usage errors exit 2 with a message', () => {
    const r = vigie(['--db', db, 'findings', '--min-severity', 'extreme']);
    assert.equal(r.code, 2);
    assert.match(r.err, /Allowed choices are/);
    const u = vigie(['--db', db, 'detect', '--only', 'no-such-detector']);
    assert.equal(u.code, 2);
    assert.match(u.err, /unknown detector no-such-detector/);
  });

  test('explain-pair and coordination export run on a workspace and write every export', () => {
    const ws = join(dir, 'coord.duckdb');
    const csv = join(dir, 'ring.csv');
    const rows = ['post_id,account_id,timestamp,object_id'];
    // Five accounts repost the same twenty posts within seconds of each other.
    for (let o = 0; o < 20; o++)
      for (let a = 0; a < 5; a++) rows.push(`r${o}-${a},ring${a},${1494009300 + o * 3600 + a * 2},obj${o}`);
    writeFileSync(csv, rows.join('\n') + '\n');
    assert.equal(vigie(['--db', ws, 'ingest', csv, '--progress', 'none']).code, 0);
    const e = vigie(['--db', ws, 'explain-pair', 'generic:ring0', 'generic:ring1', '--json']);
    assert.equal(e.code, 0, e.err);
    const ex = JSON.parse(e.out);
    assert.equal(ex.a, 'generic:ring0');
    const corepost = ex.layers.find((l: { layer: string }) => l.layer === 'co-repost');
    assert.equal(corepost.count, 20, 'twenty shared reposted posts within the window');
    const out = join(dir, 'export');
    const x = vigie(['--db', ws, 'coordination', 'export', '--out', out]);
    assert.equal(x.code, 0, x.err);
    for (const f of [
      'edges.csv',
      'edges.jsonl',
      'clusters.csv',
      'clusters.jsonl',
      'coordination.gexf',
      'coordination.graphml',
    ])
      assert.ok(existsSync(join(out, f)), f);
    assert.match(readFileSync(join(out, 'coordination.gexf'), 'utf8'), /<gexf[^>]+version="1\.3"/);
  });

  test('findings output formats on an empty workspace', () => {
    const empty = join(dir, 'empty.duckdb');
    assert.deepEqual(JSON.parse(vigie(['--db', empty, 'findings', '--json']).out), []);
    assert.equal(vigie(['--db', empty, 'findings']).out.trim(), '(none)');
  });
});
