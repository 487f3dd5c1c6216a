/**
 * X API v2 (`x-v2`): tweets and response pages.
 *
 * Accepted layouts, told apart from the first bytes:
 * - JSON lines, each either one tweet object (twarc2 `--flatten` output and similar; an
 *   embedded `author` user is used) or one response page `{data, includes, meta, errors}`
 *   (search and timeline pages as twarc2 writes them, or a filtered-stream message whose
 *   `data` is a single tweet);
 * - a JSON array of tweets or pages (framed element by element, bounded memory);
 * - one pretty-printed page (what `curl | jq .` saves), read whole when it is at most
 *   `maxRecordBytes`, refused with a hint to convert it otherwise.
 *
 * Mapping (mirrors `x-v1`, see ../twitter-v1/index.ts for the shared decisions):
 * - text is `note_tweet.text` (long posts) when present, else `text`; entities come with it.
 * - `referenced_tweets`: `retweeted` > `quoted` > `replied_to` decides the kind and
 *   `refPostId`; `refAccountId` is the author of the referenced tweet from `includes.tweets`
 *   (or the embedded referenced tweet), else `in_reply_to_user_id` for replies.
 * - URLs: `expanded_url`, else `unwound_url`, else `url`; the `pic.twitter.com` links that
 *   stand for attached media (they carry a `media_key`) are not URLs, as in v1.1.
 * - `includes.users` become Accounts observed at the time of their latest post in the page
 *   (null when they posted none there); `includes.tweets` only resolve references, they are
 *   not Posts of the collection.
 * - A page with no `data` (an empty result, an `errors`-only page) yields an empty record;
 *   each unreadable tweet inside a page yields its own reject at the page's position.
 */
import type { Reader, ReaderOptions } from '../types.js';
import type { Account, Position, Post, PostKind, ReadRecord } from '../../model/post.js';
import { isUtf8 } from 'node:buffer';
import type { InputFile, LineItem } from '../../ingest/input.js';
import { excerptOf } from '../../ingest/input.js';
import { jsonArrayEvents } from '../../ingest/json-array.js';
import {
  X_PLATFORM,
  type Obj,
  arr,
  bool,
  count,
  excerpt,
  hashtagKey,
  isDefaultAvatar,
  isObj,
  mentionKey,
  parseIsoInstant,
  pushEntityKeys,
  str,
  xPost,
} from '../twitter-v1/shared.js';
import { VigieError } from '../../util/errors.js';

function v2Time(v: unknown): number | null {
  return typeof v === 'string' ? parseIsoInstant(v) : null;
}

/** Account from a v2 user object; null when it has no string `id`. */
export function v2Account(u: Obj, observedAt: number | null): Account | null {
  const id = str(u.id);
  if (id === null) return null;
  const pm = isObj(u.public_metrics) ? u.public_metrics : null;
  return {
    platform: X_PLATFORM,
    accountId: id,
    handle: str(u.username),
    displayName: str(u.name),
    createdAt: v2Time(u.created_at),
    followers: pm ? count(pm.followers_count) : null,
    following: pm ? count(pm.following_count) : null,
    postsCount: pm ? count(pm.tweet_count) : null,
    description: str(u.description),
    verified: bool(u.verified),
    // v2 has no "default profile" flag; only the avatar can be told.
    defaultProfile: null,
    defaultAvatar: isDefaultAvatar(u.profile_image_url),
    observedAt,
  };
}

const KIND_RANK: Record<string, number> = { retweeted: 3, quoted: 2, replied_to: 1 };
const KIND_OF: Record<string, PostKind> = { retweeted: 'repost', quoted: 'quote', replied_to: 'reply' };

/**
 * Map one v2 tweet object to a Post. `refAuthors` resolves a referenced tweet id to its
 * author id (from `includes.tweets`). Returns the reason when the tweet is unusable.
 */
export function parseV2Tweet(t: Obj, refAuthors: Map<string, string> | null): Post | string {
  const id = t.id;
  if (typeof id !== 'string' || id === '') return 'no id (string)';
  const accountId = t.author_id;
  if (typeof accountId !== 'string' || accountId === '') {
    return 'no author_id (string): request tweet.fields=author_id';
  }
  const time = v2Time(t.created_at);
  if (time === null) {
    return `unreadable created_at ${JSON.stringify(t.created_at ?? null)?.slice(0, 60)} (request tweet.fields=created_at)`;
  }
  let text: string | null = null;
  let holder: Obj = t;
  const note = isObj(t.note_tweet) ? t.note_tweet : null;
  if (note !== null && typeof note.text === 'string') {
    text = note.text;
    if (isObj(note.entities)) holder = note;
  } else if (t.text !== undefined && t.text !== null) {
    if (typeof t.text !== 'string') return 'text is not a string';
    text = t.text;
  }

  let kind: PostKind = 'original';
  let refPostId: string | null = null;
  let refAccountId: string | null = null;
  let best = 0;
  for (const r of arr(t.referenced_tweets)) {
    if (!isObj(r) || typeof r.type !== 'string' || typeof r.id !== 'string') continue;
    const rank = KIND_RANK[r.type] ?? 0;
    if (rank <= best) continue;
    best = rank;
    kind = KIND_OF[r.type];
    refPostId = r.id;
    refAccountId = str(r.author_id) ?? refAuthors?.get(r.id) ?? null;
  }
  if (kind === 'reply' && refAccountId === null) refAccountId = str(t.in_reply_to_user_id);

  const ent = isObj(holder.entities) ? holder.entities : null;
  const rawUrls: string[] = [];
  const hashtags: string[] = [];
  const mentions: string[] = [];
  if (ent !== null) {
    for (const u of arr(ent.urls)) {
      if (!isObj(u) || u.media_key !== undefined) continue;
      const x = str(u.expanded_url) ?? str(u.unwound_url) ?? str(u.url);
      if (x !== null) rawUrls.push(x);
    }
    pushEntityKeys(ent.hashtags, 'tag', hashtagKey, hashtags);
    pushEntityKeys(ent.mentions, 'username', mentionKey, mentions);
  }
  const media: string[] = [];
  const att = isObj(t.attachments) ? t.attachments : null;
  if (att !== null) {
    for (const k of arr(att.media_keys))
      if (typeof k === 'string' && k !== '' && !media.includes(k)) media.push(k);
  }
  return xPost(t, {
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
}

/** Posts, accounts and per-tweet rejects of one v2 record (a tweet or a page). */
export interface V2Parsed {
  posts: Post[];
  accounts: Account[];
  rejects: string[];
  /** Set when the record as a whole is not v2 data. */
  reason?: string;
}

/** Map one parsed JSON value (a tweet or a response page) to posts, accounts and rejects. */
export function parseV2Record(o: Obj): V2Parsed {
  const out: V2Parsed = { posts: [], accounts: [], rejects: [] };
  if (!('data' in o)) {
    if (o.id === undefined) {
      // A page without data (empty result, errors only) is not a broken record.
      if ('meta' in o || 'errors' in o || 'includes' in o) return out;
      out.reason = 'not a v2 tweet (no id) nor a response page (no data)';
      return out;
    }
    const p = parseV2Tweet(o, null);
    if (typeof p === 'string') out.reason = p;
    else {
      out.posts.push(p);
      if (isObj(o.author)) {
        const a = v2Account(o.author, p.time);
        if (a !== null) out.accounts.push(a);
      }
    }
    return out;
  }
  const data = o.data;
  const tweets = Array.isArray(data) ? data : isObj(data) ? [data] : null;
  if (tweets === null) {
    if (data === null) return out;
    out.reason = '"data" is neither a tweet nor a list of tweets';
    return out;
  }
  const inc = isObj(o.includes) ? o.includes : null;
  let refAuthors: Map<string, string> | null = null;
  if (inc !== null && Array.isArray(inc.tweets)) {
    refAuthors = new Map();
    for (const t of inc.tweets) {
      if (isObj(t) && typeof t.id === 'string' && typeof t.author_id === 'string')
        refAuthors.set(t.id, t.author_id);
    }
  }
  const lastPost = new Map<string, number>();
  tweets.forEach((t, i) => {
    if (!isObj(t)) {
      out.rejects.push(`data[${i}] is not an object`);
      return;
    }
    const p = parseV2Tweet(t, refAuthors);
    if (typeof p === 'string') {
      out.rejects.push(`data[${i}] (id ${typeof t.id === 'string' ? t.id.slice(0, 30) : '?'}): ${p}`);
      return;
    }
    out.posts.push(p);
    const prev = lastPost.get(p.accountId);
    if (prev === undefined || p.time > prev) lastPost.set(p.accountId, p.time);
  });
  if (inc !== null) {
    for (const u of arr(inc.users)) {
      if (!isObj(u)) continue;
      const id = str(u.id);
      const a = id === null ? null : v2Account(u, lastPost.get(id) ?? null);
      if (a !== null) out.accounts.push(a);
    }
  }
  return out;
}

/** The ReadRecords of one parsed v2 value (a line, an array element or a whole document). */
export function v2FromValue(o: unknown, pos: Position, raw?: string): ReadRecord[] {
  const ex = () => excerpt(raw ?? JSON.stringify(o) ?? '');
  if (!isObj(o)) return [{ pos, reject: { reason: 'not a JSON object', excerpt: ex() } }];
  const r = parseV2Record(o);
  if (r.reason !== undefined) return [{ pos, reject: { reason: r.reason, excerpt: ex() } }];
  const out: ReadRecord[] = [{ pos, posts: r.posts, accounts: r.accounts }];
  for (const reason of r.rejects) out.push({ pos, reject: { reason, excerpt: '' } });
  return out;
}

/** The ReadRecords of one JSON line (or whole document). */
export function v2Records(item: LineItem): ReadRecord[] {
  const pos = { line: item.line, offset: item.offset };
  if (item.reject) return [{ pos, reject: item.reject }];
  let o: unknown;
  try {
    o = JSON.parse(item.text);
  } catch (e) {
    return [
      { pos, reject: { reason: `malformed JSON: ${(e as Error).message}`, excerpt: excerpt(item.text) } },
    ];
  }
  return v2FromValue(o, pos, item.text);
}

function firstNonBlankLine(head: string): string {
  for (const l of head.split('\n', 50)) if (l.trim() !== '') return l.trim();
  return '';
}

/**
 * A pretty-printed document opens with a line that cannot be a whole JSON value: `{`, `[`,
 * or `{"data": [`. JSON lines never do (a truncated line that happens to end so is read as a
 * document, fails to parse, and is reported as one reject).
 */
function looksPretty(head: string): boolean {
  const l = firstNonBlankLine(head);
  return l.startsWith('{') && (l.endsWith('{') || l.endsWith('[') || l.endsWith(',') || l.endsWith(':'));
}

async function wholeDocument(input: InputFile): Promise<LineItem> {
  const max = input.limits.maxRecordBytes;
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of input.byteStream() as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > max) {
      throw new VigieError(
        'ERR_INPUT',
        `${input.path}: a pretty-printed JSON document larger than ${max} bytes; convert it to JSON lines (one page per line, e.g. jq -c . FILE) or raise the record limit`,
      );
    }
    parts.push(c);
  }
  const buf = Buffer.concat(parts);
  if (!isUtf8(buf))
    return { line: 1, offset: 0, reject: { reason: 'invalid UTF-8', excerpt: excerptOf(buf) } };
  return { line: 1, offset: 0, text: buf.toString('utf8').replace(/^\uFEFF/, '') };
}

export const twitterV2Reader: Reader = {
  format: 'x-v2',
  title: 'X API v2 tweets or response pages ({data, includes, meta}), JSON lines or one document',
  sniff(head) {
    const h = head.slice(0, 32768);
    const c = /\S/.exec(h)?.[0];
    if (c !== '{' && c !== '[') return 0;
    // v1.1 objects always carry id_str; v2 never does.
    if (h.includes('"id_str"')) return 0;
    // Profile dumps (TwiBot-20 style) hold users, not v2 tweets.
    if (/"profile"\s*:\s*\{/.test(h)) return 0;
    const author = /"author_id"\s*:\s*"/.test(h);
    const page = /"data"\s*:\s*[[{]/.test(h) && /"(includes|meta)"\s*:/.test(h);
    const iso = /"created_at"\s*:\s*"\d{4}-\d\d-\d\dT/.test(h);
    if (author && (iso || page)) return 0.95;
    if (author) return 0.85;
    if (page) return 0.75;
    return 0;
  },
  async *read(input: InputFile, _options: ReaderOptions): AsyncIterable<ReadRecord> {
    const head = await input.head(8192);
    const c = /\S/.exec(head)?.[0];
    if (c === '[') {
      for await (const ev of jsonArrayEvents(input, { key: null })) {
        const pos =
          ev.type === 'element' || ev.type === 'reject' ? { line: ev.line, offset: ev.offset } : null;
        if (ev.type === 'element') yield* v2FromValue(ev.value, pos!);
        else if (ev.type === 'reject')
          yield { pos: pos!, reject: { reason: ev.reason, excerpt: ev.excerpt } };
      }
      return;
    }
    if (looksPretty(head)) {
      yield* v2Records(await wholeDocument(input));
      return;
    }
    for await (const item of input.lines()) yield* v2Records(item);
  },
};
