/**
 * Synchronised-activity bench: pair counting and p-values on a month of synthetic activity
 * (heavy-tailed accounts, a daily rhythm, a few bursts, a planted synchronised group), and
 * optionally the engine side (`--store`: posts written to an in-memory DuckDB workspace, then
 * `activityBins`).
 *
 *   npm run build && node dist/bench/sync/run.js [--posts 10000000] [--accounts 200000] [--store]
 */
import { bareAccount, type Post } from '../../src/model/post.js';
import type { ActivityBins } from '../../src/store/activity-types.js';
import { DuckDBStore } from '../../src/store/duckdb/DuckDBStore.js';
import { loadFixture } from '../../src/detectors/coordination/fixture.js';
import { mulberry32 } from '../../src/util/rng.js';
import { SYNC_DEFAULTS, syncEdgesFromBins } from '../../src/detectors/sync/index.js';
import { bhLogQ } from '../../src/detectors/coordination/stats.js';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}
const POSTS = arg('posts', 10_000_000);
const ACCOUNTS = arg('accounts', 200_000);
const STORE = process.argv.includes('--store');
const T0 = Date.UTC(2017, 3, 10);
const MIN = 60_000;
const MONTH = 30 * 1440;

/** (account, minute) events: Pareto activity, a daily rhythm, bursts, and 30 bots in lockstep. */
function* events(seed: number): Generator<[number, number]> {
  const rnd = mulberry32(seed);
  const weight = new Float64Array(ACCOUNTS);
  let total = 0;
  for (let a = 0; a < ACCOUNTS; a++) total += weight[a] = Math.pow(1 - rnd(), -1 / 1.2);
  const cum = new Float64Array(ACCOUNTS);
  for (let a = 0, s = 0; a < ACCOUNTS; a++) cum[a] = s += weight[a] / total;
  const pick = () => {
    const x = rnd();
    let lo = 0;
    let hi = ACCOUNTS - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const bursts = Array.from({ length: 20 }, () => Math.floor(rnd() * MONTH));
  for (let i = 0; i < POSTS; i++) {
    let m: number;
    if (rnd() < 0.05) m = bursts[Math.floor(rnd() * bursts.length)] + Math.floor(rnd() * 60);
    else
      for (;;) {
        m = Math.floor(rnd() * MONTH);
        const hour = (m / 60) % 24;
        if (rnd() < (hour >= 7 ? 1 : 0.2)) break;
      }
    yield [pick(), m];
  }
  for (let k = 0; k < 60; k++) {
    const m = Math.floor(rnd() * MONTH);
    for (let b = 0; b < 30; b++) yield [ACCOUNTS + b, m];
  }
}

function binsInMemory(): ActivityBins {
  const per = new Map<number, number[]>();
  for (const [a, m] of events(1)) {
    let l = per.get(a);
    if (!l) per.set(a, (l = []));
    l.push(m);
  }
  const keys: [string, number[]][] = [];
  for (const [a, ms] of per) {
    const u = [...new Set(ms)].sort((x, y) => x - y);
    if (u.length >= SYNC_DEFAULTS.minActiveBins)
      keys.push([a >= ACCOUNTS ? `x:bot${a - ACCOUNTS}` : `x:u${a}`, u]);
  }
  keys.sort((x, y) => (x[0] < y[0] ? -1 : 1));
  const occupied = new Int32Array(MONTH + 60).fill(-1);
  for (const [, u] of keys) for (const m of u) occupied[m] = 0;
  const binStart: number[] = [];
  for (let m = 0; m < occupied.length; m++)
    if (occupied[m] === 0) occupied[m] = binStart.push(T0 + m * MIN) - 1;
  const offsets = new Int32Array(keys.length + 1);
  let cells = 0;
  keys.forEach(([, u], i) => (offsets[i + 1] = cells += u.length));
  const bins = new Int32Array(cells);
  let w = 0;
  for (const [, u] of keys) for (const m of u) bins[w++] = occupied[m];
  return {
    binSeconds: 60,
    accounts: keys.map((k) => k[0]),
    offsets,
    bins,
    binStartMs: Float64Array.from(binStart),
    accountsSeen: per.size,
  };
}

async function binsFromStore(): Promise<ActivityBins> {
  const store = await DuckDBStore.open(':memory:');
  try {
    const posts: Post[] = [];
    let i = 0;
    for (const [a, m] of events(1)) {
      posts.push({
        platform: 'x', postId: `p${i++}`, accountId: a >= ACCOUNTS ? `bot${a - ACCOUNTS}` : `u${a}`,
        time: T0 + m * MIN + Math.floor((i * 7919) % MIN), text: null, lang: 'und', kind: 'original',
        refPostId: null, refAccountId: null, urls: [], canonicalUrls: [], domains: [], hashtags: [], mentions: [],
        media: [], client: null,
      }); // prettier-ignore
    }
    const accounts = [...new Set(posts.map((p) => p.accountId))].map((a) => bareAccount('x', a));
    await loadFixture(store, { posts, accounts }, 'sync-bench');
    posts.length = 0;
    const t0 = performance.now();
    const bins = await store.activityBins({ binSeconds: 60, minActiveBins: SYNC_DEFAULTS.minActiveBins });
    console.log(
      `store.activityBins: ${((performance.now() - t0) / 1000).toFixed(2)} s for ${bins.bins.length} active account-bins`,
    );
    return bins;
  } finally {
    await store.close();
  }
}

async function main(): Promise<void> {
  console.log(`sync bench: ${POSTS} posts, ${ACCOUNTS} accounts, a month of 60-second bins`);
  const bins = STORE ? await binsFromStore() : binsInMemory();
  console.log(
    `${bins.accounts.length} accounts with ${SYNC_DEFAULTS.minActiveBins}+ active bins, ${bins.bins.length} active account-bins, ${bins.binStartMs.length} bins`,
  );
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = syncEdgesFromBins(bins);
  const c = process.cpuUsage(c0);
  console.log(
    `syncEdgesFromBins: ${((performance.now() - t0) / 1000).toFixed(2)} s wall, ${((c.user + c.system) / 1e6).toFixed(2)} s CPU`,
  );
  console.log('stats:', JSON.stringify(r.stats));
  const q = bhLogQ(
    r.edges.map((e) => e.logPValue!),
    r.tested,
  );
  const sig = r.edges.filter((_, i) => q[i] <= Math.log(0.01));
  const bots = sig.filter((e) => e.a.includes('bot') && e.b.includes('bot')).length;
  console.log(
    `significant at FDR 0.01: ${sig.length} pairs, ${bots} of the 435 planted bot pairs, ${sig.length - bots} others`,
  );
  for (const m of r.messages) console.log('  note:', m);
  console.log(`peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
