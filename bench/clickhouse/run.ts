/**
 * ClickHouse bench: ingest and the coordination bench's co-repost step (pairs + null model,
 * then significant edges) on a local two-shard ClickHouse cluster, next to DuckDB, on the
 * same seeded synthetic week; with `--full`, the whole coordination detector (default layers
 * and options) on both, findings compared. Starts and stops its own servers
 * (clickhouse-server required).
 *
 *   npm run build && flock /tmp/vigie-bench.lock node dist/bench/clickhouse/run.js \
 *     [--posts 100000] [--seed 1] [--swarms 10] [--full]
 *
 * The week is generated ONCE and each batch written to DuckDB (a file in a temp folder, so
 * its memory stays bounded) and then to ClickHouse; each store's own time is reported. Prints
 * wall and CPU seconds (this process, and each server process), rows per shard, whether both
 * stores give the same result, peak RSS of this process and the load average.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBStore } from '../../src/store/duckdb/DuckDBStore.js';
import { ClickHouseStore } from '../../src/store/clickhouse/ClickHouseStore.js';
import {
  clickhouseSkipReason,
  startCluster,
  type TestCluster,
} from '../../src/store/clickhouse/testing/cluster.js';
import { loadSynth, type LoadTiming } from '../../src/store/contract/load.js';
import { runDetectors } from '../../src/detectors/run.js';
import { coRepostToSignificant } from '../coordination/co-repost.js';
import type { Store } from '../../src/store/store.js';
import type { Finding } from '../../src/findings/finding.js';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : def;
}
const posts = Number(arg('posts', '100000'));
const seed = Number(arg('seed', '1'));
const swarms = Number(arg('swarms', '10'));
const full = process.argv.includes('--full');
const mb = () => Math.round(process.resourceUsage().maxRSS / 1024);
const load = () =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');

/** Wall and CPU seconds of a step: this process, and the servers when a cluster runs. */
async function measure<T>(
  cluster: TestCluster | null,
  f: () => Promise<T>,
): Promise<{ value: T; text: string; seconds: number }> {
  const t = performance.now();
  const c = process.cpuUsage();
  const s0 = cluster?.cpuSeconds() ?? [];
  const value = await f();
  const seconds = (performance.now() - t) / 1000;
  const u = process.cpuUsage(c);
  const s1 = cluster?.cpuSeconds() ?? [];
  const servers = s1.map((x, i) => (x === null || s0[i] === null ? '?' : (x - s0[i]!).toFixed(1)));
  const text =
    `${seconds.toFixed(2)} s wall, ${((u.user + u.system) / 1e6).toFixed(1)} s CPU here` +
    (servers.length ? ` + ${servers.join(' + ')} s CPU on the shards` : '');
  return { value, text, seconds };
}

async function corepost(store: Store) {
  const { cr, sig } = await coRepostToSignificant(store);
  return { cr, sig: sig.map((e) => `${e.a} ${e.b}`).sort() };
}

/**
 * A finding without what differs between runs (creation time), numbers to 6 digits, keys
 * sorted (what deepEqual compares: key order is not part of a finding).
 */
function comparable(f: Finding): string {
  const { createdAt: _c, ...rest } = f;
  void _c;
  return JSON.stringify(rest, (_k, v: unknown) => {
    if (typeof v === 'number' && !Number.isInteger(v)) return Number(v.toPrecision(6));
    if (v && typeof v === 'object' && !Array.isArray(v))
      return Object.fromEntries(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
    return v;
  });
}

/** path -> value of a JSON value's leaves (to show where two findings differ). */
function flatten(v: unknown, path = '', out = new Map<string, string>()): Map<string, string> {
  if (v !== null && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) flatten(x, path ? `${path}.${k}` : k, out);
  else out.set(path, JSON.stringify(v));
  return out;
}

async function main(): Promise<void> {
  const skip = clickhouseSkipReason();
  if (skip) {
    console.log(`clickhouse bench skipped: ${skip}`);
    return;
  }
  console.log(
    `clickhouse bench: ${posts.toLocaleString('en')} posts, seed ${seed}, ${swarms} swarms; 2 shards on this machine; load ${load()}`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'vigie-bench-ch-'));
  const cluster = await startCluster(2);
  try {
    const duck = await DuckDBStore.open(join(dir, 'bench.duckdb'));
    const ch = await ClickHouseStore.open(cluster.url('bench'));
    console.log(`clickhouse ${ch.serverVersion}, ${ch.nodes.length} shards`);
    const timings: LoadTiming[] = [];
    const s0 = cluster.cpuSeconds();
    const t0 = performance.now();
    await loadSynth([duck, ch], { posts, seed, swarms, batch: 100_000 }, timings);
    const s1 = cluster.cpuSeconds();
    const total = (performance.now() - t0) / 1000;
    const [td, tc] = timings;
    const rate = (s: number) => Math.round(posts / s).toLocaleString('en');
    console.log(`generated once and stored in both in ${total.toFixed(1)} s; load ${load()}`);
    console.log(
      `  duckdb ingest: ${td.seconds.toFixed(1)} s wall (${rate(td.seconds)} posts/s), ${td.cpuSeconds.toFixed(1)} s CPU`,
    );
    console.log(
      `  clickhouse ingest: ${tc.seconds.toFixed(1)} s wall (${rate(tc.seconds)} posts/s), ${tc.cpuSeconds.toFixed(1)} s CPU here + ` +
        `${s1.map((x, i) => (x === null || s0[i] === null ? '?' : (x - s0[i]!).toFixed(1))).join(' + ')} s CPU on the shards`,
    );
    for (const n of ch.nodes) {
      const [r] = await n.rows<{ p: string; a: string }>(
        `SELECT (SELECT count() FROM bench.posts) AS p, (SELECT count() FROM bench.actions) AS a`,
        'count',
      );
      console.log(`  ${n.name}: ${r.p} posts, ${r.a} co-action rows`);
    }

    const d = await measure(null, () => corepost(duck));
    const c = await measure(cluster, () => corepost(ch));
    for (const [name, m] of [
      ['duckdb', d],
      ['clickhouse', c],
    ] as const)
      console.log(
        `${name}: co-repost -> significant edges ${m.text} (${rate(m.seconds)} posts/s); ` +
          `${m.value.cr.stats.actions} reposts, ${m.value.cr.stats.pairsTested} pairs tested, ` +
          `${m.value.cr.stats.pairsInFamily} in the FDR family, ${m.value.cr.pairs.length} candidates, ${m.value.sig.length} significant; load ${load()}`,
      );
    const dc = d.value.cr;
    const cc = c.value.cr;
    const sameCounts =
      dc.stats.pairsTested === cc.stats.pairsTested && dc.stats.pairsInFamily === cc.stats.pairsInFamily;
    const sameCands =
      dc.pairs.map((p) => `${p.a} ${p.b}`).join('\n') === cc.pairs.map((p) => `${p.a} ${p.b}`).join('\n');
    const sameSig = d.value.sig.join('\n') === c.value.sig.join('\n');
    console.log(
      `co-repost on both: pairs tested and family ${sameCounts ? 'identical' : 'DIFFER'}; ` +
        `candidates (pre-filtered at p <= fdr) ${sameCands ? 'identical' : 'DIFFER'}; significant edges ${sameSig ? 'identical' : 'DIFFER'}`,
    );
    if (full) {
      const opts = { only: ['coordination'] };
      const fd = await measure(null, () => runDetectors(duck, opts));
      const fc = await measure(cluster, () => runDetectors(ch, opts));
      const [ld, lc] = [await duck.listFindings(), await ch.listFindings()];
      console.log(`duckdb: whole coordination detector (default layers) ${fd.text}; ${ld.length} findings`);
      console.log(
        `clickhouse: whole coordination detector (default layers) ${fc.text}; ${lc.length} findings`,
      );
      const a = ld.map(comparable);
      const b = lc.map(comparable);
      const diff = a.filter((x, i) => x !== b[i]).length + Math.abs(a.length - b.length);
      console.log(
        `findings identical on both: ${diff === 0 ? 'yes' : `NO (${diff} differ)`}; load ${load()}`,
      );
      const i = a.findIndex((x, k) => x !== b[k]);
      if (i >= 0 && b[i]) {
        const fa = flatten(JSON.parse(a[i]));
        const fb = flatten(JSON.parse(b[i]));
        const keys = [...new Set([...fa.keys(), ...fb.keys()])].filter((k) => fa.get(k) !== fb.get(k));
        for (const k of keys.slice(0, 12))
          console.log(`  ${k}: duckdb ${fa.get(k)} / clickhouse ${fb.get(k)}`);
      }
    }
    console.log(`peak RSS of this process ${mb()} MB (DuckDB runs in it; the servers' memory is their own)`);
    await ch.close();
    await duck.close();
  } finally {
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
