/**
 * Curated data files under data/attacks/ (CSV with a `pattern` column and a `source` column
 * citing where each fact comes from). Scenarios name them with the `|list` modifier.
 */
import { projectPath } from '../util/paths.js';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { VigieError } from '../util/errors.js';

/** The repository's data/attacks folder. */
export function dataDir(): string {
  return projectPath('data', 'attacks');
}

const cache = new Map<string, Record<string, string>[]>();

/** The rows of data/attacks/<name>.csv. */
export function dataRows(name: string): Record<string, string>[] {
  if (!/^[a-z0-9-]+$/.test(name)) throw new VigieError('ERR_USAGE', `bad data list name ${name}`);
  let rows = cache.get(name);
  if (!rows) {
    const path = join(dataDir(), `${name}.csv`);
    if (!existsSync(path)) throw new VigieError('ERR_NOT_FOUND', `data list ${name} not found (${path})`);
    rows = parse(readFileSync(path, 'utf8'), {
      columns: true,
      skip_empty_lines: true,
      comment: '#',
    }) as Record<string, string>[];
    cache.set(name, rows);
  }
  return rows;
}

/** The `pattern` column of data/attacks/<name>.csv. */
export function dataList(name: string): string[] {
  return dataRows(name)
    .map((r) => r.pattern)
    .filter((p) => p !== undefined && p !== '');
}
