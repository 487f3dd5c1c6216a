/**
 * Co-action pairs on ClickHouse, same semantics as src/store/duckdb/coaction.ts (read its
 * header for the method and the null model).
 *
 * How the work divides: `actions` is sharded by object, so everything about one object is on
 * one shard. Each shard, in parallel and on its own rows only, computes (1) per-object
 * statistics (actions, distinct accounts, window pairs, busiest window) and (2) the account
 * pairs of its objects, aggregated per pair. What crosses the network: one row per object
 * (needed because the null model's strata rank objects globally by popularity and time), the
 * object -> stratum map going back (GLOBAL JOIN), per (account, stratum) counts, and the
 * per-shard pair aggregates, merged on the first server.
 *
 * SQL kept within ClickHouse 18.16 (no window functions, one JOIN per SELECT, no `range(a, b)`,
 * no `neighbor`): a window count per action is a merge of two sorted arrays (the action times
 * and the times + W) and a running sum, the pairs an arrayJoin over each action's window.
 * 18.16 prunes subquery columns that are referenced only inside a lambda ("Unknown
 * identifier"), so every array a lambda reads is also passed to it as an argument.
 */
import { queryInt, splitAccountKey } from '../coaction-types.js';
import type { Account } from '../../model/post.js';
import { VigieError } from '../../util/errors.js';
import { chExactSum } from '../exact-sum.js';
import type {
  CoactionLayerInfo,
  CoactionPair,
  CoactionQuery,
  CoactionResult,
  CoactionStats,
  GroupGrowthQuery,
  GroupGrowthResult,
  SharedObject,
  SharedObjectsQuery,
} from '../coaction-types.js';
import { LAYERS } from './layers.js';
import { byteCompare, lit, num } from './connection.js';
import type { ClickHouseStore } from './ClickHouseStore.js';

type Row = Record<string, unknown>;

async function hasCoText(s: ClickHouseStore): Promise<boolean> {
  const [r] = await s.head.rows<Row>(
    `SELECT count() AS n FROM ${s.dist('actions')} WHERE layer = 'co-text'`,
    'check near-duplicate groups',
  );
  return num(r.n) > 0;
}

const NEAR_DUP_REASON =
  'no near-duplicate text groups in this workspace yet (run the near-dup detector first)';

export async function coactionLayers(s: ClickHouseStore): Promise<CoactionLayerInfo[]> {
  const text = await hasCoText(s);
  return Object.entries(LAYERS).map(([layer, spec]) => {
    const ok = !spec.requiresNearDup || text;
    return { layer, object: spec.object, available: ok, ...(ok ? {} : { reason: NEAR_DUP_REASON }) };
  });
}

async function checkLayer(s: ClickHouseStore, layer: string): Promise<void> {
  const spec = LAYERS[layer];
  if (!spec)
    throw new VigieError(
      'ERR_USAGE',
      `unknown co-action layer "${layer}"; layers: ${Object.keys(LAYERS).join(', ')}`,
    );
  if (spec.requiresNearDup && !(await hasCoText(s)))
    throw new VigieError('ERR_NOT_FOUND', `layer ${layer}: ${NEAR_DUP_REASON}`);
}

/** Scratch tables of one call: created on demand, all dropped by `drop()`. */
class Scratch {
  readonly name: string;
  private readonly local: string[] = [];
  private readonly head: string[] = [];
  constructor(readonly s: ClickHouseStore) {
    this.name = s.scratch().split('.')[1];
  }
  /** `<db>.<name>_<suffix>` on the first server. */
  t(suffix: string): string {
    return `${this.s.db}.${this.name}_${suffix}`;
  }
  /** A Memory table on every server plus a Distributed table over them; returns the latter's name. */
  async perShard(suffix: string, columns: string): Promise<string> {
    const local = this.t(suffix);
    this.local.push(local);
    await this.s.onAll(
      () => `CREATE TABLE ${local} (${columns}) ENGINE = Memory`,
      `create scratch table ${suffix}`,
    );
    if (!this.s.loc.cluster) return local;
    const d = `${local}_d`;
    this.head.push(d);
    await this.s.head.run(
      `CREATE TABLE ${d} AS ${local} ENGINE = Distributed(${this.s.loc.cluster}, ${this.s.db}, ${this.name}_${suffix})`,
      `create scratch table ${suffix}_d`,
    );
    return d;
  }
  async onHead(suffix: string, as: string, op: string): Promise<string> {
    const t = this.t(suffix);
    this.head.push(t);
    await this.s.head.run(`CREATE TABLE ${t} ENGINE = Memory AS ${as}`, op);
    return t;
  }
  async keys(suffix: string, keys: string[]): Promise<string> {
    const t = this.t(suffix);
    this.head.push(t);
    await this.s.head.run(
      `CREATE TABLE ${t} (platform String, account_id String) ENGINE = Memory`,
      'create key table',
    );
    const rows = [...new Set(keys)].map((k) => {
      const [platform, account_id] = splitAccountKey(k);
      return { platform, account_id };
    });
    if (rows.length) await this.s.head.insert(t, rows, 'insert keys');
    return t;
  }
  async drop(): Promise<void> {
    // Best effort: a server that died mid-call keeps its Memory tables only until it restarts.
    await Promise.all(
      this.head.map((t) =>
        this.s.head.run(`DROP TABLE IF EXISTS ${t}`, 'drop scratch').catch(() => undefined),
      ),
    );
    await Promise.all(
      this.local.map((t) =>
        this.s.onAll(() => `DROP TABLE IF EXISTS ${t}`, 'drop scratch').catch(() => undefined),
      ),
    );
  }
}

/** Sorted window reach: for a sorted array `ts` of times, the 1-based index of the last time <= each t + W. */
function reach(ts: string, W: number, elem = 'x'): { ev: string; his: string } {
  const e = elem === 'x' ? 'x' : `x.${elem}`;
  return {
    ev: `arraySort(arrayConcat(arrayMap(x -> (${e}, 0), ${ts}), arrayMap(x -> (${e} + ${W}, 1), ${ts})))`,
    his: `arrayFilter((c, e) -> e.2 = 1, arrayCumSum(arrayMap(e -> e.2 = 0, ev)), ev)`,
  };
}

interface Prepared {
  stats: CoactionStats;
  uniqueActions: boolean;
  ok: boolean;
  obj: string;
  os: string;
  strata: string;
  accs: string;
}

async function prepareLayer(
  s: ClickHouseStore,
  sc: Scratch,
  layer: string,
  W: number,
  cap: number,
  minStratum: number,
): Promise<Prepared> {
  const A = s.dist('actions');
  const L = lit(layer);
  const [st] = await s.head.rows<Row>(
    `SELECT count() AS n, min(t) AS t0, max(t) AS t1, avg(t % 60000 = 0) AS wm FROM ${A} WHERE layer = ${L}`,
    `layer ${layer} statistics`,
  );
  const n = num(st.n);
  const stats: CoactionStats = {
    layer,
    windowMs: W,
    actions: n,
    accounts: 0,
    objects: 0,
    pairsTested: 0,
    pairsReturned: 0,
    cappedObjects: 0,
    cappedActions: 0,
    maxActionsInWindow: 0,
    firstMs: n ? num(st.t0) : null,
    lastMs: n ? num(st.t1) : null,
    wholeMinuteShare: n ? num(st.wm) : 0,
    strata: [],
    seconds: 0,
  };
  const out: Prepared = { stats, uniqueActions: true, ok: false, obj: '', os: '', strata: '', accs: '' };
  if (n === 0) return out;

  // (1) Per-object statistics, on each shard from its own rows.
  const objD = await sc.perShard(
    'obj',
    'o UInt64, n UInt64, d UInt64, sk2 UInt64, wp Int64, mw UInt64, tf Int64, l String',
  );
  const objLocal = sc.t('obj');
  const r1 = reach('acts', W);
  const r2 = reach('ts', W);
  const Ll = `${s.db}.actions`;
  await s.onAll(
    () => `INSERT INTO ${objLocal}
    SELECT o, n, d, sk2, toInt64(wp0) - toInt64(sp) AS wp, mw, tf, l FROM (
      SELECT * FROM (
        SELECT o, length(acts) AS n, acts[1] AS tf,
          arraySum(arrayMap((h, i) -> h - i, his, arrayEnumerate(his))) AS wp0,
          arrayReduce('max', arrayMap((h, i) -> h - i + 1, his, arrayEnumerate(his))) AS mw
        FROM (SELECT o, acts, ${r1.his} AS his FROM (
          SELECT o, arraySort(groupArray(t)) AS acts, ${r1.ev} AS ev FROM ${Ll} WHERE layer = ${L} GROUP BY o))
      ) ANY LEFT JOIN (
        SELECT o, count() AS d, sum(k * k) AS sk2, sum(selfp) AS sp FROM (
          SELECT o, length(ts) AS k, if(k > 1, arraySum(arrayMap((h, i) -> h - i, hs, arrayEnumerate(hs))), 0) AS selfp
          FROM (SELECT o, ts, ${r2.his} AS hs FROM (
            SELECT o, a, arraySort(groupArray(t)) AS ts, ${r2.ev} AS ev FROM ${Ll} WHERE layer = ${L} GROUP BY o, a)))
        GROUP BY o) USING o
    ) ANY LEFT JOIN (
      SELECT o, arraySort(x -> (-toInt64(x.1), x.2), groupArray((c, l)))[1].2 AS l
      FROM (SELECT o, lang AS l, count() AS c FROM ${Ll} WHERE layer = ${L} GROUP BY o, l) GROUP BY o
    ) USING o`,
    `layer ${layer}: per-object statistics`,
  );
  out.obj = objD;
  const [u] = await s.head.rows<Row>(
    `SELECT count() AS no, sum(d) AS ao, max(mw) AS mx, countIf(mw > ${cap}) AS capped, sumIf(n, mw > ${cap}) AS cacts,
       (SELECT uniqExact(a) FROM ${A} WHERE layer = ${L}) AS na FROM ${objD}`,
    `layer ${layer}: object counts`,
  );
  stats.accounts = num(u.na);
  stats.objects = num(u.no);
  stats.cappedObjects = num(u.capped);
  stats.cappedActions = num(u.cacts);
  stats.maxActionsInWindow = num(u.mx);
  out.uniqueActions = num(u.ao) === n;
  if (stats.accounts < 2 || stats.cappedObjects === stats.objects) return out;

  // (2) Strata: a global ranking of objects by first action within (popularity bin, language).
  const m = minStratum;
  out.os = await sc.onHead(
    'os',
    `SELECT e.1 AS o, cityHash64(bin, l, if(cnt < ${m}, 0, least(intDiv(r - 1, ${m}), intDiv(cnt, ${m}) - 1))) AS s
     FROM (SELECT bin, l, arraySort(x -> (x.2, x.1), groupArray((o, tf))) AS arr, length(arr) AS cnt
           FROM (SELECT o, tf, l, toInt32(floor(log2(d))) AS bin FROM ${objD} WHERE mw <= ${cap}) GROUP BY bin, l)
     ARRAY JOIN arr AS e, arrayEnumerate(arr) AS r`,
    `layer ${layer}: strata`,
  );
  out.strata = await sc.onHead(
    'strata',
    `SELECT s, any(bin) AS sbin, count() AS objects, min(d) AS dmin, max(d) AS dmax, sum(n) AS inc,
       ${chExactSum('if(n > 1, wp * n / (n - 1), 0)')} AS wpc,
       2 * wpc / (toFloat64(inc) * inc) AS rate,
       if(sum((toFloat64(n) * n - sk2) / 2) = 0, 0, sum(wp) / sum((toFloat64(n) * n - sk2) / 2)) AS tau
     FROM (SELECT o, n, d, sk2, wp, toInt32(floor(log2(d))) AS bin FROM ${objD} WHERE mw <= ${cap})
       ANY INNER JOIN ${out.os} USING o
     GROUP BY s`,
    `layer ${layer}: stratum rates`,
  );
  const bins = await s.head.rows<Row>(
    `SELECT sbin, count() AS ns, sum(objects) AS obs, min(dmin) AS mn, max(dmax) AS mx, sum(inc) AS ic, ${chExactSum('wpc')} AS w,
       min(rate) AS rmin, max(rate) AS rmax, min(tau) AS tmin, max(tau) AS tmax
     FROM ${out.strata} GROUP BY sbin ORDER BY sbin DESC`,
    `layer ${layer}: strata summary`,
  );
  stats.strata = bins.map((b) => ({
    minAccounts: num(b.mn),
    maxAccounts: num(b.mx),
    objects: num(b.obs),
    timeStrata: num(b.ns),
    incidences: num(b.ic),
    windowPairs: num(b.w),
    rateMin: num(b.rmin),
    rateMax: num(b.rmax),
    tauMin: num(b.tmin),
    tauMax: num(b.tmax),
  }));
  // (3) Each account's actions per stratum: the map travels to the shards, counts come back.
  out.accs = await sc.onHead(
    'accs',
    `SELECT a, s, count() AS n FROM ${A} GLOBAL ANY INNER JOIN ${out.os} USING o WHERE layer = ${L} GROUP BY a, s`,
    `layer ${layer}: actions per account and stratum`,
  );
  out.ok = true;
  return out;
}

/** Account keys of account hashes, from the layer's own actions. */
async function keysOf(s: ClickHouseStore, layer: string, idsSql: string): Promise<Map<string, string>> {
  const rows = await s.head.rows<Row>(
    `SELECT DISTINCT a, platform, account_id FROM ${s.dist('actions')}
     WHERE layer = ${lit(layer)} AND a GLOBAL IN (${idsSql})`,
    `layer ${layer}: account keys`,
  );
  const m = new Map<string, string>();
  for (const r of rows) m.set(String(r.a), `${String(r.platform)}:${String(r.account_id)}`);
  return m;
}

export async function coactionPairs(s: ClickHouseStore, q: CoactionQuery): Promise<CoactionResult> {
  const t0 = performance.now();
  await checkLayer(s, q.layer);
  const W = queryInt('windowMs', q.windowMs, 0);
  const cap = queryInt('maxAccountsPerObject', q.maxAccountsPerObject, 2);
  const minCount = queryInt('minCount', q.minCount, 1);
  const minStratum = queryInt('minObjectsPerStratum', q.minObjectsPerStratum, 1);
  const maxP = q.maxPValue ?? 1;
  if (!(maxP > 0 && maxP <= 1))
    throw new VigieError('ERR_USAGE', `maxPValue must be in (0, 1] (got ${maxP})`);
  const timing = q.nullModel === 'timing';
  const phi = q.dispersion ?? 0;
  if (!(phi >= 0 && phi <= 10))
    throw new VigieError('ERR_USAGE', `dispersion must be in [0, 10] (got ${phi})`);
  const sc = new Scratch(s);
  try {
    const prep = await prepareLayer(s, sc, q.layer, W, cap, minStratum);
    const { stats } = prep;
    const done = (pairs: CoactionPair[]): CoactionResult => {
      stats.pairsReturned = pairs.length;
      stats.seconds = (performance.now() - t0) / 1000;
      return { stats, pairs };
    };
    if (!prep.ok) return done([]);

    let only = '';
    if (q.onlyAccounts) {
      const tuples = [...new Set(q.onlyAccounts)].map((k) => {
        const [p, a] = splitAccountKey(k);
        return `(${lit(p)}, ${lit(a)})`;
      });
      only = tuples.length ? `AND (platform, account_id) IN (${tuples.join(', ')})` : 'AND 0';
    }
    // (4) Pairs, on each shard from its own objects; aggregated per pair there, merged here.
    const pairD = await sc.perShard(
      'pair',
      'x UInt64, y UInt64, pc UInt64, psdt Int64, pt0 Int64, pt1 Int64',
    );
    const pairLocal = sc.t('pair');
    const objLocal = sc.t('obj');
    const r = reach('acts', W, '1');
    // Each action's position in (object, time) order and window reach, as rows. A lambda that
    // captured the object's action array (acts[j] inside arrayMap) made 18.16 copy the array
    // once per element: quadratic memory (8.5 GiB at 1M posts). Pairs are instead generated
    // as (position, later position) and their second action looked up by an equi-join.
    await sc.perShard('pos', 'o UInt64, pos UInt64, t Int64, a UInt64, h UInt64');
    const posLocal = sc.t('pos');
    await s.onAll(
      () => `INSERT INTO ${posLocal}
      SELECT o, pos, e.1 AS t, e.2 AS a, h FROM (
        SELECT o, acts, ${r.his} AS his FROM (
          SELECT o, arraySort(groupArray((t, a))) AS acts, ${r.ev} AS ev FROM ${s.db}.actions
          WHERE layer = ${lit(q.layer)} AND o IN (SELECT o FROM ${objLocal} WHERE mw <= ${cap} AND d > 1) ${only}
          GROUP BY o))
      ARRAY JOIN acts AS e, arrayEnumerate(acts) AS pos, his AS h`,
      `layer ${q.layer}: window reach`,
    );
    await s.onAll(
      () => `INSERT INTO ${pairLocal}
      SELECT xx, yy, count(), sum(dt), min(f0), max(f0) FROM (
        SELECT o, least(ga, ba) AS xx, greatest(ga, ba) AS yy, min(abs(bt - gt)) AS dt, min(least(gt, bt)) AS f0
        FROM (
          SELECT o, j, gt, ga, bt, ba FROM (
            SELECT o, pos + 1 + arrayJoin(range(toUInt64(h - pos))) AS j, t AS gt, a AS ga FROM ${posLocal} WHERE h > pos
          ) ALL INNER JOIN (SELECT o, pos AS j, t AS bt, a AS ba FROM ${posLocal}) USING (o, j))
        WHERE ga != ba
        GROUP BY o, xx, yy)
      GROUP BY xx, yy`,
      `layer ${q.layer}: pair generation`,
    );
    const pm = await sc.onHead(
      'pm',
      `SELECT x, y, sum(pc) AS c, sum(psdt) AS sdt, min(pt0) AS t0, max(pt1) AS t1 FROM ${pairD} GROUP BY x, y`,
      `layer ${q.layer}: pair merge`,
    );
    const [pc] = await s.head.rows<Row>(`SELECT count() AS n FROM ${pm}`, 'count pairs');
    stats.pairsTested = num(pc.n);

    // The false-discovery family (discreteFdr; the DuckDB store's comment gives the reason):
    // pairs of two accounts that each acted on at least two uncapped objects of the layer.
    const where = [`c >= ${minCount}`];
    stats.pairsInFamily = stats.pairsTested;
    const alpha = q.discreteFdr;
    if (alpha !== undefined) {
      if (!(alpha > 0 && alpha < 1))
        throw new VigieError('ERR_USAGE', `discreteFdr must be in (0, 1) (got ${alpha})`);
      // With one action per (account, object), the per-stratum counts give it; otherwise the
      // shards count distinct objects per account (objects never span shards: a plain sum).
      const deg = await sc.onHead(
        'deg',
        prep.uniqueActions
          ? `SELECT a FROM ${prep.accs} GROUP BY a HAVING sum(n) >= 2`
          : `SELECT a FROM (SELECT a, uniqExact(o) AS k FROM ${s.dist('actions')}
               WHERE layer = ${lit(q.layer)} AND o GLOBAL IN (SELECT o FROM ${prep.os}) GROUP BY a) WHERE k >= 2`,
        `layer ${q.layer}: accounts with two objects`,
      );
      const fam = `x IN (SELECT a FROM ${deg}) AND y IN (SELECT a FROM ${deg})`;
      const [f] = await s.head.rows<Row>(`SELECT count() AS n FROM ${pm} WHERE ${fam}`, 'count family');
      stats.pairsInFamily = num(f.n);
      where.push(fam);
    }

    const Lx = 'expected';
    let lnPoint: string;
    let lnSel: string;
    if (phi > 0) {
      const rr = 1 / (phi * phi);
      lnPoint = `lgamma(c + ${rr}) - lgamma(${rr}) - lgamma(c + 1) + ${rr} * log(${rr} / (${Lx} + ${rr})) + c * log(${Lx} / (${Lx} + ${rr}))`;
      lnSel = `if(${Lx} > 1e-6, log(1 - exp(${rr} * log(${rr} / (${Lx} + ${rr})))), log(${Lx}))`;
    } else {
      lnPoint = `-${Lx} + c * log(${Lx}) - lgamma(c + 1)`;
      lnSel = `if(${Lx} > 1e-6, log(1 - exp(-${Lx})), log(${Lx}) - ${Lx} / 2)`;
    }
    const pFilter = maxP < 1 ? `WHERE ${Lx} > 0 AND (${lnPoint} - (${lnSel})) <= ${Math.log(maxP)}` : '';
    const cand = await sc.onHead(
      'cand',
      `SELECT x, y, c, sdt, t0, t1 FROM ${pm} WHERE ${where.join(' AND ')}`,
      `layer ${q.layer}: candidate pairs`,
    );
    let lam: string;
    if (timing) {
      // Timing null: over the objects both accounts acted on (at any time), the chance their
      // actions fall within W if timed like the stratum's: min(1, k_x * k_y * tau). Only the
      // candidates' accounts' (account, object) counts come to the first server.
      const aok = await sc.onHead(
        'aok',
        `SELECT a, o, count() AS k FROM ${s.dist('actions')}
         WHERE layer = ${lit(q.layer)} AND a GLOBAL IN (SELECT arrayJoin([x, y]) AS a FROM ${cand})
         GROUP BY a, o`,
        `layer ${q.layer}: candidates' objects`,
      );
      lam = `SELECT x, y, ${chExactSum('least(1.0, toFloat64(kx) * ky * tau)')} AS expected, count() AS shared FROM (
           SELECT x, y, o, kx, ky FROM (
             SELECT x, y, o, kx FROM (SELECT x, y FROM ${cand})
               ALL INNER JOIN (SELECT a AS x, o, k AS kx FROM ${aok}) USING x
           ) ALL INNER JOIN (SELECT a AS y, o, k AS ky FROM ${aok}) USING (y, o)
         ) ANY INNER JOIN (
           SELECT o, tau FROM ${prep.os} ANY INNER JOIN (SELECT s, tau FROM ${prep.strata}) USING s
         ) USING o
         GROUP BY x, y`;
    } else
      lam = `SELECT x, y, ${chExactSum('toFloat64(nx) * ny * rate')} AS expected, toInt64(-1) AS shared FROM (
           SELECT x, y, s, nx, ny FROM (
             SELECT x, y, s, n AS nx FROM (SELECT x, y FROM ${cand})
               ALL INNER JOIN (SELECT a AS x, s, n FROM ${prep.accs}) USING x
           ) ALL INNER JOIN (SELECT a AS y, s, n AS ny FROM ${prep.accs}) USING (y, s)
         ) ANY INNER JOIN (SELECT s, rate FROM ${prep.strata}) USING s
         GROUP BY x, y`;
    const res = await sc.onHead(
      'res',
      `SELECT x, y, c, sdt, t0, t1, expected, shared FROM ${cand} ANY INNER JOIN (${lam}) USING (x, y) ${pFilter}`,
      `layer ${q.layer}: null model`,
    );
    const keys = await keysOf(s, q.layer, `SELECT x FROM ${res} UNION ALL SELECT y FROM ${res}`);
    const rows = await s.head.rows<Row>(`SELECT * FROM ${res}`, 'read pairs');
    const pairs: CoactionPair[] = rows.map((x) => {
      const ka = keys.get(String(x.x)) ?? '';
      const kb = keys.get(String(x.y)) ?? '';
      const c = num(x.c);
      const lo = byteCompare(ka, kb) < 0;
      return {
        a: lo ? ka : kb,
        b: lo ? kb : ka,
        count: c,
        meanDeltaMs: num(x.sdt) / c,
        firstMs: num(x.t0),
        lastMs: num(x.t1),
        expected: num(x.expected),
        ...(timing ? { sharedObjects: num(x.shared) } : {}),
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
    await sc.drop();
  }
}

interface Act {
  acc: string;
  a: string;
  o: string;
  obj: string;
  pk: string;
  t: number;
}

function toAct(r: Row): Act {
  return {
    acc: `${String(r.platform)}:${String(r.account_id)}`,
    a: String(r.a),
    o: String(r.o),
    obj: String(r.obj),
    pk: `${String(r.platform)}:${String(r.post_id)}`,
    t: num(r.t),
  };
}

function byKey<T>(xs: T[], key: (x: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) {
    const k = key(x);
    let l = m.get(k);
    if (!l) m.set(k, (l = []));
    l.push(x);
  }
  return m;
}

/**
 * Growing clusters. The set-up (strata, per-account counts) is the engine's; the part that
 * looks at single groups' objects runs here on the actions of those objects only, which the
 * shards return.
 */
export async function groupCandidates(s: ClickHouseStore, q: GroupGrowthQuery): Promise<GroupGrowthResult> {
  const t0 = performance.now();
  await checkLayer(s, q.layer);
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
  const sc = new Scratch(s);
  try {
    const prep = await prepareLayer(s, sc, q.layer, W, cap, minStratum);
    if (!prep.ok) return out;
    const A = s.dist('actions');
    const L = lit(q.layer);
    const members = await sc.keys('mem', q.groups.flat());
    const mActs = (
      await s.head.rows<Row>(
        `SELECT platform, account_id, post_id, obj, o, a, t FROM ${A}
         WHERE layer = ${L} AND (platform, account_id) GLOBAL IN (SELECT platform, account_id FROM ${members})
           AND o GLOBAL IN (SELECT o FROM ${prep.os})`,
        `layer ${q.layer}: members' actions`,
      )
    ).map(toAct);
    const memberOf = q.groups.map((g) => new Set(g));
    const allMembers = new Set(q.groups.flat());
    // The group's co-action objects: two different members within W (the closest such pair is adjacent in time).
    const groupObjs: Set<string>[] = q.groups.map(() => new Set());
    const byObj = byKey(mActs, (x) => x.o);
    for (const [o, acts] of byObj) {
      acts.sort((x, y) => x.t - y.t);
      q.groups.forEach((_, g) => {
        const mine = acts.filter((x) => memberOf[g].has(x.acc));
        for (let i = 1; i < mine.length; i++)
          if (mine[i].acc !== mine[i - 1].acc && mine[i].t - mine[i - 1].t <= W) {
            groupObjs[g].add(o);
            break;
          }
      });
    }
    groupObjs.forEach((set, g) => (out.groupObjects[g] = set.size));
    const objs = [...new Set(groupObjs.flatMap((x) => [...x]))];
    if (objs.length === 0) return out;
    const goT = sc.t('go');
    await s.head.run(`CREATE TABLE ${goT} (o UInt64) ENGINE = Memory`, 'create object table');
    await s.head.insert(
      goT,
      objs.map((o) => ({ o })),
      'insert objects',
    );
    try {
      const acts = (
        await s.head.rows<Row>(
          `SELECT platform, account_id, post_id, obj, o, a, t FROM ${A} WHERE layer = ${L} AND o GLOBAL IN (SELECT o FROM ${goT})`,
          `layer ${q.layer}: actions on the groups' objects`,
        )
      ).map(toAct);
      const actsByObj = byKey(acts, (x) => x.o);
      const found = new Map<string, { g: number; a: string; acc: string; objs: Set<string> }>();
      q.groups.forEach((_, g) => {
        for (const o of groupObjs[g]) {
          const list = actsByObj.get(o) ?? [];
          const memT = list
            .filter((x) => memberOf[g].has(x.acc))
            .map((x) => x.t)
            .sort((x, y) => x - y);
          for (const x of list) {
            if (memberOf[g].has(x.acc) || allMembers.has(x.acc)) continue;
            // A member action within [t - W, t + W]: binary search the members' sorted times.
            let lo = 0;
            let hi = memT.length;
            while (lo < hi) {
              const mid = (lo + hi) >> 1;
              if (memT[mid] < x.t - W) lo = mid + 1;
              else hi = mid;
            }
            if (lo < memT.length && memT[lo] <= x.t + W) {
              const k = `${g}\0${x.acc}`;
              let f = found.get(k);
              if (!f) found.set(k, (f = { g, a: x.a, acc: x.acc, objs: new Set() }));
              f.objs.add(o);
            }
          }
        }
      });
      out.tested = found.size;
      const cands = [...found.values()].filter((f) => f.objs.size >= minCount);
      if (cands.length) {
        // share(g, s) = actions on the group's objects in stratum s / actions in s.
        const objStats = await s.head.rows<Row>(
          `SELECT o, n, s, inc FROM (SELECT o, n FROM ${prep.obj} WHERE o GLOBAL IN (SELECT o FROM ${goT}))
             ANY INNER JOIN (SELECT o, s, inc FROM ${prep.os} ANY INNER JOIN (SELECT s, inc FROM ${prep.strata}) USING s) USING o`,
          `layer ${q.layer}: group object strata`,
        );
        const os = new Map(
          objStats.map((r) => [String(r.o), { n: num(r.n), s: String(r.s), inc: num(r.inc) }]),
        );
        const share = q.groups.map((_, g) => {
          const m = new Map<string, number>();
          const per = new Map<string, { n: number; inc: number }>();
          for (const o of groupObjs[g]) {
            const x = os.get(o);
            if (!x) continue;
            const p = per.get(x.s) ?? { n: 0, inc: x.inc };
            p.n += x.n;
            per.set(x.s, p);
          }
          for (const [k, v] of per) m.set(k, v.n / v.inc);
          return m;
        });
        const ids = [...new Set(cands.map((c) => c.a))];
        const accsRows = await s.head.rows<Row>(
          // Ordered, so that the sums below add in the same order on every run.
          `SELECT a, s, n FROM ${prep.accs} WHERE a IN (${ids.join(',')}) ORDER BY a, s`,
          `layer ${q.layer}: candidates' strata`,
        );
        const accS = byKey(accsRows, (r) => String(r.a));
        for (const c of cands) {
          let expected = 0;
          let any = false;
          for (const r of accS.get(c.a) ?? []) {
            const sh = share[c.g].get(String(r.s));
            if (sh !== undefined) {
              expected += num(r.n) * sh;
              any = true;
            }
          }
          if (any) out.candidates.push({ group: c.g, account: c.acc, count: c.objs.size, expected });
        }
        out.candidates.sort((x, y) => x.group - y.group || byteCompare(x.account, y.account));
      }
    } finally {
      await s.head.run(`DROP TABLE IF EXISTS ${goT}`, 'drop scratch').catch(() => undefined);
    }
    out.seconds = (performance.now() - t0) / 1000;
    return out;
  } finally {
    await sc.drop();
  }
}

/** Objects at least two of the given accounts acted on within W of each other (computed on their actions). */
export async function sharedObjects(s: ClickHouseStore, q: SharedObjectsQuery): Promise<SharedObject[]> {
  await checkLayer(s, q.layer);
  const W = queryInt('windowMs', q.windowMs, 0);
  const limO = queryInt('limitObjects', q.limitObjects, 1);
  const limA = queryInt('limitActionsPerObject', q.limitActionsPerObject, 1);
  if (q.accounts.length < 2) return [];
  const sc = new Scratch(s);
  try {
    const keys = await sc.keys('so', q.accounts);
    const rows = await s.head.rows<Row>(
      `SELECT DISTINCT platform, account_id, post_id, obj, o, a, t FROM ${s.dist('actions')}
       WHERE layer = ${lit(q.layer)} AND (platform, account_id) GLOBAL IN (SELECT platform, account_id FROM ${keys})`,
      `layer ${q.layer}: actions of the given accounts`,
    );
    const acts = rows.map(toAct);
    const objs: { obj: string; n: number; first: number; kept: Act[] }[] = [];
    for (const [, list] of byKey(acts, (x) => x.obj)) {
      list.sort((x, y) => x.t - y.t);
      // An action counts when another given account acted within W of it, either side.
      const kept = list.filter((x) => list.some((y) => y.acc !== x.acc && Math.abs(y.t - x.t) <= W));
      if (kept.length === 0) continue;
      objs.push({
        obj: list[0].obj,
        n: new Set(kept.map((x) => x.acc)).size,
        first: Math.min(...kept.map((x) => x.t)),
        kept,
      });
    }
    objs.sort((x, y) => y.n - x.n || x.first - y.first || byteCompare(x.obj, y.obj));
    return objs.slice(0, limO).map((o) => ({
      object: o.obj,
      accounts: o.n,
      actions: o.kept
        .sort((x, y) => x.t - y.t || byteCompare(x.acc, y.acc) || byteCompare(x.pk, y.pk))
        .slice(0, limA)
        .map((x) => ({ account: x.acc, postKey: x.pk, timeMs: x.t })),
    }));
  } finally {
    await sc.drop();
  }
}

/**
 * Accounts by key: snapshots folded in arrival order with the DuckDB store's upsert rule (a
 * newer snapshot's fields win where set, an older one only fills gaps); authors known only
 * from their posts come back with empty profiles, as there.
 */
export async function accountsByKey(s: ClickHouseStore, keys: string[]): Promise<Account[]> {
  if (keys.length === 0) return [];
  const sc = new Scratch(s);
  try {
    const kt = await sc.keys('ab', keys);
    const snaps = await s.head.rows<Row>(
      `SELECT * FROM ${s.dist('accounts')} WHERE (platform, account_id) GLOBAL IN (SELECT platform, account_id FROM ${kt})
       ORDER BY platform, account_id, source_id, record_no`,
      'read account snapshots',
    );
    const authors = await s.head.rows<Row>(
      `SELECT DISTINCT platform, account_id FROM ${s.dist('posts')}
       WHERE (platform, account_id) GLOBAL IN (SELECT platform, account_id FROM ${kt})`,
      'read post authors',
    );
    const cols = [
      'handle', 'display_name', 'created_at', 'followers', 'following', 'posts_count', 'description',
      'verified', 'default_profile', 'default_avatar',
    ]; // prettier-ignore
    const acc = new Map<string, Row>();
    for (const r of authors)
      acc.set(`${String(r.platform)}:${String(r.account_id)}`, {
        platform: r.platform,
        account_id: r.account_id,
        snapshot_at: null,
      });
    for (const r of snaps) {
      const k = `${String(r.platform)}:${String(r.account_id)}`;
      const a = acc.get(k) ?? { platform: r.platform, account_id: r.account_id, snapshot_at: null };
      const newer =
        r.snapshot_at !== null && (a.snapshot_at === null || num(r.snapshot_at) >= num(a.snapshot_at));
      for (const c of cols) a[c] = newer ? (r[c] ?? a[c] ?? null) : (a[c] ?? r[c] ?? null);
      if (r.snapshot_at !== null && (a.snapshot_at === null || num(r.snapshot_at) > num(a.snapshot_at)))
        a.snapshot_at = r.snapshot_at;
      acc.set(k, a);
    }
    const nOrNull = (v: unknown) => (v === null || v === undefined ? null : num(v));
    const bOrNull = (v: unknown) => (v === null || v === undefined ? null : num(v) === 1);
    return [...acc.values()]
      .sort(
        (x, y) =>
          byteCompare(String(x.platform), String(y.platform)) ||
          byteCompare(String(x.account_id), String(y.account_id)),
      )
      .map((x) => ({
        platform: String(x.platform),
        accountId: String(x.account_id),
        handle: (x.handle as string | null) ?? null,
        displayName: (x.display_name as string | null) ?? null,
        createdAt: nOrNull(x.created_at),
        followers: nOrNull(x.followers),
        following: nOrNull(x.following),
        postsCount: nOrNull(x.posts_count),
        description: (x.description as string | null) ?? null,
        verified: bOrNull(x.verified),
        defaultProfile: bOrNull(x.default_profile),
        defaultAvatar: bOrNull(x.default_avatar),
        observedAt: nOrNull(x.snapshot_at),
      }));
  } finally {
    await sc.drop();
  }
}
