/**
 * Generated X/Twitter v1.1 tweets for tests and throughput measurements: the full field set
 * the streaming API wrote (user object, entities, extended_tweet, embedded retweeted and
 * quoted statuses), deterministic for a seed. Nothing here is real data.
 */

import { mulberry32 as rng } from '../../util/rng.js';

/** Seeded PRNG (mulberry32): same seed, same fixtures. */
export { rng };

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `created_at` in the v1.1 layout (`Wed Mar 02 10:11:12 +0000 2016`) for epoch ms. */
export function twitterDate(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(
    d.getUTCMinutes(),
  )}:${p(d.getUTCSeconds())} +0000 ${d.getUTCFullYear()}`;
}

const WORDS =
  'élection vote campagne candidat débat sondage meeting programme réforme Europe sécurité emploi retraite jeunesse écologie démocratie presse vérité scandale fuite courriels'.split(
    ' ',
  );
const TAGS = ['Presidentielle2017', 'MacronLeaks', 'JeVote', 'Débat2017', 'FakeNews', 'France'];
const DOMAINS = ['lemonde.fr', 'rt.com', 'sputniknews.com', 'example.org', 'blog.example.net'];
const SOURCES = [
  '<a href="http://twitter.com/download/android" rel="nofollow">Twitter for Android</a>',
  '<a href="http://twitter.com/download/iphone" rel="nofollow">Twitter for iPhone</a>',
  '<a href="https://mobile.twitter.com" rel="nofollow">Twitter Web App</a>',
  '<a href="https://example.com/bot" rel="nofollow">AutoPoster &amp; Co</a>',
];

/** A full v1.1 user object. */
export function v1User(r: () => number, n: number): Record<string, unknown> {
  const id = String(1_000_000 + n);
  const created = Date.UTC(2009, 0, 1) + Math.floor(r() * 3e11);
  const def = r() < 0.2;
  return {
    id: Number(id),
    id_str: id,
    name: `Utilisateur ${n} 🇫🇷`,
    screen_name: `user_${n}`,
    location: r() < 0.5 ? 'Paris, France' : '',
    url: r() < 0.3 ? `https://t.co/u${n}` : null,
    description: `Citoyen engagé n°${n}. ${WORDS[n % WORDS.length]} & ${WORDS[(n * 7) % WORDS.length]}. Les RT ne valent pas approbation.`,
    translator_type: 'none',
    entities: {
      url: { urls: [{ url: `https://t.co/u${n}`, expanded_url: `https://blog.example.net/~user${n}`, display_url: `blog.example.net/~user${n}`, indices: [0, 23] }] },
      description: { urls: [] },
    }, // prettier-ignore
    withheld_in_countries: [],
    has_extended_profile: r() < 0.5,
    is_translation_enabled: false,
    profile_location: null,
    protected: false,
    verified: r() < 0.02,
    followers_count: Math.floor(r() * 50_000),
    friends_count: Math.floor(r() * 5_000),
    listed_count: Math.floor(r() * 100),
    favourites_count: Math.floor(r() * 20_000),
    statuses_count: Math.floor(r() * 100_000),
    created_at: twitterDate(created),
    utc_offset: null,
    time_zone: null,
    geo_enabled: r() < 0.3,
    lang: null,
    contributors_enabled: false,
    is_translator: false,
    profile_background_color: 'C0DEED',
    profile_background_image_url: 'http://abs.twimg.com/images/themes/theme1/bg.png',
    profile_background_image_url_https: 'https://abs.twimg.com/images/themes/theme1/bg.png',
    profile_background_tile: false,
    profile_link_color: '1DA1F2',
    profile_sidebar_border_color: 'C0DEED',
    profile_sidebar_fill_color: 'DDEEF6',
    profile_text_color: '333333',
    profile_use_background_image: true,
    profile_image_url: def
      ? 'http://abs.twimg.com/sticky/default_profile_images/default_profile_normal.png'
      : `http://pbs.twimg.com/profile_images/${id}/photo_normal.jpg`,
    profile_image_url_https: def
      ? 'https://abs.twimg.com/sticky/default_profile_images/default_profile_normal.png'
      : `https://pbs.twimg.com/profile_images/${id}/photo_normal.jpg`,
    profile_banner_url: `https://pbs.twimg.com/profile_banners/${id}/1490000000`,
    default_profile: def || r() < 0.3,
    default_profile_image: def,
    following: null,
    follow_request_sent: null,
    notifications: null,
  };
}

function sentence(r: () => number, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(WORDS[Math.floor(r() * WORDS.length)]);
  return out.join(' ');
}

interface Built {
  obj: Record<string, unknown>;
  id: string;
}

function baseTweet(r: () => number, idNum: bigint, userN: number, ms: number, long: boolean): Built {
  const id = String(idNum);
  const tag = TAGS[Math.floor(r() * TAGS.length)];
  const dom = DOMAINS[Math.floor(r() * DOMAINS.length)];
  const mentionN = Math.floor(r() * 500);
  const expanded = `https://www.${dom}/article/${Math.floor(r() * 1000)}?utm_source=twitter&id=${mentionN % 7}`;
  const tco = `https://t.co/${id.slice(-8)}`;
  const body = `@user_${mentionN} ${sentence(r, long ? 30 : 10)} #${tag} ${tco}`;
  const entities = {
    hashtags: [{ text: tag, indices: [0, tag.length + 1] }],
    urls: [{ url: tco, expanded_url: expanded, display_url: expanded.slice(8, 30) + '…', indices: [0, 23] }],
    user_mentions: [
      { screen_name: `user_${mentionN}`, name: `Utilisateur ${mentionN}`, id: 1_000_000 + mentionN, id_str: String(1_000_000 + mentionN), indices: [0, 10] },
    ], // prettier-ignore
    symbols: [],
  };
  const withMedia = r() < 0.25;
  const mediaItem = {
    id: Number(id) + 1,
    id_str: String(idNum + 1n),
    indices: [100, 123],
    media_url: `http://pbs.twimg.com/media/${id}.jpg`,
    media_url_https: `https://pbs.twimg.com/media/${id}.jpg`,
    url: 'https://t.co/media',
    display_url: 'pic.twitter.com/media',
    expanded_url: `https://twitter.com/user_${userN}/status/${id}/photo/1`,
    type: 'photo',
    sizes: { thumb: { w: 150, h: 150, resize: 'crop' }, large: { w: 1024, h: 768, resize: 'fit' } },
  };
  const obj: Record<string, unknown> = {
    created_at: twitterDate(ms),
    id: Number(id),
    id_str: id,
    text: long ? body.slice(0, 137) + '…' : body,
    source: SOURCES[Math.floor(r() * SOURCES.length)],
    truncated: long,
    in_reply_to_status_id: null,
    in_reply_to_status_id_str: null,
    in_reply_to_user_id: null,
    in_reply_to_user_id_str: null,
    in_reply_to_screen_name: null,
    user: v1User(r, userN),
    geo: null,
    coordinates: null,
    place:
      r() < 0.1
        ? {
            id: '09f6a7707f18e0b1',
            url: 'https://api.twitter.com/1.1/geo/id/09f6a7707f18e0b1.json',
            place_type: 'city',
            name: 'Paris',
            full_name: 'Paris, France',
            country_code: 'FR',
            country: 'France',
            bounding_box: { type: 'Polygon', coordinates: [[[2.22, 48.81], [2.46, 48.81], [2.46, 48.9], [2.22, 48.9]]] },
            attributes: {},
          }
        : null, // prettier-ignore
    contributors: null,
    is_quote_status: false,
    quote_count: 0,
    reply_count: Math.floor(r() * 10),
    retweet_count: Math.floor(r() * 100),
    favorite_count: Math.floor(r() * 300),
    entities: long ? { hashtags: [], urls: [], user_mentions: [], symbols: [] } : entities,
    favorited: false,
    retweeted: false,
    possibly_sensitive: false,
    filter_level: 'low',
    lang: r() < 0.05 ? 'und' : 'fr',
    timestamp_ms: String(ms),
  };
  if (withMedia && !long) obj.extended_entities = { media: [mediaItem] };
  if (long) {
    obj.display_text_range = [0, 140];
    obj.extended_tweet = {
      full_text: body,
      display_text_range: [0, body.length],
      entities,
      ...(withMedia ? { extended_entities: { media: [mediaItem] } } : {}),
    };
  }
  return { obj, id };
}

/**
 * JSON the way X's API wrote it: every non-ASCII UTF-16 unit as `\uXXXX` and `/` as `\/`
 * (so real v1.1 dumps are almost pure ASCII, which matters for decoding speed).
 */
export function twitterJson(v: unknown): string {
  return JSON.stringify(v)
    .replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'))
    .replace(/\//g, '\\/');
}

export type FixtureKind = 'original' | 'long' | 'reply' | 'quote' | 'retweet';

/**
 * `n` v1.1 tweets as JSON lines (no trailing newline per item), with a realistic mix:
 * originals, long (extended) tweets, replies, quotes and retweets with embedded originals.
 * Averages about 4.8 KB per line, like the streaming API's output; `escaped` (the default)
 * writes JSON as the API did, `utf8` writes raw UTF-8 as some re-serialising tools do.
 */
export function v1Tweets(
  n: number,
  seed = 1,
  encoding: 'escaped' | 'utf8' = 'escaped',
): { lines: string[]; kinds: FixtureKind[] } {
  const r = rng(seed);
  const lines: string[] = [];
  const kinds: FixtureKind[] = [];
  let next = 850_000_000_000_000_000n;
  const t0 = Date.UTC(2017, 4, 5, 12);
  for (let i = 0; i < n; i++) {
    const ms = t0 + i * 1000;
    const userN = Math.floor(r() * 2000);
    const p = r();
    const kind: FixtureKind =
      p < 0.35 ? 'retweet' : p < 0.55 ? 'original' : p < 0.7 ? 'long' : p < 0.85 ? 'reply' : 'quote';
    next += 7n;
    let t: Built;
    if (kind === 'retweet') {
      const orig = baseTweet(r, next - 3n, Math.floor(r() * 2000), ms - 60_000, r() < 0.3);
      t = baseTweet(r, next, userN, ms, false);
      const ou = orig.obj.user as Record<string, unknown>;
      t.obj.text = `RT @${String(ou.screen_name)}: ${String(orig.obj.text).slice(0, 100)}…`;
      t.obj.retweeted_status = orig.obj;
    } else {
      t = baseTweet(r, next, userN, ms, kind === 'long');
      if (kind === 'reply') {
        const to = Math.floor(r() * 2000);
        t.obj.in_reply_to_status_id = Number(next - 5n);
        t.obj.in_reply_to_status_id_str = String(next - 5n);
        t.obj.in_reply_to_user_id = 1_000_000 + to;
        t.obj.in_reply_to_user_id_str = String(1_000_000 + to);
        t.obj.in_reply_to_screen_name = `user_${to}`;
      } else if (kind === 'quote') {
        const q = baseTweet(r, next - 2n, Math.floor(r() * 2000), ms - 120_000, false);
        t.obj.is_quote_status = true;
        t.obj.quoted_status_id = Number(q.id);
        t.obj.quoted_status_id_str = q.id;
        t.obj.quoted_status = q.obj;
        t.obj.quoted_status_permalink = {
          url: `https://t.co/q${q.id.slice(-6)}`,
          expanded: `https://twitter.com/user_${userN}/status/${q.id}`,
          display: `twitter.com/user_${userN}/st…`,
        };
      }
    }
    lines.push(encoding === 'escaped' ? twitterJson(t.obj) : JSON.stringify(t.obj));
    kinds.push(kind);
  }
  return { lines, kinds };
}
