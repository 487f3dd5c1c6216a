/**
 * The normalised records every reader produces and every detector reads.
 *
 * One model for all platforms keeps detectors platform-blind: a co-repost on Bluesky and a
 * retweet on X are the same behavioural trace.
 */

/** What a post does relative to other posts. */
export type PostKind = 'original' | 'repost' | 'reply' | 'quote';

export const POST_KINDS: readonly PostKind[] = ['original', 'repost', 'reply', 'quote'];

export interface Post {
  /** Platform name, lower case: `x`, `telegram`, `bluesky`, `mastodon`, or what a generic mapping says. */
  platform: string;
  postId: string;
  accountId: string;
  /** Epoch milliseconds, UTC. */
  time: number;
  /** Verbatim text; never interpreted (may hold HTML or script written by an adversary). */
  text: string | null;
  /** ISO 639-1 code, or `und` when unknown or too short to tell. */
  lang: string;
  kind: PostKind;
  /** The post this one reposts, replies to or quotes. */
  refPostId: string | null;
  refAccountId: string | null;
  /** URLs as found (expanded where the platform gives the expansion). */
  urls: string[];
  /** Same order as `urls`, canonicalised (see `canonicalUrl`). */
  canonicalUrls: string[];
  /** Registrable domains (eTLD+1) of `canonicalUrls`, de-duplicated. */
  domains: string[];
  /** NFKC + case-folded, without the leading `#`. */
  hashtags: string[];
  /** Account handles or ids mentioned, lower case, without `@`. */
  mentions: string[];
  /** Media hashes or ids where the format has them (e.g. perceptual-hash ids). */
  media: string[];
  /** Client application name (`Twitter for Android`...), when known. */
  client: string | null;
}

export interface Account {
  platform: string;
  accountId: string;
  handle: string | null;
  displayName: string | null;
  /** Epoch ms. */
  createdAt: number | null;
  followers: number | null;
  following: number | null;
  postsCount: number | null;
  description: string | null;
  verified: boolean | null;
  defaultProfile: boolean | null;
  defaultAvatar: boolean | null;
  /** When this snapshot of the profile was observed (epoch ms): the time of the post that carried it. */
  observedAt: number | null;
}

/** Where a record sits in its file: 1-based line (when line-framed) and byte offset of its start. */
export interface Position {
  line?: number;
  offset: number;
}

/** What a reader yields for each input record. */
export interface ReadRecord {
  pos: Position;
  posts?: Post[];
  accounts?: Account[];
  /** Set when the record is rejected: the reason, in words a user can act on. */
  reject?: { reason: string; excerpt: string };
}

/** A blank account with only its identity set. */
export function bareAccount(platform: string, accountId: string): Account {
  return {
    platform,
    accountId,
    handle: null,
    displayName: null,
    createdAt: null,
    followers: null,
    following: null,
    postsCount: null,
    description: null,
    verified: null,
    defaultProfile: null,
    defaultAvatar: null,
    observedAt: null,
  };
}
