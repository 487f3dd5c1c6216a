import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findingId, validateFinding, type Finding } from './finding.js';
import { openStore } from '../store/index.js';
import { ingestFile } from '../ingest/ingest.js';

function sample(id: string, severity: Finding['severity'], evidenceKey: string): Finding {
  return {
    id,
    kind: 'test',
    channel: 'coordination',
    title: `finding ${id}`,
    summary: 'summary',
    severity,
    confidence: 0.9,
    confidenceMethod: 'fixture',
    detector: { name: 'unit', version: '1.0.0', parameters: { window: 60 } },
    evidence: [{ table: 'posts', key: evidenceKey, role: 'sample post' }],
    techniques: ['T0049'],
    caveats: ['a fixture'],
    createdAt: '2017-05-05T18:35:00.000Z',
  };
}

test('findingId is stable and separates detectors, kinds and subjects', () => {
  assert.equal(findingId('d', 'k', 's'), findingId('d', 'k', 's'));
  assert.notEqual(findingId('d', 'k', 's'), findingId('d', 'k2', 's'));
  assert.notEqual(findingId('d', 'k', 's'), findingId('d2', 'k', 's'));
  assert.match(findingId('d', 'k', 's'), /^[0-9a-f]{24}$/);
});

test('validateFinding rejects findings without caveats or with confidence outside 0..1', () => {
  assert.deepEqual(validateFinding(sample('a', 'high', 'x:1')), []);
  assert.ok(
    validateFinding({ ...sample('a', 'high', 'x:1'), caveats: [] }).some((e) => e.includes('caveats')),
  );
  assert.ok(
    validateFinding({ ...sample('a', 'high', 'x:1'), confidence: 1.5 }).some((e) => e.includes('confidence')),
  );
});

test('findings round-trip through the store with evidence content hashes that track the row', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-find-'));
  try {
    const store = await openStore(join(dir, 'w.duckdb'));
    const csv = join(dir, 'p.csv');
    writeFileSync(csv, 'post_id,account_id,timestamp,text\np1,a1,1494009300,hello\np2,a1,1494009400,world\n');
    await ingestFile(store, csv);
    await store.saveFindings(
      [sample('f1', 'medium', 'generic:p1'), sample('f2', 'critical', 'generic:p2')],
      'run1',
    );
    const all = await store.listFindings();
    assert.deepEqual(
      all.map((f) => f.id),
      ['f2', 'f1'],
      'most severe first',
    );
    const h1 = all.find((f) => f.id === 'f1')!.evidence[0].contentHash;
    const h2 = all.find((f) => f.id === 'f2')!.evidence[0].contentHash;
    assert.match(h1 ?? '', /^[0-9a-f]{64}$/);
    assert.notEqual(h1, h2, 'different rows, different hashes');
    assert.deepEqual(all[0].detector.parameters, { window: 60 });
    assert.deepEqual(all[0].techniques, ['T0049']);
    assert.equal((await store.listFindings({ minSeverity: 'high' })).length, 1);
    // Saving again replaces, never duplicates.
    await store.saveFindings([sample('f1', 'medium', 'generic:p1')], 'run2');
    assert.equal((await store.listFindings()).length, 2);
    await store.clearFindings('unit');
    assert.equal((await store.listFindings()).length, 0);
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
