/**
 * A small seeded world for the registry tests (and a starting point for the demo): organic
 * accounts linking real newspapers, two journalists who link RT once, a heavy RT sharer, an
 * outlet account that posts RT pieces first, and a six-account cluster that picks those up
 * within minutes and pushes a Portal Kombat page and a lemonde.ltd clone it posts first.
 */
import type { Account, Post } from '../model/post.js';
import { bareAccount } from '../model/post.js';
import { normaliseUrls } from '../ingest/normalize.js';
import { mulberry32 } from '../util/rng.js';

export const FIXTURE_T0 = Date.UTC(2026, 10, 1);
const MIN = 60_000;
const DAY = 86_400_000;

export interface RegistryFixture {
  posts: Post[];
  accounts: Account[];
  cluster: string[];
  heavy: string;
  journalists: string[];
  outletAccount: string;
  /** The clone URL the cluster pushes, and the key of the post the test narrative cites. */
  cloneUrl: string;
  narrativePost: string;
}

export function makeRegistryFixture(seed = 11): RegistryFixture {
  const rnd = mulberry32(seed);
  const posts: Post[] = [];
  let n = 0;
  const add = (account: string, time: number, urls: string[]) => {
    const u = normaliseUrls(urls);
    const key = `p${++n}`;
    posts.push({
      platform: 'x',
      postId: key,
      accountId: account,
      time: Math.round(time),
      text: `post ${key}`,
      lang: 'fr',
      kind: 'original',
      refPostId: null,
      refAccountId: null,
      urls: u.urls,
      canonicalUrls: u.canonicalUrls,
      domains: u.domains,
      hashtags: [],
      mentions: [],
      media: [],
      client: null,
    });
    return `x:${key}`;
  };
  const news = (i: number) =>
    [
      `https://www.lemonde.fr/politique/article/${i}.html`,
      `https://www.bbc.co.uk/news/world-${i}`,
      `https://www.spiegel.de/politik/a-${i}.html`,
      `https://blog${i % 7}.example.org/post/${i}`,
      `https://www.leparisien.fr/elections/${i}.php`,
    ][i % 5];
  const anyTime = () => FIXTURE_T0 + rnd() * 7 * DAY;
  // organic accounts, ten links each
  const organic = Array.from({ length: 40 }, (_, i) => `org${i}`);
  for (const a of organic) for (let k = 0; k < 10; k++) add(a, anyTime(), [news(Math.floor(rnd() * 500))]);
  // two journalists among them link one RT piece each (debunking, say)
  const journalists = ['org0', 'org1'];
  add('org0', FIXTURE_T0 + 5 * DAY, ['https://www.rt.com/news/600001-story/']);
  add('org1', FIXTURE_T0 + 5 * DAY + 30 * MIN, ['https://www.rt.com/news/600001-story/']);
  // a heavy RT sharer: 8 RT links of 10
  const heavy = 'rtfan';
  for (let k = 0; k < 8; k++) add(heavy, anyTime(), [`https://www.rt.com/russia/${600100 + k}-piece/`]);
  for (let k = 0; k < 2; k++) add(heavy, anyTime(), [news(900 + k)]);
  // the outlet's own account posts two RT pieces first
  const outletAccount = 'rt_outlet';
  const cluster = Array.from({ length: 6 }, (_, i) => `c${i}`);
  const pushes = [
    { url: 'https://de.rt.com/inland/700001-wahl/', t: FIXTURE_T0 + 1 * DAY, first: outletAccount },
    { url: 'https://francais.rt.com/france/700002-election', t: FIXTURE_T0 + 2 * DAY, first: outletAccount },
    { url: 'https://pravda-fr.com/france/700003.html', t: FIXTURE_T0 + 3 * DAY, first: 'c0' },
    {
      url: 'https://lemonde.ltd/politique/article/2026/11/04/smear.html',
      t: FIXTURE_T0 + 4 * DAY,
      first: 'c0',
    },
  ];
  let narrativePost = '';
  for (const p of pushes) {
    add(p.first, p.t, [p.url]);
    cluster.forEach((c, i) => {
      if (c === p.first) return;
      const key = add(c, p.t + (i + 1) * 2 * MIN, [p.url]);
      if (c === 'c1' && p.url.includes('lemonde.ltd')) narrativePost = key;
    });
  }
  // each cluster member also links two ordinary articles
  for (const c of cluster) for (let k = 0; k < 2; k++) add(c, anyTime(), [news(1000 + k)]);
  posts.sort((a, b) => a.time - b.time || (a.postId < b.postId ? -1 : 1));
  const accounts = [...new Set(posts.map((p) => p.accountId))].map((a) => bareAccount('x', a));
  return {
    posts,
    accounts,
    cluster: cluster.map((c) => `x:${c}`),
    heavy: `x:${heavy}`,
    journalists: journalists.map((j) => `x:${j}`),
    outletAccount: `x:${outletAccount}`,
    cloneUrl: pushes[3].url,
    narrativePost,
  };
}
