/**
 * Text normalisation for near-duplicate matching (never for display or storage: posts are
 * stored verbatim).
 *
 * Steps, in order: URLs (`http://`, `https://`, `www.`) and @mentions removed; each code
 * point NFKC-normalised, lower-cased (plus `ß` → `ss`), decomposed (NFD) with its combining
 * marks stripped and recomposed (NFC, which keeps Hangul syllables whole); format characters
 * (zero-width spaces and joiners, soft hyphens, BOM, tag characters) and controls dropped;
 * optionally Latin look-alikes in Cyrillic and Greek folded to Latin; every run of whitespace
 * collapsed to one space and the ends trimmed.
 *
 * The mapping is computed per code point once, into a 64 Ki table, so that the hot loop is
 * one table lookup per UTF-16 code unit instead of four `String.prototype.normalize` calls
 * and several regular expressions per post; the loop reads the text's code units from a
 * typed array (copied in one native call), not the string (docs/benchmarks.md,
 * "Narratives"). Per-code-point NFKC differs from whole-string NFKC only for sequences that
 * compose across code points (conjoining Hangul jamo, a base letter followed by a combining
 * mark): since marks are stripped afterwards, only decomposed jamo differ, which social-media
 * text does not use.
 *
 * @see Unicode UAX #15 (normalisation forms) and UTS #39 (confusables) for the folding.
 */

// Table entries at or above CHECK are not characters but instructions for the slow path.
/** h, H, w, W, @, ＠: may start a URL or a mention, which needs a look at the context. */
const CHECK = 0xfffd;
/** The fold is longer than one UTF-16 code unit (ligatures, ß...), or is itself >= CHECK. */
const MULTI = 0xfffe;
/** Dropped: controls, format characters, marks; also surrogates, handled as pairs. */
const DROP = 0xffff;
const SPACE = 0x20;

/**
 * Latin look-alikes in Cyrillic and Greek (after lower-casing), the ones used to evade
 * exact-match filters by swapping a few letters of a Latin-script text. A small, reviewed
 * subset of UTS #39 confusables: only letters whose lower- or upper-case glyph is
 * indistinguishable from a Latin letter in common fonts.
 */
const HOMOGLYPHS: Record<string, string> = {
  // Cyrillic
  а: 'a', в: 'b', е: 'e', ё: 'e', і: 'i', ї: 'i', ј: 'j', к: 'k', м: 'm', н: 'h', о: 'o',
  р: 'p', с: 'c', т: 't', у: 'y', х: 'x', ѕ: 's', ԁ: 'd', һ: 'h', ӏ: 'l', ԛ: 'q', ԝ: 'w', ү: 'y',
  // Greek
  α: 'a', β: 'b', ε: 'e', η: 'h', ι: 'i', κ: 'k', μ: 'm', ν: 'v', ο: 'o', ρ: 'p', τ: 't',
  υ: 'u', χ: 'x', ζ: 'z', ϲ: 'c', ς: 'σ',
}; // prettier-ignore

/** Flags per code unit: bit 0 = word character (letters, digits, marks, `_`). */
let WORD: Uint8Array | null = null;
const TABLES: (Uint16Array | null)[] = [null, null];
const MULTIS: Map<number, string>[] = [new Map(), new Map()];
const ASTRAL: Map<number, string>[] = [new Map(), new Map()];
/** Bounds the astral fold cache: adversarial text can cycle through a million code points. */
const ASTRAL_CACHE_MAX = 20_000;

const MARKS_RE = /\p{M}/gu;
const SPACE_RE = /^\s+$/u;
const INVISIBLE_RE = /^[\p{Cf}\p{Cc}\p{Cs}\p{Co}\p{Cn}]$/u;
const WORD_RE = /[\p{L}\p{N}\p{M}_]/u;

/** The fold of one code point as a string ('' when dropped, ' ' for whitespace). */
function foldCodePoint(cp: number, homoglyphs: boolean): string {
  const ch = String.fromCodePoint(cp);
  if (SPACE_RE.test(ch)) return ' ';
  if (INVISIBLE_RE.test(ch)) return '';
  let s = ch.normalize('NFKC').toLowerCase();
  s = s.normalize('NFD').replace(MARKS_RE, '').normalize('NFC');
  s = s.replace(/ß/g, 'ss');
  if (homoglyphs) {
    let t = '';
    for (const c of s) t += HOMOGLYPHS[c] ?? c;
    s = t;
  }
  // NFKC turns some code points into space-bearing sequences (e.g. U+00A8 into ' ̈'):
  // collapse those like any whitespace, and drop what folds to nothing but spaces.
  if (SPACE_RE.test(s)) return ' ';
  return s.replace(/\s+/gu, ' ');
}

function table(homoglyphs: boolean): Uint16Array {
  const i = homoglyphs ? 1 : 0;
  const cached = TABLES[i];
  if (cached) return cached;
  const t = new Uint16Array(0x10000);
  const multi = MULTIS[i];
  const word = WORD ?? new Uint8Array(0x10000);
  for (let c = 0; c < 0x10000; c++) {
    if (c >= 0xd800 && c <= 0xdfff) {
      t[c] = DROP; // surrogates: pairs are folded in the slow path
      continue;
    }
    if (c < 0x80) {
      // ASCII is the hot path: spell it out rather than trust five normalisations.
      const isSpace = c === 0x20 || (c >= 0x09 && c <= 0x0d);
      t[c] = isSpace ? SPACE : c < 0x20 || c === 0x7f ? DROP : c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
      word[c] =
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f
          ? 1
          : 0;
      continue;
    }
    const s = foldCodePoint(c, homoglyphs);
    if (s.length === 0) t[c] = DROP;
    else if (s.length === 1 && s.charCodeAt(0) < CHECK) t[c] = s.charCodeAt(0);
    else {
      t[c] = MULTI;
      multi.set(c, s);
    }
    if (WORD === null) word[c] = WORD_RE.test(String.fromCharCode(c)) ? 1 : 0;
  }
  for (const c of [0x68, 0x48, 0x77, 0x57, 0x40, 0xff20]) t[c] = CHECK;
  WORD = word;
  TABLES[i] = t;
  return t;
}

/**
 * Build the fold table now rather than on the first text: about 0.1 s of `normalize` calls
 * over the 64 Ki code points. A worker thread calls it as it starts, which is while the store
 * is still sorting the texts it will be sent, not while they wait.
 */
export function prepareNormaliser(foldHomoglyphs: boolean): void {
  table(foldHomoglyphs);
}

function astralFold(cp: number, homoglyphs: boolean): string {
  const cache = ASTRAL[homoglyphs ? 1 : 0];
  let s = cache.get(cp);
  if (s === undefined) {
    s = foldCodePoint(cp, homoglyphs);
    if (cache.size >= ASTRAL_CACHE_MAX) cache.clear();
    cache.set(cp, s);
  }
  return s;
}

function lowerAscii(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
}

/** True when `text` at `i` starts with `lit` (ASCII, given in lower case), ignoring ASCII case. */
function startsWithCI(text: string, i: number, lit: string): boolean {
  if (i + lit.length > text.length) return false;
  for (let j = 0; j < lit.length; j++)
    if (lowerAscii(text.charCodeAt(i + j)) !== lit.charCodeAt(j)) return false;
  return true;
}

export interface NormaliseOptions {
  /** Fold Latin look-alike letters of Cyrillic and Greek to Latin. */
  foldHomoglyphs: boolean;
  /** Stop after this many normalised code units (hostile or very long texts). */
  maxChars: number;
}

/**
 * The code units of `text` (its first `end` of them) in a reusable module buffer, valid until
 * the next call. One native copy (`Buffer#write` in UTF-16LE, which keeps lone surrogates as
 * they are) instead of a `charCodeAt` per code unit: the loop below then reads a typed array,
 * which V8 compiles to a plain load, while `charCodeAt` dispatches on the string's
 * representation (one-byte or two-byte, flat, sliced or cons); measured, the string loop ran
 * at 5 to 12 ns per code unit depending on the process, this one at 3 (plus 1.5 for the copy).
 */
function codeUnitsOf(text: string, end: number): Uint16Array {
  if (codeBuf.length < end) {
    codeBuf = new Uint16Array(Math.max(end, codeBuf.length * 2));
    codeBytes = Buffer.from(codeBuf.buffer);
  }
  codeBytes.write(text, 0, end * 2, 'utf16le');
  return codeBuf;
}
let codeBuf = new Uint16Array(4096);
let codeBytes = Buffer.from(codeBuf.buffer);

/**
 * The UTF-16 code units of `text` written into `into` (grown when too small; the array used
 * is returned), for {@link normaliseCodesInto}: callers matching many texts sent as one
 * concatenated string copy the whole batch once.
 */
export function writeCodeUnits(text: string, into?: Uint16Array<ArrayBuffer>): Uint16Array<ArrayBuffer> {
  const len = text.length;
  const dst = into && into.length >= len ? into : new Uint16Array(Math.max(len, 2 * (into?.length ?? 0)));
  Buffer.from(dst.buffer, dst.byteOffset, dst.byteLength).write(text, 0, len * 2, 'utf16le');
  return dst;
}

/**
 * The raw code units of a text that normalising it to at most `maxChars` code units may
 * look at: 8 per output unit, and 8 more, since a URL prefix may be recognised across that
 * limit. Callers copying texts for {@link normaliseCodesInto} need copy no more.
 */
export function rawUnitsRead(maxChars: number): number {
  return maxChars * 8 + 8;
}

/**
 * Normalise `text` into `out` (UTF-16 code units) and return the length written, at most
 * `min(out.length, options.maxChars)`. The raw text is read at most up to 8 x `maxChars`
 * code units, so that a multi-megabyte post costs no more than a long one.
 *
 * @example
 * const out = new Uint16Array(2048);
 * const n = normaliseInto('Élection: https://t.co/x @Bob ВОТЕ!', out, { foldHomoglyphs: true, maxChars: 2000 });
 * String.fromCharCode(...out.subarray(0, n)) === 'election: bote!'
 */
export function normaliseInto(text: string, out: Uint16Array, options: NormaliseOptions): number {
  const to = Math.min(text.length, rawUnitsRead(Math.min(out.length, options.maxChars)));
  return normaliseCodesInto(codeUnitsOf(text, to), 0, to, out, options);
}

/**
 * {@link normaliseInto} on the code units `src[from, to)` (a text of a batch written once
 * with {@link writeCodeUnits}): the same output as `normaliseInto` on that text, which is
 * tested against the string path {@link normaliseIntoByCodeUnit} (normalise.test.ts).
 */
export function normaliseCodesInto(
  src: Uint16Array,
  from: number,
  to: number,
  out: Uint16Array,
  options: NormaliseOptions,
): number {
  const homoglyphs = options.foldHomoglyphs;
  const t = table(homoglyphs);
  const word = WORD!;
  const max = Math.min(out.length, options.maxChars);
  const end = Math.min(to, from + max * 8);
  let n = 0;
  let lastSpace = 1; // suppresses leading spaces
  let i = from;
  while (i < end) {
    const c = src[i];
    const f = t[c];
    if (f < CHECK) {
      // The hot path, without a branch on whitespace: always write, advance unless this
      // space follows another (or starts the text).
      const sp = ((f ^ SPACE) - 1) >>> 31;
      out[n] = f;
      n += 1 - (sp & lastSpace);
      lastSpace = sp;
      i++;
      if (n >= max) break;
      continue;
    }
    if (f === CHECK && i > from && word[src[i - 1]] === 1) {
      // h, w or @ inside a word (the, with, a@b): neither a URL nor a mention.
      out[n++] = c === 0xff20 ? 0x40 : lowerAscii(c);
      lastSpace = 0;
      i++;
      if (n >= max) break;
      continue;
    }
    // Kept out of line: an inner loop here makes V8 compile the hot path 3-4x slower.
    i = slowPathCodes(src, from, to, i, end, homoglyphs, out, n, lastSpace, max);
    n = slowState[0];
    lastSpace = slowState[1];
    if (n >= max) break;
  }
  if (n > 0 && out[n - 1] === SPACE) n--;
  return n;
}

/** The slow path's new (n, lastSpace): a module buffer, since returning a pair would allocate. */
const slowState = new Int32Array(2);

/** Writes the fold `s` into `out` from `n`, collapsing spaces; leaves (n, lastSpace) in slowState. */
function writeFold(s: string, out: Uint16Array, n: number, lastSpace: number, max: number): void {
  for (let j = 0; j < s.length && n < max; j++) {
    const e = s.charCodeAt(j);
    const sp = e === SPACE ? 1 : 0;
    out[n] = e;
    n += 1 - (sp & lastSpace);
    lastSpace = sp;
  }
  slowState[0] = n;
  slowState[1] = lastSpace;
}

/** True when src[i...] starts with `lit` (ASCII, given in lower case), ignoring ASCII case. */
function startsWithCodesCI(src: Uint16Array, i: number, end: number, lit: string): boolean {
  if (i + lit.length > end) return false;
  for (let j = 0; j < lit.length; j++) if (lowerAscii(src[i + j]) !== lit.charCodeAt(j)) return false;
  return true;
}

/**
 * The code unit at `i` is a CHECK (at the start of a word), MULTI or DROP entry: skip a URL
 * or mention, or fold a multi-unit character or a surrogate pair, writing into `out` from
 * `n`. Leaves the new `n` and `lastSpace` in `slowState` and returns the next index.
 */
function slowPathCodes(
  src: Uint16Array,
  from: number,
  to: number,
  i: number,
  end: number,
  homoglyphs: boolean,
  out: Uint16Array,
  n: number,
  lastSpace: number,
  max: number,
): number {
  const t = TABLES[homoglyphs ? 1 : 0]!;
  const word = WORD!;
  const c = src[i];
  const f = t[c];
  let s = '';
  let next = i + 1;
  if (f === CHECK) {
    // Only at the start of a word (the caller handled the rest): keeps "xhttp://" and
    // e-mail addresses intact.
    if (
      startsWithCodesCI(src, i, to, 'http://') ||
      startsWithCodesCI(src, i, to, 'https://') ||
      startsWithCodesCI(src, i, to, 'www.')
    ) {
      while (next < end && t[src[next]] !== SPACE) next++;
    } else if (c === 0x40 || c === 0xff20) {
      // An @handle, and Mastodon's @user@instance.tld.
      while (next < end) {
        const d = src[next];
        if (word[d] === 1 || d === 0x2e || d === 0x40 || d === 0x2d || (d >= 0xd800 && d <= 0xdfff)) next++;
        else break;
      }
    } else s = String.fromCharCode(lowerAscii(c));
  } else if (f === MULTI) {
    s = MULTIS[homoglyphs ? 1 : 0].get(c)!;
  } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < end) {
    const d = src[i + 1];
    if (d >= 0xdc00 && d <= 0xdfff) {
      s = astralFold(((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000, homoglyphs);
      next = i + 2;
    }
  } // else dropped, or a lone surrogate (broken encoding: not evidence)
  writeFold(s, out, n, lastSpace, max);
  return next;
}

/**
 * The per-code-unit path on the string itself (`charCodeAt`), as normalisation was written
 * before the typed-array path above: kept as the reference that path is tested against
 * (normalise.test.ts), not used by the detectors.
 */
export function normaliseIntoByCodeUnit(text: string, out: Uint16Array, options: NormaliseOptions): number {
  const homoglyphs = options.foldHomoglyphs;
  const t = table(homoglyphs);
  const max = Math.min(out.length, options.maxChars);
  const end = Math.min(text.length, max * 8);
  let n = 0;
  let lastSpace = 1;
  let i = 0;
  while (i < end) {
    const c = text.charCodeAt(i);
    const f = t[c];
    if (f < CHECK) {
      const sp = ((f ^ SPACE) - 1) >>> 31;
      out[n] = f;
      n += 1 - (sp & lastSpace);
      lastSpace = sp;
      i++;
      if (n >= max) break;
      continue;
    }
    i = slowPathString(text, i, end, homoglyphs, out, n, lastSpace, max);
    n = slowState[0];
    lastSpace = slowState[1];
    if (n >= max) break;
  }
  if (n > 0 && out[n - 1] === SPACE) n--;
  return n;
}

/** {@link slowPathCodes} of the reference path, reading the string. */
function slowPathString(
  text: string,
  i: number,
  end: number,
  homoglyphs: boolean,
  out: Uint16Array,
  n: number,
  lastSpace: number,
  max: number,
): number {
  const t = TABLES[homoglyphs ? 1 : 0]!;
  const word = WORD!;
  const c = text.charCodeAt(i);
  const f = t[c];
  let s = '';
  let next = i + 1;
  if (f === CHECK) {
    const prevWord = i > 0 && word[text.charCodeAt(i - 1)] === 1;
    if (
      !prevWord &&
      (startsWithCI(text, i, 'http://') || startsWithCI(text, i, 'https://') || startsWithCI(text, i, 'www.'))
    ) {
      while (next < end && t[text.charCodeAt(next)] !== SPACE) next++;
    } else if (!prevWord && (c === 0x40 || c === 0xff20)) {
      next = skipHandle(text, i + 1, end, word);
    } else s = c === 0xff20 ? '@' : String.fromCharCode(lowerAscii(c));
  } else if (f === MULTI) {
    s = MULTIS[homoglyphs ? 1 : 0].get(c)!;
  } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < end) {
    const d = text.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) {
      s = astralFold(((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000, homoglyphs);
      next = i + 2;
    }
  }
  writeFold(s, out, n, lastSpace, max);
  return next;
}

/** Skip an @handle (and Mastodon's @user@instance.tld) starting at `i`; returns the next index. */
function skipHandle(text: string, i: number, end: number, word: Uint8Array): number {
  while (i < end) {
    const d = text.charCodeAt(i);
    if (word[d] === 1 || d === 0x2e || d === 0x40 || d === 0x2d || (d >= 0xd800 && d <= 0xdfff)) i++;
    else break;
  }
  return i;
}
let scratch = new Uint16Array(4096);

/**
 * The normalised matching form of a text, as a string (for tests, `explain` and docs; the
 * index uses {@link normaliseInto} on a reusable buffer).
 *
 * @example normaliseForMatching('  Ça   VA ?\u200b #Élection2017 @bob https://x.fr/a ') === 'ca va ? #election2017'
 */
export function normaliseForMatching(text: string, options: Partial<NormaliseOptions> = {}): string {
  const o: NormaliseOptions = { foldHomoglyphs: true, maxChars: 2000, ...options };
  if (scratch.length < o.maxChars + 8) scratch = new Uint16Array(o.maxChars + 8);
  const n = normaliseInto(text, scratch, o);
  let s = '';
  for (let i = 0; i < n; i += 4096) s += String.fromCharCode(...scratch.subarray(i, Math.min(n, i + 4096)));
  return s;
}
