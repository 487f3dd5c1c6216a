import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { DuckDBInstance } from '@duckdb/node-api';
import { DuckDBStore } from '../store/duckdb/DuckDBStore.js';
import type { Finding } from '../findings/finding.js';
import { exportTable } from './tables.js';

const EVIL = '=HYPERLINK("http://evil","x"),\n"<script>';
const FINDINGS: Finding[] = ['b', 'a'].map((id, i) => ({
  id,
  kind: 'coordinated-cluster',
  channel: 'coordination',
  title: i ? EVIL : 'plain',
  summary: 's',
  severity: 'high',
  confidence: 0.5 + i / 10,
  confidenceMethod: 'm',
  detector: { name: 'd', version: '1', parameters: { k: 1 } },
  evidence: [
    { table: 'posts', key: `x:${id}1`, role: 'sample' },
    { table: 'posts', key: `x:${id}2`, note: EVIL },
  ],
  techniques: ['T0049.003'],
  caveats: ['c1', 'c2'],
  details: { members: ['x:1'] },
  createdAt: '2017-05-05T18:35:00.000Z',
}));

describe('findings table exports', () => {
  test('CSV, JSONL and Parquet carry the same findings and evidence', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigie-tables-'));
    const store = await DuckDBStore.open(':memory:');
    try {
      await store.saveFindings(FINDINGS, 'r1');
      const stored = (await store.listFindings()).sort((a, b) => (a.id < b.id ? -1 : 1));

      assert.equal(await exportTable(store, 'findings', 'jsonl', join(dir, 'f.jsonl')), 2);
      const jl = readFileSync(join(dir, 'f.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      assert.deepEqual(jl, JSON.parse(JSON.stringify(stored)));

      assert.equal(await exportTable(store, 'findings', 'csv', join(dir, 'f.csv')), 2);
      const csv = parse(readFileSync(join(dir, 'f.csv'), 'utf8'), { columns: true }) as Record<
        string,
        string
      >[];
      assert.deepEqual(
        csv.map((r) => r.id),
        ['a', 'b'],
      );
      // The formula is defused, the rest of the hostile title survives quoting intact.
      assert.equal(csv[0].title, `'${EVIL}`);
      assert.equal(csv[0].evidence_count, '2');
      assert.equal(await exportTable(store, 'evidence', 'csv', join(dir, 'e.csv')), 4);

      assert.equal(await exportTable(store, 'findings', 'parquet', join(dir, 'f.parquet')), 2);
      assert.equal(await exportTable(store, 'evidence', 'parquet', join(dir, 'e.parquet')), 4);
      // Read back with a separate DuckDB instance.
      const db = await DuckDBInstance.create(':memory:');
      const conn = await db.connect();
      const rows = (
        await conn.runAndReadAll(`SELECT * FROM read_parquet('${join(dir, 'f.parquet')}') ORDER BY id`)
      ).getRowObjectsJS() as Record<string, unknown>[];
      assert.equal(rows.length, stored.length);
      for (const [i, f] of stored.entries()) {
        const r = rows[i];
        assert.equal(r.id, f.id);
        assert.equal(r.title, f.title);
        assert.equal(r.confidence, f.confidence);
        assert.deepEqual(r.techniques, f.techniques);
        assert.deepEqual(r.caveats, f.caveats);
        assert.deepEqual(JSON.parse(String(r.details)), f.details);
        const ev = r.evidence as { table: string; key: string; note: string | null }[];
        assert.deepEqual(
          ev.map((e) => [e.table, e.key]),
          f.evidence.map((e) => [e.table, e.key]),
        );
        assert.equal(ev[1].note, EVIL);
      }
      const ev = (
        await conn.runAndReadAll(
          `SELECT count(*)::INTEGER AS n FROM read_parquet('${join(dir, 'e.parquet')}')`,
        )
      ).getRowObjectsJS();
      assert.equal(ev[0].n, 4);
      conn.closeSync();
      db.closeSync();
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
