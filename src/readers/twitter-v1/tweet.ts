/**
 * The v1.1 tweet object mapped to the model: one tweet in, one Post and the Accounts it
 * embeds out. Shared by the `x-v1` reader and the TwiBot-20 reader. The decisions are listed
 * in ./index.ts.
 */
import type { Account, Position, Post, PostKind, ReadRecord } from '../../model/post.js';
import type { LineItem } from '../../ingest/input.js';
import {
  X_PLATFORM,
  type Obj,
  arr,
  bool,
  count,
  excerpt,
  hashtagKey,
  isObj,
  mentionKey,
  parseIsoInstant,
  pushEntityKeys,
  parseTwitterDate,
  str,
  xPost,
} from './shared.js';

/** Top-level keys of the streaming API's non-tweet messages. */
const NOTICE_KEYS = [
  'delete',
  'limit',
  'scrub_geo',
  'status_withheld',
  'user_withheld',
  'disconnect',
  'warning',
  'event',
  'friends',
  'friends_str',
  'control',
  'for_user',
];

/** Is `o` (an object without `id_str`) a streaming notice rather than a broken tweet? */
export function isV1Notice(o: Obj): boolean {
  for (const k of NOTICE_KEYS) if (k in o) return true;
  return false;
}

/** Epoch ms of a v1.1 `created_at` (Twitter layout; ISO with a zone accepted from converters). */
export function v1Time(v: unknown): number | null {
  if (typeof v !== 'string') return null;
  return parseTwitterDate(v) ?? parseIsoInstant(v);
}

/**
 * Account from a v1.1 user object; null when it has no `id_str`.
 * `observedAt` is the time of the post that carried this snapshot of the profile.
 */
export function v1Account(u: Obj, observedAt: number | null): Account | null {
  const id = str(u.id_str);
  if (id === null) return null;
  return {
    platform: X_PLATFORM,
    accountId: id,
    handle: str(u.screen_name),
    displayName: str(u.name),
    createdAt: v1Time(u.created_at),
    followers: count(u.followers_count),
    following: count(u.friends_count),
    postsCount: count(u.statuses_count),
    description: str(u.description),
    verified: bool(u.verified),
    defaultProfile: bool(u.default_profile),
    defaultAvatar: bool(u.default_profile_image),
    observedAt,
  };
}

function textOf(v: unknown): string | null | false {
  if (v === undefined || v === null) return null;
  return typeof v === 'string' ? v : false;
}

/** A parsed v1.1 tweet: its post and the accounts it carries, or the reason it was refused. */
export type V1Parsed = { post: Post; accounts: Account[]; reason?: undefined } | { reason: string };

/**
 * Map one v1.1 tweet object to a Post and the Accounts it embeds (its author, and the
 * authors of the retweeted and quoted statuses). Never throws on hostile input.
 */
export function parseV1Tweet(t: Obj): V1Parsed {
  const id = t.id_str;
  if (typeof id !== 'string' || id === '') return { reason: 'no id_str (string)' };
  const user = t.user;
  if (!isObj(user)) return { reason: 'no user object' };
  const accountId = user.id_str;
  if (typeof accountId !== 'string' || accountId === '') return { reason: 'user has no id_str (string)' };
  const time = v1Time(t.created_at);
  if (time === null) {
    return { reason: `unreadable created_at ${JSON.stringify(t.created_at ?? null)?.slice(0, 60)}` };
  }

  const ext = isObj(t.extended_tweet) ? t.extended_tweet : null;
  // Full text comes from `full_text` (REST, tweet_mode=extended), else `extended_tweet` (streaming
  // tweets over 140 chars), else `text`; entities come from the same place as the text.
  let text = textOf(t.full_text);
  let holder: Obj = t;
  if (text === null && ext !== null) {
    text = textOf(ext.full_text);
    if (text !== null) holder = ext;
  }
  if (text === null) text = textOf(t.text);
  if (text === false) return { reason: 'text is not a string' };

  let kind: PostKind = 'original';
  let refPostId: string | null = null;
  let refAccountId: string | null = null;
  const rt = isObj(t.retweeted_status) ? t.retweeted_status : null;
  const qt = isObj(t.quoted_status) ? t.quoted_status : null;
  if (rt !== null) {
    kind = 'repost';
    refPostId = str(rt.id_str);
    refAccountId = isObj(rt.user) ? str(rt.user.id_str) : null;
  } else if (qt !== null || (t.is_quote_status === true && typeof t.quoted_status_id_str === 'string')) {
    kind = 'quote';
    refPostId = str(t.quoted_status_id_str) ?? (qt !== null ? str(qt.id_str) : null);
    refAccountId = qt !== null && isObj(qt.user) ? str(qt.user.id_str) : null;
  } else if (typeof t.in_reply_to_status_id_str === 'string' && t.in_reply_to_status_id_str !== '') {
    kind = 'reply';
    refPostId = t.in_reply_to_status_id_str;
    refAccountId = str(t.in_reply_to_user_id_str);
  }

  const ent = isObj(holder.entities) ? holder.entities : null;
  const xent = isObj(holder.extended_entities) ? holder.extended_entities : null;
  const rawUrls: string[] = [];
  const hashtags: string[] = [];
  const mentions: string[] = [];
  const media: string[] = [];
  if (ent !== null) {
    for (const u of arr(ent.urls)) {
      if (!isObj(u)) continue;
      const x = str(u.expanded_url) ?? str(u.url);
      if (x !== null) rawUrls.push(x);
    }
    pushEntityKeys(ent.hashtags, 'text', hashtagKey, hashtags);
    pushEntityKeys(ent.user_mentions, 'screen_name', mentionKey, mentions);
  }
  // extended_entities lists every photo of a multi-photo tweet; entities.media only the first.
  const mediaList =
    xent !== null && Array.isArray(xent.media) ? xent.media : ent !== null ? arr(ent.media) : [];
  for (const m of mediaList) {
    if (!isObj(m)) continue;
    const k = str(m.id_str) ?? str(m.media_url_https) ?? str(m.media_url);
    if (k !== null && !media.includes(k)) media.push(k);
  }
  const post = xPost(t, {
    postId: id,
    accountId,
    time,
    text,
    kind,
    refPostId,
    refAccountId,
    rawUrls,
    hashtags,
    mentions,
    media,
  });
  const accounts: Account[] = [v1Account(user, time)!];
  if (rt !== null && isObj(rt.user)) {
    const a = v1Account(rt.user, time);
    if (a !== null) accounts.push(a);
  }
  if (qt !== null && isObj(qt.user)) {
    const a = v1Account(qt.user, time);
    if (a !== null) accounts.push(a);
  }
  return { post, accounts };
}

/** Excerpt of a parsed value for a reject (only computed on the reject path). */
function valueExcerpt(o: unknown): string {
  try {
    return excerpt(JSON.stringify(o) ?? String(o));
  } catch {
    return '';
  }
}

/** Turn one parsed JSON value (a line or an array element) into a ReadRecord. */
export function v1FromValue(o: unknown, pos: Position, raw?: string): ReadRecord {
  if (!isObj(o))
    return {
      pos,
      reject: { reason: 'not a JSON object', excerpt: raw !== undefined ? excerpt(raw) : valueExcerpt(o) },
    };
  if (o.id_str === undefined && isV1Notice(o)) return { pos };
  const r = parseV1Tweet(o);
  if (r.reason !== undefined) {
    return { pos, reject: { reason: r.reason, excerpt: raw !== undefined ? excerpt(raw) : valueExcerpt(o) } };
  }
  return { pos, posts: [r.post], accounts: r.accounts };
}

/** Turn one JSON line into a ReadRecord. */
export function v1Record(item: LineItem): ReadRecord {
  const pos = { line: item.line, offset: item.offset };
  if (item.reject) return { pos, reject: item.reject };
  let o: unknown;
  try {
    o = JSON.parse(item.text);
  } catch (e) {
    return {
      pos,
      reject: { reason: `malformed JSON: ${(e as Error).message}`, excerpt: excerpt(item.text) },
    };
  }
  return v1FromValue(o, pos, item.text);
}
