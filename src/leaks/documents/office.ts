/**
 * OOXML (DOCX, XLSX, PPTX) and ODF (ODT, ODS, ODP) forensics: document properties, Word's
 * revision-save ids and tracked-change authors, and the traces of the ZIP container.
 *
 * Container traces: Microsoft Office dates every entry 1980-01-01 00:00 and writes no
 * directory entries; OpenOffice/LibreOffice store `mimetype` first and uncompressed and date
 * every entry at the save instant. A file whose container departs from what its own
 * application writes was re-packed after that application saved it (by `zip -r`, an
 * archiver, or a tool that edited it).
 *
 * @see ECMA-376 Part 2 (OPC core properties), OASIS ODF 1.2 Part 3 section 3.3 (mimetype)
 * @see ExifTool t/images/OOXML.docx: re-packed on Unix after Word saved it
 */
import { ZipArchive, refusalOf, type ZipEntryInfo, ZIP_DEFAULTS } from '../zip.js';
import type { ContainerInfo, DocFlag, DocumentMeta, DocumentReport } from './types.js';
import {
  attrOf,
  childrenNamed,
  decodeXmlText,
  DoctypeError,
  parseXml,
  textOf,
  assertNoDoctype,
} from './xml.js';

const PART_MAX = 32 * 1024 * 1024;
const TEXT_MAX = 1024 * 1024;
const OOXML_FORMATS: Record<string, string> = { 'word/': 'docx', 'xl/': 'xlsx', 'ppt/': 'pptx' };
const ODF_MIME: Record<string, string> = {
  'application/vnd.oasis.opendocument.text': 'odt',
  'application/vnd.oasis.opendocument.spreadsheet': 'ods',
  'application/vnd.oasis.opendocument.presentation': 'odp',
};

function containerInfo(entries: ZipEntryInfo[]): ContainerInfo {
  const times = entries.map((e) => e.dosTime).sort();
  return {
    entries: entries.length,
    hosts: [...new Set(entries.map((e) => e.hostName))],
    versionsMadeBy: [...new Set(entries.map((e) => '0x' + e.versionMadeBy.toString(16)))],
    directoryEntries: entries.filter((e) => e.isDir).length,
    earliest: times[0] ?? null,
    latest: times[times.length - 1] ?? null,
    distinctTimes: new Set(times).size,
    dos1980: entries.filter((e) => e.dosTime === '1980-01-01T00:00:00').length,
    firstEntry: entries[0]?.name ?? null,
    firstEntryStored: entries[0]?.method === 0,
  };
}

/** Minutes from `YYYY-MM-DDTHH:MM:SS` read as if UTC (DOS times carry no zone). */
function naiveMinutes(s: string): number {
  return Date.parse(s.slice(0, 19) + 'Z') / 60000;
}

/** `PT1H2M3S` / `P1DT2H` to minutes. */
export function isoDurationMinutes(d: string): number | null {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?)?$/.exec(d.trim());
  if (!m) return null;
  return Number(m[1] ?? 0) * 1440 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0) + Number(m[4] ?? 0) / 60;
}

function rezipReasonsOoxml(c: ContainerInfo, app: string | undefined): string[] {
  const why: string[] = [];
  if (c.directoryEntries > 0)
    why.push(
      `${c.directoryEntries} directory entries, which office applications never write (typical of zip -r)`,
    );
  if (app && /microsoft/i.test(app) && c.dos1980 < c.entries - c.directoryEntries)
    why.push(
      `${app} dates every entry 1980-01-01 00:00, but ${c.entries - c.dos1980} entries carry other dates (${c.earliest} to ${c.latest})`,
    );
  if (why.length && c.hosts.some((h) => h !== 'MS-DOS/FAT' && h !== 'NTFS'))
    why.push(`entries were made on ${c.hosts.join(', ')} (version made by ${c.versionsMadeBy.join(', ')})`);
  return why;
}

function rezipReasonsOdf(c: ContainerInfo, modified: string | undefined): string[] {
  const why: string[] = [];
  if (c.firstEntry !== 'mimetype')
    why.push(`first entry is "${c.firstEntry}", not "mimetype" as ODF applications write it`);
  else if (!c.firstEntryStored) why.push('"mimetype" is compressed; ODF applications store it uncompressed');
  if (c.earliest && c.latest && naiveMinutes(c.latest) - naiveMinutes(c.earliest) > 2)
    why.push(`entries dated from ${c.earliest} to ${c.latest}; one save writes them all at once`);
  if (modified && c.latest) {
    // DOS times are the writer's local time: allow any whole quarter-hour zone offset.
    const delta =
      naiveMinutes(c.latest) -
      Date.parse(modified.endsWith('Z') || /[+-]\d\d:\d\d$/.test(modified) ? modified : modified + 'Z') /
        60000;
    const offBy = Math.abs(delta - Math.round(delta / 15) * 15);
    if (Math.abs(delta) > 14 * 60 + 2 || offBy > 2)
      why.push(`ZIP entries dated ${c.latest} but meta.xml says saved at ${modified}`);
  }
  return why;
}

function isoDate(s: string): string | undefined {
  const t = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(s) ? s : s + 'Z');
  return Number.isFinite(t) ? new Date(t).toISOString() : undefined;
}

function count(into: Record<string, number>, k: string): void {
  into[k] = (into[k] ?? 0) + 1;
}

/** Visible text of WordprocessingML / DrawingML / SpreadsheetML / ODF content, paragraph per line. */
function visibleText(xml: string, kind: 'w' | 'a' | 'x' | 'odf'): string {
  let s = xml;
  if (kind === 'w') s = s.replace(/<w:delText\b[^>]*>[^<]*<\/w:delText>/g, '');
  s = s
    .replace(/<\/(?:w:p|a:p|text:p|text:h|si)>/g, '\n')
    .replace(/<(?:w:tab|text:tab)\b[^>]*\/>/g, '\t')
    .replace(/<[^>]+>/g, '');
  return decodeXmlText(s)
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

async function readPart(
  zip: ZipArchive,
  e: ZipEntryInfo | undefined,
  problems: string[],
): Promise<string | null> {
  if (!e) return null;
  const refusal = refusalOf(e, { ...ZIP_DEFAULTS, maxEntryBytes: PART_MAX, maxRatio: 1000 });
  if (refusal) {
    problems.push(`${e.name}: ${refusal}`);
    return null;
  }
  try {
    return (await zip.read(e, PART_MAX)).toString('utf8');
  } catch (err) {
    problems.push(`${e.name}: ${(err as Error).message}`);
    return null;
  }
}

function safeParse(
  xml: string | null,
  part: string,
  problems: string[],
  flags: DocFlag[],
): Record<string, unknown> | null {
  if (xml === null) return null;
  try {
    return parseXml(xml, part);
  } catch (e) {
    if (e instanceof DoctypeError) {
      flags.push({
        code: 'xml-doctype',
        reason: `${part} declares a DOCTYPE, which office applications never write: crafted or tampered file (not parsed)`,
      });
    } else problems.push(`${part}: unreadable XML (${(e as Error).message})`);
    return null;
  }
}

/** Forensics of a ZIP-based office document; null when the buffer is not OOXML or ODF. */
export async function analyseOffice(buf: Buffer): Promise<DocumentReport | null> {
  let zip: ZipArchive;
  try {
    zip = await ZipArchive.open(buf);
  } catch {
    return null;
  }
  try {
    const entries: ZipEntryInfo[] = [];
    for await (const e of zip.entries()) {
      entries.push(e);
      if (entries.length > 20_000) break;
    }
    const byName = new Map(entries.map((e) => [e.name, e]));
    const problems: string[] = [];
    const flags: DocFlag[] = [];
    const container = containerInfo(entries);
    const meta: DocumentMeta = { custom: {}, zip: container };

    if (byName.has('[Content_Types].xml')) {
      const format =
        Object.entries(OOXML_FORMATS).find(([p]) => entries.some((e) => e.name.startsWith(p)))?.[1] ??
        'ooxml';
      const core = safeParse(
        await readPart(zip, byName.get('docProps/core.xml'), problems),
        'docProps/core.xml',
        problems,
        flags,
      );
      const cp = core ? (childrenNamed(core, 'coreProperties')[0] ?? {}) : {};
      const pick = (local: string) => {
        const v = textOf(childrenNamed(cp, local)[0]);
        return v || undefined;
      };
      Object.assign(meta, {
        title: pick('title'),
        subject: pick('subject'),
        description: pick('description'),
        keywords: pick('keywords'),
        creator: pick('creator'),
        lastModifiedBy: pick('lastModifiedBy'),
        created: pick('created') && isoDate(pick('created')!),
        modified: pick('modified') && isoDate(pick('modified')!),
        printed: pick('lastPrinted') && isoDate(pick('lastPrinted')!),
        revision: pick('revision'),
        language: pick('language'),
      });
      const app = safeParse(
        await readPart(zip, byName.get('docProps/app.xml'), problems),
        'docProps/app.xml',
        problems,
        flags,
      );
      const props = app ? (childrenNamed(app, 'Properties')[0] ?? {}) : {};
      const ap = (local: string) => textOf(childrenNamed(props, local)[0]) || undefined;
      Object.assign(meta, {
        application: ap('Application'),
        appVersion: ap('AppVersion'),
        company: ap('Company'),
        manager: ap('Manager'),
        template: ap('Template'),
        editMinutes:
          ap('TotalTime') !== undefined && Number.isFinite(Number(ap('TotalTime')))
            ? Number(ap('TotalTime'))
            : undefined,
      });
      const custom = safeParse(
        await readPart(zip, byName.get('docProps/custom.xml'), problems),
        'docProps/custom.xml',
        problems,
        flags,
      );
      for (const p of childrenNamed(childrenNamed(custom, 'Properties')[0], 'property')) {
        const name = attrOf(p, 'name');
        if (name) meta.custom[name] = textOf(p);
      }
      if (format === 'docx') {
        const settings = await readPart(zip, byName.get('word/settings.xml'), problems);
        if (settings !== null) {
          try {
            assertNoDoctype(settings, 'word/settings.xml');
            const root = /<w:rsidRoot\b[^>]*w:val="([0-9A-Fa-f]+)"/.exec(settings)?.[1] ?? null;
            meta.rsids = { root, count: (settings.match(/<w:rsid\b[^>]*w:val=/g) ?? []).length };
          } catch (e) {
            if (e instanceof DoctypeError) flags.push({ code: 'xml-doctype', reason: e.message });
          }
        }
        const doc = await readPart(zip, byName.get('word/document.xml'), problems);
        if (doc !== null && !/<!DOCTYPE|<!ENTITY/i.test(doc)) {
          const tracked: Record<string, number> = {};
          for (const m of doc.matchAll(/<w:(?:ins|del|moveFrom|moveTo)\b[^>]*?w:author="([^"]*)"/g))
            count(tracked, decodeXmlText(m[1]));
          if (Object.keys(tracked).length) meta.trackedChangeAuthors = tracked;
          meta.custom = meta.custom ?? {};
          (meta as { _text?: string })._text = visibleText(doc, 'w');
        } else if (doc !== null)
          flags.push({
            code: 'xml-doctype',
            reason: 'word/document.xml declares a DOCTYPE: crafted or tampered file (not parsed)',
          });
        const comments = await readPart(zip, byName.get('word/comments.xml'), problems);
        if (comments !== null && !/<!DOCTYPE|<!ENTITY/i.test(comments)) {
          const ca: Record<string, number> = {};
          for (const m of comments.matchAll(/<w:comment\b[^>]*?w:author="([^"]*)"/g))
            count(ca, decodeXmlText(m[1]));
          if (Object.keys(ca).length) meta.commentAuthors = ca;
        }
      } else if (format === 'xlsx') {
        const ss = await readPart(zip, byName.get('xl/sharedStrings.xml'), problems);
        if (ss !== null && !/<!DOCTYPE|<!ENTITY/i.test(ss))
          (meta as { _text?: string })._text = visibleText(ss, 'x');
        const ca: Record<string, number> = {};
        for (const e of entries.filter((x) => /^xl\/comments\d*\.xml$/.test(x.name)).slice(0, 200)) {
          const x = await readPart(zip, e, problems);
          if (x === null || /<!DOCTYPE|<!ENTITY/i.test(x)) continue;
          for (const m of x.matchAll(/<author>([^<]*)<\/author>/g)) count(ca, decodeXmlText(m[1]));
        }
        if (Object.keys(ca).length) meta.commentAuthors = ca;
      } else if (format === 'pptx') {
        const slides = entries.filter((x) => /^ppt\/slides\/slide\d+\.xml$/.test(x.name)).slice(0, 500);
        const texts: string[] = [];
        for (const e of slides) {
          const x = await readPart(zip, e, problems);
          if (x !== null && !/<!DOCTYPE|<!ENTITY/i.test(x)) texts.push(visibleText(x, 'a'));
        }
        (meta as { _text?: string })._text = texts.join('\n');
      }
      const why = rezipReasonsOoxml(container, meta.application);
      if (why.length)
        flags.push({
          code: 're-zipped',
          reason: `re-packed after the application saved it: ${why.join('; ')}`,
        });
      return finish(format, meta, flags, problems);
    }

    const mimeEntry = byName.get('mimetype');
    const mime = mimeEntry ? ((await readPart(zip, mimeEntry, problems)) ?? '').trim() : '';
    if (!byName.has('meta.xml') && !mime.startsWith('application/vnd.oasis.opendocument')) return null;
    const format = ODF_MIME[mime] ?? 'odf';
    const metaDoc = safeParse(
      await readPart(zip, byName.get('meta.xml'), problems),
      'meta.xml',
      problems,
      flags,
    );
    const om = childrenNamed(childrenNamed(metaDoc, 'document-meta')[0], 'meta')[0] ?? {};
    const pick = (local: string) => textOf(childrenNamed(om, local)[0]) || undefined;
    const dur = pick('editing-duration');
    Object.assign(meta, {
      title: pick('title'),
      subject: pick('subject'),
      description: pick('description'),
      keywords: pick('keyword'),
      creator: pick('initial-creator'),
      lastModifiedBy: pick('creator'),
      created: pick('creation-date') && isoDate(pick('creation-date')!),
      modified: pick('date') && isoDate(pick('date')!),
      printed: pick('print-date') && isoDate(pick('print-date')!),
      language: pick('language'),
      generator: undefined,
      application: pick('generator'),
      editMinutes: dur ? (isoDurationMinutes(dur) ?? undefined) : undefined,
      editingCycles: pick('editing-cycles') ? Number(pick('editing-cycles')) : undefined,
    });
    for (const u of childrenNamed(om, 'user-defined')) {
      const name = attrOf(u, 'name');
      if (name) meta.custom[name] = textOf(u);
    }
    const content = await readPart(zip, byName.get('content.xml'), problems);
    if (content !== null && !/<!DOCTYPE|<!ENTITY/i.test(content)) {
      const ca: Record<string, number> = {};
      for (const m of content.matchAll(/<office:annotation\b[\s\S]*?<dc:creator>([^<]*)<\/dc:creator>/g))
        count(ca, decodeXmlText(m[1]));
      if (Object.keys(ca).length) meta.commentAuthors = ca;
      const tc: Record<string, number> = {};
      for (const m of content.matchAll(/<text:changed-region\b[\s\S]*?<dc:creator>([^<]*)<\/dc:creator>/g))
        count(tc, decodeXmlText(m[1]));
      if (Object.keys(tc).length) meta.trackedChangeAuthors = tc;
      (meta as { _text?: string })._text = visibleText(
        content.replace(/<office:annotation\b[\s\S]*?<\/office:annotation>/g, ''),
        'odf',
      );
    }
    // Raw meta:date is the writer's local time without a zone: compare it as such.
    const why = rezipReasonsOdf(container, pick('date'));
    if (why.length)
      flags.push({
        code: 're-zipped',
        reason: `re-packed after the application saved it: ${why.join('; ')}`,
      });
    return finish(format, meta, flags, problems);
  } finally {
    zip.close();
  }
}

function finish(format: string, meta: DocumentMeta, flags: DocFlag[], problems: string[]): DocumentReport {
  const m = meta as DocumentMeta & { _text?: string; generator?: unknown };
  const text = m._text ? m._text.slice(0, TEXT_MAX) : null;
  delete m._text;
  delete m.generator;
  for (const k of Object.keys(m) as (keyof DocumentMeta)[]) if (m[k] === undefined) delete m[k];
  return { format, meta: m, flags, text, problems };
}
