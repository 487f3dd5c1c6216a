/**
 * Serve bench: latency of the dashboard's overview (`GET /api/overview`) on a large workspace.
 *
 *   npm run build && node dist/bench/serve/run.js [--posts 1000000] [--seed 1] [--fresh]
 *
 * The synthetic election week (src/synth/) is stored in a DuckDB workspace cached in the temp
 * folder. Measured: building the overview's summary tables (what `vigie serve` does at start
 * when the workspace changed), a restart that finds them fresh, and the overview request
 * itself through the real app (first request of a server, then the median of 20).
 */
import { loadSynth } from '../../src/store/contract/load.js';
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBStore } from '../../src/store/duckdb/DuckDBStore.js';
import { SYNTH_VERSION } from '../../src/synth/index.js';
import { createApp } from '../../src/server/app.js';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : def;
}
const posts = Number(arg('posts', '1000000'));
const seed = Number(arg('seed', '1'));
const swarms = Number(arg('swarms', '6')); // the generator's default
const mb = () => Math.round(process.resourceUsage().maxRSS / 1024);
const ms = (t: number) => performance.now() - t;

async function load(path: string): Promise<void> {
  if (existsSync(path) && !process.argv.includes('--fresh')) return;
  rmSync(path, { force: true });
  rmSync(path + '.wal', { force: true });
  const t = performance.now();
  const store = await DuckDBStore.open(path);
  await loadSynth(store, { posts, seed, swarms, batch: 100_000 });
  await store.close();
  console.log(`generated and stored ${posts.toLocaleString('en')} posts in ${(ms(t) / 1000).toFixed(1)} s`);
}

async function main(): Promise<void> {
  const path = join(tmpdir(), `vigie-bench-serve-${posts}-${seed}-v${SYNTH_VERSION}.duckdb`);
  console.log(`serve bench: ${posts.toLocaleString('en')} posts; workspace ${path}`);
  await load(path);

  let store = await DuckDBStore.open(path);
  // On a freshly stored workspace this builds the summary: what a server start after an ingest pays.
  let t = performance.now();
  const cold = await store.views().overviewBase();
  const build = ms(t);
  await store.close();
  console.log(
    `summary tables: ${cold.rebuilt ? 'rebuilt' : 'already fresh'} in ${build.toFixed(0)} ms (${cold.buckets.length} buckets)`,
  );

  t = performance.now();
  store = await DuckDBStore.open(path);
  const warm = await store.views().overviewBase();
  console.log(`restart (open + fresh summary check): ${ms(t).toFixed(0)} ms, rebuilt=${warm.rebuilt}`);

  const app = createApp({ store, token: null, readOnly: false, webRoot: join(tmpdir(), 'no-web') });
  t = performance.now();
  const first = await app.request('/api/overview');
  const body = (await first.json()) as { counts: { posts: number } };
  const firstMs = ms(t);
  const times: number[] = [];
  for (let i = 0; i < 20; i++) {
    t = performance.now();
    await (await app.request('/api/overview?since=2020-01-01T00:00:00Z')).json();
    times.push(ms(t));
  }
  times.sort((a, b) => a - b);
  console.log(
    `GET /api/overview: first ${firstMs.toFixed(0)} ms, median ${times[10].toFixed(1)} ms, max ${times[19].toFixed(1)} ms ` +
      `(${body.counts.posts.toLocaleString('en')} posts counted); peak RSS ${mb()} MB`,
  );
  await store.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
