/**
 * Mastodon statuses as the REST API returns them (`/api/v1/timelines/...`,
 * `/api/v1/accounts/:id/statuses`): a JSON array of Status objects per file (one page; several
 * pages concatenated also work), or one Status per line.
 *
 * Identity choices:
 * - post id = `uri`, the ActivityPub id. The REST `id` is only meaningful on the instance that
 *   served it: the same status fetched from two instances has two ids but one uri, so the
 *   uri de-duplicates and lets a boost seen on one instance meet its original seen on another.
 *   Replies are the exception: the API gives only `in_reply_to_id`, an id local to the serving
 *   instance, and that is what refPostId holds for them (it groups replies to the same status
 *   from one instance, but does not join a status's uri).
 * - account id = full handle `user@domain`, lower case: `acct` is `user` for the serving
 *   instance's own accounts and `user@domain` for the others, so local ones get the host of
 *   their profile `url` (or of the status uri). REST account ids are instance-local too.
 *
 * Text is a plain-text rendering of `content`: tags removed, entities decoded once, `<br>` and
 * paragraph breaks kept as newlines. Stored HTML would make near-duplicate detection compare
 * markup (Mastodon wraps every link in spans) and show attribute values to the URL and hashtag
 * extractors. Nothing is interpreted: `&lt;script&gt;` becomes the characters `<script>`,
 * stored as such; a literal tag in the HTML is dropped, its inner text kept as text.
 */
import type { Reader, ReaderOptions } from '../types.js';
import type { Account, Post, PostKind, ReadRecord } from '../../model/post.js';
import type { InputFile } from '../../ingest/input.js';
import { excerptOf } from '../../ingest/input.js';
import { jsonArrayEvents } from '../../ingest/json-array.js';
import { jsonLineRecords } from '../json-lines.js';
import {
  languageOf,
  normaliseHashtag,
  normaliseMention,
  normaliseUrls,
  parseTime,
  uniq,
  urlsInText,
} from '../../ingest/normalize.js';

export const PLATFORM = 'mastodon';

type Dict = Record<string, unknown>;

function isDict(v: unknown): v is Dict {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function typeName(v: unknown): string {
  return Array.isArray(v)
    ? 'an array'
    : v === null
      ? 'null'
      : /^[aeiou]/.test(typeof v)
        ? `an ${typeof v}`
        : `a ${typeof v}`;
}

function idOf(v: unknown): string | null {
  if (typeof v === 'string' && v !== '') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  return null;
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };
const ENTITY_RE = /&(#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,7}|[a-zA-Z][a-zA-Z0-9]{1,31});/g;

/** Decode character references once (`&amp;lt;` gives `&lt;`); unknown or invalid ones stay as written. */
export function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(ENTITY_RE, (whole, body: string) => {
    if (body[0] !== '#') return NAMED[body] ?? whole;
    const cp = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
    if (!(cp > 0 && cp <= 0x10ffff) || (cp >= 0xd800 && cp <= 0xdfff)) return whole;
    return String.fromCodePoint(cp);
  });
}

/** Index just past the `>` closing a tag that starts at `lt`, skipping quoted attribute values; -1 if none. */
function tagEnd(html: string, lt: number): number {
  let q = '';
  for (let i = lt + 1; i < html.length; i++) {
    const ch = html[i];
    if (q) {
      if (ch === q) q = '';
    } else if (ch === '"' || ch === "'") q = ch;
    else if (ch === '>') return i + 1;
  }
  return -1;
}

/**
 * Plain text of a Mastodon HTML fragment, without interpreting it: tags are removed (never
 * run, never fetched), `<br>` becomes a newline and a paragraph break two, entities are decoded
 * once. Any other character, control and bidi characters included, is kept verbatim.
 *
 * @example htmlToText('<p>a &lt;b&gt;<br>c</p><p>d</p>') === 'a <b>\nc\n\nd'
 */
export function htmlToText(html: string): string {
  let out = '';
  let text = '';
  const flush = () => {
    out += decodeEntities(text);
    text = '';
  };
  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    if (lt === -1) {
      text += html.slice(i);
      break;
    }
    text += html.slice(i, lt);
    const next = html[lt + 1] ?? '';
    if (html.startsWith('<!--', lt)) {
      const end = html.indexOf('-->', lt + 4);
      i = end === -1 ? html.length : end + 3;
      continue;
    }
    if (!/[A-Za-z/!?]/.test(next)) {
      // A lone `<` is text (a sanitiser would have escaped it, a hostile server may not).
      text += '<';
      i = lt + 1;
      continue;
    }
    const end = tagEnd(html, lt);
    if (end === -1) {
      // An unterminated tag at the end is kept as text rather than silently lost.
      text += html.slice(lt);
      break;
    }
    const name = /^<\/?([A-Za-z][A-Za-z0-9]*)/
      .exec(html.slice(lt, Math.min(end, lt + 16)))?.[1]
      ?.toLowerCase();
    flush();
    if (name === 'br') out += '\n';
    else if (name === 'p' && html[lt + 1] === '/') out += '\n\n';
    i = end;
  }
  flush();
  return out.replace(/\n+$/, '');
}

/** `user@domain` for an account, lower case. `acct` lacks the domain for the serving instance's own accounts. */
export function fullHandle(acct: string, profileUrl: unknown, fallbackUrl: unknown): string {
  const a = acct.replace(/^@/, '');
  if (a.includes('@')) return a.toLowerCase();
  for (const u of [profileUrl, fallbackUrl]) {
    if (typeof u !== 'string') continue;
    try {
      const host = new URL(u).hostname;
      if (host) return `${a}@${host}`.toLowerCase();
    } catch {
      // not a URL: try the next one
    }
  }
  return a.toLowerCase();
}

const DEFAULT_IMAGE = /\/missing\.png(\?|$)/;

function accountOf(a: Dict, id: string, observedAt: number): Account {
  const note = typeof a.note === 'string' && a.note !== '' ? htmlToText(a.note) : null;
  const avatar = str(a.avatar);
  const header = str(a.header);
  // No header image and no bio is the closest thing to an untouched profile; unknown when neither is given.
  const defaultProfile =
    a.header === undefined && a.note === undefined
      ? null
      : (header === null || DEFAULT_IMAGE.test(header)) && (note === null || note.trim() === '');
  return {
    platform: PLATFORM,
    accountId: id,
    handle: id,
    displayName: typeof a.display_name === 'string' ? a.display_name : null,
    createdAt: parseTime(str(a.created_at)),
    followers: num(a.followers_count),
    following: num(a.following_count),
    postsCount: num(a.statuses_count),
    description: note,
    // Mastodon has no platform verification badge (only verified profile links).
    verified: null,
    defaultProfile,
    defaultAvatar: avatar === null ? null : DEFAULT_IMAGE.test(avatar),
    observedAt,
  };
}

type Mapped = { posts: Post[]; accounts: Account[] };

/** Map one Status (and the status it boosts); a string is a reject reason. */
export function statusToRecord(s: unknown, depth = 0): Mapped | string {
  if (!isDict(s)) return `status is ${typeName(s)}, not an object`;
  const id = idOf(s.id);
  if (id === null) return 'status has no id';
  const uri = str(s.uri);
  if (uri === null) return `status ${id} has no uri`;
  const time = parseTime(str(s.created_at));
  if (time === null) return `status ${id}: unreadable created_at ${JSON.stringify(s.created_at ?? null)}`;
  const acc = s.account;
  if (!isDict(acc) || typeof acc.acct !== 'string' || acc.acct === '')
    return `status ${id} has no account.acct`;
  if (s.content !== undefined && s.content !== null && typeof s.content !== 'string')
    return `status ${id}: content is ${typeName(s.content)}, not a string`;
  const accountId = fullHandle(acc.acct, acc.url, uri);
  const author = accountOf(acc, accountId, time);

  if (s.reblog !== undefined && s.reblog !== null) {
    if (depth > 0) return `status ${id}: a boost inside a boost`;
    const inner = statusToRecord(s.reblog, depth + 1);
    if (typeof inner === 'string') return `status ${id}: boosted ${inner}`;
    const orig = inner.posts[0];
    const boost: Post = {
      platform: PLATFORM,
      postId: uri,
      accountId,
      time,
      text: null,
      lang: 'und',
      kind: 'repost',
      refPostId: orig.postId,
      refAccountId: orig.accountId,
      urls: [],
      canonicalUrls: [],
      domains: [],
      hashtags: [],
      mentions: [],
      media: [],
      client: isDict(s.application) ? str(s.application.name) : null,
    };
    // The boosted status is a post in its own right, by its own author, at its own time.
    return { posts: [boost, ...inner.posts], accounts: [author, ...inner.accounts] };
  }

  const text = typeof s.content === 'string' && s.content !== '' ? htmlToText(s.content) : null;
  const mentionIds = new Map<string, string>();
  const mentions: string[] = [];
  if (Array.isArray(s.mentions))
    for (const m of s.mentions) {
      if (!isDict(m) || typeof m.acct !== 'string' || m.acct === '') continue;
      const h = normaliseMention(fullHandle(m.acct, m.url, null));
      mentions.push(h);
      const mid = idOf(m.id);
      if (mid !== null) mentionIds.set(mid, h);
    }
  const hashtags: string[] = [];
  if (Array.isArray(s.tags))
    for (const t of s.tags)
      if (isDict(t) && typeof t.name === 'string') hashtags.push(normaliseHashtag(t.name));
  const rawUrls = text ? urlsInText(text) : [];
  if (isDict(s.card) && typeof s.card.url === 'string') rawUrls.push(s.card.url);
  const norm = normaliseUrls(uniq(rawUrls));
  const media: string[] = [];
  if (Array.isArray(s.media_attachments))
    for (const m of s.media_attachments) {
      if (!isDict(m)) continue;
      // blurhash is the same wherever the image is cached; URLs differ per instance.
      const key = str(m.blurhash) ?? str(m.remote_url) ?? str(m.url) ?? idOf(m.id);
      if (key) media.push(key);
    }

  let kind: PostKind = 'original';
  let refPostId: string | null = null;
  let refAccountId: string | null = null;
  const replyTo = idOf(s.in_reply_to_id);
  if (replyTo !== null) {
    kind = 'reply';
    refPostId = replyTo;
    const ra = idOf(s.in_reply_to_account_id);
    refAccountId = ra === null ? null : ra === idOf(acc.id) ? accountId : (mentionIds.get(ra) ?? null);
  }
  const post: Post = {
    platform: PLATFORM,
    postId: uri,
    accountId,
    time,
    text,
    lang: languageOf(str(s.language), text),
    kind,
    refPostId,
    refAccountId,
    urls: norm.urls,
    canonicalUrls: norm.canonicalUrls,
    domains: norm.domains,
    hashtags: uniq(hashtags),
    mentions: uniq(mentions),
    media: uniq(media),
    client: isDict(s.application) ? str(s.application.name) : null,
  };
  return { posts: [post], accounts: [author] };
}

const STATUS_KEYS = /"(reblog|visibility|media_attachments|in_reply_to_account_id)"\s*:/;

/** Reader for `--format mastodon`. */
export const mastodonReader: Reader = {
  format: 'mastodon',
  title: 'Mastodon REST API statuses (JSON array per page, or one status per line)',
  sniff(head) {
    const t = head.trimStart();
    if (!t.startsWith('[') && !t.startsWith('{')) return 0;
    const looks =
      /"acct"\s*:/.test(t) &&
      /"created_at"\s*:/.test(t) &&
      /"content"\s*:/.test(t) &&
      /"uri"\s*:/.test(t) &&
      STATUS_KEYS.test(t);
    return looks ? 0.9 : 0;
  },
  async *read(input: InputFile, _options: ReaderOptions): AsyncIterable<ReadRecord> {
    const head = (await input.head(4096)).trimStart();
    if (head.startsWith('[')) {
      for await (const ev of jsonArrayEvents(input, { key: null })) {
        if (ev.type === 'reject') {
          const where = ev.index === null ? '' : `status element ${ev.index}: `;
          yield {
            pos: { line: ev.line, offset: ev.offset },
            reject: { reason: where + ev.reason, excerpt: ev.excerpt },
          };
        } else if (ev.type === 'element') {
          const pos = { line: ev.line, offset: ev.offset };
          const r = statusToRecord(ev.value);
          if (typeof r === 'string')
            yield { pos, reject: { reason: r, excerpt: excerptOf(JSON.stringify(ev.value) ?? '') } };
          else yield { pos, ...r };
        }
      }
      return;
    }
    yield* jsonLineRecords(input, (v) => statusToRecord(v));
  },
};
