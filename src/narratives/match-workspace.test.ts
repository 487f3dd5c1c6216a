/**
 * Workspace matching over a chunked post stream: the same rows, in the same order, whether
 * every post is matched in this thread or batches go to worker threads past the threshold.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import type { PostTextChunk } from '../store/activity-types.js';
import { mulberry32 } from '../util/rng.js';
import { projectRoot } from '../util/paths.js';
import { loadNarrativeFile } from './definition.js';
import { matchPostChunks } from './match.js';

const defs = loadNarrativeFile(resolve(projectRoot(), 'data/narratives/examples.yaml')).narratives;

/** Seeded posts built from the example texts' words (so narratives do match), in chunks of 2,048. */
async function* chunks(n: number, seed: number): AsyncGenerator<PostTextChunk> {
  const r = mulberry32(seed);
  const words = defs.flatMap((d) => d.examples.flatMap((e) => e.text.split(/\s+/)));
  for (let start = 0; start < n; start += 2048) {
    const len = Math.min(2048, n - start);
    const texts: (string | null)[] = [];
    for (let i = 0; i < len; i++) {
      if (r() < 0.03) {
        texts.push(r() < 0.5 ? null : '');
        continue;
      }
      const k = 3 + Math.floor(r() * 25);
      texts.push(
        Array.from({ length: k }, () => words[Math.floor(r() * words.length)]).join(r() < 0.5 ? ' ' : ', '),
      );
    }
    yield {
      refs: Float64Array.from({ length: len }, (_, i) => start + i),
      platforms: texts.map((_, i) => (i % 2 ? 'x' : 'telegram')),
      postIds: texts.map((_, i) => `p${start + i}`),
      accountIds: texts.map(() => 'a'),
      times: new Float64Array(len),
      texts,
    };
  }
}

test('worker threads past the threshold store exactly the rows of a single-thread run', async () => {
  const serial = await matchPostChunks(chunks(40_000, 3), defs, { workers: 0 });
  const logs: string[] = [];
  const parallel = await matchPostChunks(chunks(40_000, 3), defs, {
    workers: 2,
    parallelAbove: 5000,
    log: (m) => logs.push(m),
  });
  assert.equal(serial.stats.workers, 0);
  assert.equal(parallel.stats.workers, 2);
  assert.equal(parallel.stats.posts, 40_000);
  assert.ok(serial.stats.postsWithText < 40_000 && serial.stats.postsWithText > 38_000);
  assert.ok(serial.rows.length > 10_000, `${serial.rows.length} rows`);
  assert.deepEqual(parallel.stats, { ...serial.stats, workers: 2 });
  assert.deepEqual(parallel.rows, serial.rows);
  // One worker beside the thread reading the store (the default on 2 cores).
  const one = await matchPostChunks(chunks(40_000, 3), defs, { workers: 1, parallelAbove: 5000 });
  assert.equal(one.stats.workers, 1);
  assert.deepEqual(one.rows, serial.rows);
});
