/**
 * Loading a seeded synthetic election week (src/synth/) into any store through the Store
 * contract only: what the contract suite and the ClickHouse bench feed every backend.
 */
import type { Account, Post } from '../../model/post.js';
import { generateElectionWeek } from '../../synth/index.js';
import type { Store } from '../store.js';

export interface SynthLoad {
  posts: number;
  seed: number;
  swarms: number;
  batch?: number;
}

/** Ingest the week (same records, same batches for every store); returns the week's ground truth. */
export async function loadSynth(store: Store, o: SynthLoad) {
  const week = generateElectionWeek({ posts: o.posts, seed: o.seed, swarms: o.swarms });
  const src = await store.beginSource({
    path: 'synth',
    size: o.posts,
    sha256: `synth-${o.posts}-${o.seed}-${o.swarms}`,
    format: 'synth',
    compression: null,
  });
  let posts: Post[] = [];
  let accounts = new Map<string, Account>();
  let done = 0;
  const flush = async () => {
    await store.writeBatch({
      sourceId: src.sourceId,
      postRecordNos: posts.map((_, i) => done + i),
      posts,
      accounts: [...accounts.values()],
      rejects: [],
      recordsDone: done + posts.length,
    });
    done += posts.length;
    posts = [];
    accounts = new Map();
  };
  for (const r of week) {
    posts.push(r.post);
    // At most one snapshot per key and batch (the contract's rule); the latest one wins.
    for (const a of r.accounts) accounts.set(`${a.platform}:${a.accountId}`, a);
    if (posts.length >= (o.batch ?? 50_000)) await flush();
  }
  if (posts.length) await flush();
  await store.finishSource(src.sourceId, 'done');
  return week;
}
