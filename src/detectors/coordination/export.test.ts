import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  csvField,
  writeClustersCsv,
  writeClustersJsonl,
  writeEdgesCsv,
  writeEdgesJsonl,
  writeGexf,
  writeGraphml,
  xmlText,
} from './export.js';
import type { CoordinationGraph } from './types.js';

const T = Date.UTC(2017, 4, 3, 19);
// Account ids written by an adversary: markup, a formula, a control character.
const EVIL = 'x:<b>"&\u0001';
// The platform part comes from data too (a generic CSV's platform column).
const FORMULA = '=HYPERLINK("http://evil"):1';

function graph(): CoordinationGraph {
  const layer = (a: string, b: string) => ({
    layer: 'co-repost',
    a,
    b,
    count: 4,
    pValue: 1e-9,
    logPValue: Math.log(1e-9),
    qValue: 1e-6,
    expected: 0.1,
    meanDeltaSeconds: 3.5,
    windowSeconds: 60,
    firstMs: T,
    lastMs: T + 3600_000,
  });
  const edges = [
    { a: 'x:a', b: EVIL, layers: [layer('x:a', EVIL)], weight: 9, minQ: 1e-6 },
    { a: 'x:a', b: FORMULA, layers: [layer('x:a', FORMULA)], weight: 9, minQ: 1e-6 },
  ];
  return {
    edges,
    clusters: [{ id: 1, findingId: 'f1', members: ['x:a', EVIL, FORMULA], edges, layers: ['co-repost'] }],
    clusterOf: new Map([
      ['x:a', 1],
      [EVIL, 1],
      [FORMULA, 1],
    ]),
  };
}

describe('coordination exports', () => {
  test('CSV fields are quoted and formulas defused; XML text is escaped and made valid', () => {
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('=1+1'), "'=1+1");
    assert.equal(csvField('-3.5'), '-3.5');
    assert.equal(xmlText('<a href="x">&\u0001'), '&lt;a href=&quot;x&quot;&gt;&amp;\uFFFD');
  });

  test('writes edges, clusters, GEXF and GraphML', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigie-coord-'));
    try {
      const g = graph();
      assert.equal(await writeEdgesCsv(join(dir, 'e.csv'), g), 2);
      const csv = readFileSync(join(dir, 'e.csv'), 'utf8').trim().split('\n');
      assert.equal(csv[0].split(',')[0], 'a');
      assert.equal(csv.length, 3);
      assert.ok(csv[2].includes(`"'=HYPERLINK(""http://evil""):1"`), csv[2]);
      await writeEdgesJsonl(join(dir, 'e.jsonl'), g);
      const j = readFileSync(join(dir, 'e.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      assert.equal(j[0].b, EVIL);
      assert.equal(j[0].cluster, 1);
      assert.equal(await writeClustersCsv(join(dir, 'c.csv'), g), 3);
      await writeClustersJsonl(join(dir, 'c.jsonl'), g);
      assert.deepEqual(JSON.parse(readFileSync(join(dir, 'c.jsonl'), 'utf8')).members.length, 3);

      await writeGexf(join(dir, 'g.gexf'), g);
      const gexf = readFileSync(join(dir, 'g.gexf'), 'utf8');
      assert.match(gexf, /<gexf xmlns="http:\/\/gexf.net\/1.3"[^>]*version="1.3">/);
      assert.equal((gexf.match(/<edge /g) ?? []).length, 2);
      assert.equal((gexf.match(/<node /g) ?? []).length, 3);
      assert.match(gexf, /start="2017-05-03T19:00:00.000Z" end="2017-05-03T20:00:00.000Z"/);
      assert.ok(!gexf.includes('<b>') && !gexf.includes('\u0001'));
      await writeGraphml(join(dir, 'g.graphml'), g);
      const gml = readFileSync(join(dir, 'g.graphml'), 'utf8');
      assert.equal((gml.match(/<edge /g) ?? []).length, 2);
      assert.match(
        gml,
        /<node id="n\d+"><data key="account">x:&lt;b&gt;&quot;&amp;\uFFFD<\/data><data key="cluster">1<\/data><\/node>/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
