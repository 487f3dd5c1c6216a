/**
 * Golden tests of the briefing's structure and numbers (not pixels), on a real workspace built
 * with the demo generators; reproducibility of findings and of the report; hostile content
 * escaped. The browser test is in browser.test.ts.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { openStore } from '../store/index.js';
import type { Store } from '../store/store.js';
import { runDetectors } from '../detectors/run.js';
import { SEVERITIES } from '../findings/finding.js';
import { VERDICTS } from '../leaks/types.js';
import { buildReportData } from './data.js';
import { renderReport } from './render.js';
import { buildManifest, canonicalFindings, findingsDigest } from './manifest.js';
import { en, fr, LANGS, DICTIONARIES } from './i18n.js';
import { esc, neutralise } from './html.js';
import { writeReport } from './index.js';
import { buildTestWorkspace, detectorOptions, HOSTILE, type TestWorkspace } from './test-workspace.js';
import { buildProgram } from '../cli/main.js';

const FIXED = '2026-11-22T00:00:00.000Z';
let dir: string;
let w: TestWorkspace;
let store: Store;
let page: string;
let rawPage: string;

/**
 * The page with whitespace runs collapsed and none before `>`: the renderer's templates are
 * formatted by prettier, which may break tags over lines; tests look at structure, not layout.
 */
function norm(h: string): string {
  return h.replace(/\s+/g, ' ').replace(/ >/g, '>').replace(/> </g, '><');
}

/** Every `data-metric` element: name, attributes, raw value. */
function metrics(h: string): { name: string; attrs: Record<string, string>; value: number }[] {
  const out = [];
  for (const m of h.matchAll(/<(?:span|td)\b([^>]*\bdata-metric="[^"]*"[^>]*)>/g)) {
    const attrs: Record<string, string> = {};
    for (const a of m[1].matchAll(/([\w-]+)="([^"]*)"/g)) attrs[a[1]] = a[2];
    out.push({ name: attrs['data-metric'], attrs, value: Number(attrs['data-value']) });
  }
  return out;
}
function metric(h: string, name: string, where: Record<string, string> = {}): number {
  const ms = metrics(h).filter(
    (m) => m.name === name && Object.entries(where).every(([k, v]) => m.attrs[`data-${k}`] === v),
  );
  assert.equal(ms.length, 1, `exactly one metric ${name} ${JSON.stringify(where)} (found ${ms.length})`);
  return ms[0].value;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigie-report-'));
  w = await buildTestWorkspace(join(dir, 'a'));
  store = await openStore(w.db);
  rawPage = renderReport(await buildReportData(store, { generatedAt: FIXED }), 'en');
  page = norm(rawPage);
});

after(async () => {
  await store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('dictionaries: every key in both languages, non-empty, same placeholders', () => {
  assert.deepEqual(Object.keys(fr).sort(), Object.keys(en).sort());
  for (const lang of LANGS)
    for (const [k, v] of Object.entries(DICTIONARIES[lang]))
      assert.ok(v.trim().length > 0, `${lang}.${k} empty`);
  for (const k of Object.keys(en) as (keyof typeof en)[]) {
    const ph = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    assert.deepEqual(ph(fr[k]), ph(en[k]), `placeholders of ${k}`);
  }
});

test('the page is well-formed, has a strict CSP, and no script, link, iframe or external reference', () => {
  const body = page.replace(/^<!DOCTYPE html>\s*/, '');
  // XHTML-style check: every tag closed and nested; void elements written as such.
  const xml = body.replace(/<(meta|br|link|img|input)\b([^>]*?)\/?>/g, '<$1$2/>');
  const parsed = new XMLParser({ ignoreAttributes: false }).parse(xml, true);
  assert.ok(parsed.html);
  assert.match(
    page,
    /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:;/,
  );
  assert.doesNotMatch(page, /<script\b/i);
  assert.doesNotMatch(page, /<(iframe|object|embed|link|form|base)\b/i);
  for (const tag of page.matchAll(/<[a-zA-Z][^>]*>/g))
    // Quoted values are escaped data (checked below); the attribute names are what must not load or run.
    assert.doesNotMatch(
      tag[0].replace(/"[^"]*"/g, '""'),
      /\s(src|srcset|action|on\w+)=/i,
      `no loading or handler attribute: ${tag[0]}`,
    );
  for (const m of page.matchAll(/\shref="([^"]*)"/g))
    assert.match(m[1], /^#[\w-]+$/, `only in-page links: ${m[1]}`);
  assert.doesNotMatch(page, /url\(/i);
});

test('sections: summary, one per channel (a detector the report does not know too), method, versions, inputs', async () => {
  const sections = [...page.matchAll(/<section id="([^"]+)" data-section="([^"]+)"/g)].map((m) => m[1]);
  // Cross-channel links appear only when the workspace has some: the section follows the data.
  const crossChannel = (await store.listFindings({ channel: 'cross-channel' })).length > 0;
  assert.deepEqual(sections, [
    'summary',
    'ch-coordination',
    'ch-narratives',
    'ch-leaks',
    'ch-infrastructure',
    ...(crossChannel ? ['ch-cross-channel'] : []),
    'method',
    'versions',
    'inputs',
  ]);
  for (const id of [
    'chart-volume',
    'chart-network',
    'chart-verdicts-0',
    'chart-attacks-day',
    'chart-attacks-country',
    'chart-attacks-scenario',
  ])
    assert.match(page, new RegExp(`<svg id="${id}"`), id);
  for (const h of ['What happened', 'How sure', 'What is not known'])
    assert.ok(page.includes(`<h3>${h}</h3>`), h);
});

test('numbers match the store', async () => {
  const counts = await store.counts();
  assert.equal(metric(page, 'posts'), counts.posts);
  assert.equal(metric(page, 'accounts'), counts.accounts);
  assert.equal(metric(page, 'sources'), counts.sources);
  const all = await store.listFindings();
  assert.equal(metric(page, 'findings-total'), all.length);
  assert.ok(all.length > 10);
  for (const s of SEVERITIES)
    assert.equal(metric(page, `severity-${s}`), all.filter((f) => f.severity === s).length, s);
  for (const ch of ['coordination', 'narratives', 'leaks', 'infrastructure']) {
    const of = await store.listFindings({ channel: ch });
    assert.ok(of.length > 0, `${ch} has findings`);
    assert.equal(metric(page, 'channel-findings', { channel: ch }), of.length, ch);
    for (const s of SEVERITIES)
      assert.equal(metric(page, `channel-${s}`, { channel: ch }), of.filter((f) => f.severity === s).length);
    // Each listed row is a real finding of that channel, in store order.
    const table = page.match(
      new RegExp(`<table data-table="findings" data-channel="${ch}">[\\s\\S]*?</table>`),
    )![0];
    const rows = [...table.matchAll(/data-finding-row="(\w+)"/g)].map((m) => m[1]);
    assert.deepEqual(
      rows,
      of.slice(0, 200).map((f) => f.id),
    );
  }
  const bands = { hi: 0, mid: 0, lo: 0 };
  for (const f of all) bands[f.confidence >= 0.9 ? 'hi' : f.confidence >= 0.5 ? 'mid' : 'lo']++;
  assert.equal(metric(page, 'confidence-high'), bands.hi);
  assert.equal(metric(page, 'confidence-mid'), bands.mid);
  assert.equal(metric(page, 'confidence-low'), bands.lo);

  // Leak verdicts per dump, in the table and in the chart.
  for (const d of await store.leaks().listDumps()) {
    const v = await store.leaks().verdictCounts(d.dumpId);
    for (const k of VERDICTS)
      assert.equal(metric(page, 'verdict', { dump: d.dumpId, verdict: k }), v[k] ?? 0);
  }
  const demo = await store.leaks().verdictCounts('leaks-demo');
  assert.ok(demo.authentic > 0 && demo.forged > 0);

  // Attacks: alerts per scenario and per day from the store's alerts.
  const alerts = await store.attacks().listAlerts();
  assert.equal(metric(page, 'attack-alerts'), alerts.length);
  assert.equal(
    metric(page, 'attack-events'),
    alerts.reduce((s, a) => s + a.events, 0),
  );
  const chart = (id: string) =>
    Object.fromEntries(
      [
        ...page
          .match(new RegExp(`<svg id="${id}"[\\s\\S]*?</svg>`))![0]
          .matchAll(/data-label="([^"]*)" data-value="(\d+)"/g),
      ].map((m) => [m[1], Number(m[2])]),
    );
  const perScenario: Record<string, number> = {};
  const perDay: Record<string, number> = {};
  for (const a of alerts) {
    perScenario[a.scenario] = (perScenario[a.scenario] ?? 0) + 1;
    const day = new Date(a.firstTime).toISOString().slice(0, 10);
    perDay[day] = (perDay[day] ?? 0) + 1;
  }
  assert.deepEqual(chart('chart-attacks-scenario'), perScenario);
  assert.deepEqual(chart('chart-attacks-day'), perDay);

  // Clusters in the network: every coordination cluster (up to 5) with its member count.
  const clusters = (await store.listFindings({ channel: 'coordination' })).filter((f) =>
    Array.isArray(f.details?.members),
  );
  assert.ok(clusters.length >= 2, 'the synthetic week has coordinated swarms');
  for (const c of clusters.slice(0, 5))
    assert.equal(
      metric(page, 'cluster-members', { finding: c.id }),
      (c.details!.members as unknown[]).length,
    );
  const nodes = new Set([...page.matchAll(/data-node="([^"]+)"/g)].map((m) => m[1]));
  for (const c of clusters.slice(0, 5))
    for (const m of c.details!.members as string[]) assert.ok(nodes.has(m), m);

  // Input hashes: every source with its SHA-256.
  for (const s of await store.listSources()) assert.ok(page.includes(`data-sha256="${s.sha256}"`), s.path);
});

test('evidence leads down to raw records: post text, account, mail subject, log line with file and line', async () => {
  const coord = (await store.listFindings({ channel: 'coordination' }))[0];
  const card = page.match(new RegExp(`<article class="finding" id="f-${coord.id}"[\\s\\S]*?</article>`))![0];
  const postRefs = coord.evidence.filter((e) => e.table === 'posts').slice(0, 3);
  const recs = await store.report().resolveEvidence(postRefs);
  for (const e of postRefs) {
    const rec = [...recs.values()].find((r) => r.key === e.key)!;
    assert.ok(rec.text && rec.location?.includes('election-week'), 'post text and its source file');
    assert.ok(card.includes(`data-evidence-key="${esc(e.key)}" data-resolved="yes"`), e.key);
    assert.ok(card.includes(norm(esc(rec.text!.slice(0, 40)))), 'the post text is shown');
  }
  const infra = (await store.listFindings({ channel: 'infrastructure' }))[0];
  const line = infra.evidence.find((e) => e.table === 'attack_lines')!;
  const [rec] = (await store.report().resolveEvidence([line])).values();
  assert.match(rec.location!, /\.log(\.gz)?:\d+$/, 'file:line');
  const icard = page.match(new RegExp(`<article class="finding" id="f-${infra.id}"[\\s\\S]*?</article>`))![0];
  assert.ok(icard.includes(esc(rec.location!)), 'the log file and line are shown');
  assert.ok(icard.includes(norm(esc(rec.text!.slice(0, 30)))), 'the raw log line is shown');
});

test('hostile content is escaped and neutralised everywhere', () => {
  for (const raw of [HOSTILE.script, HOSTILE.img, HOSTILE.svg])
    assert.ok(!page.includes(raw), `raw ${raw} absent`);
  assert.ok(page.includes(esc(HOSTILE.script)), 'shown escaped');
  assert.ok(page.includes('&lt;img src=x onerror=alert(2)&gt;'));
  // No bidi control or C0 control survives anywhere in the page.

  assert.doesNotMatch(rawPage, /[\u202A-\u202E\u2066-\u2069\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/);
  assert.ok(page.includes('invoice[U+202E]gpj.exe'), 'bidi override shown as a visible marker');
  assert.equal(neutralise(HOSTILE.control), 'bellnulesc[31m');
  // javascript: appears only as text, never as a link target.
  assert.ok(page.includes('javascript:alert(3)'));
  assert.doesNotMatch(page, /href="javascript:/i);
  // The unknown detector's finding is rendered generically, with its four resolved records.
  const card = page.match(
    /<article class="finding" id="f-\w+" data-finding-id="\w+" data-confidence="0.42"[\s\S]*?<\/article>/,
  )![0];
  assert.equal([...card.matchAll(/data-resolved="yes"/g)].length, 4);
  assert.equal([...card.matchAll(/data-resolved="no"/g)].length, 1);
});

test('French: the interface is translated, the numbers are the same', async () => {
  const frPage = norm(renderReport(await buildReportData(store, { generatedAt: FIXED }), 'fr'));
  assert.match(frPage, /<html lang="fr">/);
  assert.ok(frPage.includes(`<h2>${esc(fr.summary)}</h2>`));
  assert.ok(frPage.includes(`<h3>${esc(fr.notKnown)}</h3>`));
  assert.ok(!frPage.includes(`<h3>${en.whatHappened}</h3>`));
  assert.deepEqual(
    metrics(frPage).map((m) => [m.name, m.attrs['data-channel'], m.value]),
    metrics(page).map((m) => [m.name, m.attrs['data-channel'], m.value]),
  );
});

test('reproducibility: re-running the detectors gives identical findings; the report is identical', async () => {
  const before1 = await store.listFindings();
  const manifest1 = await buildManifest(store, { generatedAt: FIXED });
  await runDetectors(store, { seed: 2017, options: detectorOptions(w) });
  const after1 = await store.listFindings();
  assert.equal(after1.length, before1.length);
  assert.equal(canonicalFindings(after1), canonicalFindings(before1));
  const manifest2 = await buildManifest(store, { generatedAt: FIXED });
  assert.equal(manifest2.results.findingsDigest, manifest1.results.findingsDigest);
  assert.deepEqual(manifest2.results, manifest1.results);
  assert.equal(
    manifest2.parameters.runs.length,
    manifest1.parameters.runs.length + 1,
    'the new run is recorded',
  );
  // Same workspace, same findings: byte-identical report except for the runs table.
  const again = norm(renderReport(await buildReportData(store, { generatedAt: FIXED }), 'en'));
  const noRuns = (h: string) => h.replace(/<table data-table="runs">[\s\S]*?<\/table>/, '');
  assert.equal(noRuns(again), noRuns(page));
  assert.deepEqual(metrics(again), metrics(page));
});

test('reproducibility: a second workspace from the same seeded inputs gives the same findings and numbers', async () => {
  const w2 = await buildTestWorkspace(join(dir, 'b'));
  const s2 = await openStore(w2.db);
  try {
    // The leak demo signs with a fresh key each time (node:crypto cannot seed keys), so message
    // hashes differ; every other channel's findings must be identical.
    const notLeaks = (fs: Awaited<ReturnType<Store['listFindings']>>) =>
      fs.filter((f) => f.channel !== 'leaks');
    const a = notLeaks(await store.listFindings());
    const b = notLeaks(await s2.listFindings());
    assert.ok(a.length > 10);
    // Parameters name the input files (attack triage's staff and path lists), whose folder
    // differs by construction; everything else must be byte-identical.
    const at = (fs: typeof a, d: string) => canonicalFindings(fs).replaceAll(d, '<workspace>');
    assert.equal(at(b, join(dir, 'b')), at(a, join(dir, 'a')));
    assert.notEqual(findingsDigest(a), findingsDigest(b), 'the digest does see the differing paths');
    const page2 = norm(renderReport(await buildReportData(s2, { generatedAt: FIXED }), 'en'));
    assert.deepEqual(metrics(page2), metrics(page));
    const m1 = await buildManifest(store);
    const m2 = await buildManifest(s2);
    assert.deepEqual(
      m2.inputs.sources.map((s) => [s.sha256, s.accepted]),
      m1.inputs.sources.map((s) => [s.sha256, s.accepted]),
    );
  } finally {
    await s2.close();
  }
});

test('manifest: inputs, parameters and versions', async () => {
  const m = await buildManifest(store);
  assert.equal(m.inputs.sources.length, (await store.listSources()).length);
  assert.ok(m.inputs.sources.every((s) => /^[0-9a-f]{64}$/.test(s.sha256)));
  assert.deepEqual(m.inputs.leakDumps.map((d) => d.dumpId).sort(), ['hostile-dump', 'leaks-demo']);
  const coord = m.parameters.detectors.find((d) => d.name === 'coordination')!;
  assert.equal(typeof coord.parameters[0].fdr, 'number');
  assert.ok(m.parameters.runs.some((r) => (r.parameters as { seed?: number }).seed === 2017));
  assert.match(m.versions.vigie, /^\d+\.\d+\.\d+/);
  assert.equal(m.versions.node, process.version);
  assert.match(m.versions.engine, /^DuckDB v\d/);
  const data = m.versions.reference.find((r) => r.name === 'vigie data/')!;
  assert.ok(
    data.files.some(
      (f) => f.path === join('data', 'attacks', 'login-paths.csv') && /^[0-9a-f]{64}$/.test(f.sha256),
    ),
  );
  assert.equal(m.results.findings, (await store.listFindings()).length);
});

test('vigie report writes the file, the manifest, and prints the manifest alone', async () => {
  const out = join(dir, 'cli', 'briefing.html');
  const man = join(dir, 'cli', 'manifest.json');
  await store.close();
  const logs: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => void logs.push(a.join(' '));
  try {
    await buildProgram().parseAsync([
      'node',
      'vigie',
      '--db',
      w.db,
      'report',
      '--out',
      out,
      '--lang',
      'fr',
      '--manifest',
      man,
      '--title',
      `T ${HOSTILE.script}`,
    ]);
    await buildProgram().parseAsync(['node', 'vigie', '--db', w.db, 'report', '--manifest']);
  } finally {
    console.log = log;
    store = await openStore(w.db);
  }
  const h = readFileSync(out, 'utf8');
  assert.match(h, /<html lang="fr">/);
  assert.ok(h.includes(`<title>T ${esc(HOSTILE.script)}</title>`));
  const m = JSON.parse(readFileSync(man, 'utf8'));
  assert.equal(m.manifestVersion, 1);
  assert.ok(logs[0].startsWith('report written to'));
  const printed = JSON.parse(logs[logs.length - 1]);
  assert.equal(printed.results.findingsDigest, m.results.findingsDigest);
  // writeReport returns what it wrote
  const r = await writeReport(store, { out: join(dir, 'cli', 'r2.html') });
  assert.equal(r.findings, m.results.findings);
});
