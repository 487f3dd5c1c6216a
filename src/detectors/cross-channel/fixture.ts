/**
 * A small workspace for the cross-channel tests: a phishing look-alike domain named by an
 * infrastructure finding and pushed by a coordinated cluster; a leak published at 18:35 UTC
 * on 5 May 2017 (20:35 CEST, the #MacronLeaks dump) followed by a burst of posts linking it,
 * and a quiet dump with no push; organic accounts posting the same things a little.
 */
import { bareAccount, type Post } from '../../model/post.js';
import type { Store } from '../../store/store.js';
import type { Finding } from '../../findings/finding.js';
import { loadFixture, mulberry32 } from '../coordination/fixture.js';

export const LEAK_DATE = Date.UTC(2017, 4, 5, 18, 35);
export const PHISH = 'en-marche-login.fr';
export const LOOKALIKE = 'en-marche-secure.fr';
export const BOTS = Array.from({ length: 8 }, (_, i) => `x:bot${i}`);
const H = 3600_000;

function post(acc: string, id: string, time: number, p: Partial<Post> = {}): Post {
  const [platform, accountId] = acc.split(':');
  return {
    platform,
    postId: id,
    accountId,
    time,
    text: p.text ?? null,
    lang: 'fr',
    kind: 'original',
    refPostId: null,
    refAccountId: null,
    urls: p.urls ?? [],
    canonicalUrls: p.canonicalUrls ?? p.urls ?? [],
    domains: p.domains ?? [],
    hashtags: p.hashtags ?? [],
    mentions: [],
    media: [],
    client: null,
  };
}

function finding(p: Partial<Finding> & Pick<Finding, 'id' | 'kind' | 'channel' | 'detector'>): Finding {
  return {
    title: p.id,
    summary: 'fixture',
    severity: 'high',
    confidence: 0.9,
    confidenceMethod: 'fixture',
    evidence: [],
    techniques: [],
    caveats: ['fixture'],
    createdAt: '2017-05-06T00:00:00.000Z',
    ...p,
  };
}

export interface CrossFixture {
  posts: Post[];
  /** Posts linking the phishing domain by cluster members. */
  botPhishPosts: number;
  /** Posts linking the leak before / after publication (within the window). */
  leakBefore: number;
  leakAfter: number;
  botLeakPosts: number;
}

/** Build the posts and write them, the dumps and the input findings into `store`. */
export async function loadCrossFixture(store: Store, seed = 5): Promise<CrossFixture> {
  const rnd = mulberry32(seed);
  const posts: Post[] = [];
  let n = 0;
  const id = () => `p${++n}`;
  const organic = Array.from({ length: 40 }, (_, i) => `x:user${i}`);
  // Organic background: news links over two days.
  for (let i = 0; i < 300; i++) {
    const t = LEAK_DATE - 30 * H + rnd() * 48 * H;
    posts.push(
      post(organic[i % organic.length], id(), t, { urls: ['https://lemonde.fr/a'], domains: ['lemonde.fr'] }),
    );
  }
  // The cluster pushes the phishing domain and a look-alike the day before.
  let botPhishPosts = 0;
  for (let k = 0; k < 3; k++)
    for (const b of BOTS) {
      posts.push(
        post(b, id(), LEAK_DATE - 20 * H + k * H + rnd() * 60_000, {
          urls: [`https://${PHISH}/connexion`],
          domains: [PHISH],
        }),
      );
      botPhishPosts++;
    }
  for (const b of BOTS.slice(0, 4))
    posts.push(
      post(b, id(), LEAK_DATE - 10 * H + rnd() * 60_000, {
        urls: [`https://${LOOKALIKE}/`],
        domains: [LOOKALIKE],
      }),
    );
  // One organic user warns about the phishing domain: not a cluster member, not counted.
  posts.push(
    post('x:user1', id(), LEAK_DATE - 19 * H, {
      text: 'phishing!',
      urls: [`https://${PHISH}/`],
      domains: [PHISH],
    }),
  );
  // The leak: two early mentions in the baseline, then a burst from bots and many others.
  const leak = {
    urls: ['https://archive.example.org/macronleaks.torrent'],
    domains: ['archive.example.org'],
    hashtags: ['macronleaks'],
  };
  posts.push(post('x:user2', id(), LEAK_DATE - 12 * H, { hashtags: ['macronleaks'] }));
  posts.push(post('x:user3', id(), LEAK_DATE - 2 * H, { hashtags: ['macronleaks'] }));
  let botLeakPosts = 0;
  let leakAfter = 0;
  for (let i = 0; i < 60; i++) {
    const bot = i % 3 === 0;
    const acc = bot ? BOTS[(i / 3) % BOTS.length] : organic[(i * 7) % organic.length];
    posts.push(post(acc, id(), LEAK_DATE + 5 * 60_000 + rnd() * 3.5 * H, leak));
    leakAfter++;
    if (bot) botLeakPosts++;
  }
  // The quiet dump: three posts after publication only.
  for (let i = 0; i < 3; i++)
    posts.push(post(organic[i], id(), LEAK_DATE + 30 * H + i * 60_000, { hashtags: ['quietdump'] }));
  posts.sort((a, b) => a.time - b.time);
  const accounts = [...new Set(posts.map((p) => `${p.platform}:${p.accountId}`))].map((k) =>
    bareAccount('x', k.slice(2)),
  );
  await loadFixture(store, { posts, accounts }, 'cross');

  const leaks = store.leaks();
  await leaks.beginDump({
    dumpId: 'macron',
    label: 'MacronLeaks',
    inputs: [],
    leakDate: LEAK_DATE,
    theftDate: null,
  });
  await leaks.finishDump('macron', 'done', {});
  await leaks.beginDump({
    dumpId: 'quiet',
    label: 'QuietDump',
    inputs: [],
    leakDate: LEAK_DATE + 29 * H,
    theftDate: null,
  });
  await leaks.finishDump('quiet', 'done', {});

  await store.saveFindings(
    [
      finding({
        id: 'cluster-1',
        kind: 'coordinated-cluster',
        channel: 'coordination',
        detector: { name: 'coordination', version: 't', parameters: {} },
        techniques: ['T0049.003'],
        details: { members: BOTS },
        confidence: 0.95,
      }),
      finding({
        id: 'phish-1',
        kind: 'lookalike-domain',
        channel: 'infrastructure',
        detector: { name: 'mail-phishing', version: 't', parameters: {} },
        techniques: ['T1566'],
        details: { domain: `mail.${PHISH}`, url: `https://mail.${PHISH}/owa` },
        evidence: [{ table: 'mail', key: 'm1', role: 'phishing mail' }],
      }),
      finding({
        id: 'leak-1',
        kind: 'dump-authentication',
        channel: 'leaks',
        detector: { name: 'leaks', version: 't', parameters: { dumpId: 'macron' } },
        details: { urls: leak.urls },
      }),
    ],
    'fixture',
  );
  return { posts, botPhishPosts, leakBefore: 2, leakAfter, botLeakPosts };
}
