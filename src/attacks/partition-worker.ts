/**
 * One partition of an access log, in a worker thread: the reader (parallel.ts) frames the
 * lines once and sends each worker the lines of its partition in batches; the worker parses
 * them, runs every scenario, and at the end sends back the alerts, daily counts and rejects.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isUtf8 } from 'node:buffer';
import { formatParser, type LogFormat, type LogReadOptions, type LogReject } from '../logs/read.js';
import { LogEvent } from '../logs/event.js';
import { excerptOf } from '../ingest/input.js';
import { loadScenarios } from './scenario.js';
import { importSigmaFiles } from './sigma.js';
import { ScenarioEngine } from './engine.js';
import { Enricher, type EnricherOptions } from './enrich.js';
import { dailyKey } from './daily.js';

export interface PartitionJob {
  format: LogFormat;
  read: LogReadOptions;
  mtime: number;
  enrich: boolean;
  enricher: EnricherOptions;
  sigmaFiles: string[];
  only: string[] | null;
  maxRejects: number;
}

/** A batch: the raw bytes of the lines end to end, where each ends, their numbers and offsets (all transferred). */
export interface LineBatch {
  bytes: Uint8Array;
  ends: Uint32Array;
  lines: Float64Array;
  offsets: Float64Array;
}

async function main(job: PartitionJob): Promise<void> {
  let scenarios = [
    ...loadScenarios(),
    ...importSigmaFiles(job.sigmaFiles).flatMap((r) => (r.scenario ? [r.scenario] : [])),
  ];
  if (job.only?.length) scenarios = scenarios.filter((s) => job.only!.includes(s.name));
  const enricher = await Enricher.create(job.enrich ? job.enricher : { ...job.enricher, databases: false });
  const engine = new ScenarioEngine(scenarios, enricher);
  const parse = formatParser(job.format, job.read, job.mtime);
  const fileIndex = job.read.fileIndex ?? 0;
  const daily = new Map<string, number>();
  const rejects: LogReject[] = [];
  let lines = 0;
  let events = 0;
  let rejected = 0;
  let firstTime = NaN;
  let lastTime = NaN;
  const reject = (r: LogReject) => {
    rejected++;
    if (rejects.length < job.maxRejects) rejects.push(r);
  };
  parentPort!.on('message', (m: LineBatch | 'end') => {
    if (m === 'end') {
      parentPort!.postMessage({
        res: { lines, events, rejected, firstTime, lastTime },
        alerts: engine.alerts,
        daily: [...daily],
        rejects,
      });
      return;
    }
    const all = Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength);
    let from = 0;
    for (let i = 0; i < m.lines.length; i++) {
      const b = all.subarray(from, m.ends[i]);
      from = m.ends[i];
      // The same checks as InputFile.lines(): invalid UTF-8 is a reject, blank lines are skipped.
      if (!isUtf8(b)) {
        lines++;
        reject({ line: m.lines[i], offset: m.offsets[i], reason: 'invalid UTF-8', excerpt: excerptOf(b) });
        continue;
      }
      const text = b.toString('utf8');
      if (text.trim() === '') continue;
      lines++;
      const e = new LogEvent();
      const why = parse(text, e);
      if (why !== null) {
        reject({ line: m.lines[i], offset: m.offsets[i], reason: why, excerpt: excerptOf(text) });
        continue;
      }
      e.raw = text;
      e.line = m.lines[i];
      e.offset = m.offsets[i];
      e.file = fileIndex;
      events++;
      if (!Number.isNaN(e.time)) {
        if (!(firstTime <= e.time)) firstTime = e.time;
        if (!(lastTime >= e.time)) lastTime = e.time;
      }
      engine.push(e);
      const k = dailyKey(e, enricher);
      daily.set(k, (daily.get(k) ?? 0) + e.count);
    }
    parentPort!.postMessage('ack');
  });
  parentPort!.postMessage('ready');
}

main(workerData as PartitionJob).catch((e) => {
  parentPort!.postMessage({
    error: e instanceof Error ? e.message : String(e),
    code: (e as { code?: string }).code,
  });
});
