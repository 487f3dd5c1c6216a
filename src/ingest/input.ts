/**
 * Reading an input file as an adversary may have written it: transparent gzip with a bound
 * on decompression, line framing with a bound on record size, UTF-8 validation. Every
 * problem becomes either a per-record reject (with position) or a typed error; nothing
 * here ever buffers more than one record.
 */
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { isUtf8 } from 'node:buffer';
import { createGunzip } from 'node:zlib';
import { Transform, type Readable } from 'node:stream';
import { VigieError } from '../util/errors.js';

export interface InputLimits {
  /** A record (line, CSV row, JSON document element) larger than this is rejected. */
  maxRecordBytes: number;
  /** Decompressed bytes allowed per file. */
  maxDecompressedBytes: number;
  /** Past the first 64 MiB, decompressed/compressed above this ratio is treated as a bomb. */
  maxCompressionRatio: number;
}

export const DEFAULT_LIMITS: InputLimits = {
  maxRecordBytes: 16 * 1024 * 1024,
  maxDecompressedBytes: 512 * 1024 ** 3,
  // Text and JSON compress 5-50x with gzip; 1000x is only reached by crafted or degenerate input.
  maxCompressionRatio: 1000,
};

const RATIO_GRACE_BYTES = 64 * 1024 * 1024;
export const EXCERPT_CHARS = 200;

export type LineItem =
  | { line: number; offset: number; text: string; reject?: undefined }
  | { line: number; offset: number; text?: undefined; reject: { reason: string; excerpt: string } };

/** A printable excerpt of raw bytes for a reject row (never interpreted, only stored). */
export function excerptOf(buf: Buffer | string, max = EXCERPT_CHARS): string {
  const s = typeof buf === 'string' ? buf.slice(0, max * 2) : buf.subarray(0, max * 4).toString('utf8');
  return s.slice(0, max);
}

export class InputFile {
  readonly path: string;
  readonly size: number;
  readonly compression: 'gzip' | null;
  readonly limits: InputLimits;
  /** Compressed (on-disk) bytes consumed so far by the current stream: drives the progress bar. */
  bytesRead = 0;

  private constructor(path: string, size: number, compression: 'gzip' | null, limits: InputLimits) {
    this.path = path;
    this.size = size;
    this.compression = compression;
    this.limits = limits;
  }

  static async open(path: string, limits: Partial<InputLimits> = {}): Promise<InputFile> {
    let st;
    try {
      st = await stat(path);
    } catch (e) {
      throw new VigieError('ERR_INPUT', `${path}: cannot read (${(e as Error).message})`, { cause: e });
    }
    if (!st.isFile()) throw new VigieError('ERR_INPUT', `${path}: not a regular file`);
    const fh = await open(path, 'r');
    const magic = Buffer.alloc(2);
    try {
      await fh.read(magic, 0, 2, 0);
    } finally {
      await fh.close();
    }
    const gz = st.size >= 2 && magic[0] === 0x1f && magic[1] === 0x8b;
    return new InputFile(path, st.size, gz ? 'gzip' : null, { ...DEFAULT_LIMITS, ...limits });
  }

  /** The decompressed bytes, with the decompression bound enforced. */
  byteStream(): Readable {
    this.bytesRead = 0;
    const raw = createReadStream(this.path, { highWaterMark: 1 << 20 });
    raw.on('data', (c) => (this.bytesRead += c.length));
    if (this.compression !== 'gzip') return raw;
    let out = 0;
    const { maxDecompressedBytes, maxCompressionRatio } = this.limits;
    const path = this.path;
    const gunzip = createGunzip({ chunkSize: 1 << 18 });
    const guard = new Transform({
      transform: (chunk: Buffer, _enc, cb) => {
        out += chunk.length;
        if (out > maxDecompressedBytes) {
          cb(
            new VigieError(
              'ERR_DECOMPRESSION_LIMIT',
              `${path}: decompressed size passed ${maxDecompressedBytes} bytes; refusing to go on (raise --max-decompressed if this file is genuine)`,
            ),
          );
          return;
        }
        // The ratio uses the compressed bytes gunzip has consumed, not those read from disk:
        // the file stream reads up to a few MiB ahead, which hid a 1000:1 bomb (measured).
        if (out > RATIO_GRACE_BYTES && out / Math.max(1, gunzip.bytesWritten) > maxCompressionRatio) {
          cb(
            new VigieError(
              'ERR_DECOMPRESSION_LIMIT',
              `${path}: compression ratio above ${maxCompressionRatio}:1 after ${out} decompressed bytes (offset ${this.bytesRead} in the file): looks like a gzip bomb; stopped`,
            ),
          );
          return;
        }
        cb(null, chunk);
      },
    });
    const fail = (e: Error) => {
      const err =
        e instanceof VigieError
          ? e
          : new VigieError(
              'ERR_INPUT',
              `${path}: gzip stream is corrupt near offset ${this.bytesRead}: ${e.message}`,
              {
                cause: e,
              },
            );
      guard.destroy(err);
    };
    raw.on('error', fail);
    gunzip.on('error', fail);
    raw.pipe(gunzip).pipe(guard);
    guard.on('close', () => {
      raw.destroy();
      gunzip.destroy();
    });
    return guard;
  }

  /** The first `n` decompressed bytes as text (for format sniffing). */
  async head(n = 64 * 1024): Promise<string> {
    const chunks: Buffer[] = [];
    let got = 0;
    const s = this.byteStream();
    try {
      for await (const c of s as AsyncIterable<Buffer>) {
        chunks.push(c);
        got += c.length;
        if (got >= n) break;
      }
    } catch (e) {
      if (got === 0) throw e;
    } finally {
      s.destroy();
    }
    // A multi-byte character may be cut at the end: decoding replaces it, which is fine for sniffing.
    return Buffer.concat(chunks)
      .subarray(0, n)
      .toString('utf8')
      .replace(/^\uFEFF/, '');
  }

  /**
   * Newline-framed records: 1-based line numbers, byte offsets into the decompressed stream.
   * Blank lines are skipped. Over-long lines are skipped without being buffered, and reported.
   */
  async *lines(): AsyncGenerator<LineItem> {
    const max = this.limits.maxRecordBytes;
    let carry: Buffer[] = [];
    let carryLen = 0;
    let lineNo = 1;
    let lineStart = 0; // offset of the current line's first byte
    let pos = 0; // offset of the current chunk's first byte
    let skipping = false; // inside an over-long line
    let skipExcerpt: Buffer | null = null;
    let first = true;

    const emit = (buf: Buffer): LineItem | null => {
      let b = buf;
      if (b.length > 0 && b[b.length - 1] === 0x0d) b = b.subarray(0, b.length - 1);
      if (first) {
        first = false;
        if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) b = b.subarray(3);
      }
      if (b.length === 0) return null;
      if (!isUtf8(b)) {
        return {
          line: lineNo,
          offset: lineStart,
          reject: { reason: 'invalid UTF-8', excerpt: excerptOf(b) },
        };
      }
      const text = b.toString('utf8');
      if (text.trim() === '') return null;
      return { line: lineNo, offset: lineStart, text };
    };

    for await (const chunk of this.byteStream() as AsyncIterable<Buffer>) {
      let i = 0;
      while (i < chunk.length) {
        const nl = chunk.indexOf(0x0a, i);
        const end = nl === -1 ? chunk.length : nl;
        if (skipping) {
          carryLen += end - i;
        } else {
          if (carryLen + (end - i) > max) {
            skipping = true;
            skipExcerpt = Buffer.concat([
              ...carry,
              chunk.subarray(i, Math.min(end, i + EXCERPT_CHARS * 4)),
            ]).subarray(0, EXCERPT_CHARS * 4);
            carryLen += end - i;
            carry = [];
          } else if (nl === -1) {
            carry.push(chunk.subarray(i, end));
            carryLen += end - i;
          }
        }
        if (nl === -1) break;
        // A complete line ends at `nl`.
        if (skipping) {
          yield {
            line: lineNo,
            offset: lineStart,
            reject: {
              reason: `record longer than ${max} bytes (${carryLen} bytes); skipped`,
              excerpt: excerptOf(skipExcerpt ?? Buffer.alloc(0)),
            },
          };
          skipping = false;
          skipExcerpt = null;
        } else {
          const buf =
            carry.length === 0 ? chunk.subarray(i, nl) : Buffer.concat([...carry, chunk.subarray(i, nl)]);
          const item = emit(buf);
          if (item) yield item;
        }
        carry = [];
        carryLen = 0;
        lineNo++;
        lineStart = pos + nl + 1;
        i = nl + 1;
      }
      pos += chunk.length;
    }
    if (skipping) {
      yield {
        line: lineNo,
        offset: lineStart,
        reject: {
          reason: `record longer than ${max} bytes (${carryLen} bytes); skipped`,
          excerpt: excerptOf(skipExcerpt ?? Buffer.alloc(0)),
        },
      };
    } else if (carryLen > 0) {
      const item = emit(Buffer.concat(carry));
      if (item) yield item;
    }
  }
}
