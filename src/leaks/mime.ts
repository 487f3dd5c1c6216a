/**
 * A streaming MIME walker: top-level headers, and the SHA-256 and size of every leaf part
 * (attachments), decoding base64 and quoted-printable on the fly. It never holds more than
 * one line, so a 1 GB attachment costs no more memory than a 1 KB one; only parts the caller
 * asks to capture (documents under a size cap, for forensics) are kept in memory.
 *
 * Malformed MIME (missing or unterminated boundaries, runaway nesting, giant header blocks)
 * is reported in `problems` and walked as far as it makes sense, never thrown.
 *
 * @see RFC 2045 (encodings), RFC 2046 section 5.1 (multipart: the CRLF before a delimiter
 * belongs to the delimiter), RFC 2047 (encoded words), RFC 2231 (parameter continuations)
 */
import { createHash, type Hash } from 'node:crypto';
import type { AttachmentInfo } from './types.js';
import { splitLines } from './lines.js';

export interface MimeLimits {
  /** Header block of one part; the excess is dropped and reported. */
  maxHeaderBytes: number;
  /** Multipart nesting; deeper parts are hashed as opaque leaves. */
  maxDepth: number;
  /** Leaf parts per message; later ones are still hashed into the message but not listed. */
  maxParts: number;
  /** A line longer than this is processed in pieces (it cannot be a boundary). */
  maxLineBytes: number;
}

export const MIME_DEFAULTS: MimeLimits = {
  maxHeaderBytes: 256 * 1024,
  maxDepth: 32,
  maxParts: 10_000,
  maxLineBytes: 1024 * 1024,
};

/** One header field: name as written, value unfolded but not decoded. */
export interface HeaderField {
  name: string;
  value: string;
}

export interface MimeSummary {
  headers: HeaderField[];
  /** Leaf parts that are files (named, or not inline text). */
  attachments: AttachmentInfo[];
  problems: string[];
  /** Total bytes seen. */
  bytes: number;
}

/** Decide whether a part's decoded bytes should be kept (and up to how many). */
export type CaptureRule = (p: { filename: string | null; contentType: string }) => number;

interface Level {
  boundary: string;
  prefix: string;
  children: number;
}

interface Leaf {
  part: string;
  filename: string | null;
  contentType: string;
  disposition: string;
  encoding: string;
  hash: Hash;
  size: number;
  capLimit: number;
  chunks: Buffer[] | null;
  pendingEol: Buffer | null;
  b64rest: string;
}

const CRLF_RE = /\r?\n$/;

/** Split a structured header value into the main token and its parameters (RFC 2045/2231). */
export function parseParams(value: string): { main: string; params: Map<string, string> } {
  const parts: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '"' && value[i - 1] !== '\\') quoted = !quoted;
    if (c === ';' && !quoted) {
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  parts.push(cur);
  const main = (parts.shift() ?? '').trim().toLowerCase();
  const raw = new Map<string, string>();
  for (const p of parts) {
    const eq = p.indexOf('=');
    if (eq < 0) continue;
    const k = p.slice(0, eq).trim().toLowerCase();
    let v = p.slice(eq + 1).trim();
    if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) v = v.slice(1, -1).replace(/\\(.)/g, '$1');
    if (k && !raw.has(k)) raw.set(k, v);
  }
  // RFC 2231: name*0*=charset''a%20b, name*1*=..., or name*=charset''...
  const params = new Map<string, string>();
  const cont = new Map<string, { n: number; v: string; enc: boolean }[]>();
  for (const [k, v] of raw) {
    const m = /^([^*]+)\*(?:(\d+)\*?|)$/.exec(k);
    if (m && k.includes('*')) {
      const enc = k.endsWith('*');
      const list = cont.get(m[1]) ?? [];
      list.push({ n: m[2] === undefined ? 0 : Number(m[2]), v, enc });
      cont.set(m[1], list);
    } else params.set(k, v);
  }
  for (const [name, list] of cont) {
    list.sort((a, b) => a.n - b.n);
    let charset = 'utf-8';
    const bytes: number[] = [];
    list.forEach((seg, i) => {
      let v = seg.v;
      if (seg.enc && i === 0) {
        const q = /^([^']*)'[^']*'(.*)$/.exec(v);
        if (q) {
          charset = q[1] || 'utf-8';
          v = q[2];
        }
      }
      if (seg.enc) {
        for (let j = 0; j < v.length; j++) {
          if (v[j] === '%' && /^[0-9a-f]{2}$/i.test(v.slice(j + 1, j + 3))) {
            bytes.push(parseInt(v.slice(j + 1, j + 3), 16));
            j += 2;
          } else bytes.push(...Buffer.from(v[j], 'utf8'));
        }
      } else bytes.push(...Buffer.from(v, 'utf8'));
    });
    params.set(name, decodeCharset(Buffer.from(bytes), charset));
  }
  return { main, params };
}

function decodeCharset(buf: Buffer, charset: string): string {
  try {
    return new TextDecoder(charset.trim().toLowerCase() || 'utf-8').decode(buf);
  } catch {
    return buf.toString('latin1');
  }
}

/**
 * Decode RFC 2047 encoded words (`=?utf-8?B?...?=`) for display. Unknown charsets fall back
 * to Latin-1 rather than failing: the raw header is kept elsewhere.
 * @example decodeWords('=?ISO-8859-1?Q?Andr=E9?=') // 'André'
 */
export function decodeWords(value: string): string {
  return value
    .replace(/(=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=)\s+(?==\?)/g, '$1')
    .replace(/=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=/g, (_m, cs: string, enc: string, text: string) => {
      const charset = cs.split('*')[0];
      const buf =
        enc.toUpperCase() === 'B'
          ? Buffer.from(text, 'base64')
          : Buffer.from(
              text
                .replace(/_/g, ' ')
                .replace(/=([0-9A-Fa-f]{2})/g, (_x, h: string) => String.fromCharCode(parseInt(h, 16))),
              'latin1',
            );
      return decodeCharset(buf, charset);
    });
}

/** The header fields of a raw header block (folded lines joined, values verbatim). */
export function parseHeaderBlock(block: string): HeaderField[] {
  const out: HeaderField[] = [];
  for (const line of block.split(/\r?\n/)) {
    if (line === '') continue;
    if ((line[0] === ' ' || line[0] === '\t') && out.length) {
      out[out.length - 1].value += ' ' + line.trim();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    out.push({ name: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() });
  }
  return out;
}

/** First value of a header field, case-insensitive. */
export function headerValue(headers: HeaderField[], name: string): string | null {
  const n = name.toLowerCase();
  for (const h of headers) if (h.name.toLowerCase() === n) return h.value;
  return null;
}

/** Streaming MIME walker; feed it the raw message with `write`, then call `end`. */
export class MimeWalker {
  private readonly limits: MimeLimits;
  private readonly capture: CaptureRule;
  private carry: Buffer | null = null;
  private midLine = false;
  private state: 'headers' | 'body' | 'skip' = 'headers';
  private headerBuf: string[] = [];
  private headerBytes = 0;
  private partId = '';
  private stack: Level[] = [];
  private leaf: Leaf | null = null;
  private topHeaders: HeaderField[] | null = null;
  private readonly attachments: AttachmentInfo[] = [];
  private readonly problems = new Set<string>();
  private bytes = 0;
  private leaves = 0;

  constructor(capture: CaptureRule = () => 0, limits: Partial<MimeLimits> = {}) {
    this.capture = capture;
    this.limits = { ...MIME_DEFAULTS, ...limits };
  }

  write(chunk: Buffer): void {
    this.bytes += chunk.length;
    this.carry = splitLines(this.carry, chunk, this.limits.maxLineBytes, (line, complete) =>
      this.line(line, complete),
    );
  }

  end(): MimeSummary {
    if (this.carry) {
      this.line(this.carry, true);
      this.carry = null;
    }
    if (this.state === 'headers') {
      if (this.topHeaders === null)
        this.problems.add('message has no body separator (blank line after the headers)');
      this.endHeaders();
    }
    this.closeLeaf();
    if (this.stack.length)
      this.problems.add(`unterminated multipart (${this.stack.length} boundary level(s) never closed)`);
    return {
      headers: this.topHeaders ?? [],
      attachments: this.attachments,
      problems: [...this.problems],
      bytes: this.bytes,
    };
  }

  private line(buf: Buffer, complete: boolean): void {
    const continuing = this.midLine;
    this.midLine = !complete || buf[buf.length - 1] !== 10;
    if (this.state === 'headers') {
      if (
        !continuing &&
        (buf.length === 1 || (buf.length === 2 && buf[0] === 13)) &&
        buf[buf.length - 1] === 10
      ) {
        this.endHeaders();
        return;
      }
      this.headerBytes += buf.length;
      if (this.headerBytes <= this.limits.maxHeaderBytes) this.headerBuf.push(buf.toString('latin1'));
      else
        this.problems.add(
          `header block larger than ${this.limits.maxHeaderBytes} bytes: the rest was ignored`,
        );
      return;
    }
    if (!continuing && this.stack.length && buf[0] === 45 && buf[1] === 45 && buf.length < 1000) {
      const text = buf
        .toString('latin1')
        .replace(/[ \t]*\r?\n$/, '')
        .replace(/[ \t]+$/, '');
      for (let i = this.stack.length - 1; i >= 0; i--) {
        const b = this.stack[i].boundary;
        if (text === '--' + b || text === '--' + b + '--') {
          this.boundary(i, text.endsWith('--') && text !== '--' + b);
          return;
        }
      }
    }
    if (this.state === 'body' && this.leaf) this.feed(this.leaf, buf);
  }

  private boundary(level: number, closing: boolean): void {
    this.closeLeaf();
    if (level < this.stack.length - 1) {
      this.problems.add('inner multipart closed by an outer boundary (unterminated part)');
      this.stack.length = level + 1;
    }
    const lv = this.stack[level];
    if (closing) {
      this.stack.pop();
      this.state = 'skip';
      return;
    }
    lv.children++;
    this.partId = lv.prefix ? `${lv.prefix}.${lv.children}` : String(lv.children);
    this.state = 'headers';
    this.headerBuf = [];
    this.headerBytes = 0;
  }

  private endHeaders(): void {
    const headers = parseHeaderBlock(this.headerBuf.join(''));
    this.headerBuf = [];
    this.headerBytes = 0;
    const isTop = this.topHeaders === null;
    if (isTop) this.topHeaders = headers;
    const ct = parseParams(headerValue(headers, 'content-type') ?? 'text/plain');
    const cd = parseParams(headerValue(headers, 'content-disposition') ?? '');
    const contentType = /^[\w.+-]+\/[\w.+-]+$/.test(ct.main) ? ct.main : 'text/plain';
    if (contentType.startsWith('multipart/')) {
      const boundary = ct.params.get('boundary');
      if (!boundary)
        this.problems.add(`${contentType} without a boundary parameter: walked as one opaque part`);
      else if (this.stack.length >= this.limits.maxDepth)
        this.problems.add(
          `multipart nesting deeper than ${this.limits.maxDepth}: inner parts walked as opaque`,
        );
      else {
        this.stack.push({ boundary, prefix: isTop ? '' : this.partId, children: 0 });
        this.state = 'skip';
        return;
      }
    }
    this.leaves++;
    const rawName = cd.params.get('filename') ?? ct.params.get('name') ?? null;
    const filename = rawName === null ? null : decodeWords(rawName).replace(/[\u0000-\u001f]/g, '');
    const leaf: Leaf = {
      part: this.partId || '1',
      filename,
      contentType,
      disposition: cd.main,
      encoding: (headerValue(headers, 'content-transfer-encoding') ?? '7bit').trim().toLowerCase(),
      hash: createHash('sha256'),
      size: 0,
      capLimit: 0,
      chunks: null,
      pendingEol: null,
      b64rest: '',
    };
    leaf.capLimit = this.isFile(leaf) ? this.capture({ filename, contentType }) : 0;
    if (leaf.capLimit > 0) leaf.chunks = [];
    this.leaf = leaf;
    this.state = 'body';
  }

  private isFile(l: Leaf): boolean {
    if (l.filename) return true;
    if (l.disposition === 'attachment') return true;
    return !(l.contentType.startsWith('text/') || l.contentType.startsWith('multipart/'));
  }

  private emit(l: Leaf, data: Buffer): void {
    if (data.length === 0) return;
    l.hash.update(data);
    l.size += data.length;
    if (l.chunks) {
      if (l.size <= l.capLimit) l.chunks.push(Buffer.from(data));
      else l.chunks = null;
    }
  }

  private feed(l: Leaf, buf: Buffer): void {
    if (l.encoding === 'base64') {
      const s = l.b64rest + buf.toString('latin1').replace(/[^A-Za-z0-9+/]/g, '');
      const usable = s.length - (s.length % 4);
      l.b64rest = s.slice(usable);
      if (usable) this.emit(l, Buffer.from(s.slice(0, usable), 'base64'));
      return;
    }
    const m = CRLF_RE.exec(buf.toString('latin1', Math.max(0, buf.length - 2)));
    const eolLen = m ? m[0].length : 0;
    let content = buf.subarray(0, buf.length - eolLen);
    const eol = eolLen ? buf.subarray(buf.length - eolLen) : null;
    if (l.pendingEol) this.emit(l, l.pendingEol);
    l.pendingEol = null;
    if (l.encoding === 'quoted-printable') {
      let s = content.toString('latin1').replace(/[ \t]+$/, '');
      const soft = s.endsWith('=');
      if (soft) s = s.slice(0, -1);
      content = Buffer.from(
        s.replace(/=([0-9A-Fa-f]{2})/g, (_x, h: string) => String.fromCharCode(parseInt(h, 16))),
        'latin1',
      );
      this.emit(l, content);
      if (!soft && eol) l.pendingEol = Buffer.from(eol);
      return;
    }
    this.emit(l, content);
    if (eol) l.pendingEol = Buffer.from(eol);
  }

  private closeLeaf(): void {
    const l = this.leaf;
    this.leaf = null;
    if (!l) return;
    if (l.encoding === 'base64' && l.b64rest.replace(/=+$/, '').length) {
      this.emit(l, Buffer.from(l.b64rest, 'base64'));
      if (l.b64rest.length % 4 === 1) this.problems.add(`part ${l.part}: base64 ends with a stray character`);
    }
    if (!this.isFile(l)) return;
    if (this.attachments.length >= this.limits.maxParts) {
      this.problems.add(`more than ${this.limits.maxParts} attachments: the rest are not listed`);
      return;
    }
    const info: AttachmentInfo = {
      part: l.part,
      filename: l.filename,
      contentType: l.contentType,
      size: l.size,
      sha256: l.hash.digest('hex'),
    };
    if (l.chunks && l.size <= l.capLimit) info.content = Buffer.concat(l.chunks);
    this.attachments.push(info);
  }
}
