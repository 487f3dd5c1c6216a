/**
 * CSV framing for readers (RFC 4180 via csv-parse): quoted newlines, a header row, and
 * every malformed row turned into a positioned reject instead of an exception.
 */
import { parse } from 'csv-parse';
import type { InputFile } from './input.js';
import { excerptOf } from './input.js';

export type CsvItem =
  | { line: number; offset: number; fields: string[]; reject?: undefined }
  | { line: number; offset: number; fields?: undefined; reject: { reason: string; excerpt: string } };

export interface CsvFraming {
  header: string[];
  rows: AsyncGenerator<CsvItem>;
}

/**
 * Parse `input` as CSV with a header row. Rows whose column count differs from the header
 * are rejected with their line; rows csv-parse cannot read (bad quoting, record too large)
 * are rejected via `on_skip`.
 */
export async function csvRows(input: InputFile, delimiter = ','): Promise<CsvFraming> {
  const pending: CsvItem[] = [];
  const parser = parse({
    delimiter,
    bom: true,
    info: true,
    relax_column_count: true,
    relax_quotes: false,
    skip_empty_lines: true,
    skip_records_with_error: true,
    max_record_size: input.limits.maxRecordBytes,
    on_skip: (err, raw) => {
      const e = err as (Error & { lines?: number }) | undefined;
      pending.push({
        line: e?.lines ?? 0,
        offset: -1,
        reject: { reason: `unreadable CSV row: ${e?.message ?? 'unknown error'}`, excerpt: excerptOf(raw ?? '') },
      });
      return undefined;
    },
  });
  const src = input.byteStream();
  src.on('error', (e) => parser.destroy(e));
  src.pipe(parser);
  const it = parser[Symbol.asyncIterator]() as AsyncIterator<{
    record: string[];
    info: { lines: number; bytes: number; raw?: string };
  }>;
  let header: string[] = [];
  let prevBytes = 0;
  // Read the header row before handing the iterator over.
  for (;;) {
    const first = await it.next();
    if (first.done) break;
    if (pending.length) continue; // rejects before the header carry no meaning as data
    header = first.value.record.map((h) => h.trim());
    prevBytes = first.value.info.bytes;
    break;
  }
  pending.length = 0;
  async function* rows(): AsyncGenerator<CsvItem> {
    for (;;) {
      const n = await it.next();
      while (pending.length) yield pending.shift()!;
      if (n.done) break;
      const { record, info } = n.value;
      const offset = prevBytes; // csv-parse reports where a record ends; the previous end is where this one starts
      prevBytes = info.bytes;
      if (record.length !== header.length) {
        yield {
          line: info.lines,
          offset,
          reject: {
            reason: `expected ${header.length} columns, found ${record.length}`,
            excerpt: excerptOf(record.join(',')),
          },
        };
        continue;
      }
      yield { line: info.lines, offset, fields: record };
    }
  }
  return { header, rows: rows() };
}
