/**
 * Attack-log benchmark: lines/s through parsing alone, and through parsing and every
 * scenario, on a synthetic access log (the demo generator's traffic mix: browsers, assets,
 * scanners, CVE probes, login floods) and on a synthetic sshd auth log; peak memory.
 *
 *   npm run build && node dist/bench/attacks/run.js [lines=1000000]
 *
 * Prints one JSON line per measurement; docs/benchmarks.md ("Attacks") records the results.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { readLogFile } from '../../src/logs/read.js';
import { loadScenarios } from '../../src/attacks/scenario.js';
import { ScenarioEngine } from '../../src/attacks/engine.js';
import { Enricher } from '../../src/attacks/enrich.js';
import { writeAttackDemo } from '../../src/attacks/demo.js';
import { readPartitioned } from '../../src/attacks/parallel.js';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const lines = Number(process.argv[2] ?? 1_000_000);
const dir = process.argv[3] === '--generate' ? '' : mkdtempSync(join(tmpdir(), 'vigie-bench-attacks-'));

async function measure(name: string, path: string, withScenarios: boolean, enricher: Enricher | null) {
  const engine = withScenarios ? new ScenarioEngine(loadScenarios(), enricher) : null;
  let n = 0;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const res = await readLogFile(path, {
    event: engine ? (e) => (n++, engine.push(e)) : () => n++,
    reject: () => undefined,
  });
  const s = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  // CPU seconds of this process: the rate an idle machine would see when others share the cores.
  const cpu = (c.user + c.system) / 1e6;
  const out = {
    bench: name,
    lines: res.lines,
    rejected: res.rejected,
    seconds: Number(s.toFixed(2)),
    linesPerSecond: Math.round(res.lines / s),
    linesPerCpuSecond: Math.round(res.lines / cpu),
    loadAverage: Number(loadavg()[0].toFixed(1)),
    mbPerSecond: Number((statSync(path).size / 1e6 / s).toFixed(1)),
    alerts: engine?.alerts.length ?? 0,
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  console.log(JSON.stringify(out));
  return out;
}

// The demo's traffic mix scaled to the requested size (about 20k lines a day), written by a
// child process so that the generator's memory does not count in this one's peak.
if (process.argv[3] === '--generate') {
  const days = Math.max(1, Math.round(lines / 20_500));
  const d = await writeAttackDemo(process.argv[4], { seed: 1, days, webPerDay: 20_000 });
  console.error(`generated ${d.lines} lines over ${days} days`);
  process.exit(0);
}
const gen = spawnSync(
  process.execPath,
  [...process.execArgv, fileURLToPath(import.meta.url), String(lines), '--generate', join(dir, 'demo')],
  {
    stdio: ['ignore', 'inherit', 'inherit'],
  },
);
if (gen.status !== 0) throw new Error('generation failed');
const demo = { access: join(dir, 'demo', 'access.log'), auth: join(dir, 'demo', 'auth.log') };
await measure('access: parse only', demo.access, false, null);
await measure('access: parse + all scenarios', demo.access, true, null);
const enricher = await Enricher.create({ ipv6: false });
await measure('access: parse + all scenarios + ASN/country database', demo.access, true, enricher);
await measure('auth (sshd syslog): parse + all scenarios + database', demo.auth, true, enricher);

// Two worker threads, each parsing and running the scenarios for half of the client /24s,
// fed by this thread, which frames the lines once.
// process.cpuUsage() counts every thread of the process; with three busy threads on two
// cores, total CPU over 2 is the wall time two idle cores would need.
{
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const p = await readPartitioned(
    demo.access,
    {
      read: { format: 'access', fileIndex: 0 },
      enrich: false,
      enricher: {},
      sigmaFiles: [],
      only: null,
      maxRejects: 100,
    },
    2,
  );
  const s = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const cpu = (c.user + c.system) / 1e6;
  console.log(
    JSON.stringify({
      bench: 'access: parse + all scenarios, 2 worker threads',
      lines: p.res.lines,
      seconds: Number(s.toFixed(2)),
      linesPerSecond: Math.round(p.res.lines / s),
      cpuSeconds: Number(cpu.toFixed(2)),
      linesPerSecondIfIdle: Math.round(p.res.lines / (cpu / 2)),
      loadAverage: Number(loadavg()[0].toFixed(1)),
      alerts: p.alerts.length,
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    }),
  );
}
rmSync(dir, { recursive: true, force: true });
