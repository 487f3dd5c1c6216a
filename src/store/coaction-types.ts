/**
 * Domain types of the co-action store operations: "which pairs of accounts acted on the same
 * object within W", plus the sufficient statistics of the null model the coordination
 * detector tests them against (see src/detectors/coordination/README.md).
 *
 * Kept apart from `store.ts` so that the coordination seam reads as one unit; every backend
 * implements the same operations.
 */
/** Availability of one object layer in this workspace. */
import { VigieError } from '../util/errors.js';
export interface CoactionLayerInfo {
  /** Layer name, e.g. `co-repost`. */
  layer: string;
  /** What "the same object" means for this layer, in words. */
  object: string;
  /** False when the workspace lacks what the layer needs (e.g. near-duplicate groups). */
  available: boolean;
  /** Why the layer is unavailable, in words a user can act on. */
  reason?: string;
}

/** One co-action query on one object layer. */
export interface CoactionQuery {
  /** Layer name from `coactionLayers()`. */
  layer: string;
  /** Two actions on one object are a co-action when |t1 - t2| <= windowMs. */
  windowMs: number;
  /**
   * Objects with more than this many actions inside one window are left out of the layer,
   * both the observed pairs and the null model (memory stays bounded). Reported in `stats`.
   */
  maxAccountsPerObject: number;
  /** Return pairs with at least this many shared objects. All pairs are still counted. */
  minCount: number;
  /** Strata of the null model hold at least this many objects (popularity bins are cut along time). */
  minObjectsPerStratum: number;
  /**
   * Return only pairs whose conditional p-value can be at most this (default 1: all). The
   * engine drops pairs whose Poisson point probability alone exceeds it; all are still counted.
   */
  maxPValue?: number;
  /**
   * Dispersion of the null's expected count used by the `maxPValue` filter: 0 (default) for a
   * Poisson count, phi > 0 for a negative binomial whose rate has coefficient of variation phi.
   */
  dispersion?: number;
  /**
   * `configuration` (default): a degree-preserving bipartite null (which objects) times each
   * stratum's timing. `timing`: given the objects both accounts acted on, how often would their
   * actions fall within W if timed like actions on objects of the same popularity and moment?
   * See src/detectors/coordination/README.md.
   */
  nullModel?: 'timing' | 'configuration';
  /** Return only pairs among these account keys (explain-pair); statistics use the whole layer. */
  onlyAccounts?: string[];
  /**
   * The false discovery rate the caller will control: when set, pairs that cannot reach
   * p < 1 whatever their count (an account with a single object in the layer) leave the BH
   * family (`stats.pairsInFamily`; after Tarone 1990, Gilbert 2005) and are not returned.
   */
  discreteFdr?: number;
}

/** One account pair of one layer. Account keys are `${platform}:${account_id}`, `a < b`. */
export interface CoactionPair {
  a: string;
  b: string;
  /** Distinct objects both accounts acted on within the window. */
  count: number;
  /** Mean, over the shared objects, of the smallest |time delta| between the two accounts (ms). */
  meanDeltaMs: number;
  /** Epoch ms of the earliest and latest co-action (for timestamped exports). */
  firstMs: number;
  lastMs: number;
  /** Expected `count` under the null model (see `CoactionQuery.nullModel`). */
  expected: number;
  /** Objects both accounts acted on at any time (timing null only). */
  sharedObjects?: number;
}

/** One popularity bin of the null model (cut into time strata). */
export interface CoactionStratum {
  /** Smallest and largest number of distinct accounts per object in the bin. */
  minAccounts: number;
  maxAccounts: number;
  objects: number;
  /** Strata the bin was cut into along time. */
  timeStrata: number;
  /** Actions on the bin's objects. */
  incidences: number;
  /** Pairs of actions of different accounts within the window on one object, summed (bias-corrected). */
  windowPairs: number;
  /**
   * Smallest and largest stratum rate `2 * windowPairs / incidences^2` (per stratum): expected
   * co-actions per unit of n_i * n_j, the actions of the two accounts in the stratum.
   */
  rateMin: number;
  rateMax: number;
  /** Smallest and largest stratum share of action pairs (different accounts, same object) within W. */
  tauMin: number;
  tauMax: number;
}

export interface CoactionStats {
  layer: string;
  windowMs: number;
  /** Distinct (account, object, time) actions in the layer. */
  actions: number;
  accounts: number;
  objects: number;
  /** Account pairs with at least one co-action (the BH denominator is `pairsInFamily`). */
  pairsTested: number;
  /**
   * The pairs of the false-discovery family (`discreteFdr`): those whose p-value can be below 1;
   * equals `pairsTested` without it. The BH denominator.
   */
  pairsInFamily?: number;
  /** Pairs returned (count >= minCount). */
  pairsReturned: number;
  /** Objects not expanded into pairs because a window held more than `maxAccountsPerObject` actions. */
  cappedObjects: number;
  /** Actions on capped objects. */
  cappedActions: number;
  /** Largest number of actions on one object inside one window. */
  maxActionsInWindow: number;
  firstMs: number | null;
  lastMs: number | null;
  /** Share of action times that fall on a whole minute (1.0 suggests minute-resolution data). */
  wholeMinuteShare: number;
  strata: CoactionStratum[];
  seconds: number;
}

export interface CoactionResult {
  stats: CoactionStats;
  pairs: CoactionPair[];
}

/** One action behind a shared object (for evidence and explain-pair). */
export interface CoactionAction {
  account: string;
  /** `${platform}:${post_id}` of the acting post. */
  postKey: string;
  timeMs: number;
}

/** An object several given accounts acted on within the window, with their actions on it. */
export interface SharedObject {
  /** The object as stored: post key, canonical URL, hashtag, media id, near-dup group... */
  object: string;
  /** Distinct given accounts with an action inside a window shared with another given account. */
  accounts: number;
  /** Their actions on the object, by time (capped per object). */
  actions: CoactionAction[];
}

export interface SharedObjectsQuery {
  layer: string;
  windowMs: number;
  /** The accounts whose shared objects are wanted (a pair or a cluster). */
  accounts: string[];
  /** Most objects returned (those shared by most accounts first). */
  limitObjects: number;
  /** Most actions returned per object. */
  limitActionsPerObject: number;
}

/**
 * Growing clusters: accounts outside a group that kept acting on the group's own co-action
 * objects, within the window of a member. See src/detectors/coordination/README.md.
 */
export interface GroupGrowthQuery {
  layer: string;
  windowMs: number;
  maxAccountsPerObject: number;
  minObjectsPerStratum: number;
  /** Groups of account keys (clusters found from significant pairs). */
  groups: string[][];
  /** Return candidates with at least this count (all with count >= 1 are counted in `tested`). */
  minCount: number;
}

export interface GroupCandidate {
  /** Index of the group in the query. */
  group: number;
  account: string;
  /** The group's co-action objects on which the account acted within the window of a member. */
  count: number;
  /** Expected number of those objects the account would act on at all, by chance: sum_s n_is * (actions on the group's objects in s) / M_s. */
  expected: number;
}

export interface GroupGrowthResult {
  layer: string;
  candidates: GroupCandidate[];
  /** (group, account) candidates with count >= 1: the Benjamini-Hochberg denominator. */
  tested: number;
  /** Number of co-action objects of each group (objects two members acted on within W). */
  groupObjects: number[];
  seconds: number;
}

/**
 * Optional fast path for one detector run: the same `coactionPairs` and `groupCandidates`, with
 * numbers identical to the store's own, but the backend may keep what one call computed for
 * the next (a layer's actions for its second window, a window's null model for its group
 * test). The workspace must not change while a session is open; `close()` frees what was kept.
 */
export interface CoactionSession {
  coactionPairs(query: CoactionQuery): Promise<CoactionResult>;
  groupCandidates(query: GroupGrowthQuery): Promise<GroupGrowthResult>;
  /** `sharedObjects` of several groups in one pass: element i is what group i's own call gives. */
  sharedObjectsOfGroups(query: SharedObjectsGroupsQuery): Promise<SharedObject[][]>;
  close(): Promise<void>;
}

/** `SharedObjectsQuery` for several groups of accounts (clusters) at once. */
export interface SharedObjectsGroupsQuery extends Omit<SharedObjectsQuery, 'accounts'> {
  groups: string[][];
}

/** Splits an account key `platform:account_id` at the first colon (no colon: no platform). */
export function splitAccountKey(k: string): [string, string] {
  const i = k.indexOf(':');
  return i < 0 ? ['', k] : [k.slice(0, i), k.slice(i + 1)];
}

/** A numeric query parameter checked the same way by every backend, rounded to an integer. */
export function queryInt(name: string, v: number, min: number): number {
  if (!Number.isFinite(v) || v < min)
    throw new VigieError('ERR_USAGE', `${name} must be a number >= ${min} (got ${v})`);
  return Math.round(v);
}
