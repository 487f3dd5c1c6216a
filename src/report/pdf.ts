/**
 * PDF through headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core): the
 * print CSS of the briefing, rendered by a real browser, offline — every request other than
 * the report file itself is aborted.
 */
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { VigieError } from '../util/errors.js';

export const CHROMIUM = process.env.VIGIE_CHROMIUM ?? '/usr/bin/chromium';

export async function htmlFileToPdf(htmlPath: string, pdfPath: string): Promise<void> {
  if (!existsSync(CHROMIUM))
    throw new VigieError(
      'ERR_NOT_FOUND',
      `--pdf needs Chromium at ${CHROMIUM} (Debian: apt-get install chromium; or set VIGIE_CHROMIUM); ` +
        `the HTML report ${htmlPath} was written and prints to PDF from any browser`,
    );
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM });
  try {
    const page = await browser.newPage({ javaScriptEnabled: false });
    const self = pathToFileURL(htmlPath).href;
    await page.route('**/*', (route) => (route.request().url() === self ? route.continue() : route.abort()));
    await page.goto(self, { waitUntil: 'load' });
    await page.emulateMedia({ media: 'print' });
    await page.pdf({ path: pdfPath, format: 'A4', printBackground: true, preferCSSPageSize: true });
  } finally {
    await browser.close();
  }
}
