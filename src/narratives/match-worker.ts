/**
 * Worker thread of {@link ParallelNarrativeMatcher} (parallel.ts): compiles the narratives
 * once, then matches batches sent as the posts' UTF-16 code units plus offsets (both
 * transferred) and answers with compact codes in a transferred Int32Array (no per-post
 * message, no object per hit across threads).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { NarrativeDefinition } from './definition.js';
import { NarrativeMatcher } from './matcher.js';

export interface BatchRequest {
  id: number;
  /** The UTF-16 code units of all texts of the batch, concatenated. */
  codes: Uint16Array;
  /** Post i is codes[offsets[i], offsets[i + 1]). */
  offsets: Int32Array;
}

export interface BatchReply {
  id: number;
  codes?: Int32Array;
  error?: string;
}

const port = parentPort;
if (port) {
  const defs = (workerData as { defs: NarrativeDefinition[] }).defs;
  const matcher = new NarrativeMatcher(defs);
  port.on('message', (req: BatchRequest) => {
    try {
      const codes = matcher.encodeCodes(req.codes, req.offsets);
      port.postMessage({ id: req.id, codes } satisfies BatchReply, [codes.buffer]);
    } catch (e) {
      port.postMessage({ id: req.id, error: (e as Error).message } satisfies BatchReply);
    }
  });
}
