/**
 * Streaming framing of the elements of one JSON array (the top-level array of a file, or
 * the array under one key of a top-level object, such as `messages` in a Telegram export).
 *
 * Why a byte-level framer and not a token-level streaming parser (stream-json,
 * @streamparser/json): those stop at the first syntax error, so one bad element would lose
 * the rest of a 500 MB file, and they assemble each element without a size bound. Framing
 * on brackets and string quotes only, then `JSON.parse` per element, gives:
 *
 * - one reject per malformed element (with its index, line and byte offset) while the
 *   framing stays intact, and a single reject where the structure itself breaks;
 * - bounded memory: an element larger than `maxRecordBytes` is skipped without being held;
 * - exact byte offsets and line numbers for every element;
 * - speed: one pass over bytes, and V8's native `JSON.parse` on each element.
 *
 * Scalar members of the top-level object (`name`, `id`...) are reported as they pass, so a
 * reader can learn the header without a second pass when it precedes the array.
 */
import { isUtf8 } from 'node:buffer';
import type { InputFile } from './input.js';
import { excerptOf } from './input.js';
import { VigieError } from '../util/errors.js';

export type JsonArrayEvent =
  /** A scalar member of the top-level object (key mode only), e.g. `"id": 42`. */
  | { type: 'member'; key: string; value: unknown }
  /** The target array opened at this byte offset. */
  | { type: 'array'; offset: number; line: number }
  /** One well-formed element. */
  | { type: 'element'; index: number; offset: number; line: number; value: unknown }
  /** A malformed element, or (index null) the place where the file stops making sense. */
  | { type: 'reject'; index: number | null; offset: number; line: number; reason: string; excerpt: string };

export interface JsonArrayOptions {
  /** Key of the array in the top-level object; null when the file's top level is the array. */
  key: string | null;
  /** Elements larger than this are rejected unread (defaults to the input's limit). */
  maxElementBytes?: number;
  /** Go on past the target array to report members after it (used when the header comes last). */
  membersAfterArray?: boolean;
  /** Frame elements without parsing them (for a pass that only wants members). */
  skipElements?: boolean;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
const LF = 0x0a;

/** Scalar members and keys beyond this size are not worth keeping for a header. */
const MEMBER_LIMIT = 4096;

function isWs(c: number): boolean {
  return c === 0x20 || c === LF || c === 0x0d || c === 0x09;
}

type Capture = 'none' | 'key' | 'member' | 'element';
type Phase = 'start' | 'seek' | 'array' | 'after' | 'done';

/**
 * The framer as a push parser: feed it chunks, collect events. Kept separate from the I/O
 * so tests can feed it byte by byte.
 */
export class JsonArrayFramer {
  private readonly key: string | null;
  private readonly maxElement: number;
  private readonly membersAfter: boolean;
  private readonly skipElements: boolean;

  private phase: Phase = 'start';
  /** Container types, innermost last. */
  private stack: number[] = [];
  private inString = false;
  private escaped = false;
  private pos = 0; // absolute offset of the next byte
  private line = 1;
  private first = true;

  // Top-level object bookkeeping (key mode).
  private expectKey = false;
  private currentKey: string | null = null;
  /** Top-level keys seen, in order (bounded), for error messages. */
  readonly keys: string[] = [];

  // Target array bookkeeping.
  private arrayDepth = -1;
  private index = 0;
  private afterComma = false;

  // The one capture in progress.
  private capture: Capture = 'none';
  private capStart = 0; // absolute offset of the captured value
  private capLine = 0;
  private capParts: Buffer[] = [];
  private capLen = 0;
  private capOversized = false;
  private capChunkFrom = -1; // index in the current chunk where capture resumes

  private brokenAt: number | null = null;
  /** Why the structure broke, when it did. */
  brokenReason: string | null = null;
  /** Set by `end()` when the input stopped inside the document. */
  cutShort = false;
  readonly events: JsonArrayEvent[] = [];

  constructor(options: JsonArrayOptions & { maxElementBytes: number }) {
    this.key = options.key;
    this.maxElement = options.maxElementBytes;
    this.membersAfter = options.membersAfterArray ?? false;
    this.skipElements = options.skipElements ?? false;
  }

  /** True once nothing more can come out of this file (structure broken, or document complete). */
  get finished(): boolean {
    return this.phase === 'done';
  }

  /** True when the target array was seen. */
  get foundArray(): boolean {
    return this.arrayDepth >= 0;
  }

  /** Elements framed so far (well-formed or not). */
  get elementCount(): number {
    return this.index;
  }

  push(chunk: Buffer): void {
    if (this.phase === 'done') return;
    let i = 0;
    if (this.first) {
      this.first = false;
      if (chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) {
        i = 3;
        this.pos = 3;
      }
    }
    const base = this.pos - i; // absolute offset of chunk[0]
    if (this.capture !== 'none') this.capChunkFrom = 0;
    for (; i < chunk.length; i++) {
      const c = chunk[i];
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === BACKSLASH) this.escaped = true;
        else if (c === QUOTE) {
          this.inString = false;
          if (this.capture === 'key') this.endCapture(chunk, i + 1);
        } else if (c === LF) this.line++;
        continue;
      }
      if (isWs(c)) {
        if (c === LF) this.line++;
        continue;
      }
      const depth = this.stack.length;
      const abs = base + i;
      // Separators and closers at the level of a capture end it.
      if (c === COMMA || c === RBRACE || c === RBRACKET) {
        if (this.capture === 'member' && depth === 1) this.endCapture(chunk, i);
        else if (this.phase === 'array' && depth === this.arrayDepth) {
          if (this.capture === 'element') this.endCapture(chunk, i);
          else if (c === COMMA || this.afterComma) {
            this.emitReject(this.index++, abs, this.line, 'empty array element (stray comma)', '');
          }
          this.afterComma = c === COMMA;
        }
        if (c === COMMA) {
          if (depth === 1 && this.key !== null) this.expectKey = true;
          continue;
        }
        const open = c === RBRACE ? LBRACE : LBRACKET;
        if (depth === 0 || this.stack[depth - 1] !== open) {
          this.breakAt(abs, `unexpected "${String.fromCharCode(c)}"`);
          return;
        }
        this.stack.pop();
        if (this.phase === 'array' && depth === this.arrayDepth) {
          this.phase = this.key === null ? 'start' : 'after';
          if (this.key !== null && !this.membersAfter) {
            this.phase = 'done';
            return;
          }
        }
        if (this.stack.length === 0 && this.key !== null) {
          this.phase = 'done';
          return;
        }
        continue;
      }
      if (c === COLON) {
        continue;
      }
      // A value (or key) starts here, or continues (number and literal bytes).
      if (depth === 0) {
        if (this.phase === 'start' && this.key === null && c === LBRACKET) {
          this.stack.push(c);
          this.enterArray(abs);
          continue;
        }
        if (this.phase === 'start' && this.key !== null && c === LBRACE) {
          this.stack.push(c);
          this.phase = 'seek';
          this.expectKey = true;
          continue;
        }
        const want = this.key === null ? 'a JSON array' : 'a JSON object';
        this.breakAt(abs, `expected ${want} at the top level, found "${String.fromCharCode(c)}"`);
        return;
      }
      if (this.phase === 'array' && depth === this.arrayDepth && this.capture === 'none') {
        this.afterComma = false;
        this.beginCapture('element', abs, i);
      } else if (depth === 1 && this.key !== null && this.capture === 'none') {
        if (this.expectKey) {
          if (c !== QUOTE) {
            this.breakAt(abs, 'expected a quoted key in the top-level object');
            return;
          }
          this.expectKey = false;
          this.beginCapture('key', abs, i);
        } else if (c === LBRACKET && this.phase === 'seek' && this.currentKey === this.key) {
          this.stack.push(c);
          this.enterArray(abs);
          continue;
        } else if (c !== LBRACE && c !== LBRACKET) {
          this.beginCapture('member', abs, i);
        }
      }
      if (c === QUOTE) this.inString = true;
      else if (c === LBRACE || c === LBRACKET) this.stack.push(c);
    }
    this.pos = base + chunk.length;
    if (this.capture !== 'none' && this.capChunkFrom >= 0) this.addPart(chunk.subarray(this.capChunkFrom));
  }

  /** Call at end of input: reports a file cut short, never throws for it. */
  end(): void {
    if (this.phase === 'done' && this.brokenAt !== null) return;
    const cut = this.pos;
    const truncated = this.inString || this.stack.length > 0;
    if (!truncated) return;
    this.cutShort = true;
    if (this.phase === 'array') {
      const first = this.capParts[0]?.[0];
      if (
        this.capture === 'element' &&
        !this.inString &&
        this.stack.length === this.arrayDepth &&
        (first === LBRACE || first === LBRACKET || first === QUOTE)
      ) {
        // The last element closed before the cut (only its separator is missing): it is whole.
        this.endCapture(null, 0);
      }
      if (this.capture === 'element') {
        this.emitReject(
          this.index,
          this.capStart,
          this.capLine,
          `file ends at byte ${cut} inside element ${this.index} (which starts at byte ${this.capStart}, line ${this.capLine}): the file was cut short; the ${this.index} element(s) before it were read`,
          this.capOversized ? '' : excerptOf(Buffer.concat(this.capParts)),
        );
      } else {
        this.emitReject(
          null,
          cut,
          this.line,
          `file ends at byte ${cut} (line ${this.line}) after element ${this.index - 1} with the array still open: the file was cut short`,
          '',
        );
      }
    } else if (this.phase === 'seek' || this.phase === 'start') {
      const what = this.key === null ? 'the array' : `the "${this.key}" array`;
      this.emitReject(
        null,
        cut,
        this.line,
        `file ends at byte ${cut} (line ${this.line}) before ${what} began: the file was cut short`,
        '',
      );
    }
    // Cut after the array closed: every element was read, nothing to report.
    this.capture = 'none';
  }

  private enterArray(abs: number): void {
    this.phase = 'array';
    this.arrayDepth = this.stack.length;
    this.afterComma = false;
    this.events.push({ type: 'array', offset: abs, line: this.line });
  }

  private beginCapture(kind: Capture, abs: number, i: number): void {
    this.capture = kind;
    this.capStart = abs;
    this.capLine = this.line;
    this.capParts = [];
    this.capLen = 0;
    this.capOversized = false;
    this.capChunkFrom = i;
  }

  private limitOf(kind: Capture): number {
    return kind === 'element' ? this.maxElement : MEMBER_LIMIT;
  }

  private addPart(part: Buffer): void {
    this.capChunkFrom = -1;
    if (this.skipElements && this.capture === 'element') return;
    if (this.capOversized) {
      this.capLen += part.length;
      return;
    }
    this.capLen += part.length;
    if (this.capLen > this.limitOf(this.capture)) {
      // Keep only the start, for the excerpt; drop the rest as it streams past.
      const head = Buffer.concat([...this.capParts, part]).subarray(0, 800);
      this.capParts = [Buffer.from(head)];
      this.capOversized = true;
      return;
    }
    // Copy: a slice would pin the whole 1 MiB read chunk for as long as the capture lives.
    this.capParts.push(Buffer.from(part));
  }

  private endCapture(chunk: Buffer | null, endIdx: number): void {
    if (chunk && this.capChunkFrom >= 0) this.addPart(chunk.subarray(this.capChunkFrom, endIdx));
    const kind = this.capture;
    this.capture = 'none';
    const parts = this.capParts;
    this.capParts = [];
    const buf = this.capOversized ? null : Buffer.concat(parts);
    if (kind === 'key') {
      let k: string | null = null;
      if (buf) {
        try {
          k = JSON.parse(buf.toString('utf8')) as string;
        } catch {
          k = null;
        }
      }
      this.currentKey = k;
      if (k !== null && this.keys.length < 64) this.keys.push(k);
      return;
    }
    if (kind === 'member') {
      if (buf && this.currentKey !== null) {
        try {
          this.events.push({ type: 'member', key: this.currentKey, value: JSON.parse(buf.toString('utf8')) });
        } catch {
          // A broken header value is simply not known; the elements still carry the data.
        }
      }
      return;
    }
    const index = this.index++;
    const at = this.capStart;
    if (!buf) {
      this.emitReject(
        index,
        at,
        this.capLine,
        `element larger than ${this.maxElement} bytes (${this.capLen} bytes); skipped`,
        excerptOf(parts[0] ?? Buffer.alloc(0)),
      );
      return;
    }
    if (this.skipElements) return;
    if (!isUtf8(buf)) {
      this.emitReject(index, at, this.capLine, 'invalid UTF-8', excerptOf(buf));
      return;
    }
    const text = buf.toString('utf8');
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      this.emitReject(
        index,
        at,
        this.capLine,
        `malformed JSON element: ${(e as Error).message}`,
        excerptOf(text),
      );
      return;
    }
    this.events.push({ type: 'element', index, offset: at, line: this.capLine, value });
  }

  private emitReject(
    index: number | null,
    offset: number,
    line: number,
    reason: string,
    excerpt: string,
  ): void {
    this.events.push({ type: 'reject', index, offset, line, reason, excerpt });
  }

  private breakAt(abs: number, what: string): void {
    this.brokenAt = abs;
    const where = this.phase === 'array' ? ` after element ${this.index - 1}` : '';
    this.brokenReason = `JSON structure broken at byte ${abs} (line ${this.line})${where}: ${what}`;
    // Before the array nothing was read: the caller turns this into an error for the file.
    if (!this.foundArray) {
      this.phase = 'done';
      return;
    }
    this.emitReject(
      null,
      abs,
      this.line,
      `JSON structure broken at byte ${abs} (line ${this.line})${where}: ${what}; the rest of the file was not read`,
      '',
    );
    this.capture = 'none';
    this.phase = 'done';
  }
}

/**
 * Stream the elements of a JSON array out of `input`, one event at a time, with bounded memory.
 * Throws (ERR_INPUT) only when the array is not there: a complete document without it, or a
 * structure broken before it. A file cut short yields a final reject instead.
 *
 * @example
 * for await (const ev of jsonArrayEvents(input, { key: 'messages' })) if (ev.type === 'element') use(ev.value);
 */
export async function* jsonArrayEvents(
  input: InputFile,
  options: JsonArrayOptions,
): AsyncGenerator<JsonArrayEvent> {
  const framer = new JsonArrayFramer({
    ...options,
    maxElementBytes: options.maxElementBytes ?? input.limits.maxRecordBytes,
  });
  const stream = input.byteStream();
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      framer.push(chunk);
      if (framer.events.length) yield* framer.events.splice(0);
      if (framer.finished) break;
    }
  } finally {
    stream.destroy();
  }
  framer.end();
  if (framer.events.length) yield* framer.events.splice(0);
  // A file cut before the array has had its reject; anything else without the array is not this format.
  if (!framer.foundArray && !framer.cutShort) {
    const keys = framer.keys.length ? ` (top-level keys: ${framer.keys.join(', ')})` : '';
    const what = options.key === null ? 'a JSON array' : `a top-level "${options.key}" array`;
    throw new VigieError('ERR_INPUT', `${input.path}: ${framer.brokenReason ?? `no ${what}`}${keys}`);
  }
}
