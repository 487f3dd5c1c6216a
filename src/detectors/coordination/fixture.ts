/**
 * A small seeded generator of repost/link streams with planted swarms, for the coordination
 * tests and, until the project's synthetic generator (src/synth/) covers it, the bench.
 *
 * Organic background: heavy-tailed account activity (Pareto), heavy-tailed post popularity,
 * lognormal repost delays after each post, a "televised debate" whose top posts thousands of
 * fans repost within minutes, and popular news links. Planted swarms: repost rings that
 * repeatedly repost obscure posts within seconds of each other, and link pushes jittered
 * over an hour, each member also posting organically.
 */
import type { Account, Post } from '../../model/post.js';
import { bareAccount } from '../../model/post.js';
import type { Store } from '../../store/store.js';
import { mulberry32 } from '../../util/rng.js';

/** The project's seeded PRNG, re-exported for the fixtures' users. */
export { mulberry32 } from '../../util/rng.js';

export interface SwarmSpec {
  style: 'repost' | 'link';
  size: number;
  /** Objects pushed (obscure posts reposted, or links shared). */
  pushes: number;
  /** Spread of the members' actions around each push, seconds. */
  jitterSeconds: number;
  /** Share of members taking part in each push (0..1). */
  participation: number;
}

export interface FixtureOptions {
  seed: number;
  /** Organic accounts. */
  accounts: number;
  /** Organic reposts (approximately). */
  reposts: number;
  /** Organic posts with a link (approximately). */
  links: number;
  /** Fans reposting the debate's top posts, and how many top posts. */
  fans: number;
  debatePosts: number;
  swarms: SwarmSpec[];
  /** Duration of the stream, days. */
  days: number;
}

export const FIXTURE_DEFAULTS: FixtureOptions = {
  seed: 7,
  accounts: 2000,
  reposts: 20000,
  links: 5000,
  fans: 400,
  debatePosts: 20,
  swarms: [
    { style: 'repost', size: 20, pushes: 15, jitterSeconds: 30, participation: 0.9 },
    { style: 'link', size: 12, pushes: 10, jitterSeconds: 1800, participation: 0.8 },
  ],
  days: 7,
};

export interface Fixture {
  posts: Post[];
  accounts: Account[];
  /** Keys (`platform:account_id`) of planted swarm members, by swarm index. */
  swarms: string[][];
  /** Keys of the debate fans (organic, must not be flagged for reposting together). */
  fans: string[];
}

const T0 = Date.UTC(2017, 4, 1);
const PLATFORM = 'x';

function post(id: string, account: string, time: number, extra: Partial<Post>): Post {
  return {
    platform: PLATFORM,
    postId: id,
    accountId: account,
    time,
    text: null,
    lang: 'und',
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
    ...extra,
  };
}

/**
 * Generate a stream. Deterministic for a seed.
 * @example const f = makeFixture({ ...FIXTURE_DEFAULTS, seed: 1 });
 */
export function makeFixture(o: FixtureOptions): Fixture {
  const rnd = mulberry32(o.seed);
  const span = o.days * 86400_000;
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const lognormal = (medianSec: number, sigma: number) => medianSec * 1000 * Math.exp(sigma * gauss());
  // Heavy-tailed weights with a cumulative table for weighted choice.
  const cumulative = (n: number, alpha: number) => {
    const c = new Float64Array(n);
    let s = 0;
    for (let i = 0; i < n; i++) {
      s += Math.pow(1 - rnd(), -1 / alpha);
      c[i] = s;
    }
    return c;
  };
  const pick = (c: Float64Array) => {
    const x = rnd() * c[c.length - 1];
    let lo = 0;
    let hi = c.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (c[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const posts: Post[] = [];
  const accounts: Account[] = [];
  const accountName = (i: number) => `u${i}`;
  const activity = cumulative(o.accounts, 1.3);
  for (let i = 0; i < o.accounts; i++) {
    accounts.push({
      ...bareAccount(PLATFORM, accountName(i)),
      createdAt: T0 - Math.floor(rnd() * 3000) * 86400_000,
    });
  }
  let seq = 0;
  const nextId = () => `p${seq++}`;

  // Originals, popularity heavy-tailed; each gets its reposts with lognormal delays.
  const nOriginals = Math.max(1, Math.round(o.reposts / 4));
  const originals: { id: string; time: number; author: string }[] = [];
  for (let i = 0; i < nOriginals; i++) {
    const author = accountName(pick(activity));
    const time = T0 + Math.floor(rnd() * span);
    const id = nextId();
    originals.push({ id, time, author });
    posts.push(post(id, author, time, {}));
  }
  const popularity = cumulative(nOriginals, 1.1);
  // A platform lets an account repost a post once.
  const reposted = new Set<string>();
  for (let i = 0; i < o.reposts; i++) {
    const orig = originals[pick(popularity)];
    const who = accountName(pick(activity));
    if (who === orig.author || reposted.has(`${who} ${orig.id}`)) continue;
    reposted.add(`${who} ${orig.id}`);
    const time = orig.time + Math.round(lognormal(1800, 1.6));
    posts.push(post(nextId(), who, time, { kind: 'repost', refPostId: orig.id, refAccountId: orig.author }));
  }

  // Popular news links, shared over a day after publication.
  const nUrls = Math.max(1, Math.round(o.links / 5));
  const urlTimes = Array.from({ length: nUrls }, () => T0 + Math.floor(rnd() * span));
  const urlPop = cumulative(nUrls, 1.2);
  for (let i = 0; i < o.links; i++) {
    const u = pick(urlPop);
    const url = `https://news${u % 40}.example/a/${u}`;
    posts.push(
      post(nextId(), accountName(pick(activity)), urlTimes[u] + Math.round(lognormal(3600, 1.2)), {
        urls: [url],
        canonicalUrls: [url],
        domains: [`news${u % 40}.example`],
      }),
    );
  }

  // The televised debate: fans repost the candidates' top posts within minutes.
  const fans: string[] = [];
  const debateStart = T0 + 2 * 86400_000 + 19 * 3600_000;
  const debate: { id: string; time: number }[] = [];
  for (let k = 0; k < o.debatePosts; k++) {
    const id = nextId();
    const time = debateStart + Math.floor((k / Math.max(1, o.debatePosts)) * 7200_000);
    debate.push({ id, time });
    posts.push(post(id, 'candidate', time, {}));
  }
  for (let f = 0; f < o.fans; f++) {
    const name = `fan${f}`;
    fans.push(`${PLATFORM}:${name}`);
    accounts.push({ ...bareAccount(PLATFORM, name), createdAt: T0 - Math.floor(rnd() * 3000) * 86400_000 });
    const keen = 0.3 + 0.6 * rnd();
    for (const d of debate) {
      if (rnd() > keen) continue;
      posts.push(
        post(nextId(), name, d.time + Math.round(lognormal(180, 1.0)), {
          kind: 'repost',
          refPostId: d.id,
          refAccountId: 'candidate',
        }),
      );
    }
  }

  // Planted swarms: members also act organically (a quarter of a typical account's volume).
  const swarms: string[][] = [];
  o.swarms.forEach((sw, si) => {
    const members = Array.from({ length: sw.size }, (_, m) => `s${si}m${m}`);
    swarms.push(members.map((m) => `${PLATFORM}:${m}`));
    const created = T0 - 30 * 86400_000 - Math.floor(rnd() * 3) * 86400_000;
    for (const m of members) accounts.push({ ...bareAccount(PLATFORM, m), createdAt: created });
    for (let k = 0; k < sw.pushes; k++) {
      const at = T0 + Math.floor(rnd() * span);
      let target: Partial<Post>;
      if (sw.style === 'repost') {
        const id = nextId();
        posts.push(post(id, `s${si}src`, at, {}));
        target = { kind: 'repost', refPostId: id, refAccountId: `s${si}src` };
      } else {
        const url = `https://push${si}.example/story/${k}`;
        target = { urls: [url], canonicalUrls: [url], domains: [`push${si}.example`] };
      }
      for (const m of members) {
        if (rnd() > sw.participation) continue;
        posts.push(post(nextId(), m, at + 5000 + Math.floor(rnd() * sw.jitterSeconds * 1000), target));
      }
    }
    for (const m of members) {
      for (let r = 0; r < 5; r++) {
        const orig = originals[pick(popularity)];
        posts.push(
          post(nextId(), m, orig.time + Math.round(lognormal(1800, 1.6)), {
            kind: 'repost',
            refPostId: orig.id,
            refAccountId: orig.author,
          }),
        );
      }
    }
  });
  return { posts, accounts, swarms, fans };
}

let loads = 0;

/**
 * Write a fixture into a store as one source (the way ingest does, without a file).
 * @example await loadFixture(store, makeFixture(FIXTURE_DEFAULTS));
 */
export async function loadFixture(
  store: Store,
  f: Pick<Fixture, 'posts' | 'accounts'>,
  name = 'fixture',
): Promise<void> {
  const src = await store.beginSource({
    path: `${name}.generated`,
    size: f.posts.length,
    sha256: `${name}-${f.posts.length}-${process.pid}-${++loads}`,
    format: 'fixture',
    compression: null,
  });
  const seen = new Set<string>();
  const accounts = f.accounts.filter((a) => {
    const k = `${a.platform}:${a.accountId}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  const step = 200_000;
  for (let off = 0; off < Math.max(f.posts.length, 1); off += step) {
    const posts = f.posts.slice(off, off + step);
    await store.writeBatch({
      sourceId: src.sourceId,
      postRecordNos: posts.map((_, i) => off + i),
      posts,
      accounts: off === 0 ? accounts : [],
      rejects: [],
      recordsDone: off + posts.length,
    });
  }
  await store.finishSource(src.sourceId, 'done');
}
