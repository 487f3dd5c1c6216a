/**
 * Worker side of {@link ParallelNearDup}: hashes a range of a batch's texts (normalise,
 * shingles, signature, band keys) into shared memory. Stateless between texts, so ranges
 * can go to any worker; the index itself stays on the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { TextHasher, type HasherOptions } from './TextHasher.js';
import { hashRange, SeenKeys, type HashJob, type Slot } from './parallel.js';

const hasher = new TextHasher(workerData as HasherOptions);
const seen = new SeenKeys();
/** The batch slots' shared buffers, sent once per slot and again only when they grow. */
const slots: Slot[] = [];
parentPort!.on('message', (job: HashJob) => {
  if (job.buffers) slots[job.slot] = job.buffers;
  hashRange(hasher, job, slots[job.slot], seen);
  parentPort!.postMessage(job.id);
});
