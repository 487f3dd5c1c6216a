/**
 * Store operations of the state-media registry and news look-alike analysis (reached through
 * `Store.registry()`): which linked hosts of the workspace are listed, and how accounts and
 * groups of accounts amplify them. Matching hosts against watch-lists happens outside the
 * store (src/registry/); the store keeps the matches and does the counting over `posts`.
 */

/** `registry`: state outlets and operations; `lookalike`: clones of protected news outlets. */
export type MatchList = 'registry' | 'lookalike';

/** A host found in the workspace's links (as written in `posts.canonical_urls`). */
export interface LinkedHost {
  host: string;
  links: number;
  posts: number;
  accounts: number;
}

/** One linked host matched to a watch-list row (or to the outlet a clone imitates). */
export interface HostMatch {
  host: string;
  list: MatchList;
  /** The listed key that matched (registry domain) or the imitated outlet's domain. */
  matched: string;
  outlet: string;
  actor: string;
  /** Registry kind (state-media, operation...) or the look-alike tier. */
  kind: string;
  sourceUrl: string;
}

export interface OutletCount {
  outlet: string;
  actor: string;
  kind: string;
  links: number;
}

export interface AmplificationQuery {
  list: MatchList;
  /** Only accounts (or groups) with at least this many links to listed hosts. Default 1. */
  minListedLinks?: number;
  /** A share counts as fast when it comes within this many seconds of the URL's first appearance. Default 3600. */
  fastSeconds?: number;
}

/**
 * How one account (or group of accounts) links to listed hosts. A link is one distinct URL
 * in one post. The first appearance of a URL is its earliest post in the workspace.
 */
export interface Amplification {
  /** Account key (`platform:account_id`) or the group's id. */
  key: string;
  links: number;
  listedLinks: number;
  /** listedLinks / links */
  share: number;
  /** Distinct listed URLs shared. */
  listedUrls: number;
  /** Listed URLs this account (a member of this group) posted first in the workspace. */
  firstShares: number;
  /** Median seconds between the URL's first appearance and this account's (group's) first post of it. */
  medianLagSeconds: number | null;
  /** Listed URLs shared within `fastSeconds` of their first appearance (first shares included). */
  fastShares: number;
  outlets: OutletCount[];
  /** Groups only: members with at least one listed link. */
  activeMembers?: number;
}

/** A post linking a listed host. */
export interface ListedPost {
  /** `platform:post_id` (the evidence key of table `posts`). */
  key: string;
  account: string;
  /** epoch ms */
  time: number;
  url: string;
  host: string;
  outlet: string;
  /** epoch ms of the URL's first appearance in the workspace */
  firstAppearance: number;
}

export interface HostSharers {
  host: string;
  posts: number;
  links: number;
  accountCount: number;
  /** Sharing accounts, earliest first, at most the cap asked for. */
  accounts: string[];
  /** epoch ms */
  first: number;
  firstAccount: string;
}

export interface RegistryStore {
  /** Distinct hosts of the workspace's links, most linked first. */
  linkedHosts(): Promise<LinkedHost[]>;
  /** Replace the stored matches of one list. Returns rows stored. */
  saveMatches(list: MatchList, matches: HostMatch[]): Promise<number>;
  listMatches(list: MatchList): Promise<HostMatch[]>;
  /** Links of the whole workspace, and how many go to listed hosts: the base rate. */
  baseline(list: MatchList): Promise<{ links: number; listedLinks: number; accounts: number }>;
  /** Per account, those with at least `minListedLinks` listed links, most listed links first. */
  accountAmplification(query: AmplificationQuery): Promise<Amplification[]>;
  /** Per group of accounts (keys `platform:account_id`), the same counts over its members. */
  groupAmplification(
    groups: { id: string; members: string[] }[],
    query: AmplificationQuery,
  ): Promise<Amplification[]>;
  /** Posts linking listed hosts, earliest first, filtered by accounts and/or hosts, at most `limit` per host. */
  listedPosts(query: {
    list: MatchList;
    accounts?: string[];
    hosts?: string[];
    limit: number;
  }): Promise<ListedPost[]>;
  /** For each matched host of a list: its sharers (at most `accountCap`, earliest first) and first appearance. */
  hostSharers(list: MatchList, accountCap: number): Promise<HostSharers[]>;
}
