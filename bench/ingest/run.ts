/**
 * Ingest bench: posts per second from a file to a fresh DuckDB workspace, for a generic CSV
 * (1M rows) and for X API v1.1 tweet objects (200k JSON lines, ~4.5 KB each), with peak
 * memory, and next to it a plain DuckDB `CREATE TABLE AS SELECT * FROM read_csv(...)` of the
 * same CSV: the limit to approach.
 *
 *   npm run build && node dist/bench/ingest/run.js [--rows 1000000] [--tweets 200000]
 *     [--only csv|x-v1|duckdb] [--dir PATH] [--batch N] [--json]
 *
 * Inputs are generated once (seeded) under --dir (default: the OS temp folder) and reused.
 * Each measurement runs in its own child process, so that peak memory (maxRSS) is that of
 * the ingest alone. Rates are given on wall time and on CPU time (all threads of the child):
 * on a shared machine the wall rate drops while the CPU figures stay put.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { genericCsvLines, twitterV1Lines, writeLines } from './generate.js';

export interface Measure {
  case: string;
  file: string;
  bytes: number;
  records: number;
  posts: number;
  rejected: number;
  seconds: number;
  /** Time including closing the workspace (DuckDB's final checkpoint). */
  secondsWithClose: number;
  cpuSeconds: number;
  /** CPU of the JS main thread alone (Linux; null elsewhere). */
  mainThreadCpuSeconds: number | null;
  peakRssMB: number;
  postsPerSecond: number;
  postsPerCpuSecond: number;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** CPU seconds of the main thread, from /proc (the other threads are DuckDB's and libuv's). */
function mainThreadCpu(): number | null {
  try {
    const st = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return null;
  }
}

function fresh(db: string): void {
  for (const f of [db, `${db}.wal`]) rmSync(f, { force: true });
}

/** In the child: ingest `file` as `format` into a fresh workspace `db`; print one JSON line. */
async function child(kind: string, file: string, db: string): Promise<void> {
  fresh(db);
  // Modules are loaded before the clock starts (eld's language tables alone take ~0.5 s).
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const { DuckDBStore } = await import('../../src/store/duckdb/DuckDBStore.js');
  const { ingestFile } = await import('../../src/ingest/ingest.js');
  const cpu0 = process.cpuUsage();
  const main0 = mainThreadCpu();
  const t0 = performance.now();
  let m: Omit<
    Measure,
    'secondsWithClose' | 'cpuSeconds' | 'mainThreadCpuSeconds' | 'peakRssMB' | 'postsPerCpuSecond'
  >;
  if (kind === 'duckdb') {
    // The baseline talks to DuckDB directly: it is what vigie's store is measured against.
    const inst = await DuckDBInstance.create(db);
    const conn = await inst.connect();
    const r = await conn.runAndReadAll(
      `CREATE TABLE t AS SELECT * FROM read_csv('${file.replace(/'/g, "''")}')`,
    );
    const rows = Number(r.getRows()[0]?.[0] ?? 0);
    const s = (performance.now() - t0) / 1000;
    m = {
      case: 'duckdb read_csv',
      file,
      bytes: statSync(file).size,
      records: rows,
      posts: rows,
      rejected: 0,
      seconds: s,
      postsPerSecond: rows / s,
    };
    conn.closeSync();
    inst.closeSync();
  } else {
    const store = await DuckDBStore.open(db);
    const batch = arg('batch');
    const r = await ingestFile(store, file, {
      format: kind,
      ...(batch ? { batchRecords: Number(batch) } : {}),
    });
    const s = (performance.now() - t0) / 1000;
    if (r.status !== 'ingested') throw new Error(`ingest ${r.status}: ${r.error ?? ''}`);
    m = {
      case: `vigie ${kind}`,
      file,
      bytes: statSync(file).size,
      records: r.records,
      posts: r.accepted,
      rejected: r.rejected,
      seconds: s,
      postsPerSecond: r.accepted / s,
    };
    await store.close();
  }
  const withClose = (performance.now() - t0) / 1000;
  const cu = process.cpuUsage(cpu0);
  const cpu = (cu.user + cu.system) / 1e6;
  const main1 = mainThreadCpu();
  const out: Measure = {
    ...m,
    secondsWithClose: withClose,
    cpuSeconds: cpu,
    mainThreadCpuSeconds: main0 === null || main1 === null ? null : main1 - main0,
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    postsPerCpuSecond: m.posts / cpu,
  };
  fresh(db);
  process.stdout.write(JSON.stringify(out) + '\n');
}

async function ensure(path: string, make: () => Iterable<string>): Promise<void> {
  if (existsSync(path)) return;
  const tmp = `${path}.part`;
  const t = performance.now();
  const bytes = await writeLines(tmp, make());
  renameSync(tmp, path);
  console.log(
    `generated ${path} (${(bytes / 1e6).toFixed(0)} MB) in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );
}

function machine(): string {
  const model = cpus()[0]?.model ?? 'unknown CPU';
  const la = loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
  return `${cpus().length} cores (${model}), ${Math.round(totalmem() / 2 ** 30)} GB RAM, node ${process.version}, load average ${la}`;
}

function line(m: Measure): string {
  const f = (x: number, w = 9) => Math.round(x).toLocaleString('en').padStart(w);
  const main = m.mainThreadCpuSeconds === null ? '' : ` main ${m.mainThreadCpuSeconds.toFixed(1)} s`;
  return (
    `${m.case.padEnd(18)} ${f(m.posts)} posts ${m.seconds.toFixed(2).padStart(7)} s ${f(m.postsPerSecond)} posts/s` +
    ` | CPU ${m.cpuSeconds.toFixed(1)} s${main} ${f(m.postsPerCpuSecond)} posts/CPU-s` +
    ` | with close ${m.secondsWithClose.toFixed(2)} s | peak RSS ${m.peakRssMB} MB`
  );
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') {
    await child(process.argv[3], process.argv[4], process.argv[5]);
    return;
  }
  const rows = Number(arg('rows') ?? 1_000_000);
  const tweets = Number(arg('tweets') ?? 200_000);
  const only = arg('only');
  const dir = arg('dir') ?? join(tmpdir(), 'vigie-bench-ingest');
  mkdirSync(dir, { recursive: true });
  const csv = join(dir, `generic-${rows}.csv`);
  const v1 = join(dir, `x-v1-${tweets}.jsonl`);
  console.log(`ingest bench on ${machine()}`);
  const cases: [string, string][] = [];
  if (!only || only === 'csv' || only === 'duckdb') await ensure(csv, () => genericCsvLines(rows, 1));
  if (!only || only === 'csv') cases.push(['generic-csv', csv]);
  if (!only || only === 'duckdb') cases.push(['duckdb', csv]);
  if (!only || only === 'x-v1') {
    await ensure(v1, () => twitterV1Lines(tweets, 2));
    cases.push(['x-v1', v1]);
  }
  const results: Measure[] = [];
  const self = fileURLToPath(import.meta.url);
  for (const [kind, file] of cases) {
    const db = join(dir, `bench-${kind}.duckdb`);
    const r = spawnSync(
      process.execPath,
      [...process.execArgv, self, '--child', kind, file, db, ...process.argv.slice(2)],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
        maxBuffer: 1 << 20,
      },
    );
    const last = r.stdout.trim().split('\n').pop() ?? '';
    if (r.status !== 0 || !last.startsWith('{')) {
      console.error(`${kind}: failed (exit ${r.status})\n${r.stdout}`);
      process.exitCode = 1;
      continue;
    }
    const m = JSON.parse(last) as Measure;
    results.push(m);
    console.log(line(m));
  }
  console.log(
    `load average after: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  if (process.argv.includes('--json'))
    console.log(JSON.stringify({ machine: machine(), date: new Date().toISOString(), results }));
  // Leave the generated inputs for the next run; remove stray workspaces.
  for (const f of readdirSync(dir)) if (f.startsWith('bench-')) rmSync(join(dir, f), { force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
