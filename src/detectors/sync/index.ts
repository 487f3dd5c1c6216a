/**
 * Synchronised activity: account pairs whose posting time series are improbably aligned
 * over many time bins, whatever they post.
 *
 * Each account's activity is binary over fixed bins (default one minute). The number of bins
 * where two accounts are both active is compared with a null model that keeps each
 * account's activity in every block of time (default one hour) and, inside a block, the
 * global activity profile: account a is active in bin t of block h with probability
 * n_ah * w_t, where n_ah is a's active bins in h and w_t is bin t's share of h's activity.
 * The expected co-activity is sum_h n_ah * n_bh * sum_{t in h} w_t^2. Keeping activity per
 * block is what makes a debate's fans (active together for an hour, each at the minutes
 * the whole audience is) unremarkable, and accounts posting in the same minute, hour after
 * hour, remarkable. The count is Poisson-binomial under that null; its Poisson tail
 * (conservative: the Poisson has the larger variance) gives the p-value, conditioned on the
 * pair being seen at all, as in the coordination detector's object layers.
 *
 * Pairs come from shared bins, never from all account pairs: for each account in turn, a
 * dense counter over the accounts of its bins (work = sum over bins of c_t^2 / 2). Bins with
 * more than `maxAccountsPerBin` active accounts are popular moments: skipped in the counts
 * and in the null alike, and reported; if the work would still exceed `maxPairWork`, the cap
 * is halved until it does not (also reported).
 *
 * @see Pacheco et al. (2021), Uncovering coordinated networks on social media, ICWSM 15
 *   (synchronised behaviour as one of the traces).
 * @see README.md in this folder for parameters, the null model and its caveats.
 */
import type { PostKind } from '../../model/post.js';
import type { ActivityBins } from '../../store/activity-types.js';
import type { Store } from '../../store/store.js';
import { VigieError } from '../../util/errors.js';
import { lnFactorial, logConditionalPValue } from '../coordination/stats.js';
import type { EdgeProvider, EdgeProviderResult, LayerEdge } from '../coordination/types.js';

export const LAYER = 'sync';
const LOG_QUARTER = Math.log(0.25);

export interface SyncOptions {
  /** Bin width in seconds. */
  binSeconds: number;
  /** Null-model block in seconds: each account's activity per block is kept (a multiple of binSeconds). */
  blockSeconds: number;
  /** Accounts active in fewer bins (after popular bins are skipped) are not tested. */
  minActiveBins: number;
  /** Pairs co-active in fewer bins are counted as tested but never returned: "many bins". */
  minCoActiveBins: number;
  /** Bins with more active accounts than this are popular moments, skipped and reported. */
  maxAccountsPerBin: number;
  /** Budget of pair-counter increments (sum over bins of c_t^2 / 2); the bin cap is lowered to fit. */
  maxPairWork: number;
  /**
   * Edges with a larger p-value are not returned (they can never pass a false-discovery
   * control at a level below it); `tested` still counts them.
   */
  maxPValue: number;
  /** Post kinds that count as activity (default: all). */
  kinds?: PostKind[];
}

export const SYNC_DEFAULTS: Readonly<SyncOptions> = Object.freeze({
  binSeconds: 60,
  blockSeconds: 3600,
  minActiveBins: 10,
  minCoActiveBins: 3,
  maxAccountsPerBin: 500,
  maxPairWork: 2e9,
  maxPValue: 0.05,
});

export interface SyncStats {
  /** Accounts with posts / active in at least `minActiveBins` bins / tested after the bin cap. */
  accountsSeen: number;
  accountsActive: number;
  accountsTested: number;
  /** Occupied bins, and those skipped as popular moments with their activations. */
  bins: number;
  skippedBins: number;
  skippedActivations: number;
  /** The bin cap finally applied (lower than asked when the work budget required it). */
  maxAccountsPerBin: number;
  /** Pair-counter increments done. */
  pairWork: number;
  /** Pairs with at least one co-active bin: the Benjamini-Hochberg denominator. */
  pairsTested: number;
  /** Pairs with at least `minCoActiveBins` co-active bins, whose p-value was computed. */
  pairsScored: number;
  edgesReturned: number;
  /** Occupied blocks of the null model. */
  blocks: number;
}

export interface SyncResult extends EdgeProviderResult {
  edges: LayerEdge[];
  tested: number;
  stats: SyncStats;
  messages: string[];
}

function check(o: SyncOptions): void {
  const bad = (m: string) => new VigieError('ERR_USAGE', `sync: ${m}`);
  if (!(o.binSeconds > 0) || !Number.isFinite(o.binSeconds))
    throw bad('binSeconds must be a positive number');
  if (!(o.blockSeconds >= o.binSeconds) || !Number.isFinite(o.blockSeconds))
    throw bad('blockSeconds must be a number >= binSeconds');
  for (const k of ['minActiveBins', 'minCoActiveBins', 'maxAccountsPerBin'] as const)
    if (!Number.isInteger(o[k]) || o[k] < 1) throw bad(`${k} must be a positive integer`);
  if (o.maxAccountsPerBin < 2) throw bad('maxAccountsPerBin must be at least 2');
  if (!(o.maxPairWork >= 1)) throw bad('maxPairWork must be at least 1');
  if (!(o.maxPValue > 0 && o.maxPValue <= 1)) throw bad('maxPValue must be in (0, 1]');
}

/**
 * Test every pair of accounts sharing an active bin, from activity bins already read.
 *
 * @example
 * const r = syncEdgesFromBins(await store.activityBins({ binSeconds: 60, minActiveBins: 10 }));
 * r.edges // LayerEdge[] with layer 'sync', count = co-active bins, pValue
 */
export function syncEdgesFromBins(data: ActivityBins, options: Partial<SyncOptions> = {}): SyncResult {
  const o: SyncOptions = { ...SYNC_DEFAULTS, ...options };
  check(o);
  const A = data.accounts.length;
  const B = data.binStartMs.length;
  const { offsets, bins } = data;
  const messages: string[] = [];
  const stats: SyncStats = {
    accountsSeen: data.accountsSeen, accountsActive: A, accountsTested: 0, bins: B, skippedBins: 0,
    skippedActivations: 0, maxAccountsPerBin: o.maxAccountsPerBin, pairWork: 0, pairsTested: 0, pairsScored: 0, edgesReturned: 0,
    blocks: 0,
  }; // prettier-ignore
  const done = (): SyncResult => {
    stats.edgesReturned = edges.length;
    return { edges, tested: stats.pairsTested, stats, messages };
  };
  const edges: LayerEdge[] = [];
  if (A < 2) {
    messages.push(
      A === 0
        ? `sync: no account is active in ${o.minActiveBins} or more ${o.binSeconds}-second bins: nothing to test`
        : `sync: only one account is active in ${o.minActiveBins} or more ${o.binSeconds}-second bins: nothing to pair`,
    );
    return done();
  }

  // Accounts per bin, then the cap: popular bins out, halved until the work fits the budget.
  const perBin = new Int32Array(B);
  for (let i = 0; i < bins.length; i++) perBin[bins[i]]++;
  let cap = o.maxAccountsPerBin;
  const workAt = (c: number) => {
    let w = 0;
    for (let t = 0; t < B; t++) if (perBin[t] <= c) w += (perBin[t] * (perBin[t] - 1)) / 2;
    return w;
  };
  let work = workAt(cap);
  while (work > o.maxPairWork && cap > 2) {
    cap = Math.max(2, Math.floor(cap / 2));
    work = workAt(cap);
  }
  if (cap < o.maxAccountsPerBin)
    messages.push(
      `sync: the bin cap was lowered from ${o.maxAccountsPerBin} to ${cap} accounts to keep pair counting under ${o.maxPairWork} steps`,
    );
  stats.maxAccountsPerBin = cap;
  const kept = new Uint8Array(B);
  const skipped: number[] = [];
  for (let t = 0; t < B; t++) {
    if (perBin[t] <= cap) kept[t] = 1;
    else {
      skipped.push(t);
      stats.skippedActivations += perBin[t];
    }
  }
  stats.skippedBins = skipped.length;

  // Activity on kept bins; accounts left with too little are not tested.
  const n = new Int32Array(A);
  for (let a = 0; a < A; a++) for (let i = offsets[a]; i < offsets[a + 1]; i++) n[a] += kept[bins[i]];
  const tested = new Uint8Array(A);
  const c = new Int32Array(B); // tested accounts per kept bin
  for (let a = 0; a < A; a++) {
    if (n[a] < o.minActiveBins) continue;
    tested[a] = 1;
    stats.accountsTested++;
    for (let i = offsets[a]; i < offsets[a + 1]; i++) if (kept[bins[i]]) c[bins[i]]++;
  }
  if (skipped.length) {
    const top = skipped
      .sort((x, y) => perBin[y] - perBin[x] || x - y)
      .slice(0, 3)
      .map((t) => `${new Date(data.binStartMs[t]).toISOString()} (${perBin[t]} accounts)`);
    messages.push(
      `sync: ${skipped.length} popular ${o.binSeconds}-second bins with more than ${cap} active accounts were skipped, in the counts and the null model alike (${stats.skippedActivations} activations; busiest: ${top.join(', ')})`,
    );
  }
  if (stats.accountsTested < 2) {
    messages.push(
      `sync: fewer than two accounts keep ${o.minActiveBins} active bins outside popular moments: nothing to pair`,
    );
    return done();
  }
  // Blocks of the null model: bins are in time order, so block ids are too.
  const blockMs = o.blockSeconds * 1000;
  const blockOf = new Int32Array(B);
  let nBlocks = 0;
  for (let t = 0, last = NaN; t < B; t++) {
    const h = Math.floor(data.binStartMs[t] / blockMs);
    if (h !== last) {
      nBlocks++;
      last = h;
    }
    blockOf[t] = nBlocks - 1;
  }
  stats.blocks = nBlocks;
  // conc[h] = sum over kept bins t of block h of (c_t / C_h)^2.
  const blockTotal = new Float64Array(nBlocks);
  for (let t = 0; t < B; t++) blockTotal[blockOf[t]] += c[t];
  const conc = new Float64Array(nBlocks);
  for (let t = 0; t < B; t++) if (c[t] > 0) conc[blockOf[t]] += (c[t] / blockTotal[blockOf[t]]) ** 2;
  // Each tested account's active bins per block, as runs (its bins ascend, so its blocks do).
  const runStart = new Int32Array(A + 1);
  const runBlock: number[] = [];
  const runCount: number[] = [];
  for (let a = 0; a < A; a++) {
    if (tested[a]) {
      let last = -1;
      for (let i = offsets[a]; i < offsets[a + 1]; i++) {
        if (!kept[bins[i]]) continue;
        const h = blockOf[bins[i]];
        if (h !== last) {
          runBlock.push(h);
          runCount.push(0);
          last = h;
        }
        runCount[runCount.length - 1]++;
      }
    }
    runStart[a + 1] = runBlock.length;
  }
  const weight = new Float64Array(nBlocks); // n_ah * conc[h] of the current account a

  // Bin -> tested accounts, ascending (filled in account order).
  const start = new Int32Array(B + 1);
  for (let t = 0; t < B; t++) start[t + 1] = start[t] + c[t];
  const members = new Int32Array(start[B]);
  const fill = start.slice(0, B);
  for (let a = 0; a < A; a++) {
    if (!tested[a]) continue;
    for (let i = offsets[a]; i < offsets[a + 1]; i++) {
      const t = bins[i];
      if (kept[t]) members[fill[t]++] = a;
    }
  }

  // For each account, count co-active bins with every later account through its bins.
  // `cursor[t]` is the account's own position in bin t's list (accounts come in order).
  const cursor = start.slice(0, B);
  const count = new Int32Array(A);
  const touched = new Int32Array(A);
  // First and last co-active bin of each touched account (a's bins come in ascending order).
  const firstCo = new Int32Array(A);
  const lastCo = new Int32Array(A);
  const logMax = Math.log(o.maxPValue);
  let work2 = 0;
  for (let a = 0; a < A; a++) {
    if (!tested[a]) continue;
    let nt = 0;
    for (let i = offsets[a]; i < offsets[a + 1]; i++) {
      const t = bins[i];
      if (!kept[t]) continue;
      const end = start[t + 1];
      const from = ++cursor[t];
      work2 += end - from;
      for (let j = from; j < end; j++) {
        const b = members[j];
        if (count[b]++ === 0) {
          touched[nt++] = b;
          firstCo[b] = t;
        }
        lastCo[b] = t;
      }
    }
    stats.pairsTested += nt;
    for (let r = runStart[a]; r < runStart[a + 1]; r++) weight[runBlock[r]] = runCount[r] * conc[runBlock[r]];
    for (let x = 0; x < nt; x++) {
      const b = touched[x];
      const k = count[b];
      count[b] = 0;
      if (k < o.minCoActiveBins) continue;
      stats.pairsScored++;
      // sum_h n_ah n_bh conc_h over the blocks of b (a's weights are dense), or over the
      // blocks of a with a binary search in b's, whichever is shorter.
      let expected = 0;
      const hb = runStart[b + 1] - runStart[b];
      const ha = runStart[a + 1] - runStart[a];
      if (hb <= ha * (1 + Math.log2(hb + 1))) {
        for (let r = runStart[b]; r < runStart[b + 1]; r++) expected += weight[runBlock[r]] * runCount[r];
      } else {
        for (let r = runStart[a]; r < runStart[a + 1]; r++) {
          const h = runBlock[r];
          let lo = runStart[b];
          let hi = runStart[b + 1] - 1;
          while (lo < hi) {
            const mid = (lo + hi) >> 1;
            if (runBlock[mid] < h) lo = mid + 1;
            else hi = mid;
          }
          if (runBlock[lo] === h) expected += weight[h] * runCount[lo];
        }
      }
      // P(X >= k) >= 0.26 when k <= mu + 1: not worth a tail when such p-values are not kept.
      if (k <= expected + 1 && logMax < LOG_QUARTER) continue;
      const logP = logSelectedTail(k, expected);
      if (logP > logMax) continue;
      const [ka, kb] =
        data.accounts[a] < data.accounts[b]
          ? [data.accounts[a], data.accounts[b]]
          : [data.accounts[b], data.accounts[a]];
      edges.push({
        layer: LAYER,
        a: ka,
        b: kb,
        count: k,
        pValue: Math.exp(logP),
        logPValue: logP,
        expected,
        windowSeconds: o.binSeconds,
        firstMs: data.binStartMs[firstCo[b]],
        lastMs: data.binStartMs[lastCo[b]] + o.binSeconds * 1000,
      });
    }
    for (let r = runStart[a]; r < runStart[a + 1]; r++) weight[runBlock[r]] = 0;
  }
  stats.pairWork = work2;
  for (const e of edges) e.pairsTested = stats.pairsTested;
  edges.sort((x, y) => (x.a < y.a ? -1 : x.a > y.a ? 1 : x.b < y.b ? -1 : x.b > y.b ? 1 : 0));
  messages.push(
    `sync: ${stats.accountsTested} accounts with ${o.minActiveBins}+ active ${o.binSeconds}-second bins, ${stats.pairsTested} pairs sharing a bin tested, ${edges.length} with p <= ${o.maxPValue} returned`,
  );
  return done();
}

/**
 * ln P(X >= k | X >= 1) for X ~ Poisson(mu): the same value as the coordination detector's
 * `logConditionalPValue`, summed in linear space relative to P(X = k) when k > mu + 1 (the
 * case of nearly every tested pair), which avoids an exp and a log per term.
 */
export function logSelectedTail(k: number, mu: number): number {
  if (k <= 1) return 0;
  if (!(mu > 0)) return -Infinity;
  if (k <= mu + 1) return logConditionalPValue(k, mu);
  let term = 1;
  let sum = 1;
  for (let j = k + 1; term > 1e-17 * sum; j++) {
    term *= mu / j;
    sum += term;
  }
  const logTail = -mu + k * Math.log(mu) - lnFactorial(k) + Math.log(sum);
  const logSelected = mu > 1e-8 ? Math.log(-Math.expm1(-mu)) : Math.log(mu) - mu / 2;
  return Math.min(0, logTail - logSelected);
}

/**
 * Read the workspace's activity bins and test them.
 *
 * @example const { edges, tested } = await syncEdges(store, { binSeconds: 300 });
 */
export async function syncEdges(store: Store, options: Partial<SyncOptions> = {}): Promise<SyncResult> {
  const o: SyncOptions = { ...SYNC_DEFAULTS, ...options };
  check(o);
  const data = await store.activityBins({
    binSeconds: o.binSeconds,
    minActiveBins: o.minActiveBins,
    kinds: o.kinds,
  });
  return syncEdgesFromBins(data, o);
}

/** The `sync` layer as an edge provider of the coordination detector (src/detectors/coordination/providers.ts). */
export const syncProvider: EdgeProvider = {
  layer: LAYER,
  description: `synchronised activity: accounts co-active in improbably many ${SYNC_DEFAULTS.binSeconds}-second bins`,
  async edges(ctx) {
    const r = await syncEdges(ctx.store);
    return { edges: r.edges, tested: r.tested, messages: r.messages };
  },
};
