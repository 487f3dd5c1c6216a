/**
 * Look-alike domains: given protected brands (a campaign's domains, newspapers, ministries),
 * find the observed domains that imitate them, each with a tier and the reasons; and list the
 * permutations of a domain for defensive registration.
 *
 * Matching observed domains catches what permutation lists miss: real imitations change the
 * suffix (lemonde.ltd, spiegel.ltd), add a word (mail-en-marche.fr, onedrive-en-marche.fr), or
 * combine a typo with a new suffix. dnstwist's generator finds 6 of 39 look-alikes used by
 * the Doppelganger and Pawn Storm operations; comparing names finds them by construction.
 *
 * Checks, per observed registrable domain and brand:
 * - same label under another public suffix (lemonde.fr -> lemonde.ltd);
 * - hyphen and dot variants (en-marche.fr -> enmarche.fr, en.marche.fr);
 * - Unicode confusables and punycode (lеmonde with a Cyrillic е; accents; xn--...),
 *   ASCII look-alikes (0/o, 1/l, rn/m, vv/w);
 * - edit distance 1 (2 for labels of 10+ characters), flagged keyboard-adjacent when the
 *   changed key neighbours the right one (QWERTY and AZERTY);
 * - the brand as a token with other words (mail-en-marche.fr, en-marche-login.com), high
 *   when the word is a phishing keyword (mail, login, onedrive, portal...);
 * - the brand's domain used as a subdomain of another (en-marche.fr.secure-id.com).
 * An allowlist (exact hosts or registrable domains) removes known-good domains.
 *
 * This one engine also serves the narratives channel (clones of news sites).
 *
 * @see https://github.com/elceef/dnstwist (the permutation families)
 * @see https://www.unicode.org/reports/tr39/#Confusable_Detection (skeletons)
 */
import { domainToASCII, domainToUnicode } from 'node:url';
import { parse as parseDomain } from 'tldts';

export type LookalikeTier = 'high' | 'medium' | 'low';

export interface LookalikeMatch {
  observed: string;
  /** The observed domain in Unicode when it was punycode. */
  unicode: string;
  brand: string;
  tier: LookalikeTier;
  score: number;
  /** Short machine names of the checks that fired. */
  techniques: string[];
  reasons: string[];
}

export interface LookalikeOptions {
  /** Exact hosts or registrable domains that are known good. */
  allowlist?: Iterable<string>;
  /** Words that make brand+word a phishing pattern (defaults: PHISHING_KEYWORDS). */
  keywords?: string[];
  /** Brand labels shorter than this skip fuzzy checks (edit distance, substring): too many collisions. */
  minFuzzyLength?: number;
}

/** Words seen around brand names in credential-phishing domains. */
export const PHISHING_KEYWORDS = [
  'mail', 'webmail', 'login', 'signin', 'sign', 'secure', 'security', 'account', 'accounts', 'verify',
  'verification', 'update', 'support', 'help', 'portal', 'sso', 'auth', 'id', 'my', 'office', 'outlook',
  'onedrive', 'drive', 'docs', 'share', 'sharepoint', 'cloud', 'vpn', 'admin', 'password', 'reset',
  'service', 'services', 'online', 'connect', 'connexion', 'compte', 'securite', 'espace', 'intranet', 'owa',
  'mfa', 'live', 'news', 'info', 'press', 'media', 'official',
]; // prettier-ignore

export const LOOKALIKE_DEFAULTS = { minFuzzyLength: 5 };

// Unicode characters that render like Latin letters (UTS #39 confusables, the common subset).
const CONFUSABLE: Record<string, string> = {
  'а': 'a', 'е': 'e', 'о': 'o', 'р': 'p', 'с': 'c', 'у': 'y', 'х': 'x', 'і': 'i', 'ј': 'j', 'ѕ': 's',
  'ԁ': 'd', 'ԛ': 'q', 'ԝ': 'w', 'һ': 'h', 'ӏ': 'l', 'к': 'k', 'м': 'm', 'н': 'h', 'т': 't', 'в': 'b',
  'ɡ': 'g', 'ο': 'o', 'α': 'a', 'ν': 'v', 'ι': 'i', 'κ': 'k', 'ρ': 'p', 'τ': 't', 'υ': 'u', 'χ': 'x',
  'ε': 'e', 'ϲ': 'c', 'ı': 'i', 'ł': 'l', 'ø': 'o', 'đ': 'd', 'ħ': 'h', 'ŀ': 'l', 'ß': 'ss', 'æ': 'ae',
  'œ': 'oe', 'ⅰ': 'i', 'ⅼ': 'l', 'ℓ': 'l', '０': '0', '１': '1',
}; // prettier-ignore

/** Unicode skeleton of a label: compatibility decomposition, marks dropped, homoglyphs mapped. */
export function skeleton(label: string): string {
  const d = label.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
  let out = '';
  for (const ch of d) out += CONFUSABLE[ch] ?? ch;
  return out;
}

/** ASCII look-alikes folded: 0->o, 1->l, i->l, rn->m, vv->w, cl->d. */
export function asciiFold(s: string): string {
  return s
    .replace(/rn/g, 'm')
    .replace(/vv/g, 'w')
    .replace(/cl/g, 'd')
    .replace(/0/g, 'o')
    .replace(/[1i]/g, 'l');
}

const QWERTY = ['1234567890-', 'qwertyuiop', 'asdfghjkl', 'zxcvbnm'];
const AZERTY = ['1234567890-', 'azertyuiop', 'qsdfghjklm', 'wxcvbn'];

function neighbours(rows: string[]): Map<string, Set<string>> {
  const m = new Map<string, Set<string>>();
  rows.forEach((row, r) => {
    for (let c = 0; c < row.length; c++) {
      const s = m.get(row[c]) ?? new Set<string>();
      for (const [dr, dc] of [
        [0, -1],
        [0, 1],
        [-1, 0],
        [-1, 1],
        [1, 0],
        [1, -1],
      ]) {
        const ch = rows[r + dr]?.[c + dc];
        if (ch) s.add(ch);
      }
      m.set(row[c], s);
    }
  });
  return m;
}
const NEAR_QWERTY = neighbours(QWERTY);
const NEAR_AZERTY = neighbours(AZERTY);

/** True when `b` is a key next to `a` on a QWERTY or AZERTY keyboard. */
export function adjacentKeys(a: string, b: string): boolean {
  return (NEAR_QWERTY.get(a)?.has(b) ?? false) || (NEAR_AZERTY.get(a)?.has(b) ?? false);
}

/**
 * Optimal string alignment distance (Levenshtein plus adjacent transpositions), stopping
 * early once it must exceed `max`.
 */
export function editDistance(a: string, b: string, max = Infinity): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const n = a.length;
  const m = b.length;
  let prev2: number[] = [];
  let prev = Array.from({ length: m + 1 }, (_, j) => j);
  for (let i = 1; i <= n; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= m; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prev2[j - 2] + 1);
      cur.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    prev2 = prev;
    prev = cur;
  }
  return prev[m];
}

/** The one differing character pair when two equal-length strings differ by one substitution. */
function substitution(a: string, b: string): [string, string] | null {
  if (a.length !== b.length) return null;
  let diff: [string, string] | null = null;
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) {
      if (diff) return null;
      diff = [a[i], b[i]];
    }
  }
  return diff;
}

interface Parsed {
  host: string;
  unicode: string;
  registrable: string;
  label: string;
  /** label in Unicode (for confusables) */
  ulabel: string;
  suffix: string;
  sub: string;
  /** Label under a private registry suffix (spiegel.co.com -> spiegel), else the label. */
  plabel: string;
  psuffix: string;
}

/** Normalise and split a domain (URL, host, or host:port accepted); null when it has no registrable part. */
export function parseHost(input: string): Parsed | null {
  let h = input.trim().toLowerCase();
  if (!h) return null;
  h = h
    .replace(/^[a-z][a-z0-9+.-]*:\/\//, '')
    .replace(/[/?#].*$/, '')
    .replace(/:\d+$/, '')
    .replace(/\.$/, '');
  if (h.startsWith('*.')) h = h.slice(2);
  const ascii = domainToASCII(h) || h;
  const p = parseDomain(ascii, { allowPrivateDomains: false });
  if (!p.domain || !p.publicSuffix || !p.domainWithoutSuffix) return null;
  const unicode = domainToUnicode(ascii) || ascii;
  const ulabel = domainToUnicode(p.domainWithoutSuffix) || p.domainWithoutSuffix;
  // Clones also sit under private registries that sell second-level names (co.com, eu.com).
  const priv = parseDomain(ascii, { allowPrivateDomains: true });
  const privOk = priv.isPrivate && priv.domainWithoutSuffix && priv.publicSuffix;
  return {
    plabel: privOk ? priv.domainWithoutSuffix! : p.domainWithoutSuffix,
    psuffix: privOk ? priv.publicSuffix! : p.publicSuffix,
    host: ascii,
    unicode,
    registrable: p.domain,
    label: p.domainWithoutSuffix,
    ulabel,
    suffix: p.publicSuffix,
    sub: p.subdomain ?? '',
  };
}

const TIER_SCORE: Record<LookalikeTier, number> = { high: 3, medium: 2, low: 1 };

/** Compare one observed domain to one brand; null when it does not imitate it. */
function compare(o: Parsed, b: Parsed, keywords: Set<string>, minFuzzy: number): LookalikeMatch | null {
  if (o.registrable === b.registrable) return null; // the brand itself or its subdomains
  const hits: { t: string; tier: LookalikeTier; why: string }[] = [];
  const hit = (t: string, tier: LookalikeTier, why: string) => hits.push({ t, tier, why });
  const bl = b.label;
  const core = (s: string) => s.replace(/[-.]/g, '');
  const sameSuffix = o.suffix === b.suffix;
  if (o.label === bl)
    hit(
      'other-suffix',
      'high',
      `same name "${bl}" under another suffix (.${o.suffix} instead of .${b.suffix})`,
    );
  else if (o.plabel === bl && o.psuffix !== b.suffix)
    hit(
      'other-suffix',
      'high',
      `same name "${bl}" under the private registry suffix .${o.psuffix} instead of .${b.suffix}`,
    );
  else if (core(o.label) === core(bl))
    hit('hyphenation', 'high', `"${o.label}" is "${bl}" with hyphens added or removed`);
  const hostNoSuffix = o.sub ? `${o.sub}.${o.label}` : o.label;
  if (o.sub && core(hostNoSuffix) === core(bl) && o.label !== bl)
    hit('dot-insertion', 'high', `"${hostNoSuffix}" is "${bl}" with a dot inserted`);
  if (o.host.startsWith(b.registrable + '.') || o.host.includes('.' + b.registrable + '.'))
    hit(
      'brand-as-subdomain',
      'high',
      `the brand's domain ${b.registrable} is used as a subdomain of ${o.registrable}`,
    );
  const sk = skeleton(o.ulabel);
  if (o.ulabel !== o.label || sk !== o.label) {
    if (sk === skeleton(bl) || core(sk) === core(skeleton(bl)))
      hit(
        'confusable',
        'high',
        `Unicode look-alike of "${bl}" ("${o.ulabel}"${o.label.startsWith('xn--') || o.host.includes('xn--') ? `, punycode ${o.host}` : ''})`,
      );
  }
  if (!hits.length && bl.length >= minFuzzy && asciiFold(o.label) === asciiFold(bl) && o.label !== bl)
    hit('ascii-lookalike', 'high', `"${o.label}" reads like "${bl}" (0/o, 1/l, rn/m, vv/w)`);
  if (!hits.length && bl.length >= minFuzzy) {
    const max = bl.length >= 10 ? 2 : 1;
    const d = editDistance(o.label, bl, max);
    if (d <= max) {
      const sub = substitution(o.label, bl);
      const kb = sub && adjacentKeys(sub[1], sub[0]);
      const tier: LookalikeTier = d === 1 && bl.length >= 6 ? 'high' : 'medium';
      hit(
        kb ? 'keyboard-typo' : 'typo',
        tier,
        `"${o.label}" is ${d} edit${d > 1 ? 's' : ''} from "${bl}"${kb ? ` (keyboard-adjacent ${sub![0]} for ${sub![1]})` : ''}${sameSuffix ? '' : `, and under .${o.suffix}`}`,
      );
    }
  }
  // Brand as a token among other words, or embedded in a longer label.
  const tokens = hostNoSuffix.split(/[-.]/).filter(Boolean);
  const btoks = bl.split(/[-.]/).filter(Boolean);
  let at = -1;
  for (let i = 0; i + btoks.length <= tokens.length && at < 0; i++) {
    if (btoks.every((t, k) => tokens[i + k] === t)) at = i;
  }
  const privateSwap = o.plabel === bl && o.plabel !== o.label;
  if (at >= 0 && tokens.length > btoks.length && !privateSwap && !hits.some((h) => h.t === 'dot-insertion')) {
    const extra = tokens.filter((_, i) => i < at || i >= at + btoks.length);
    const kw = extra.filter((t) => keywords.has(t));
    hit(
      'brand-keyword',
      kw.length ? 'high' : 'medium',
      `the brand name "${bl}" with added word(s) ${extra.map((w) => `"${w}"`).join(', ')}${kw.length ? ' (phishing keyword)' : ''}`,
    );
  } else if (!hits.length && core(bl).length >= minFuzzy && core(o.label).includes(core(bl))) {
    const rest = core(o.label).replace(core(bl), ' ').trim();
    const kw = [...keywords].filter((k) => k.length >= 3 && rest.includes(k));
    hit(
      'brand-embedded',
      kw.length ? 'high' : 'low',
      `"${o.label}" contains "${core(bl)}"${kw.length ? ` with "${kw[0]}"` : ''}`,
    );
  }
  if (!hits.length) return null;
  const tier = hits.reduce<LookalikeTier>((t, h) => (TIER_SCORE[h.tier] > TIER_SCORE[t] ? h.tier : t), 'low');
  return {
    observed: o.host,
    unicode: o.unicode,
    brand: b.registrable,
    tier,
    score: hits.reduce((s, h) => s + TIER_SCORE[h.tier], 0),
    techniques: hits.map((h) => h.t),
    reasons: hits.map((h) => h.why),
  };
}

/**
 * Find the observed domains that imitate one of the protected brands. One row per
 * (observed registrable host, brand) with its tier and reasons, strongest first.
 * @example findLookalikes(['mail-en-marche.fr', 'lemonde.ltd'], ['en-marche.fr', 'lemonde.fr'])
 */
export function findLookalikes(
  observedDomains: Iterable<string>,
  protectedBrands: Iterable<string>,
  options: LookalikeOptions = {},
): LookalikeMatch[] {
  const minFuzzy = options.minFuzzyLength ?? LOOKALIKE_DEFAULTS.minFuzzyLength;
  const keywords = new Set((options.keywords ?? PHISHING_KEYWORDS).map((k) => k.toLowerCase()));
  const brands = [
    ...new Set(
      [...protectedBrands]
        .map((b) => parseHost(b))
        .filter((b): b is Parsed => b !== null)
        .map((b) => b.registrable),
    ),
  ]
    .map((r) => parseHost(r)!)
    .sort((a, b) => a.registrable.localeCompare(b.registrable));
  const allow = new Set<string>();
  for (const a of options.allowlist ?? []) {
    const p = parseHost(a);
    if (p) allow.add(p.host);
  }
  const seen = new Set<string>();
  const out: LookalikeMatch[] = [];
  for (const raw of observedDomains) {
    const o = parseHost(raw);
    if (!o || seen.has(o.host)) continue;
    seen.add(o.host);
    if (allow.has(o.host) || allow.has(o.registrable)) continue;
    for (const b of brands) {
      const m = compare(o, b, keywords, minFuzzy);
      if (m) out.push(m);
    }
  }
  return out.sort(
    (a, b) =>
      b.score - a.score ||
      TIER_SCORE[b.tier] - TIER_SCORE[a.tier] ||
      a.observed.localeCompare(b.observed) ||
      a.brand.localeCompare(b.brand),
  );
}

/** Suffixes tried by `permutations` besides the brand's own (common gTLDs, and those seen in imitation campaigns). */
export const PERMUTATION_SUFFIXES = [
  'com', 'net', 'org', 'info', 'biz', 'eu', 'fr', 'de', 'it', 'es', 'co', 'io', 'me', 'online', 'site', 'top',
  'xyz', 'ltd', 'live', 'news', 'press', 'today', 'world', 'website', 'tech', 'app', 'click', 'link', 'co.uk', 'ru',
]; // prettier-ignore

export interface Permutation {
  domain: string;
  /** Unicode form for IDN permutations. */
  unicode: string;
  kind: string;
}

/**
 * Candidate look-alikes of a domain, for defensive registration and monitoring: addition,
 * omission, repetition, transposition, keyboard replacement and insertion (QWERTY and
 * AZERTY), vowel swap, hyphenation, dot insertion, homoglyphs (IDN), other suffixes, and the
 * brand with phishing keywords. Sorted, unique, without the domain itself.
 * @example permutations('en-marche.fr').length > 100
 */
export function permutations(
  domain: string,
  options: { keywords?: string[]; suffixes?: string[] } = {},
): Permutation[] {
  const p = parseHost(domain);
  if (!p) return [];
  const label = p.label;
  const suffix = p.suffix;
  const out = new Map<string, Permutation>();
  const add = (lab: string, kind: string, suf = suffix) => {
    if (
      !lab ||
      lab.startsWith('-') ||
      lab.endsWith('-') ||
      lab.includes('..') ||
      lab.startsWith('.') ||
      lab.endsWith('.')
    )
      return;
    const uni = `${lab}.${suf}`;
    const ascii = domainToASCII(uni);
    if (!ascii || ascii === p.registrable || out.has(ascii)) return;
    out.set(ascii, { domain: ascii, unicode: uni, kind });
  };
  const alpha = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const near = (c: string) => new Set([...(NEAR_QWERTY.get(c) ?? []), ...(NEAR_AZERTY.get(c) ?? [])]);
  for (let i = 0; i < label.length; i++) {
    const c = label[i];
    add(label.slice(0, i) + label.slice(i + 1), 'omission');
    add(label.slice(0, i) + c + label.slice(i), 'repetition');
    if (i + 1 < label.length) add(label.slice(0, i) + label[i + 1] + c + label.slice(i + 2), 'transposition');
    for (const k of near(c)) {
      add(label.slice(0, i) + k + label.slice(i + 1), 'keyboard-replacement');
      add(label.slice(0, i) + k + label.slice(i), 'keyboard-insertion');
    }
    if ('aeiouy'.includes(c))
      for (const v of 'aeiouy') if (v !== c) add(label.slice(0, i) + v + label.slice(i + 1), 'vowel-swap');
    if (i > 0 && c !== '-' && label[i - 1] !== '-') {
      add(label.slice(0, i) + '-' + label.slice(i), 'hyphenation');
      add(label.slice(0, i) + '.' + label.slice(i), 'dot-insertion');
    }
    for (const [u, l] of Object.entries(CONFUSABLE))
      if (l === c && u.length === 1 && !/[0-9]/.test(u))
        add(label.slice(0, i) + u + label.slice(i + 1), 'homoglyph');
  }
  for (const c of alpha) add(label + c, 'addition');
  if (label.includes('-')) add(label.replace(/-/g, ''), 'hyphen-removal');
  for (const [a, b] of [
    ['m', 'rn'],
    ['w', 'vv'],
    ['d', 'cl'],
    ['o', '0'],
    ['l', '1'],
    ['i', '1'],
    ['l', 'i'],
  ]) {
    let idx = label.indexOf(a);
    while (idx >= 0) {
      add(label.slice(0, idx) + b + label.slice(idx + a.length), 'ascii-lookalike');
      idx = label.indexOf(a, idx + 1);
    }
  }
  for (const s of options.suffixes ?? PERMUTATION_SUFFIXES) if (s !== suffix) add(label, 'other-suffix', s);
  for (const k of options.keywords ?? [
    'mail',
    'webmail',
    'login',
    'secure',
    'onedrive',
    'portal',
    'account',
    'sso',
    'vpn',
    'support',
  ]) {
    add(`${k}-${label}`, 'brand-keyword');
    add(`${label}-${k}`, 'brand-keyword');
  }
  return [...out.values()].sort((a, b) => a.kind.localeCompare(b.kind) || a.domain.localeCompare(b.domain));
}
