/**
 * Worker thread of {@link ParallelNarrativeMatcher} (parallel.ts): compiles the narratives
 * once, then matches batches sent as one string plus offsets and answers with compact codes
 * in a transferred Int32Array (no per-post message, no object per hit across threads).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { NarrativeDefinition } from './definition.js';
import { NarrativeMatcher } from './matcher.js';

export interface BatchRequest {
  id: number;
  /** All texts of the batch, concatenated. */
  text: string;
  /** Post i is text.slice(offsets[i], offsets[i + 1]). */
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
      const out: number[] = [];
      const { text, offsets } = req;
      for (let i = 0; i + 1 < offsets.length; i++)
        if (offsets[i + 1] > offsets[i]) matcher.encodeMatch(text.slice(offsets[i], offsets[i + 1]), i, out);
      const codes = Int32Array.from(out);
      port.postMessage({ id: req.id, codes } satisfies BatchReply, [codes.buffer]);
    } catch (e) {
      port.postMessage({ id: req.id, error: (e as Error).message } satisfies BatchReply);
    }
  });
}
