/**
 * Narrative definitions: user-written YAML files, validated with errors that name the file,
 * line and column of the offending value (yaml's LineCounter), and regular expressions
 * checked before they ever run on a post (see `guardRegex`).
 *
 * A narrative file holds `narratives:` (a list) or is the list itself. See docs/narratives.md.
 */
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { LineCounter, isNode, parseDocument, type Document } from 'yaml';
import { VigieError } from '../util/errors.js';

export interface NarrativeExample {
  text: string;
  /** Whether the narrative must match the text (default true). */
  match: boolean;
  /** `file:line:col` of the example, for failures. */
  at: string;
}

export interface NarrativeDefinition {
  id: string;
  name: string;
  description: string;
  /** ISO 639-1 codes the terms were written for (informational: matching is language-blind). */
  languages: string[];
  /** Whole words or multi-word terms; a trailing `*` makes the last word a prefix (`Макрон*`). */
  keywords: string[];
  /** Word sequences matched whatever the punctuation and spacing between the words. */
  phrases: string[];
  /** Regular expressions run on the normalised text (see docs/narratives.md). */
  regexes: string[];
  /** Terms that veto a match (debunk vocabulary the user wants apart, homonyms...). */
  exclude: string[];
  /** Distinct terms (keywords, phrases, regexes) a post must contain to match. */
  minTerms: number;
  /** DISARM technique ids the analyst attaches to the narrative (e.g. T0023 distort facts). */
  techniques: string[];
  examples: NarrativeExample[];
  /** `file:line` of the narrative's `id`. */
  source: string;
}

export interface NarrativeFile {
  path: string;
  sha256: string;
  narratives: NarrativeDefinition[];
}

const ID_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const LANG_RE = /^[a-z]{2,3}$/;
const TECHNIQUE_RE = /^T\d{4}(\.\d{3})?$/;
const KEYS = new Set([
  'id', 'name', 'description', 'languages', 'keywords', 'phrases', 'regexes', 'exclude', 'min_terms',
  'techniques', 'examples',
]); // prettier-ignore
const MAX_TERM = 200;

// ---- regular expression guard --------------------------------------------------------------

/** Limits applied to user regular expressions (see docs/narratives.md, "Regular expressions"). */
export const REGEX_LIMITS = Object.freeze({
  /** Pattern source length. */
  maxPatternLength: 300,
  /** Normalised characters of a post a regex sees (the rest is not searched). */
  maxInputChars: 1000,
  /** Quantifiers with no upper bound (`*`, `+`, `{n,}`) or a large one (> 20) per pattern. */
  maxWideQuantifiers: 2,
  /** A pattern that needs longer than this on the adversarial probe strings is refused. */
  probeMillis: 25,
});

/**
 * Check a user regular expression and compile it, or throw with the reason.
 *
 * Node's engine backtracks, and a synchronous match cannot be interrupted, so the defence is
 * to refuse the shapes that backtrack badly before anything runs: back-references and
 * lookbehind (no linear-time bound), a quantified group that contains a quantifier or an
 * alternation (`(a+)+`, `(a|ab)*`: exponential), more than two wide quantifiers (polynomial
 * `.*a.*b.*c`); then compile with the `v` flag (strict syntax: no legacy escapes or
 * ambiguous classes), and time the pattern on adversarial probes built from its own
 * characters. Inputs are capped at `maxInputChars` normalised characters.
 */
export function guardRegex(source: string): RegExp {
  if (typeof source !== 'string' || source.length === 0) throw new Error('empty regular expression');
  if (source.length > REGEX_LIMITS.maxPatternLength)
    throw new Error(`regular expression longer than ${REGEX_LIMITS.maxPatternLength} characters`);
  // Structure, from a light scan: escapes, classes, groups and quantifiers.
  interface Frame {
    hasQuant: boolean;
    hasAlt: boolean;
  }
  const stack: Frame[] = [{ hasQuant: false, hasAlt: false }];
  let wide = 0;
  let lastWasGroup: Frame | null = null;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      const d = source[i + 1] ?? '';
      if (/[1-9]/.test(d) || d === 'k') throw new Error('back-references are not allowed');
      if ((d === 'p' || d === 'P' || d === 'u') && source[i + 2] === '{') {
        const j = source.indexOf('}', i);
        i = j < 0 ? i + 1 : j;
      } else i++;
      lastWasGroup = null;
      continue;
    }
    if (c === '[') {
      // Skip the class (nested classes of the v flag included).
      let depth = 1;
      for (i++; i < source.length && depth > 0; i++) {
        if (source[i] === '\\') i++;
        else if (source[i] === '[') depth++;
        else if (source[i] === ']') depth--;
      }
      i--;
      lastWasGroup = null;
      continue;
    }
    if (c === '(') {
      if (source.startsWith('(?<=', i) || source.startsWith('(?<!', i))
        throw new Error('lookbehind is not allowed');
      stack.push({ hasQuant: false, hasAlt: false });
      lastWasGroup = null;
      continue;
    }
    if (c === ')') {
      const f = stack.length > 1 ? stack.pop()! : null;
      if (!f) throw new Error(`unbalanced ")" at ${i + 1}`);
      const parent = stack[stack.length - 1];
      parent.hasQuant ||= f.hasQuant;
      lastWasGroup = f;
      continue;
    }
    if (c === '|') {
      stack[stack.length - 1].hasAlt = true;
      lastWasGroup = null;
      continue;
    }
    let quant: { wide: boolean } | null = null;
    if (c === '*' || c === '+') quant = { wide: true };
    else if (c === '?') quant = { wide: false };
    else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i));
      if (m) {
        const hi = m[2] === undefined ? Number(m[1]) : m[3] === '' ? Infinity : Number(m[3]);
        quant = { wide: hi > 20 };
        i += m[0].length - 1;
      }
    }
    if (quant) {
      if (source[i + 1] === '?' || source[i + 1] === '+') i++; // lazy or possessive-looking suffix
      if (quant.wide) wide++;
      if (lastWasGroup && (lastWasGroup.hasQuant || lastWasGroup.hasAlt) && (quant.wide || c === '{'))
        throw new Error(
          'a repeated group may not contain a quantifier or an alternation (catastrophic backtracking); use a bounded {0,n} on a single item or separate terms',
        );
      stack[stack.length - 1].hasQuant = true;
      lastWasGroup = null;
      continue;
    }
    lastWasGroup = null;
  }
  if (wide > REGEX_LIMITS.maxWideQuantifiers)
    throw new Error(
      `more than ${REGEX_LIMITS.maxWideQuantifiers} unbounded or wide (> 20) quantifiers; bound them, e.g. .{0,20}`,
    );
  let re: RegExp;
  try {
    re = new RegExp(source, 'v');
  } catch (e) {
    throw new Error(`invalid regular expression: ${(e as Error).message}`);
  }
  // Adversarial probes: long runs of the pattern's own characters, with and without a tail
  // that cannot match. Catches what the structural rules miss, at load time, not on posts.
  const chars = [...new Set(source.replace(/[\\^$.*+?()[\]{}|]/g, '').split(''))].join('') || 'a';
  const probes = [
    chars.repeat(Math.ceil(REGEX_LIMITS.maxInputChars / chars.length)).slice(0, REGEX_LIMITS.maxInputChars),
    'a'.repeat(REGEX_LIMITS.maxInputChars - 1) + '!',
    (chars + ' ').repeat(REGEX_LIMITS.maxInputChars).slice(0, REGEX_LIMITS.maxInputChars - 1) + '\u0001',
  ];
  const t0 = performance.now();
  for (const p of probes) re.test(p);
  const ms = performance.now() - t0;
  if (ms > REGEX_LIMITS.probeMillis)
    throw new Error(`regular expression too slow on adversarial input (${ms.toFixed(0)} ms): simplify it`);
  return re;
}

// ---- YAML ------------------------------------------------------------------------------------

function fail(where: string, msg: string): never {
  throw new VigieError('ERR_INPUT', `${where}: ${msg}`);
}

/** Position of the node at `path` in the document, as `file:line:col`. */
function locate(file: string, doc: Document, lc: LineCounter, path: (string | number)[]): string {
  for (let k = path.length; k >= 0; k--) {
    const node = k === 0 ? doc.contents : doc.getIn(path.slice(0, k), true);
    if (isNode(node) && node.range) {
      const p = lc.linePos(node.range[0]);
      return `${file}:${p.line}:${p.col}`;
    }
  }
  return file;
}

/**
 * Parse and validate narrative definitions from YAML text. Throws ERR_INPUT naming
 * `file:line:col` and the problem; the first problem found is reported.
 */
export function parseNarratives(text: string, file = '<narratives>'): NarrativeDefinition[] {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    const e = doc.errors[0];
    const p = lc.linePos(Math.min(e.pos[0], text.length));
    fail(
      `${file}:${p.line}:${p.col}`,
      `YAML: ${e.message.split('\n')[0].replace(/ at line \d+, column \d+.*$/, '')}`,
    );
  }
  const at = (path: (string | number)[]) => locate(file, doc, lc, path);
  const root: unknown = doc.toJS({ maxAliasCount: 50 });
  let list: unknown;
  let base: (string | number)[] = [];
  if (Array.isArray(root)) list = root;
  else if (root && typeof root === 'object' && 'narratives' in root) {
    list = (root as { narratives: unknown }).narratives;
    base = ['narratives'];
    const extra = Object.keys(root).filter((k) => k !== 'narratives');
    if (extra.length) fail(at([extra[0]]), `unknown top-level key "${extra[0]}" (expected "narratives")`);
  } else fail(at([]), 'expected a list of narratives, or a mapping with a "narratives" list');
  if (!Array.isArray(list) || list.length === 0) fail(at(base), '"narratives" must be a non-empty list');

  const ids = new Map<string, string>();
  return list.map((raw, i) => {
    const p = [...base, i];
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) fail(at(p), 'a narrative must be a mapping');
    const o = raw as Record<string, unknown>;
    for (const k of Object.keys(o))
      if (!KEYS.has(k)) fail(at([...p, k]), `unknown key "${k}" (known: ${[...KEYS].join(', ')})`);
    const str = (k: string, required: boolean): string => {
      const v = o[k];
      if (v === undefined || v === null) {
        if (required) fail(at(p), `missing "${k}"`);
        return '';
      }
      if (typeof v !== 'string' && typeof v !== 'number') fail(at([...p, k]), `"${k}" must be text`);
      return String(v).trim();
    };
    const strList = (k: string): string[] => {
      const v = o[k];
      if (v === undefined || v === null) return [];
      if (!Array.isArray(v)) fail(at([...p, k]), `"${k}" must be a list`);
      return v.map((x, j) => {
        if (typeof x !== 'string' && typeof x !== 'number')
          fail(at([...p, k, j]), `"${k}" items must be text`);
        const s = String(x).trim();
        if (!s) fail(at([...p, k, j]), `empty item in "${k}"`);
        if (s.length > MAX_TERM) fail(at([...p, k, j]), `item longer than ${MAX_TERM} characters`);
        return s;
      });
    };
    const id = str('id', true);
    if (!ID_RE.test(id))
      fail(at([...p, 'id']), `id "${id}" must be lower-case letters, digits, ".", "_" or "-" (max 64)`);
    if (ids.has(id)) fail(at([...p, 'id']), `duplicate id "${id}" (first at ${ids.get(id)})`);
    ids.set(id, at([...p, 'id']));
    const languages = strList('languages').map((l) => l.toLowerCase());
    languages.forEach((l, j) => {
      if (!LANG_RE.test(l)) fail(at([...p, 'languages', j]), `"${l}" is not an ISO 639 code`);
    });
    const techniques = strList('techniques');
    techniques.forEach((t, j) => {
      if (!TECHNIQUE_RE.test(t)) fail(at([...p, 'techniques', j]), `"${t}" is not a DISARM id like T0023`);
    });
    const regexes = strList('regexes');
    regexes.forEach((r, j) => {
      try {
        guardRegex(r);
      } catch (e) {
        fail(at([...p, 'regexes', j]), (e as Error).message);
      }
    });
    const keywords = strList('keywords');
    keywords.forEach((k, j) => {
      if (k.includes('*') && !/^[^*]+\*$/.test(k))
        fail(at([...p, 'keywords', j]), '"*" is only allowed at the end of a keyword (prefix match)');
    });
    const phrases = strList('phrases');
    if (keywords.length + phrases.length + regexes.length === 0)
      fail(at(p), 'a narrative needs at least one of keywords, phrases, regexes');
    let minTerms = 1;
    if (o.min_terms !== undefined) {
      const m = o.min_terms;
      if (typeof m !== 'number' || !Number.isInteger(m) || m < 1 || m > 20)
        fail(at([...p, 'min_terms']), '"min_terms" must be an integer from 1 to 20');
      minTerms = m;
    }
    const examples: NarrativeExample[] = [];
    const ex = o.examples;
    if (ex !== undefined && ex !== null) {
      if (!Array.isArray(ex)) fail(at([...p, 'examples']), '"examples" must be a list');
      ex.forEach((e, j) => {
        const ep = [...p, 'examples', j];
        if (typeof e === 'string') examples.push({ text: e, match: true, at: at(ep) });
        else if (e && typeof e === 'object' && typeof (e as { text?: unknown }).text === 'string') {
          const m = (e as { match?: unknown }).match;
          if (m !== undefined && typeof m !== 'boolean')
            fail(at([...ep, 'match']), '"match" must be true or false');
          const extra = Object.keys(e).filter((k) => k !== 'text' && k !== 'match' && k !== 'note');
          if (extra.length)
            fail(at([...ep, extra[0]]), `unknown key "${extra[0]}" in an example (text, match, note)`);
          examples.push({ text: (e as { text: string }).text, match: m !== false, at: at(ep) });
        } else fail(at(ep), 'an example is a text, or a mapping with "text" and optional "match"');
      });
    }
    return {
      id,
      name: str('name', true),
      description: str('description', false),
      languages,
      keywords,
      phrases,
      regexes,
      exclude: strList('exclude'),
      minTerms,
      techniques,
      examples,
      source: at([...p, 'id']).replace(/:\d+$/, ''),
    };
  });
}

/** Read and validate a narrative file (YAML). */
export function loadNarrativeFile(path: string): NarrativeFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new VigieError('ERR_INPUT', `${path}: cannot read: ${(e as Error).message}`);
  }
  if (text.length > 5_000_000) throw new VigieError('ERR_INPUT', `${path}: larger than 5 MB`);
  return {
    path,
    sha256: createHash('sha256').update(text).digest('hex'),
    narratives: parseNarratives(text, path),
  };
}
