/**
 * XML of untrusted documents, read without any entity processing: a DOCTYPE is refused
 * outright (office applications never write one, and it is where XXE and "billion laughs"
 * live), and only the five predefined entities and numeric references are decoded, by hand.
 * fast-xml-parser does no I/O, so an external entity can never read a local file either way.
 *
 * @see OWASP XML External Entity Prevention Cheat Sheet
 */
import { XMLParser } from 'fast-xml-parser';

/** Thrown for XML that declares a DOCTYPE. */
export class DoctypeError extends Error {
  constructor(part: string) {
    super(`${part}: XML declares a DOCTYPE (never written by office applications): not parsed`);
    this.name = 'DoctypeError';
  }
}

/** Decode the predefined XML entities and character references; anything else stays as written. */
export function decodeXmlText(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(lt|gt|amp|quot|apos|#\d{1,7}|#x[0-9a-fA-F]{1,6});/g, (m, e: string) => {
    switch (e) {
      case 'lt':
        return '<';
      case 'gt':
        return '>';
      case 'amp':
        return '&';
      case 'quot':
        return '"';
      case 'apos':
        return "'";
    }
    const cp = e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    return cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : m;
  });
}

/** Throws DoctypeError when the XML declares a DOCTYPE. */
export function assertNoDoctype(xml: string, part: string): void {
  if (/<!DOCTYPE/i.test(xml) || /<!ENTITY/i.test(xml)) throw new DoctypeError(part);
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  processEntities: false,
  htmlEntities: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  removeNSPrefix: false,
  isArray: () => false,
});

/** Parse one XML part into plain objects (attributes as `@name`, text as `#text`). */
export function parseXml(xml: string, part: string): Record<string, unknown> {
  assertNoDoctype(xml, part);
  return parser.parse(xml) as Record<string, unknown>;
}

/** The text of a parsed node (string, `#text`, or joined children), entities decoded. */
export function textOf(node: unknown): string {
  if (node === null || node === undefined) return '';
  if (typeof node === 'string' || typeof node === 'number' || typeof node === 'boolean')
    return decodeXmlText(String(node));
  if (Array.isArray(node)) return node.map(textOf).filter(Boolean).join(', ');
  if (typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if ('#text' in o) return decodeXmlText(String(o['#text']));
    return Object.entries(o)
      .filter(([k]) => !k.startsWith('@'))
      .map(([, v]) => textOf(v))
      .filter(Boolean)
      .join(', ');
  }
  return '';
}

/** Children of a parsed node whose local name (after any prefix) is `local`. */
export function childrenNamed(node: unknown, local: string): unknown[] {
  if (!node || typeof node !== 'object') return [];
  const out: unknown[] = [];
  for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
    if (k.startsWith('@') || k === '#text') continue;
    if ((k.includes(':') ? k.slice(k.indexOf(':') + 1) : k) === local)
      out.push(...(Array.isArray(v) ? v : [v]));
  }
  return out;
}

/** An attribute by local name. */
export function attrOf(node: unknown, local: string): string | null {
  if (!node || typeof node !== 'object') return null;
  for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
    if (!k.startsWith('@')) continue;
    const name = k.slice(1);
    if ((name.includes(':') ? name.slice(name.indexOf(':') + 1) : name) === local)
      return decodeXmlText(String(v));
  }
  return null;
}
