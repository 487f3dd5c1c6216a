/**
 * Normalisation shared by every reader: URLs, domains, hashtags, mentions, language.
 *
 * Nothing here fetches anything: shortener links (t.co, bit.ly...) stay as they are, because
 * resolving them would contact infrastructure an adversary may control.
 */
import { getDomain } from 'tldts';
import { eld } from 'eld/small';

/**
 * Query parameters that only track a click and never change what the URL points to.
 * Removing them makes the same article shared from two campaigns compare equal.
 */
const TRACKING_PARAMS = new Set([
  'fbclid',
  'gclid',
  'dclid',
  'gclsrc',
  'msclkid',
  'yclid',
  'igshid',
  'mc_cid',
  'mc_eid',
  '_ga',
  '_gl',
  'ref_src',
  'ref_url',
  's_cid',
  'twclid',
  'ttclid',
  'wt.mc_id',
  'xtor',
  'at_medium',
  'at_campaign',
  'mkt_tok',
  'oly_enc_id',
  'oly_anon_id',
  'vero_id',
  'spm',
  'share',
]);

function isTrackingParam(name: string): boolean {
  const n = name.toLowerCase();
  return n.startsWith('utm_') || TRACKING_PARAMS.has(n);
}

/**
 * Canonical form of a URL for matching: lower-case scheme and host, no fragment, no default
 * port, tracking parameters removed, remaining parameters kept in their order, trailing `?`
 * dropped. Returns null for text that is not an absolute http(s) URL.
 *
 * @example canonicalUrl('HTTPS://Example.COM:443/a?utm_source=x&id=2#top') === 'https://example.com/a?id=2'
 */
export function canonicalUrl(raw: string): string | null {
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    return null;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
  u.hash = '';
  u.username = '';
  u.password = '';
  // WHATWG URL already lower-cases the host, punycodes IDNs and drops default ports.
  if (u.search) {
    const kept: [string, string][] = [];
    for (const [k, v] of u.searchParams) if (!isTrackingParam(k)) kept.push([k, v]);
    if (kept.length === 0) u.search = '';
    else if (kept.length !== [...u.searchParams.keys()].length)
      u.search = new URLSearchParams(kept).toString();
  }
  let s = u.toString();
  if (s.endsWith('?')) s = s.slice(0, -1);
  return s;
}

/** Registrable domain (eTLD+1, public-suffix aware) of a URL or host; null when there is none. */
export function registrableDomain(urlOrHost: string): string | null {
  return getDomain(urlOrHost, { allowPrivateDomains: false }) ?? null;
}

/** Canonical URLs and their de-duplicated registrable domains, for a list of raw URLs. */
export function normaliseUrls(raw: readonly string[]): {
  urls: string[];
  canonicalUrls: string[];
  domains: string[];
} {
  const urls: string[] = [];
  const canonicalUrls: string[] = [];
  const domains: string[] = [];
  for (const r of raw) {
    if (!r) continue;
    const c = canonicalUrl(r);
    if (c === null) continue;
    urls.push(r);
    canonicalUrls.push(c);
    const d = registrableDomain(c);
    if (d !== null && !domains.includes(d)) domains.push(d);
  }
  return { urls, canonicalUrls, domains };
}

/** Hashtag key: NFKC, case-folded, without leading `#`. */
export function normaliseHashtag(tag: string): string {
  return tag
    .normalize('NFKC')
    .replace(/^[#＃]+/, '')
    .toLowerCase();
}

/** Mention key: lower case, without leading `@`. */
export function normaliseMention(handle: string): string {
  return handle.normalize('NFKC').replace(/^@+/, '').toLowerCase();
}

export function uniq<T>(xs: readonly T[]): T[] {
  return xs.length < 2 ? xs.slice() : [...new Set(xs)];
}

const URL_RE = /\bhttps?:\/\/[^\s<>"'`]+/giu;
const MENTION_RE = /(^|[^\p{L}\p{N}_])@[\p{L}\p{N}_.]+/gu;
const HASHTAG_RE = /(?:^|[^\p{L}\p{N}_&])[#＃]([\p{L}\p{M}\p{N}_]+)/gu;

/** Hashtags found in free text (for formats that do not list them). */
export function hashtagsInText(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(HASHTAG_RE)) out.push(normaliseHashtag(m[1]));
  return uniq(out);
}

/** URLs found in free text (for formats that do not list them). */
export function urlsInText(text: string): string[] {
  return uniq([...text.matchAll(URL_RE)].map((m) => m[0].replace(/[.,;:!?)\]]+$/u, '')));
}

/** Texts shorter than this (after URLs and mentions are removed) are labelled `und`. */
export const MIN_LANG_CHARS = 20;

/**
 * Language of a text with `eld` (n-gram detector, no model download), `und` when the text
 * is short or the detector is not confident.
 */
export function detectLanguage(text: string | null): string {
  if (!text) return 'und';
  const t = text.replace(URL_RE, ' ').replace(MENTION_RE, ' ').replace(/\s+/gu, ' ').trim();
  if (t.length < MIN_LANG_CHARS) return 'und';
  const r = eld.detect(t);
  return r.language && r.isReliable() ? r.language : 'und';
}

/** Language as given by a platform (`fr`, `en-GB`, `und`...), or detected when absent. */
export function languageOf(given: string | null | undefined, text: string | null): string {
  if (given && given !== 'und' && given !== 'qme' && given !== 'zxx' && given !== 'qht') {
    const code = given.toLowerCase().split(/[-_]/)[0];
    if (/^[a-z]{2,3}$/.test(code)) return code;
  }
  if (given === 'zxx' || given === 'qme' || given === 'qht') return 'und';
  return detectLanguage(text);
}

/** Epoch ms from an ISO-8601 / RFC-2822 / Twitter-style date string; null when unparseable. */
export function parseTime(s: string | null | undefined): number | null {
  if (s === null || s === undefined || s === '') return null;
  if (/^\d{9,11}(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  if (/^\d{12,14}$/.test(s)) return Number(s);
  // Twitter v1.1: "Wed Mar 02 10:11:12 +0000 2016": V8 parses it, but be explicit about UTC.
  const t = Date.parse(s);
  return Number.isFinite(t) ? t : null;
}
