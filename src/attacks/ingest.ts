/**
 * `vigie attacks ingest`: log files -> events -> scenarios -> alerts in the workspace.
 *
 * Files are read in the order given, through one scenario engine, so a bucket continues
 * from `access.log.1` into `access.log` (give rotated files oldest first). A file already
 * ingested (same SHA-256) is skipped; a file left half-read by a crash is discarded and read
 * again. Alerts and daily counts are written at the end in one transaction per table, and
 * alert ids are deterministic, so a re-run never duplicates.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Store } from '../store/store.js';
import type { AttackLine, DailyCount, StoredAlert } from '../store/attacks.js';
import { readLogFile, type LogReadOptions, type LogReadResult } from '../logs/read.js';
import { isVigieError } from '../util/errors.js';
import { Enricher, type EnricherOptions } from './enrich.js';
import { ScenarioEngine, type Alert } from './engine.js';
import { loadScenarios, type Scenario } from './scenario.js';
import { importSigmaFiles } from './sigma.js';
import { dailyKey } from './daily.js';
import { canPartition, readPartitioned } from './parallel.js';
import { detectLogFormat } from '../logs/read.js';

export interface AttackIngestOptions extends Omit<LogReadOptions, 'fileIndex'> {
  /** Extra scenarios (e.g. imported Sigma rules) to run with the built-in ones. */
  extraScenarios?: Scenario[];
  /** Sigma rule files to import and run (also in worker threads). */
  sigmaFiles?: string[];
  /**
   * Worker threads for access logs (default 1). With 2 or more, each access-log file is read
   * on its own, partitioned by client /24 (buckets do not continue across files); other
   * formats are always read in one stream.
   */
  threads?: number;
  /** Only these scenarios (by name). */
  only?: string[];
  /** Country/ASN enrichment (default on); and user lists. */
  enrich?: boolean;
  enricher?: EnricherOptions;
  onFile?: (r: AttackFileResult) => void;
}

export interface AttackFileResult {
  path: string;
  status: 'ingested' | 'already-ingested' | 'failed';
  format: string | null;
  sourceId: number | null;
  lines: number;
  events: number;
  rejected: number;
  error?: string;
}

export interface AttackIngestResult {
  files: AttackFileResult[];
  alerts: number;
  events: number;
  seconds: number;
  dataVersion: string;
  scenarios: number;
}

const MAX_STORED_REJECTS = 10_000;

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>)
    h.update(c);
  return h.digest('hex');
}

/** Deterministic alert id: scenario, group, first event position and time. */
export function alertId(a: Alert, sourceIds: number[]): string {
  const first = a.evidence[0];
  const src = first ? sourceIds[first.file] : 0;
  return createHash('sha256')
    .update(`${a.scenario}\u0000${a.key}\u0000${src}:${first?.line ?? 0}\u0000${a.firstTime}`)
    .digest('hex')
    .slice(0, 24);
}

/** Convert engine alerts to stored alerts (file indexes to source ids, line hashes). */
export function toStored(alerts: Alert[], sourceIds: number[]): StoredAlert[] {
  return alerts.map((a) => {
    const evidence: AttackLine[] = a.evidence.map((e) => ({
      sourceId: sourceIds[e.file],
      line: e.line,
      offset: e.offset,
      time: e.time,
      raw: e.raw,
      sha256: createHash('sha256').update(e.raw).digest('hex'),
    }));
    const { evidence: _ev, ...rest } = a;
    return {
      ...rest,
      alertId: alertId(a, sourceIds),
      sourceIds: [...new Set(evidence.map((e) => e.sourceId))].sort((x, y) => x - y),
      evidence,
    };
  });
}

function splitKey(k: string): { day: string; family: string; kind: string; country: string } {
  const [day, family, kind, country] = k.split('\u0000');
  return { day, family, kind, country };
}

/** Ingest log files into the workspace and run every scenario over them. */
export async function ingestLogs(
  store: Store,
  paths: string[],
  o: AttackIngestOptions = {},
): Promise<AttackIngestResult> {
  const t0 = performance.now();
  const sigma = importSigmaFiles(o.sigmaFiles ?? []).flatMap((r) => (r.scenario ? [r.scenario] : []));
  let scenarios = [...loadScenarios(), ...(o.extraScenarios ?? []), ...sigma];
  if (o.only?.length) scenarios = scenarios.filter((s) => o.only!.includes(s.name));
  const enricher =
    o.enrich === false
      ? await Enricher.create({ ...o.enricher, databases: false })
      : await Enricher.create(o.enricher);
  const engine = new ScenarioEngine(scenarios, enricher);
  const attacks = store.attacks();
  const files: AttackFileResult[] = [];
  const sourceIds: number[] = [];
  const started: number[] = [];
  const daily = new Map<string, DailyCount>();
  const partitionedAlerts: Alert[] = [];
  let totalEvents = 0;
  for (const path of paths) {
    const fileIndex = sourceIds.length;
    const r: AttackFileResult = {
      path,
      status: 'failed',
      format: null,
      sourceId: null,
      lines: 0,
      events: 0,
      rejected: 0,
    };
    files.push(r);
    let sourceId: number | null = null;
    try {
      const sha = await sha256File(path);
      const prev = await store.sourceByHash(sha);
      if (prev && prev.status === 'done') {
        r.status = 'already-ingested';
        r.sourceId = prev.sourceId;
        r.format = prev.format;
        o.onFile?.(r);
        continue;
      }
      if (prev) {
        await attacks.discardSource(prev.sourceId);
        await store.discardSource(prev.sourceId);
      }
      const { size } = await stat(path);
      const rejects: { recordNo: number; line: number; offset: number; reason: string; excerpt: string }[] =
        [];
      let rejected = 0;
      const src = await store.beginSource({
        path,
        size,
        sha256: sha,
        format: 'log',
        compression: null,
        options: {},
      });
      sourceId = src.sourceId;
      sourceIds.push(sourceId);
      started.push(sourceId);
      const threads = o.threads ?? 1;
      const format = threads > 1 ? await detectLogFormat(path, o) : null;
      let res: LogReadResult;
      if (
        threads > 1 &&
        (format === 'access' || format === 'access-custom') &&
        canPartition(scenarios) &&
        !o.extraScenarios?.length
      ) {
        const p = await readPartitioned(
          path,
          {
            read: { ...o, format, fileIndex },
            enrich: o.enrich !== false,
            enricher: o.enricher ?? {},
            sigmaFiles: o.sigmaFiles ?? [],
            only: o.only ?? null,
            maxRejects: MAX_STORED_REJECTS,
          },
          threads,
        );
        res = p.res;
        partitionedAlerts.push(...p.alerts);
        for (const [k, n] of p.daily) daily.set(k, { ...splitKey(k), sourceId, events: n });
        for (const x of p.rejects)
          rejects.push({
            recordNo: x.line - 1,
            line: x.line,
            offset: x.offset,
            reason: x.reason,
            excerpt: x.excerpt,
          });
        rejected = res.rejected;
      } else {
        res = await readLogFile(
          path,
          {
            event: (e) => {
              engine.push(e);
              const k = dailyKey(e, enricher);
              const d = daily.get(k);
              if (d) d.events += e.count;
              else daily.set(k, { ...splitKey(k), sourceId: sourceId!, events: e.count });
            },
            reject: (x) => {
              rejected++;
              if (rejects.length < MAX_STORED_REJECTS)
                rejects.push({
                  recordNo: x.line - 1,
                  line: x.line,
                  offset: x.offset,
                  reason: x.reason,
                  excerpt: x.excerpt,
                });
            },
          },
          { ...o, fileIndex },
        );
      }
      // The daily map is keyed without the source: flush per file so rows carry the right id.
      await attacks.saveDaily([...daily.values()]);
      daily.clear();
      if (rejects.length)
        await store.writeBatch({
          sourceId,
          postRecordNos: [],
          posts: [],
          accounts: [],
          rejects,
          recordsDone: res.lines,
        });
      await attacks.setSourceCounts(sourceId, res.events, rejected, `log:${res.format}`);
      r.format = res.format;
      r.lines = res.lines;
      r.events = res.events;
      totalEvents += res.events;
      r.rejected = rejected;
      r.sourceId = sourceId;
      r.status = 'ingested';
    } catch (e) {
      r.error = e instanceof Error ? e.message : String(e);
      if (!isVigieError(e) && !(e as NodeJS.ErrnoException)?.code) throw e;
      if (sourceId !== null) {
        await attacks.discardSource(sourceId);
        await store.discardSource(sourceId);
        started.splice(started.indexOf(sourceId), 1);
        // Keep the file index stable for the engine: this file's events (if any) point nowhere.
      }
      if (sourceIds.length === fileIndex) sourceIds.push(-1);
    }
    o.onFile?.(r);
  }
  const stored = toStored(
    [...engine.alerts, ...partitionedAlerts].filter((a) => a.evidence.every((e) => sourceIds[e.file] >= 0)),
    sourceIds,
  );
  await attacks.saveAlerts(stored);
  for (const id of started) await store.finishSource(id, 'done');
  return {
    files,
    alerts: stored.length,
    events: totalEvents,
    seconds: (performance.now() - t0) / 1000,
    dataVersion: enricher.dataVersion,
    scenarios: scenarios.length,
  };
}
