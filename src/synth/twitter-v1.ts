/**
 * Render raw posts as X (Twitter) API v1.1 tweet objects, one JSON document per line, as the
 * 2017 streaming API delivered them: `created_at` in Twitter's date format, numeric `id` with
 * its exact `id_str`, `user`, `entities` with code-point `indices`, HTML `source`,
 * `retweeted_status` / `quoted_status` embedded in full, `in_reply_to_*`, `lang`,
 * `timestamp_ms`. Fields that are null or constant in such data (geo, place, contributors,
 * profile colours, `favorited`...) are left out to keep files small; the fields kept have
 * the names and types Twitter used.
 *
 * @see https://developer.twitter.com/en/docs/twitter-api/v1/data-dictionary/object-model/tweet
 */
import type { Population } from './accounts.js';
import { F_DEFAULT_AVATAR, F_DEFAULT_PROFILE, F_ENGLISH, F_VERIFIED, profileText } from './accounts.js';
import { twitterDate } from './calendar.js';
import { CLIENTS } from './lexicon.js';
import {
  cpLen,
  cpOffset,
  displayUrl,
  hasAstral,
  type MentionEntity,
  type RawPost,
  type TagEntity,
  type UrlEntity,
} from './raw.js';
import { hash32, Rng } from './rng.js';
import { base62 } from './ids.js';

/**
 * A JSON string literal in pure ASCII: characters past 0x7e become `\uXXXX` escapes (as in
 * much v1.1 output). Lines stay one-byte strings, which V8 writes to a file at memcpy speed.
 */
function q(s: string): string {
  const j = JSON.stringify(s);
  for (let i = 0; i < j.length; i++) {
    if (j.charCodeAt(i) > 0x7e) return j.replace(/[\u007f-\uffff]/g, escapeChar);
  }
  return j;
}

function escapeChar(c: string): string {
  const h = c.charCodeAt(0).toString(16);
  return '\\u' + '0000'.slice(h.length) + h;
}

/** The text of a retweet: `RT @author: ` and the original, cut at 140 code points with `…`. */
export function retweetText(handle: string, text: string): { text: string; limit: number; shift: number } {
  const prefix = 'RT @' + handle + ': ';
  const shift = prefix.length; // handles are ASCII
  const full = prefix + text;
  if (full.length <= 140 || cpLen(full) <= 140) return { text: full, limit: Infinity, shift };
  const cps = Array.from(full);
  return { text: cps.slice(0, 139).join('') + '…', limit: 139, shift };
}

/**
 * How much of the original a retweet's text keeps, as a UTF-16 end offset in the original's
 * text: entities ending past it are cut from the retweet (Infinity when nothing is cut).
 */
export function retweetKeepsUpTo(handle: string, text: string): number {
  const shift = 6 + handle.length; // 'RT @' + handle + ': '
  if (shift + text.length <= 140) return Infinity;
  const rt = retweetText(handle, text);
  if (rt.limit === Infinity) return Infinity;
  const maxCp = rt.limit - shift;
  let cp = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff) cp++;
    if (cp > maxCp) return i;
  }
  return text.length;
}

/** Writes tweets; caches the static part of each user object (bounded). */
export class V1Renderer {
  private readonly userHead = new Map<number, string>();
  private readonly userTail = new Map<number, string>();
  private readonly rng = new Rng(0);
  private readonly rtCache = new Map<number, RtParts>();

  constructor(private readonly pop: Population) {}

  /** The v1.1 user object of account `i`, with its status count as of now. */
  user(i: number): string {
    const pop = this.pop;
    let head = this.userHead.get(i);
    let tail = this.userTail.get(i);
    if (head === undefined || tail === undefined) {
      const { location, description } = profileText(pop, i, this.rng);
      const f = pop.flags[i];
      const id = pop.idStr[i];
      const img =
        f & F_DEFAULT_AVATAR
          ? 'https://abs.twimg.com/sticky/default_profile_images/default_profile_normal.png'
          : `https://pbs.twimg.com/profile_images/${100_000_000 + (hash32(pop.seed, i, 7) % 800_000_000)}/${base62(hash32(pop.seed, i, 8), 0, 5)}_normal.jpg`;
      // Kept: what profiles are judged by (age, audience, defaults, client-independent ids).
      // Left out: fields that are null or constant in 2017 stream data (utc_offset,
      // time_zone, contributors_enabled, colours, following...).
      head =
        `{"id":${id},"id_str":"${id}","name":${q(pop.name[i])},"screen_name":"${pop.handle[i]}",` +
        `"location":${location ? q(location) : 'null'},"description":${q(description)},` +
        `"protected":false,"verified":${(f & F_VERIFIED) !== 0},"followers_count":${pop.followers[i]},` +
        `"friends_count":${pop.following[i]},"listed_count":${pop.listed[i]},"favourites_count":${pop.favourites[i]},` +
        `"statuses_count":`;
      tail =
        `,"created_at":"${twitterDate(pop.created[i])}","lang":"${f & F_ENGLISH ? 'en' : 'fr'}",` +
        `"profile_image_url_https":"${img}",` +
        `"default_profile":${(f & F_DEFAULT_PROFILE) !== 0},"default_profile_image":${(f & F_DEFAULT_AVATAR) !== 0}}`;
      head = flat(head);
      tail = flat(tail);
      if (this.userHead.size >= 50_000) {
        this.userHead.clear();
        this.userTail.clear();
      }
      this.userHead.set(i, head);
      this.userTail.set(i, tail);
    }
    return head + (pop.statuses[i] + pop.posted[i]) + tail;
  }

  /**
   * The `entities` object. Offsets are converted from UTF-16 to code points (`text` is the
   * post's own text), shifted by `shift` and dropped past `limit` (a truncated retweet).
   */
  private entities(
    text: string,
    urls: UrlEntity[],
    tags: TagEntity[],
    ments: MentionEntity[],
    shift: number,
    limit: number,
    rtOf = -1,
  ): string {
    const pop = this.pop;
    const astral = hasAstral(text);
    const cp = (i: number) => (astral ? cpOffset(text, i) : i) + shift;
    let s = '{"hashtags":[';
    let first = true;
    for (const h of tags) {
      const a = cp(h.start);
      const b = cp(h.end);
      if (b > limit) continue;
      s += (first ? '' : ',') + `{"text":${q(h.text)},"indices":[${a},${b}]}`;
      first = false;
    }
    s += '],"user_mentions":[';
    first = true;
    if (rtOf >= 0) {
      const id = pop.idStr[rtOf];
      s += `{"screen_name":"${pop.handle[rtOf]}","name":${q(pop.name[rtOf])},"id":${id},"id_str":"${id}","indices":[3,${4 + pop.handle[rtOf].length}]}`;
      first = false;
    }
    for (const m of ments) {
      const a = cp(m.start);
      const b = cp(m.end);
      if (b > limit) continue;
      const id = pop.idStr[m.acct];
      s +=
        (first ? '' : ',') +
        `{"screen_name":"${pop.handle[m.acct]}","name":${q(pop.name[m.acct])},"id":${id},"id_str":"${id}","indices":[${a},${b}]}`;
      first = false;
    }
    s += '],"urls":[';
    first = true;
    for (const u of urls) {
      const a = cp(u.start);
      const b = cp(u.end);
      if (b > limit) continue;
      s +=
        (first ? '' : ',') +
        `{"url":"${u.short}","expanded_url":${q(u.expanded)},"display_url":${q(displayUrl(u.expanded))},"indices":[${a},${b}]}`;
      first = false;
    }
    return s + ']}';
  }

  /**
   * What every retweet of `r` repeats: the embedded original, and the retweet's own text and
   * entities. Cached per original (bounded), since popular posts are retweeted many times.
   */
  private forRetweets(r: RawPost): RtParts {
    let c = this.rtCache.get(r.seq);
    if (c === undefined) {
      const rt = retweetText(this.pop.handle[r.acct], r.text);
      c = {
        nested: flat(this.tweet(r, false)),
        text: flat(q(rt.text)),
        entities: flat(this.entities(r.text, r.urls, r.tags, r.mentions, rt.shift, rt.limit, r.acct)),
      };
      if (this.rtCache.size >= 20_000) this.rtCache.clear();
      this.rtCache.set(r.seq, c);
    }
    return c;
  }

  /** One tweet object. `top` adds the streaming envelope's `timestamp_ms`. */
  tweet(p: RawPost, top: boolean): string {
    let out = '';
    this.write(p, top, (x) => (out += x));
    return out;
  }

  /**
   * Write tweet `p` as a few pieces to `emit`. Big cached pieces (the embedded original of a
   * retweet) go out on their own so they are copied once, not rebuilt into a new string.
   */
  write(p: RawPost, top: boolean, emit: (s: string) => void): void {
    const pop = this.pop;
    const head = `{"created_at":"${twitterDate(p.time)}","id":${p.id},"id_str":"${p.id}","text":`;
    const end = top ? `"lang":"${p.lang}","timestamp_ms":"${msText(p.time)}"}` : `"lang":"${p.lang}"}`;
    if (p.kind === 'repost' && p.ref) {
      const c = this.forRetweets(p.ref);
      emit(
        head +
          c.text +
          ',"source":' +
          SOURCES[p.client] +
          ',"truncated":false,' +
          NO_REPLY +
          ',"user":' +
          this.user(p.acct) +
          ',"retweeted_status":',
      );
      emit(c.nested);
      emit(
        ',"is_quote_status":false,"retweet_count":0,"favorite_count":0,"entities":' + c.entities + ',' + end,
      );
      return;
    }
    let reply = NO_REPLY;
    if (p.kind === 'reply' && p.ref) {
      const r = p.ref;
      const uid = pop.idStr[r.acct];
      reply = `"in_reply_to_status_id":${r.id},"in_reply_to_status_id_str":"${r.id}","in_reply_to_user_id":${uid},"in_reply_to_user_id_str":"${uid}","in_reply_to_screen_name":"${pop.handle[r.acct]}"`;
    }
    emit(
      head +
        q(p.text) +
        ',"source":' +
        SOURCES[p.client] +
        ',"truncated":false,' +
        reply +
        ',"user":' +
        this.user(p.acct) +
        ',',
    );
    if (p.kind === 'quote' && p.ref) {
      emit(
        `"is_quote_status":true,"quoted_status_id":${p.ref.id},"quoted_status_id_str":"${p.ref.id}","quoted_status":`,
      );
      emit(p.ref.kind === 'original' ? this.forRetweets(p.ref).nested : this.tweet(p.ref, false));
      emit(',');
    } else emit('"is_quote_status":false,');
    emit(
      '"retweet_count":0,"favorite_count":0,"entities":' +
        this.entities(p.text, p.urls, p.tags, p.mentions, 0, Infinity) +
        ',' +
        end,
    );
  }
}

interface RtParts {
  nested: string;
  text: string;
  entities: string;
}

const SOURCES = CLIENTS.map((c) => q(c.source));
const NO_REPLY =
  '"in_reply_to_status_id":null,"in_reply_to_status_id_str":null,"in_reply_to_user_id":null,"in_reply_to_user_id_str":null,"in_reply_to_screen_name":null';

/**
 * `s` flattened in place. V8 keeps a string built by `+` as a tree of its pieces, and copying
 * a tree into a bigger string walks it again each time: cached pieces are flattened once.
 */
function flat(s: string): string {
  if (s.length > 0) s.charCodeAt(0);
  return s;
}

/** Epoch ms as text without the slow path V8 takes for numbers above 2^31. */
export function msText(t: number): string {
  const hi = Math.floor(t / 10_000_000);
  const lo = t - hi * 10_000_000;
  const ls = '' + lo;
  return hi === 0 ? ls : hi + '0000000'.slice(ls.length) + ls;
}
