/**
 * Read a workspace file once before a timed run, so that the run's first call starts from a
 * cold engine (nothing in DuckDB's buffer pool) but not from whatever the OS happened to keep
 * cached: on the bench machine the host reclaims memory between runs (a `kdamond` thread).
 * The read's time is printed, so the disk's share stays visible; `--cold-disk` skips it.
 * Measured on 2026-11-23 with the page cache dropped (`echo 1 > /proc/sys/vm/drop_caches`),
 * the 1M co-repost first call took 1.08-1.20 s, within the spread of warm runs: on this
 * machine the disk is not what makes a slow first call (docs/benchmarks.md, sixth round).
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';

export interface WarmRead {
  bytes: number;
  seconds: number;
}

/** Read `path` (and its `.wal`, if any) sequentially and throw the bytes away. */
export function readIntoPageCache(path: string): WarmRead {
  const t = performance.now();
  let bytes = 0;
  const buf = Buffer.allocUnsafe(8 << 20);
  for (const p of [path, path + '.wal']) {
    if (!existsSync(p) || !statSync(p).isFile()) continue;
    const fd = openSync(p, 'r');
    try {
      for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0;) bytes += n;
    } finally {
      closeSync(fd);
    }
  }
  return { bytes, seconds: (performance.now() - t) / 1000 };
}

/** One line for the bench output. */
export function describeWarmRead(w: WarmRead): string {
  const mb = w.bytes / 1e6;
  return `workspace file read once before timing (${mb.toFixed(0)} MB in ${w.seconds.toFixed(2)} s, ${(mb / Math.max(w.seconds, 1e-6)).toFixed(0)} MB/s): first calls start from a cold engine, not a cold disk`;
}
