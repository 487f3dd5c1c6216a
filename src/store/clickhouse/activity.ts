/**
 * ClickHouse side of near-duplicate text and synchronised activity (see
 * src/store/activity-types.ts and the DuckDB version in src/store/duckdb/activity.ts).
 *
 * Row references are `source_id * 2^32 + record_no`: unique per post row once a source is
 * finished, exact in a double, and the same on every shard.
 */
import { POST_KINDS, type PostKind } from '../../model/post.js';
import { VigieError } from '../../util/errors.js';
import type {
  ActivityBins,
  ActivityBinsQuery,
  NearDupGroupRows,
  PostTextChunk,
  PostTextStreamOptions,
} from '../activity-types.js';
import type { ClickHouseStore } from './ClickHouseStore.js';
import { num, shardOf } from './connection.js';
import { POST_INSERT_SETTINGS, actionsRoute } from './schema.js';

/** `origin` of co-text rows: written by the client, not derived from a post insert. */
const CO_TEXT_ORIGIN = 255;

const REF_SHIFT = 2 ** 32;
const CHUNK = 2048;

function kindFilter(kinds: PostKind[] | undefined): string {
  if (kinds === undefined) return '1';
  for (const k of kinds)
    if (!POST_KINDS.includes(k))
      throw new VigieError('ERR_USAGE', `unknown post kind ${k} (${POST_KINDS.join(', ')})`);
  return kinds.length === 0 ? '0' : `kind IN (${kinds.map((k) => `'${k}'`).join(', ')})`;
}

export async function* streamPostTexts(
  s: ClickHouseStore,
  options: PostTextStreamOptions = {},
): AsyncGenerator<PostTextChunk> {
  const sql = `SELECT source_id, record_no, platform, post_id, account_id, t, text FROM ${s.dist('posts')}
    WHERE ${kindFilter(options.kinds)} ORDER BY t, platform, post_id`;
  for await (const rows of s.head.stream<Record<string, unknown>>(sql, 'stream post texts', CHUNK)) {
    const n = rows.length;
    const out: PostTextChunk = {
      refs: new Float64Array(n),
      platforms: new Array(n),
      postIds: new Array(n),
      accountIds: new Array(n),
      times: new Float64Array(n),
      texts: new Array(n),
    };
    rows.forEach((r, i) => {
      out.refs[i] = num(r.source_id) * REF_SHIFT + num(r.record_no);
      out.platforms[i] = String(r.platform);
      out.postIds[i] = String(r.post_id);
      out.accountIds[i] = String(r.account_id);
      out.times[i] = num(r.t);
      out.texts[i] = (r.text as string | null) ?? null;
    });
    yield out;
  }
}

/**
 * Replace the near-duplicate groups: drop the old `co-text` actions and groups everywhere,
 * resolve the row references to posts, and write each group's rows to the group's shard.
 */
export async function saveNearDupGroups(s: ClickHouseStore, g: NearDupGroupRows): Promise<number> {
  if (g.refs.length < g.count || g.groupIds.length < g.count || g.similarity.length < g.count)
    throw new VigieError('ERR_USAGE', 'saveNearDupGroups: columns shorter than count');
  for (const n of s.nodes) {
    await s.deleteWhere(n, 'actions', `layer = 'co-text'`);
    await n.run(`TRUNCATE TABLE ${s.db}.near_dup_groups`, 'clear near-duplicate groups');
  }
  const byRef = new Map<number, { group: number; sim: number }>();
  for (let i = 0; i < g.count; i++) byRef.set(g.refs[i], { group: g.groupIds[i], sim: g.similarity[i] });
  const refs = [...byRef.keys()];
  const S = s.nodes.length;
  let stored = 0;
  for (let off = 0; off < refs.length; off += 20_000) {
    const part = refs.slice(off, off + 20_000);
    const tuples = part.map((r) => `(${Math.floor(r / REF_SHIFT)}, ${r % REF_SHIFT})`).join(',');
    const posts = await s.head.rows<Record<string, unknown>>(
      `SELECT source_id, record_no, platform, post_id, account_id, t, lang FROM ${s.dist('posts')}
       WHERE (source_id, record_no) IN (${tuples})`,
      'resolve near-duplicate rows',
    );
    const acts: Record<string, unknown>[] = [];
    const groups = s.nodes.map(() => [] as Record<string, unknown>[]);
    for (const p of posts) {
      const x = byRef.get(num(p.source_id) * REF_SHIFT + num(p.record_no))!;
      const obj = String(x.group);
      const sh = shardOf(obj, S);
      acts.push({
        layer: 'co-text',
        obj,
        platform: p.platform,
        account_id: p.account_id,
        post_id: p.post_id,
        t: num(p.t),
        lang: p.lang,
        source_id: num(p.source_id),
        record_no: num(p.record_no),
        origin: CO_TEXT_ORIGIN,
      });
      groups[sh].push({ platform: p.platform, post_id: p.post_id, group_id: x.group, similarity: x.sim });
    }
    await Promise.all(
      s.nodes.map(async (n, i) => {
        if (groups[i].length)
          await n.insert(`${s.db}.near_dup_groups`, groups[i], 'insert near-duplicate groups');
      }),
    );
    // Routed by object by the cluster itself, as the rows derived from posts are.
    if (acts.length)
      await s.head.insert(
        actionsRoute(s.db, s.loc.cluster),
        acts,
        'insert near-duplicate actions',
        POST_INSERT_SETTINGS,
      );
    stored += posts.length;
  }
  return stored;
}

export async function activityBins(s: ClickHouseStore, q: ActivityBinsQuery): Promise<ActivityBins> {
  if (!(q.binSeconds > 0) || !Number.isFinite(q.binSeconds))
    throw new VigieError('ERR_USAGE', `binSeconds must be a positive number (got ${q.binSeconds})`);
  if (!Number.isInteger(q.minActiveBins) || q.minActiveBins < 1)
    throw new VigieError('ERR_USAGE', `minActiveBins must be a positive integer (got ${q.minActiveBins})`);
  const binMs = Math.round(q.binSeconds * 1000);
  // Distinct (account, bin) cells per account on each shard's posts, merged here by account.
  const cells = `SELECT DISTINCT concat(platform, ':', account_id) AS acc, toInt64(floor(t / ${binMs})) AS bin
    FROM ${s.dist('posts')} WHERE ${kindFilter(q.kinds)}`;
  const [seen] = await s.head.rows<{ n: string }>(
    `SELECT uniqExact(acc) AS n FROM (${cells})`,
    'count active accounts',
  );
  const rows = await s.head.rows<{ acc: string; bins: (string | number)[] }>(
    `SELECT acc, arraySort(groupArray(bin)) AS bins FROM (${cells}) GROUP BY acc
     HAVING length(bins) >= ${q.minActiveBins} ORDER BY acc`,
    'activity bins',
  );
  const all = [...new Set(rows.flatMap((r) => r.bins.map(num)))].sort((a, b) => a - b);
  const index = new Map(all.map((b, i) => [b, i]));
  const offsets = new Int32Array(rows.length + 1);
  let total = 0;
  rows.forEach((r, i) => {
    total += r.bins.length;
    offsets[i + 1] = total;
  });
  const bins = new Int32Array(total);
  let w = 0;
  for (const r of rows) for (const b of r.bins) bins[w++] = index.get(num(b))!;
  return {
    binSeconds: q.binSeconds,
    accounts: rows.map((r) => r.acc),
    offsets,
    bins,
    binStartMs: Float64Array.from(all, (b) => b * binMs),
    accountsSeen: num(seen.n),
  };
}
