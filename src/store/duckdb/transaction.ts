/**
 * One transaction on a DuckDB connection: commit when `fn` resolves, roll back when it
 * throws. Every store module uses this, so a failure can never leave half a batch behind.
 */
import type { DuckDBConnection } from '@duckdb/node-api';

export async function inTransaction<T>(conn: DuckDBConnection, fn: () => Promise<T>): Promise<T> {
  await conn.run('BEGIN TRANSACTION');
  try {
    const out = await fn();
    await conn.run('COMMIT');
    return out;
  } catch (e) {
    // The original error matters more than a failed rollback (e.g. the connection is gone).
    await conn.run('ROLLBACK').catch(() => undefined);
    throw e;
  }
}
