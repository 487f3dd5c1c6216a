/**
 * `vigie report`: the self-contained HTML briefing, its optional PDF, and the reproducibility
 * manifest. See docs/report.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Store } from '../store/store.js';
import { buildReportData, type ReportOptions } from './data.js';
import type { Lang } from './i18n.js';
import { buildManifest } from './manifest.js';
import { htmlFileToPdf } from './pdf.js';
import { renderReport } from './render.js';

export interface WriteReportOptions extends ReportOptions {
  out: string;
  lang?: Lang;
  /** Also write a PDF (path, or true for the HTML path with .pdf). */
  pdf?: string | boolean;
  /** Also write the manifest (path). */
  manifest?: string;
}

export interface WrittenReport {
  html: string;
  pdf: string | null;
  manifest: string | null;
  findings: number;
}

export async function writeReport(store: Store, o: WriteReportOptions): Promise<WrittenReport> {
  const data = await buildReportData(store, o);
  const out = resolve(o.out);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, renderReport(data, o.lang ?? 'en'));
  let pdf: string | null = null;
  if (o.pdf) {
    pdf = resolve(typeof o.pdf === 'string' ? o.pdf : out.replace(/\.html?$/i, '') + '.pdf');
    await htmlFileToPdf(out, pdf);
  }
  let manifest: string | null = null;
  if (o.manifest) {
    manifest = resolve(o.manifest);
    const m = await buildManifest(store, { generatedAt: data.generatedAt });
    writeFileSync(manifest, JSON.stringify(m, null, 2) + '\n');
  }
  return { html: out, pdf, manifest, findings: data.channels.reduce((s, c) => s + c.findings, 0) };
}

export { buildReportData, renderReport, buildManifest };
export { canonicalFindings, findingsDigest } from './manifest.js';
