/**
 * Narrative matching as `vigie narratives match` runs it on a workspace: the texts streamed
 * out of DuckDB (`streamPostTexts`), matched (in this thread, then over worker threads past
 * 100,000 posts), and the matches stored; against the same matching on the same texts held in
 * memory (what run.ts measures), to say what the store costs.
 *
 *   npm run build && node dist/bench/narratives/workspace.js [--posts 300000] [--workers 2]
 *
 * The workspace is a seeded synthetic election week (src/synth/, loaded with loadSynth; not
 * timed), kept in the temp directory between runs; narratives are built from its texts as in
 * run.ts (bench/narratives/defs.ts).
 */
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSynth } from '../../src/store/contract/load.js';
import { DuckDBStore } from '../../src/store/duckdb/DuckDBStore.js';
import { NarrativeMatcher } from '../../src/narratives/matcher.js';
import { matchPostChunks, matchWorkspace, toStored } from '../../src/narratives/match.js';
import { defaultStreamWorkers } from '../../src/narratives/parallel.js';
import { benchNarratives } from './defs.js';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}
const POSTS = arg('posts', 300_000);
const WORKERS = arg('workers', 2);

async function timed<T>(label: string, posts: () => number, body: () => Promise<T>): Promise<T> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await body();
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const cpu = (c.user + c.system) / 1e6;
  const n = posts();
  const rate = (t: number) => Math.round(n / t).toLocaleString('en');
  console.log(
    `${label}: ${n} posts in ${wall.toFixed(2)} s wall, ${cpu.toFixed(2)} CPU-s: ${rate(wall)} posts/s wall, ${rate(cpu)} posts/CPU-s`,
  );
  return r;
}

const path = join(tmpdir(), `vigie-bench-narratives-${POSTS}.duckdb`);
if (!existsSync(path)) {
  rmSync(path + '.wal', { force: true });
  const s = await DuckDBStore.open(path);
  await loadSynth(s, { posts: POSTS, seed: 7, swarms: 2, batch: 100_000 });
  await s.close();
}
const store = await DuckDBStore.open(path);
try {
  const texts: string[] = [];
  let streamed = 0;
  await timed(
    'streaming the texts alone (streamPostTexts)',
    () => streamed,
    async () => {
      for await (const chunk of store.streamPostTexts()) {
        streamed += chunk.texts.length;
        for (const t of chunk.texts) if (t) texts.push(t);
      }
    },
  );
  const mean = texts.reduce((a, t) => a + t.length, 0) / texts.length;
  console.log(`${texts.length} posts with text, mean ${mean.toFixed(0)} characters`);
  const defs = benchNarratives(texts).hits(0);
  const m = new NarrativeMatcher(defs);
  for (let i = 0; i < Math.min(20_000, texts.length); i++) m.match(texts[i]); // warm-up
  let hits = 0;
  await timed(
    'in memory, NarrativeMatcher.match (as run.ts)',
    () => texts.length,
    async () => {
      for (const t of texts) hits += m.match(t).length;
    },
  );
  console.log(`${hits} narrative hits (${(hits / texts.length).toFixed(2)} per post)`);
  for (const workers of [...new Set([0, 1, WORKERS])]) {
    let n = 0;
    await timed(
      `from the store, matchPostChunks, ${workers === 0 ? 'this thread' : `${workers} worker(s) past 100,000 posts`}`,
      () => n,
      async () => {
        const r = await matchPostChunks(store.streamPostTexts(), defs, { workers });
        n = r.stats.posts;
      },
    );
  }
  let total = 0;
  await timed(
    `the whole of vigie narratives match (matchWorkspace: stream, match with the default workers, ${defaultStreamWorkers()} here, store the matches)`,
    () => total,
    async () => {
      const r = await matchWorkspace(store, defs, {
        save: toStored(defs, 'bench', 'bench', 0),
      });
      total = r.posts;
      console.log(`(${r.matches} matches stored)`);
    },
  );
} finally {
  await store.close();
}
