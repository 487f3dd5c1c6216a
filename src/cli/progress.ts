/**
 * Progress for long work: a bar on a terminal (bytes, records/s, ETA), JSON lines with
 * `--progress json`, nothing otherwise (logs and CI stay clean).
 */
import cliProgress from 'cli-progress';
import type { IngestProgress } from '../ingest/ingest.js';

export type ProgressMode = 'auto' | 'bar' | 'json' | 'none';

export interface ProgressSink {
  update(p: IngestProgress): void;
  stop(): void;
}

function mb(n: number): string {
  return (n / 1024 / 1024).toFixed(1);
}

export function progressSink(mode: ProgressMode, stream: NodeJS.WriteStream = process.stderr): ProgressSink {
  const effective = mode === 'auto' ? (stream.isTTY ? 'bar' : 'none') : mode;
  if (effective === 'none') return { update() {}, stop() {} };
  if (effective === 'json') {
    let last = 0;
    return {
      update(p) {
        const now = Date.now();
        if (now - last < 1000 && p.phase === 'reading') return;
        last = now;
        stream.write(JSON.stringify({ event: 'progress', ...p }) + '\n');
      },
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format:
        ' {phase} {file} |{bar}| {percentage}% {done}/{total} MB | {records} rec | {rate} rec/s | ETA {eta_formatted}',
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let t0 = Date.now();
  let currentPath = '';
  return {
    update(p) {
      if (!started || p.path !== currentPath) {
        if (started) bar.stop();
        bar.start(Math.max(1, p.totalBytes), 0, {});
        started = true;
        currentPath = p.path;
        t0 = Date.now();
      }
      const secs = Math.max(0.001, (Date.now() - t0) / 1000);
      bar.update(Math.min(p.bytes, p.totalBytes), {
        phase: p.phase.padEnd(9),
        file: p.path.split('/').pop()?.slice(0, 30) ?? '',
        done: mb(p.bytes),
        total: mb(p.totalBytes),
        records: p.records,
        rate: Math.round(p.records / secs),
      });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
