/**
 * DuckDB implementation of the account-signals store (see src/store/signals.ts).
 *
 * The per-account aggregation over posts (gaps, night share, client use, dormancy) runs as
 * one SQL statement: it is a scan plus a window over the posts table, which the engine does
 * in parallel and out of core, where pulling every post into JS would not scale.
 */
import { inTransaction } from './transaction.js';
import { exactSum } from '../exact-sum.js';
import { DuckDBTimestampValue, LIST, VARCHAR, listValue, type DuckDBConnection } from '@duckdb/node-api';
import type {
  AccountBehaviourRow,
  BehaviourQuery,
  BehaviourResult,
  SignalQuery,
  SignalStore,
  StoredSignal,
} from '../signals.js';
import { splitKey } from '../../model/keys.js';

const VLIST = LIST(VARCHAR);

/** The table of migration 5 (see src/store/schema.ts). */
export const SIGNALS_SCHEMA_SQL: string[] = [
  `CREATE TABLE account_signals (
    platform VARCHAR NOT NULL,
    account_id VARCHAR NOT NULL,
    score DOUBLE NOT NULL,          -- 0..1, logistic of logit
    logit DOUBLE NOT NULL,
    model VARCHAR NOT NULL,         -- 'default' or the trained model's name
    features JSON NOT NULL,         -- feature name -> raw value (null: unknown)
    contributions JSON NOT NULL,    -- feature name -> log-odds contribution
    flags VARCHAR[],
    computed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (platform, account_id)
  )`,
];

function num(v: unknown): number {
  return typeof v === 'bigint' ? Number(v) : Number(v ?? 0);
}
function numOrNull(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  const n = typeof v === 'bigint' ? Number(v) : Number(v);
  return Number.isFinite(n) ? n : null;
}
function boolOrNull(v: unknown): boolean | null {
  return v === null || v === undefined ? null : Boolean(v);
}
function strOrNull(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}
function iso(v: unknown): string {
  if (v instanceof Date) return v.toISOString();
  const s = String(v);
  return s.includes('T') ? s : s.replace(' ', 'T') + 'Z';
}

/** The night test on local hour `h`, for a window that may wrap around midnight. */
function nightSql(start: number, end: number): string {
  const s = Math.trunc(start);
  const e = Math.trunc(end);
  if (!(s >= 0 && s <= 23 && e >= 0 && e <= 23)) throw new RangeError('night hours must be 0..23');
  if (s === e) return 'false';
  return s < e ? `(h >= ${s} AND h < ${e})` : `(h >= ${s} OR h < ${e})`;
}

export class DuckDBSignalStore implements SignalStore {
  constructor(private readonly conn: DuckDBConnection) {}

  async accountBehaviour(q: BehaviourQuery): Promise<BehaviourResult> {
    for (const [k, v] of [
      ['dormancyDays', q.dormancyDays],
      ['reactivationWindowDays', q.reactivationWindowDays],
      ['minGaps', q.minGaps],
    ] as const)
      if (!(Number.isFinite(v) && v >= 0)) throw new RangeError(`${k} must be a non-negative number`);
    await this.conn.run(
      `CREATE OR REPLACE TEMP TABLE signal_tz (platform VARCHAR, account_id VARCHAR, tz VARCHAR)`,
    );
    if (q.timezones?.length) {
      const app = await this.conn.createAppender('signal_tz', 'main', 'temp');
      for (const { key, tz } of q.timezones) {
        const parts = splitKey(key);
        if (!parts) continue;
        app.appendVarchar(parts[0]);
        app.appendVarchar(parts[1]);
        app.appendVarchar(tz);
        app.endRow();
      }
      app.flushSync();
      app.closeSync();
    }
    let ref = q.reactivationBefore;
    if (ref === null) {
      const r = (
        await this.conn.runAndReadAll(`SELECT epoch_ms(max(created_at)) + 1 AS m FROM posts`)
      ).getRowObjectsJS()[0] as { m: unknown };
      ref = numOrNull(r.m);
    }
    const dormMs = Math.round(q.dormancyDays * 86_400_000);
    const refSql = ref === null ? 'NULL' : String(Math.round(ref));
    const winStart = ref === null ? 'NULL' : String(Math.round(ref - q.reactivationWindowDays * 86_400_000));
    const minGaps = Math.trunc(q.minGaps);
    const sql = `
      WITH p AS (
        SELECT p.platform, p.account_id, epoch_ms(p.created_at) AS t, p.kind, p.client, z.tz,
          CASE WHEN z.tz IS NULL THEN hour(p.created_at)
               ELSE hour(timezone(z.tz, p.created_at AT TIME ZONE 'UTC')) END AS h,
          epoch_ms(p.created_at) - epoch_ms(lag(p.created_at) OVER (
            PARTITION BY p.platform, p.account_id ORDER BY p.created_at, p.post_id)) AS gap_ms
        FROM posts p LEFT JOIN signal_tz z ON z.platform = p.platform AND z.account_id = p.account_id
      ),
      agg AS (
        SELECT platform, account_id, count(*) AS n, min(t) AS first_ms, max(t) AS last_ms,
          count(*) FILTER (WHERE kind = 'repost') AS reposts,
          count(*) FILTER (WHERE ${nightSql(q.nightStartHour, q.nightEndHour)}) AS night,
          any_value(tz) AS tz,
          count(gap_ms) AS gaps,
          avg(gap_ms) / 1000.0 AS gap_mean,
          -- stddev_pop from exact integer sums: DuckDB's own combines per-thread states in any
          -- order, so its last bits could differ between runs (see src/store/exact-sum.ts).
          CASE WHEN count(gap_ms) > 0 THEN sqrt(greatest(0, CAST(count(gap_ms) * sum(CAST(gap_ms AS HUGEINT) * gap_ms)
            - sum(CAST(gap_ms AS HUGEINT)) * sum(CAST(gap_ms AS HUGEINT)) AS DOUBLE))) / count(gap_ms) / 1000.0 END AS gap_std,
          max(gap_ms) / 1000.0 AS longest_gap,
          coalesce(bool_or(gap_ms >= ${dormMs} AND t >= ${winStart} AND t < ${refSql}), false) AS reactivated,
          count(DISTINCT client) AS clients
        FROM p GROUP BY platform, account_id
      ),
      gbin AS (
        SELECT platform, account_id, floor(log2(1 + gap_ms / 1000.0)) AS b, count(*)::DOUBLE AS c
        FROM p WHERE gap_ms IS NOT NULL GROUP BY ALL
      ),
      gent AS (
        SELECT platform, account_id, 0 - ${exactSum('c / tot * log2(c / tot)')} AS e
        FROM (SELECT *, sum(c) OVER (PARTITION BY platform, account_id) AS tot FROM gbin) GROUP BY ALL
      ),
      cbin AS (
        SELECT platform, account_id, client, count(*)::DOUBLE AS c
        FROM p WHERE client IS NOT NULL GROUP BY ALL
      ),
      cent AS (
        SELECT platform, account_id, 0 - ${exactSum('c / tot * log2(c / tot)')} AS e
        FROM (SELECT *, sum(c) OVER (PARTITION BY platform, account_id) AS tot FROM cbin) GROUP BY ALL
      )
      SELECT a.platform, a.account_id, a.handle, a.display_name, epoch_ms(a.created_at)::DOUBLE AS created_ms,
        a.followers::DOUBLE AS followers, a.following::DOUBLE AS following, a.posts_count::DOUBLE AS posts_count,
        a.description, a.verified, a.default_profile, a.default_avatar,
        epoch_ms(a.snapshot_at)::DOUBLE AS snapshot_ms, epoch_ms(a.last_seen)::DOUBLE AS last_seen_ms,
        coalesce(g.n, 0)::DOUBLE AS n, g.first_ms::DOUBLE AS first_ms, g.last_ms::DOUBLE AS last_ms,
        coalesce(g.reposts, 0)::DOUBLE AS reposts, coalesce(g.night, 0)::DOUBLE AS night, g.tz,
        coalesce(g.gaps, 0)::DOUBLE AS gaps,
        CASE WHEN g.gaps >= ${minGaps} THEN g.gap_mean END AS gap_mean,
        CASE WHEN g.gaps >= ${minGaps} THEN g.gap_std END AS gap_std,
        CASE WHEN g.gaps >= ${minGaps} THEN ge.e END AS gap_entropy,
        g.longest_gap, coalesce(g.clients, 0)::DOUBLE AS clients, ce.e AS client_entropy,
        g.reactivated
      FROM accounts a
      LEFT JOIN agg g ON g.platform = a.platform AND g.account_id = a.account_id
      LEFT JOIN gent ge ON ge.platform = a.platform AND ge.account_id = a.account_id
      LEFT JOIN cent ce ON ce.platform = a.platform AND ce.account_id = a.account_id
      ORDER BY a.platform, a.account_id`;
    // Column-wise, numbers cast to DOUBLE in SQL: row objects of BIGINTs cost 10x more (measured).
    const c = (await this.conn.runAndReadAll(sql)).getColumnsObjectJS();
    const n = c.platform.length;
    const rows: AccountBehaviourRow[] = new Array<AccountBehaviourRow>(n);
    for (let i = 0; i < n; i++) {
      rows[i] = {
        platform: String(c.platform[i]),
        accountId: String(c.account_id[i]),
        handle: strOrNull(c.handle[i]),
        displayName: strOrNull(c.display_name[i]),
        createdAt: numOrNull(c.created_ms[i]),
        followers: numOrNull(c.followers[i]),
        following: numOrNull(c.following[i]),
        postsCount: numOrNull(c.posts_count[i]),
        description: strOrNull(c.description[i]),
        verified: boolOrNull(c.verified[i]),
        defaultProfile: boolOrNull(c.default_profile[i]),
        defaultAvatar: boolOrNull(c.default_avatar[i]),
        snapshotAt: numOrNull(c.snapshot_ms[i]),
        lastSeen: numOrNull(c.last_seen_ms[i]),
        posts: num(c.n[i]),
        firstPost: numOrNull(c.first_ms[i]),
        lastPost: numOrNull(c.last_ms[i]),
        reposts: num(c.reposts[i]),
        nightPosts: num(c.night[i]),
        nightTz: strOrNull(c.tz[i]),
        gaps: num(c.gaps[i]),
        gapMean: numOrNull(c.gap_mean[i]),
        gapStd: numOrNull(c.gap_std[i]),
        gapEntropy: numOrNull(c.gap_entropy[i]),
        longestGapSeconds: numOrNull(c.longest_gap[i]),
        clients: num(c.clients[i]),
        clientEntropy: numOrNull(c.client_entropy[i]),
        reactivated: boolOrNull(c.reactivated[i]),
      };
    }
    await this.conn.run(`DROP TABLE IF EXISTS signal_tz`);
    return { rows, reactivationBefore: ref };
  }

  async replaceSignals(rows: StoredSignal[]): Promise<number> {
    await inTransaction(this.conn, async () => {
      await this.conn.run(`DELETE FROM account_signals`);
      if (rows.length === 0) return;
      const app = await this.conn.createAppender('account_signals');
      try {
        for (const s of rows) {
          app.appendVarchar(s.platform);
          app.appendVarchar(s.accountId);
          app.appendDouble(s.score);
          app.appendDouble(s.logit);
          app.appendVarchar(s.model);
          app.appendVarchar(JSON.stringify(s.features));
          app.appendVarchar(JSON.stringify(s.contributions));
          app.appendList(listValue(s.flags), VLIST);
          const ms = Date.parse(s.computedAt);
          app.appendTimestamp(
            new DuckDBTimestampValue(BigInt(Number.isFinite(ms) ? ms : Date.now()) * 1000n),
          );
          app.endRow();
        }
        app.flushSync();
      } finally {
        app.closeSync();
      }
    });
    return rows.length;
  }

  async listSignals(query: SignalQuery = {}): Promise<StoredSignal[]> {
    let where = '';
    const p = await this.conn.prepare(
      `SELECT platform, account_id, score, logit, model, features, contributions, flags, computed_at
       FROM account_signals ${query.key !== undefined ? (where = `WHERE platform || ':' || account_id = $1`) : where}
       ORDER BY score DESC, platform, account_id
       ${query.top !== undefined ? `LIMIT ${Math.max(0, Math.trunc(query.top))}` : ''}`,
    );
    if (query.key !== undefined) p.bindVarchar(1, query.key);
    const out: StoredSignal[] = [];
    for (const r of (await p.runAndReadAll()).getRowObjectsJS() as Record<string, unknown>[]) {
      out.push({
        platform: String(r.platform),
        accountId: String(r.account_id),
        score: num(r.score),
        logit: num(r.logit),
        model: String(r.model),
        features: JSON.parse(String(r.features)) as Record<string, number | null>,
        contributions: JSON.parse(String(r.contributions)) as Record<string, number>,
        flags: Array.isArray(r.flags) ? r.flags.map(String) : [],
        computedAt: iso(r.computed_at),
      });
    }
    return out;
  }
}
