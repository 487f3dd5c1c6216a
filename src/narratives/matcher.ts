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
 * Speed (docs/benchmarks.md, "Narratives"): the normaliser reads the post's code units from a
 * typed array (a worker receives its batch as one, see encodeCodes); word
 * hashes are looked up in an open-addressing table in typed arrays (a hit is confirmed on the
 * characters of the term, flattened into one array); the matched terms of a post are kept in
 * typed arrays and linked lists; a narrative found by one term is returned as a shared frozen
 * hit; the normalised text regexes need is decoded in one call; large workspaces are matched
 * over worker threads (parallel.ts).
 *
 * Regular expressions (guarded, see definition.ts) run only for narratives that have them,
 * on the normalised text cut at REGEX_LIMITS.maxInputChars.
 */
import {
  normaliseCodesInto,
  normaliseForMatching,
  normaliseInto,
  rawUnitsRead,
  writeCodeUnits,
} from '../detectors/near-dup/normalise.js';
import { VigieError } from '../util/errors.js';
import { REGEX_LIMITS, guardRegex, type NarrativeDefinition } from './definition.js';

/** Normalised characters of a post that are searched (the rest of a very long post is not). */
export const MAX_MATCH_CHARS = 4000;
/** Raw code units of a post that matching may read: the rest of a longer post need not be sent. */
export const MAX_MATCH_READ = rawUnitsRead(MAX_MATCH_CHARS);
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

/**
 * One narrative found in a post, with the terms that matched (as written in the YAML). A hit
 * with a single term is frozen and shared by every post the term is found in: read it, copy
 * it to change it.
 */
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
const UTF16 = new TextDecoder('utf-16le');

/** Compiled narratives: `match(text)` gives the narratives a post carries. */
export class NarrativeMatcher {
  readonly narratives: readonly NarrativeDefinition[];
  private readonly terms: Term[] = [];
  /** Hash of a term's first word (whole) -> term ids. */
  private readonly exact: HashIndex;
  /** Hash of a one-word prefix term -> term ids; `prefixLen[L]` = 1 when some prefix has L chars. */
  private readonly prefixes: HashIndex;
  private readonly prefixLen = new Uint8Array(256);
  private readonly minTerms: Int32Array;
  private readonly regexTerms: number[] = [];
  private readonly word = wordTable();
  // Per-post scratch, reused: no allocation for a post without a match.
  private buf = new Uint16Array(MAX_MATCH_CHARS + 8);
  /** The code units of a batch (encodeBatch). */
  private codes = new Uint16Array(0);
  private tokS = new Int32Array(MAX_MATCH_CHARS + 1);
  private tokE = new Int32Array(MAX_MATCH_CHARS + 1);
  private tokH = new Int32Array(MAX_MATCH_CHARS + 1);
  private epoch = 0;
  private readonly termSeen: Int32Array;
  private readonly narrEpoch: Int32Array;
  private readonly narrCount: Int32Array;
  private readonly narrExcluded: Int32Array;
  /** Narratives touched by the current post, in order of their first term. */
  private readonly touched: Int32Array;
  private nTouched = 0;
  /** Per narrative: its matched (non-exclude) terms of the current post as a list in hit order. */
  private readonly narrHead: Int32Array;
  private readonly narrTail: Int32Array;
  private readonly termNext: Int32Array;
  private readonly termNarr: Int32Array;
  private readonly termExclude: Uint8Array;
  private readonly labels: string[];
  /** Every term's words, flattened: word i is wChars[wOff[i], wOff[i + 1]). */
  private readonly wChars: Uint16Array;
  private readonly wOff: Int32Array;
  /** Per term: index of its first word, number of words, last word is a prefix. */
  private readonly tWord0: Int32Array;
  private readonly tWords: Int32Array;
  private readonly tPrefix: Uint8Array;

  constructor(narratives: readonly NarrativeDefinition[]) {
    this.narratives = narratives;
    const exact = new Map<number, number[]>();
    const prefixes = new Map<number, number[]>();
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
          push(prefixes, fnv(first, 0, first.length), t);
        } else push(exact, fnv(first, 0, first.length), t);
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
    this.exact = new HashIndex(exact);
    this.prefixes = new HashIndex(prefixes);
    this.termSeen = new Int32Array(this.terms.length);
    this.narrEpoch = new Int32Array(narratives.length);
    this.narrCount = new Int32Array(narratives.length);
    this.narrExcluded = new Int32Array(narratives.length);
    this.touched = new Int32Array(narratives.length);
    this.narrHead = new Int32Array(narratives.length);
    this.narrTail = new Int32Array(narratives.length);
    this.termNext = new Int32Array(this.terms.length);
    this.termNarr = Int32Array.from(this.terms, (t) => t.narrative);
    this.termExclude = Uint8Array.from(this.terms, (t) => (t.kind === 'exclude' ? 1 : 0));
    this.labels = this.terms.map((t) => t.label);
    const all = this.terms.flatMap((t) => t.words);
    this.wOff = new Int32Array(all.length + 1);
    all.forEach((w, i) => (this.wOff[i + 1] = this.wOff[i] + w.length));
    this.wChars = new Uint16Array(this.wOff[all.length]);
    all.forEach((w, i) => this.wChars.set(w, this.wOff[i]));
    this.tWord0 = new Int32Array(this.terms.length);
    this.tWords = Int32Array.from(this.terms, (t) => t.words.length);
    this.tPrefix = Uint8Array.from(this.terms, (t) => (t.prefix ? 1 : 0));
    for (let t = 1; t < this.terms.length; t++) this.tWord0[t] = this.tWord0[t - 1] + this.tWords[t - 1];
  }

  /** Number of compiled terms (keywords, phrases, regexes, excludes) over all narratives. */
  get termCount(): number {
    return this.terms.length;
  }

  private hit(t: number): void {
    if (this.termSeen[t] === this.epoch) return;
    this.termSeen[t] = this.epoch;
    const k = this.termNarr[t];
    if (this.narrEpoch[k] !== this.epoch) {
      this.narrEpoch[k] = this.epoch;
      this.narrCount[k] = 0;
      this.narrExcluded[k] = 0;
      this.narrHead[k] = -1;
      this.touched[this.nTouched++] = k;
    }
    if (this.termExclude[t] === 1) {
      this.narrExcluded[k] = 1;
      return;
    }
    this.narrCount[k]++;
    this.termNext[t] = -1;
    if (this.narrHead[k] === -1) this.narrHead[k] = t;
    else this.termNext[this.narrTail[k]] = t;
    this.narrTail[k] = t;
  }

  /** Word `wi` of the flattened term words equals (or, `prefix`, starts) buf[s, e). */
  private sameWord(wi: number, s: number, e: number, prefix: boolean): boolean {
    const from = this.wOff[wi];
    const wl = this.wOff[wi + 1] - from;
    const len = e - s;
    if (prefix ? len < wl : len !== wl) return false;
    const buf = this.buf;
    const chars = this.wChars;
    for (let i = 0; i < wl; i++) if (buf[s + i] !== chars[from + i]) return false;
    return true;
  }

  private nTok = 0;
  /** Word prefixes as long as some one-word prefix term: start, end and hash (`nPre` of them). */
  private preS = new Int32Array(MAX_MATCH_CHARS + 1);
  private preE = new Int32Array(MAX_MATCH_CHARS + 1);
  private preH = new Int32Array(MAX_MATCH_CHARS + 1);
  private nPre = 0;
  /**
   * Normalise `text` into `buf` and cut it into words: bounds and hashes to tokS/tokE/tokH
   * (`nTok`), and the word prefixes as long as some one-word prefix term to preS/preE/preH
   * (`nPre`), probed afterwards in {@link collect} in the same order as the words.
   *
   * Measured and not kept (docs/benchmarks.md): fusing this into the normaliser's loop (one
   * pass over the code units, no buffer re-read) was 5 to 10 % slower, in two sessions; a
   * branch-free variant of this loop was 3x slower in a micro-bench.
   */
  private scan(n: number): void {
    const buf = this.buf;
    const W = this.word;
    const { tokS, tokE, tokH, preS, preE, preH, prefixLen } = this;
    let nt = 0;
    let np = 0;
    let i = 0;
    while (i < n) {
      while (i < n && W[buf[i]] === 0) i++;
      if (i >= n) break;
      const s = i;
      let h = 0x811c9dc5 | 0;
      while (i < n && W[buf[i]] === 1) {
        h = Math.imul(h ^ buf[i], 0x01000193);
        i++;
        if (i - s < 256 && prefixLen[i - s] === 1) {
          preS[np] = s;
          preE[np] = i;
          preH[np++] = h & 0x3fffffff;
        }
      }
      tokS[nt] = s;
      tokE[nt] = i;
      tokH[nt++] = h & 0x3fffffff;
    }
    this.nTok = nt;
    this.nPre = np;
  }

  private probePrefix(key: number, s: number, e: number): void {
    const p = this.prefixes;
    let slot = key & p.mask;
    let k: number;
    while ((k = p.keys[slot]) !== key && k !== -1) slot = (slot + 1) & p.mask;
    if (k === -1) return;
    for (let c = p.start[slot], ce = p.start[slot] + p.count[slot]; c < ce; c++) {
      const t = p.ids[c];
      if (this.termSeen[t] !== this.epoch && this.sameWord(this.tWord0[t], s, e, false)) this.hit(t);
    }
  }

  /** The narratives `text` carries (an empty, shared array when none). */
  match(text: string | null | undefined): NarrativeHit[] {
    if (!text || !this.collect(normaliseInto(text, this.buf, NORM))) return NONE;
    let out: NarrativeHit[] | null = null;
    for (let j = 0; j < this.nTouched; j++) {
      const k = this.touched[j];
      if (this.narrExcluded[k] || this.narrCount[k] < this.minTerms[k]) continue;
      let hit: NarrativeHit;
      if (this.narrCount[k] === 1) hit = this.singleHit(this.narrHead[k]);
      else {
        const labels: string[] = [];
        for (let t = this.narrHead[k]; t !== -1; t = this.termNext[t]) labels.push(this.labels[t]);
        hit = { index: k, id: this.narratives[k].id, terms: labels };
      }
      (out ??= []).push(hit);
    }
    return out ?? NONE;
  }

  private readonly singleHits: NarrativeHit[] = [];
  /**
   * The hit of a narrative found by term `t` alone: one frozen object per term, shared by
   * every post it is found in. Most hits have one term, and not allocating two objects per
   * such hit (hit and terms) measured 8 % faster at 6.5 hits per post.
   */
  private singleHit(t: number): NarrativeHit {
    let h = this.singleHits[t];
    if (h === undefined) {
      const k = this.termNarr[t];
      const terms = Object.freeze([this.labels[t]]) as string[];
      h = this.singleHits[t] = Object.freeze({ index: k, id: this.narratives[k].id, terms });
    }
    return h;
  }

  /**
   * `match` in compact form, for worker threads: appends `post, narrative index, term count,
   * term ids...` per narrative found to `out`; {@link decodeHits} turns it back into hits.
   */
  encodeMatch(text: string, post: number, out: number[]): void {
    if (!text || !this.collect(normaliseInto(text, this.buf, NORM))) return;
    for (let j = 0; j < this.nTouched; j++) {
      const k = this.touched[j];
      if (this.narrExcluded[k] || this.narrCount[k] < this.minTerms[k]) continue;
      out.push(post, k, this.narrCount[k]);
      for (let t = this.narrHead[k]; t !== -1; t = this.termNext[t]) out.push(t);
    }
  }

  private batchOut = new Int32Array(4096);

  /**
   * {@link encodeMatch} over a batch sent as one string, post i being
   * `text.slice(offsets[i], offsets[i + 1])`: the string's code units are copied once for the
   * whole batch (no string per post); see {@link encodeCodes}.
   */
  encodeBatch(text: string, offsets: Int32Array): Int32Array<ArrayBuffer> {
    this.codes = writeCodeUnits(text, this.codes);
    return this.encodeCodes(this.codes, offsets);
  }

  /**
   * {@link encodeMatch} over a batch of posts given as UTF-16 code units, post i being
   * `codes[offsets[i], offsets[i + 1])` (as ParallelNarrativeMatcher sends them to a worker):
   * the codes are written into a reused typed array, returned as a fresh copy (to be
   * transferred).
   */
  encodeCodes(codes: Uint16Array, offsets: Int32Array): Int32Array<ArrayBuffer> {
    let out = this.batchOut;
    let len = 0;
    for (let i = 0; i + 1 < offsets.length; i++) {
      const from = offsets[i];
      const to = offsets[i + 1];
      if (to <= from || !this.collect(normaliseCodesInto(codes, from, to, this.buf, NORM))) continue;
      for (let j = 0; j < this.nTouched; j++) {
        const k = this.touched[j];
        if (this.narrExcluded[k] || this.narrCount[k] < this.minTerms[k]) continue;
        // At most 3 + the narrative's term count codes; grow before writing.
        if (len + 3 + this.narrCount[k] > out.length) {
          const bigger = new Int32Array(Math.max(out.length * 2, len + 3 + this.narrCount[k]));
          bigger.set(out.subarray(0, len));
          out = this.batchOut = bigger;
        }
        out[len] = i;
        out[len + 1] = k;
        out[len + 2] = this.narrCount[k];
        len += 3;
        for (let t = this.narrHead[k]; t !== -1; t = this.termNext[t]) out[len++] = t;
      }
    }
    return out.slice(0, len);
  }

  /** A term as written in the definition, by the id {@link encodeMatch} gives. */
  termLabel(t: number): string {
    return this.labels[t];
  }

  /** Hits per post (`posts` of them) from {@link encodeMatch}'s codes. */
  decodeHits(codes: Int32Array, posts: number): NarrativeHit[][] {
    const res: NarrativeHit[][] = Array.from({ length: posts }, () => NONE);
    for (let i = 0; i < codes.length;) {
      const post = codes[i];
      const k = codes[i + 1];
      const c = codes[i + 2];
      const labels: string[] = [];
      for (let j = 0; j < c; j++) labels.push(this.labels[codes[i + 3 + j]]);
      if (res[post] === NONE) res[post] = [];
      res[post].push({ index: k, id: this.narratives[k].id, terms: labels });
      i += 3 + c;
    }
    return res;
  }

  /** Finds the terms of the normalised text `buf[0, n)`; true when some narrative was touched. */
  private collect(n: number): boolean {
    if (++this.epoch === 0x7fffffff) {
      this.epoch = 1;
      this.termSeen.fill(0);
      this.narrEpoch.fill(0);
    }
    this.nTouched = 0;
    const buf = this.buf;
    this.scan(n);
    for (let j = 0; j < this.nPre; j++) this.probePrefix(this.preH[j], this.preS[j], this.preE[j]);
    const { tokS, tokE, tokH, exact, terms, termSeen, epoch, tWords, tWord0, tPrefix } = this;
    const nt = this.nTok;
    const eKeys = exact.keys;
    const eMask = exact.mask;
    for (let j = 0; j < nt; j++) {
      const key = tokH[j];
      let slot = key & eMask;
      let k: number;
      while ((k = eKeys[slot]) !== key && k !== -1) slot = (slot + 1) & eMask;
      if (k === -1) continue;
      for (let c = exact.start[slot], ce = exact.start[slot] + exact.count[slot]; c < ce; c++) {
        const t = exact.ids[c];
        // Already found in this post: hit() would ignore it, skip the check.
        if (termSeen[t] === epoch) continue;
        const nw = tWords[t];
        if (j + nw > nt) continue;
        const w0 = tWord0[t];
        const last = tPrefix[t] === 1 ? nw - 1 : -1;
        let ok = true;
        for (let q = 0; q < nw && ok; q++) ok = this.sameWord(w0 + q, tokS[j + q], tokE[j + q], q === last);
        if (ok) this.hit(t);
      }
    }
    if (this.regexTerms.length) {
      let m = Math.min(n, REGEX_LIMITS.maxInputChars);
      // The decoder copies the buffer in one go (spreading it into String.fromCharCode cost
      // more than the regexes). It would turn a surrogate pair cut in half by the length
      // limit into U+FFFD, so a trailing high surrogate is appended as is; no other lone
      // surrogate can be in the buffer (the normaliser drops them).
      const cut = m > 0 && (buf[m - 1] & 0xfc00) === 0xd800;
      if (cut) m--;
      let s = UTF16.decode(buf.subarray(0, m));
      if (cut) s += String.fromCharCode(buf[m]);
      for (const t of this.regexTerms) if (terms[t].regex!.test(s)) this.hit(t);
    }
    return this.nTouched > 0;
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

/**
 * A frozen map from a 30-bit word hash to term ids: open addressing with linear probing in
 * typed arrays (keys are non-negative, -1 marks an empty slot), so a probe reads two
 * adjacent integers instead of hashing a boxed key in a `Map`.
 */
class HashIndex {
  readonly keys: Int32Array;
  readonly start: Int32Array;
  readonly count: Int32Array;
  readonly ids: Int32Array;
  readonly mask: number;
  readonly size: number;
  constructor(m: Map<number, number[]>) {
    this.size = m.size;
    let cap = 16;
    while (cap < m.size * 4) cap *= 2;
    this.mask = cap - 1;
    this.keys = new Int32Array(cap).fill(-1);
    this.start = new Int32Array(cap);
    this.count = new Int32Array(cap);
    const ids: number[] = [];
    for (const [key, list] of m) {
      let slot = key & this.mask;
      while (this.keys[slot] !== -1) slot = (slot + 1) & this.mask;
      this.keys[slot] = key;
      this.start[slot] = ids.length;
      this.count[slot] = list.length;
      ids.push(...list);
    }
    this.ids = Int32Array.from(ids);
  }
}
