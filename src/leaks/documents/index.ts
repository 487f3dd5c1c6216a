/**
 * Document forensics: metadata of office files and PDFs, and flags that point at handling
 * after the documents left their owner. Each flag is a trace that can be planted, never
 * attribution (see HANDLING_TRACE_CAVEAT).
 *
 * Per-document flags come from `analyseDocument`; flags that need the whole dump (edits
 * clustered in time across many files, names in a script foreign to the organisation) from
 * `crossFileFlags`.
 *
 * @see src/leaks/README.md
 */
import { analyseOffice } from './office.js';
import { analysePdf } from './pdf.js';
import type { DocFlag, DocumentReport } from './types.js';

export type { DocFlag, DocumentReport, DocumentMeta } from './types.js';
export { HANDLING_TRACE_CAVEAT } from './types.js';

/** Options of document forensics. */
export interface DocumentOptions {
  /** Claimed theft date (epoch ms): documents modified after it are flagged. */
  theftDate?: number | null;
  /** Slack (minutes) allowed between editing time and the created→modified span. */
  editSlackMinutes: number;
}

export const DOCUMENT_DEFAULTS: DocumentOptions = { theftDate: null, editSlackMinutes: 5 };

const DOC_EXT = /\.(docx|docm|dotx|xlsx|xlsm|xltx|pptx|pptm|potx|odt|ods|odp|odg|ott|pdf)$/i;

/** Whether a file name or MIME type looks like a document worth analysing. */
export function looksLikeDocument(name: string | null, contentType?: string): boolean {
  if (name && DOC_EXT.test(name)) return true;
  return !!contentType && /pdf|officedocument|opendocument|msword|ms-excel|ms-powerpoint/.test(contentType);
}

/**
 * Metadata and per-document flags of an office file or PDF; null when it is neither.
 * @example const r = await analyseDocument(readFileSync('a.docx')); r?.flags
 */
export async function analyseDocument(
  buf: Buffer,
  options: Partial<DocumentOptions> = {},
): Promise<DocumentReport | null> {
  const o = { ...DOCUMENT_DEFAULTS, ...options };
  let r: DocumentReport | null = null;
  if (buf.subarray(0, 1024).includes('%PDF-')) r = analysePdf(buf);
  else if (buf[0] === 0x50 && buf[1] === 0x4b) r = await analyseOffice(buf);
  if (!r) return null;
  const m = r.meta;
  const created = m.created ? Date.parse(m.created) : NaN;
  const modified = m.modified ? Date.parse(m.modified) : NaN;
  if (Number.isFinite(created) && Number.isFinite(modified)) {
    const span = (modified - created) / 60000;
    if (span < -1)
      r.flags.push({
        code: 'modified-before-created',
        reason: `modified ${m.modified} before it was created ${m.created}`,
      });
    if (m.editMinutes !== undefined && m.editMinutes > span + o.editSlackMinutes && span >= 0)
      r.flags.push({
        code: 'editing-time-inconsistent',
        reason: `editing time ${Math.round(m.editMinutes)} min is longer than the ${Math.round(span)} min between created (${m.created}) and modified (${m.modified}): dates or counter were changed, or the file was copied from an older one`,
      });
  }
  if (o.theftDate && Number.isFinite(modified) && modified > o.theftDate)
    r.flags.push({
      code: 'modified-after-theft',
      reason: `last modified ${m.modified}, after the claimed theft date ${new Date(o.theftDate).toISOString().slice(0, 10)}`,
    });
  return r;
}

const SCRIPTS = [
  'Latin',
  'Cyrillic',
  'Greek',
  'Arabic',
  'Hebrew',
  'Han',
  'Hangul',
  'Hiragana',
  'Katakana',
  'Armenian',
  'Georgian',
  'Thai',
  'Devanagari',
];
const SCRIPT_RE = new Map(SCRIPTS.map((s) => [s, new RegExp(`\\p{Script=${s}}`, 'u')]));

/** Writing systems used in a string (letters only). */
export function scriptsOf(s: string): string[] {
  return SCRIPTS.filter((sc) => SCRIPT_RE.get(sc)!.test(s));
}

/** One analysed document of a dump, for cross-file flags. */
export interface DumpDocument {
  path: string;
  /** Archive or folder holding it. */
  container: string;
  report: DocumentReport;
}

/** Options of cross-file flags. */
export interface CrossFileOptions {
  /** Scripts of the organisation's people (default: the script most names in the dump use). */
  orgScripts: string[] | null;
  /** Edits within this many minutes count as one burst. */
  clusterWindowMinutes: number;
  /** A burst must hold at least this many files... */
  clusterMinFiles: number;
  /** ...and this share of the container's dated documents. */
  clusterMinShare: number;
}

export const CROSS_FILE_DEFAULTS: CrossFileOptions = {
  orgScripts: null,
  clusterWindowMinutes: 10,
  clusterMinFiles: 5,
  clusterMinShare: 0.5,
};

/**
 * Flags that need several files: edits clustered in a short window across a container, and
 * authors or editors named in a script foreign to the organisation. Returns flags by path.
 */
export function crossFileFlags(
  docs: DumpDocument[],
  options: Partial<CrossFileOptions> = {},
): Map<string, DocFlag[]> {
  const o = { ...CROSS_FILE_DEFAULTS, ...options };
  const out = new Map<string, DocFlag[]>();
  const add = (p: string, f: DocFlag) => out.set(p, [...(out.get(p) ?? []), f]);

  const names = (d: DumpDocument) =>
    [d.report.meta.creator, d.report.meta.lastModifiedBy].filter((x): x is string => !!x);
  let org = o.orgScripts;
  if (!org) {
    const tally = new Map<string, number>();
    for (const d of docs)
      for (const sc of new Set(names(d).flatMap(scriptsOf))) tally.set(sc, (tally.get(sc) ?? 0) + 1);
    const top = [...tally].sort((a, b) => b[1] - a[1])[0];
    org = top ? [top[0]] : [];
  }
  const foreign = new Map<string, string[]>();
  if (org.length)
    for (const d of docs) {
      const bad = names(d).filter((n) => scriptsOf(n).some((s) => !org!.includes(s)));
      if (bad.length) {
        foreign.set(d.path, bad);
        add(d.path, {
          code: 'foreign-script',
          reason: `author or last editor "${[...new Set(bad)].join('", "')}" is written in ${[...new Set(bad.flatMap(scriptsOf))].filter((s) => !org!.includes(s)).join(', ')}, not the organisation's ${org.join(', ')}`,
        });
      }
    }

  const byContainer = new Map<string, { path: string; t: number }[]>();
  for (const d of docs) {
    const t = d.report.meta.modified ? Date.parse(d.report.meta.modified) : NaN;
    if (!Number.isFinite(t)) continue;
    byContainer.set(d.container, [...(byContainer.get(d.container) ?? []), { path: d.path, t }]);
  }
  const win = o.clusterWindowMinutes * 60000;
  for (const [container, list] of byContainer) {
    if (list.length < o.clusterMinFiles) continue;
    list.sort((a, b) => a.t - b.t);
    let best = { i: 0, j: 0 };
    for (let i = 0, j = 0; j < list.length; j++) {
      while (list[j].t - list[i].t > win) i++;
      if (j - i > best.j - best.i) best = { i, j };
    }
    const burst = list.slice(best.i, best.j + 1);
    if (burst.length < o.clusterMinFiles || burst.length / list.length < o.clusterMinShare) continue;
    const mins = Math.max(1, Math.round((burst[burst.length - 1].t - burst[0].t) / 60000));
    const withForeign = burst.filter((b) => foreign.has(b.path)).length;
    for (const b of burst)
      add(b.path, {
        code: 'edits-clustered',
        reason: `${burst.length} of ${list.length} documents in ${container} were last modified within ${mins} min (${new Date(burst[0].t).toISOString()} to ${new Date(burst[burst.length - 1].t).toISOString()})${withForeign ? `, ${withForeign} of them by a name in a foreign script` : ''}: a batch re-save, as when files are prepared for release`,
      });
  }
  return out;
}
