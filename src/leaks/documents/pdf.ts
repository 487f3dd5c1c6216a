/**
 * PDF forensics without rendering: version, the Info dictionary of the latest revision, XMP
 * packets (including the pre-2002 `x:xapmeta` form), encryption, page count, and the number of
 * incremental updates. Every save that appends rather than rewrites adds a cross-reference
 * section and a `startxref`; more than one (two for a linearized file) means edits were
 * appended after the file was first written.
 *
 * Objects inside compressed object streams (PDF 1.5+) are found by inflating `/ObjStm`
 * streams, with a cap on inflated bytes.
 *
 * @see ISO 32000-1 sections 7.5.6 (incremental updates), 14.3 (metadata)
 * @see ExifTool t/images/PDF.pdf and t/PDF_2.out (golden output used by the tests)
 */
import { inflateSync } from 'node:zlib';
import type { DocFlag, DocumentReport } from './types.js';
import { assertNoDoctype, DoctypeError, parseXml, textOf } from './xml.js';

const INFLATE_MAX = 16 * 1024 * 1024;
const INFO_KEYS = [
  'Title',
  'Author',
  'Subject',
  'Keywords',
  'Creator',
  'Producer',
  'CreationDate',
  'ModDate',
  'Trapped',
];

/** ExifTool's names for XMP namespaces, so keys read `XMP-dc:creator`, `XMP-xmpMM:DocumentID`. */
const XMP_PREFIX: Record<string, string> = {
  'http://purl.org/dc/elements/1.1/': 'dc',
  'http://ns.adobe.com/xap/1.0/': 'xmp',
  'http://ns.adobe.com/xap/1.0/mm/': 'xmpMM',
  'http://ns.adobe.com/xap/1.0/bj/': 'xmpBJ',
  'http://ns.adobe.com/xap/1.0/rights/': 'xmpRights',
  'http://ns.adobe.com/xap/1.0/t/pg/': 'xmpTPg',
  'http://ns.adobe.com/pdf/1.3/': 'pdf',
  'http://ns.adobe.com/photoshop/1.0/': 'photoshop',
  'http://ns.adobe.com/exif/1.0/': 'exif',
  'http://ns.adobe.com/tiff/1.0/': 'tiff',
  'http://ns.adobe.com/pdfx/1.3/': 'pdfx',
  'http://www.aiim.org/pdfa/ns/id/': 'pdfaid',
};

/** Decode a PDF literal string body (between the outer parentheses). */
function literal(s: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 0x5c) {
      out.push(c & 0xff);
      continue;
    }
    const n = s[++i];
    if (n === undefined) break;
    const map: Record<string, number> = { n: 10, r: 13, t: 9, b: 8, f: 12, '(': 40, ')': 41, '\\': 92 };
    if (n in map) out.push(map[n]);
    else if (/[0-7]/.test(n)) {
      let oct = n;
      while (oct.length < 3 && /[0-7]/.test(s[i + 1] ?? '')) oct += s[++i];
      out.push(parseInt(oct, 8) & 0xff);
    } else if (n === '\r') {
      if (s[i + 1] === '\n') i++;
    } else if (n !== '\n') out.push(n.charCodeAt(0) & 0xff);
  }
  return Buffer.from(out);
}

/** Text of a PDF string: UTF-16BE with a BOM, UTF-8 with a BOM (PDF 2.0), else PDFDocEncoding (~Latin-1). */
function pdfText(bytes: Buffer): string {
  if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    const b = Buffer.from(bytes.subarray(2));
    b.swap16();
    return b.toString('utf16le');
  }
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return bytes.subarray(3).toString('utf8');
  return bytes.toString('latin1');
}

/** Parse `/Key value` pairs of a dictionary body (strings, names, numbers, references). */
function dictStrings(body: string): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < body.length) {
    const k = /\/([A-Za-z0-9#_.-]+)\s*/y;
    k.lastIndex = i;
    const m = k.exec(body);
    if (!m) {
      i++;
      continue;
    }
    i = k.lastIndex;
    const key = m[1];
    if (body[i] === '(') {
      let depth = 0;
      let j = i;
      for (; j < body.length; j++) {
        if (body[j] === '\\') {
          j++;
          continue;
        }
        if (body[j] === '(') depth++;
        else if (body[j] === ')' && --depth === 0) break;
      }
      out[key] = pdfText(literal(body.slice(i + 1, j)));
      i = j + 1;
    } else if (body[i] === '<' && body[i + 1] !== '<') {
      const j = body.indexOf('>', i);
      const hex = body.slice(i + 1, j < 0 ? body.length : j).replace(/[^0-9A-Fa-f]/g, '');
      out[key] = pdfText(Buffer.from(hex.length % 2 ? hex + '0' : hex, 'hex'));
      i = j < 0 ? body.length : j + 1;
    } else {
      const v = /(\d+\s+\d+\s+R|[-+]?[\d.]+|\/[^\s/<>[\]()]+|true|false|null)/y;
      v.lastIndex = i;
      const vm = v.exec(body);
      if (vm) {
        out[key] = vm[1];
        i = v.lastIndex;
      }
    }
  }
  return out;
}

/**
 * PDF date (`D:20050718143045-04'00'`) to ISO-8601 keeping its offset; null when unreadable.
 * @example pdfDate("D:20050718143045-04'00'") // '2005-07-18T14:30:45-04:00'
 */
export function pdfDate(s: string): string | null {
  const m =
    /^(?:D:)?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?\s*(Z|[+-]\d{2}'?\d{2}'?|[+-]\d{2})?/.exec(
      s.trim(),
    );
  if (!m) return null;
  const [, y, mo = '01', d = '01', h = '00', mi = '00', se = '00', tz] = m;
  let zone = '';
  if (tz === 'Z') zone = 'Z';
  else if (tz) {
    const t = tz.replace(/'/g, '');
    zone = `${t.slice(0, 3)}:${t.slice(3, 5) || '00'}`;
  }
  return `${y}-${mo}-${d}T${h}:${mi}:${se}${zone}`;
}

/** The body of `N G obj << ... >>` for an indirect object, searching plain objects then object streams. */
function objectDict(text: string, objStreams: Map<number, string>, num: number, gen: number): string | null {
  const re = new RegExp(`(?:^|[\\s>])${num}\\s+${gen}\\s+obj\\b`, 'g');
  let last = -1;
  for (let m = re.exec(text); m; m = re.exec(text)) last = m.index + m[0].length;
  if (last >= 0) {
    const end = text.indexOf('endobj', last);
    return text.slice(last, end < 0 ? undefined : end);
  }
  return objStreams.get(num) ?? null;
}

function inflateStreams(
  buf: Buffer,
  text: string,
  problems: string[],
): { objStreams: Map<number, string>; metadata: string[] } {
  const objStreams = new Map<number, string>();
  const metadata: string[] = [];
  let budget = INFLATE_MAX;
  const re = /<<((?:[^<>]|<<(?:[^<>]|<<[^<>]*>>)*>>|<[^<>]*>)*)>>\s*stream\r?\n/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const dict = m[1];
    const isObjStm = /\/Type\s*\/ObjStm/.test(dict);
    const isMeta = /\/Type\s*\/Metadata/.test(dict);
    if (!isObjStm && !isMeta) continue;
    const start = m.index + m[0].length;
    const end = text.indexOf('endstream', start);
    if (end < 0) continue;
    let data = buf.subarray(start, end);
    if (/\/FlateDecode/.test(dict)) {
      if (budget <= 0) {
        problems.push('inflation budget spent: some compressed objects were not read');
        break;
      }
      try {
        data = inflateSync(data, { maxOutputLength: budget });
        budget -= data.length;
      } catch {
        try {
          data = inflateSync(data.subarray(0, Math.max(0, data.length - 2)), { maxOutputLength: budget });
          budget -= data.length;
        } catch (e) {
          problems.push(`compressed stream not readable (${(e as Error).message})`);
          continue;
        }
      }
    } else if (/\/Filter/.test(dict)) continue;
    const s = data.toString('latin1');
    if (isMeta) {
      metadata.push(s);
      continue;
    }
    const first = Number(/\/First\s+(\d+)/.exec(dict)?.[1] ?? NaN);
    const n = Number(/\/N\s+(\d+)/.exec(dict)?.[1] ?? NaN);
    if (!Number.isFinite(first) || !Number.isFinite(n)) continue;
    const header = s.slice(0, first).trim().split(/\s+/).map(Number);
    for (let i = 0; i + 1 < header.length && i / 2 < n; i += 2) {
      const off = first + header[i + 1];
      const next = i + 3 < header.length ? first + header[i + 3] : s.length;
      objStreams.set(header[i], s.slice(off, next));
    }
  }
  return { objStreams, metadata };
}

/** Flatten one rdf:Description into ExifTool-style keys. */
function flattenXmp(
  node: unknown,
  prefixOf: (qname: string, ctx: Record<string, string>) => string | null,
  ctx: Record<string, string>,
  out: Record<string, string>,
): void {
  if (!node || typeof node !== 'object') return;
  const o = node as Record<string, unknown>;
  const local: Record<string, string> = { ...ctx };
  for (const [k, v] of Object.entries(o)) if (k.startsWith('@xmlns:')) local[k.slice(7)] = String(v);
  for (const [k, v] of Object.entries(o)) {
    if (k === '#text') continue;
    if (k.startsWith('@')) {
      const name = k.slice(1);
      if (name.startsWith('xmlns') || name.startsWith('rdf:') || name === 'about' || name.startsWith('xml:'))
        continue;
      const p = prefixOf(name, local);
      if (p) out[`XMP-${p}:${name.split(':')[1]}`] = textOf(v);
      continue;
    }
    if (!k.includes(':') || k.startsWith('rdf:')) continue;
    const p = prefixOf(k, local);
    if (!p) continue;
    const prop = k.split(':')[1];
    for (const item of Array.isArray(v) ? v : [v]) {
      const value = xmpValue(item);
      if (typeof value === 'string')
        out[`XMP-${p}:${prop}`] = out[`XMP-${p}:${prop}`] ? `${out[`XMP-${p}:${prop}`]}, ${value}` : value;
      else
        for (const [sk, sv] of Object.entries(value)) {
          const key = `XMP-${p}:${prop}${sk[0].toUpperCase()}${sk.slice(1)}`;
          out[key] = out[key] ? `${out[key]}, ${sv}` : sv;
        }
    }
  }
}

/** A property value: text, an rdf container's items joined, or a struct's fields. */
function xmpValue(v: unknown): string | Record<string, string> {
  if (v === null || typeof v !== 'object') return textOf(v);
  const o = v as Record<string, unknown>;
  for (const c of ['rdf:Seq', 'rdf:Bag', 'rdf:Alt']) {
    if (!(c in o)) continue;
    const items = ([] as unknown[]).concat((o[c] as Record<string, unknown>)?.['rdf:li'] ?? []);
    const vals = items.map(xmpValue);
    if (vals.every((x) => typeof x === 'string')) return (vals as string[]).join(', ');
    const merged: Record<string, string> = {};
    for (const x of vals)
      if (typeof x !== 'string')
        for (const [k, s] of Object.entries(x)) merged[k] = merged[k] ? `${merged[k]}, ${s}` : s;
    return merged;
  }
  if ('#text' in o) return textOf(o['#text']);
  const fields: Record<string, string> = {};
  for (const [k, s] of Object.entries(o)) {
    if (k.startsWith('@') || !k.includes(':')) continue;
    fields[k.split(':')[1]] = textOf(s);
  }
  return Object.keys(fields).length ? fields : textOf(v);
}

/** XMP properties from one packet (`x:xmpmeta` or the older `x:xapmeta`). */
export function parseXmp(xml: string): Record<string, string> {
  const start = xml.search(/<x:x[am]pmeta\b|<rdf:RDF\b/);
  if (start < 0) return {};
  const tail = xml.slice(start);
  const endMatch = /<\/x:x[am]pmeta>|<\/rdf:RDF>/.exec(tail);
  const body = endMatch ? tail.slice(0, endMatch.index + endMatch[0].length) : tail;
  const doc = parseXml(body, 'XMP');
  const out: Record<string, string> = {};
  const meta = (doc['x:xmpmeta'] ?? doc['x:xapmeta']) as Record<string, unknown> | undefined;
  const tk = meta ? (meta['@x:xmptk'] ?? meta['@x:xaptk']) : undefined;
  if (tk) out['XMP-x:xmptk'] = textOf(tk);
  const rdf = (meta ? meta['rdf:RDF'] : doc['rdf:RDF']) as Record<string, unknown> | undefined;
  const ctx: Record<string, string> = {};
  for (const src of [meta, rdf])
    if (src)
      for (const [k, v] of Object.entries(src)) if (k.startsWith('@xmlns:')) ctx[k.slice(7)] = String(v);
  const prefixOf = (qname: string, local: Record<string, string>) => {
    const pfx = qname.split(':')[0];
    const uri = local[pfx];
    return uri ? (XMP_PREFIX[uri] ?? pfx) : null;
  };
  for (const d of ([] as unknown[]).concat(rdf?.['rdf:Description'] ?? [])) {
    const about =
      (d as Record<string, unknown>)?.['@rdf:about'] ?? (d as Record<string, unknown>)?.['@about'];
    if (about && !out['XMP-rdf:about']) out['XMP-rdf:about'] = textOf(about);
    flattenXmp(d, prefixOf, ctx, out);
  }
  return out;
}

/** Forensics of a PDF; null when the buffer does not start like one. */
export function analysePdf(buf: Buffer): DocumentReport | null {
  const head = buf.subarray(0, 1024).toString('latin1');
  const hv = /%PDF-(\d\.\d)/.exec(head);
  if (!hv) return null;
  const text = buf.toString('latin1');
  const problems: string[] = [];
  const flags: DocFlag[] = [];
  const linearized = /\/Linearized\s/.test(head) || /\/Linearized\s/.test(text.slice(0, 4096));
  const startxrefs = (text.match(/startxref\s+\d+/g) ?? []).length;
  const incrementalUpdates = Math.max(0, startxrefs - 1 - (linearized ? 1 : 0));
  const { objStreams, metadata } = inflateStreams(buf, text, problems);

  // Trailers (classic) and cross-reference stream dictionaries (PDF 1.5+); the last one is the latest revision.
  const trailers = [...text.matchAll(/trailer\s*<<([\s\S]*?)>>\s*startxref/g)].map((m) => m[1]);
  for (const m of text.matchAll(/<<((?:(?!>>)[\s\S]){0,4000}?\/Type\s*\/XRef[\s\S]*?)>>\s*stream/g))
    trailers.push(m[1]);
  const infoRef = trailers
    .map((t) => /\/Info\s+(\d+)\s+(\d+)\s+R/.exec(t))
    .filter(Boolean)
    .pop();
  const encrypted = trailers.some((t) => /\/Encrypt\s/.test(t));
  const version = /\/Version\s*\/(\d\.\d)/.exec(text)?.[1] ?? hv[1];

  const info: Record<string, string> = {};
  if (infoRef) {
    const body = objectDict(text, objStreams, Number(infoRef[1]), Number(infoRef[2]));
    if (body) {
      const d = dictStrings(body);
      for (const k of INFO_KEYS) if (d[k] !== undefined) info[k] = encrypted ? '(encrypted)' : d[k];
      for (const [k, v] of Object.entries(d))
        if (!(k in info) && !/^\d+ \d+ R$/.test(v)) info[k] = encrypted ? '(encrypted)' : v;
    }
  }
  const counts = [...text.matchAll(/\/Type\s*\/Pages\b[^]*?\/Count\s+(\d+)/g)].map((m) => Number(m[1]));
  const pages = counts.length ? Math.max(...counts) : null;

  let xmp: Record<string, string> = {};
  const packets = [
    ...metadata,
    ...[...text.matchAll(/<\?xpacket begin[\s\S]*?<\?xpacket end[^>]*>/g)].map((m) => m[0]),
  ];
  for (const p of packets.reverse()) {
    try {
      assertNoDoctype(p, 'XMP');
      const x = parseXmp(p);
      if (Object.keys(x).length) {
        xmp = x;
        break;
      }
    } catch (e) {
      if (e instanceof DoctypeError)
        flags.push({
          code: 'xml-doctype',
          reason: 'XMP packet declares a DOCTYPE, which no PDF writer emits: crafted file (not parsed)',
        });
      else problems.push(`XMP unreadable (${(e as Error).message})`);
    }
  }

  if (incrementalUpdates > 0)
    flags.push({
      code: 'pdf-appended-edits',
      reason: `${incrementalUpdates} incremental update(s) appended after the first save${linearized ? ' (linearized: its first-page section is not counted)' : ''}: earlier revisions are still inside the file`,
    });
  if (encrypted)
    flags.push({
      code: 'encrypted',
      reason: 'the PDF is encrypted: Info strings cannot be read without decrypting it',
    });

  const created = info.CreationDate ? pdfDate(info.CreationDate) : null;
  const modified = info.ModDate ? pdfDate(info.ModDate) : null;
  const xmpCreator = xmp['XMP-dc:creator'];
  const meta = {
    title: info.Title ?? xmp['XMP-dc:title'],
    subject: info.Subject,
    keywords: info.Keywords,
    creator: info.Author ?? xmpCreator,
    application: info.Creator ?? xmp['XMP-xmp:CreatorTool'],
    created: created ?? xmp['XMP-xmp:CreateDate'],
    modified: modified ?? xmp['XMP-xmp:ModifyDate'],
    custom: {},
    pdf: { version, linearized, encrypted, pages, incrementalUpdates, info, xmp },
  };
  for (const k of Object.keys(meta) as (keyof typeof meta)[]) if (meta[k] === undefined) delete meta[k];
  return { format: 'pdf', meta, flags, text: null, problems };
}
