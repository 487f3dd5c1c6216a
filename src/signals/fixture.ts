/**
 * Account fixtures with known features, for tests and the bench: each account's profile and
 * post times are chosen so that its expected feature values can be worked out by hand.
 */
import { bareAccount, type Account, type Post } from '../model/post.js';

export const T_REF = Date.UTC(2024, 5, 1, 0, 0, 0); // profile snapshots taken 2024-06-01
const DAY = 86_400_000;
const MIN = 60_000;

export function post(accountId: string, id: string, time: number, over: Partial<Post> = {}): Post {
  return {
    platform: 'x',
    postId: id,
    accountId,
    time,
    text: `post ${id}`,
    lang: 'fr',
    kind: 'original',
    refPostId: null,
    refAccountId: null,
    urls: [],
    canonicalUrls: [],
    domains: [],
    hashtags: [],
    mentions: [],
    media: [],
    client: null,
    ...over,
  };
}

export function account(accountId: string, over: Partial<Account> = {}): Account {
  return { ...bareAccount('x', accountId), observedAt: T_REF, ...over };
}

/** Gaps (seconds) of the human's posts: bursty, several time scales. */
export const HUMAN_GAPS = [60, 3600, 90, 86_400, 600, 45, 7200, 30, 172_800, 300];

export interface SignalFixture {
  accounts: Account[];
  posts: Post[];
}

/**
 * - `bot1`: 10 days old, egg avatar, default theme, handle with 8 digits, 60 reposts every 15 minutes
 *   from 01:00 UTC through one API client (20 of them between 00:00 and 06:00).
 * - `human1`: 3000 days old, custom profile, bursty originals in the day from two clients.
 * - `sleeper`: posted 200 days before the reference, then 3 posts 5 days before it.
 * - `nightowl`: posts at 23:30 UTC in June = 01:30 in Paris.
 * - `ghost`: only known as the author of reposted posts (no profile at all).
 */
export function signalFixture(): SignalFixture {
  const posts: Post[] = [];
  const t0 = Date.UTC(2024, 4, 20, 1, 0, 0);
  for (let i = 0; i < 60; i++)
    posts.push(
      post('bot1', `b${i}`, t0 + i * 15 * MIN, {
        kind: 'repost',
        refPostId: `g${i % 3}`,
        refAccountId: 'ghost',
        client: 'AutoPoster API',
      }),
    );
  let t = Date.UTC(2024, 4, 10, 9, 0, 0);
  posts.push(post('human1', 'h0', t, { client: 'Twitter for Android' }));
  HUMAN_GAPS.forEach((g, i) => {
    t += g * 1000;
    posts.push(
      post('human1', `h${i + 1}`, t, { client: i % 3 === 0 ? 'Twitter Web App' : 'Twitter for Android' }),
    );
  });
  const vote = Date.UTC(2024, 5, 9);
  posts.push(post('sleeper', 's0', vote - 200 * DAY));
  for (let i = 0; i < 3; i++) posts.push(post('sleeper', `s${i + 1}`, vote - 5 * DAY + i * 3600_000));
  for (let i = 0; i < 4; i++) posts.push(post('nightowl', `n${i}`, Date.UTC(2024, 5, 1 + i, 23, 30)));
  const accounts: Account[] = [
    account('bot1', {
      handle: 'marie83726154',
      displayName: 'Marie 2',
      createdAt: T_REF - 10 * DAY,
      followers: 3,
      following: 900,
      postsCount: 5000,
      description: null,
      verified: false,
      defaultProfile: true,
      defaultAvatar: true,
    }),
    account('human1', {
      handle: 'jdupont',
      displayName: 'Jean Dupont',
      createdAt: T_REF - 3000 * DAY,
      followers: 500,
      following: 300,
      postsCount: 8000,
      description: 'Prof de maths à Lyon. Vélo, échecs et randonnée. Avis personnels.',
      verified: false,
      defaultProfile: false,
      defaultAvatar: false,
    }),
    account('sleeper', {
      handle: 'vieuxcompte',
      createdAt: T_REF - 2000 * DAY,
      followers: 40,
      following: 50,
    }),
    account('nightowl', { handle: 'hibou', createdAt: T_REF - 400 * DAY }),
    bareAccount('x', 'ghost'),
  ];
  return { accounts, posts };
}
