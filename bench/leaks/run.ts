/**
 * Leaks benchmark: DKIM verification throughput on typical ~20 KB messages with an attachment,
 * side by side with dkimpy (Debian's python3-dkim) on the same messages and key.
 *
 *   npx tsx bench/leaks/run.ts [--messages 3000] [--workers 2] [--no-dkimpy]
 *
 * Measures: (1) vigie's verifier alone, in memory, one thread; (2) the same over N worker
 * threads (the machine has 2 cores); (3) the whole `leaks ingest` path on an mbox (split,
 * verify, MIME walk, hash attachments, write DuckDB); (4) dkimpy's dkim.verify() on the
 * same .eml files, one process.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { verifyMessage } from '../../src/leaks/dkim.js';
import { KeyRing, keyFromTxt } from '../../src/leaks/keys.js';
import { buildMessage, makeTestKey, signWith } from '../../src/leaks/fixtures.js';
import { DuckDBStore } from '../../src/store/duckdb/DuckDBStore.js';
import { DUMP_DEFAULTS, ingestDump } from '../../src/leaks/ingest.js';
import { loadavg } from 'node:os';
import { mulberry32 as rng } from '../../src/util/rng.js';

function cpuSeconds(since: NodeJS.CpuUsage): number {
  const c = process.cpuUsage(since);
  return (c.user + c.system) / 1e6;
}

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

const WORDS =
  'campagne réunion budget meeting vote sondage équipe presse discours région mairie dossier rapport agenda'.split(
    ' ',
  );

async function verifyAll(messages: Buffer[], txt: string): Promise<number> {
  const ring = new KeyRing([keyFromTxt('bench.example', 'b2017', txt, { source: 'bench' })!]);
  let ok = 0;
  for (const m of messages) if ((await verifyMessage(m, { ring })).verdict === 'authentic') ok++;
  return ok;
}

if (!isMainThread) {
  const { files, txt } = workerData as { files: string[]; txt: string };
  const msgs = files.map((f) => readFileSync(f));
  await verifyAll(msgs.slice(0, 200), txt);
  parentPort!.once('message', async () => {
    const t = performance.now();
    const ok = await verifyAll(msgs, txt);
    parentPort!.postMessage({ ok, ms: performance.now() - t });
  });
  parentPort!.postMessage('ready');
} else {
  const N = arg('messages', 3000);
  const WORKERS = arg('workers', 2);
  const dir = mkdtempSync(join(tmpdir(), 'vigie-bench-leaks-'));
  try {
    const key = makeTestKey('bench.example', 'b2017');
    const r = rng(2017);
    const messages: Buffer[] = [];
    for (let i = 0; i < N; i++) {
      const body = Array.from({ length: 300 }, () => WORDS[Math.floor(r() * WORDS.length)])
        .join(' ')
        .replace(/(.{70}) /g, '$1\n');
      const att = Buffer.alloc(12_000);
      for (let j = 0; j < att.length; j++) att[j] = Math.floor(r() * 256);
      const m = buildMessage({
        from: `Staff ${i % 50} <staff${i % 50}@bench.example>`,
        to: 'team@bench.example',
        subject: `Note ${i}`,
        date: new Date(Date.UTC(2017, 3, 1) + i * 60_000).toUTCString(),
        body,
        attachments: [{ filename: `note-${i}.pdf`, contentType: 'application/pdf', content: att }],
      });
      messages.push(await signWith(m, key));
    }
    const avg = messages.reduce((a, m) => a + m.length, 0) / N;
    const files = messages.map((m, i) => {
      const f = join(dir, `${i}.eml`);
      writeFileSync(f, m);
      return f;
    });
    writeFileSync(
      join(dir, 'keys.json'),
      JSON.stringify({ 'b2017._domainkey.bench.example': { TXT: [[key.txt]] } }),
    );

    // (1) one thread, in memory. A warm-up pass first so JIT is not measured.
    await verifyAll(messages.slice(0, 200), key.txt);
    let t = performance.now();
    let c0 = process.cpuUsage();
    const ok = await verifyAll(messages, key.txt);
    const single = N / ((performance.now() - t) / 1000);
    const singleCpu = N / cpuSeconds(c0);
    if (ok !== N) throw new Error(`only ${ok} of ${N} verified`);

    // (2) worker threads, each verifying its share.
    const shares = Array.from({ length: WORKERS }, (_, w) => files.filter((_f, i) => i % WORKERS === w));
    const self = fileURLToPath(import.meta.url);
    const workers = shares.map(
      (s) => new Worker(self, { workerData: { files: s, txt: key.txt }, execArgv: process.execArgv }),
    );
    await Promise.all(workers.map((w) => new Promise((res) => w.once('message', res))));
    t = performance.now();
    const results = await Promise.all(
      workers.map((w) => {
        const p = new Promise<{ ok: number }>((res) => w.once('message', res));
        w.postMessage('go');
        return p;
      }),
    );
    const parallel = N / ((performance.now() - t) / 1000);
    await Promise.all(workers.map((w) => w.terminate()));
    if (results.reduce((a, x) => a + x.ok, 0) !== N) throw new Error('workers did not verify every message');

    // (3) the whole ingest path on an mbox.
    const mbox = messages
      .map(
        (m) =>
          `From staff@bench.example Sat Apr  1 00:00:00 2017\n${m.toString('latin1').replace(/\r\n/g, '\n')}\n`,
      )
      .join('');
    writeFileSync(join(dir, 'all.mbox'), mbox, 'latin1');
    const store = await DuckDBStore.open(join(dir, 'bench.duckdb'));
    await store.leaks().upsertKeys([key.record]);
    t = performance.now();
    c0 = process.cpuUsage();
    const ing = await ingestDump(store.leaks(), [join(dir, 'all.mbox')], { dumpId: 'bench', label: 'bench' });
    const ingest = N / ((performance.now() - t) / 1000);
    const ingestCpu = N / cpuSeconds(c0);
    await store.close();
    if (ing.stats.authentic !== N) throw new Error(`ingest: ${ing.stats.authentic} authentic of ${N}`);

    // (4) dkimpy on the same files.
    let dkimpy: number | null = null;
    let dkimpyCpu: number | null = null;
    if (!process.argv.includes('--no-dkimpy')) {
      const py = `
import dkim, json, sys, time
keys = json.load(open(sys.argv[1]))
def dns(name, timeout=5):
    n = name.decode() if isinstance(name, bytes) else name
    return ''.join(keys.get(n.rstrip('.'), {}).get('TXT', [['']])[0]).encode()
files = sys.argv[2:]
msgs = [open(f, 'rb').read() for f in files]
for m in msgs[:100]: dkim.verify(m, dnsfunc=dns)
t = time.perf_counter(); c = time.process_time(); ok = sum(1 for m in msgs if dkim.verify(m, dnsfunc=dns))
dt = time.perf_counter() - t; dc = time.process_time() - c
print(json.dumps({"ok": ok, "rate": len(msgs) / dt, "cpuRate": len(msgs) / dc}))
`;
      writeFileSync(join(dir, 'dkimpy_bench.py'), py);
      const pr = spawnSync(
        '/usr/bin/python3',
        [join(dir, 'dkimpy_bench.py'), join(dir, 'keys.json'), ...files],
        { encoding: 'utf8', maxBuffer: 1 << 24 },
      );
      if (pr.status === 0) {
        const out = JSON.parse(pr.stdout.trim().split('\n').pop()!);
        if (out.ok !== N) throw new Error(`dkimpy verified ${out.ok} of ${N}`);
        dkimpy = out.rate;
        dkimpyCpu = out.cpuRate;
      } else
        console.error(
          `dkimpy not run: ${(pr.stderr || pr.error?.message || '').trim().split('\n').pop()} (apt-get install -y python3-dkim)`,
        );
    }
    // Wall-clock rates depend on what else the machine runs; messages per CPU-second do much less,
    // so both are reported and the comparison with dkimpy is made on both.
    const r0 = (x: number | null) => (x === null ? null : Math.round(x));
    const res = {
      messages: N,
      avgBytes: Math.round(avg),
      loadAverage: loadavg()[0],
      verifySingleThread: { wall: r0(single), perCpuSecond: r0(singleCpu) },
      verifyWorkers: { workers: WORKERS, wall: r0(parallel) },
      ingestMbox: { wall: r0(ingest), perCpuSecond: r0(ingestCpu), workers: DUMP_DEFAULTS.workers },
      dkimpySingleProcess: { wall: r0(dkimpy), perCpuSecond: r0(dkimpyCpu) },
      ratioPerCpuSecond: dkimpyCpu === null ? null : Number((singleCpu / dkimpyCpu).toFixed(2)),
      ratioWorkersWallToDkimpyWall: dkimpy === null ? null : Number((parallel / dkimpy).toFixed(2)),
    };
    console.log(JSON.stringify(res, null, 2));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
