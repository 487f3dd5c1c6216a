/**
 * Narrative matching over worker threads. Posts are independent, so a batch of posts goes
 * to one worker and comes back as compact codes; the caller gets the same hits, in post
 * order, as `NarrativeMatcher.match` would give one post at a time (tested in
 * matcher.property.test.ts). Worth it only for large inputs: each worker compiles the
 * narratives and builds the normaliser's fold table (tens of milliseconds) before its first
 * batch, hence the threshold in match.ts.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { NarrativeDefinition } from './definition.js';
import { MAX_MATCH_READ, NarrativeMatcher, type NarrativeHit } from './matcher.js';
import type { BatchReply, BatchRequest } from './match-worker.js';

/** Workers by default: one per core, at most 4 (matching is CPU-bound, the store needs some). */
export function defaultWorkers(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}

/**
 * Workers when this thread also streams the posts out of the store. Reading and decoding the
 * texts is most of a workspace run, and handing texts to a worker costs about what matching
 * them here does: on the 2-core VM (bench/narratives/workspace.ts, 300,000 stored posts,
 * idle, 2026-11-23) this thread alone ran at 263,000 posts/s, with 1 worker 209,000 and
 * with 2 workers 161,000. So 2 cores or fewer match in this thread; more cores leave one to
 * the reader and give the rest to workers (narratives heavy with regexes gain there).
 */
export function defaultStreamWorkers(): number {
  const cores = availableParallelism();
  return cores <= 2 ? 0 : Math.min(4, cores - 1);
}

interface Pending {
  resolve: (codes: Int32Array) => void;
  reject: (e: Error) => void;
}

export class ParallelNarrativeMatcher {
  /** Compiled in this thread too: validates the definitions synchronously, decodes replies. */
  readonly matcher: NarrativeMatcher;
  private readonly pool: Worker[] = [];
  private readonly inFlight: Map<number, Pending>[] = [];
  private nextId = 0;
  private failed: Error | null = null;

  constructor(defs: readonly NarrativeDefinition[], options: { workers?: number } = {}) {
    this.matcher = new NarrativeMatcher(defs);
    const n = Math.max(1, options.workers ?? defaultWorkers());
    // Under tsx (tests) the sources are .ts and the worker must register tsx's loader itself
    // (as src/attacks/parallel.ts does).
    const ts = import.meta.url.endsWith('.ts');
    const url = new URL(ts ? './match-worker.ts' : './match-worker.js', import.meta.url);
    for (let w = 0; w < n; w++) {
      const worker = ts
        ? new Worker(
            `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`,
            { eval: true, workerData: { defs } },
          )
        : new Worker(url, { workerData: { defs } });
      const pending = new Map<number, Pending>();
      worker.on('message', (r: BatchReply) => {
        const p = pending.get(r.id);
        if (!p) return;
        pending.delete(r.id);
        if (r.error !== undefined || !r.codes) p.reject(new Error(`narrative worker: ${r.error}`));
        else p.resolve(r.codes);
      });
      worker.on('error', (e) => this.fail(e));
      worker.on('exit', (code) => {
        if (code !== 0) this.fail(new Error(`narrative worker exited with code ${code}`));
      });
      this.pool.push(worker);
      this.inFlight.push(pending);
    }
  }

  get workers(): number {
    return this.pool.length;
  }

  /** Batches sent and not answered yet, over all workers. */
  get pending(): number {
    return this.inFlight.reduce((a, m) => a + m.size, 0);
  }

  private fail(e: Error): void {
    this.failed ??= e;
    for (const m of this.inFlight) {
      for (const p of m.values()) p.reject(e);
      m.clear();
    }
  }

  /**
   * The hits of every text (an empty array for null or empty ones), in order. The batch
   * goes to the least busy worker; several batches may be in flight at once.
   */
  async matchBatch(texts: readonly (string | null | undefined)[]): Promise<NarrativeHit[][]> {
    return this.matcher.decodeHits(await this.matchBatchCodes(texts), texts.length);
  }

  /**
   * The hits of a batch in compact form (see `NarrativeMatcher.encodeMatch`: post index in the
   * batch, narrative index, term count, term ids, repeated; `matcher.termLabel` names a term).
   * Cheaper than {@link matchBatch} when the caller builds its own rows: at several hits per
   * post, making hit objects in this thread costs about as much as matching in a worker.
   */
  matchBatchCodes(texts: readonly (string | null | undefined)[]): Promise<Int32Array> {
    if (this.failed) return Promise.reject(this.failed);
    // The posts' UTF-16 code units in one transferred buffer plus offsets: nothing is copied
    // into the worker (no structured clone of strings), and the worker normalises straight
    // from the typed array. Measured against joining the texts into one string sent by
    // structured clone: the join and the clone cost about 0.5 µs a post of this thread's time.
    // A post is copied only as far as matching reads it (MAX_MATCH_READ code units), so a
    // multi-megabyte post costs no more than a long one here either.
    const offsets = new Int32Array(texts.length + 1);
    let total = 0;
    for (let i = 0; i < texts.length; i++) {
      total += Math.min(texts[i]?.length ?? 0, MAX_MATCH_READ);
      offsets[i + 1] = total;
    }
    const codes = new Uint16Array(total);
    const bytes = Buffer.from(codes.buffer);
    for (let i = 0; i < texts.length; i++) {
      const t = texts[i];
      if (t) bytes.write(t, offsets[i] * 2, (offsets[i + 1] - offsets[i]) * 2, 'utf16le');
    }
    let w = 0;
    for (let k = 1; k < this.pool.length; k++) if (this.inFlight[k].size < this.inFlight[w].size) w = k;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.inFlight[w].set(id, { resolve, reject });
      this.pool[w].postMessage({ id, codes, offsets } satisfies BatchRequest, [codes.buffer, offsets.buffer]);
    });
  }

  async close(): Promise<void> {
    const workers = this.pool.splice(0);
    this.failed ??= new Error('narrative matcher closed');
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
