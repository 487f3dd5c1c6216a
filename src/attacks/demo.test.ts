import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeAttackDemo } from './demo.js';
import { openStore } from '../store/index.js';
import { ingestLogs } from './ingest.js';
import { triage } from './triage.js';
import { findLookalikes } from './lookalike/index.js';
import { readList } from './detector.js';

test('the demo week: seeded, and the planted operation comes out on top as targeted', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-demo-'));
  const a = await writeAttackDemo(join(dir, 'a'), { seed: 7, webPerDay: 2000 });
  const b = await writeAttackDemo(join(dir, 'b'), { seed: 7, webPerDay: 2000 });
  assert.equal(readFileSync(a.mail, 'utf8'), readFileSync(b.mail, 'utf8'));
  assert.equal(readFileSync(a.access, 'utf8'), readFileSync(b.access, 'utf8'));
  const store = await openStore(join(dir, 'ws.duckdb'));
  try {
    const r = await ingestLogs(store, [a.access, a.mail, a.auth], { enrich: false });
    assert.ok(r.files.every((f) => f.status === 'ingested' && f.rejected === 0));
    const incidents = triage(await store.attacks().listAlerts(), {
      staff: readList(a.staff),
      protectedPaths: readList(a.paths),
    });
    const targeted = incidents.filter((i) => i.class === 'targeted');
    assert.equal(targeted.length, 1);
    assert.deepEqual(targeted[0].ips.filter((ip) => a.truth.targetedIps.includes(ip)).length > 0, true);
    assert.equal(incidents[0].id, targeted[0].id, 'ranked first');
    assert.ok(targeted[0].scenarios.includes('success-after-failures'));
    assert.ok(incidents.filter((i) => i.class === 'commodity').length >= 10);
  } finally {
    await store.close();
  }
  const looks = findLookalikes(readList(a.observed), readList(a.brands));
  assert.deepEqual(looks.map((m) => m.observed).sort(), [...a.truth.lookalikes].sort());
});
