/**
 * Safe HTML building for the briefing. Everything interpolated into `html\`...\`` is escaped
 * unless it is already `SafeHtml` (built by this module), so adversary text — post bodies,
 * account names, mail subjects, log lines, URLs — can only ever become text nodes.
 *
 * Hand-written rather than a template library: the report has no runtime, no JavaScript,
 * and this is ~60 lines whose whole job is to be auditable.
 */

export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** Bidi embedding/override/isolate controls: they can reorder what a reader sees (Trojan Source). */
const BIDI = /[\u202A-\u202E\u2066-\u2069]/g;
/** C0 (except tab and newline), DEL and C1 controls: invisible, and some break terminals/parsers. */

const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;
/** Lone surrogates: not valid UTF-16 text, and they make some renderers substitute silently. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** A visible marker in place of a bidi control, e.g. `[U+202E]`. */
export function bidiMarker(c: string): string {
  return `[U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}]`;
}

/**
 * Make adversary text inert as *text*: control characters removed, bidi controls replaced by
 * a visible marker, lone surrogates replaced. Escaping for HTML comes after (see `esc`).
 */
export function neutralise(s: string): string {
  return s.replace(CONTROL, '').replace(LONE_SURROGATE, '\uFFFD').replace(BIDI, bidiMarker);
}

/** Escape for HTML text and double- or single-quoted attribute values. */
export function esc(s: string): string {
  return neutralise(s)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | HtmlValue[];

function piece(v: HtmlValue): string {
  if (v === null || v === undefined || v === false) return '';
  if (v instanceof SafeHtml) return v.value;
  if (Array.isArray(v)) return v.map(piece).join('');
  return esc(String(v));
}

/** Tagged template: literal parts are trusted markup, interpolations are escaped. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += piece(values[i]) + strings[i + 1];
  return new SafeHtml(out);
}

/** Markup this module or the renderer built itself (never adversary text). */
export function trusted(s: string): SafeHtml {
  return new SafeHtml(s);
}

/**
 * Adversary text in its own bidi isolate, so right-to-left text cannot reorder the cells
 * around it; the text itself is neutralised and escaped.
 */
export function untrusted(s: string | null | undefined, max = 400): SafeHtml {
  if (s === null || s === undefined || s === '') return new SafeHtml('');
  const t = s.length > max ? s.slice(0, max) + '…' : s;
  return new SafeHtml(`<bdi class="raw">${esc(t)}</bdi>`);
}
