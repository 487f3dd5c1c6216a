/**
 * Near-duplicate bench: throughput of NearDupIndex on synthetic multilingual posts, and
 * recall of pairs with Jaccard >= 0.8 against brute force on a sample.
 *
 *   npm run build && node dist/bench/near-dup/run.js [--posts 1000000] [--recall 5000] [--stream] [--workers 2]
 *   node dist/bench/near-dup/run.js --workspace PATH.duckdb [--cold-disk]
 *
 * `--workers N` hashes texts in N worker threads (`ParallelNearDup`) while the main thread
 * runs the index; CPU time is then the whole process's, workers included.
 * `--stream` generates posts on the fly instead of holding them all (for 10M posts: the
 * reported memory is then the index's, not the texts'). Only the index's own work is timed,
 * on wall time and on this process's CPU time: on a shared machine the second is the
 * honest number, and a calibration loop before and after says how busy the machine was.
 *
 * `--workspace PATH` runs the detector itself (`findNearDuplicates`: texts read from DuckDB,
 * groups written back, worker threads as by default) on an existing workspace file, such as
 * the one the coordination bench caches (`vigie-bench-coordination-<posts>-...duckdb` in the
 * temp directory), and times the whole of it. The file is read once before (`../page-cache.ts`:
 * the run then starts from a cold engine, not a cold disk); `--cold-disk` skips that read.
 */
import { NearDupIndex, NEAR_DUP_DEFAULTS, SHINGLE } from '../../src/detectors/near-dup/NearDupIndex.js';
import { normaliseForMatching } from '../../src/detectors/near-dup/normalise.js';
import { ParallelNearDup } from '../../src/detectors/near-dup/parallel.js';
import { syntheticPosts } from './synthetic.js';
import { findNearDuplicates } from '../../src/detectors/near-dup/index.js';
import { DuckDBStore } from '../../src/store/duckdb/DuckDBStore.js';
import { describeWarmRead, readIntoPageCache } from '../page-cache.js';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}
const N = arg('posts', 1_000_000);
const SAMPLE = arg('recall', 5000);
const STREAM = process.argv.includes('--stream');
const SEED = arg('seed', 1);
const WORKERS = arg('workers', 0);
const BATCH = 4096;

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
sampler.unref();
const mb = (b: number) => `${Math.round(b / 2 ** 20)} MB`;

/** Sorted unique shingle strings hashed to numbers (independent of the index's hashing). */
function shingleSet(t: string, k: number): Float64Array {
  const set = new Set<string>();
  for (let i = 0; i + k <= t.length; i++) set.add(t.slice(i, i + k));
  const out = new Float64Array(set.size);
  let w = 0;
  for (const s of set) {
    let h = 0;
    for (let i = 0; i < s.length; i++) h = (h * 65599 + s.charCodeAt(i)) % 9007199254740881;
    out[w++] = h;
  }
  return out.sort();
}

function jaccard(a: Float64Array, b: Float64Array): number {
  let i = 0;
  let j = 0;
  let inter = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      inter++;
      i++;
      j++;
    } else if (a[i] < b[j]) i++;
    else j++;
  }
  return inter / (a.length + b.length - inter);
}

/** Recall of distinct-text pairs with J >= threshold, brute force (with the exact size filter). */
function recall(n: number, seed: number): { pairs: number; found: number } {
  const posts = [...syntheticPosts(n, { seed, recent: 300 })];
  const idx = new NearDupIndex();
  for (const p of posts) idx.add(p.text, p.time);
  const { groupOf } = idx.finish();
  const seen = new Map<string, number>();
  for (let i = 0; i < posts.length; i++) {
    const t = normaliseForMatching(posts[i].text);
    if (t.length >= NEAR_DUP_DEFAULTS.minChars && !seen.has(t)) seen.set(t, i);
  }
  const reps = [...seen.values()];
  const sets = [...seen.keys()].map((t) => shingleSet(t, SHINGLE));
  const order = reps.map((_, i) => i).sort((a, b) => sets[a].length - sets[b].length);
  let pairs = 0;
  let found = 0;
  for (let x = 0; x < order.length; x++) {
    const a = order[x];
    for (let y = x + 1; y < order.length; y++) {
      const b = order[y];
      if (sets[a].length < NEAR_DUP_DEFAULTS.threshold * sets[b].length) break;
      if (jaccard(sets[a], sets[b]) >= NEAR_DUP_DEFAULTS.threshold) {
        pairs++;
        if (groupOf[reps[a]] !== -1 && groupOf[reps[a]] === groupOf[reps[b]]) found++;
      }
    }
  }
  return { pairs, found };
}

/** CPU ns per step of a fixed multiply-xor loop: how fast the machine runs right now. */
function calibrate(): number {
  const a = new Uint32Array(1 << 16);
  let h = 0;
  const c0 = process.cpuUsage();
  for (let r = 0; r < 500; r++)
    for (let i = 0; i < a.length; i++) {
      h = (Math.imul(h, 0x01000193) + i) | 0;
      a[i] = h ^ (h >>> 16);
    }
  const c = process.cpuUsage(c0);
  return ((c.user + c.system) * 1000) / (500 * a.length);
}

/** The detector on a stored workspace: wall and CPU time of the whole run, peak memory, counts. */
async function onWorkspace(path: string): Promise<void> {
  if (!process.argv.includes('--cold-disk')) console.log(describeWarmRead(readIntoPageCache(path)));
  const cal0 = calibrate();
  const store = await DuckDBStore.open(path);
  try {
    const w0 = performance.now();
    const c0 = process.cpuUsage();
    const run = await findNearDuplicates(store, { seed: SEED }, (m) =>
      console.log(`  ${((performance.now() - w0) / 1000).toFixed(1)} s ${m}`),
    );
    const c = process.cpuUsage(c0);
    const wall = (performance.now() - w0) / 1000;
    const cpuS = (c.user + c.system) / 1e6;
    const texts = run.stats.posts;
    const { posts } = await store.counts();
    // Both rates: per post of the workspace (reposts are not read: their text is the
    // original's), and per text read and compared.
    console.log(
      `detector on ${path}: ${posts} posts, ${texts} of matched kinds, in ${wall.toFixed(2)} s wall, ${cpuS.toFixed(2)} s CPU: ` +
        `${Math.round(posts / wall)} workspace posts/s, ${Math.round(texts / wall)} texts/s`,
    );
    console.log(`memory: peak RSS ${mb(process.resourceUsage().maxRSS * 1024)}`);
    console.log(
      `calibration loop: ${cal0.toFixed(2)} ns/step before, ${calibrate().toFixed(2)} after (about 1.4 on this machine when idle)`,
    );
    console.log('stats:', JSON.stringify(run.stats));
    for (const m of run.messages) console.log('  note:', m);
  } finally {
    await store.close();
  }
}

async function main(): Promise<void> {
  const wsAt = process.argv.indexOf('--workspace');
  if (wsAt >= 0) return onWorkspace(process.argv[wsAt + 1]);
  console.log(
    `near-dup bench: ${N} posts, seed ${SEED}, ${STREAM ? 'streamed' : 'in memory'}, ${WORKERS} hash workers, defaults ${JSON.stringify(NEAR_DUP_DEFAULTS)}`,
  );
  const rssStart = process.memoryUsage().rss;
  let texts: string[] = [];
  let times: Float64Array = new Float64Array(0);
  if (!STREAM) {
    texts = new Array(N);
    times = new Float64Array(N);
    let i = 0;
    for (const p of syntheticPosts(N, { seed: SEED })) {
      texts[i] = p.text;
      times[i++] = p.time;
    }
    let chars = 0;
    for (const t of texts) chars += t.length;
    console.log(
      `generated: mean ${(chars / N).toFixed(1)} UTF-16 units per post, RSS ${mb(process.memoryUsage().rss)}`,
    );
  }
  const rssBefore = process.memoryUsage().rss;
  peakRss = rssBefore;
  const idx = new NearDupIndex();
  let wallMs = 0;
  let cpuUs = 0;
  /** Run `f`, adding its wall and CPU time to the index's. */
  const timed = async <T>(f: () => T | Promise<T>): Promise<T> => {
    const w0 = performance.now();
    const c0 = process.cpuUsage();
    const out = await f();
    const c = process.cpuUsage(c0);
    cpuUs += c.user + c.system;
    wallMs += performance.now() - w0;
    return out;
  };
  const par = WORKERS > 0 ? new ParallelNearDup(idx, WORKERS) : null;
  const addBatch = async (bt: string[], bm: number[]) => {
    if (par) await par.add(bt, bm);
    else for (let i = 0; i < bt.length; i++) idx.add(bt[i], bm[i]);
  };
  const cal0 = calibrate();
  if (STREAM) {
    const it = syntheticPosts(N, { seed: SEED });
    for (;;) {
      const bt: string[] = [];
      const bm: number[] = [];
      for (let r = it.next(); !r.done; r = it.next()) {
        bt.push(r.value.text);
        if (bm.push(r.value.time) === BATCH) break;
      }
      if (bt.length === 0) break;
      await timed(() => addBatch(bt, bm));
    }
  } else if (par) {
    for (let i = 0; i < N; i += BATCH) {
      const bt = texts.slice(i, i + BATCH);
      const bm = Array.from(times.subarray(i, i + BATCH));
      await timed(() => addBatch(bt, bm));
    }
  } else {
    await timed(() => {
      for (let i = 0; i < N; i++) idx.add(texts[i], times[i]);
    });
  }
  const res = await timed(() => (par ? par.finish() : idx.finish()));
  const cal1 = calibrate();
  const wall = wallMs / 1000;
  const cpuS = cpuUs / 1e6;
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  console.log(
    `throughput: ${Math.round(N / wall)} posts/s wall (${wall.toFixed(2)} s), ${Math.round(N / cpuS)} posts/s CPU (${cpuS.toFixed(2)} s)`,
  );
  console.log(
    `calibration loop: ${cal0.toFixed(2)} ns/step before, ${cal1.toFixed(2)} after (about 1.4 on this machine when idle)`,
  );
  console.log(`memory: peak RSS ${mb(peakRss)} (start ${mb(rssStart)}, before indexing ${mb(rssBefore)})`);
  console.log('stats:', JSON.stringify(res.stats));
  for (const m of res.messages) console.log('  note:', m);
  texts = [];
  if (SAMPLE > 0) {
    let pairs = 0;
    let found = 0;
    for (const s of [SEED, SEED + 1, SEED + 2]) {
      const r = recall(SAMPLE, s);
      pairs += r.pairs;
      found += r.found;
    }
    console.log(
      `recall (J >= ${NEAR_DUP_DEFAULTS.threshold}, distinct texts, 3 x ${SAMPLE} posts vs brute force): ${(found / pairs).toFixed(4)} (${found}/${pairs})`,
    );
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
