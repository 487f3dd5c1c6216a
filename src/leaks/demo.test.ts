import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBStore } from '../store/duckdb/DuckDBStore.js';
import { writeLeakDemo } from './demo.js';
import { ingestDump } from './ingest.js';
import { keysFromJson } from './keys.js';
import { dumpFindings } from './findings.js';

test('the demo dump gives the verdicts and document flags it was built with', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-leak-demo-'));
  const store = await DuckDBStore.open(':memory:');
  try {
    const demo = await writeLeakDemo(dir);
    const leaks = store.leaks();
    await leaks.upsertKeys(keysFromJson(readFileSync(demo.keysFile, 'utf8'), 'demo').keys);
    await ingestDump(leaks, [demo.dumpDir], {
      dumpId: 'demo',
      label: 'demo',
      theftDate: Date.parse(demo.theftDate),
      leakDate: Date.parse(demo.leakDate),
    });
    assert.deepEqual(await leaks.verdictCounts('demo'), demo.expected);
    const docs = new Map(
      (await leaks.documents('demo')).map((d) => [d.path, d.flags.map((f) => f.code as string)]),
    );
    for (const p of demo.plantedDocuments)
      assert.ok(
        docs.get(p.path)?.includes(p.flag),
        `${p.path} should be flagged ${p.flag}: ${docs.get(p.path)}`,
      );
    const note = docs.get('campagne-leak/documents/finances.zip!/notes/note-1.docx')!;
    for (const f of ['re-zipped', 'foreign-script', 'modified-after-theft'])
      assert.ok(note.includes(f), `${f} in ${note}`);
    assert.deepEqual(
      docs.get('campagne-leak/documents/plan.docx')?.filter((f) => f !== 'altered-copy'),
      [],
    );
    const anchored = (await leaks.files('demo')).find((f) => f.path === 'campagne-leak/documents/plan.docx');
    assert.equal(anchored?.anchor, 'same-hash-as-signed-attachment');
    const kinds = (await dumpFindings(leaks, 'demo')).map((f) => f.kind);
    for (const k of [
      'dump-authentication',
      'altered-messages',
      'document-edits-clustered',
      'document-altered-copy',
      'file-anchors',
    ])
      assert.ok(kinds.includes(k), k);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
