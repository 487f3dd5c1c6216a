/**
 * Opening a workspace. `--db PATH` (default `./vigie.duckdb`) selects a DuckDB file; later
 * backends plug in here, behind the same `Store` contract.
 */
import { DuckDBStore } from './duckdb/DuckDBStore.js';
import type { Store } from './store.js';

export const DEFAULT_DB = 'vigie.duckdb';

export async function openStore(
  location: string = DEFAULT_DB,
  options: { readOnly?: boolean } = {},
): Promise<Store> {
  // `--db clickhouse://host:port[,host:port]/db?cluster=NAME`: the scale-out backend (docs/scaling.md).
  if (location.startsWith('clickhouse://'))
    return (await import('./clickhouse/ClickHouseStore.js')).ClickHouseStore.open(location);
  return DuckDBStore.open(location, options);
}

export type { Store } from './store.js';
