/**
 * The backend contract suite: the same seeded synthetic week (20k posts) loaded into DuckDB
 * and into a two-shard ClickHouse cluster, then the same questions asked of both. They must
 * give the same co-action pairs and null-model statistics, and the real coordination
 * detector (through src/detectors/run.ts) must give the same significant edges, clusters and
 * findings on either.
 *
 * Skips with a message when clickhouse-server is not installed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DuckDBStore } from '../duckdb/DuckDBStore.js';
import { ClickHouseStore } from '../clickhouse/ClickHouseStore.js';
import { clickhouseSkipReason, startCluster, type TestCluster } from '../clickhouse/testing/cluster.js';
import { runDetectors } from '../../detectors/run.js';
import { DETECTORS } from '../../detectors/index.js';
import { DEFAULTS } from '../../detectors/coordination/index.js';
import type { Store } from '../store.js';
import type { CoactionResult } from '../coaction-types.js';
import type { Finding } from '../../findings/finding.js';
import { loadSynth } from './load.js';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The CLI (this file is compiled to dist/src/store/contract/: the package root is four levels up). */
const BIN = fileURLToPath(new URL('../../../../bin/vigie.js', import.meta.url));

/** Run the CLI without blocking this process (the cluster's servers are its children). */
function vigie(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

const skip = clickhouseSkipReason();
const SYNTH = { posts: 20_000, seed: 7, swarms: 3 };
const LAYERS = ['co-repost', 'co-hashtag', 'co-link'];

function close(a: number, b: number, rel = 1e-9): boolean {
  return Math.abs(a - b) <= rel * Math.max(1, Math.abs(a), Math.abs(b));
}

function comparePairs(layer: string, d: CoactionResult, c: CoactionResult): void {
  const { seconds: _s1, strata: sd, ...ds } = d.stats;
  const { seconds: _s2, strata: scs, ...cs } = c.stats;
  void _s1;
  void _s2;
  assert.deepEqual(cs, ds, `${layer}: stats differ`);
  assert.equal(scs.length, sd.length, `${layer}: popularity bins`);
  scs.forEach((x, i) => {
    assert.equal(x.objects, sd[i].objects, `${layer}: bin ${i} objects`);
    assert.equal(x.incidences, sd[i].incidences, `${layer}: bin ${i} incidences`);
    assert.ok(close(x.windowPairs, sd[i].windowPairs), `${layer}: bin ${i} window pairs`);
  });
  assert.equal(c.pairs.length, d.pairs.length, `${layer}: number of pairs`);
  c.pairs.forEach((p, i) => {
    const q = d.pairs[i];
    assert.equal(`${p.a} ${p.b}`, `${q.a} ${q.b}`, `${layer}: pair ${i}`);
    assert.equal(p.count, q.count, `${layer}: count of ${p.a} ${p.b}`);
    assert.equal(p.firstMs, q.firstMs);
    assert.equal(p.lastMs, q.lastMs);
    assert.ok(close(p.meanDeltaMs, q.meanDeltaMs), `${layer}: mean delta of ${p.a} ${p.b}`);
    assert.ok(
      close(p.expected, q.expected, 1e-6),
      `${layer}: expected of ${p.a} ${p.b}: ${p.expected} vs ${q.expected}`,
    );
    assert.equal(p.sharedObjects, q.sharedObjects, `${layer}: shared objects of ${p.a} ${p.b}`);
  });
}

/** A finding without what legitimately differs between runs (creation time, run id). */
function comparable(f: Finding): unknown {
  const { createdAt: _c, ...rest } = f;
  void _c;
  return JSON.parse(
    JSON.stringify(rest, (k, v) =>
      typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(6)) : v,
    ),
  );
}

/** The co-action query both backends answer in the pair tests, at the detector's defaults. */
function pairQuery(layer: (typeof LAYERS)[number]) {
  return {
    layer,
    windowMs: DEFAULTS.windows[layer] * 1000,
    maxAccountsPerObject: DEFAULTS.maxAccountsPerObject,
    minCount: 2,
    minObjectsPerStratum: 50,
    maxPValue: 0.05,
    dispersion: DEFAULTS.dispersion,
  };
}

describe('store contract: DuckDB and ClickHouse give the same answers', { skip: skip ?? false }, () => {
  let cluster: TestCluster;
  let duck: Store;
  let ch: ClickHouseStore;

  before(async () => {
    cluster = await startCluster(2);
    duck = await DuckDBStore.open(':memory:');
    ch = await ClickHouseStore.open(cluster.url('contract'));
    await loadSynth(duck, { ...SYNTH, batch: 7000 });
    await loadSynth(ch, { ...SYNTH, batch: 7000 });
  });

  after(async () => {
    await ch?.close().catch(() => undefined);
    await duck?.close().catch(() => undefined);
    await cluster?.stop();
  });

  test('both hold the same workspace, and the posts really are spread over both shards', async () => {
    const [a, b] = [await duck.counts(), await ch.counts()];
    assert.deepEqual({ ...b, findings: 0 }, { ...a, findings: 0 });
    assert.equal(a.posts, SYNTH.posts);
    for (const n of ch.nodes) {
      const [r] = await n.rows<{ n: string }>(`SELECT count() AS n FROM contract.actions`, 'count');
      assert.ok(Number(r.n) > 1000, `${n.name} holds ${r.n} actions`);
    }
    const [s1, s2] = [await duck.listSources(), await ch.listSources()];
    assert.equal(s2[0].recordsDone, s1[0].recordsDone);
    assert.equal(s2[0].accepted, s1[0].accepted);
  });

  test('same co-action pairs, counts, deltas and null-model expectations on three layers', async () => {
    for (const layer of LAYERS) {
      const q = pairQuery(layer);
      const [d, c] = [await duck.coactionPairs(q), await ch.coactionPairs(q)];
      assert.ok(d.pairs.length > 0, `${layer}: the week must give pairs to compare`);
      comparePairs(layer, d, c);
    }
  });

  test('the discrete-FDR family and the timing null model agree too', async () => {
    for (const layer of LAYERS) {
      const base = { ...pairQuery(layer), discreteFdr: 0.01 };
      const [d, c] = [await duck.coactionPairs(base), await ch.coactionPairs(base)];
      assert.ok(
        d.stats.pairsInFamily! < d.stats.pairsTested,
        `${layer}: the family must leave pairs out for this to test anything`,
      );
      comparePairs(`${layer} discreteFdr`, d, c);
      const tq = { ...base, nullModel: 'timing' as const };
      const [dt, ct] = [await duck.coactionPairs(tq), await ch.coactionPairs(tq)];
      assert.ok(dt.pairs.length > 0 && dt.pairs[0].sharedObjects! > 0, `${layer}: timing pairs`);
      comparePairs(`${layer} timing`, dt, ct);
    }
  });

  test('explain-pair restriction and a tiny cap agree too', async () => {
    const base = {
      layer: 'co-repost',
      windowMs: 60_000,
      maxAccountsPerObject: 5,
      minCount: 1,
      minObjectsPerStratum: 20,
    };
    const [d, c] = [await duck.coactionPairs(base), await ch.coactionPairs(base)];
    assert.ok(d.stats.cappedObjects > 0);
    comparePairs('capped', d, c);
    const only = [d.pairs[0].a, d.pairs[0].b, d.pairs[1].a];
    const [d2, c2] = [
      await duck.coactionPairs({ ...base, onlyAccounts: only }),
      await ch.coactionPairs({ ...base, onlyAccounts: only }),
    ];
    comparePairs('only', d2, c2);
  });

  test('the coordination detector, default layers and options, finds the same clusters and findings on both', async () => {
    const opts = { only: ['coordination'] };
    const rd = await runDetectors(duck, opts);
    const rc = await runDetectors(ch, opts);
    const fd = await duck.listFindings();
    const fc = await ch.listFindings();
    const clusters = fd.filter((f) => f.kind === 'coordinated-cluster');
    assert.ok(clusters.length > 0, 'the planted swarms must give clusters');
    assert.equal(rc.runs[0].result.findings.length, rd.runs[0].result.findings.length);
    assert.deepEqual(fc.map(comparable), fd.map(comparable));
    // Evidence content hashes are computed by each engine from the stored rows: same bytes, same hash.
    const hd = fd.flatMap((f) => f.evidence.map((e) => e.contentHash));
    assert.ok(
      hd.some((h) => h),
      'evidence carries content hashes',
    );
  });

  test('every detector on ClickHouse: the supported ones run, the others are skipped with the reason', async () => {
    const r = await runDetectors(ch, {});
    const ran = r.runs.map((x) => x.detector);
    assert.ok(ran.includes('coordination') && ran.includes('near-dup'), `ran: ${ran.join(', ')}`);
    assert.ok(r.skipped.length > 0, 'some channels are DuckDB-only on this backend');
    for (const k of r.skipped) assert.match(k.reason, /not available on the ClickHouse backend/);
    assert.deepEqual(
      [...ran, ...r.skipped.map((k) => k.detector)].sort(),
      DETECTORS.map((d) => d.name).sort(),
      'each detector either ran or was skipped',
    );
    // Naming a detector the backend cannot serve is an error, not a silent skip.
    const skippedName = r.skipped[0].detector;
    await assert.rejects(
      runDetectors(ch, { only: [skippedName] }),
      /not available on the ClickHouse backend/,
    );
  });

  test('vigie analyze on a ClickHouse workspace runs what it can and says why it wrote no briefing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigie-ch-cli-'));
    try {
      const csv = join(dir, 'posts.csv');
      const rows = ['post_id,account_id,timestamp,text'];
      for (let i = 0; i < 40; i++)
        rows.push(
          `p${i},a${i % 7},${1494009300 + i * 30},"Le débat de ce soir, message numéro ${i % 5} #presidentielle2017"`,
        );
      writeFileSync(csv, rows.join('\n') + '\n');
      const r = await vigie(['--db', cluster.url('cli'), 'analyze', csv, '--progress', 'none']);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /accepted 40 posts/);
      // The detectors the backend serves ran; the others are listed as skipped, with the reason.
      assert.match(r.out + r.err, /near-dup/);
      assert.match(r.out + r.err, /not available on the ClickHouse backend/);
      // The briefing is DuckDB-only: no file, and the reason instead of a path.
      assert.match(r.out, /no briefing: /);
      assert.doesNotMatch(r.out, /^briefing: /m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('saving findings again replaces them; clearing removes them', async () => {
    const before = await ch.listFindings();
    await ch.saveFindings(before.slice(0, 1), 'again');
    assert.equal((await ch.listFindings()).length, before.length);
    await ch.clearFindings('coordination');
    assert.equal((await ch.listFindings()).filter((f) => f.detector.name === 'coordination').length, 0);
  });
});

if (skip) test(`store contract suite skipped: ${skip}`, { skip }, () => undefined);
