/**
 * Findings and their evidence as tables: CSV (one row per finding, or per evidence reference),
 * JSON Lines (one finding per line with its evidence, exactly the Finding model), Parquet
 * (written by DuckDB's own COPY ... TO, evidence nested as a list of structs).
 *
 * CSV fields are quoted and spreadsheet formulas defused (titles and keys carry adversary
 * text), with the same rule as the coordination exports.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Finding } from '../findings/finding.js';
import type { Store } from '../store/store.js';
import { csvField } from '../detectors/coordination/export.js';

export type TableFormat = 'csv' | 'jsonl' | 'parquet';
export type TableKind = 'findings' | 'evidence';

export const FINDING_COLUMNS = [
  'id', 'channel', 'kind', 'severity', 'confidence', 'title', 'summary', 'confidence_method', 'detector',
  'detector_version', 'techniques', 'caveats', 'evidence_count', 'details', 'created_at',
] as const; // prettier-ignore
export const EVIDENCE_COLUMNS = [
  'finding_id',
  'ord',
  'table',
  'key',
  'content_hash',
  'role',
  'note',
] as const;

async function writeLines(path: string, lines: Iterable<string>): Promise<void> {
  const out = createWriteStream(path, { encoding: 'utf8' });
  try {
    for (const l of lines) if (!out.write(l + '\n')) await once(out, 'drain');
  } finally {
    out.end();
    await once(out, 'finish');
  }
}

function findingRow(f: Finding): Record<(typeof FINDING_COLUMNS)[number], unknown> {
  return {
    id: f.id,
    channel: f.channel,
    kind: f.kind,
    severity: f.severity,
    confidence: f.confidence,
    title: f.title,
    summary: f.summary,
    confidence_method: f.confidenceMethod,
    detector: f.detector.name,
    detector_version: f.detector.version,
    techniques: f.techniques.join(' '),
    caveats: f.caveats.join(' | '),
    evidence_count: f.evidence.length,
    details: JSON.stringify(f.details ?? {}),
    created_at: f.createdAt,
  };
}

function* evidenceRows(findings: Finding[]): Iterable<Record<(typeof EVIDENCE_COLUMNS)[number], unknown>> {
  for (const f of findings)
    for (const [i, e] of f.evidence.entries())
      yield {
        finding_id: f.id,
        ord: i,
        table: e.table,
        key: e.key,
        content_hash: e.contentHash ?? null,
        role: e.role ?? null,
        note: e.note ?? null,
      };
}

/** Write findings or evidence to `path` in `format`. Returns rows written. */
export async function exportTable(
  store: Store,
  kind: TableKind,
  format: TableFormat,
  path: string,
): Promise<number> {
  if (format === 'parquet') return store.interchange().writeParquet(kind, path);
  const findings = (await store.listFindings()).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  if (format === 'jsonl') {
    if (kind === 'findings') {
      await writeLines(
        path,
        findings.map((f) => JSON.stringify(f)),
      );
      return findings.length;
    }
    const rows = [...evidenceRows(findings)];
    await writeLines(
      path,
      rows.map((r) => JSON.stringify(r)),
    );
    return rows.length;
  }
  const cols: readonly string[] = kind === 'findings' ? FINDING_COLUMNS : EVIDENCE_COLUMNS;
  const rows: Record<string, unknown>[] =
    kind === 'findings' ? findings.map(findingRow) : [...evidenceRows(findings)];
  await writeLines(path, [cols.join(','), ...rows.map((r) => cols.map((c) => csvField(r[c])).join(','))]);
  return rows.length;
}
