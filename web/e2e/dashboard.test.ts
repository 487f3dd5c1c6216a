/**
 * End-to-end tests of the dashboard: a real workspace (the demo generators plus hostile
 * fixtures), the real `vigie serve` server on an ephemeral port, and Debian's chromium driven by
 * playwright-core. Screenshots of every view go to test-artifacts/dashboard/.
 *
 * Skipped (with the reason) when /usr/bin/chromium or the dashboard build (dist/web) is absent.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { writeElectionWeek } from '../../src/synth/index.js';
import { writeLeakDemo } from '../../src/leaks/demo.js';
import { writeAttackDemo } from '../../src/attacks/demo.js';
import { buildProgram } from '../../src/cli/main.js';
import { startServer, type Running } from '../../src/server/serve.js';
import { mulberry32 } from '../../src/util/rng.js';

// The functions given to page.evaluate run in the browser; the node build has no DOM types, so
// the few browser globals they touch are declared for this module only.
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const window: any;
declare const document: any;
declare const location: any;
declare const localStorage: any;
/* eslint-enable @typescript-eslint/no-explicit-any */
type Box = { left: number; top: number; width: number; height: number };

function packageRoot(): string {
  // web/e2e under tsx, dist/web/e2e compiled: walk up to package.json.
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

const ROOT = packageRoot();
const WEB = join(ROOT, 'dist', 'web');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = join(ROOT, 'test-artifacts', 'dashboard');
const SKIP = !existsSync(CHROMIUM)
  ? `no chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`
  : !existsSync(join(WEB, 'index.html'))
    ? `the dashboard is not built (${WEB}/index.html missing): run npm run build`
    : false;

// Hostile fixtures: if any of these is ever parsed as HTML or followed, a dialog opens or an
// element appears, and the tests below fail.
const XSS_SCRIPT = '<script>alert(1)</script>';
const XSS_IMG = '<img src=x onerror=alert(2)>';
const BIDI = '\u202Egpj.exe';
const HOSTILE_HANDLE = `<img src=x onerror=alert(3)>`;

async function vigie(args: string[]): Promise<void> {
  // The commands print tables meant for a terminal; the test output stays readable without them.
  const log = console.log;
  console.log = () => {};
  try {
    await buildProgram().parseAsync(['node', 'vigie', ...args]);
  } finally {
    console.log = log;
  }
}

/** A small real workspace: synthetic election week, leak dump, campaign logs, hostile rows. */
async function buildWorkspace(dir: string): Promise<string> {
  const db = join(dir, 'w.duckdb');
  const week = await writeElectionWeek(join(dir, 'posts'), {
    posts: 5000,
    seed: 5,
    formats: ['x-v1'],
    gzip: true,
  });
  // Six hostile accounts reposting the same twelve posts seconds apart: a coordination cluster
  // whose names, texts and URLs are all attack strings.
  const t0 = Date.parse('2017-05-03T10:00:00Z');
  const rows = ['post_id,account_id,time,text,kind,ref_post_id,url,handle,platform'];
  for (let a = 0; a < 6; a++) {
    for (let o = 0; o < 12; o++) {
      const text = `${XSS_SCRIPT} ${XSS_IMG} ${BIDI} hostile ${a}-${o}`;
      rows.push(
        [
          `hostile${a}x${o}`,
          `hostile${a}`,
          new Date(t0 + o * 3_600_000 + a * 7_000).toISOString(),
          JSON.stringify(text),
          'repost',
          `hostileobj${o}`,
          'javascript:alert(4)',
          JSON.stringify(a === 0 ? HOSTILE_HANDLE : a === 1 ? `evil${BIDI}` : `hostile_${a}`),
          'x',
        ].join(','),
      );
    }
  }
  const hostileCsv = join(dir, 'hostile.csv');
  writeFileSync(hostileCsv, rows.join('\n') + '\n');
  await vigie(['--db', db, 'ingest', week.files['x-v1']!, '--progress', 'none']);
  await vigie(['--db', db, 'ingest', hostileCsv, '--progress', 'none']);

  const leak = await writeLeakDemo(join(dir, 'leak'), 5);
  writeFileSync(
    join(leak.dumpDir, 'mail', 'hostile.eml'),
    [
      'From: "Attacker <script>alert(5)</script>" <evil@example.org>',
      'To: staff@campagne.example',
      `Subject: ${XSS_SCRIPT} ${XSS_IMG} ${BIDI} hostile subject`,
      'Date: Tue, 02 May 2017 09:00:00 +0000',
      'Message-ID: <hostile@example.org>',
      '',
      'Body <iframe src="javascript:alert(6)"></iframe>',
      '',
    ].join('\r\n'),
  );
  await vigie([
    '--db', db, 'leaks', 'ingest', leak.dumpDir, '--keys', leak.keysFile,
    '--theft-date', leak.theftDate, '--leak-date', leak.leakDate, '--dump', 'e2e-leak',
  ]); // prettier-ignore

  const logs = await writeAttackDemo(join(dir, 'logs'), { seed: 5, webPerDay: 500, days: 2 });
  // One request with attack strings in the target, referer and user agent: http-xss alerts on
  // it, so the line is kept verbatim as evidence and shown in the incident view.
  appendFileSync(
    logs.access,
    `198.51.100.66 - - [02/May/2017:11:00:00 +0000] "GET /recherche?q=${XSS_SCRIPT} HTTP/1.1" 200 512 ` +
      `"javascript:alert(7)" "${XSS_IMG} ${BIDI}"\n`,
  );
  await vigie([
    '--db', db, 'attacks', 'ingest', logs.access, logs.mail, logs.auth, '--staff', logs.staff, '--paths', logs.paths,
  ]); // prettier-ignore
  // account-signals files findings in the coordination channel too: the cluster list must keep
  // to the coordination detector's clusters, and account panels show the scores.
  await vigie(['--db', db, 'detect', '--seed', '5', '--only', 'near-dup,coordination,account-signals']);
  return db;
}

/** A synthetic 20,000-node graph in the API's shape (seeded). */
function syntheticGraph(n: number, edgesPerNode: number) {
  const rand = mulberry32(20_000);
  const nodes = Array.from({ length: n }, (_, i) => ({
    id: `syn:${i}`,
    label: `account ${i}`,
    size: 2 + Math.floor(rand() * 4),
    attributes: { platform: i % 7 === 0 ? 'telegram' : 'x' },
  }));
  const edges: {
    id: string;
    source: string;
    target: string;
    weight: number;
    layers: { layer: string; count: number }[];
  }[] = [];
  const seen = new Set<string>();
  for (let i = 1; i < n; i++) {
    // A preferential-attachment-like sketch: clusters around a few hubs, as coordination looks.
    for (let k = 0; k < edgesPerNode; k++) {
      const j = Math.floor(rand() < 0.5 ? rand() * Math.min(i, 200) : rand() * i);
      const id = `syn:${Math.min(i, j)}|syn:${Math.max(i, j)}`;
      if (j === i || seen.has(id)) continue;
      seen.add(id);
      edges.push({
        id,
        source: `syn:${i}`,
        target: `syn:${j}`,
        weight: 1 + Math.floor(rand() * 5),
        layers: [{ layer: 'co-repost', count: 2 }],
      });
    }
  }
  return { findingId: 'synthetic-20k', nodes, edges, truncated: false };
}

interface Watch {
  consoleErrors: string[];
  pageErrors: string[];
  dialogs: string[];
  foreign: string[];
}

describe('dashboard in a real browser', { skip: SKIP, timeout: 180_000 }, () => {
  let dir: string;
  let server: Running;
  let browser: Browser;
  let context: BrowserContext;
  let base: string;
  let origin: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigie-e2e-'));
    mkdirSync(ARTIFACTS, { recursive: true });
    const t0 = Date.now();
    const db = await buildWorkspace(dir);
    console.log(`# workspace built in ${Date.now() - t0} ms`);
    server = await startServer({ db, host: '127.0.0.1', port: 0, readOnly: false, webRoot: WEB });
    base = server.url.replace(/\/$/, '');
    origin = new URL(server.url).origin;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // WebGL (sigma) on a machine without a GPU goes through SwiftShader.
      args: ['--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--no-sandbox'],
    });
    context = await browser.newContext({ viewport: { width: 1366, height: 820 } });
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function open(): Promise<{ page: Page; w: Watch }> {
    const page = await context.newPage();
    const w: Watch = { consoleErrors: [], pageErrors: [], dialogs: [], foreign: [] };
    page.on('console', (m) => {
      // CSP violations are reported as console errors ("Refused to ..."), so they land here too.
      // The HTTP status of a failed load is recorded by the response listener with its URL.
      if (/Failed to load resource/.test(m.text())) return;
      if (m.type() === 'error' || /Refused to/.test(m.text())) w.consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => w.pageErrors.push(String(e)));
    page.on('response', (r) => {
      if (r.status() >= 400) w.consoleErrors.push(`HTTP ${r.status()} ${r.url()}`);
    });
    page.on('dialog', (d) => {
      w.dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('request', (r) => {
      const u = r.url();
      if (!u.startsWith('data:') && new URL(u).origin !== origin) w.foreign.push(u);
    });
    // Init scripts run outside the page's CSP; this one records violations the page cannot hide.
    await page.addInitScript(() => {
      const list: string[] = [];
      (window as unknown as { __csp: string[] }).__csp = list;
      document.addEventListener(
        'securitypolicyviolation',
        (e: { violatedDirective: string; blockedURI: string }) =>
          list.push(`${e.violatedDirective} ${e.blockedURI}`),
      );
    });
    return { page, w };
  }

  /**
   * Open a view and wait until it has finished loading. The hash changes asynchronously
   * (hashchange is a queued event): the previous view, already loaded, must not pass for the new
   * one, so the wait is for content rendered for this very address with no loading state left.
   */
  async function view(page: Page, hash: string): Promise<void> {
    if (page.url().startsWith(base)) await page.evaluate((h) => (location.hash = h), hash);
    else await page.goto(`${base}/${hash}`);
    await page.waitForFunction(
      () => {
        const main = document.querySelector('main');
        return (
          main?.dataset.route === location.hash && main.querySelector('h1') && !main.querySelector('.loading')
        );
      },
      undefined,
      { timeout: 30_000 },
    );
  }

  async function clean(page: Page, w: Watch, where: string): Promise<void> {
    const csp = await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp);
    assert.deepEqual(csp, [], `CSP violations on ${where}`);
    assert.deepEqual(w.consoleErrors, [], `console errors on ${where}`);
    assert.deepEqual(w.pageErrors, [], `page errors on ${where}`);
    assert.deepEqual(w.dialogs, [], `dialogs (script ran) on ${where}`);
    assert.deepEqual(w.foreign, [], `requests to other origins on ${where}`);
  }

  async function shot(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  }

  async function api<T>(path: string): Promise<T> {
    const r = await fetch(`${base}/api/${path}`);
    assert.equal(r.status, 200, `GET /api/${path}`);
    return (await r.json()) as T;
  }

  test('every view loads without console errors, CSP violations or foreign requests', async () => {
    const { page, w } = await open();
    // The cluster list is the coordination detector's alone, though account-signals shares its channel.
    const co = await api<{ items: { detector: string }[] }>('findings?channel=coordination&limit=500');
    assert.ok(
      co.items.some((f) => f.detector === 'account-signals'),
      'account-signals findings exist',
    );
    const cl = await api<{ items: { detector: string; kind: string }[] }>('clusters?limit=500');
    assert.ok(cl.items.length > 0 && cl.items.every((c) => c.detector === 'coordination'));
    const findings = await api<{ items: { id: string; channel: string }[] }>('findings?limit=5');
    const leaks = await api<{ items: { id: string; verdict: string }[] }>('leaks?limit=1');
    const digest = await api<{ days: { top: { id: string }[] }[] }>('attacks/digest');
    const incident = digest.days.flatMap((d) => d.top)[0];
    assert.ok(findings.items.length > 0, 'the workspace has findings');
    assert.ok(incident, 'the digest has an incident');
    const views: [string, string][] = [
      ['overview', '#/overview'],
      ['findings', '#/findings'],
      ['findings-filtered', '#/findings?channel=leaks&severity=low'],
      ['finding', `#/findings/${findings.items[0]!.id}`],
      ['clusters', '#/clusters'],
      ['accounts', '#/accounts'],
      ['narratives', '#/narratives'],
      ['state-media', '#/state-media'],
      ['leaks', '#/leaks'],
      ['leak', `#/leaks/${encodeURIComponent(leaks.items[0]!.id)}`],
      ['attacks', '#/attacks'],
      ['incident', `#/attacks/incidents/${encodeURIComponent(incident.id)}`],
      ['search', '#/search?q=vote'],
    ];
    for (const [name, hash] of views) {
      await view(page, hash);
      assert.equal(await page.locator('main .state.error').count(), 0, `error state on ${name}`);
      await shot(page, name);
    }
    // Views of channels this workspace lacks say so instead of showing a blank page.
    await view(page, '#/narratives');
    assert.match(await page.locator('main').innerText(), /No narrative findings/);
    // The overview draws its timeline (uPlot canvas) and the attack view its two bar charts.
    // A chart's canvas is made in an effect after the view has rendered: wait for it, then
    // count (counting at once found none once in CI).
    await view(page, '#/overview');
    await page.locator('.chart canvas').first().waitFor({ timeout: 15_000 });
    assert.equal(await page.locator('.chart canvas').count(), 1);
    await view(page, '#/attacks');
    await page.locator('.chart canvas').nth(1).waitFor({ timeout: 15_000 });
    assert.ok((await page.locator('.chart canvas').count()) >= 2);
    // Keyboard: the first Tab reaches the skip link, Enter moves focus into the view.
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'H1');
    await clean(page, w, 'the views');
    await page.close();
  });

  test('overview remembers the last visit and asks for what is new since', async () => {
    const { page, w } = await open();
    const sinces: (string | null)[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/api/overview')) sinces.push(new URL(r.url()).searchParams.get('since'));
    });
    await page.goto(`${base}/#/overview`);
    await page.evaluate(() => localStorage.setItem('vigie.lastVisit', '2000-01-01T00:00:00.000Z'));
    await page.reload();
    await page.waitForSelector('.new');
    assert.equal(sinces.at(-1), '2000-01-01T00:00:00.000Z');
    assert.match(await page.locator('.new').innerText(), /Since 2000-01-01/);
    const stored = await page.evaluate(() => localStorage.getItem('vigie.lastVisit'));
    assert.ok(
      stored && Date.parse(stored) > Date.parse('2020-01-01'),
      'the visit time is stored for next time',
    );
    await clean(page, w, 'the overview');
    await page.close();
  });

  async function nodeScreenPoint(page: Page, node?: string): Promise<{ x: number; y: number; node: string }> {
    return page.evaluate((wanted) => {
      type S = {
        getGraph(): {
          nodes(): string[];
          degree(n: string): number;
          getNodeAttributes(n: string): { x: number; y: number };
        };
        graphToViewport(p: { x: number; y: number }): { x: number; y: number };
      };
      const el = document.querySelector('.graph') as { vigieSigma: S; getBoundingClientRect(): Box };
      const s = el.vigieSigma;
      const g = s.getGraph();
      const key = wanted ?? g.nodes().sort((a, b) => g.degree(b) - g.degree(a))[0]!;
      const p = s.graphToViewport(g.getNodeAttributes(key));
      const r = el.getBoundingClientRect();
      return { x: r.left + p.x, y: r.top + p.y, node: key };
    }, node);
  }

  async function stopLayout(page: Page): Promise<void> {
    await page.waitForSelector('.graph[data-first-render-ms]', { timeout: 30_000 });
    // The layout may finish on its own at any moment: no wait for the button to be enabled.
    await page.evaluate(() => {
      const b = [...document.querySelectorAll('button')].find(
        (x: { textContent: string }) => x.textContent === 'Stop layout',
      );
      if (b && !b.disabled) b.click();
    });
    await page.waitForSelector('.graph[data-layout="done"]');
    // Sigma draws the last layout step on the next animation frames; positions are final after.
    await page.evaluate(
      () => new Promise((r) => window.requestAnimationFrame(() => window.requestAnimationFrame(r))),
    );
    await page.waitForTimeout(100);
  }

  test('from a cluster to an account to an evidence post, and from an edge to its shared objects', async () => {
    const { page, w } = await open();
    await view(page, '#/clusters');
    await page.locator('main table a').first().click();
    await page.waitForSelector('.graph canvas');
    await stopLayout(page);
    await shot(page, 'cluster');

    const p = await nodeScreenPoint(page);
    await page.mouse.click(p.x, p.y);
    const panel = page.locator('aside.panel');
    await panel.locator('h2', { hasText: 'Account' }).waitFor();
    await page.waitForSelector('.graph[data-selection="node"]');
    assert.ok((await panel.locator('h2').innerText()).includes(p.node));
    await panel.locator('ul.posts a').first().waitFor();
    assert.match(await panel.innerText(), /score \d\.\d\d \(model /, 'the panel shows the account signals');
    await shot(page, 'cluster-account');

    // An edge: click the middle of a link between two nodes, away from every node.
    // Wait until the canvas shows no selection: while the account is selected, the links not
    // touching it are hidden and a click on one of them selects nothing.
    await page.getByRole('button', { name: 'Clear selection' }).click();
    await panel.getByText('Select an account').waitFor();
    await page.waitForSelector('.graph[data-layout="done"][data-selection="none"]');
    // Positions are read from sigma right before the click (the layout is over, nothing moves).
    const mid = await page.evaluate(() => {
      type S = {
        getGraph(): {
          edges(): string[];
          extremities(e: string): [string, string];
          nodes(): string[];
          getNodeAttributes(n: string): { x: number; y: number };
        };
        graphToViewport(p: { x: number; y: number }): { x: number; y: number };
      };
      const el = document.querySelector('.graph') as { vigieSigma: S; getBoundingClientRect(): Box };
      const s = el.vigieSigma;
      const g = s.getGraph();
      const r = el.getBoundingClientRect();
      const pts = new Map(g.nodes().map((n) => [n, s.graphToViewport(g.getNodeAttributes(n))]));
      let best: { x: number; y: number; clear: number; a: string; b: string } | null = null;
      for (const e of g.edges()) {
        const [a, b] = g.extremities(e);
        const pa = pts.get(a)!;
        const pb = pts.get(b)!;
        const m = { x: (pa.x + pb.x) / 2, y: (pa.y + pb.y) / 2 };
        if (m.x < 10 || m.y < 10 || m.x > r.width - 10 || m.y > r.height - 10) continue;
        let clear = Infinity;
        for (const q of pts.values()) clear = Math.min(clear, Math.hypot(q.x - m.x, q.y - m.y));
        if (!best || clear > best.clear) best = { x: r.left + m.x, y: r.top + m.y, clear, a, b };
      }
      return best;
    });
    assert.ok(mid, `the cluster has an edge inside the view`);
    await page.mouse.click(mid.x, mid.y);
    await panel.locator('h2', { hasText: 'Link' }).waitFor();
    await page.waitForSelector('.graph[data-selection="edge"]');
    await panel.locator('table.shared tbody tr').first().waitFor();
    assert.ok((await panel.locator('table.shared tbody tr').count()) > 0, 'shared objects are listed');
    assert.match(await panel.innerText(), /delta/);
    await shot(page, 'cluster-edge');

    // Back to the account, then to one of its posts: the evidence post.
    await page.mouse.click(p.x, p.y);
    await panel.locator('ul.posts a').first().click();
    await page.waitForSelector('main h1:has-text("Post")');
    await page.waitForSelector('blockquote.post-text');
    await shot(page, 'post');
    await page.locator('main dl a').first().click();
    await page.waitForSelector('main h1:has-text("Account")');
    await page.waitForFunction(() => !document.querySelector('main .loading'));
    await shot(page, 'account');
    await clean(page, w, 'the cluster flow');
    await page.close();
  });

  test('annotating a finding persists across a reload', async () => {
    const { page, w } = await open();
    const f = (await api<{ items: { id: string }[] }>('findings?status=unreviewed&limit=1')).items[0]!;
    await view(page, `#/findings/${f.id}`);
    await page.getByLabel('confirmed').check();
    await page.getByLabel('Note', { exact: true }).fill(`checked by hand ${XSS_SCRIPT}`);
    await page.getByLabel('Your name').fill('e2e analyst');
    await page.getByRole('button', { name: 'Save review' }).click();
    await page.getByText('Saved.').waitFor();
    await page.reload();
    await page.waitForSelector('ol.annotations li');
    const text = await page.locator('ol.annotations').innerText();
    assert.match(text, /confirmed by e2e analyst/);
    assert.ok(text.includes(`checked by hand ${XSS_SCRIPT}`), 'the note is shown literally');
    const stored = await api<{ annotation: { status: string; author: string } }>(`findings/${f.id}`);
    assert.equal(stored.annotation.status, 'confirmed');
    assert.equal(stored.annotation.author, 'e2e analyst');
    // The author is remembered for the next review.
    assert.equal(await page.getByLabel('Your name').inputValue(), 'e2e analyst');
    await shot(page, 'finding-annotated');
    await clean(page, w, 'the annotation');
    await page.close();
  });

  test('hostile posts, names, mail subjects and log lines stay inert text', async () => {
    const { page, w } = await open();
    const inert = async (where: string) => {
      const err = page.locator('main .state.error');
      assert.equal(await err.count(), 0, `error state on ${where}: ${(await err.allInnerTexts()).join(' ')}`);
      // No element the fixtures would have created, and the payloads readable as text.
      assert.equal(
        await page.locator('main script, main img, main iframe').count(),
        0,
        `elements injected on ${where}`,
      );
      const text = await page.locator('main').innerText();
      assert.ok(
        text.includes('<script>alert(') || text.includes('<img src=x onerror=alert('),
        `payload shown literally on ${where}`,
      );
      assert.equal(
        await page.locator('main a[href^="javascript:" i]').count(),
        0,
        `javascript: link on ${where}`,
      );
    };
    await view(page, '#/posts/x/hostile0x0');
    await inert('a post');
    assert.ok(
      (await page.locator('main').innerText()).includes('[U+202E]gpj.exe'),
      'bidi override shown, not obeyed',
    );
    assert.ok(
      (await page.locator('main').innerText()).includes('javascript:alert(4)'),
      'javascript: URL shown as text',
    );
    await shot(page, 'hostile-post');
    await view(page, `#/accounts/${encodeURIComponent('x:hostile0')}`);
    await page.waitForFunction(() => !document.querySelector('main .loading'));
    await inert('an account');
    assert.ok((await page.locator('main').innerText()).includes(HOSTILE_HANDLE));
    await shot(page, 'hostile-account');
    for (const kind of ['posts', 'messages', 'events']) {
      await view(page, `#/search?q=alert(&kind=${kind}`);
      await inert(`search of ${kind}`);
      const tags = await page.locator('ol.hits .tag').allInnerTexts();
      assert.ok(
        tags.length > 0 && tags.every((t) => `${t}s` === kind),
        `search finds ${kind} (${tags.join(',')})`,
      );
      await shot(page, `hostile-search-${kind}`);
    }
    const leak = (
      await api<{ items: { id: string; subject: string }[] }>('search?q=hostile%20subject&kind=messages')
    ).items[0];
    assert.ok(leak, 'the hostile message is searchable');
    await view(page, `#/leaks/${encodeURIComponent(leak.id)}`);
    await inert('a leaked message');
    await shot(page, 'hostile-leak');
    const digest = await api<{ days: { top: { id: string; scenarios: string[] }[] }[] }>(
      'attacks/digest?top=50',
    );
    const xss = digest.days.flatMap((d) => d.top).find((i) => i.scenarios.includes('http-xss'));
    assert.ok(xss, 'the hostile log line raised an http-xss incident');
    await view(page, `#/attacks/incidents/${encodeURIComponent(xss.id)}`);
    await inert('an incident');
    // The incident may group several alerts (one raw block each); the http-xss one holds the line.
    const raws = await page.locator('pre.raw').allInnerTexts();
    assert.ok(raws.some((t) => t.includes(`GET /recherche?q=${XSS_SCRIPT}`)));
    await shot(page, 'hostile-incident');
    await clean(page, w, 'the hostile views');
    await page.close();
  });

  test('a 20,000-node network renders and a click on a node works', async () => {
    const { page, w } = await open();
    const graph = JSON.stringify(syntheticGraph(20_000, 2));
    // The graph endpoint is fed a synthetic graph (the workspace's clusters are small); the page,
    // the bundle and sigma are the real ones.
    await page.route('**/api/clusters/synthetic-20k/graph', (r) =>
      r.fulfill({ status: 200, contentType: 'application/json', body: graph }),
    );
    const t0 = Date.now();
    await page.goto(`${base}/#/clusters/synthetic-20k`);
    await page.waitForSelector('.graph[data-first-render-ms]', { timeout: 60_000 });
    const navToFirstFrame = Date.now() - t0;
    const firstRender = Number(await page.locator('.graph').getAttribute('data-first-render-ms'));
    await stopLayout(page);
    const perf = {
      nodes: 20_000,
      edges: JSON.parse(graph).edges.length as number,
      firstRenderMs: firstRender,
      navToFirstFrameMs: navToFirstFrame,
      clickToPanelMs: NaN,
    };
    const p = await nodeScreenPoint(page);
    const t1 = Date.now();
    await page.mouse.click(p.x, p.y);
    // Nodes overlap at this density: the click selects the node drawn on top at that point.
    await page.locator('aside.panel h2', { hasText: /Account syn:\d+/ }).waitFor();
    perf.clickToPanelMs = Date.now() - t1;
    await shot(page, 'cluster-20k');
    writeFileSync(join(ARTIFACTS, 'perf-20k.json'), JSON.stringify(perf, null, 2));
    console.log(`# 20k-node graph: ${JSON.stringify(perf)}`);
    // The synthetic accounts are not in the workspace: the panel's 404 is expected here, nothing else.
    w.consoleErrors = w.consoleErrors.filter((e) => !/404/.test(e));
    await clean(page, w, 'the 20k graph');
    await page.close();
  });
});
