/**
 * Near-duplicate text: groups of posts whose normalised texts have a Jaccard similarity of
 * at least 0.8 on their character 5-gram sets, found with MinHash + LSH and verified
 * exactly. The groups are stored (`near_dup_groups`) and become the objects of the
 * coordination detector's `co-text` layer: accounts posting near-duplicates within W.
 *
 * This detector produces no findings of its own; it prepares a layer. See README.md for
 * the method, the defaults and the measured recall and throughput.
 *
 * @see ./NearDupIndex.ts for the algorithm and its references.
 */
import type { PostKind } from '../../model/post.js';
import type { Store } from '../../store/store.js';
import { availableParallelism } from 'node:os';
import { VigieError } from '../../util/errors.js';
import type { Detector, DetectorContext, DetectResult } from '../types.js';
import {
  NearDupIndex,
  NEAR_DUP_DEFAULTS,
  SHINGLE,
  type NearDupOptions,
  type NearDupResult,
  type NearDupStats,
} from './NearDupIndex.js';
import { ParallelNearDup } from './parallel.js';
import { rawUnitsRead } from './normalise.js';

export { ParallelNearDup } from './parallel.js';
export { NearDupIndex, NEAR_DUP_DEFAULTS, SHINGLE } from './NearDupIndex.js';
export type { NearDupOptions, NearDupResult, NearDupStats } from './NearDupIndex.js';
export { normaliseForMatching, normaliseInto } from './normalise.js';

export interface NearDupDetectorOptions extends NearDupOptions {
  /**
   * Post kinds whose texts are matched. Reposts are left out by default: their text is the
   * original's, and the `co-repost` layer already pairs accounts on them.
   */
  kinds: PostKind[];
  /**
   * Worker threads that hash texts while this thread runs the index, and that share each
   * segment close between them (0: all on this thread). The groups, similarities and counts
   * are the same; it trades some extra CPU (copies to shared memory) for wall time, so it
   * pays on idle cores (see README.md, Measured). `'auto'` (the default): 2 workers when the
   * machine has at least 2 cores and the stream holds at least {@link AUTO_WORKERS_AFTER}
   * posts (started before the first chunk when the store tells the count, else once that
   * many have been read; a small workspace is done before threads would start), and
   * everything on this thread if they cannot be started.
   */
  workers: number | 'auto';
}

/** Texts read as UTF-8 and hashed on this thread (before workers start, or without them). Keeps a leading U+FEFF, as the workers do. */
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** With `workers: 'auto'`, the fewest posts for which worker threads are started. */
export const AUTO_WORKERS_AFTER = 100_000;
/** Posts handed to the workers at once: a store chunk (2,048 rows) is too small a batch. */
const BATCH = 16_384;

export const NEAR_DUP_DETECTOR_DEFAULTS: Readonly<NearDupDetectorOptions> = Object.freeze({
  ...NEAR_DUP_DEFAULTS,
  kinds: ['original', 'reply', 'quote'] as PostKind[],
  workers: 'auto' as const,
});

export interface NearDupRun {
  stats: NearDupStats & { rowsStored: number; seconds: number };
  messages: string[];
}

/**
 * Stream every post's text out of the store in time order, group near-duplicates and store
 * the groups (replacing earlier ones). Memory: 12 bytes per post plus the index's two open
 * time segments (see README.md).
 *
 * @example const { stats } = await findNearDuplicates(store); // stats.groups, stats.groupedPosts
 */
export async function findNearDuplicates(
  store: Store,
  options: Partial<NearDupDetectorOptions> = {},
  log: (m: string) => void = () => undefined,
): Promise<NearDupRun> {
  const t0 = performance.now();
  const { kinds, workers, ...indexOptions } = { ...NEAR_DUP_DETECTOR_DEFAULTS, ...options };
  if (workers !== 'auto' && !(Number.isInteger(workers) && workers >= 0 && workers <= 64))
    throw new VigieError('ERR_USAGE', 'near-dup: workers must be an integer in [0, 64] or "auto"');
  const index = new NearDupIndex(indexOptions);
  let auto = workers === 'auto' && availableParallelism() >= 2;
  let parallel = typeof workers === 'number' && workers > 0 ? new ParallelNearDup(index, workers) : null;
  let refs = new Float64Array(1 << 16);
  let n = 0;
  let res: NearDupResult;
  let batchTexts: (string | null)[] = [];
  let batchTimes: number[] = [];
  // UTF-8 chunks waiting to go to the workers as one batch.
  let parts: { bytes: Uint8Array; lens: Int32Array }[] = [];
  let partPosts = 0;
  const sendParts = async () => {
    let size = 0;
    for (const q of parts) size += q.bytes.length;
    const bytes = new Uint8Array(size);
    const lens = new Int32Array(partPosts);
    for (let i = 0, b = 0, l = 0; i < parts.length; i++) {
      bytes.set(parts[i].bytes, b);
      lens.set(parts[i].lens, l);
      b += parts[i].bytes.length;
      l += parts[i].lens.length;
    }
    await parallel!.add({ bytes, lens }, batchTimes);
    parts = [];
    partPosts = 0;
    batchTimes = [];
  };
  try {
    for await (const chunk of store.streamPostTexts({
      kinds,
      textsOnly: true,
      utf8: true,
      utf8MaxChars: rawUnitsRead(index.options.maxChars),
      // Known in advance, a large stream gets its workers while the engine sorts (they take
      // 50-100 ms to start) rather than after its first 100,000 posts went through this
      // thread: at 1M posts, a median 2.46 s against 2.61 s (README.md, fifth round).
      onCount: (total) => {
        if (auto && total >= AUTO_WORKERS_AFTER) {
          auto = false;
          parallel = startWorkers(index, log);
        }
      },
    })) {
      if (n + chunk.refs.length > refs.length) {
        const bigger = new Float64Array(Math.max(n + chunk.refs.length, refs.length * 2));
        bigger.set(refs.subarray(0, n));
        refs = bigger;
      }
      refs.set(chunk.refs, n);
      if (auto && n >= AUTO_WORKERS_AFTER) {
        auto = false;
        parallel = startWorkers(index, log);
      }
      const utf8 = chunk.utf8;
      if (utf8 && parallel) {
        parts.push(utf8);
        partPosts += utf8.lens.length;
        for (let i = 0; i < chunk.times.length; i++) batchTimes.push(chunk.times[i]);
        if (partPosts >= BATCH) await sendParts();
      } else if (utf8) {
        for (let i = 0, at = 0; i < utf8.lens.length; i++) {
          const len = utf8.lens[i];
          index.add(len < 0 ? null : decoder.decode(utf8.bytes.subarray(at, (at += len))), chunk.times[i]);
        }
      } else if (parallel) {
        for (let i = 0; i < chunk.texts.length; i++) {
          batchTexts.push(chunk.texts[i]);
          batchTimes.push(chunk.times[i]);
        }
        if (batchTexts.length >= BATCH) {
          await parallel.add(batchTexts, batchTimes);
          batchTexts = [];
          batchTimes = [];
        }
      } else for (let i = 0; i < chunk.texts.length; i++) index.add(chunk.texts[i], chunk.times[i]);
      n += chunk.refs.length;
      if ((n & 0xfffff) < chunk.refs.length) log(`near-dup: ${n} posts indexed`);
    }
    if (parallel && batchTexts.length > 0) await parallel.add(batchTexts, batchTimes);
    if (parallel && partPosts > 0) await sendParts();
    log(`near-dup: ${n} posts read in ${secs(t0)} s; comparing the texts of the last time segment`);
    res = parallel ? await parallel.finish() : index.finish();
  } catch (e) {
    await parallel?.close(); // idle workers would keep the process alive
    throw e;
  }
  const rows = {
    count: res.stats.groupedPosts,
    refs: new Float64Array(res.stats.groupedPosts),
    groupIds: new Float64Array(res.stats.groupedPosts),
    similarity: new Float32Array(res.stats.groupedPosts),
  };
  for (let p = 0, w = 0; p < n; p++) {
    const g = res.groupOf[p];
    if (g < 0) continue;
    rows.refs[w] = refs[p];
    rows.groupIds[w] = g;
    rows.similarity[w++] = res.similarity[p];
  }
  log(
    `near-dup: ${res.stats.verified} pairs verified, ${res.stats.groups} groups, at ${secs(t0)} s; storing ${rows.count} grouped posts`,
  );
  const rowsStored = await store.saveNearDupGroups(rows);
  const messages = [...res.messages];
  if (n === 0) messages.unshift('no posts with text to compare: near-duplicate groups are empty');
  else
    messages.unshift(
      `${res.stats.groups} near-duplicate groups (Jaccard >= ${indexOptions.threshold} on character ${SHINGLE}-grams) covering ${res.stats.groupedPosts} of ${n} posts`,
    );
  return { stats: { ...res.stats, rowsStored, seconds: (performance.now() - t0) / 1000 }, messages };
}

function secs(t0: number): string {
  return ((performance.now() - t0) / 1000).toFixed(1);
}

/** Two worker threads (hashing and segment closes) for `workers: 'auto'`, or null (all on this thread) when threads cannot start. */
function startWorkers(index: NearDupIndex, log: (m: string) => void): ParallelNearDup | null {
  try {
    return new ParallelNearDup(index, 2);
  } catch (e) {
    log(`near-dup: worker threads unavailable (${(e as Error).message}); hashing on one thread`);
    return null;
  }
}

/** The detector wrapper: `vigie detect --only near-dup`, and a prerequisite of `coordination`'s `co-text` layer. */
export const nearDupDetector: Detector<NearDupDetectorOptions> = {
  name: 'near-dup',
  version: '0.1.0',
  channel: 'coordination',
  description:
    'groups near-duplicate texts (MinHash + LSH, exact Jaccard >= 0.8) for the co-text layer; hashes and compares in 2 worker threads on large workspaces',
  defaults: NEAR_DUP_DETECTOR_DEFAULTS,
  async detect(ctx: DetectorContext, options?: Partial<NearDupDetectorOptions>): Promise<DetectResult> {
    const run = await findNearDuplicates(ctx.store, { seed: ctx.seed, ...options }, ctx.log);
    const stats: Record<string, number> = {};
    for (const [k, v] of Object.entries(run.stats)) stats[k] = v;
    return { findings: [], messages: run.messages, stats };
  },
};
