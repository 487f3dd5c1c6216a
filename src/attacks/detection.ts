/**
 * Detection blocks: a subset of Sigma's `detection` section, compiled to a predicate over
 * log events. Scenarios use it for their filters and `sigma.ts` for imported Sigma rules, so
 * one matcher serves both.
 *
 * Supported: named selections (a map: AND of fields; a list of maps: OR), value lists (OR,
 * or AND with `|all`), keyword lists (searched in the raw line), null, numbers; modifiers `contains`, `startswith`, `endswith`, `re`,
 * `all`, `cased`, `cidr`, `lt`, `lte`, `gt`, `gte`, and vigie's `list` (the value names a
 * data file of patterns); conditions with `and`, `or`, `not`, parentheses, `1 of X*`,
 * `all of X*`, `1 of them`, `all of them`. Strings match case-insensitively, as in Sigma,
 * except `re` and `cased`. Anything else raises an `UnsupportedSigma` naming the construct.
 *
 * Many alternatives for one field are compiled into one regular expression (a Set for plain
 * equality), so a list of 300 CVE paths costs one regex test per event, not 300.
 *
 * @see https://sigmahq.io/docs/basics/modifiers.html
 * @see https://sigmahq.io/docs/basics/conditions.html
 */
import { fieldOf, stringField, type LogEvent } from '../logs/event.js';
import { inCidr, parseCidr } from './ip.js';

export type Predicate = (e: LogEvent) => boolean;

/** A construct this subset does not implement; `construct` names it for the report. */
export class UnsupportedSigma extends Error {
  readonly construct: string;
  constructor(construct: string, message?: string) {
    super(message ?? `unsupported Sigma construct: ${construct}`);
    this.name = 'UnsupportedSigma';
    this.construct = construct;
  }
}

export interface CompileContext {
  /** Field name translation (Sigma's `cs-uri-query` -> vigie's `uri`). Identity when absent. */
  fieldMap?: Record<string, string>;
  /** Resolve a `|list` value (a data-file name) to its patterns. */
  list?: (name: string) => string[];
  /** Fields that exist on events; others are reported. */
  knownFields?: Set<string>;
}

const KNOWN_MODIFIERS = new Set([
  'contains',
  'startswith',
  'endswith',
  're',
  'all',
  'cased',
  'cidr',
  'lt',
  'lte',
  'gt',
  'gte',
  'list',
  'i',
  'm',
  's',
]);
const UNSUPPORTED_MODIFIERS = [
  'base64',
  'base64offset',
  'utf16le',
  'utf16be',
  'utf16',
  'wide',
  'windash',
  'expand',
  'fieldref',
  'exists',
];

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Sigma wildcards in plain values: `*` any run, `?` one char, `\*` literal. */
function wildcardToRe(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\' && (s[i + 1] === '*' || s[i + 1] === '?' || s[i + 1] === '\\')) {
      out += escapeRe(s[i + 1]);
      i++;
    } else if (c === '*') out += '[\\s\\S]*';
    else if (c === '?') out += '[\\s\\S]';
    else out += escapeRe(c);
  }
  return out;
}

function fieldPredicate(rawField: string, value: unknown, ctx: CompileContext): Predicate {
  const [name, ...mods] = rawField.split('|');
  for (const m of mods) {
    if (UNSUPPORTED_MODIFIERS.includes(m)) throw new UnsupportedSigma(`modifier ${m}`);
    if (!KNOWN_MODIFIERS.has(m)) throw new UnsupportedSigma(`modifier ${m}`);
  }
  const field = ctx.fieldMap?.[name] ?? name;
  if (ctx.knownFields && !ctx.knownFields.has(field)) throw new UnsupportedSigma(`field ${name}`);
  let values: unknown[] = Array.isArray(value) ? value : [value];
  if (mods.includes('list')) {
    if (!ctx.list) throw new UnsupportedSigma('modifier list');
    // Data-file patterns are literal text: escape Sigma's wildcards (a URL's "?" is not one).
    values = values.flatMap((v) => ctx.list!(String(v))).map((x) => x.replace(/[\\*?]/g, '\\$&'));
  }
  const all = mods.includes('all');
  const cased = mods.includes('cased');
  const get = stringField(field);
  const numeric = mods.find((m) => m === 'lt' || m === 'lte' || m === 'gt' || m === 'gte');
  if (numeric) {
    const preds = values.map((v) => {
      const n = Number(v);
      return (e: LogEvent) => {
        const x = Number(fieldOf(e, field));
        return numeric === 'lt' ? x < n : numeric === 'lte' ? x <= n : numeric === 'gt' ? x > n : x >= n;
      };
    });
    return combine(preds, all);
  }
  if (mods.includes('cidr')) {
    const nets = values.map((v) => parseCidr(String(v)));
    return (e) => {
      const ip = get(e);
      return all ? nets.every((n) => inCidr(ip, n)) : nets.some((n) => inCidr(ip, n));
    };
  }
  const hasNull = values.some((v) => v === null || v === '');
  const strs = values.filter((v) => v !== null && v !== '').map((v) => String(v));
  const preds: Predicate[] = [];
  if (hasNull) preds.push((e) => get(e) === '' || get(e) === '0');
  if (mods.includes('re')) {
    const flags =
      (mods.includes('i') ? 'i' : '') + (mods.includes('m') ? 'm' : '') + (mods.includes('s') ? 's' : '');
    const res = strs.map((s) => {
      try {
        return new RegExp(s, flags);
      } catch (err) {
        throw new UnsupportedSigma(
          `regex ${JSON.stringify(s)}`,
          `invalid regular expression ${JSON.stringify(s)}: ${(err as Error).message}`,
        );
      }
    });
    if (all) preds.push((e) => res.every((r) => r.test(get(e))));
    else preds.push(...res.map((r) => (e: LogEvent) => r.test(get(e))));
    return combine(preds, all);
  }
  const pre = mods.includes('contains') || mods.includes('endswith') ? '' : '^';
  const post = mods.includes('contains') || mods.includes('startswith') ? '' : '$';
  const plainEq = pre === '^' && post === '$' && strs.every((s) => !/[*?]/.test(s));
  if (plainEq && !all && strs.length > 0) {
    // vigie's enumerations (kind, family) are always lower case: compare them as they are.
    const exact = cased || field === 'kind' || field === 'family';
    const set = new Set(exact ? strs : strs.flatMap((s) => [s, s.toLowerCase(), s.toUpperCase()]));
    const lower = new Set(strs.map((s) => s.toLowerCase()));
    if (exact && strs.length === 1) {
      const only = strs[0];
      preds.push((e) => get(e) === only);
    } else
      preds.push(
        exact
          ? (e) => set.has(get(e))
          : (e) => {
              const v = get(e);
              return set.has(v) || lower.has(v.toLowerCase());
            },
      );
    return combine(preds, false);
  }
  const parts = strs.map((s) => wildcardToRe(s));
  const flags = cased ? '' : 'i';
  if (all) {
    const res = parts.map((p) => new RegExp(pre + p + post, flags));
    preds.push((e) => {
      const v = get(e);
      return res.every((r) => r.test(v));
    });
    return combine(preds, true);
  }
  if (parts.length) {
    const re = new RegExp(`${pre}(?:${parts.join('|')})${post}`, flags);
    preds.push((e) => re.test(get(e)));
  }
  return combine(preds, false);
}

function combine(preds: Predicate[], all: boolean): Predicate {
  if (preds.length === 0) return () => false;
  if (preds.length === 1) return preds[0];
  return all ? (e) => preds.every((p) => p(e)) : (e) => preds.some((p) => p(e));
}

/** A selection: a map (AND of its fields), a list of maps (OR), or a list of keywords (unsupported). */
function selectionPredicate(sel: unknown, ctx: CompileContext): Predicate {
  if (Array.isArray(sel)) {
    if (sel.every((x) => x && typeof x === 'object' && !Array.isArray(x))) {
      return combine(
        sel.map((m) => selectionPredicate(m, ctx)),
        false,
      );
    }
    if (sel.every((x) => typeof x === 'string' || typeof x === 'number')) {
      // Keywords: Sigma searches the whole message; for a log line that is the raw line.
      return fieldPredicate('raw|contains', sel.map(String), {
        ...ctx,
        fieldMap: undefined,
        knownFields: undefined,
      });
    }
    throw new UnsupportedSigma('mixed keyword and map selection');
  }
  if (typeof sel === 'string' || typeof sel === 'number') {
    return fieldPredicate('raw|contains', [String(sel)], {
      ...ctx,
      fieldMap: undefined,
      knownFields: undefined,
    });
  }
  if (!sel || typeof sel !== 'object') throw new UnsupportedSigma('empty selection');
  const preds = Object.entries(sel as Record<string, unknown>).map(([k, v]) => fieldPredicate(k, v, ctx));
  if (preds.length === 0) return () => true;
  return preds.length === 1 ? preds[0] : (e) => preds.every((p) => p(e));
}

// ---- condition ---------------------------------------------------------------------------

type Tok = { t: 'id' | 'and' | 'or' | 'not' | '(' | ')' | 'of'; v: string };

function tokenize(cond: string): Tok[] {
  if (cond.includes('|')) throw new UnsupportedSigma('aggregation in condition (| count() ...)');
  const out: Tok[] = [];
  const re = /\s*(\(|\)|[^\s()]+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(cond))) {
    const w = m[1];
    const lw = w.toLowerCase();
    if (lw === 'and' || lw === 'or' || lw === 'not') out.push({ t: lw, v: lw });
    else if (w === '(' || w === ')') out.push({ t: w, v: w });
    else if (lw === 'of') out.push({ t: 'of', v: 'of' });
    else out.push({ t: 'id', v: w });
  }
  return out;
}

function globNames(pattern: string, names: string[]): string[] {
  if (pattern === 'them') return names.filter((n) => !n.startsWith('_'));
  const re = new RegExp('^' + pattern.split('*').map(escapeRe).join('.*') + '$');
  return names.filter((n) => re.test(n));
}

/** Compile a whole detection block (`selection...`, `condition`) into one predicate. */
export function compileDetection(detection: Record<string, unknown>, ctx: CompileContext = {}): Predicate {
  const cond = detection.condition;
  if (Array.isArray(cond)) {
    if (cond.length !== 1) throw new UnsupportedSigma('several conditions');
  }
  const condStr = String(Array.isArray(cond) ? cond[0] : (cond ?? ''));
  if (!condStr) throw new UnsupportedSigma('missing condition');
  for (const k of ['timeframe']) if (k in detection) throw new UnsupportedSigma(k);
  const names = Object.keys(detection).filter((k) => k !== 'condition');
  const compiled = new Map<string, Predicate>();
  const sel = (n: string): Predicate => {
    let p = compiled.get(n);
    if (!p) {
      if (!(n in detection)) throw new UnsupportedSigma(`condition names unknown selection ${n}`);
      p = selectionPredicate(detection[n], ctx);
      compiled.set(n, p);
    }
    return p;
  };
  const toks = tokenize(condStr);
  let i = 0;
  const peek = () => toks[i];
  const parseOr = (): Predicate => {
    let left = parseAnd();
    while (peek()?.t === 'or') {
      i++;
      const l = left;
      const r = parseAnd();
      left = (e) => l(e) || r(e);
    }
    return left;
  };
  const parseAnd = (): Predicate => {
    let left = parseNot();
    while (peek()?.t === 'and') {
      i++;
      const l = left;
      const r = parseNot();
      left = (e) => l(e) && r(e);
    }
    return left;
  };
  const parseNot = (): Predicate => {
    if (peek()?.t === 'not') {
      i++;
      const p = parseNot();
      return (e) => !p(e);
    }
    return parseAtom();
  };
  const parseAtom = (): Predicate => {
    const t = toks[i++];
    if (!t) throw new UnsupportedSigma('truncated condition');
    if (t.t === '(') {
      const p = parseOr();
      if (toks[i++]?.t !== ')') throw new UnsupportedSigma('unbalanced parentheses');
      return p;
    }
    if (t.t === 'id' && (t.v === '1' || t.v === 'all' || t.v === 'any') && peek()?.t === 'of') {
      i++;
      const pat = toks[i++];
      if (!pat || pat.t !== 'id') throw new UnsupportedSigma('of without a name');
      const ps = globNames(pat.v, names).map(sel);
      if (ps.length === 0) throw new UnsupportedSigma(`no selection matches ${pat.v}`);
      return t.v === 'all' ? (e) => ps.every((p) => p(e)) : (e) => ps.some((p) => p(e));
    }
    if (t.t === 'id') {
      if (/^\d+$/.test(t.v)) throw new UnsupportedSigma(`${t.v} of`);
      return sel(t.v);
    }
    throw new UnsupportedSigma(`unexpected ${t.v} in condition`);
  };
  const p = parseOr();
  if (i !== toks.length) throw new UnsupportedSigma(`unexpected ${toks[i].v} in condition`);
  return p;
}
