/**
 * The coordination graph exports (src/detectors/coordination/export.ts) validated against
 * GEXF 1.3 and GraphML XSDs with xmllint (Debian's libxml2-utils). The XSDs in src/export/xsd/
 * are vigie's transcriptions of the published specifications (see their headers).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeGexf, writeGraphml } from '../detectors/coordination/export.js';
import type { CoordinationGraph } from '../detectors/coordination/types.js';

const XMLLINT = '/usr/bin/xmllint';
// The XSDs are not compiled: from dist/src/export/ look back in the source tree.
const XSD =
  [join(import.meta.dirname, 'xsd'), join(import.meta.dirname, '../../../src/export/xsd')].find((d) =>
    existsSync(join(d, 'gexf-1.3.xsd')),
  ) ?? join(import.meta.dirname, 'xsd');
const T = Date.UTC(2017, 4, 5, 19);
// Account ids written by an adversary: markup, quotes, a control character, spaces, a formula.
const EVIL = 'x:<b>"&\u0001 o\'k';
const FORMULA = '=HYPERLINK("http://evil"):1';

function graph(): CoordinationGraph {
  const layer = (a: string, b: string, first: number) => ({
    layer: 'co-repost', a, b, count: 4, pValue: 1e-9, qValue: 1e-6, firstMs: first, lastMs: first + 3600_000,
  }); // prettier-ignore
  const edges = [
    { a: 'x:a', b: EVIL, layers: [layer('x:a', EVIL, T)], weight: 9, minQ: 1e-6 },
    { a: 'x:a', b: FORMULA, layers: [layer('x:a', FORMULA, T + 60_000)], weight: 2.5, minQ: 1e-4 },
    {
      a: EVIL,
      b: 'x:c',
      layers: [{ layer: 'co-link', a: EVIL, b: 'x:c', count: 2, pValue: 1e-3 }],
      weight: 1,
      minQ: 1e-2,
    },
  ];
  return {
    edges,
    clusters: [{ id: 1, findingId: 'f1', members: ['x:a', EVIL, FORMULA], edges, layers: ['co-repost'] }],
    clusterOf: new Map([['x:a', 1], [EVIL, 1], [FORMULA, 1]]),
  }; // prettier-ignore
}

function lint(file: string, xsd: string): { ok: boolean; out: string } {
  try {
    execFileSync(XMLLINT, ['--noout', '--nonet', '--schema', join(XSD, xsd), file], { stdio: 'pipe' });
    return { ok: true, out: '' };
  } catch (e) {
    return { ok: false, out: String((e as { stderr?: Buffer }).stderr ?? e) };
  }
}

describe(
  'GEXF and GraphML validate against their XSDs',
  {
    skip: existsSync(XMLLINT)
      ? false
      : `${XMLLINT} not found (apt-get install libxml2-utils): XSD validation skipped`,
  },
  () => {
    test('GEXF 1.3 export is valid, dynamic, with timestamped edges', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'vigie-xsd-'));
      try {
        const f = join(dir, 'g.gexf');
        await writeGexf(f, graph());
        const r = lint(f, 'gexf-1.3.xsd');
        assert.ok(r.ok, r.out);
        const x = readFileSync(f, 'utf8');
        assert.match(x, /mode="dynamic"/);
        assert.match(x, /timeformat="dateTime"/);
        assert.equal((x.match(/<edge [^>]*start="2017-05-05T19:0\d:00.000Z" end="/g) ?? []).length, 2);
        // A broken file fails: the schema is not a rubber stamp.
        const broken = join(dir, 'broken.gexf');
        writeFileSync(broken, x.replace('timeformat="dateTime"', 'timeformat="datetime"'));
        assert.equal(lint(broken, 'gexf-1.3.xsd').ok, false);
        writeFileSync(broken, x.replace(/source="[^"]*"/, 'source="no-such-node"'));
        assert.equal(lint(broken, 'gexf-1.3.xsd').ok, false);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    test('GraphML export is valid, node ids are XML name tokens, account keys kept as data', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'vigie-xsd-'));
      try {
        const f = join(dir, 'g.graphml');
        await writeGraphml(f, graph());
        const r = lint(f, 'graphml-1.0.xsd');
        assert.ok(r.ok, r.out);
        const x = readFileSync(f, 'utf8');
        assert.ok(
          x.includes('&lt;b&gt;&quot;&amp;\uFFFD o&apos;k'),
          'the hostile account key survives, escaped',
        );
        const broken = join(dir, 'broken.graphml');
        writeFileSync(broken, x.replace('<data key="weight">', '<data key="no-such-key">'));
        assert.equal(lint(broken, 'graphml-1.0.xsd').ok, false);
        writeFileSync(broken, x.replace(/<node id="[^"]*"/, '<node id="a b"'));
        assert.equal(lint(broken, 'graphml-1.0.xsd').ok, false);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  },
);
