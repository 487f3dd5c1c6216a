/**
 * exactSum gives the same double whatever order the engine adds the rows in, where a plain
 * `sum` over doubles does not. One thread and an explicit insertion order stand in for the
 * thread interleavings of a parallel aggregate, which a test cannot force.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DuckDBInstance } from '@duckdb/node-api';
import { exactSum } from './exact-sum.js';
import { mulberry32 } from '../util/rng.js';

test('exactSum: the same result in any order, where a plain sum over doubles differs', async () => {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    await conn.run('SET threads = 1');
    // Terms like the null model's: products of counts and small rates, over many magnitudes.
    const r = mulberry32(2017);
    const xs = Array.from(
      { length: 5000 },
      () => Math.floor(1 + r() * 50) * Math.floor(1 + r() * 50) * r() ** 6,
    );
    const orders = [xs, [...xs].reverse(), [...xs].sort((a, b) => a - b), [...xs].sort((a, b) => b - a)];
    const plain = new Set<number>();
    const exact = new Set<number>();
    for (const [k, order] of orders.entries()) {
      await conn.run(`CREATE TABLE t${k} (i INTEGER, x DOUBLE)`);
      // Literal doubles printed with 17 significant digits round-trip exactly.
      for (let i = 0; i < order.length; i += 1000)
        await conn.run(
          `INSERT INTO t${k} VALUES ${order
            .slice(i, i + 1000)
            .map((x, j) => `(${i + j}, ${x.toPrecision(17)}::DOUBLE)`)
            .join(',')}`,
        );
      const [row] = (
        await conn.runAndReadAll(
          `SELECT sum(x) AS p, ${exactSum('x')} AS e FROM (SELECT x FROM t${k} ORDER BY i)`,
        )
      ).getRowObjectsJS() as { p: number; e: number }[];
      plain.add(row.p);
      exact.add(row.e);
    }
    // The premise: adding the same doubles in another order moves the last bits.
    assert.ok(plain.size > 1, `plain sums agreed across orders (${[...plain]}); the test shows nothing`);
    assert.equal(exact.size, 1, `exactSum differed across orders: ${[...exact]}`);
    // And it is the sum: within a few ulps of a compensated (Neumaier) sum in JavaScript.
    let s = 0;
    let c = 0;
    for (const x of xs) {
      const t = s + x;
      c += Math.abs(s) >= Math.abs(x) ? s - t + x : x - t + s;
      s = t;
    }
    const [e] = exact;
    assert.ok(Math.abs(e - (s + c)) <= 1e-12 * Math.abs(s + c), `${e} vs ${s + c}`);
  } finally {
    conn.closeSync();
  }
});
