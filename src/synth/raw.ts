/**
 * The generator's internal post record: what every output (Post objects, X v1.1 JSON lines,
 * CSV) is rendered from. Accounts are indices into the population; entities carry their
 * code-point offsets in the text, as Twitter's do.
 */
import type { PostKind } from '../model/post.js';

export interface UrlEntity {
  /** The t.co link as it appears in the text. */
  short: string;
  expanded: string;
  /** UTF-16 offsets in the text (renderers convert to code points). */
  start: number;
  end: number;
}

export interface TagEntity {
  /** As typed, without `#`. */
  text: string;
  start: number;
  end: number;
}

export interface MentionEntity {
  acct: number;
  start: number;
  end: number;
}

export interface RawPost {
  /** Unique per generated week: emission order for organic posts, after them for planned ones. */
  seq: number;
  id: string;
  /** Epoch ms, UTC. */
  time: number;
  acct: number;
  kind: PostKind;
  /** The post's own text; for reposts the text is the original's (see `ref`). */
  text: string;
  /** Language code the platform would give: `fr`, `en` or `und`. */
  lang: string;
  /** Index into CLIENTS. */
  client: number;
  urls: UrlEntity[];
  tags: TagEntity[];
  mentions: MentionEntity[];
  /** Repost and quote: the original post; reply: the post replied to. */
  ref: RawPost | null;
  /** Swarm index when the post is a planted swarm action, else -1. */
  swarm: number;
}

export const NO_URLS: UrlEntity[] = [];
export const NO_TAGS: TagEntity[] = [];
export const NO_MENTIONS: MentionEntity[] = [];

/** Number of Unicode code points in `s` (Twitter's entity indices count code points). */
export function cpLen(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xdc00 && c <= 0xdfff) n--;
  }
  return n;
}

/** Code-point offset of UTF-16 offset `i` in `s`. */
export function cpOffset(s: string, i: number): number {
  let n = i;
  for (let k = 0; k < i; k++) {
    const c = s.charCodeAt(k);
    if (c >= 0xdc00 && c <= 0xdfff) n--;
  }
  return n;
}

/** True when `s` has characters outside the Basic Multilingual Plane (emoji...). */
export function hasAstral(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) return true;
  }
  return false;
}

/**
 * Builds a post's text left to right, recording entity offsets (UTF-16) as it goes. Offsets
 * are converted to code points only by the renderer that needs them (X v1.1).
 */
export class TextBuilder {
  s = '';
  urls: UrlEntity[] = NO_URLS;
  tags: TagEntity[] = NO_TAGS;
  mentions: MentionEntity[] = NO_MENTIONS;

  reset(): this {
    this.s = '';
    this.urls = NO_URLS;
    this.tags = NO_TAGS;
    this.mentions = NO_MENTIONS;
    return this;
  }

  /**
   * The finished text, flattened: a string built by `+=` is a tree of pieces in V8 until
   * read, and a post kept for later reposts would carry the whole tree.
   */
  text(): string {
    const s = this.s;
    if (s.length > 0) s.charCodeAt(0);
    return s;
  }

  add(str: string): this {
    this.s += str;
    return this;
  }

  /** A space unless the text is empty or already ends with one. */
  space(): this {
    if (this.s.length > 0 && this.s.charCodeAt(this.s.length - 1) !== 32) this.s += ' ';
    return this;
  }

  /** Would `n` more characters (and a separating space) stay within a tweet's 140? */
  fits(n: number): boolean {
    // UTF-16 length is never below the code-point count Twitter uses: a safe bound.
    return this.s.length + 1 + n <= MAX_CHARS;
  }

  /** Append ` #text`, unless it would not fit (hashtags are optional). */
  tag(text: string): this {
    if (!this.fits(text.length + 1)) return this;
    this.space();
    const start = this.s.length;
    this.s += '#' + text;
    if (this.tags === NO_TAGS) this.tags = [];
    this.tags.push({ text, start, end: this.s.length });
    return this;
  }

  /** Append ` @handle`, unless it would not fit. */
  mention(acct: number, handle: string): this {
    if (!this.fits(handle.length + 1)) return this;
    this.space();
    const start = this.s.length;
    this.s += '@' + handle;
    if (this.mentions === NO_MENTIONS) this.mentions = [];
    this.mentions.push({ acct, start, end: this.s.length });
    return this;
  }

  /** Append ` short` as a link to `expanded`; the text before is cut (with `…`) to make room. */
  url(short: string, expanded: string): this {
    if (!this.fits(short.length)) {
      // Only plain text precedes a link in these posts, so cutting it moves no entity.
      this.s = this.s.slice(0, Math.max(0, MAX_CHARS - short.length - 2)).trimEnd() + '…';
    }
    this.space();
    const start = this.s.length;
    this.s += short;
    if (this.urls === NO_URLS) this.urls = [];
    this.urls.push({ short, expanded, start, end: this.s.length });
    return this;
  }
}

/** Tweets were limited to 140 characters until November 2017. */
export const MAX_CHARS = 140;

/** Twitter's display form: no scheme, no `www.`, cut at 26 characters with an ellipsis. */
export function displayUrl(u: string): string {
  let d = u.replace(/^https?:\/\//, '').replace(/^www\./, '');
  if (d.length > 26) d = d.slice(0, 26) + '…';
  return d;
}
