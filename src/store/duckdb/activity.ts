/**
 * DuckDB side of near-duplicate text and synchronised activity: stream every post's text in
 * time order (on a connection of its own, so that an abandoned stream never blocks the
 * store), write near-duplicate groups back by row reference, and compute per-account
 * activity bins inside the engine.
 */
import { inTransaction } from './transaction.js';
import {
  DOUBLE,
  FLOAT,
  DuckDBDataChunk,
  type DuckDBBlobValue,
  type DuckDBConnection,
  type DuckDBInstance,
  type DuckDBListVector,
  type DuckDBStructVector,
} from '@duckdb/node-api';
import { POST_KINDS, type PostKind } from '../../model/post.js';
import { VigieError } from '../../util/errors.js';
import type {
  ActivityBins,
  ActivityBinsQuery,
  NearDupGroupRows,
  PostTextChunk,
  PostTextStreamOptions,
} from '../activity-types.js';
import { CHUNK_ROWS } from './chunk-writer.js';

function kindFilter(kinds: PostKind[] | undefined, column = 'kind'): string {
  if (kinds === undefined) return 'TRUE';
  for (const k of kinds)
    if (!POST_KINDS.includes(k))
      throw new VigieError('ERR_USAGE', `unknown post kind ${k} (${POST_KINDS.join(', ')})`);
  return kinds.length === 0 ? 'FALSE' : `${column} IN (${kinds.map((k) => `'${k}'`).join(', ')})`;
}

function num(v: unknown): number {
  return typeof v === 'bigint'
    ? Number(v)
    : typeof v === 'number'
      ? v
      : v === null || v === undefined
        ? 0
        : Number(v);
}

async function rows(conn: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  return (await conn.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
}

/**
 * Every post in (created_at, platform, post_id) order, one DuckDB chunk (2,048 rows) at a
 * time: memory stays at one chunk whatever the workspace size. The `ORDER BY` is DuckDB's
 * (external, spilling to disk when needed). With `utf8` (and a cut), 4,096 posts per chunk
 * whose texts are one UTF-8 buffer ({@link streamPostTextsUtf8}): faster to read, but the
 * engine holds the grouped texts until the last chunk, so it is used only up to
 * UTF8_MAX_POSTS posts.
 */
export async function* streamPostTexts(
  instance: DuckDBInstance,
  options: PostTextStreamOptions = {},
): AsyncGenerator<PostTextChunk> {
  const where = kindFilter(options.kinds);
  const textsOnly = options.textsOnly === true;
  const cut = options.utf8MaxChars;
  const utf8 = textsOnly && options.utf8 === true && cut !== undefined && cut >= 1 && cut <= UTF8_MAX_CHARS;
  let n = 0;
  if (utf8 || options.onCount) {
    const conn = await instance.connect();
    try {
      n = num((await rows(conn, `SELECT count(*) AS n FROM posts WHERE ${where}`))[0].n);
    } finally {
      conn.closeSync();
    }
    options.onCount?.(n);
  }
  if (utf8) {
    // The grouping holds every group in the engine until the last (it cannot spill): past
    // UTF8_MAX_POSTS posts the string path's bounded memory is worth its slower reading.
    if (n <= UTF8_MAX_POSTS) {
      yield* streamPostTextsUtf8(instance, where, Math.floor(cut));
      return;
    }
  }
  // Every string column costs a native call and a UTF-8 decode per row on this thread:
  // the near-duplicate detector reads refs, times and texts only.
  for await (const chunk of prefetchedChunks(
    instance,
    `SELECT CAST(rowid AS DOUBLE) AS ref, CAST(epoch_ms(created_at) AS DOUBLE) AS t, text
         ${textsOnly ? '' : ', platform, post_id, account_id'}
       FROM posts WHERE ${where} ORDER BY created_at, platform, post_id`,
  )) {
    const n = chunk.rowCount;
    const out: PostTextChunk = {
      refs: new Float64Array(n),
      platforms: textsOnly ? [] : new Array(n),
      postIds: textsOnly ? [] : new Array(n),
      accountIds: textsOnly ? [] : new Array(n),
      times: new Float64Array(n),
      texts: new Array(n),
    };
    const ref = chunk.getColumnVector(0);
    const time = chunk.getColumnVector(1);
    const text = chunk.getColumnVector(2);
    for (let i = 0; i < n; i++) {
      out.refs[i] = ref.getItem(i) as number;
      out.times[i] = time.getItem(i) as number;
      out.texts[i] = text.getItem(i) as string | null;
    }
    if (!textsOnly) {
      const plat = chunk.getColumnVector(3);
      const pid = chunk.getColumnVector(4);
      const acc = chunk.getColumnVector(5);
      for (let i = 0; i < n; i++) {
        out.platforms[i] = plat.getItem(i) as string;
        out.postIds[i] = pid.getItem(i) as string;
        out.accountIds[i] = acc.getItem(i) as string;
      }
    }
    yield out;
  }
}

/**
 * The chunks of `sql` on a connection of its own (an abandoned stream never blocks the
 * store). The next chunk is asked for before this one is handed out, so that the engine's
 * threads produce it while the caller converts this one.
 */
async function* prefetchedChunks(instance: DuckDBInstance, sql: string): AsyncGenerator<DuckDBDataChunk> {
  const conn = await instance.connect();
  let next: Promise<DuckDBDataChunk | null> | null = null;
  try {
    const result = await conn.stream(sql);
    next = result.fetchChunk();
    for (;;) {
      const chunk = await next;
      next = null;
      if (!chunk || chunk.rowCount === 0) break;
      next = result.fetchChunk();
      yield chunk;
    }
  } finally {
    // A caller that stops early leaves a fetch in flight: let it settle before closing.
    await next?.catch(() => undefined);
    conn.closeSync();
  }
}

/** Posts per group of {@link streamPostTextsUtf8}: one native call per group, not per post. */
const UTF8_GROUP = 4096;
/** Longest text cut (characters) for the UTF-8 path: a group stays under 4 x 4,096 x 32,768 bytes = 512 MiB. */
const UTF8_MAX_CHARS = 32_768;
/** Largest workspace (posts of the kinds read) for the UTF-8 path: its groups take about 1 GB per 10M posts in the engine. */
const UTF8_MAX_POSTS = 30_000_000;

/**
 * Refs, times and texts in the same order as {@link streamPostTexts}, `UTF8_GROUP` posts per
 * chunk, the texts concatenated inside the engine into one UTF-8 buffer per chunk. Reading
 * a string from a DuckDB vector costs a native call and a decode each (1.2 us per text,
 * 6 s of the 10M-post bench's near-dup run); the ordered aggregation that replaces them
 * costs the engine about 0.4 s per million texts more than the plain sort, on its own threads.
 */
async function* streamPostTextsUtf8(
  instance: DuckDBInstance,
  where: string,
  maxChars: number,
): AsyncGenerator<PostTextChunk> {
  // One leading U+FEFF is dropped, as the string path's TextDecoder drops it, so that both
  // paths hand over the same text; and texts are cut where the caller stops reading.
  for await (const chunk of prefetchedChunks(
    instance,
    `WITH o AS (
         SELECT CAST(rowid AS DOUBLE) AS ref, CAST(epoch_ms(created_at) AS DOUBLE) AS t,
           left(CASE WHEN starts_with(text, chr(65279)) THEN substr(text, 2) ELSE text END, ${maxChars}) AS text,
           row_number() OVER (ORDER BY created_at, platform, post_id) - 1 AS rn
         FROM posts WHERE ${where})
       -- One ordered list of (ref, time, length) rather than three: each ordered aggregate sorts
       -- its group again (at 1M posts, 0.28 s instead of 0.33 s to the first chunk).
       SELECT rn // ${UTF8_GROUP} AS g,
         list({r: ref, t: t, l: CAST(coalesce(strlen(text), -1) AS INTEGER)} ORDER BY rn) AS rows,
         coalesce(encode(string_agg(text, '' ORDER BY rn)), ''::BLOB) AS bytes
       FROM o GROUP BY g ORDER BY g`,
  )) {
    const list = chunk.getColumnVector(1) as DuckDBListVector;
    const bytes = chunk.getColumnVector(2);
    for (let r = 0; r < chunk.rowCount; r++) {
      // The struct's children are typed arrays read in JavaScript: no native call per post.
      // A group has at least one row, so its list is never null.
      const rows = list.getItemVector(r) as DuckDBStructVector;
      const rv = rows.entryVectorAt(0);
      const tv = rows.entryVectorAt(1);
      const lv = rows.entryVectorAt(2);
      const n = rows.itemCount;
      const out: PostTextChunk = {
        refs: new Float64Array(n),
        platforms: [],
        postIds: [],
        accountIds: [],
        times: new Float64Array(n),
        texts: [],
        utf8: { bytes: (bytes.getItem(r) as DuckDBBlobValue).bytes, lens: new Int32Array(n) },
      };
      for (let i = 0; i < n; i++) {
        out.refs[i] = rv.getItem(i) as number;
        out.times[i] = tv.getItem(i) as number;
        out.utf8!.lens[i] = lv.getItem(i) as number;
      }
      yield out;
    }
  }
}

/**
 * Replace the near-duplicate groups. Rows are staged by row reference and resolved to
 * (platform, post_id) by a join inside the engine, in one transaction.
 */
export async function saveNearDupGroups(conn: DuckDBConnection, g: NearDupGroupRows): Promise<number> {
  if (g.refs.length < g.count || g.groupIds.length < g.count || g.similarity.length < g.count)
    throw new VigieError('ERR_USAGE', 'saveNearDupGroups: columns shorter than count');
  return inTransaction(conn, async () => {
    await conn.run(
      `CREATE TEMP TABLE IF NOT EXISTS near_dup_stage (ref DOUBLE, group_id DOUBLE, similarity FLOAT)`,
    );
    await conn.run(`DELETE FROM near_dup_stage`);
    const app = await conn.createAppender('near_dup_stage', 'main', 'temp');
    try {
      const types = [DOUBLE, DOUBLE, FLOAT];
      for (let off = 0; off < g.count; off += CHUNK_ROWS) {
        const n = Math.min(CHUNK_ROWS, g.count - off);
        const chunk = DuckDBDataChunk.create(types, n);
        chunk.setColumns([
          Array.from(g.refs.subarray(off, off + n)),
          Array.from(g.groupIds.subarray(off, off + n)),
          Array.from(g.similarity.subarray(off, off + n)),
        ]);
        app.appendDataChunk(chunk);
      }
      app.flushSync();
    } finally {
      app.closeSync();
    }
    await conn.run(`DELETE FROM near_dup_groups`);
    await conn.run(`INSERT INTO near_dup_groups
      SELECT p.platform, p.post_id, CAST(s.group_id AS BIGINT), s.similarity
      FROM near_dup_stage s JOIN posts p ON p.rowid = CAST(s.ref AS BIGINT)`);
    const [r] = await rows(conn, `SELECT count(*) AS n FROM near_dup_groups`);
    await conn.run(`DELETE FROM near_dup_stage`);
    return num(r.n);
  });
}

/**
 * Per-account active bins, computed in the engine: distinct (account, bin) pairs, accounts
 * with at least `minActiveBins` of them, and the occupied bins renumbered densely (so memory
 * follows the data, not the time span).
 */
export async function activityBins(conn: DuckDBConnection, q: ActivityBinsQuery): Promise<ActivityBins> {
  if (!(q.binSeconds > 0) || !Number.isFinite(q.binSeconds))
    throw new VigieError('ERR_USAGE', `binSeconds must be a positive number (got ${q.binSeconds})`);
  if (!Number.isInteger(q.minActiveBins) || q.minActiveBins < 1)
    throw new VigieError('ERR_USAGE', `minActiveBins must be a positive integer (got ${q.minActiveBins})`);
  const binMs = Math.round(q.binSeconds * 1000);
  const where = kindFilter(q.kinds);
  try {
    await conn.run(`CREATE OR REPLACE TEMP TABLE sync_bins AS
      SELECT DISTINCT platform || ':' || account_id AS acc,
        CAST(floor(epoch_ms(created_at) / ${binMs}) AS BIGINT) AS bin
      FROM posts WHERE ${where}`);
    await conn.run(`CREATE OR REPLACE TEMP TABLE sync_accts AS
      SELECT acc, CAST(row_number() OVER (ORDER BY acc) - 1 AS INTEGER) AS ai
      FROM (SELECT acc FROM sync_bins GROUP BY acc HAVING count(*) >= ${q.minActiveBins})`);
    await conn.run(`CREATE OR REPLACE TEMP TABLE sync_binidx AS
      SELECT bin, CAST(row_number() OVER (ORDER BY bin) - 1 AS INTEGER) AS bi
      FROM (SELECT DISTINCT bin FROM sync_bins WHERE acc IN (SELECT acc FROM sync_accts))`);
    const [seen] = await rows(conn, `SELECT count(DISTINCT acc) AS n FROM sync_bins`);
    const [tot] = await rows(
      conn,
      `SELECT (SELECT count(*) FROM sync_accts) AS accounts, (SELECT count(*) FROM sync_binidx) AS bins,
        (SELECT count(*) FROM sync_bins WHERE acc IN (SELECT acc FROM sync_accts)) AS cells`,
    );
    const nAcc = num(tot.accounts);
    const nBins = num(tot.bins);
    const nCells = num(tot.cells);
    const accounts: string[] = new Array(nAcc);
    const binStartMs = new Float64Array(nBins);
    const offsets = new Int32Array(nAcc + 1);
    const bins = new Int32Array(nCells);

    let r = await conn.stream(`SELECT acc FROM sync_accts ORDER BY ai`);
    for (let w = 0; ;) {
      const chunk = await r.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const v = chunk.getColumnVector(0);
      for (let i = 0; i < chunk.rowCount; i++) accounts[w++] = v.getItem(i) as string;
    }
    r = await conn.stream(`SELECT CAST(bin AS DOUBLE) * ${binMs} AS t FROM sync_binidx ORDER BY bi`);
    for (let w = 0; ;) {
      const chunk = await r.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const v = chunk.getColumnVector(0);
      for (let i = 0; i < chunk.rowCount; i++) binStartMs[w++] = v.getItem(i) as number;
    }
    r =
      await conn.stream(`SELECT a.ai, x.bi FROM sync_bins b JOIN sync_accts a USING (acc) JOIN sync_binidx x USING (bin)
      ORDER BY a.ai, x.bi`);
    let w = 0;
    for (;;) {
      const chunk = await r.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const av = chunk.getColumnVector(0);
      const bv = chunk.getColumnVector(1);
      for (let i = 0; i < chunk.rowCount; i++) {
        offsets[(av.getItem(i) as number) + 1]++;
        bins[w++] = bv.getItem(i) as number;
      }
    }
    for (let i = 0; i < nAcc; i++) offsets[i + 1] += offsets[i];
    return { binSeconds: q.binSeconds, accounts, offsets, bins, binStartMs, accountsSeen: num(seen.n) };
  } finally {
    await conn.run(`DROP TABLE IF EXISTS sync_bins`).catch(() => undefined);
    await conn.run(`DROP TABLE IF EXISTS sync_accts`).catch(() => undefined);
    await conn.run(`DROP TABLE IF EXISTS sync_binidx`).catch(() => undefined);
  }
}
