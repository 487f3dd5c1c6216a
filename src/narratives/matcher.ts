/**
 * Matching posts against many narratives in one pass.
 *
 * Text and terms go through the same normalisation as near-duplicate matching
 * (src/detectors/near-dup/normalise.ts, shared rather than duplicated): NFKC, lower case,
 * diacritics stripped, zero-width and format characters dropped, Latin look-alike letters of
 * Cyrillic and Greek folded to Latin, URLs and @mentions removed. Then the text is cut into
 * words (runs of letters and digits) and every word is looked up once, by a hash computed
 * while scanning, in one dictionary holding the first word of every keyword and phrase of
 * every narrative; phrases are confirmed on the following words. So a term only matches
 * whole words ("macron" does not match "macronie"; "macron*" does), and a phrase matches
 * whatever punctuation or spacing separates its words.
 *
 * Hand-written rather than an Aho–Corasick package: none is installed, and substring
 * automata would need a second pass to enforce word boundaries, which the word dictionary
 * gives for free (cost: one hash probe per word, no allocation per post without a match).
 *
 * Regular expressions (guarded, see definition.ts) run only for narratives that have them,
 * on the normalised text cut at REGEX_LIMITS.maxInputChars.
 */
import { normaliseForMatching, normaliseInto } from '../detectors/near-dup/normalise.js';
import { VigieError } from '../util/errors.js';
import { REGEX_LIMITS, guardRegex, type NarrativeDefinition } from './definition.js';

/** Normalised characters of a post that are searched (the rest of a very long post is not). */
export const MAX_MATCH_CHARS = 4000;
const NORM = { foldHomoglyphs: true, maxChars: MAX_MATCH_CHARS };

let WORD: Uint8Array | null = null;
/** Word characters of the normalised text: letters and digits (marks are already stripped). */
function wordTable(): Uint8Array {
  if (WORD) return WORD;
  const t = new Uint8Array(0x10000);
  const re = /[\p{L}\p{N}]/u;
  for (let c = 0; c < 0x10000; c++) {
    if (c >= 0xd800 && c <= 0xdfff) continue;
    if (c < 0x80) t[c] = (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7a) ? 1 : 0;
    else t[c] = re.test(String.fromCharCode(c)) ? 1 : 0;
  }
  WORD = t;
  return t;
}

/** The normalised form of a text, as matching sees it (for tests, docs and `explain`). */
export function normaliseNarrativeText(text: string): string {
  return normaliseForMatching(text, NORM);
}

/** Words of a text after normalisation. */
export function narrativeWords(text: string): string[] {
  const w = wordTable();
  const s = normaliseNarrativeText(text);
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    if (w[s.charCodeAt(i)]) cur += s[i];
    else if (cur) {
      out.push(cur);
      cur = '';
    }
  }
  if (cur) out.push(cur);
  return out;
}

/**
 * Fold the literal letters of a regular expression like the text it runs on (so a pattern
 * written `Макрон|Élysée` finds what the text became), leaving escapes, property names and
 * group names untouched.
 */
export function foldPattern(source: string): string {
  let out = '';
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      const d = source[i + 1] ?? '';
      if ((d === 'p' || d === 'P' || d === 'u') && source[i + 2] === '{') {
        const j = source.indexOf('}', i);
        const end = j < 0 ? source.length : j + 1;
        out += source.slice(i, end);
        i = end - 1;
      } else {
        out += c + d;
        i++;
      }
      continue;
    }
    if (c === '(' && source.startsWith('(?<', i) && !/^\(\?<[=!]/.test(source.slice(i))) {
      const j = source.indexOf('>', i);
      const end = j < 0 ? source.length : j + 1;
      out += source.slice(i, end);
      i = end - 1;
      continue;
    }
    if (/\p{L}/u.test(c)) out += normaliseForMatching(c, { foldHomoglyphs: true, maxChars: 16 }) || c;
    else if (/\p{M}/u.test(c)) continue;
    else out += c;
  }
  return out;
}

function fnv(chars: ArrayLike<number>, from: number, to: number): number {
  let h = 0x811c9dc5 | 0;
  for (let i = from; i < to; i++) h = Math.imul(h ^ chars[i], 0x01000193);
  return h & 0x3fffffff;
}

interface Term {
  narrative: number;
  kind: 'keyword' | 'phrase' | 'regex' | 'exclude';
  /** As written in the definition. */
  label: string;
  words: Uint16Array[];
  /** The last word is a prefix. */
  prefix: boolean;
  regex: RegExp | null;
}

/** One narrative found in a post, with the terms that matched (as written in the YAML). */
export interface NarrativeHit {
  /** Index in `matcher.narratives`. */
  index: number;
  id: string;
  terms: string[];
}

export interface ExampleFailure {
  narrative: string;
  at: string;
  text: string;
  expected: boolean;
  terms: string[];
}

const NONE: NarrativeHit[] = [];

/** Compiled narratives: `match(text)` gives the narratives a post carries. */
export class NarrativeMatcher {
  readonly narratives: readonly NarrativeDefinition[];
  private readonly terms: Term[] = [];
  /** Hash of a term's first word (whole) -> term ids. */
  private readonly exact = new Map<number, number[]>();
  /** Hash of a one-word prefix term -> term ids; `prefixLen[L]` = 1 when some prefix has L chars. */
  private readonly prefixes = new Map<number, number[]>();
  private readonly prefixLen = new Uint8Array(256);
  private readonly minTerms: Int32Array;
  private readonly regexTerms: number[] = [];
  private readonly word = wordTable();
  // Per-post scratch, reused: no allocation for a post without a match.
  private buf = new Uint16Array(MAX_MATCH_CHARS + 8);
  private tokS = new Int32Array(MAX_MATCH_CHARS + 1);
  private tokE = new Int32Array(MAX_MATCH_CHARS + 1);
  private tokH = new Int32Array(MAX_MATCH_CHARS + 1);
  private epoch = 0;
  private readonly termSeen: Int32Array;
  private readonly narrEpoch: Int32Array;
  private readonly narrCount: Int32Array;
  private readonly narrExcluded: Int32Array;
  private readonly hitTerms: number[] = [];
  private readonly touched: number[] = [];

  constructor(narratives: readonly NarrativeDefinition[]) {
    this.narratives = narratives;
    this.minTerms = Int32Array.from(narratives, (n) => n.minTerms);
    narratives.forEach((n, k) => {
      const add = (label: string, kind: Term['kind']) => {
        const prefix = (kind === 'keyword' || kind === 'exclude') && label.endsWith('*');
        const words = narrativeWords(prefix ? label.slice(0, -1) : label);
        if (words.length === 0)
          throw new VigieError(
            'ERR_INPUT',
            `${n.source}: term "${label}" of narrative ${n.id} has no letters or digits once normalised`,
          );
        if (prefix && words[words.length - 1].length < 3)
          throw new VigieError(
            'ERR_INPUT',
            `${n.source}: prefix "${label}" needs at least 3 letters before "*"`,
          );
        const t = this.terms.length;
        this.terms.push({
          narrative: k,
          kind,
          label,
          words: words.map((w) => Uint16Array.from(w, (ch) => ch.charCodeAt(0))),
          prefix,
          regex: null,
        });
        const first = this.terms[t].words[0];
        if (prefix && words.length === 1) {
          if (first.length >= this.prefixLen.length)
            throw new VigieError('ERR_INPUT', `${n.source}: prefix "${label}" is too long`);
          this.prefixLen[first.length] = 1;
          push(this.prefixes, fnv(first, 0, first.length), t);
        } else push(this.exact, fnv(first, 0, first.length), t);
      };
      for (const kw of n.keywords) add(kw, 'keyword');
      for (const ph of n.phrases) add(ph, 'phrase');
      for (const ex of n.exclude) add(ex, 'exclude');
      for (const r of n.regexes) {
        const t = this.terms.length;
        let regex: RegExp;
        try {
          regex = guardRegex(foldPattern(r));
        } catch (e) {
          throw new VigieError('ERR_INPUT', `${n.source}: regex "${r}" of ${n.id}: ${(e as Error).message}`);
        }
        this.terms.push({ narrative: k, kind: 'regex', label: r, words: [], prefix: false, regex });
        this.regexTerms.push(t);
      }
    });
    this.termSeen = new Int32Array(this.terms.length);
    this.narrEpoch = new Int32Array(narratives.length);
    this.narrCount = new Int32Array(narratives.length);
    this.narrExcluded = new Int32Array(narratives.length);
  }

  /** Number of compiled terms (keywords, phrases, regexes, excludes) over all narratives. */
  get termCount(): number {
    return this.terms.length;
  }

  private hit(t: number): void {
    if (this.termSeen[t] === this.epoch) return;
    this.termSeen[t] = this.epoch;
    const term = this.terms[t];
    const k = term.narrative;
    if (this.narrEpoch[k] !== this.epoch) {
      this.narrEpoch[k] = this.epoch;
      this.narrCount[k] = 0;
      this.narrExcluded[k] = 0;
      this.touched.push(k);
    }
    if (term.kind === 'exclude') this.narrExcluded[k] = 1;
    else this.narrCount[k]++;
    this.hitTerms.push(t);
  }

  private sameWord(w: Uint16Array, s: number, e: number, prefix: boolean): boolean {
    const len = e - s;
    if (prefix ? len < w.length : len !== w.length) return false;
    const buf = this.buf;
    for (let i = 0; i < w.length; i++) if (buf[s + i] !== w[i]) return false;
    return true;
  }

  /** The narratives `text` carries (an empty, shared array when none). */
  match(text: string | null | undefined): NarrativeHit[] {
    if (!text) return NONE;
    if (++this.epoch === 0x7fffffff) {
      this.epoch = 1;
      this.termSeen.fill(0);
      this.narrEpoch.fill(0);
    }
    this.touched.length = 0;
    this.hitTerms.length = 0;
    const buf = this.buf;
    const n = normaliseInto(text, buf, NORM);
    const word = this.word;
    const { tokS, tokE, tokH, prefixLen, prefixes, exact, terms } = this;
    const hasPrefixes = prefixes.size > 0;
    let nt = 0;
    let i = 0;
    while (i < n) {
      while (i < n && word[buf[i]] === 0) i++;
      if (i >= n) break;
      const s = i;
      let h = 0x811c9dc5 | 0;
      while (i < n && word[buf[i]] === 1) {
        h = Math.imul(h ^ buf[i], 0x01000193);
        i++;
        if (hasPrefixes && i - s < 256 && prefixLen[i - s] === 1) {
          const c = prefixes.get(h & 0x3fffffff);
          if (c !== undefined)
            for (const t of c) if (this.sameWord(terms[t].words[0], s, i, false)) this.hit(t);
        }
      }
      tokS[nt] = s;
      tokE[nt] = i;
      tokH[nt++] = h & 0x3fffffff;
    }
    for (let j = 0; j < nt; j++) {
      const c = exact.get(tokH[j]);
      if (c === undefined) continue;
      for (const t of c) {
        const term = terms[t];
        const w = term.words;
        if (j + w.length > nt) continue;
        let ok = true;
        for (let q = 0; q < w.length && ok; q++)
          ok = this.sameWord(w[q], tokS[j + q], tokE[j + q], term.prefix && q === w.length - 1);
        if (ok) this.hit(t);
      }
    }
    if (this.regexTerms.length) {
      let s = '';
      const m = Math.min(n, REGEX_LIMITS.maxInputChars);
      for (let a = 0; a < m; a += 1024) s += String.fromCharCode(...buf.subarray(a, Math.min(m, a + 1024)));
      for (const t of this.regexTerms) if (terms[t].regex!.test(s)) this.hit(t);
    }
    if (this.touched.length === 0) return NONE;
    let out: NarrativeHit[] | null = null;
    for (const k of this.touched) {
      if (this.narrExcluded[k] || this.narrCount[k] < this.minTerms[k]) continue;
      const labels: string[] = [];
      for (const t of this.hitTerms)
        if (terms[t].narrative === k && terms[t].kind !== 'exclude') labels.push(terms[t].label);
      (out ??= []).push({ index: k, id: this.narratives[k].id, terms: labels });
    }
    return out ?? NONE;
  }

  /** Run every narrative's examples; returns those that do not behave as declared. */
  checkExamples(): ExampleFailure[] {
    const failures: ExampleFailure[] = [];
    this.narratives.forEach((n, k) => {
      for (const ex of n.examples) {
        const hit = this.match(ex.text).find((h) => h.index === k);
        if (!!hit !== ex.match)
          failures.push({
            narrative: n.id,
            at: ex.at,
            text: ex.text,
            expected: ex.match,
            terms: hit?.terms ?? [],
          });
      }
    });
    return failures;
  }
}

function push(m: Map<number, number[]>, k: number, v: number): void {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}
