/**
 * The store operations of the narratives channel (reached through `Store.narratives()`):
 * narrative definitions as loaded, the posts each one matched, and the aggregates a
 * narrative report needs (volume over time, earliest posts, languages, platforms, domains,
 * accounts), plus near-duplicate groups summarised for narrative discovery.
 */

/** A definition as stored when matched (the YAML's validated content, as JSON). */
export interface StoredNarrative {
  id: string;
  name: string;
  description: string;
  languages: string[];
  /** The validated definition (src/narratives/definition.ts NarrativeDefinition). */
  definition: Record<string, unknown>;
  sourceFile: string;
  sourceSha256: string;
  /** Epoch ms. */
  loadedAt: number;
}

/** One post a narrative matched, with the terms (as written in the definition) that hit. */
export interface NarrativeMatchRow {
  narrativeId: string;
  platform: string;
  postId: string;
  terms: string[];
}

export interface NarrativeSummary {
  id: string;
  name: string;
  description: string;
  languages: string[];
  sourceFile: string;
  posts: number;
  accounts: number;
  /** Epoch ms, null when nothing matched. */
  firstPost: number | null;
  lastPost: number | null;
}

export interface NarrativePost {
  platform: string;
  postId: string;
  accountId: string;
  /** Epoch ms. */
  time: number;
  lang: string;
  kind: string;
  text: string | null;
  urls: string[];
  domains: string[];
  refPostId: string | null;
  terms: string[];
}

export interface SeriesPoint {
  /** Bucket start, epoch ms UTC. */
  start: number;
  posts: number;
  accounts: number;
}

export interface BreakdownRow {
  key: string;
  posts: number;
  accounts: number;
  /** Epoch ms of the first matched post with this key. */
  first: number;
}

export interface NarrativeBreakdown {
  languages: BreakdownRow[];
  platforms: BreakdownRow[];
  kinds: BreakdownRow[];
  /** Registrable domains linked by matched posts. */
  domains: BreakdownRow[];
}

/** Matched accounts (`platform:account_id`) with their matched posts and first one. */
export interface NarrativeAccount {
  account: string;
  posts: number;
  first: number;
}

/** A near-duplicate group (src/detectors/near-dup) summarised for discovery. */
export interface NearDupGroupSummary {
  groupId: number;
  posts: number;
  accounts: number;
  first: number;
  last: number;
  languages: { lang: string; posts: number }[];
  platforms: { platform: string; posts: number }[];
  /** Up to `textsPerGroup` texts, earliest first. */
  texts: string[];
  /** Post keys (`platform:post_id`) of the earliest posts, aligned with `texts`. */
  postKeys: string[];
}

export interface NearDupGroupQuery {
  /** Groups with fewer posts are left out. */
  minPosts: number;
  /** Groups with fewer distinct accounts are left out. */
  minAccounts: number;
  /** Largest groups first, at most this many. */
  limit: number;
  textsPerGroup: number;
}

export interface NarrativeStore {
  /** Store definitions (replacing those with the same id). */
  saveNarratives(narratives: StoredNarrative[]): Promise<void>;
  /** Every stored definition, by id. */
  storedNarratives(): Promise<StoredNarrative[]>;
  /** Replace the matches of the given narratives by `rows`. Returns the rows stored. */
  replaceMatches(narrativeIds: string[], rows: NarrativeMatchRow[]): Promise<number>;
  /** Stored narratives with their match counts, most matched first. */
  summaries(): Promise<NarrativeSummary[]>;
  /** Matched posts and accounts per hour or day (UTC buckets, empty buckets left out). */
  series(id: string, bucket: 'hour' | 'day'): Promise<SeriesPoint[]>;
  /** Earliest matched posts (reposts left out unless `withReposts`), oldest first. */
  earliestPosts(id: string, limit: number, withReposts?: boolean): Promise<NarrativePost[]>;
  /** Matched posts by key (`platform:post_id`). */
  postsByKey(id: string, keys: string[]): Promise<NarrativePost[]>;
  breakdown(id: string): Promise<NarrativeBreakdown>;
  accounts(id: string): Promise<NarrativeAccount[]>;
  /** Matched posts that belong to a near-duplicate group, and the distinct groups. */
  nearDupOverlap(id: string): Promise<{ posts: number; groups: number; accounts: number }>;
  /** Near-duplicate groups with their earliest texts, for discovery. */
  nearDupGroups(query: NearDupGroupQuery): Promise<NearDupGroupSummary[]>;
  /** A deterministic sample of up to `limit` post texts (reposts excluded): the background for term weights. */
  sampleTexts(limit: number): Promise<string[]>;
}
