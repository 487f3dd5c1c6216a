import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DuckDBInstance } from '@duckdb/node-api';
import { inTransaction } from './transaction.js';

test('inTransaction commits on success and rolls back everything on a throw', async () => {
  const inst = await DuckDBInstance.create(':memory:');
  const conn = await inst.connect();
  await conn.run('CREATE TABLE t (x INTEGER)');
  const out = await inTransaction(conn, async () => {
    await conn.run('INSERT INTO t VALUES (1)');
    return 'ok';
  });
  assert.equal(out, 'ok');
  await assert.rejects(
    inTransaction(conn, async () => {
      await conn.run('INSERT INTO t VALUES (2), (3)');
      throw new Error('boom');
    }),
    /boom/,
  );
  const rows = (await conn.runAndReadAll('SELECT x FROM t ORDER BY x')).getRowObjectsJS();
  assert.deepEqual(
    rows.map((r) => r.x),
    [1],
  );
  // The connection is usable again after the rollback.
  await inTransaction(conn, () => conn.run('INSERT INTO t VALUES (4)'));
  const n = (await conn.runAndReadAll('SELECT count(*) AS n FROM t')).getRowObjectsJS()[0].n;
  assert.equal(Number(n), 2);
  conn.closeSync();
  inst.closeSync();
});
