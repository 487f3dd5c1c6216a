/**
 * End to end on a real workspace in a temp folder: logs -> alerts -> incidents -> findings
 * with evidence, idempotent re-runs, recovery after a crash, and the CLI outputs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../store/index.js';
import { runDetectors } from '../detectors/run.js';
import { ingestLogs } from './ingest.js';
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const dir = mkdtempSync(join(tmpdir(), 'vigie-attacks-'));
const t0 = Date.UTC(2024, 2, 1, 9, 0, 0);
const clf = (ms: number) => {
  const d = new Date(ms);
  const mon = ['Jan', 'Feb', 'Mar'][d.getUTCMonth()];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${mon}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
};
const sys = (ms: number, msg: string) => {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `Mar ${String(d.getUTCDate()).padStart(2)} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} mx1 ${msg}`;
};

const web = [
  ...Array.from(
    { length: 3 },
    (_, i) =>
      `198.51.100.7 - - [${clf(t0 + i * 1000)}] "GET ${['/.env', '/.git/config', '/backup.sql'][i]} HTTP/1.1" 404 0 "-" "Mozilla/5.0"`,
  ),
  `198.51.100.8 - - [${clf(t0 + 5000)}] "POST /vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php HTTP/1.1" 404 0 "-" "Go-http-client/1.1"`,
  `192.0.2.20 - - [${clf(t0 + 6000)}] "GET / HTTP/1.1" 200 512 "-" "Mozilla/5.0"`,
].join('\n');
const staff = [
  'j.dupont',
  'm.martin',
  'press',
  'a.bernard',
  'c.petit',
  'l.moreau',
  's.laurent',
  'n.simon',
  'p.michel',
  'r.lefebvre',
  'e.leroy',
  'v.roux',
];
const mail = [
  ...staff.map((u, i) =>
    sys(
      t0 + i * 240_000,
      `dovecot: imap-login: Disconnected (auth failed, 1 attempts in 2 secs): user=<${u}@campaign.example>, method=PLAIN, rip=203.0.113.50, lip=192.0.2.1, TLS`,
    ),
  ),
  sys(
    t0 + 13 * 240_000,
    `dovecot: imap-login: Login: user=<j.dupont@campaign.example>, method=PLAIN, rip=203.0.113.50, lip=192.0.2.1, mpid=1, TLS`,
  ),
].join('\n');

const webPath = join(dir, 'access.log');
const mailPath = join(dir, 'mail.log');
writeFileSync(webPath, web + '\n');
writeFileSync(mailPath, mail + '\n');
const staffPath = join(dir, 'staff.txt');
writeFileSync(staffPath, staff.slice(0, 3).join('\n') + '\n');

test('ingest, triage and findings with evidence; re-runs add nothing; a crashed source is redone', async () => {
  const db = join(dir, 'ws.duckdb');
  const store = await openStore(db);
  try {
    const r1 = await ingestLogs(store, [webPath, mailPath], { enrich: false, year: 2024 });
    assert.deepEqual(
      r1.files.map((f) => f.status),
      ['ingested', 'ingested'],
    );
    assert.deepEqual(
      r1.files.map((f) => f.format),
      ['access', 'syslog'],
    );
    const alerts = await store.attacks().listAlerts();
    const scen = alerts.map((a) => a.scenario).sort();
    assert.ok(scen.includes('http-sensitive-files'));
    assert.ok(scen.includes('http-cve-probe'));
    assert.ok(scen.includes('password-spraying'));
    assert.ok(scen.includes('success-after-failures'));
    const sf = alerts.find((a) => a.scenario === 'success-after-failures')!;
    assert.equal(sf.evidence.length, 13);
    assert.match(sf.evidence[12].raw, /Login: user=<j\.dupont/);
    assert.equal(sf.evidence[0].sha256.length, 64);

    const { runs } = await runDetectors(store, {
      only: ['attack-triage'],
      options: { 'attack-triage': { staffFile: staffPath } },
    });
    assert.equal(runs[0].result.stats.targeted, 1);
    const findings = await store.listFindings({ channel: 'infrastructure' });
    const top = findings.find(
      (f) => f.kind === 'attack-incident' && (f.details as { class: string }).class === 'targeted',
    )!;
    assert.equal(top.severity, 'critical');
    assert.ok(top.techniques.includes('T1078'));
    assert.ok(top.caveats.some((c) => c.includes('where traffic comes from, not who sent it')));
    const line = top.evidence.find((e) => e.table === 'attack_lines')!;
    assert.match(line.key, /^\d+:\d+$/);
    assert.equal(line.contentHash?.length, 64);
    const commodity = findings.find(
      (f) =>
        f.kind === 'attack-incident' &&
        (f.details as { scenarios: string[] }).scenarios.includes('http-cve-probe'),
    )!;
    assert.equal((commodity.details as { class: string }).class, 'commodity');

    // Same files again: nothing new.
    const r2 = await ingestLogs(store, [webPath, mailPath], { enrich: false, year: 2024 });
    assert.deepEqual(
      r2.files.map((f) => f.status),
      ['already-ingested', 'already-ingested'],
    );
    assert.equal((await store.attacks().listAlerts()).length, alerts.length);

    // A source left "running" by a crash is discarded and read again, without duplicates.
    const [src] = (await store.listSources()).filter((s) => s.path === webPath);
    await store.attacks().discardSource(src.sourceId);
    await store.discardSource(src.sourceId);
    const crashed = await store.beginSource({
      path: webPath,
      size: 1,
      sha256: src.sha256,
      format: 'log',
      compression: null,
    });
    assert.equal(crashed.status, 'running');
    const r3 = await ingestLogs(store, [webPath], { enrich: false, year: 2024 });
    assert.equal(r3.files[0].status, 'ingested');
    const after = await store.attacks().listAlerts();
    assert.equal(after.filter((a) => a.scenario === 'http-cve-probe').length, 1);
    assert.equal((await store.listSources()).filter((s) => s.path === webPath).length, 1);
  } finally {
    await store.close();
  }
});

// The CLI runs in a child process: capturing this process's stdout would swallow the test
// runner's own reports.
const entry = join(dir, 'vigie-entry.mjs');
writeFileSync(
  entry,
  `import { run } from ${JSON.stringify(pathToFileURL(fileURLToPath(new URL('../cli/main.js', import.meta.url))).href)};\n` +
    'process.exitCode = await run(process.argv);\n',
);

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = spawnSync(process.execPath, [...process.execArgv, entry, ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

test('CLI: ingest, digest (table, JSON, CSV), indicators CSV, lookalikes', async () => {
  const db = join(dir, 'cli.duckdb');
  const ing = await cli([
    '--db',
    db,
    'attacks',
    'ingest',
    webPath,
    mailPath,
    '--no-enrich',
    '--year',
    '2024',
    '--staff',
    staffPath,
  ]);
  assert.equal(ing.code, 0, ing.out + ing.err);
  assert.match(ing.out, /incidents, 1 look targeted/);
  assert.match(ing.out, /enrichment data: /);
  assert.match(ing.out, /not who sent it/);
  const json = JSON.parse((await cli(['--db', db, 'attacks', 'digest', '--json', '--staff', staffPath])).out);
  assert.equal(json.days[0].top[0].class, 'targeted');
  assert.ok(json.dataVersion);
  const csv = (await cli(['--db', db, 'attacks', 'digest', '--csv'])).out.split('\n');
  assert.ok(csv[0].startsWith('day,day_events,day_alerts,day_incidents,rank,incident,class'));
  const ind = (await cli(['--db', db, 'attacks', 'indicators', '--csv'])).out.trim().split('\n');
  assert.ok(ind[0].startsWith('type,value,incident,class'));
  assert.ok(ind.some((l) => l.startsWith('ipv4,203.0.113.50,')));
  const obs = join(dir, 'observed.txt');
  writeFileSync(obs, 'mail-en-marche.fr\nexample.org\nen-marche.com\n');
  const look = await cli(['lookalikes', '--brand', 'en-marche.fr', '--observed', obs, '--csv']);
  const rows = look.out.trim().split('\n');
  assert.equal(rows.length, 3);
  assert.ok(rows.slice(1).every((r) => r.startsWith('high,')));
});
