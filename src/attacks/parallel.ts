/**
 * Reading one access log on several cores. The calling thread reads the file through
 * InputFile (gzip with its bomb limits), frames lines on raw bytes and sends each worker
 * thread, in batches, the bytes of the lines of its partition, keyed by the client's /24
 * (see `partitionOf`); workers validate and decode UTF-8, parse, and run every scenario. Every built-in web scenario groups by address, so each bucket sees all its
 * events, in order, in one worker: the alerts are those of a single-threaded run.
 *
 * Not for syslog (the address is inside the message) nor for scenarios grouped by AS, user,
 * vhost or globally (their groups would be split): `canPartition` says when it applies.
 * Workers acknowledge each batch and the reader waits when a worker has too many pending,
 * so memory stays bounded whatever the file size.
 */
import { Worker } from 'node:worker_threads';
import type { Alert } from './engine.js';
import {
  openLog,
  partitionOf,
  type LogReadOptions,
  type LogReadResult,
  type LogReject,
} from '../logs/read.js';
import type { Scenario } from './scenario.js';
import { VigieError } from '../util/errors.js';
import { excerptOf } from '../ingest/input.js';
import type { EnricherOptions } from './enrich.js';
import type { LineBatch, PartitionJob } from './partition-worker.js';

export interface PartitionedResult {
  res: LogReadResult;
  alerts: Alert[];
  daily: Map<string, number>;
  rejects: LogReject[];
}

export interface PartitionOptions {
  read: LogReadOptions;
  enrich: boolean;
  enricher: EnricherOptions;
  sigmaFiles: string[];
  only: string[] | null;
  maxRejects: number;
}

const BATCH = 2048;
const MAX_PENDING = 4;

/**
 * `partitionOf` on raw bytes: the common case (a line starting with an IPv4 address) is
 * hashed in place, the same way; anything else goes through the string version.
 */
export function partitionOfBytes(b: Buffer): number {
  let lastDot = -1;
  let i = 0;
  for (; i < b.length && i < 16; i++) {
    const c = b[i];
    if (c === 0x20) break;
    if (c === 0x2e) lastDot = i;
    else if (c < 0x30 || c > 0x39) return partitionOf(b.toString('latin1', 0, Math.min(b.length, 64)));
  }
  if (i >= b.length || b[i] !== 0x20 || lastDot < 0)
    return partitionOf(b.toString('latin1', 0, Math.min(b.length, 64)));
  let h = 0x811c9dc5;
  for (let k = 0; k < lastDot; k++) h = Math.imul(h ^ b[k], 0x01000193);
  return h >>> 0;
}

/** True when the scenarios that see web events all group by address or network. */
export function canPartition(scenarios: Scenario[]): boolean {
  return scenarios
    .filter((s) => s.family === 'http' || s.family === 'any')
    .every((s) => s.groupby === 'ip' || s.groupby === 'net24' || s.groupby === 'ip_user');
}

function startWorker(job: PartitionJob): Worker {
  // Under tsx (tests) the sources are .ts and the worker must register tsx's loader itself.
  const ts = import.meta.url.endsWith('.ts');
  const url = new URL(ts ? './partition-worker.ts' : './partition-worker.js', import.meta.url);
  return ts
    ? new Worker(
        `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`,
        {
          eval: true,
          workerData: job,
        },
      )
    : new Worker(url, { workerData: job });
}

interface WorkerState {
  worker: Worker;
  pending: number;
  wake: (() => void) | null;
  /** Line bytes waiting to be sent (views into the read chunks, copied once at send). */
  bufs: Buffer[];
  bytes: number;
  lines: number[];
  offsets: number[];
  done: Promise<{
    res: Omit<LogReadResult, 'path' | 'format' | 'compression'>;
    alerts: Alert[];
    daily: [string, number][];
    rejects: LogReject[];
  }>;
  ready: Promise<void>;
}

/** Read one file over `threads` worker threads and merge what they found. */
export async function readPartitioned(
  path: string,
  o: PartitionOptions,
  threads: number,
): Promise<PartitionedResult> {
  const { input, format, mtime } = await openLog(path, o.read);
  const job: PartitionJob = {
    format,
    read: o.read,
    mtime,
    enrich: o.enrich,
    enricher: o.enricher,
    sigmaFiles: o.sigmaFiles,
    only: o.only,
    maxRejects: o.maxRejects,
  };
  const states: WorkerState[] = [];
  let failure: Error | null = null;
  for (let i = 0; i < threads; i++) {
    const worker = startWorker(job);
    let readyResolve!: () => void;
    const st = {
      worker,
      pending: 0,
      wake: null,
      bufs: [],
      bytes: 0,
      lines: [],
      offsets: [],
      ready: new Promise<void>((r) => (readyResolve = r)),
    } as unknown as WorkerState;
    st.done = new Promise((resolve, reject) => {
      worker.on('message', (m) => {
        if (m === 'ready') readyResolve();
        else if (m === 'ack') {
          st.pending--;
          st.wake?.();
          st.wake = null;
        } else if (m && m.error) {
          failure = new VigieError(m.code ?? 'ERR_INPUT', m.error);
          readyResolve();
          st.wake?.();
          reject(failure);
        } else resolve(m);
      });
      worker.once('error', (e) => {
        failure = e;
        readyResolve();
        st.wake?.();
        reject(e);
      });
    });
    st.done.catch(() => undefined);
    states.push(st);
  }
  const stopAll = () => Promise.all(states.map((s) => s.worker.terminate()));
  try {
    await Promise.all(states.map((s) => s.ready));
    if (failure) throw failure;
    const send = async (st: WorkerState) => {
      while (st.pending >= MAX_PENDING && !failure) await new Promise<void>((r) => (st.wake = r));
      if (failure) throw failure;
      st.pending++;
      const bytes = new Uint8Array(st.bytes);
      const ends = new Uint32Array(st.bufs.length);
      let at = 0;
      for (let k = 0; k < st.bufs.length; k++) {
        bytes.set(st.bufs[k], at);
        at += st.bufs[k].length;
        ends[k] = at;
      }
      const batch: LineBatch = {
        bytes,
        ends,
        lines: Float64Array.from(st.lines),
        offsets: Float64Array.from(st.offsets),
      };
      st.worker.postMessage(batch, [
        bytes.buffer,
        ends.buffer,
        batch.lines.buffer as ArrayBuffer,
        batch.offsets.buffer as ArrayBuffer,
      ]);
      st.bufs = [];
      st.bytes = 0;
      st.lines = [];
      st.offsets = [];
    };
    const rejects: LogReject[] = [];
    let framingRejected = 0;
    // Framing on raw bytes, with InputFile.lines()'s rules (over-long lines rejected unread,
    // CR and a first-line BOM dropped, empty lines skipped); UTF-8 validation and decoding
    // happen in the workers, so this thread never builds a string per line.
    const max = input.limits.maxRecordBytes;
    let carry: Buffer[] = [];
    let carryLen = 0;
    let lineNo = 1;
    let lineStart = 0;
    let pos = 0;
    let skipping = false;
    let skipExcerpt: Buffer | null = null;
    let first = true;
    const overlong = () => {
      framingRejected++;
      if (rejects.length < o.maxRejects)
        rejects.push({
          line: lineNo,
          offset: lineStart,
          reason: `record longer than ${max} bytes (${carryLen} bytes); skipped`,
          excerpt: excerptOf(skipExcerpt ?? Buffer.alloc(0)),
        });
    };
    // Synchronous on purpose: an async call per line would cost a promise per line.
    const route = (buf: Buffer): WorkerState | null => {
      let b = buf;
      if (b.length > 0 && b[b.length - 1] === 0x0d) b = b.subarray(0, b.length - 1);
      if (first) {
        first = false;
        if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) b = b.subarray(3);
      }
      if (b.length === 0) return null;
      const st = states[partitionOfBytes(b) % threads];
      st.bufs.push(b);
      st.bytes += b.length;
      st.lines.push(lineNo);
      st.offsets.push(lineStart);
      return st.bufs.length >= BATCH || st.bytes >= 1 << 20 ? st : null;
    };
    for await (const chunk of input.byteStream() as AsyncIterable<Buffer>) {
      let i = 0;
      while (i < chunk.length) {
        const nl = chunk.indexOf(0x0a, i);
        const end = nl === -1 ? chunk.length : nl;
        if (skipping) carryLen += end - i;
        else if (carryLen + (end - i) > max) {
          skipping = true;
          skipExcerpt = Buffer.concat([...carry, chunk.subarray(i, Math.min(end, i + 800))]).subarray(0, 800);
          carryLen += end - i;
          carry = [];
        } else if (nl === -1) {
          carry.push(chunk.subarray(i, end));
          carryLen += end - i;
        }
        if (nl === -1) break;
        if (skipping) {
          overlong();
          skipping = false;
          skipExcerpt = null;
        } else {
          const full = route(
            carry.length === 0 ? chunk.subarray(i, nl) : Buffer.concat([...carry, chunk.subarray(i, nl)]),
          );
          if (full) await send(full);
        }
        carry = [];
        carryLen = 0;
        lineNo++;
        lineStart = pos + nl + 1;
        i = nl + 1;
      }
      pos += chunk.length;
    }
    if (skipping) overlong();
    else if (carryLen > 0) {
      const full = route(Buffer.concat(carry));
      if (full) await send(full);
    }
    for (const st of states) {
      if (st.bufs.length) await send(st);
      st.worker.postMessage('end');
    }
    const parts = await Promise.all(states.map((s) => s.done));
    const daily = new Map<string, number>();
    for (const p of parts) for (const [k, n] of p.daily) daily.set(k, (daily.get(k) ?? 0) + n);
    const times = (xs: number[]) => xs.filter((t) => !Number.isNaN(t));
    const firsts = times(parts.map((p) => p.res.firstTime));
    const lasts = times(parts.map((p) => p.res.lastTime));
    const res: LogReadResult = {
      path,
      format,
      compression: input.compression,
      lines: framingRejected + parts.reduce((s, p) => s + p.res.lines, 0),
      events: parts.reduce((s, p) => s + p.res.events, 0),
      rejected: framingRejected + parts.reduce((s, p) => s + p.res.rejected, 0),
      firstTime: firsts.length ? Math.min(...firsts) : NaN,
      lastTime: lasts.length ? Math.max(...lasts) : NaN,
    };
    const alerts = parts
      .flatMap((p) => p.alerts)
      .sort(
        (a, b) =>
          (a.evidence[0]?.line ?? 0) - (b.evidence[0]?.line ?? 0) || a.scenario.localeCompare(b.scenario),
      );
    const all = [...rejects, ...parts.flatMap((p) => p.rejects)]
      .sort((a, b) => a.line - b.line)
      .slice(0, o.maxRejects);
    return { res, alerts, daily, rejects: all };
  } finally {
    await stopAll();
  }
}
