/**
 * ClickHouse bench: the coordination bench's co-repost step (pairs + null model, then
 * significant edges) on a local two-shard ClickHouse cluster, next to DuckDB, on the same
 * seeded synthetic week. Starts and stops its own servers (clickhouse-server required).
 *
 *   npm run build && node dist/bench/clickhouse/run.js [--posts 100000] [--seed 1] [--swarms 10]
 *
 * Prints ingest and detection throughput, per-shard rows and peak memory of this process
 * (the servers' memory is their own).
 */
import { DuckDBStore } from '../../src/store/duckdb/DuckDBStore.js';
import { ClickHouseStore } from '../../src/store/clickhouse/ClickHouseStore.js';
import { clickhouseSkipReason, startCluster } from '../../src/store/clickhouse/testing/cluster.js';
import { loadSynth } from '../../src/store/contract/load.js';
import { DEFAULTS } from '../../src/detectors/coordination/index.js';
import { logConditionalPValue } from '../../src/detectors/coordination/stats.js';
import { applyFdr, combineLayers } from '../../src/detectors/coordination/combine.js';
import type { Store } from '../../src/store/store.js';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : def;
}
const posts = Number(arg('posts', '100000'));
const seed = Number(arg('seed', '1'));
const swarms = Number(arg('swarms', '10'));
const mb = () => Math.round(process.resourceUsage().maxRSS / 1024);
const secs = (t: number) => (performance.now() - t) / 1000;

async function detect(name: string, store: Store): Promise<void> {
  const t = performance.now();
  const cr = await store.coactionPairs({
    layer: 'co-repost',
    windowMs: DEFAULTS.windows['co-repost'] * 1000,
    maxAccountsPerObject: DEFAULTS.maxAccountsPerObject,
    minCount: 2,
    minObjectsPerStratum: DEFAULTS.minObjectsPerStratum,
    maxPValue: DEFAULTS.fdr,
    dispersion: DEFAULTS.dispersion,
  });
  const edges = cr.pairs.map((p) => {
    const lp = logConditionalPValue(p.count, p.expected, DEFAULTS.dispersion);
    return { layer: 'co-repost', a: p.a, b: p.b, count: p.count, pValue: Math.exp(lp), logPValue: lp };
  });
  const runs = [{ layer: 'co-repost', edges, tested: cr.stats.pairsTested }];
  applyFdr(runs, 'layer');
  const sig = combineLayers(runs, DEFAULTS.fdr);
  const s = secs(t);
  console.log(
    `${name}: co-repost -> significant edges ${s.toFixed(2)} s (${Math.round(posts / s).toLocaleString('en')} posts/s); ` +
      `${cr.stats.actions} reposts, ${cr.stats.pairsTested} pairs tested, ${cr.pairs.length} candidates, ${sig.length} significant; peak RSS ${mb()} MB`,
  );
}

async function main(): Promise<void> {
  const skip = clickhouseSkipReason();
  if (skip) {
    console.log(`clickhouse bench skipped: ${skip}`);
    return;
  }
  console.log(
    `clickhouse bench: ${posts.toLocaleString('en')} posts, seed ${seed}, ${swarms} swarms; 2 shards on this machine`,
  );
  const duck = await DuckDBStore.open(':memory:');
  let t = performance.now();
  await loadSynth(duck, { posts, seed, swarms, batch: 100_000 });
  console.log(`duckdb: generated and stored in ${secs(t).toFixed(1)} s`);
  await detect('duckdb', duck);
  await duck.close();

  const cluster = await startCluster(2);
  try {
    const ch = await ClickHouseStore.open(cluster.url('bench'));
    console.log(`clickhouse ${ch.serverVersion}, ${ch.nodes.length} shards`);
    t = performance.now();
    await loadSynth(ch, { posts, seed, swarms, batch: 100_000 });
    const load = secs(t);
    console.log(
      `clickhouse: generated and stored in ${load.toFixed(1)} s (${Math.round(posts / load).toLocaleString('en')} posts/s)`,
    );
    for (const n of ch.nodes) {
      const [r] = await n.rows<{ p: string; a: string }>(
        `SELECT (SELECT count() FROM bench.posts) AS p, (SELECT count() FROM bench.actions) AS a`,
        'count',
      );
      console.log(`  ${n.name}: ${r.p} posts, ${r.a} co-action rows`);
    }
    await detect('clickhouse', ch);
    await ch.close();
  } finally {
    await cluster.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
