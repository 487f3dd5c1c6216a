/**
 * Worker side of {@link ParallelNearDup}: hashes a range of a batch's texts (normalise,
 * shingles, signature, band keys) into shared memory, and runs its share of a segment
 * close (`close.ts`: a range of the bucket walk, or of the verification). Between jobs a
 * worker keeps its hasher, the batch slots and the exact-copy keys it has hashed
 * ({@link SeenKeys}, an optimisation only: the index checks every copy), so jobs can go to
 * any worker; the union-find stays on the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { TextHasher, type HasherOptions } from './TextHasher.js';
import { hashRange, SeenKeys, type Slot, type WorkerJob, type WorkerReply } from './parallel.js';
import { verifyPairs, walkBuckets } from './close.js';
import { prepareNormaliser } from './normalise.js';

const hasher = new TextHasher(workerData as HasherOptions);
prepareNormaliser((workerData as HasherOptions).foldHomoglyphs);
const seen = new SeenKeys();
/** The batch slots' shared buffers, sent once per slot and again only when they grow. */
const slots: Slot[] = [];
parentPort!.on('message', (job: WorkerJob) => {
  let reply: WorkerReply;
  const transfer: ArrayBuffer[] = [];
  if (job.kind === 'walk') reply = { id: job.id, result: walkBuckets(job.job, job.from, job.to) };
  else if (job.kind === 'verify') {
    const r = verifyPairs(job.job, job.walks, job.offsets, job.from, job.to);
    transfer.push(r.pairs.buffer as ArrayBuffer, r.sims.buffer as ArrayBuffer);
    reply = { id: job.id, result: r };
  } else {
    if (job.buffers) slots[job.slot] = job.buffers;
    hashRange(hasher, job, slots[job.slot], seen);
    reply = { id: job.id };
  }
  parentPort!.postMessage(reply, transfer);
});
