/**
 * Worker side of {@link ParallelNearDup}: hashes a range of a batch's texts (normalise,
 * shingles, signature, band keys) into shared memory. Stateless between texts, so ranges
 * can go to any worker; the index itself stays on the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { TextHasher, type HasherOptions } from './TextHasher.js';
import { hashRange, type HashJob } from './parallel.js';

const hasher = new TextHasher(workerData as HasherOptions);
parentPort!.on('message', (job: HashJob) => {
  hashRange(hasher, job);
  parentPort!.postMessage(job.id);
});
