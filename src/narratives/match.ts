/**
 * Matching a workspace: every post's text streamed once out of the store, matched against
 * all narratives at once (over worker threads when the workspace is large), and the matches
 * stored (replacing earlier matches of the same narratives).
 */
import type { Store } from '../store/store.js';
import type { PostTextChunk } from '../store/activity-types.js';
import type { NarrativeMatchRow, StoredNarrative } from '../store/narratives.js';
import type { NarrativeDefinition } from './definition.js';
import { NarrativeMatcher } from './matcher.js';
import { ParallelNarrativeMatcher, defaultStreamWorkers } from './parallel.js';

export interface MatchRunStats {
  posts: number;
  postsWithText: number;
  matches: number;
  /** Matched posts per narrative id. */
  perNarrative: Record<string, number>;
  seconds: number;
  postsPerSecond: number;
  /** Worker threads that matched part of the posts (0: all matched in this thread). */
  workers: number;
}

/** Definitions as stored in the workspace, so `vigie detect` can match again after new ingests. */
export function toStored(
  defs: NarrativeDefinition[],
  file: string,
  sha256: string,
  at = Date.now(),
): StoredNarrative[] {
  return defs.map((d) => ({
    id: d.id,
    name: d.name,
    description: d.description,
    languages: d.languages,
    definition: d as unknown as Record<string, unknown>,
    sourceFile: file,
    sourceSha256: sha256,
    loadedAt: at,
  }));
}

/** Definitions back from the store. */
export function fromStored(rows: StoredNarrative[]): NarrativeDefinition[] {
  return rows.map((r) => r.definition as unknown as NarrativeDefinition);
}

/** When matching spreads over worker threads (see docs/benchmarks.md, "Narratives"). */
export const MATCH_DEFAULTS = Object.freeze({
  /**
   * Posts matched in this thread before workers are started: below it, starting them
   * (each compiles the narratives and builds the 64 Ki fold table) costs more than it saves.
   */
  parallelAbove: 100_000,
  /** Posts per batch sent to a worker. */
  batch: 8192,
  /** Batches in flight per worker: keeps workers busy while this thread reads the store. */
  inFlightPerWorker: 2,
  /** Seconds between progress lines on long runs. */
  progressSeconds: 5,
});

export interface MatchOptions {
  save?: StoredNarrative[];
  /** Progress lines (every few seconds on long runs). */
  log?: (m: string) => void;
  /**
   * Worker threads once the workspace proves large; 0 keeps everything in this thread.
   * Default: {@link defaultStreamWorkers} (none on 2 cores or fewer).
   */
  workers?: number;
  /** Posts matched in this thread before workers start (default MATCH_DEFAULTS.parallelAbove). */
  parallelAbove?: number;
}

/**
 * Match every post of the workspace against `defs` and store the matches (the definitions
 * must have been saved, or are saved here when `save` is given). Posts are streamed from the
 * store a chunk at a time (never all loaded); only the matches are kept until stored.
 */
export async function matchWorkspace(
  store: Store,
  defs: NarrativeDefinition[],
  options: MatchOptions = {},
): Promise<MatchRunStats> {
  const t0 = performance.now();
  const { rows, stats } = await matchPostChunks(store.streamPostTexts(), defs, options);
  const ns = store.narratives();
  if (options.save) await ns.saveNarratives(options.save);
  await ns.replaceMatches(
    defs.map((d) => d.id),
    rows,
  );
  const seconds = (performance.now() - t0) / 1000;
  return { ...stats, seconds, postsPerSecond: stats.posts / Math.max(1e-9, seconds) };
}

/**
 * The matching half of {@link matchWorkspace}, on any stream of post chunks: rows in stream
 * order, the same whether matched in this thread or in workers. The first `parallelAbove`
 * posts are matched here; past that, batches go to worker threads, a few in flight, and their
 * results are taken in submission order.
 */
export async function matchPostChunks(
  chunks: AsyncIterable<PostTextChunk>,
  defs: NarrativeDefinition[],
  options: Omit<MatchOptions, 'save'> = {},
): Promise<{ rows: NarrativeMatchRow[]; stats: Omit<MatchRunStats, 'seconds' | 'postsPerSecond'> }> {
  const t0 = performance.now();
  const matcher = new NarrativeMatcher(defs);
  const workers = Math.max(0, Math.floor(options.workers ?? defaultStreamWorkers()));
  const parallelAbove = options.parallelAbove ?? MATCH_DEFAULTS.parallelAbove;
  const rows: NarrativeMatchRow[] = [];
  const per: Record<string, number> = Object.fromEntries(defs.map((d) => [d.id, 0]));
  let posts = 0;
  let withText = 0;
  let pool: ParallelNarrativeMatcher | null = null;
  let used = 0;
  const queue: { codes: Promise<Int32Array>; platforms: string[]; postIds: string[] }[] = [];
  let batch: { texts: (string | null)[]; platforms: string[]; postIds: string[] } = {
    texts: [],
    platforms: [],
    postIds: [],
  };
  let nextLog = t0 + MATCH_DEFAULTS.progressSeconds * 1000;

  const take = async () => {
    const b = queue.shift()!;
    const codes = await b.codes;
    for (let c = 0; c < codes.length; c += 3 + codes[c + 2]) {
      const post = codes[c];
      const id = defs[codes[c + 1]].id;
      const terms: string[] = [];
      for (let j = 0; j < codes[c + 2]; j++) terms.push(matcher.termLabel(codes[c + 3 + j]));
      rows.push({ narrativeId: id, platform: b.platforms[post], postId: b.postIds[post], terms });
      per[id]++;
    }
  };
  const submit = async () => {
    if (batch.texts.length === 0) return;
    const codes = pool!.matchBatchCodes(batch.texts);
    // Observed now, awaited in order later: a worker failing while an earlier batch is
    // awaited must not surface as an unhandled rejection.
    codes.catch(() => undefined);
    queue.push({ codes, platforms: batch.platforms, postIds: batch.postIds });
    batch = { texts: [], platforms: [], postIds: [] };
    if (queue.length >= workers * MATCH_DEFAULTS.inFlightPerWorker) await take();
  };

  try {
    for await (const chunk of chunks) {
      if (!pool && workers > 0 && posts >= parallelAbove) {
        pool = new ParallelNarrativeMatcher(defs, { workers });
        used = pool.workers;
      }
      for (let i = 0; i < chunk.texts.length; i++) {
        const text = chunk.texts[i];
        posts++;
        if (!text) continue;
        withText++;
        if (pool) {
          batch.texts.push(text);
          batch.platforms.push(chunk.platforms[i]);
          batch.postIds.push(chunk.postIds[i]);
          continue;
        }
        for (const h of matcher.match(text)) {
          rows.push({
            narrativeId: h.id,
            platform: chunk.platforms[i],
            postId: chunk.postIds[i],
            terms: h.terms,
          });
          per[h.id]++;
        }
      }
      if (pool && batch.texts.length >= MATCH_DEFAULTS.batch) await submit();
      const now = performance.now();
      if (options.log && now >= nextLog) {
        const rate = Math.round(posts / ((now - t0) / 1000));
        options.log(
          `narratives: ${posts.toLocaleString('en')} posts read, ${rows.length.toLocaleString('en')} matches so far (${rate.toLocaleString('en')} posts/s${pool ? `, ${pool.workers} workers` : ''})`,
        );
        nextLog = now + MATCH_DEFAULTS.progressSeconds * 1000;
      }
    }
    if (pool) {
      await submit();
      while (queue.length) await take();
    }
  } finally {
    // Settle what is in flight before stopping the workers (an abandoned promise would
    // reject unobserved).
    await Promise.allSettled(queue.map((b) => b.codes));
    await pool?.close();
  }
  return {
    rows,
    stats: { posts, postsWithText: withText, matches: rows.length, perNarrative: per, workers: used },
  };
}
