/**
 * Splitting an mbox into messages, streaming, and undoing its From-line escaping so body
 * hashes verify again. Writers escape body lines that start with "From " by prefixing ">";
 * mboxrd also escapes lines that already start with ">From " (so reading removes one ">" from
 * any `>+From ` line), mboxo does not (so `>From ` in the original is indistinguishable).
 * The splitter unescapes as mboxrd and records where, so a verifier can try the other
 * readings when the body hash fails.
 *
 * A message starts at a "From " line that follows an empty line (or is the first one, after
 * any junk before it, which is counted as `preamble`); the empty line before it belongs to
 * the mbox, not to the message.
 *
 * @see https://www.loc.gov/preservation/digital/formats/fdd/fdd000383.shtml (mbox variants)
 */
import { splitLines } from './lines.js';

/** Events of the splitter, in order: begin, data*, end for each message. */
export type MboxEvent =
  | { type: 'begin'; index: number; offset: number; line: number; envelope: string }
  | { type: 'data'; data: Buffer }
  | { type: 'end'; index: number; escapes: MboxEscape[] };

/** One unescaped line: at `offset` in the message, `depth` ">" characters preceded "From ". */
export interface MboxEscape {
  offset: number;
  depth: number;
}

const FROM = Buffer.from('From ');

function isFromLine(buf: Buffer, start: number): boolean {
  return buf.length - start >= 5 && buf.compare(FROM, 0, 5, start, start + 5) === 0;
}

/**
 * Streaming mbox splitter. `push` returns the events a chunk completes; `end` flushes.
 * @example
 * const s = new MboxSplitter();
 * for await (const c of stream) for (const ev of s.push(c)) handle(ev);
 * for (const ev of s.end()) handle(ev);
 */
export class MboxSplitter {
  private carry: Buffer | null = null;
  private offset = 0;
  private line = 0;
  private prevBlank = true;
  private pendingBlank: Buffer | null = null;
  private index = -1;
  private inMessage = false;
  private msgBytes = 0;
  private escapes: MboxEscape[] = [];
  private out: MboxEvent[] = [];
  private region: Buffer[] = [];
  /** Bytes before the first "From " line (not an mbox message). */
  preamble = 0;
  private readonly maxLine: number;

  constructor(maxLineBytes = 1024 * 1024) {
    this.maxLine = maxLineBytes;
  }

  push(chunk: Buffer): MboxEvent[] {
    this.carry = splitLines(this.carry, chunk, this.maxLine, (line, complete) => this.onLine(line, complete));
    this.flushRegion();
    const out = this.out;
    this.out = [];
    return out;
  }

  end(): MboxEvent[] {
    if (this.carry) {
      this.onLine(this.carry, true);
      this.carry = null;
    }
    this.pendingBlank = null;
    this.closeMessage();
    const out = this.out;
    this.out = [];
    return out;
  }

  private midLine = false;

  private emit(data: Buffer): void {
    if (!this.inMessage) {
      this.preamble += data.length;
      return;
    }
    this.region.push(data);
    this.msgBytes += data.length;
  }

  private flushRegion(): void {
    if (this.region.length === 0) return;
    this.out.push({
      type: 'data',
      data: this.region.length === 1 ? Buffer.from(this.region[0]) : Buffer.concat(this.region),
    });
    this.region = [];
  }

  private closeMessage(): void {
    if (!this.inMessage) return;
    this.flushRegion();
    this.out.push({ type: 'end', index: this.index, escapes: this.escapes });
    this.inMessage = false;
  }

  private onLine(l: Buffer, complete: boolean): void {
    const continuing = this.midLine;
    this.midLine = !complete || l[l.length - 1] !== 10;
    const lineOffset = this.offset;
    this.offset += l.length;
    if (!continuing) this.line++;
    if (!continuing && (this.prevBlank || !this.inMessage) && isFromLine(l, 0)) {
      this.pendingBlank = null;
      this.closeMessage();
      this.index++;
      this.inMessage = true;
      this.msgBytes = 0;
      this.escapes = [];
      this.out.push({
        type: 'begin',
        index: this.index,
        offset: lineOffset,
        line: this.line,
        envelope: l.toString('latin1').trimEnd(),
      });
      this.prevBlank = false;
      return;
    }
    const blank = !continuing && (l.length === 1 || (l.length === 2 && l[0] === 13)) && complete;
    if (this.pendingBlank) {
      this.emit(this.pendingBlank);
      this.pendingBlank = null;
    }
    if (blank) {
      // Held back: if a "From " line follows, this blank line is the mbox separator.
      this.pendingBlank = Buffer.from(l);
      this.prevBlank = true;
      this.flushRegion();
      return;
    }
    this.prevBlank = false;
    if (!continuing && l[0] === 62) {
      let depth = 0;
      while (l[depth] === 62) depth++;
      if (isFromLine(l, depth)) {
        this.escapes.push({ offset: this.msgBytes, depth });
        this.emit(l.subarray(1));
        return;
      }
    }
    this.emit(l);
  }
}

/**
 * The message as another mbox reading would give it: `mboxo` keeps `>>From` lines as they
 * were, `none` puts back every ">" the splitter removed.
 */
export function reescape(message: Buffer, escapes: MboxEscape[], variant: 'mboxo' | 'none'): Buffer {
  const parts: Buffer[] = [];
  let pos = 0;
  for (const e of escapes) {
    if (variant === 'mboxo' && e.depth < 2) continue;
    parts.push(message.subarray(pos, e.offset), Buffer.from('>'));
    pos = e.offset;
  }
  parts.push(message.subarray(pos));
  return Buffer.concat(parts);
}
