/**
 * Failure handling on a real two-shard cluster: a shard killed in the middle of an ingest,
 * restarted, and the ingest re-run from the committed mark must end with every post exactly
 * once; connection refused and timeouts give errors naming the server and the operation.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateElectionWeek } from '../../synth/index.js';
import type { Post } from '../../model/post.js';
import { isVigieError } from '../../util/errors.js';
import { ClickHouseStore } from './ClickHouseStore.js';
import { clickhouseSkipReason, startCluster, type TestCluster } from './testing/cluster.js';
import { parseClickHouseUrl } from './connection.js';
import { openStore } from '../index.js';
import { loadSynth } from '../contract/load.js';

const skip = clickhouseSkipReason();

test('ClickHouse locations parse, and bad ones are refused with the reason', () => {
  const l = parseClickHouseUrl('clickhouse://u:p@h1:8123,h2:8124/vigie?cluster=vigie&timeout_ms=5000');
  assert.deepEqual(l.nodes, ['h1:8123', 'h2:8124']);
  assert.equal(l.cluster, 'vigie');
  assert.equal(l.user, 'u');
  assert.equal(l.timeoutMs, 5000);
  assert.throws(() => parseClickHouseUrl('clickhouse://h1:1,h2:2/db'), /cluster=NAME/);
  assert.throws(() => parseClickHouseUrl('clickhouse://h1/db'), /host:port/);
  assert.throws(() => parseClickHouseUrl('clickhouse://h1:1/bad-name'), /expected clickhouse/);
});

describe('ClickHouse operations under failure', { skip: skip ?? false }, () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await startCluster(2);
  });
  after(async () => {
    await cluster?.stop();
  });

  test('connection refused names the server and the operation', async () => {
    await assert.rejects(openStore('clickhouse://127.0.0.1:1/vigie'), (e: unknown) => {
      assert.ok(isVigieError(e, 'ERR_STORE'));
      assert.match(
        (e as Error).message,
        /shard 1 \(127\.0\.0\.1:1\): version check failed: connection refused/,
      );
      return true;
    });
  });

  test('a timeout is reported as one, with the server', async () => {
    const s = await ClickHouseStore.open(cluster.url('ops_timeout'));
    await s.close();
    const slow = await ClickHouseStore.open(cluster.url('ops_timeout') + '&timeout_ms=300');
    try {
      await assert.rejects(
        slow.head.rows('SELECT sleep(2)', 'slow query'),
        /shard 1 \(127\.0\.0\.1:\d+\): slow query failed: timed out/,
      );
    } finally {
      await slow.close();
    }
  });

  test('a shard killed mid-ingest: clear error, committed batches kept, re-run completes without duplicates', async () => {
    const week = [...generateElectionWeek({ posts: 6000, seed: 3, swarms: 1 })].map((r) => r.post);
    const sha = 'ops-kill-test';
    const batches: Post[][] = [];
    for (let i = 0; i < week.length; i += 1500) batches.push(week.slice(i, i + 1500));
    const write = async (s: ClickHouseStore, sourceId: number, from: number) => {
      let done = from;
      for (const b of batches.slice(from / 1500)) {
        await s.writeBatch({
          sourceId,
          posts: b,
          postRecordNos: b.map((_, i) => done + i),
          accounts: [],
          rejects: [],
          recordsDone: done + b.length,
        });
        done += b.length;
        if (done === 3000 && from === 0) await cluster.kill(1); // shard 2 dies after two batches
      }
    };
    const s1 = await ClickHouseStore.open(cluster.url('ops'));
    const src = await s1.beginSource({
      path: 'week.csv',
      size: 1,
      sha256: sha,
      format: 'synth',
      compression: null,
    });
    await assert.rejects(write(s1, src.sourceId, 0), (e: unknown) => {
      assert.ok(isVigieError(e, 'ERR_STORE'));
      assert.match(
        (e as Error).message,
        /shard 2 \(127\.0\.0\.1:\d+\): (insert of \d+ rows into|check batch in) \w+ failed: connection refused/,
      );
      assert.match((e as Error).message, /records 3000\.\.4499 of source 1 are not committed/);
      return true;
    });
    // The third batch reached shard 1 only: rows past the committed mark exist there.
    const [left] = await s1.head.rows<{ n: string }>(
      `SELECT count() AS n FROM ops.posts WHERE record_no >= 3000`,
      'count',
    );
    assert.ok(Number(left.n) > 0, 'the interrupted batch left rows on the surviving shard');
    await s1.close();

    await cluster.restart(1);
    // A new process resumes from the committed mark, as `vigie ingest` does.
    const s2 = await ClickHouseStore.open(cluster.url('ops'));
    try {
      const again = await s2.sourceByHash(sha);
      assert.equal(again?.recordsDone, 3000);
      await write(s2, again!.sourceId, again!.recordsDone);
      const fin = await s2.finishSource(again!.sourceId, 'done');
      assert.equal(fin.recordsDone, week.length);
      assert.equal(fin.accepted, week.length);
      const [r] = await s2.head.rows<{ n: string; u: string }>(
        `SELECT count() AS n, uniqExact(platform, post_id) AS u FROM ops.posts_d`,
        'count',
      );
      assert.equal(Number(r.n), week.length);
      assert.equal(Number(r.u), week.length);
      const [a] = await s2.head.rows<{ n: string; u: string }>(
        `SELECT count() AS n, uniqExact(layer, obj, platform, post_id) AS u FROM ops.actions_d`,
        'count',
      );
      assert.equal(Number(a.n), Number(a.u), 'no co-action row twice');
    } finally {
      await s2.close();
    }
  });

  test('a workspace of schema version 1 (co-action rows placed by the client) is refused, untouched', async () => {
    const s = await ClickHouseStore.open(cluster.url('ops_v1'));
    try {
      await s.head.run(`TRUNCATE TABLE ops_v1.schema_version`, 'reset version');
      await s.head.run(`INSERT INTO ops_v1.schema_version VALUES (1, 'old', 0)`, 'old version');
      for (const n of s.nodes) await n.run(`DROP TABLE ops_v1.posts_to_actions`, 'drop view');
    } finally {
      await s.close();
    }
    await assert.rejects(ClickHouseStore.open(cluster.url('ops_v1')), (e: unknown) => {
      assert.ok(isVigieError(e, 'ERR_SCHEMA_VERSION'));
      assert.match(
        (e as Error).message,
        /schema version 1, whose co-action rows are placed by an older rule/,
      );
      return true;
    });
    const probe = await ClickHouseStore.open(cluster.url('ops_probe'));
    try {
      const [v] = await probe.head.rows<{ n: string }>(
        `SELECT count() AS n FROM system.tables WHERE database = 'ops_v1' AND name = 'posts_to_actions'`,
        'look for the view',
      );
      assert.equal(v.n, '0', 'no view was added to the old workspace');
    } finally {
      await probe.close();
    }
  });

  test('one server without ?cluster= derives the co-action rows into its own table, as a cluster does', async () => {
    const single = await ClickHouseStore.open(
      `clickhouse://127.0.0.1:${cluster.nodes[0].httpPort}/ops_single`,
    );
    const two = await ClickHouseStore.open(cluster.url('ops_two'));
    try {
      const synth = { posts: 3000, seed: 11, swarms: 1, batch: 1000 };
      await loadSynth(single, synth);
      await loadSynth(two, synth);
      const q = `SELECT layer, count() AS n, uniqExact(obj, post_id) AS u FROM`;
      const [a, b] = [
        await single.head.rows(`${q} ops_single.actions GROUP BY layer ORDER BY layer`, 'count'),
        await two.head.rows(`${q} ops_two.actions_d GROUP BY layer ORDER BY layer`, 'count'),
      ];
      assert.ok(a.length >= 6, 'the week gives most layers');
      assert.deepEqual(a, b);
    } finally {
      await single.close();
      await two.close();
    }
  });

  test('copies of a post in a second file are dropped at finish', async () => {
    const s = await ClickHouseStore.open(cluster.url('dups'));
    try {
      const posts = [...generateElectionWeek({ posts: 2000, seed: 5, swarms: 1 })].map((r) => r.post);
      for (const [sha, part] of [
        ['f1', posts.slice(0, 1500)],
        ['f2', posts.slice(1000)],
      ] as const) {
        const src = await s.beginSource({
          path: sha,
          size: 1,
          sha256: sha,
          format: 'synth',
          compression: null,
        });
        await s.writeBatch({
          sourceId: src.sourceId,
          posts: part,
          postRecordNos: part.map((_, i) => i),
          accounts: [],
          rejects: [],
          recordsDone: part.length,
        });
        const fin = await s.finishSource(src.sourceId, 'done');
        assert.equal(fin.duplicates, sha === 'f2' ? 500 : 0);
      }
      assert.equal((await s.counts()).posts, 2000);
    } finally {
      await s.close();
    }
  });
});

if (skip) test(`ClickHouse operations suite skipped: ${skip}`, { skip }, () => undefined);
