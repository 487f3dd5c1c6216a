/**
 * Co-action pairs in DuckDB: "which accounts acted on the same object within W seconds",
 * and the sufficient statistics of the coordination null model, all inside the engine.
 *
 * Pair generation never joins an object's actions with themselves (quadratic in a popular
 * object) and never cuts time into fixed bins (which splits pairs at a bin edge, CooRnet's
 * flaw). Actions are sorted by (object, time); for each action a window count gives how far
 * its W-neighbourhood reaches in that order (`hi`), and only the rows `rn+1 .. hi` are
 * generated and looked up by an equi-join on (object, row number): work proportional to the
 * number of co-actions. Objects whose busiest window holds more than `maxAccountsPerObject`
 * actions are not expanded (the cap is reported) but stay in the null model.
 *
 * The null model's statistics (see src/detectors/coordination/README.md), at the level of
 * actions so that an account repeating itself on one object (a hashtag fifty times an evening)
 * gets the extra chances it really has:
 * - objects fall in strata: popularity bins (log2 of distinct accounts) by language, each cut
 *   into runs of objects consecutive in time (popular moments), `minObjectsPerStratum` per run;
 * - `n_is`: actions of account i on objects of stratum s;
 * - per stratum, `rate_s = 2 * sum_o A_o * k_o / (k_o - 1) / M_s^2`, where k_o counts the
 *   actions on o, A_o the pairs of actions of different accounts on o within W, and M_s the
 *   actions in the stratum;
 * - the expected co-actions of i and j is `sum_s n_is * n_js * rate_s`.
 */
import { queryInt, splitAccountKey } from '../coaction-types.js';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Account } from '../../model/post.js';
import { VigieError } from '../../util/errors.js';
import { exactSum } from '../exact-sum.js';
import type {
  CoactionLayerInfo,
  CoactionPair,
  CoactionSession,
  CoactionQuery,
  CoactionResult,
  CoactionStats,
  GroupGrowthQuery,
  GroupGrowthResult,
  SharedObject,
  SharedObjectsGroupsQuery,
  SharedObjectsQuery,
} from '../coaction-types.js';

/**
 * One object layer: a SELECT yielding (platform, account_id, post_id, created_at, obj) where
 * `obj` is what "the same object" means. Adding a layer is one entry here.
 */
interface ObjectLayerSql {
  object: string;
  select: string;
  /**
   * The layer's actions as ca_act wants them (a, o, t, l: account and object hashes, epoch ms,
   * language), when cheaper than hashing `select`'s `obj`: for a post reference,
   * `hash(platform, ref_post_id)` skips building half a million 'platform:id' strings (30 of
   * 100 ms reading the reposts at 1M posts). Same objects, other hash values.
   */
  actions?: string;
  /** A table the layer reads besides `posts`; the layer is unavailable while it is missing or empty. */
  requires?: { table: string; reason: string };
}

const COLS = `platform, account_id, post_id, created_at, lang`;

/** Select the actions of a list column, one row per element. */
function unnested(column: string, prefix = ''): string {
  const obj = prefix ? `${prefix} || x.v` : 'x.v';
  return `SELECT ${COLS}, ${obj} AS obj FROM (SELECT ${COLS}, unnest(list_distinct(${column})) AS v FROM posts WHERE len(${column}) > 0) x`;
}

/** The actions of a post-reference layer straight from the posts of one kind (see `actions`). */
const REF_ACTIONS = (kind: string) =>
  `SELECT hash(platform, account_id) AS a, hash(platform, ref_post_id) AS o, epoch_ms(created_at) AS t, lang AS l
   FROM posts WHERE kind = '${kind}' AND ref_post_id IS NOT NULL`;

export const OBJECT_LAYERS: Record<string, ObjectLayerSql> = {
  'co-repost': {
    object: 'the reposted post (platform:post id)',
    select: `SELECT ${COLS}, platform || ':' || ref_post_id AS obj FROM posts WHERE kind = 'repost' AND ref_post_id IS NOT NULL`,
    actions: REF_ACTIONS('repost'),
  },
  'co-link': { object: 'a canonical URL', select: unnested('canonical_urls') },
  'co-domain': { object: 'a registrable domain', select: unnested('domains') },
  'co-hashtag': { object: 'a hashtag', select: unnested('hashtags') },
  'co-hashtag-set': {
    object: 'the sorted set of two or more hashtags of a post',
    select: `SELECT ${COLS}, array_to_string(list_sort(list_distinct(hashtags)), ' #') AS obj FROM posts
      WHERE len(list_distinct(hashtags)) >= 2`,
  },
  'co-mention': {
    object: 'a mentioned account (platform:handle)',
    select: unnested('mentions', `platform || ':'`),
  },
  'co-reply': {
    object: 'the replied-to post (platform:post id)',
    select: `SELECT ${COLS}, platform || ':' || ref_post_id AS obj FROM posts WHERE kind = 'reply' AND ref_post_id IS NOT NULL`,
    actions: REF_ACTIONS('reply'),
  },
  'co-image': { object: 'a media hash or id', select: unnested('media') },
  // Near-duplicate text groups are written by the near-dup detector (src/detectors/near-dup/).
  'co-text': {
    object: 'a near-duplicate text group',
    select: `SELECT p.platform, p.account_id, p.post_id, p.created_at, p.lang, CAST(g.group_id AS VARCHAR) AS obj
      FROM posts p JOIN near_dup_groups g ON g.platform = p.platform AND g.post_id = p.post_id`,
    requires: {
      table: 'near_dup_groups',
      reason: 'no near-duplicate text groups in this workspace yet (run the near-dup detector first)',
    },
  },
};

/**
 * Sum of time deltas (whole milliseconds) as a DOUBLE: exact and the same in any order while
 * the total stays below 2^53 ms (285,000 years), and a 16-byte HUGEINT state less in the
 * million-group pair aggregation (about 40 ms of 280 at 1M posts).
 */
const SUM_DT = (ms: string) => `sum(CAST(${ms} AS DOUBLE))`;

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

/** Whether a table the layer reads exists and holds rows (table names come from OBJECT_LAYERS only). */
async function tableHasRows(conn: DuckDBConnection, table: string): Promise<boolean> {
  const r = await rows(
    conn,
    `SELECT count(*) AS n FROM information_schema.tables WHERE table_name = '${table.replace(/'/g, "''")}'`,
  );
  if (num(r[0].n) === 0) return false;
  const [x] = await rows(conn, `SELECT EXISTS (SELECT 1 FROM "${table.replace(/"/g, '""')}") AS e`);
  return x.e === true;
}

/** The layers and whether this workspace has what each needs. */
export async function coactionLayers(conn: DuckDBConnection): Promise<CoactionLayerInfo[]> {
  const out: CoactionLayerInfo[] = [];
  for (const [layer, spec] of Object.entries(OBJECT_LAYERS)) {
    const ok = !spec.requires || (await tableHasRows(conn, spec.requires.table));
    out.push({ layer, object: spec.object, available: ok, ...(ok ? {} : { reason: spec.requires!.reason }) });
  }
  return out;
}

async function layerSpec(conn: DuckDBConnection, layer: string): Promise<ObjectLayerSql> {
  const spec = OBJECT_LAYERS[layer];
  if (!spec)
    throw new VigieError(
      'ERR_USAGE',
      `unknown co-action layer "${layer}"; layers: ${Object.keys(OBJECT_LAYERS).join(', ')}`,
    );
  if (spec.requires && !(await tableHasRows(conn, spec.requires.table)))
    throw new VigieError('ERR_NOT_FOUND', `layer ${layer}: ${spec.requires.reason}`);
  return spec;
}

/**
 * Temp table of account keys (g = 0, k, platform, account_id), filled through the appender:
 * keys are data, never SQL.
 */
async function keysTable(conn: DuckDBConnection, name: string, keys: string[]): Promise<void> {
  await conn.run(
    `CREATE OR REPLACE TEMP TABLE ${name} (g INTEGER, k VARCHAR, platform VARCHAR, account_id VARCHAR)`,
  );
  await appendGroupMembers(conn, name, [keys], true);
}

const TEMP = [
  'ca_act', 'ca_w', 'ca_ao', 'ca_obj', 'ca_ol', 'ca_os', 'ca_strata', 'ca_acc_s', 'ca_aid', 'ca_wg', 'ca_po', 'ca_pair', 'ca_res', 'ca_keys', 'ca_only', 'ca_deg',
  'gg_m', 'gg_o', 'gg_c', 'gg_res',
]; // prettier-ignore

async function dropTemps(conn: DuckDBConnection): Promise<void> {
  for (const t of TEMP) await conn.run(`DROP TABLE IF EXISTS ${t}`);
}

/**
 * What a session keeps between calls, as renamed temp tables (`cs_<table>_<id>`): per object
 * layer its actions (ca_act, ca_ao, ca_aid, ca_ol: the same for every window), per (layer,
 * window, cap, strata) the null model a group test needs (ca_obj, ca_os, ca_strata,
 * ca_acc_s). Only whole layers are kept (never an `onlyAccounts` run), and only after a call
 * that succeeded.
 */
interface Session {
  conn: DuckDBConnection;
  next: number;
  actions: Map<string, number>;
  nulls: Map<string, number>;
}
const ACTION_TABLES = ['ca_act', 'ca_ao', 'ca_aid', 'ca_ol'];
const NULL_TABLES = ['ca_obj', 'ca_os', 'ca_strata', 'ca_acc_s'];
const kept = (t: string, id: number) => `cs_${t.slice(3)}_${id}`;

async function renameTables(
  conn: DuckDBConnection,
  tables: string[],
  id: number,
  keep: boolean,
): Promise<void> {
  for (const t of tables)
    await conn.run(
      keep ? `ALTER TABLE ${t} RENAME TO ${kept(t, id)}` : `ALTER TABLE ${kept(t, id)} RENAME TO ${t}`,
    );
}

/** Bring a layer's kept actions back under their working names; false when none are kept. */
async function takeActions(s: Session | undefined, layer: string): Promise<boolean> {
  const id = s?.actions.get(layer);
  if (!s || id === undefined) return false;
  s.actions.delete(layer);
  await renameTables(s.conn, ACTION_TABLES, id, false);
  return true;
}

/** Keep the working ca_act, ca_ao, ca_aid, ca_ol of a layer for the session's next calls. */
async function keepActions(s: Session, layer: string): Promise<void> {
  const old = s.actions.get(layer);
  if (old !== undefined)
    for (const t of ACTION_TABLES) await s.conn.run(`DROP TABLE IF EXISTS ${kept(t, old)}`);
  const id = s.next++;
  await renameTables(s.conn, ACTION_TABLES, id, true);
  s.actions.set(layer, id);
}

const nullKey = (layer: string, W: number, cap: number, minStratum: number) =>
  `${layer}|${W}|${cap}|${minStratum}`;

/** Keep the working null-model tables of one window for its group test. */
async function keepNulls(s: Session, key: string): Promise<void> {
  const old = s.nulls.get(key);
  if (old !== undefined)
    for (const t of NULL_TABLES) await s.conn.run(`DROP TABLE IF EXISTS ${kept(t, old)}`);
  const id = s.next++;
  await renameTables(s.conn, NULL_TABLES, id, true);
  s.nulls.set(key, id);
}

/**
 * A session over one connection (see `CoactionSession`): the detector's layer calls keep the
 * layer's actions for its other window and each window's null model for its group test, which
 * then skips `prepareLayer`. Same SQL on the same tables, so the same numbers.
 */
export function openSession(conn: DuckDBConnection): CoactionSession {
  const s: Session = { conn, next: 1, actions: new Map(), nulls: new Map() };
  return {
    coactionPairs: (q) => coactionPairs(conn, q, s),
    groupCandidates: (q) => groupCandidates(conn, q, s),
    sharedObjectsOfGroups: (q) => sharedObjectsOfGroups(conn, q),
    close: async () => {
      for (const id of s.actions.values())
        for (const t of ACTION_TABLES) await conn.run(`DROP TABLE IF EXISTS ${kept(t, id)}`);
      for (const id of s.nulls.values())
        for (const t of NULL_TABLES) await conn.run(`DROP TABLE IF EXISTS ${kept(t, id)}`);
      s.actions.clear();
      s.nulls.clear();
    },
  };
}

interface Prepared {
  stats: CoactionStats;
  /** One action per (account, object) in the whole layer. */
  uniqueActions: boolean;
  /** False when nothing can pair (no actions, one account, everything capped). */
  ok: boolean;
}

/**
 * The shared first half of every co-action operation: the layer's actions (ca_act), their
 * (object, time) order and window reach (ca_w), account-object counts (ca_ao), per-object
 * statistics (ca_obj), the strata of the null model (ca_os, ca_strata) and, for the
 * configuration null, each account's actions per stratum (ca_acc_s). Temp tables; the caller
 * drops them.
 */
async function prepareLayer(
  conn: DuckDBConnection,
  spec: ObjectLayerSql,
  layer: string,
  W: number,
  cap: number,
  minStratum: number,
  accountStrata: boolean,
  /** ca_act, ca_ao, ca_aid and ca_ol already hold this layer's actions (kept by a session). */
  haveActions = false,
): Promise<Prepared> {
  if (!haveActions)
    await conn.run(
      `CREATE OR REPLACE TEMP TABLE ca_act AS ${
        spec.actions ??
        `SELECT hash(platform, account_id) AS a, hash(obj) AS o, epoch_ms(created_at) AS t, lang AS l
      FROM (${spec.select}) WHERE obj IS NOT NULL AND obj <> ''`
      }`,
    );
  const [s] = await rows(
    conn,
    `SELECT count(*) AS n, min(t) AS t0, max(t) AS t1,
         coalesce(avg(CASE WHEN t % 60000 = 0 THEN 1.0 ELSE 0.0 END), 0) AS wm FROM ca_act`,
  );
  const stats: CoactionStats = {
    layer,
    windowMs: W,
    actions: num(s.n),
    accounts: 0,
    objects: 0,
    pairsTested: 0,
    pairsReturned: 0,
    cappedObjects: 0,
    cappedActions: 0,
    maxActionsInWindow: 0,
    firstMs: s.t0 === null ? null : num(s.t0),
    lastMs: s.t1 === null ? null : num(s.t1),
    wholeMinuteShare: num(s.wm),
    strata: [],
    seconds: 0,
  };
  if (stats.actions === 0) return { stats, uniqueActions: true, ok: false };

  if (!haveActions) {
    await conn.run(
      `CREATE OR REPLACE TEMP TABLE ca_ao AS SELECT a, o, count(*) AS k FROM ca_act GROUP BY a, o`,
    );
    // The layer's accounts numbered 1..n in hash order (the same data, the same numbers), for
    // the pair generation's 32-bit keys; kept with the actions, so built once per layer.
    await conn.run(`CREATE OR REPLACE TEMP TABLE ca_aid AS
      SELECT a AS h, CAST(row_number() OVER (ORDER BY a) AS INTEGER) AS i FROM (SELECT DISTINCT a FROM ca_ao)`);
  }
  const [ao] = await rows(conn, `SELECT count(*) AS n FROM ca_ao`);
  const uniqueActions = num(ao.n) === stats.actions;
  // rn: position in (object, time) order; hi: last position within W after it. Both windows
  // share one sort. Ties in time may be ordered either way: each pair is still counted once.
  await conn.run(`CREATE OR REPLACE TEMP TABLE ca_w AS
      SELECT a, o, t, row_number() OVER w AS rn,
        count(*) OVER (PARTITION BY o ORDER BY t RANGE BETWEEN UNBOUNDED PRECEDING AND ${W} FOLLOWING) AS hi
      FROM ca_act WINDOW w AS (PARTITION BY o ORDER BY t)`);
  // Per object: actions n, distinct accounts d, action pairs of different accounts within W,
  // busiest window, and `base`, which makes base + rn a key unique to one action: the object's
  // number in the high 32 bits (rn < 2^32). Any numbering will do, so no sort: a running sum
  // in object order cost a third of this statement.
  await conn.run(`CREATE OR REPLACE TEMP TABLE ca_obj AS
      SELECT o, n, d, sk2, wp, mw, tf, CAST(floor(log2(d)) AS INTEGER) AS bin,
        CAST(row_number() OVER () AS BIGINT) << 32 AS base
      FROM (
        -- d and sum(k^2) from n and the few repeated (account, object) rows: one aggregation
        -- of the actions instead of a second one of the account-object rows and a join.
        SELECT o, n, CAST(n - coalesce(r.dx, 0) AS BIGINT) AS d, n + coalesce(r.sx, 0) AS sk2, wp, mw, tf
        FROM (SELECT o, count(*) AS n, sum(hi - rn) AS wp, max(hi - rn + 1) AS mw, min(t) AS tf FROM ca_w GROUP BY o)
          LEFT JOIN (SELECT o, sum(k - 1) AS dx, sum(k * k - k) AS sx FROM ca_ao WHERE k > 1 GROUP BY o) r USING (o))`);
  const [u] = await rows(
    conn,
    `SELECT (SELECT count(DISTINCT a) FROM ca_ao) AS na, (SELECT count(*) FROM ca_obj) AS no`,
  );
  stats.accounts = num(u.na);
  stats.objects = num(u.no);
  if (!uniqueActions) {
    // Pairs of one account's own actions are no co-action: take them out of the window pairs.
    await conn.run(`UPDATE ca_obj SET wp = ca_obj.wp - s.sp FROM (
          SELECT o, sum(h - r) AS sp FROM (
            SELECT o, row_number() OVER v AS r,
              count(*) OVER (PARTITION BY o, a ORDER BY t RANGE BETWEEN UNBOUNDED PRECEDING AND ${W} FOLLOWING) AS h
            FROM ca_act WHERE (a, o) IN (SELECT (a, o) FROM ca_ao WHERE k > 1)
            WINDOW v AS (PARTITION BY o, a ORDER BY t))
          GROUP BY o) s
        WHERE s.o = ca_obj.o`);
  }
  const [cp] = await rows(
    conn,
    `SELECT count(*) AS n, coalesce(sum(n), 0) AS acts FROM ca_obj WHERE mw > ${cap}`,
  );
  const [mx] = await rows(conn, `SELECT max(mw) AS m FROM ca_obj`);
  stats.cappedObjects = num(cp.n);
  stats.cappedActions = num(cp.acts);
  stats.maxActionsInWindow = num(mx.m);
  if (stats.accounts < 2 || stats.cappedObjects === stats.objects) return { stats, uniqueActions, ok: false };

  // Strata: within each popularity bin and language, runs of objects consecutive in time (by
  // first action) holding at least minStratum objects each; a thin last run joins the one
  // before it. So a televised debate's top posts form their own strata, apart from the day's
  // other viral posts, and each language community is compared with itself.
  // Each object's language: the most common among its actions (ties by name).
  if (!haveActions)
    await conn.run(`CREATE OR REPLACE TEMP TABLE ca_ol AS
      SELECT o, first(l ORDER BY c DESC, l) AS l
      FROM (SELECT o, coalesce(l, 'und') AS l, count(*) AS c FROM ca_act GROUP BY ALL) GROUP BY o`);
  await conn.run(`CREATE OR REPLACE TEMP TABLE ca_os AS
      SELECT o, hash(bin, l, CASE WHEN cnt < ${minStratum} THEN 0
          ELSE least((r - 1) // ${minStratum}, cnt // ${minStratum} - 1) END) AS s
      FROM (SELECT o, bin, l, row_number() OVER (PARTITION BY bin, l ORDER BY tf, o) AS r,
              count(*) OVER (PARTITION BY bin, l) AS cnt
            FROM ca_obj JOIN ca_ol USING (o) WHERE mw <= ${cap})`);
  await conn.run(`CREATE OR REPLACE TEMP TABLE ca_strata AS
      SELECT *, 2 * wpc / (CAST(inc AS DOUBLE) * inc) AS rate FROM (
        SELECT s, any_value(c.bin) AS bin, count(*) AS objects, min(d) AS dmin, max(d) AS dmax, sum(n) AS inc,
          ${exactSum('CASE WHEN n > 1 THEN wp * n / (n - 1) ELSE 0 END')} AS wpc,
          -- Share of the stratum's action pairs of different accounts that fall within W. Both
          -- sums are of integers (n^2 - sum k^2 is even), so exact whatever the order.
          coalesce(sum(wp) / nullif(sum((CAST(n AS BIGINT) * n - sk2) // 2), 0), 0) AS tau
        FROM ca_obj c JOIN ca_os USING (o) GROUP BY s)`);
  const bins = await rows(
    conn,
    `SELECT bin, count(*) AS strata, sum(objects) AS objects, min(dmin) AS dmin, max(dmax) AS dmax,
         sum(inc) AS inc, ${exactSum('wpc')} AS wpc, min(rate) AS rmin, max(rate) AS rmax, min(tau) AS tmin, max(tau) AS tmax
       FROM ca_strata GROUP BY bin ORDER BY bin DESC`,
  );
  stats.strata = bins.map((b) => ({
    minAccounts: num(b.dmin),
    maxAccounts: num(b.dmax),
    objects: num(b.objects),
    timeStrata: num(b.strata),
    incidences: num(b.inc),
    windowPairs: num(b.wpc),
    rateMin: num(b.rmin),
    rateMax: num(b.rmax),
    tauMin: num(b.tmin),
    tauMax: num(b.tmax),
  }));
  // Keyed on the dense account numbers (ca_aid), like the pairs it is joined with: the
  // expectation walks a million (pair, stratum) rows through it.
  if (accountStrata)
    await conn.run(`CREATE OR REPLACE TEMP TABLE ca_acc_s AS
        SELECT d.i AS a, q.s, q.n FROM (
          SELECT x.a, os.s, count(*) AS n FROM ca_act x JOIN ca_os os USING (o) GROUP BY x.a, os.s) q
        JOIN ca_aid d ON d.h = q.a`);

  return { stats, uniqueActions, ok: true };
}

/**
 * Account pairs acting on the same object within the window, with counts, deltas and the
 * null model's expected count. See the module header for the method.
 */
export async function coactionPairs(
  conn: DuckDBConnection,
  q: CoactionQuery,
  session?: Session,
): Promise<CoactionResult> {
  const t0 = performance.now();
  const spec = await layerSpec(conn, q.layer);
  const W = queryInt('windowMs', q.windowMs, 0);
  const cap = queryInt('maxAccountsPerObject', q.maxAccountsPerObject, 2);
  const minCount = queryInt('minCount', q.minCount, 1);
  const minStratum = queryInt('minObjectsPerStratum', q.minObjectsPerStratum, 1);
  const maxP = q.maxPValue ?? 1;
  const timing = q.nullModel === 'timing';
  if (!(maxP > 0 && maxP <= 1))
    throw new VigieError('ERR_USAGE', `maxPValue must be in (0, 1] (got ${maxP})`);
  // A session keeps whole layers only: an onlyAccounts run computes the same null but not the
  // same pairs, and is rare (weak layers, explain-pair).
  const ses = q.onlyAccounts ? undefined : session;
  let prep: Prepared | undefined;
  let finished = false;
  try {
    prep = await prepareLayer(
      conn,
      spec,
      q.layer,
      W,
      cap,
      minStratum,
      !timing,
      await takeActions(ses, q.layer),
    );
    const { stats, uniqueActions } = prep;
    const done = (pairs: CoactionPair[]): CoactionResult => {
      finished = true;
      stats.pairsReturned = pairs.length;
      stats.seconds = (performance.now() - t0) / 1000;
      return { stats, pairs };
    };
    if (!prep.ok) return done([]);

    let only = '';
    if (q.onlyAccounts) {
      await keysTable(conn, 'ca_only', q.onlyAccounts);
      only = `AND w.a IN (SELECT hash(platform, account_id) FROM ca_only)`;
    }
    // Action keys: g for the action, gh for the last action within W after it on the same
    // object (consecutive within an object). Pairs are (g, g+1..gh): one equi-join per
    // co-action, never a scan of the object.
    // `rep` marks an account's repeated actions on one object (rare for reposts).
    // Pair generation and its aggregation key on the dense account numbers of ca_aid: grouping
    // a million pairs on two INTEGERs instead of two 64-bit hashes took 220 ms instead of
    // 310-410 ms at 1M posts. The pairs are mapped back to hashes once they are few (count >=
    // minCount, in the family).
    await conn.run(`CREATE OR REPLACE TEMP TABLE ca_wg AS
      SELECT d.i AS a, w.o, w.t, c.base + w.rn AS g, c.base + w.hi AS gh,
        ${uniqueActions ? 'false' : '(w.a, w.o) IN (SELECT (a, o) FROM ca_ao WHERE k > 1)'} AS rep
      FROM ca_w w JOIN ca_obj c USING (o) JOIN ca_aid d ON d.h = w.a
      WHERE c.mw <= ${cap} AND c.d > 1 ${only}`);
    const gen = (probe: string, build: string) => `
      FROM (SELECT a, o, t, unnest(range(g + 1, gh + 1)) AS g2 FROM ca_wg WHERE gh > g AND ${probe}) g
      JOIN (SELECT * FROM ca_wg WHERE ${build}) b ON b.g = g.g2 WHERE b.a <> g.a`;
    // Neither account repeats itself on the object: one row per (pair, object), one aggregation.
    await conn.run(`CREATE OR REPLACE TEMP TABLE ca_pair AS
      SELECT least(g.a, b.a) AS x, greatest(g.a, b.a) AS y, count(*) AS c, ${SUM_DT('abs(b.t - g.t)')} AS sdt,
        min(least(g.t, b.t)) AS t0, max(least(g.t, b.t)) AS t1
      ${gen('NOT rep', 'NOT rep')} GROUP BY 1, 2`);
    if (!uniqueActions) {
      // The rows whose later action repeats and earlier one does not. With few repeated actions
      // (reposts: a few dozen in millions) they are generated backward from the repeated ones,
      // from lo, the first position at most W earlier (times are integer ms), instead of
      // generating every co-action again to find them.
      const [rc] = await rows(conn, `SELECT count(*) FILTER (WHERE rep) AS r, count(*) AS n FROM ca_wg`);
      const backward = num(rc.r) <= num(rc.n) / 100;
      const lo = `lo AS (SELECT DISTINCT o, t, lo FROM (
          SELECT o, t, 1 + count(*) OVER (PARTITION BY o ORDER BY t RANGE BETWEEN UNBOUNDED PRECEDING AND ${W + 1} PRECEDING) AS lo
          FROM ca_act WHERE o IN (SELECT o FROM ca_wg WHERE rep)))`;
      const laterRep = backward
        ? `SELECT g.a, g.o, g.t, b.a, b.t
           FROM (SELECT r.a, r.o, r.t, unnest(range(c.base + l.lo, r.g)) AS g2
                 FROM ca_wg r JOIN lo l ON l.o = r.o AND l.t = r.t JOIN ca_obj c ON c.o = r.o WHERE r.rep) g
           JOIN ca_wg b ON b.g = g.g2 WHERE b.a <> g.a AND NOT b.rep`
        : `SELECT g.a, g.o, g.t, b.a, b.t ${gen('NOT rep', 'rep')}`;
      // Repeated actions: keep the closest two actions of the pair on each object, then merge.
      await conn.run(`CREATE OR REPLACE TEMP TABLE ca_po AS ${backward ? `WITH ${lo}` : ''}
        SELECT x, y, count(*) AS c, ${SUM_DT('dt')} AS sdt, min(t0) AS t0, max(t0) AS t1 FROM (
          SELECT least(ga, ba) AS x, greatest(ga, ba) AS y, o, min(abs(bt - gt)) AS dt, min(least(gt, bt)) AS t0
          FROM (SELECT g.a AS ga, g.o AS o, g.t AS gt, b.a AS ba, b.t AS bt ${gen('rep', 'true')}
                UNION ALL ${laterRep})
          GROUP BY 1, 2, 3)
        GROUP BY x, y`);
      await conn.run(`UPDATE ca_pair SET c = ca_pair.c + p.c, sdt = ca_pair.sdt + p.sdt,
          t0 = least(ca_pair.t0, p.t0), t1 = greatest(ca_pair.t1, p.t1)
        FROM ca_po p WHERE p.x = ca_pair.x AND p.y = ca_pair.y`);
      await conn.run(
        `INSERT INTO ca_pair SELECT p.* FROM ca_po p ANTI JOIN ca_pair q ON q.x = p.x AND q.y = p.y`,
      );
    }
    const [pc] = await rows(conn, `SELECT count(*) AS n FROM ca_pair`);
    stats.pairsTested = num(pc.n);

    // Pairs that cannot reach maxP are dropped in the engine: P(X >= c) >= P(X = c), so a pair
    // whose point probability (conditioned on X >= 1) exceeds maxP has p > maxP. Poisson, or
    // negative binomial when the null's expectation is given a dispersion.
    const phi = q.dispersion ?? 0;
    if (!(phi >= 0 && phi <= 10))
      throw new VigieError('ERR_USAGE', `dispersion must be in [0, 10] (got ${phi})`);
    // ln P(X = c) and ln P(X >= 1) of the null's count (SQL expressions of c and lambda).
    const lnPointOf = (c: string, L: string) => {
      if (phi === 0) return `-${L} + ${c} * ln(${L}) - lgamma(${c} + 1)`;
      const r = 1 / (phi * phi);
      return `lgamma(${c} + ${r}) - lgamma(${r}) - lgamma(${c} + 1) + ${r} * ln(${r} / (${L} + ${r})) + ${c} * ln(${L} / (${L} + ${r}))`;
    };
    const lnSelOf = (L: string) =>
      phi > 0
        ? `CASE WHEN ${L} > 1e-6 THEN ln(1 - exp(${1 / (phi * phi)} * ln(${1 / (phi * phi)} / (${L} + ${1 / (phi * phi)})))) ELSE ln(${L}) END`
        : `CASE WHEN ${L} > 1e-6 THEN ln(1 - exp(-${L})) ELSE ln(${L}) - ${L} / 2 END`;
    // Expected count of the pairs of table `src` (columns x, y: dense account numbers) under
    // the null model.
    const lamOf = (src: string) =>
      timing
        ? `SELECT r.x, r.y, ${exactSum('least(1.0, CAST(p.k AS DOUBLE) * q.k * st.tau)')} AS expected, count(*) AS shared
              FROM ${src} r JOIN ca_aid dx ON dx.i = r.x JOIN ca_aid dy ON dy.i = r.y
                JOIN ca_ao p ON p.a = dx.h JOIN ca_ao q ON q.a = dy.h AND q.o = p.o
                JOIN ca_os os ON os.o = p.o JOIN ca_strata st ON st.s = os.s
              GROUP BY r.x, r.y`
        : // Each pair is walked from the account with fewer strata (u) and looked up in the
          // other's (v): 1.9M joined rows instead of 4.1M for co-repost at 1M posts, 2.4 times
          // faster. The terms are the same products, so the exact sum is unchanged.
          `WITH ns AS (SELECT a, count(*) AS n FROM ca_acc_s GROUP BY a),
            uv AS (SELECT r.x, r.y, CASE WHEN nx.n <= ny.n THEN r.x ELSE r.y END AS u,
                CASE WHEN nx.n <= ny.n THEN r.y ELSE r.x END AS v
              FROM ${src} r JOIN ns nx ON nx.a = r.x JOIN ns ny ON ny.a = r.y)
            SELECT r.x, r.y, ${exactSum('CAST(au.n AS DOUBLE) * av.n * st.rate')} AS expected, CAST(NULL AS BIGINT) AS shared
              FROM uv r JOIN ca_acc_s au ON au.a = r.u JOIN ca_acc_s av ON av.a = r.v AND av.s = au.s
                JOIN ca_strata st ON st.s = au.s
              GROUP BY r.x, r.y`;

    // The family of the false-discovery control (after Tarone 1990 and Gilbert 2005: leave out
    // the tests that cannot reject). A pair's count is at most cm, the fewer of the two
    // accounts' distinct objects in the layer; with cm = 1 its conditional p-value is 1 whatever
    // happens, a fact fixed by the margins the null keeps (activity), not by the count. Those
    // pairs leave the BH family: their number grows with the data (everyone who shared one
    // look-alike text or one popular link), the evidence of a swarm does not. Gilbert's full
    // step (dropping pairs whose smallest attainable p exceeds fdr / K) needs every pair's
    // expectation: it tripled co-repost's CPU time at 1M posts, for a family 10-20 % smaller.
    let inFamily = '';
    stats.pairsInFamily = stats.pairsTested;
    const alpha = q.discreteFdr;
    if (alpha !== undefined) {
      if (!(alpha > 0 && alpha < 1))
        throw new VigieError('ERR_USAGE', `discreteFdr must be in (0, 1) (got ${alpha})`);
      // With one action per (account, object), the small per-stratum table gives the count.
      await conn.run(
        `CREATE OR REPLACE TEMP TABLE ca_deg AS SELECT q.i AS a FROM (${
          uniqueActions && !timing
            ? `SELECT a AS i FROM ca_acc_s GROUP BY a HAVING sum(n) >= 2`
            : `SELECT d.i FROM ca_ao JOIN ca_os USING (o) JOIN ca_aid d ON d.h = ca_ao.a GROUP BY d.i HAVING count(*) >= 2`
        }) q`,
      );
      const [f] = await rows(
        conn,
        `SELECT count(*) AS n FROM ca_pair p SEMI JOIN ca_deg dx ON dx.a = p.x SEMI JOIN ca_deg dy ON dy.a = p.y`,
      );
      stats.pairsInFamily = num(f.n);
      inFamily = `AND r.x IN (SELECT a FROM ca_deg) AND r.y IN (SELECT a FROM ca_deg)`;
    }

    const L = 'l.expected';
    const lnPoint = lnPointOf('r.c', L);
    const lnSel = lnSelOf(L);
    const pFilter = maxP < 1 ? `AND ${L} > 0 AND (${lnPoint} - (${lnSel})) <= ${Math.log(maxP)}` : '';
    // The family filter first (no expectation for pairs outside it), then back to hashes once
    // the pairs are few.
    await conn.run(`CREATE OR REPLACE TEMP TABLE ca_res AS
      WITH res AS (SELECT r.x, r.y, r.c, r.sdt, r.t0, r.t1 FROM ca_pair r
         WHERE r.c >= ${minCount} ${inFamily}),
       lam AS (${lamOf('res')}),
       kept AS (SELECT r.*, l.expected, l.shared FROM res r JOIN lam l ON l.x = r.x AND l.y = r.y
         WHERE true ${pFilter})
      SELECT dx.h AS x, dy.h AS y, k.c, k.sdt, k.t0, k.t1, k.expected, k.shared
      FROM kept k JOIN ca_aid dx ON dx.i = k.x JOIN ca_aid dy ON dy.i = k.y`);
    // Account keys from the accounts table (one row per account); the posts only for any missing.
    await conn.run(`CREATE OR REPLACE TEMP TABLE ca_keys AS
      WITH ids AS (SELECT x AS h FROM ca_res UNION SELECT y FROM ca_res)
      SELECT hash(platform, account_id) AS h, platform || ':' || account_id AS k FROM accounts
      WHERE hash(platform, account_id) IN (SELECT h FROM ids)`);
    const [miss] = await rows(
      conn,
      `SELECT count(*) AS n FROM (SELECT x AS h FROM ca_res UNION SELECT y FROM ca_res) WHERE h NOT IN (SELECT h FROM ca_keys)`,
    );
    if (num(miss.n) > 0)
      await conn.run(`INSERT INTO ca_keys
        SELECT DISTINCT hash(platform, account_id), platform || ':' || account_id FROM posts
        WHERE hash(platform, account_id) IN
          (SELECT x FROM ca_res UNION SELECT y FROM ca_res EXCEPT SELECT h FROM ca_keys)`);
    const res = await rows(
      conn,
      `SELECT kx.k AS ka, ky.k AS kb, r.c, r.sdt / r.c AS dt, r.t0, r.t1, r.expected, r.shared
       FROM ca_res r JOIN ca_keys kx ON kx.h = r.x JOIN ca_keys ky ON ky.h = r.y`,
    );
    const pairs: CoactionPair[] = res.map((r) => {
      const ka = String(r.ka);
      const kb = String(r.kb);
      return {
        a: ka < kb ? ka : kb,
        b: ka < kb ? kb : ka,
        count: num(r.c),
        meanDeltaMs: num(r.dt),
        firstMs: num(r.t0),
        lastMs: num(r.t1),
        expected: num(r.expected),
        ...(r.shared === null || r.shared === undefined ? {} : { sharedObjects: num(r.shared) }),
      };
    });
    if (new Set(pairs.map((p) => p.a + '\u0000' + p.b)).size !== pairs.length)
      throw new VigieError(
        'ERR_STORE',
        `layer ${q.layer}: two account keys share one 64-bit hash; please report this`,
      );
    pairs.sort((x, y) => (x.a < y.a ? -1 : x.a > y.a ? 1 : x.b < y.b ? -1 : x.b > y.b ? 1 : 0));
    return done(pairs);
  } finally {
    if (ses && finished && prep?.ok) {
      await keepActions(ses, q.layer);
      if (!timing) await keepNulls(ses, nullKey(q.layer, W, cap, minStratum));
    }
    await dropTemps(conn);
  }
}

/**
 * Accounts outside each group that acted, within W of a member, on objects the group's members
 * co-acted on; with the number of such objects and how many of the group's objects the account
 * would act on at all by chance (configuration null, timing ignored: conservative).
 */
export async function groupCandidates(
  conn: DuckDBConnection,
  q: GroupGrowthQuery,
  session?: Session,
): Promise<GroupGrowthResult> {
  const t0 = performance.now();
  const spec = await layerSpec(conn, q.layer);
  const W = queryInt('windowMs', q.windowMs, 0);
  const cap = queryInt('maxAccountsPerObject', q.maxAccountsPerObject, 2);
  const minStratum = queryInt('minObjectsPerStratum', q.minObjectsPerStratum, 1);
  const minCount = queryInt('minCount', q.minCount, 1);
  const out: GroupGrowthResult = {
    layer: q.layer,
    candidates: [],
    tested: 0,
    groupObjects: q.groups.map(() => 0),
    seconds: 0,
  };
  if (q.groups.length === 0) return out;
  let haveActions = false;
  try {
    haveActions = await takeActions(session, q.layer);
    // The null model this window's pair test built, when the session kept it: same tables.
    const key = nullKey(q.layer, W, cap, minStratum);
    const nid = session?.nulls.get(key);
    if (session && haveActions && nid !== undefined) {
      session.nulls.delete(key);
      await renameTables(conn, NULL_TABLES, nid, false);
    } else if (!(await prepareLayer(conn, spec, q.layer, W, cap, minStratum, true, haveActions)).ok)
      return out;
    await conn.run(`CREATE OR REPLACE TEMP TABLE gg_m (g INTEGER, platform VARCHAR, account_id VARCHAR)`);
    await appendGroupMembers(conn, 'gg_m', q.groups, false);
    // The group's co-action objects: two different members within W of each other.
    await conn.run(`CREATE OR REPLACE TEMP TABLE gg_o AS
      WITH m AS (SELECT g, hash(platform, account_id) AS a FROM gg_m),
      ma AS (SELECT m.g, x.a, x.o, x.t FROM ca_act x JOIN m ON m.a = x.a JOIN ca_os os ON os.o = x.o),
      win AS (SELECT g, o, min(a) OVER w AS lo, max(a) OVER w AS hi FROM ma
              WINDOW w AS (PARTITION BY g, o ORDER BY t RANGE BETWEEN ${W} PRECEDING AND ${W} FOLLOWING))
      SELECT DISTINCT g, o FROM win WHERE lo <> hi`);
    const objs = await rows(conn, `SELECT g, count(*) AS n FROM gg_o GROUP BY g`);
    for (const r of objs) out.groupObjects[num(r.g)] = num(r.n);
    // Outsiders' actions on those objects within W of a member action.
    await conn.run(`CREATE OR REPLACE TEMP TABLE gg_c AS
      WITH m AS (SELECT g, hash(platform, account_id) AS a FROM gg_m),
      acts AS (
        SELECT go.g, x.a, x.o, x.t, (mm.a IS NOT NULL) AS mem
        FROM gg_o go JOIN ca_act x ON x.o = go.o LEFT JOIN m mm ON mm.g = go.g AND mm.a = x.a),
      win AS (SELECT *, sum(CASE WHEN mem THEN 1 ELSE 0 END) OVER w AS near FROM acts
              WINDOW w AS (PARTITION BY g, o ORDER BY t RANGE BETWEEN ${W} PRECEDING AND ${W} FOLLOWING))
      SELECT g, a, count(DISTINCT o) AS y FROM win
      WHERE NOT mem AND near > 0 AND a NOT IN (SELECT a FROM m)
      GROUP BY g, a`);
    const [tc] = await rows(conn, `SELECT count(*) AS n FROM gg_c`);
    out.tested = num(tc.n);
    await conn.run(`CREATE OR REPLACE TEMP TABLE gg_res AS
      WITH share AS (
        SELECT go.g, os.s, sum(c.n) / any_value(st.inc) AS share
        FROM gg_o go JOIN ca_obj c ON c.o = go.o JOIN ca_os os ON os.o = go.o JOIN ca_strata st ON st.s = os.s
        GROUP BY go.g, os.s),
      cand AS (SELECT * FROM gg_c WHERE y >= ${minCount})
      SELECT cand.g, cand.a, cand.y, ${exactSum('acs.n * sh.share')} AS expected
      FROM cand JOIN ca_aid d ON d.h = cand.a JOIN ca_acc_s acs ON acs.a = d.i
        JOIN share sh ON sh.g = cand.g AND sh.s = acs.s
      GROUP BY cand.g, cand.a, cand.y`);
    await conn.run(`CREATE OR REPLACE TEMP TABLE ca_keys AS
      SELECT hash(platform, account_id) AS h, platform || ':' || account_id AS k FROM accounts
      WHERE hash(platform, account_id) IN (SELECT a FROM gg_res)`);
    const [miss] = await rows(
      conn,
      `SELECT count(*) AS n FROM (SELECT DISTINCT a FROM gg_res) WHERE a NOT IN (SELECT h FROM ca_keys)`,
    );
    if (num(miss.n) > 0)
      await conn.run(`INSERT INTO ca_keys
        SELECT DISTINCT hash(platform, account_id), platform || ':' || account_id FROM posts
        WHERE hash(platform, account_id) IN (SELECT a FROM gg_res EXCEPT SELECT h FROM ca_keys)`);
    const res = await rows(
      conn,
      `SELECT r.g, k.k, r.y, r.expected FROM gg_res r JOIN ca_keys k ON k.h = r.a ORDER BY r.g, k.k`,
    );
    out.candidates = res.map((r) => ({
      group: num(r.g),
      account: String(r.k),
      count: num(r.y),
      expected: num(r.expected),
    }));
    out.seconds = (performance.now() - t0) / 1000;
    return out;
  } finally {
    // The layer's other window has its own group test: its actions stay kept.
    if (session && haveActions) await keepActions(session, q.layer);
    await dropTemps(conn);
  }
}

/**
 * Objects that at least two of the given accounts acted on within the window of each other,
 * most shared first, with the actions of those accounts on them.
 */
export async function sharedObjects(conn: DuckDBConnection, q: SharedObjectsQuery): Promise<SharedObject[]> {
  const { accounts, ...rest } = q;
  return (await sharedObjectsOfGroups(conn, { ...rest, groups: [accounts] }))[0];
}

/**
 * Rows (group index, [account key,] platform, account id) of each group's distinct members into
 * a temp table created by the caller with those columns.
 */
async function appendGroupMembers(
  conn: DuckDBConnection,
  table: string,
  groups: readonly (readonly string[])[],
  withKey: boolean,
): Promise<void> {
  const app = await conn.createAppender(table, 'main', 'temp');
  try {
    groups.forEach((members, g) => {
      for (const k of new Set(members)) {
        const [platform, accountId] = splitAccountKey(k);
        app.appendInteger(g);
        if (withKey) app.appendVarchar(k);
        app.appendVarchar(platform);
        app.appendVarchar(accountId);
        app.endRow();
      }
    });
    app.flushSync();
  } finally {
    app.closeSync();
  }
}

/**
 * `sharedObjects` for several groups of accounts at once (one scan of the posts instead of one
 * per group); the result for each group is exactly that of its own call.
 */
export async function sharedObjectsOfGroups(
  conn: DuckDBConnection,
  q: SharedObjectsGroupsQuery,
): Promise<SharedObject[][]> {
  const spec = await layerSpec(conn, q.layer);
  const W = queryInt('windowMs', q.windowMs, 0);
  const limO = queryInt('limitObjects', q.limitObjects, 1);
  const limA = queryInt('limitActionsPerObject', q.limitActionsPerObject, 1);
  const out: SharedObject[][] = q.groups.map(() => []);
  if (!q.groups.some((g) => new Set(g).size >= 2)) return out;
  try {
    await conn.run(
      `CREATE OR REPLACE TEMP TABLE so_keys (g INTEGER, k VARCHAR, platform VARCHAR, account_id VARCHAR)`,
    );
    await appendGroupMembers(conn, 'so_keys', q.groups, true);
    // The layer's SELECT reads `posts`: a CTE of that name holding only the given accounts' posts
    // shadows the table, so the objects (unnested lists, near-dup joins) are built for those
    // posts alone. A user's action counts when another account of its group acted on the
    // object within W of it: the smallest and largest account in its two-sided window differ.
    const r = await rows(
      conn,
      `WITH posts AS (
         SELECT p.* FROM main.posts p SEMI JOIN so_keys k ON k.platform = p.platform AND k.account_id = p.account_id),
       act AS (
         SELECT DISTINCT k.g, k.k AS acc, x.platform || ':' || x.post_id AS pk, epoch_ms(x.created_at) AS t, x.obj
         FROM (${spec.select}) x JOIN so_keys k ON k.platform = x.platform AND k.account_id = x.account_id
         WHERE obj IS NOT NULL AND obj <> ''),
       win AS (
         SELECT *, min(acc) OVER w AS lo, max(acc) OVER w AS hi FROM act
         WINDOW w AS (PARTITION BY g, obj ORDER BY t RANGE BETWEEN ${W} PRECEDING AND ${W} FOLLOWING)),
       kept AS (SELECT * FROM win WHERE lo <> hi),
       objs AS (
         SELECT * FROM (
           SELECT g, obj, count(DISTINCT acc) AS n, min(t) AS first,
             row_number() OVER (PARTITION BY g ORDER BY count(DISTINCT acc) DESC, min(t), obj) AS r
           FROM kept GROUP BY g, obj)
         WHERE r <= ${limO})
       SELECT o.g, o.obj, o.n, list({'acc': k.acc, 'pk': k.pk, 't': k.t} ORDER BY k.t, k.acc, k.pk)[1:${limA}] AS acts
       FROM objs o JOIN kept k USING (g, obj)
       GROUP BY o.g, o.obj, o.n, o.first ORDER BY o.g, o.n DESC, o.first, o.obj`,
    );
    for (const x of r)
      out[num(x.g)].push({
        object: String(x.obj),
        accounts: num(x.n),
        actions: (x.acts as { acc: string; pk: string; t: unknown }[]).map((a) => ({
          account: String(a.acc),
          postKey: String(a.pk),
          timeMs: num(a.t),
        })),
      });
    return out;
  } finally {
    await conn.run(`DROP TABLE IF EXISTS so_keys`);
  }
}

/** Accounts by `platform:account_id` key. */
export async function accountsByKey(conn: DuckDBConnection, keys: string[]): Promise<Account[]> {
  if (keys.length === 0) return [];
  try {
    await keysTable(conn, 'ab_keys', keys);
    const r = await rows(
      conn,
      `SELECT a.*, epoch_ms(a.created_at) AS c_ms, epoch_ms(a.snapshot_at) AS s_ms
       FROM accounts a JOIN ab_keys k ON k.platform = a.platform AND k.account_id = a.account_id
       ORDER BY a.platform, a.account_id`,
    );
    return r.map((x) => ({
      platform: String(x.platform),
      accountId: String(x.account_id),
      handle: (x.handle as string | null) ?? null,
      displayName: (x.display_name as string | null) ?? null,
      createdAt: x.c_ms === null ? null : num(x.c_ms),
      followers: x.followers === null ? null : num(x.followers),
      following: x.following === null ? null : num(x.following),
      postsCount: x.posts_count === null ? null : num(x.posts_count),
      description: (x.description as string | null) ?? null,
      verified: (x.verified as boolean | null) ?? null,
      defaultProfile: (x.default_profile as boolean | null) ?? null,
      defaultAvatar: (x.default_avatar as boolean | null) ?? null,
      observedAt: x.s_ms === null ? null : num(x.s_ms),
    }));
  } finally {
    await conn.run(`DROP TABLE IF EXISTS ab_keys`);
  }
}
