/**
 * Account features: what each one measures, and how the profile ("Botometer-lite") family is
 * computed from an account row. Behaviour aggregates come from the store (SQL); this module
 * turns both into one numeric vector per account, with NaN for unknown, never a guess.
 *
 * Feature values are stored raw (days, counts, shares) so that people can read them; the
 * model applies each feature's `transform` before standardising (see model.ts).
 */
import type { AccountBehaviourRow } from '../store/signals.js';

export type Transform = 'identity' | 'log10p' | 'log2p';

export interface FeatureSpec {
  name: string;
  family: 'profile' | 'behaviour' | 'coordination';
  transform: Transform;
  /** What the raw value is, in words (for `vigie accounts show` and docs/signals.md). */
  description: string;
}

/** Every feature, in vector order. Changing the order invalidates saved models (they carry names, checked on load). */
export const FEATURES: readonly FeatureSpec[] = [
  { name: 'age_days', family: 'profile', transform: 'log10p', description: 'account age in days at the profile snapshot (or last post, or --as-of)' },
  { name: 'followers', family: 'profile', transform: 'log10p', description: 'followers count' },
  { name: 'following', family: 'profile', transform: 'log10p', description: 'accounts followed (friends) count' },
  { name: 'statuses', family: 'profile', transform: 'log10p', description: 'posts count the platform reports' },
  { name: 'statuses_per_day', family: 'profile', transform: 'log10p', description: 'reported posts per day of age' },
  { name: 'followers_per_day', family: 'profile', transform: 'log10p', description: 'followers gained per day of age' },
  { name: 'following_per_day', family: 'profile', transform: 'log10p', description: 'accounts followed per day of age' },
  { name: 'follower_friend_ratio', family: 'profile', transform: 'identity', description: 'log10((1 + followers) / (1 + following))' },
  { name: 'name_length', family: 'profile', transform: 'identity', description: 'display name length (characters)' },
  { name: 'name_digits', family: 'profile', transform: 'identity', description: 'digits in the display name' },
  { name: 'handle_length', family: 'profile', transform: 'identity', description: 'handle length (characters)' },
  { name: 'handle_digits', family: 'profile', transform: 'identity', description: 'digits in the handle' },
  { name: 'handle_entropy', family: 'profile', transform: 'identity', description: 'Shannon entropy of the handle characters (bits per character)' },
  { name: 'description_length', family: 'profile', transform: 'identity', description: 'profile description length (characters)' },
  { name: 'default_profile', family: 'profile', transform: 'identity', description: '1 if the profile theme was never changed' },
  { name: 'default_avatar', family: 'profile', transform: 'identity', description: '1 if the avatar is the platform default' },
  { name: 'verified', family: 'profile', transform: 'identity', description: '1 if the platform marks the account verified' },
  { name: 'posts_observed', family: 'behaviour', transform: 'log10p', description: 'posts of the account in the workspace' },
  { name: 'posts_per_day', family: 'behaviour', transform: 'log10p', description: 'workspace posts per day between first and last (at least one day)' },
  { name: 'repost_share', family: 'behaviour', transform: 'identity', description: 'share of posts that are reposts' },
  { name: 'night_share', family: 'behaviour', transform: 'identity', description: "share of posts in the night window, in the account's zone (UTC when unknown: flag night-utc)" },
  { name: 'gap_cv', family: 'behaviour', transform: 'identity', description: 'coefficient of variation of the gaps between posts (1 for a Poisson process; low = clockwork)' },
  { name: 'gap_entropy', family: 'behaviour', transform: 'identity', description: 'entropy (bits) of the gaps binned by powers of two seconds (low = regular)' },
  { name: 'longest_gap_days', family: 'behaviour', transform: 'log10p', description: 'longest silence between two posts (days)' },
  { name: 'client_count', family: 'behaviour', transform: 'identity', description: 'distinct client applications named on the posts' },
  { name: 'client_entropy', family: 'behaviour', transform: 'identity', description: 'entropy (bits) of client application use' },
  { name: 'reactivated', family: 'behaviour', transform: 'identity', description: '1 if a post ending a dormancy fell in the window before the reference date' },
  { name: 'creation_burst', family: 'coordination', transform: 'log2p', description: 'members of the same coordination cluster created within the burst window of this account' },
]; // prettier-ignore

export const FEATURE_NAMES: readonly string[] = FEATURES.map((f) => f.name);
export const FEATURE_INDEX: ReadonlyMap<string, number> = new Map(FEATURE_NAMES.map((n, i) => [n, i]));
export const D = FEATURES.length;

const DAY = 86_400_000;

/** Characters (code points), so that an emoji counts as one, as platforms count them. */
export function charLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Decimal digits of any script (Arabic-Indic digits are digits too). */
export function digitCount(s: string): number {
  return s.match(/\p{Nd}/gu)?.length ?? 0;
}

/** Shannon entropy of the characters of `s`, case-folded, in bits per character. */
export function charEntropy(s: string): number {
  const chars = [...s.toLowerCase()];
  if (chars.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const c of chars) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const c of counts.values()) {
    const p = c / chars.length;
    h -= p * Math.log2(p);
  }
  return h;
}

function b(v: boolean | null): number {
  return v === null ? NaN : v ? 1 : 0;
}
function n(v: number | null): number {
  return v === null || !Number.isFinite(v) ? NaN : v;
}

export interface VectorOptions {
  /** Reference time for the account age when the row has neither a snapshot nor a last post. */
  asOf: number | null;
}

/**
 * The feature vector of one account into `out` (length D, NaN for unknown), and notes on
 * how it was obtained. `creation_burst` is left NaN: it needs the clusters (see extract.ts).
 */
export function accountVector(row: AccountBehaviourRow, o: VectorOptions, out: Float64Array): string[] {
  const flags: string[] = [];
  out.fill(NaN);
  const set = (name: string, v: number) => (out[FEATURE_INDEX.get(name)!] = v);
  const ref = row.snapshotAt ?? row.lastSeen ?? o.asOf;
  if (row.snapshotAt === null && row.lastSeen === null && o.asOf !== null) flags.push('age-as-of');
  let age = NaN;
  if (row.createdAt !== null && ref !== null) {
    age = (ref - row.createdAt) / DAY;
    if (age < 0) {
      flags.push('created-after-reference');
      age = NaN;
    }
  }
  set('age_days', age);
  set('followers', n(row.followers));
  set('following', n(row.following));
  set('statuses', n(row.postsCount));
  // Rates per day of age: an account a few hours old would otherwise have an absurd rate.
  const ageForRate = Number.isNaN(age) ? NaN : Math.max(age, 1);
  set('statuses_per_day', n(row.postsCount) / ageForRate);
  set('followers_per_day', n(row.followers) / ageForRate);
  set('following_per_day', n(row.following) / ageForRate);
  set('follower_friend_ratio', Math.log10((1 + n(row.followers)) / (1 + n(row.following))));
  if (row.displayName !== null) {
    set('name_length', charLength(row.displayName));
    set('name_digits', digitCount(row.displayName));
  }
  if (row.handle !== null) {
    set('handle_length', charLength(row.handle));
    set('handle_digits', digitCount(row.handle));
    set('handle_entropy', charEntropy(row.handle));
  }
  // Readers store an empty bio as NULL, so an empty bio and an unknown one look alike: both
  // stay unknown (contribution 0) rather than be guessed as empty.
  if (row.description !== null) set('description_length', charLength(row.description));
  set('default_profile', b(row.defaultProfile));
  set('default_avatar', b(row.defaultAvatar));
  set('verified', b(row.verified));

  if (row.posts > 0) {
    set('posts_observed', row.posts);
    const span = row.firstPost !== null && row.lastPost !== null ? (row.lastPost - row.firstPost) / DAY : 0;
    set('posts_per_day', row.posts / Math.max(1, span));
    set('repost_share', row.reposts / row.posts);
    set('night_share', row.nightPosts / row.posts);
    if (row.nightTz === null) flags.push('night-utc');
    if (row.gapMean !== null && row.gapStd !== null && row.gapMean > 0)
      set('gap_cv', row.gapStd / row.gapMean);
    if (row.gapEntropy !== null) set('gap_entropy', row.gapEntropy);
    if (row.longestGapSeconds !== null) set('longest_gap_days', row.longestGapSeconds / 86_400);
    if (row.clientEntropy !== null) {
      set('client_count', row.clients);
      set('client_entropy', row.clientEntropy);
    }
    set('reactivated', b(row.reactivated));
  }
  return flags;
}

/** A vector as a name -> value record, null for unknown (what is stored and shown). */
export function vectorRecord(v: Float64Array, offset = 0): Record<string, number | null> {
  const r: Record<string, number | null> = {};
  for (let j = 0; j < D; j++) {
    const x = v[offset + j];
    r[FEATURE_NAMES[j]] = Number.isNaN(x) ? null : x;
  }
  return r;
}
