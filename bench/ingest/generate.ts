/**
 * Synthetic inputs for the ingest benchmark (and for tests that need volume): a generic CSV
 * of the CooRTweet kind and X API v1.1 tweet objects as JSON lines. Seeded, streamed to
 * disk, never held in memory whole.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { mulberry32 as rng } from '../../src/util/rng.js';

/** Write `lines()` to `path` with back-pressure; returns bytes written. */
export async function writeLines(path: string, lines: Iterable<string>): Promise<number> {
  const out = createWriteStream(path, { highWaterMark: 1 << 20 });
  let bytes = 0;
  let buf = '';
  for (const l of lines) {
    buf += l + '\n';
    if (buf.length > 1 << 20) {
      bytes += Buffer.byteLength(buf);
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  bytes += Buffer.byteLength(buf);
  out.end(buf);
  await once(out, 'finish');
  return bytes;
}

const WORDS = (
  'élection vote candidat débat sondage réforme président campagne meeting programme ' +
  'the election vote candidate debate poll reform president campaign rally program ' +
  'fraude médias Europe sécurité emploi retraites immigration climat énergie pouvoir'
).split(' ');
const TAGS = [
  'presidentielle2017',
  'macronleaks',
  'debat',
  'vote',
  'france',
  'election',
  'fakenews',
  'sondage',
];
const HOSTS = [
  'lemonde.fr',
  'www.rt.com',
  'fr.sputniknews.com',
  'bit.ly',
  'example.org',
  'lefigaro.fr',
  't.co',
];

function sentence(r: () => number, n: number): string {
  const w: string[] = [];
  for (let i = 0; i < n; i++) w.push(WORDS[Math.floor(r() * WORDS.length)]);
  return w.join(' ');
}

/** Header of the generic CSV the bench writes (every column is recognised without a mapping). */
export const GENERIC_CSV_HEADER = 'post_id,account_id,timestamp,object_id,url,hashtag,lang,text';

/**
 * Rows of a generic CSV: unique post ids, 50k accounts, half the rows repost one of 20k
 * objects, a URL on a third, a hashtag on a quarter, a language code always given, and text
 * of which about one row in ten needs CSV quoting (comma, quote or newline).
 */
export function* genericCsvLines(rows: number, seed = 1): Generator<string> {
  const r = rng(seed);
  yield GENERIC_CSV_HEADER;
  const t0 = 1_493_000_000;
  for (let i = 0; i < rows; i++) {
    const post = (800_000_000_000_000_000n + BigInt(i)).toString();
    const acct = 'u' + Math.floor(r() * 50_000);
    const ts = t0 + Math.floor(i / 3);
    const obj = r() < 0.5 ? 'o' + Math.floor(r() ** 2 * 20_000) : '';
    const url =
      r() < 0.33
        ? `https://${HOSTS[Math.floor(r() * HOSTS.length)]}/a/${Math.floor(r() * 1e6)}?utm_source=tw`
        : '';
    const tag = r() < 0.25 ? TAGS[Math.floor(r() * TAGS.length)] : '';
    const lang = r() < 0.5 ? 'fr' : 'en';
    let text = sentence(r, 6 + Math.floor(r() * 10));
    const q = r();
    if (q < 0.05) text = `"${text}, ${sentence(r, 3)}"`;
    else if (q < 0.08) text = `"${text} ""quoted"" ${sentence(r, 2)}"`;
    else if (q < 0.1) text = `"${text}\n${sentence(r, 3)}"`;
    yield `${post},${acct},${ts},${obj},${url},${tag},${lang},${text}`;
  }
}

const SOURCES = [
  '<a href="http://twitter.com/download/android" rel="nofollow">Twitter for Android</a>',
  '<a href="http://twitter.com/download/iphone" rel="nofollow">Twitter for iPhone</a>',
  '<a href="https://mobile.twitter.com" rel="nofollow">Twitter Web App</a>',
  '<a href="https://about.twitter.com/products/tweetdeck" rel="nofollow">TweetDeck</a>',
];

function twitterDate(ms: number): string {
  // v1.1 style, "Wed Oct 10 20:19:24 +0000 2018", from "Wed, 10 Oct 2018 20:19:24 GMT".
  const [wd, day, mon, year, time] = new Date(ms).toUTCString().replace(',', '').split(' ');
  return `${wd} ${mon} ${day} ${time} +0000 ${year}`;
}

function userObject(r: () => number, uid: number, t: number): Record<string, unknown> {
  const id = 700_000_000 + uid;
  const name = `user_${uid}`;
  return {
    id,
    id_str: String(id),
    name: `${sentence(r, 2)} ${uid}`,
    screen_name: name,
    location: r() < 0.5 ? 'Paris, France' : '',
    description: sentence(r, 24),
    url: r() < 0.3 ? `https://t.co/${uid.toString(36)}` : null,
    entities: {
      url: {
        urls:
          uid % 3 === 0
            ? [
                {
                  url: `https://t.co/${uid.toString(36)}`,
                  expanded_url: `https://example.org/~${uid}`,
                  display_url: `example.org/~${uid}`,
                  indices: [0, 23],
                },
              ]
            : [],
      },
      description: { urls: [] },
    },
    protected: false,
    followers_count: Math.floor(r() ** 3 * 100_000),
    friends_count: Math.floor(r() * 5000),
    listed_count: Math.floor(r() * 50),
    created_at: twitterDate(1_300_000_000_000 + uid * 10_000_000),
    favourites_count: Math.floor(r() * 20_000),
    utc_offset: null,
    time_zone: null,
    geo_enabled: r() < 0.2,
    verified: r() < 0.01,
    statuses_count: Math.floor(r() * 50_000),
    lang: null,
    contributors_enabled: false,
    is_translator: false,
    is_translation_enabled: false,
    profile_background_color: 'F5F8FA',
    profile_background_image_url: null,
    profile_background_image_url_https: null,
    profile_background_tile: false,
    profile_image_url: `http://pbs.twimg.com/profile_images/${id}/abcdefgh_normal.jpg`,
    profile_image_url_https: `https://pbs.twimg.com/profile_images/${id}/abcdefgh_normal.jpg`,
    profile_banner_url: `https://pbs.twimg.com/profile_banners/${id}/${Math.floor(t / 1000)}`,
    profile_link_color: '1DA1F2',
    profile_sidebar_border_color: 'C0DEED',
    profile_sidebar_fill_color: 'DDEEF6',
    profile_text_color: '333333',
    profile_use_background_image: true,
    has_extended_profile: false,
    default_profile: r() < 0.4,
    default_profile_image: r() < 0.05,
    following: null,
    follow_request_sent: null,
    notifications: null,
    translator_type: 'none',
  };
}

function tweetObject(r: () => number, id: bigint, t: number, depth: number): Record<string, unknown> {
  const uid = Math.floor(r() ** 2 * 50_000);
  const words = sentence(r, 8 + Math.floor(r() * 12));
  const tags = r() < 0.4 ? [TAGS[Math.floor(r() * TAGS.length)]] : [];
  const mentions = r() < 0.3 ? [Math.floor(r() * 50_000)] : [];
  const urls =
    r() < 0.35
      ? [
          `https://${HOSTS[Math.floor(r() * HOSTS.length)]}/article/${Math.floor(r() * 1e6)}?utm_medium=social`,
        ]
      : [];
  let text = words;
  const hashtags = tags.map((h) => {
    const start = text.length + 1;
    text += ` #${h}`;
    return { text: h, indices: [start, start + h.length + 1] };
  });
  const user_mentions = mentions.map((m) => {
    const start = text.length + 1;
    text += ` @user_${m}`;
    return {
      screen_name: `user_${m}`,
      name: `User ${m}`,
      id: 700_000_000 + m,
      id_str: String(700_000_000 + m),
      indices: [start, text.length],
    };
  });
  const urlEntities = urls.map((u, k) => {
    const start = text.length + 1;
    const short = `https://t.co/${id.toString(36)}${k}`;
    text += ` ${short}`;
    return {
      url: short,
      expanded_url: u,
      display_url: u.replace(/^https:\/\//, '').slice(0, 25) + '…',
      indices: [start, text.length],
    };
  });
  const ids = id.toString();
  const tw: Record<string, unknown> = {
    created_at: twitterDate(t),
    id: Number(ids),
    id_str: ids,
    full_text: text,
    truncated: false,
    display_text_range: [0, text.length],
    entities: { hashtags, symbols: [], user_mentions, urls: urlEntities },
    source: SOURCES[Math.floor(r() * SOURCES.length)],
    in_reply_to_status_id: null,
    in_reply_to_status_id_str: null,
    in_reply_to_user_id: null,
    in_reply_to_user_id_str: null,
    in_reply_to_screen_name: null,
    user: userObject(r, uid, t),
    geo: null,
    coordinates: null,
    place: null,
    contributors: null,
    is_quote_status: false,
    retweet_count: Math.floor(r() ** 4 * 5000),
    favorite_count: Math.floor(r() ** 4 * 10000),
    favorited: false,
    retweeted: false,
    possibly_sensitive: false,
    lang: r() < 0.5 ? 'fr' : 'en',
    metadata: { iso_language_code: 'fr', result_type: 'recent' },
  };
  if (r() < 0.3) {
    const mid = id - 7n;
    const media = {
      id: Number(mid),
      id_str: mid.toString(),
      indices: [text.length + 1, text.length + 24],
      media_url: `http://pbs.twimg.com/media/${mid.toString(36)}.jpg`,
      media_url_https: `https://pbs.twimg.com/media/${mid.toString(36)}.jpg`,
      url: `https://t.co/m${mid.toString(36)}`,
      display_url: `pic.twitter.com/${mid.toString(36)}`,
      expanded_url: `https://twitter.com/user_${uid}/status/${ids}/photo/1`,
      type: 'photo',
      sizes: {
        thumb: { w: 150, h: 150, resize: 'crop' },
        medium: { w: 1200, h: 675, resize: 'fit' },
        small: { w: 680, h: 383, resize: 'fit' },
        large: { w: 1920, h: 1080, resize: 'fit' },
      },
    };
    (tw.entities as Record<string, unknown>).media = [media];
    tw.extended_entities = { media: [media] };
  }
  if (depth === 0) {
    const k = r();
    if (k < 0.5) {
      // A retweet carries the whole original tweet, user included.
      const orig = tweetObject(
        r,
        id - BigInt(1 + Math.floor(r() * 1e9)),
        t - Math.floor(r() * 86_400_000),
        1,
      );
      const ou = orig.user as { screen_name: string };
      tw.full_text = `RT @${ou.screen_name}: ${String(orig.full_text)}`.slice(0, 140);
      tw.retweeted_status = orig;
    } else if (k < 0.62) {
      const pid = id - BigInt(1 + Math.floor(r() * 1e9));
      tw.in_reply_to_status_id = Number(pid);
      tw.in_reply_to_status_id_str = pid.toString();
      tw.in_reply_to_user_id = 700_000_000 + Math.floor(r() * 50_000);
      tw.in_reply_to_user_id_str = String(tw.in_reply_to_user_id);
      tw.in_reply_to_screen_name = `user_${Number(tw.in_reply_to_user_id) - 700_000_000}`;
    } else if (k < 0.7) {
      const q = tweetObject(r, id - BigInt(1 + Math.floor(r() * 1e9)), t - Math.floor(r() * 86_400_000), 1);
      tw.is_quote_status = true;
      tw.quoted_status_id = q.id;
      tw.quoted_status_id_str = q.id_str;
      tw.quoted_status = q;
    }
  }
  return tw;
}

/**
 * X API v1.1 tweet objects (extended mode: `full_text`), one per line, with full user
 * objects; about 50% retweets (embedding the original and its user), 12% replies, 8% quotes,
 * 30% with a photo. Lines average ~4.5 KB, like the objects the v1.1 API returned.
 */
export function* twitterV1Lines(rows: number, seed = 2): Generator<string> {
  const r = rng(seed);
  const t0 = Date.UTC(2017, 3, 20);
  for (let i = 0; i < rows; i++) {
    const id = 850_000_000_000_000_000n + BigInt(i) * 1000n;
    yield JSON.stringify(tweetObject(r, id, t0 + i * 50, 0));
  }
}
