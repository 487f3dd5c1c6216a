/**
 * The matcher (typed-array hash table, flattened term words, linked hit lists, regex input
 * decoded in one call) against the implementation it replaced, kept here in substance as the
 * reference: `Map` probes per word, term objects, hits in plain arrays, text rebuilt by
 * `String.fromCharCode`.
 * Both must give identical hits, in the same order, with the same term labels, on a seeded
 * corpus full of what the normaliser folds (homoglyphs, accents, combining marks, fullwidth
 * letters, ligatures, zero-width characters, URLs, mentions, emoji, punctuation) and on posts
 * long enough to be cut at MAX_MATCH_CHARS.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normaliseInto } from '../detectors/near-dup/normalise.js';
import { mulberry32 } from '../util/rng.js';
import { REGEX_LIMITS, guardRegex, type NarrativeDefinition } from './definition.js';
import {
  MAX_MATCH_CHARS,
  NarrativeMatcher,
  foldPattern,
  narrativeWords,
  type NarrativeHit,
} from './matcher.js';
import { ParallelNarrativeMatcher } from './parallel.js';

const NORM = { foldHomoglyphs: true, maxChars: MAX_MATCH_CHARS };

function fnv(chars: ArrayLike<number>, from: number, to: number): number {
  let h = 0x811c9dc5 | 0;
  for (let i = from; i < to; i++) h = Math.imul(h ^ chars[i], 0x01000193);
  return h & 0x3fffffff;
}

function isWord(c: number): boolean {
  if (c < 0x80) return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7a);
  return !(c >= 0xd800 && c <= 0xdfff) && /[\p{L}\p{N}]/u.test(String.fromCharCode(c));
}

interface RefTerm {
  narrative: number;
  kind: 'keyword' | 'phrase' | 'regex' | 'exclude';
  label: string;
  words: Uint16Array[];
  prefix: boolean;
  regex: RegExp | null;
}

/** The matcher before the fused scan: two passes and `Map` lookups. */
class ReferenceMatcher {
  private terms: RefTerm[] = [];
  private exact = new Map<number, number[]>();
  private prefixes = new Map<number, number[]>();
  private prefixLen = new Uint8Array(256);
  private buf = new Uint16Array(MAX_MATCH_CHARS + 8);
  constructor(private narratives: NarrativeDefinition[]) {
    const push = (m: Map<number, number[]>, k: number, v: number) => m.set(k, [...(m.get(k) ?? []), v]);
    narratives.forEach((n, k) => {
      const add = (label: string, kind: RefTerm['kind']) => {
        const prefix = (kind === 'keyword' || kind === 'exclude') && label.endsWith('*');
        const words = narrativeWords(prefix ? label.slice(0, -1) : label);
        const t = this.terms.length;
        const w = words.map((x) => Uint16Array.from(x, (ch) => ch.charCodeAt(0)));
        this.terms.push({ narrative: k, kind, label, words: w, prefix, regex: null });
        if (prefix && words.length === 1) {
          this.prefixLen[w[0].length] = 1;
          push(this.prefixes, fnv(w[0], 0, w[0].length), t);
        } else push(this.exact, fnv(w[0], 0, w[0].length), t);
      };
      n.keywords.forEach((x) => add(x, 'keyword'));
      n.phrases.forEach((x) => add(x, 'phrase'));
      n.exclude.forEach((x) => add(x, 'exclude'));
      for (const r of n.regexes)
        this.terms.push({
          narrative: k,
          kind: 'regex',
          label: r,
          words: [],
          prefix: false,
          regex: guardRegex(foldPattern(r)),
        });
    });
  }

  private same(w: Uint16Array, s: number, e: number, prefix: boolean): boolean {
    if (prefix ? e - s < w.length : e - s !== w.length) return false;
    for (let i = 0; i < w.length; i++) if (this.buf[s + i] !== w[i]) return false;
    return true;
  }

  match(text: string): NarrativeHit[] {
    const buf = this.buf;
    const n = normaliseInto(text, buf, NORM);
    const hits: number[] = [];
    const hit = (t: number) => {
      if (!hits.includes(t)) hits.push(t);
    };
    const tok: [number, number, number][] = [];
    let i = 0;
    while (i < n) {
      while (i < n && !isWord(buf[i])) i++;
      if (i >= n) break;
      const s = i;
      let h = 0x811c9dc5 | 0;
      while (i < n && isWord(buf[i])) {
        h = Math.imul(h ^ buf[i], 0x01000193);
        i++;
        if (i - s < 256 && this.prefixLen[i - s] === 1)
          for (const t of this.prefixes.get(h & 0x3fffffff) ?? [])
            if (this.same(this.terms[t].words[0], s, i, false)) hit(t);
      }
      tok.push([s, i, h & 0x3fffffff]);
    }
    for (let j = 0; j < tok.length; j++)
      for (const t of this.exact.get(tok[j][2]) ?? []) {
        const term = this.terms[t];
        const w = term.words;
        if (j + w.length > tok.length) continue;
        let ok = true;
        for (let q = 0; q < w.length && ok; q++)
          ok = this.same(w[q], tok[j + q][0], tok[j + q][1], term.prefix && q === w.length - 1);
        if (ok) hit(t);
      }
    const norm = String.fromCharCode(...buf.subarray(0, Math.min(n, REGEX_LIMITS.maxInputChars)));
    this.terms.forEach((term, t) => {
      if (term.regex?.test(norm)) hit(t);
    });
    const order: number[] = [];
    for (const t of hits) if (!order.includes(this.terms[t].narrative)) order.push(this.terms[t].narrative);
    const out: NarrativeHit[] = [];
    for (const k of order) {
      const mine = hits.filter((t) => this.terms[t].narrative === k);
      if (mine.some((t) => this.terms[t].kind === 'exclude')) continue;
      if (mine.length < this.narratives[k].minTerms) continue;
      out.push({ index: k, id: this.narratives[k].id, terms: mine.map((t) => this.terms[t].label) });
    }
    return out;
  }
}

// ---- seeded corpus ------------------------------------------------------------------------

const BASE = [
  'macron', 'élysée', 'offshore', 'fraude', 'électorale', 'vote', 'par', 'correspondance',
  'briefwahl', 'unterlagen', 'straße', 'фальсификация', 'выборы', 'макрон', 'postal', 'ballots',
  'cayman', 'compte', 'the', 'who', 'what', 'http', 'www', 'ελλάδα', 'άλφα', 'naïve', 'ﬁnance',
  '2027', 'x1', 'résultats', 'hôtel', 'wahl', 'h', 'w',
]; // prettier-ignore
const HOMO: Record<string, string> = { a: 'а', e: 'е', o: 'о', p: 'р', c: 'с', x: 'х', y: 'у', i: 'і' };
const SEPS = [
  ' ',
  ' ',
  ' ',
  '  ',
  '-',
  ', ',
  '... ',
  '\u00a0',
  '\n',
  ' — ',
  '!',
  '?',
  '\u200b',
  '…',
  ' #',
  '/',
];
const EXTRAS = [
  'https://t.co/ab',
  'www.exemple.fr/x',
  '@user_1',
  '@bob@mastodon.social',
  '😀',
  '🇫🇷',
  'a@b.fr',
  'xhttp://y',
];

function mutate(w: string, r: () => number): string {
  let out = '';
  for (const ch of w) {
    const x = r();
    if (x < 0.08 && HOMO[ch]) out += HOMO[ch];
    else if (x < 0.14) out += ch.toUpperCase();
    else if (x < 0.18) out += ch.normalize('NFD');
    else if (x < 0.2 && ch >= 'a' && ch <= 'z') out += String.fromCharCode(ch.charCodeAt(0) - 0x61 + 0xff41);
    else if (x < 0.21) out += ch + '\u0301';
    else if (x < 0.22) out += ch + '\u00ad';
    else out += ch;
  }
  return out;
}

function corpus(n: number, seed: number): string[] {
  const r = mulberry32(seed);
  const pick = <T>(a: T[]) => a[Math.floor(r() * a.length)];
  const posts: string[] = [];
  for (let i = 0; i < n; i++) {
    const words = r() < 0.02 ? 1500 : 1 + Math.floor(r() * 30);
    let s = '';
    for (let j = 0; j < words; j++) {
      if (r() < 0.08) s += pick(EXTRAS) + pick(SEPS);
      let w = pick(BASE);
      if (r() < 0.15) w += pick(BASE); // compounds: prefixes match, whole words do not
      s += mutate(w, r) + pick(SEPS);
    }
    posts.push(r() < 0.5 ? s : s.trim());
  }
  posts.push('', ' ', '\u200b', 'h', 'ww', '@', 'macron'.repeat(800), 'é'.repeat(40000));
  // Surrogate pairs and words cut by the regex input limit and by MAX_MATCH_CHARS.
  for (const at of [REGEX_LIMITS.maxInputChars, MAX_MATCH_CHARS])
    for (const d of [-3, -2, -1, 0, 1])
      for (const tail of ['😀 macron x1 2027', 'macron offshore', 'ﬁnance naïve 😀'])
        posts.push('x'.repeat(at + d) + tail, `macron ${'😀'.repeat((at + d) >> 1)}${tail}`);
  return posts;
}

const DEFS: NarrativeDefinition[] = [
  { keywords: ['Macron', 'offshore', 'Макрон*'], phrases: [], exclude: ['fact-check'], minTerms: 2 },
  { keywords: ['briefwahl*', 'straße', 'wah*', 'straß*', 'thew*'], phrases: ['vote par correspondance', 'postal ballots'], exclude: [], minTerms: 1 },
  { keywords: ['fraude électorale', 'фальсифика*', 'élysée'], phrases: ['compte offshore'], exclude: [], minTerms: 1, regexes: ['\\ufffd'] },
  { keywords: ['naïve', 'finance', 'hôtel', 'wahl*'], phrases: ['the who'], exclude: ['cayman'], minTerms: 1 },
  { keywords: ['ελλαδα', '2027', 'x1'], phrases: ['résultats 2027', 'macron macron'], exclude: [], minTerms: 1, regexes: ['macron\\w{0,6}\\s\\w{0,8}'] },
  { keywords: ['mac*', 'vote par corr*'], phrases: [], exclude: ['http'], minTerms: 1 },
].map((d, k) => ({
  id: `n${k}`,
  name: `n${k}`,
  description: '',
  languages: [],
  regexes: [],
  techniques: [],
  examples: [],
  source: 'property-test',
  ...d,
})); // prettier-ignore

test('the matcher gives the same hits, terms and order as the two-pass reference', () => {
  const fast = new NarrativeMatcher(DEFS);
  const ref = new ReferenceMatcher(DEFS);
  let hits = 0;
  const seen = new Set<string>();
  for (const [i, text] of corpus(3000, 20261122).entries()) {
    const want = ref.match(text);
    assert.deepEqual(fast.match(text), want, `post ${i}: ${JSON.stringify(text.slice(0, 200))}`);
    hits += want.length;
    for (const h of want) seen.add(h.id);
  }
  // The corpus must exercise every narrative, or agreement would prove little.
  assert.ok(hits > 1000, `only ${hits} hits`);
  assert.deepEqual([...seen].sort(), DEFS.map((d) => d.id).sort());
});

test('worker threads give the same hits as the single-thread matcher, in post order', async () => {
  const texts: (string | null)[] = corpus(1500, 7);
  texts.splice(10, 0, null, '');
  // Longer than matching reads (the worker is sent only that much of it): terms after 20,000
  // invisible characters (read: they normalise to nothing), and terms past the read limit.
  const some = corpus(40, 9).join(' ');
  texts.splice(20, 0, '\u200b'.repeat(20_000) + some, 'y '.repeat(20_000) + some);
  const serial = new NarrativeMatcher(DEFS);
  const pool = new ParallelNarrativeMatcher(DEFS, { workers: 2 });
  try {
    const [a, b] = await Promise.all([
      pool.matchBatch(texts.slice(0, 700)),
      pool.matchBatch(texts.slice(700)),
    ]);
    const got = [...a, ...b];
    assert.equal(got.length, texts.length);
    got.forEach((h, i) => assert.deepEqual(h, serial.match(texts[i]), `post ${i}`));
    assert.ok(got.some((h) => h.length > 0));
  } finally {
    await pool.close();
  }
});

test('encodeBatch on one concatenated string gives the codes of encodeMatch post by post', () => {
  const texts = corpus(800, 11);
  texts.splice(5, 0, '', '');
  const m = new NarrativeMatcher(DEFS);
  const offsets = new Int32Array(texts.length + 1);
  texts.forEach((t, i) => (offsets[i + 1] = offsets[i] + t.length));
  const want: number[] = [];
  texts.forEach((t, i) => m.encodeMatch(t, i, want));
  // Twice: the matcher's batch buffers are reused and must not carry a batch into the next.
  for (let r = 0; r < 2; r++) assert.deepEqual([...m.encodeBatch(texts.join(''), offsets)], want);
  assert.ok(want.length > 300, `only ${want.length} codes`);
});

test('a narrative found by one term alone is a shared frozen hit, equal to a fresh one', () => {
  const m = new NarrativeMatcher(DEFS);
  const singles = corpus(500, 3)
    .flatMap((t) => m.match(t))
    .filter((h) => h.terms.length === 1);
  assert.ok(singles.length > 50);
  for (const h of singles) {
    assert.ok(Object.isFrozen(h) && Object.isFrozen(h.terms));
    assert.deepEqual(h, { index: h.index, id: DEFS[h.index].id, terms: [...h.terms] });
  }
  assert.throws(() => singles[0].terms.push('x'), TypeError);
});
