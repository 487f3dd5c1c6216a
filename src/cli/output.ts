/**
 * Output helpers shared by commands: aligned tables for people, JSON and CSV for programs.
 * Adversary-written text is printed with control characters made visible, so a post or
 * log line can never move the cursor, recolour or rewrite the analyst's terminal.
 */
import { stringify } from 'csv-stringify/sync';

/** Replace C0/C1 control characters (ANSI escapes, bidi overrides) with visible escapes. */
export function safeText(s: unknown): string {
  const str = s === null || s === undefined ? '' : String(s);
  return str.replace(
    /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu,
    (c) => {
      return '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0');
    },
  );
}

/** A plain aligned table; long cells are cut to `maxWidth`. */
export function table(rows: Record<string, unknown>[], columns?: string[], maxWidth = 60): string {
  if (rows.length === 0) return '(none)';
  const cols = columns ?? Object.keys(rows[0]);
  const cell = (v: unknown) => {
    const s = safeText(v).replace(/\n/g, ' ');
    return s.length > maxWidth ? s.slice(0, maxWidth - 1) + '…' : s;
  };
  const data = rows.map((r) => cols.map((c) => cell(r[c])));
  const widths = cols.map((c, i) => Math.max(c.length, ...data.map((d) => d[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((x, i) => x.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(cols), line(widths.map((w) => '-'.repeat(w))), ...data.map(line)].join('\n');
}

export function toCsv(rows: Record<string, unknown>[], columns?: string[]): string {
  const cols = columns ?? (rows[0] ? Object.keys(rows[0]) : []);
  return stringify(
    rows.map((r) =>
      cols.map((c) =>
        Array.isArray(r[c]) || (r[c] && typeof r[c] === 'object') ? JSON.stringify(r[c]) : r[c],
      ),
    ),
    { header: true, columns: cols },
  );
}

export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? Number(v) : v), 2);
}
