/**
 * Reading a watch-list CSV defensively: size cap, BOM, ragged rows and broken quoting are
 * reported per line and skipped instead of failing the whole file (csv-parse does the
 * parsing; only the error bookkeeping is ours).
 */
import { readFileSync, statSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { VigieError } from '../util/errors.js';

/** Larger files are refused: a watch-list of a million rows is a mistake or an attack. */
export const MAX_REGISTRY_BYTES = 64 * 1024 * 1024;

export interface RowError {
  file: string;
  line: number;
  message: string;
}

export interface CsvRecord {
  record: string[];
  /** 1-based line where the record ends. */
  line: number;
}

export function readCsvRecords(file: string, errors: RowError[]): CsvRecord[] {
  let size: number;
  try {
    size = statSync(file).size;
  } catch (e) {
    throw new VigieError('ERR_INPUT', `${file}: cannot read (${(e as Error).message})`);
  }
  if (size > MAX_REGISTRY_BYTES)
    throw new VigieError(
      'ERR_INPUT',
      `${file}: ${size} bytes, more than the ${MAX_REGISTRY_BYTES} a watch-list may have`,
    );
  const parsed = parse(readFileSync(file, 'utf8'), {
    bom: true,
    info: true,
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    on_skip: (err: { lines?: number; message?: string } | undefined) => {
      if (err)
        errors.push({
          file,
          line: err.lines ?? 0,
          message: `malformed CSV: ${err.message ?? 'unreadable row'}`,
        });
      return undefined;
    },
  }) as unknown as { record: string[]; info: { lines: number } }[];
  return parsed.map((r) => ({ record: r.record, line: r.info.lines }));
}
