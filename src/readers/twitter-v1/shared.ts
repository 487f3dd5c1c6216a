/**
 * Helpers shared by the X/Twitter readers (v1.1, v2, TwiBot-20, information-operations CSV).
 *
 * They sit on the hot path of readers that must keep up with ~100k posts/s, so the common
 * cases (a `lang` code the platform already gave, a client name seen before, a Twitter date
 * in its one fixed layout) are answered from small bounded caches or by arithmetic instead of
 * regular expressions and `Date.parse`.
 */
import type { Post } from '../../model/post.js';
import {
  canonicalUrl,
  languageOf,
  normaliseHashtag,
  normaliseMention,
  registrableDomain,
} from '../../ingest/normalize.js';

/** Platform name stamped on every record of the X readers. */
export const X_PLATFORM = 'x';

/** A JSON object as parsed, before any field is trusted. */
export type Obj = Record<string, unknown>;

/** True for a parsed JSON object (not null, not an array). */
export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The value when it is a non-empty string, else null. */
export function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

/** A count when it is a finite non-negative number (or a string of digits), else null. */
export function count(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v : null;
  if (typeof v === 'string') {
    const t = v.trim();
    if (/^\d{1,15}$/.test(t)) return Number(t);
  }
  return null;
}

/** A boolean from JSON `true`/`false` or the strings `true`/`True`/`false`/`False`, else null. */
export function bool(v: unknown): boolean | null {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const t = v.trim().toLowerCase();
    if (t === 'true') return true;
    if (t === 'false') return false;
  }
  return null;
}

/** The array when `v` is one, else an empty (shared, never mutated) array. */
export function arr(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? v : NONE;
}
const NONE: readonly unknown[] = Object.freeze([]);

/**
 * A Map that forgets everything once it holds `max` entries. Real streams repeat a few
 * thousand client names, languages, hashtags and URLs; an adversary producing endless new
 * values only costs us a cache miss, never unbounded memory.
 */
export class BoundedCache<V> {
  private m = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(k: string): V | undefined {
    return this.m.get(k);
  }
  set(k: string, v: V): void {
    if (this.m.size >= this.max) this.m.clear();
    this.m.set(k, v);
  }
}

const MONTHS: Record<string, number> = {
  Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11,
}; // prettier-ignore

function digits(s: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/**
 * Epoch ms of a v1.1 date such as `Wed Mar 02 10:11:12 +0000 2016`, read by position (several
 * times faster than `Date.parse`, and never dependent on the local time zone). Returns null
 * when the string does not have that exact layout or its fields are out of range.
 *
 * @example parseTwitterDate('Wed Mar 02 10:11:12 +0000 2016') === Date.UTC(2016, 2, 2, 10, 11, 12)
 */
export function parseTwitterDate(s: string): number | null {
  if (s.length !== 30 || s.charCodeAt(3) !== 32 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58)
    return null;
  const mon = MONTHS[s.slice(4, 7)];
  const day = digits(s, 8, 2);
  const h = digits(s, 11, 2);
  const mi = digits(s, 14, 2);
  const se = digits(s, 17, 2);
  const sign = s.charCodeAt(20);
  const oh = digits(s, 21, 2);
  const om = digits(s, 23, 2);
  const y = digits(s, 26, 4);
  if (mon === undefined || day < 1 || day > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 60)
    return null;
  if (oh < 0 || om < 0 || (sign !== 43 && sign !== 45) || y < 1970) return null;
  const off = (oh * 60 + om) * 60_000 * (sign === 45 ? -1 : 1);
  return Date.UTC(y, mon, day, h, mi, se) - off;
}

/**
 * Epoch ms of an ISO-8601 instant with an explicit zone (`2021-03-04T05:06:07.000Z`,
 * `...+01:00`). A date-time without a zone is refused: `Date.parse` would read it in the
 * machine's local time, and the same file must give the same instants everywhere.
 *
 * @example parseIsoInstant('2021-03-04T05:06:07.000Z') === Date.UTC(2021, 2, 4, 5, 6, 7)
 */
export function parseIsoInstant(s: string): number | null {
  // Fast path for the one layout X's v2 API writes.
  if (s.length === 24 && s.charCodeAt(23) === 90 && s.charCodeAt(10) === 84 && s.charCodeAt(19) === 46) {
    const y = digits(s, 0, 4);
    const mo = digits(s, 5, 2);
    const d = digits(s, 8, 2);
    const h = digits(s, 11, 2);
    const mi = digits(s, 14, 2);
    const se = digits(s, 17, 2);
    const ms = digits(s, 20, 3);
    if (
      s.charCodeAt(4) === 45 &&
      s.charCodeAt(7) === 45 &&
      s.charCodeAt(13) === 58 &&
      s.charCodeAt(16) === 58
    ) {
      if (
        y >= 1970 &&
        mo >= 1 &&
        mo <= 12 &&
        d >= 1 &&
        d <= 31 &&
        h >= 0 &&
        h <= 23 &&
        mi >= 0 &&
        mi <= 59 &&
        se >= 0 &&
        se <= 60 &&
        ms >= 0
      )
        return Date.UTC(y, mo - 1, d, h, mi, se, ms);
      return null;
    }
  }
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)$/.test(s)) return null;
  const t = Date.parse(s);
  return Number.isFinite(t) ? t : null;
}

const langCache = new BoundedCache<string>(1024);

/**
 * Language code from the platform's own `lang` value, without running detection when the
 * platform gave one: `und`, `qme`, `zxx`, `qht`... (Twitter's "could not tell" codes) map to
 * `und`. Only when `given` is absent does the text go through the detector.
 */
export function xLang(given: unknown, text: string | null): string {
  if (typeof given === 'string' && given !== '') {
    let code = langCache.get(given);
    if (code === undefined) {
      // languageOf with no text never runs detection; it only validates and shortens the code.
      code = languageOf(given, null);
      langCache.set(given, code);
    }
    return code;
  }
  return languageOf(null, text);
}

const ENTITY: Record<string, string> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#39;': "'",
};

/**
 * Client name from a `source` field: v1.1 gives an HTML anchor
 * (`<a href="..." rel="nofollow">Twitter for Android</a>`), v2 and the IO archives give the
 * name. Tags are stripped and the five basic entities decoded; the result is text only and
 * is never rendered as HTML.
 *
 * @example clientName('<a href="x" rel="nofollow">Twitter for Android</a>') === 'Twitter for Android'
 */
export function clientName(source: unknown): string | null {
  if (typeof source !== 'string' || source === '') return null;
  let t: string;
  // The common anchor shape is cut by position: no regex, no allocation beyond the result.
  const gt = source.charCodeAt(0) === 60 ? source.indexOf('>') : -1;
  const lt = source.lastIndexOf('<');
  if (gt > 0 && lt > gt && source.endsWith('</a>') && source.indexOf('<', gt) === lt)
    t = source.slice(gt + 1, lt);
  else t = source.replace(/<[^>]*>?/g, '');
  if (t.includes('&')) t = t.replace(/&(amp|lt|gt|quot|#39);/g, (m) => ENTITY[m]);
  t = t.trim();
  return t === '' ? null : t;
}

const hashtagCache = new BoundedCache<string>(16384);

/** `normaliseHashtag` with a cache: campaigns repeat the same few tags millions of times. */
export function hashtagKey(tag: string): string {
  let k = hashtagCache.get(tag);
  if (k === undefined) {
    k = normaliseHashtag(tag);
    hashtagCache.set(tag, k);
  }
  return k;
}

const mentionCache = new BoundedCache<string>(16384);

/** `normaliseMention` with a cache (replies and retweets name the same few accounts). */
export function mentionKey(handle: string): string {
  let k = mentionCache.get(handle);
  if (k === undefined) {
    k = normaliseMention(handle);
    mentionCache.set(handle, k);
  }
  return k;
}

/**
 * URLs that WHATWG parsing leaves exactly as written and `canonicalUrl` has nothing to remove
 * from: lower-case http(s) scheme and DNS host (no port, no user, no IDN, alphabetic TLD), a
 * path of characters that are never re-encoded and no dot segments, no query, no fragment.
 * For those `canonicalUrl(raw) === raw`, and `new URL` plus its setters (about 2 µs) is skipped.
 */
const PLAIN_URL =
  /^https?:\/\/(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,63}\/[A-Za-z0-9\-._~!$&'()*+,;=:@/%]*$/;
const DOT_SEGMENT = /\/(?:\.|%2e){1,2}(?:\/|$)/i;

/** `canonicalUrl`, with the fast path above; exported for its equivalence test. */
export function canonicalUrlFast(raw: string): string | null {
  if (PLAIN_URL.test(raw) && !raw.includes('xn--') && !DOT_SEGMENT.test(raw)) return raw;
  return canonicalUrl(raw);
}

const domainCache = new BoundedCache<string | null>(16384);

/** `registrableDomain` of a canonical URL, cached by host (hosts repeat far more than URLs). */
export function domainOfCanonical(c: string): string | null {
  const start = c.indexOf('://') + 3;
  let end = c.indexOf('/', start);
  if (end < 0) end = c.length;
  const host = c.slice(start, end);
  let d = domainCache.get(host);
  if (d === undefined) {
    d = registrableDomain(c);
    domainCache.set(host, d);
  }
  return d;
}

type UrlNorm = { c: string | null; d: string | null };
const urlCache = new BoundedCache<UrlNorm>(16384);

/**
 * The url fields of a Post from raw URLs, with the same result as `normaliseUrls` (invalid
 * URLs dropped, domains de-duplicated) but memoised: coordinated campaigns share a few links
 * many times, and `new URL` plus the public-suffix lookup dominate otherwise.
 */
export function urlFields(raw: readonly string[]): Pick<Post, 'urls' | 'canonicalUrls' | 'domains'> {
  if (raw.length === 0) return { urls: [], canonicalUrls: [], domains: [] };
  const urls: string[] = [];
  const canonicalUrls: string[] = [];
  const domains: string[] = [];
  for (const r of raw) {
    let n = urlCache.get(r);
    if (n === undefined) {
      const c = canonicalUrlFast(r);
      n = { c, d: c === null ? null : domainOfCanonical(c) };
      urlCache.set(r, n);
    }
    if (n.c === null) continue;
    urls.push(r);
    canonicalUrls.push(n.c);
    if (n.d !== null && !domains.includes(n.d)) domains.push(n.d);
  }
  return { urls, canonicalUrls, domains };
}

/** What a v1.1 or v2 reader works out from a tweet itself; `xPost` fills in the rest. */
export interface XPostParts {
  postId: string;
  accountId: string;
  time: number;
  text: string | null;
  kind: Post['kind'];
  refPostId: string | null;
  refAccountId: string | null;
  rawUrls: readonly string[];
  hashtags: string[];
  mentions: string[];
  media: string[];
}

/**
 * The Post of a tweet from its parsed parts plus the tweet's own `lang` and `source`, so the
 * v1.1 and v2 readers derive urls, language and client in one way.
 */
export function xPost(t: Obj, p: XPostParts): Post {
  const u = urlFields(p.rawUrls);
  return {
    platform: X_PLATFORM,
    postId: p.postId,
    accountId: p.accountId,
    time: p.time,
    text: p.text,
    lang: xLang(t.lang, p.text),
    kind: p.kind,
    refPostId: p.refPostId,
    refAccountId: p.refAccountId,
    urls: u.urls,
    canonicalUrls: u.canonicalUrls,
    domains: u.domains,
    hashtags: p.hashtags,
    mentions: p.mentions,
    media: p.media,
    client: clientName(t.source),
  };
}

/** Cut a record's text to a reject excerpt. */
export function excerpt(s: string): string {
  return s.length <= 200 ? s : s.slice(0, 200);
}

/** True when a profile image URL is one of X's default avatars. */
export function isDefaultAvatar(url: unknown): boolean | null {
  if (typeof url !== 'string' || url === '') return null;
  return url.includes('/default_profile_images/');
}

/**
 * Appends the hashtag or mention keys named by `field` of each entity object, once each. Both
 * tweet formats (v1.1 `hashtags[].text`, v2 `hashtags[].tag`, ...) carry entities this way.
 */
export function pushEntityKeys(
  entities: unknown,
  field: string,
  key: (raw: string) => string,
  out: string[],
): void {
  for (const e of arr(entities)) {
    if (!isObj(e)) continue;
    const v = e[field];
    if (typeof v !== 'string' || v === '') continue;
    const k = key(v);
    if (!out.includes(k)) out.push(k);
  }
}
