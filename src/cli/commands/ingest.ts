/** `vigie ingest`: files into the workspace, with counts and a reject summary. */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { Store } from '../../store/store.js';
import { ingestFiles, type FileResult } from '../../ingest/ingest.js';
import type { ReaderOptions } from '../../readers/types.js';
import { progressSink, type ProgressMode } from '../progress.js';
import { table, toJson } from '../output.js';
import { VigieError } from '../../util/errors.js';

export interface IngestCliOptions {
  format?: string;
  map?: string[];
  mapping?: string;
  platform?: string;
  progress: ProgressMode;
  maxRecordBytes?: number;
  maxDecompressed?: number;
  batch?: number;
  json?: boolean;
}

/** Reader options from `--map role=column` flags and a `--mapping FILE.yaml`. */
export function readerOptionsFrom(o: IngestCliOptions): ReaderOptions {
  const mapping: Record<string, string> = {};
  if (o.mapping) {
    let doc: unknown;
    try {
      doc = parseYaml(readFileSync(o.mapping, 'utf8'));
    } catch (e) {
      throw new VigieError('ERR_BAD_MAPPING', `${o.mapping}: cannot read mapping: ${(e as Error).message}`, {
        cause: e,
      });
    }
    if (!doc || typeof doc !== 'object')
      throw new VigieError('ERR_BAD_MAPPING', `${o.mapping}: mapping must be a YAML map`);
    const d = doc as Record<string, unknown>;
    const cols = (d.columns ?? d) as Record<string, unknown>;
    for (const [k, v] of Object.entries(cols)) if (typeof v === 'string') mapping[k] = v;
    if (typeof d.platform === 'string') mapping.platform_name = d.platform;
    if (typeof d.object_role === 'string') mapping.object_role = d.object_role;
  }
  for (const m of o.map ?? []) {
    const i = m.indexOf('=');
    if (i <= 0) throw new VigieError('ERR_BAD_MAPPING', `--map expects role=column, got "${m}"`);
    mapping[m.slice(0, i).trim()] = m.slice(i + 1).trim();
  }
  const out: ReaderOptions = {};
  if (Object.keys(mapping).length) out.mapping = mapping;
  if (o.platform) out.platform = o.platform;
  return out;
}

export function summariseIngest(results: FileResult[]): string {
  const rows = results.map((r) => ({
    file: r.path,
    status: r.status,
    format: r.format ?? '',
    records: r.records,
    accepted: r.accepted,
    rejected: r.rejected,
    duplicates: r.duplicates,
    seconds: r.seconds.toFixed(1),
  }));
  const lines = [table(rows, undefined, 70)];
  const acc = results.reduce((s, r) => s + r.accepted, 0);
  const rej = results.reduce((s, r) => s + r.rejected, 0);
  lines.push('', `accepted ${acc} posts, rejected ${rej} records` + (rej ? ' (see `vigie rejects`)' : ''));
  for (const r of results) if (r.error) lines.push(`${r.status === 'empty' ? 'note' : 'error'}: ${r.error}`);
  return lines.join('\n');
}

export async function runIngest(store: Store, files: string[], o: IngestCliOptions): Promise<FileResult[]> {
  const sink = progressSink(o.progress);
  try {
    return await ingestFiles(store, files, {
      format: o.format,
      readerOptions: readerOptionsFrom(o),
      limits: {
        ...(o.maxRecordBytes ? { maxRecordBytes: o.maxRecordBytes } : {}),
        ...(o.maxDecompressed ? { maxDecompressedBytes: o.maxDecompressed } : {}),
      },
      batchRecords: o.batch,
      onProgress: (p) => sink.update(p),
    });
  } finally {
    sink.stop();
  }
}

export function printIngest(results: FileResult[], json: boolean | undefined): void {
  process.stdout.write((json ? toJson(results) : summariseIngest(results)) + '\n');
}
