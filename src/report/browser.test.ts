/**
 * The briefing in a real browser (Debian's Chromium via playwright-core): it loads from
 * file:// offline with no console error and no request but the file itself, charts and the
 * network render with non-zero size, and hostile content is inert (no dialog, no script
 * element, no handler attribute in the DOM). Screenshots go to test-artifacts/ (gitignored).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openStore } from '../store/index.js';
import { writeReport } from './index.js';
import { CHROMIUM } from './pdf.js';
import { projectRoot } from './versions.js';
import { buildTestWorkspace } from './test-workspace.js';

const skip = existsSync(CHROMIUM)
  ? false
  : `Chromium not found at ${CHROMIUM} (Debian: apt-get install chromium)`;

test(
  'the briefing in Chromium: offline, no error, charts render, hostile content inert; PDF prints',
  { skip },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigie-report-browser-'));
    const artifacts = join(projectRoot() ?? '.', 'test-artifacts', 'report');
    mkdirSync(artifacts, { recursive: true });
    try {
      const w = await buildTestWorkspace(dir);
      const store = await openStore(w.db);
      let out: { html: string; pdf: string | null };
      try {
        out = await writeReport(store, { out: join(dir, 'report.html'), pdf: join(artifacts, 'report.pdf') });
      } finally {
        await store.close();
      }
      assert.ok(out.pdf && existsSync(out.pdf), 'PDF written');

      const { chromium } = await import('playwright-core');
      const browser = await chromium.launch({ executablePath: CHROMIUM });
      try {
        // JavaScript stays enabled: if any content could run, this is where it would.
        const page = await browser.newPage({ viewport: { width: 1100, height: 1400 } });
        const requests: string[] = [];
        const problems: string[] = [];
        const dialogs: string[] = [];
        page.on('request', (r) => void requests.push(r.url()));
        page.on('console', (m) => {
          if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
        });
        page.on('pageerror', (e) => void problems.push(`pageerror: ${e.message}`));
        page.on('dialog', (d) => {
          dialogs.push(d.message());
          void d.dismiss();
        });
        const url = pathToFileURL(out.html).href;
        await page.goto(url, { waitUntil: 'load' });
        await page.waitForTimeout(300);

        assert.deepEqual(requests, [url], 'the only request is the file itself');
        assert.deepEqual(problems, [], 'no console error or warning (a CSP violation would show here)');
        assert.deepEqual(dialogs, [], 'no dialog fired');
        assert.equal(await page.locator('script').count(), 0, 'no script element in the DOM');
        const handlers = await page.$$eval('*', (els) =>
          els.flatMap((el) =>
            [...el.attributes].filter((a) => /^on/i.test(a.name)).map((a) => `${el.tagName} ${a.name}`),
          ),
        );
        assert.deepEqual(handlers, [], 'no event-handler attribute in the DOM');
        assert.equal(await page.locator('img, iframe, object, embed').count(), 0);
        const hrefs = await page.$$eval('a[href]', (as) => as.map((a) => a.getAttribute('href') ?? ''));
        assert.ok(hrefs.length > 0 && hrefs.every((h) => h.startsWith('#')), 'links are in-page only');
        // The hostile text is there, as text.
        const text = await page.locator('body').innerText();
        assert.ok(text.includes('<script>alert(1)</script>'));
        assert.ok(text.includes('invoice[U+202E]gpj.exe'));

        for (const id of [
          'chart-volume',
          'chart-network',
          'chart-verdicts-0',
          'chart-attacks-day',
          'chart-attacks-country',
          'chart-attacks-scenario',
        ]) {
          const box = await page.locator(`#${id}`).boundingBox();
          assert.ok(box && box.width > 100 && box.height > 30, `${id} renders (${JSON.stringify(box)})`);
        }
        const nodes = page.locator('#chart-network circle.node');
        assert.ok((await nodes.count()) >= 6);
        const nb = await nodes.first().boundingBox();
        assert.ok(nb && nb.width > 0 && nb.height > 0, 'network nodes render');
        const bars = page.locator('#chart-attacks-scenario rect');
        const bb = await bars.first().boundingBox();
        assert.ok(bb && bb.width > 0 && bb.height > 0, 'bars render');

        await page.screenshot({ path: join(artifacts, 'top.png') });
        await page.locator('#chart-network').scrollIntoViewIfNeeded();
        await page.screenshot({ path: join(artifacts, 'network.png') });
        await page.locator('#ch-narratives').scrollIntoViewIfNeeded();
        await page.screenshot({ path: join(artifacts, 'hostile.png') });
      } finally {
        await browser.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
