/**
 * DKIM verification on worker threads: the main thread reads, splits and stores; workers
 * verify buffered messages (the CPU-bound part: canonicalisation, hashing, RSA). Each worker
 * holds its own copy of the key ring; live DNS stays on the main thread (the pool is not used
 * when it is on).
 *
 * The same file is the worker's entry point. Under a TypeScript loader (tests run with tsx)
 * workers cannot load it, so `VerifyPool.available()` is false there and the ingest verifies
 * in-thread.
 */
import { availableParallelism } from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { verifyMessage, type VerifyOptions } from './dkim.js';
import { looksLikeDocument } from './documents/index.js';
import { KeyRing, type DkimKeyRecord } from './keys.js';
import { reescape, type MboxEscape } from './mbox.js';
import type { MessageFlag, MessageReport } from './types.js';

interface Init {
  keys: DkimKeyRecord[];
  leakDate: number | null;
  maxDocumentBytes: number;
}

interface Job {
  id: number;
  bytes: Uint8Array;
  escapes: MboxEscape[];
}

/** A verified message, with the bytes that verified (an mbox reading may differ). */
export interface Verified {
  report: MessageReport;
  bytes: Buffer;
}

/**
 * Verify a buffered message; when the body hash fails and the message came from an mbox with
 * unescaped ">From" lines, try the other mbox readings.
 */
export async function verifyWithMboxVariants(
  buf: Buffer,
  escapes: MboxEscape[],
  opts: VerifyOptions,
): Promise<Verified> {
  const report = await verifyMessage(buf, opts);
  if (report.verdict !== 'body-altered' || !escapes.length) return { report, bytes: buf };
  for (const variant of ['mboxo', 'none'] as const) {
    const alt = reescape(buf, escapes, variant);
    if (alt.equals(buf)) continue;
    const r = await verifyMessage(alt, opts);
    if (r.verdict === 'authentic') {
      const flag: MessageFlag = {
        code: 'mbox-escaping-variant',
        reason: `the body verifies when ">From" lines are read as ${variant === 'none' ? 'not escaped' : 'mboxo'} escaping`,
      };
      return { report: { ...r, flags: [...r.flags, flag] }, bytes: alt };
    }
  }
  return { report, bytes: buf };
}

/** A fixed pool of verification workers, fed round-robin by least outstanding jobs. */
export class VerifyPool {
  private readonly workers: { w: Worker; busy: number }[] = [];
  private readonly waiting = new Map<
    number,
    { resolve: (v: Verified) => void; reject: (e: Error) => void; w: { busy: number }; input: Buffer }
  >();
  private next = 0;

  /** Whether workers can run here (compiled JavaScript, not a TypeScript loader). */
  static available(): boolean {
    return import.meta.url.endsWith('.js');
  }

  /** Default worker count: the machine's cores, at most 4. */
  static defaultSize(): number {
    return Math.max(1, Math.min(4, availableParallelism()));
  }

  constructor(size: number, init: Init) {
    const file = fileURLToPath(import.meta.url);
    for (let i = 0; i < size; i++) {
      const w = new Worker(file, { workerData: init });
      const slot = { w, busy: 0 };
      w.on(
        'message',
        (m: { id: number; report?: MessageReport; bytes?: Uint8Array | null; error?: string }) => {
          const p = this.waiting.get(m.id);
          if (!p) return;
          this.waiting.delete(m.id);
          p.w.busy--;
          if (m.error) p.reject(new Error(m.error));
          else {
            for (const a of m.report!.attachments)
              if (a.content)
                a.content = Buffer.from(a.content.buffer, a.content.byteOffset, a.content.byteLength);
            p.resolve({
              report: m.report!,
              bytes: m.bytes ? Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength) : p.input,
            });
          }
        },
      );
      w.on('error', (e) => {
        for (const [id, p] of this.waiting) {
          if (p.w === slot) {
            this.waiting.delete(id);
            p.reject(e);
          }
        }
      });
      this.workers.push(slot);
    }
  }

  /** Verify on the least busy worker. */
  verify(buf: Buffer, escapes: MboxEscape[]): Promise<Verified> {
    const slot = this.workers.reduce((a, b) => (b.busy < a.busy ? b : a));
    slot.busy++;
    const id = this.next++;
    const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject, w: slot, input: buf });
      slot.w.postMessage({ id, bytes, escapes } satisfies Job);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((s) => s.w.terminate()));
  }
}

if (!isMainThread && parentPort && (workerData as Init | undefined)?.keys) {
  const init = workerData as Init;
  const opts: VerifyOptions = {
    ring: new KeyRing(init.keys),
    leakDate: init.leakDate,
    capture: (p) => (looksLikeDocument(p.filename, p.contentType) ? init.maxDocumentBytes : 0),
  };
  const port = parentPort;
  port.on('message', (job: Job) => {
    const buf = Buffer.from(job.bytes.buffer, job.bytes.byteOffset, job.bytes.byteLength);
    verifyWithMboxVariants(buf, job.escapes, opts).then(
      (v) => {
        // Only real documents (PDF or ZIP-based office files) go back for forensics.
        for (const a of v.report.attachments)
          if (
            a.content &&
            !(
              a.content.subarray(0, 1024).includes('%PDF-') ||
              (a.content[0] === 0x50 && a.content[1] === 0x4b)
            )
          )
            delete a.content;
        // Copied, not transferred: small Buffers share Node's allocation pool.
        // The bytes go back only when another mbox reading verified (the caller has the rest).
        port.postMessage({
          id: job.id,
          report: v.report,
          bytes:
            v.bytes === buf ? null : new Uint8Array(v.bytes.buffer, v.bytes.byteOffset, v.bytes.byteLength),
        });
      },
      (e: Error) => port.postMessage({ id: job.id, error: e.message }),
    );
  });
}
