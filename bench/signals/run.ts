/**
 * Account-signals bench: feature extraction (SQL aggregation over posts + profile features)
 * and scoring from stored features, on synthetic accounts in an in-memory DuckDB workspace.
 *
 *   npm run build && node dist/bench/signals/run.js [--accounts 200000] [--posts 2000000]
 */
import { DuckDBStore } from '../../src/store/duckdb/DuckDBStore.js';
import { loadFixture } from '../../src/detectors/coordination/fixture.js';
import { mulberry32 } from '../../src/util/rng.js';
import type { Account, Post } from '../../src/model/post.js';
import { account, post } from '../../src/signals/fixture.js';
import {
  D,
  FEATURE_NAMES,
  extractFeatures,
  toStoredSignals,
  compileModel,
  DEFAULT_MODEL,
  scoreAll,
} from '../../src/signals/index.js';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}
const ACCOUNTS = arg('accounts', 200_000);
const POSTS = arg('posts', 2_000_000);
const T0 = Date.UTC(2024, 4, 1);
const DAY = 86_400_000;
const mib = () => (process.resourceUsage().maxRSS / 1024).toFixed(0);

function data(seed: number): { accounts: Account[]; posts: Post[] } {
  const rnd = mulberry32(seed);
  const accounts: Account[] = [];
  for (let a = 0; a < ACCOUNTS; a++)
    accounts.push(
      account(`u${a}`, {
        handle: rnd() < 0.1 ? `user${Math.floor(rnd() * 1e8)}` : `name_${a.toString(36)}`,
        displayName: `Name ${a % 1000}`,
        createdAt: T0 - Math.floor(rnd() * 4000) * DAY,
        followers: Math.floor(Math.pow(10, rnd() * 5)),
        following: Math.floor(Math.pow(10, rnd() * 4)),
        postsCount: Math.floor(Math.pow(10, rnd() * 5)),
        description: rnd() < 0.7 ? 'x'.repeat(Math.floor(rnd() * 160)) : null,
        verified: rnd() < 0.01,
        defaultProfile: rnd() < 0.3,
        defaultAvatar: rnd() < 0.05,
      }),
    );
  const posts: Post[] = [];
  const clients = ['Twitter for Android', 'Twitter for iPhone', 'Twitter Web App', 'TweetDeck', 'AutoPoster'];
  for (let i = 0; i < POSTS; i++) {
    // Heavy-tailed activity: a few accounts post a lot.
    const a = Math.floor(ACCOUNTS * Math.pow(rnd(), 2));
    posts.push(
      post(`u${a}`, `p${i}`, T0 + Math.floor(rnd() * 30 * DAY), {
        kind: rnd() < 0.4 ? 'repost' : 'original',
        client: clients[Math.floor(rnd() * clients.length)],
        text: null,
      }),
    );
  }
  return { accounts, posts };
}

async function main(): Promise<void> {
  const store = await DuckDBStore.open(':memory:');
  let t = performance.now();
  await loadFixture(store, data(1), 'bench-signals');
  console.log(
    `load: ${ACCOUNTS} accounts, ${POSTS} posts in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );

  t = performance.now();
  const table = await extractFeatures(store);
  const ext = (performance.now() - t) / 1000;
  console.log(
    `feature extraction (SQL behaviour + TS profile): ${table.keys.length} accounts in ${ext.toFixed(2)} s = ` +
      `${Math.round(table.keys.length / ext).toLocaleString('en')} accounts/s (${Math.round(POSTS / ext).toLocaleString('en')} posts/s); peak RSS ${mib()} MiB`,
  );

  const cm = compileModel(DEFAULT_MODEL);
  t = performance.now();
  const rows = toStoredSignals(table, cm);
  const build = (performance.now() - t) / 1000;
  t = performance.now();
  await store.signals().replaceSignals(rows);
  console.log(
    `score into stored rows (records of features and contributions): ${build.toFixed(2)} s; ` +
      `write to account_signals: ${((performance.now() - t) / 1000).toFixed(2)} s = ${Math.round(rows.length / ((performance.now() - t) / 1000)).toLocaleString('en')} rows/s`,
  );

  // Scoring from stored features: read them back, then score (timed separately).
  t = performance.now();
  const stored = await store.signals().listSignals();
  const n = stored.length;
  const values = new Float64Array(n * D);
  for (let i = 0; i < n; i++) {
    const f = stored[i].features;
    for (let j = 0; j < D; j++) values[i * D + j] = f[FEATURE_NAMES[j]] ?? NaN;
  }
  const load = (performance.now() - t) / 1000;
  console.log(
    `read stored features: ${n} in ${load.toFixed(2)} s = ${Math.round(n / load).toLocaleString('en')} accounts/s`,
  );
  scoreAll(cm, values, n); // warm-up
  const reps = 5;
  const cpu0 = process.cpuUsage();
  t = performance.now();
  let sum = 0;
  for (let r = 0; r < reps; r++) sum += scoreAll(cm, values, n).score[r];
  const sc = (performance.now() - t) / 1000 / reps;
  const cu = process.cpuUsage(cpu0);
  const cpuPer = (cu.user + cu.system) / 1e6 / reps;
  console.log(
    `scoring with per-feature contributions: ${n} accounts in ${(sc * 1000).toFixed(0)} ms = ` +
      `${Math.round(n / sc).toLocaleString('en')} accounts/s wall, ${Math.round(n / cpuPer).toLocaleString('en')} per CPU-second ` +
      `(target 200,000) [check ${sum.toFixed(3)}]; peak RSS ${mib()} MiB`,
  );
  await store.close();
}

await main();
