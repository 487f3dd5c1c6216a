/**
 * Loading a seeded synthetic election week (src/synth/) into any store through the Store
 * contract only: what the contract suite and the ClickHouse bench feed every backend.
 */
import type { Account, Post } from '../../model/post.js';
import { generateElectionWeek } from '../../synth/index.js';
import type { SourceRow, Store } from '../store.js';

export interface SynthLoad {
  posts: number;
  seed: number;
  swarms: number;
  batch?: number;
}

/** Time one store spent in writeBatch/finishSource during a load (wall and this process's CPU). */
export interface LoadTiming {
  seconds: number;
  cpuSeconds: number;
}

/**
 * Ingest the week (same records, same batches for every store); returns the week's ground
 * truth. Several stores are fed from ONE generation of the week, batch by batch, one store
 * after the other (so each store's time is its own); `timings[i]` receives store i's.
 */
export async function loadSynth(stores: Store | Store[], o: SynthLoad, timings?: LoadTiming[]) {
  const all = Array.isArray(stores) ? stores : [stores];
  const week = generateElectionWeek({ posts: o.posts, seed: o.seed, swarms: o.swarms });
  const tm = all.map((_, i) => (timings ? (timings[i] ??= { seconds: 0, cpuSeconds: 0 }) : null));
  const timed = async <T>(i: number, f: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    const c = process.cpuUsage();
    try {
      return await f();
    } finally {
      const x = tm[i];
      if (x) {
        const u = process.cpuUsage(c);
        x.seconds += (performance.now() - t) / 1000;
        x.cpuSeconds += (u.user + u.system) / 1e6;
      }
    }
  };
  const srcs: SourceRow[] = [];
  for (const store of all)
    srcs.push(
      await store.beginSource({
        path: 'synth',
        size: o.posts,
        sha256: `synth-${o.posts}-${o.seed}-${o.swarms}`,
        format: 'synth',
        compression: null,
      }),
    );
  let posts: Post[] = [];
  let accounts = new Map<string, Account>();
  let done = 0;
  const flush = async () => {
    const batch = {
      postRecordNos: posts.map((_, i) => done + i),
      posts,
      accounts: [...accounts.values()],
      rejects: [],
      recordsDone: done + posts.length,
    };
    for (let i = 0; i < all.length; i++)
      await timed(i, () => all[i].writeBatch({ ...batch, sourceId: srcs[i].sourceId }));
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
  for (let i = 0; i < all.length; i++) await timed(i, () => all[i].finishSource(srcs[i].sourceId, 'done'));
  return week;
}
