/**
 * TwiBot-20 user dumps (`twibot20`): one JSON array of users, each
 * `{ID, profile, tweet, neighbor, domain}` (Feng et al. 2021, github.com/BunsenFeng/TwiBot-20).
 *
 * What the released files really hold (checked on TwiBot-20_sample.json):
 * - `profile` is a v1.1 user object whose every value was written as a string with one
 *   trailing space: `"followers_count": "15349596 "`, `"verified": "True "`, `"None "` for
 *   null, nested objects as Python reprs. Values are read through that layer.
 * - `tweet` is a list of tweet TEXTS (strings), or null: no id, no time, no entities. They
 *   cannot become Posts (a post needs an id and a time, and inventing either would plant
 *   fake co-activity for the time-window detectors), so `read()` yields the account and
 *   `twibot20Users()` hands the texts to callers that want them. Should a variant carry
 *   v1.1 tweet objects instead, those become Posts as in `x-v1`.
 * - `neighbor` (follow ids) and `domain` have no place in the model yet and are ignored.
 *
 * The array is framed element by element (`jsonArrayEvents`), so the full 2 GB dataset reads
 * in bounded memory; each user element is bounded by `maxRecordBytes`.
 */
import type { Reader, ReaderOptions } from '../types.js';
import type { Account, Post, Position, ReadRecord } from '../../model/post.js';
import type { InputFile } from '../../ingest/input.js';
import { jsonArrayEvents } from '../../ingest/json-array.js';
import { parseV1Tweet } from './tweet.js';
import {
  X_PLATFORM,
  type Obj,
  bool,
  count,
  excerpt,
  isDefaultAvatar,
  isObj,
  parseTwitterDate,
} from './shared.js';

/** A TwiBot-20 profile value: strip the one trailing space the dump added; `None` is null. */
function tb(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const t = v.endsWith(' ') ? v.slice(0, -1) : v;
  return t === 'None' || t === '' ? null : t;
}

function tbStr(v: unknown): string | null {
  const t = tb(v);
  return typeof t === 'string' ? t : null;
}

function valueExcerpt(o: unknown): string {
  return excerpt(JSON.stringify(o) ?? String(o));
}

/** Account from a TwiBot-20 profile (stringly-typed v1.1 user); null without an id. */
export function twibotAccount(profile: Obj, fallbackId: string | null): Account | null {
  const id = tbStr(profile.id_str)?.trim() || fallbackId;
  if (!id) return null;
  const created = tbStr(profile.created_at);
  const avatar = tbStr(profile.profile_image_url_https) ?? tbStr(profile.profile_image_url);
  return {
    platform: X_PLATFORM,
    accountId: id,
    handle: tbStr(profile.screen_name),
    displayName: tbStr(profile.name),
    createdAt: created === null ? null : parseTwitterDate(created.trim()),
    followers: count(tb(profile.followers_count)),
    following: count(tb(profile.friends_count)),
    postsCount: count(tb(profile.statuses_count)),
    description: tbStr(profile.description),
    verified: bool(tb(profile.verified)),
    defaultProfile: bool(tb(profile.default_profile)),
    defaultAvatar: bool(tb(profile.default_profile_image)) ?? isDefaultAvatar(avatar),
    // The dump does not say when the profiles were fetched.
    observedAt: null,
  };
}

/** Everything one TwiBot-20 user element holds that vigie can use. */
export interface Twibot20User {
  pos: Position;
  /** Null when the element is rejected as a whole (see `reject`). */
  account: Account | null;
  /** Posts from tweet entries that are v1.1 tweet objects. */
  posts: Post[];
  /** Tweet entries that are bare texts (the released TwiBot-20 files): verbatim. */
  texts: string[];
  /** The element's own reject, when it is not a usable user. */
  reject?: { reason: string; excerpt: string };
  /** Tweet entries that could not be read, each with its index in `tweet`. */
  tweetRejects: { index: number; reason: string }[];
}

/**
 * Every user of a TwiBot-20 file with its tweets split into posts, texts and rejects
 * (the detailed form of `twibot20Reader.read`).
 */
export async function* twibot20Users(input: InputFile): AsyncGenerator<Twibot20User> {
  for await (const ev of jsonArrayEvents(input, { key: null })) {
    if (ev.type !== 'element' && ev.type !== 'reject') continue;
    const pos = { line: ev.line, offset: ev.offset };
    const out: Twibot20User = { pos, account: null, posts: [], texts: [], tweetRejects: [] };
    if (ev.type === 'reject') {
      out.reject = { reason: ev.reason, excerpt: ev.excerpt };
      yield out;
      continue;
    }
    const o = ev.value;
    if (!isObj(o) || !isObj(o.profile)) {
      out.reject = { reason: 'not a TwiBot-20 user (no profile object)', excerpt: valueExcerpt(o) };
      yield out;
      continue;
    }
    const fallbackId = typeof o.ID === 'string' && o.ID.trim() !== '' ? o.ID.trim() : null;
    out.account = twibotAccount(o.profile, fallbackId);
    if (out.account === null) {
      out.reject = { reason: 'user has neither profile.id_str nor ID', excerpt: valueExcerpt(o) };
      yield out;
      continue;
    }
    const tweets = o.tweet;
    if (tweets !== null && tweets !== undefined && !Array.isArray(tweets)) {
      out.tweetRejects.push({ index: -1, reason: '"tweet" is neither a list nor null' });
    }
    if (Array.isArray(tweets)) {
      tweets.forEach((t, index) => {
        if (typeof t === 'string') out.texts.push(t);
        else if (isObj(t)) {
          const r = parseV1Tweet(t);
          if (r.reason !== undefined) out.tweetRejects.push({ index, reason: r.reason });
          else out.posts.push(r.post);
        } else out.tweetRejects.push({ index, reason: `tweet entry is ${t === null ? 'null' : typeof t}` });
      });
    }
    yield out;
  }
}

export const twibot20Reader: Reader = {
  format: 'twibot20',
  title:
    'TwiBot-20 user dump (JSON array of {ID, profile, tweet, neighbor}); accounts, and tweets that are v1.1 objects',
  sniff(head) {
    const h = head.slice(0, 8192);
    if (!/^\s*\[\s*\{/.test(h)) return 0;
    const profile = /"profile"\s*:\s*\{/.test(h);
    const id = /"ID"\s*:/.test(h);
    const screen = h.includes('"screen_name"');
    if (profile && id && screen) return 0.95;
    if (profile && screen) return 0.7;
    return 0;
  },
  async *read(input: InputFile, _options: ReaderOptions): AsyncIterable<ReadRecord> {
    for await (const u of twibot20Users(input)) {
      if (u.reject) {
        yield { pos: u.pos, reject: u.reject };
        continue;
      }
      yield { pos: u.pos, posts: u.posts, accounts: [u.account!] };
      // One reject per unreadable tweet entry, at the user's position (the entry's own offset
      // is not tracked inside an element).
      for (const r of u.tweetRejects) {
        yield {
          pos: u.pos,
          reject: {
            reason: r.index < 0 ? r.reason : `tweet ${r.index} of user ${u.account!.accountId}: ${r.reason}`,
            excerpt: '',
          },
        };
      }
    }
  },
};
