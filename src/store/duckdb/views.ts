/**
 * DuckDB implementation of the dashboard's read-side queries (see src/store/views.ts).
 *
 * Values from HTTP requests (filters, search text, keys) are bound as parameters, never
 * spliced into SQL; only vigie's own constants (column names from whitelists, severities)
 * are. Times are read as epoch ms so that no session time zone can shift them.
 */
import {
  LIST,
  VARCHAR,
  listValue,
  type DuckDBConnection,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import type { EvidenceRef, Finding } from '../../findings/finding.js';
import { SEVERITIES } from '../../findings/finding.js';
import type {
  AccountView,
  AttackLineView,
  AttackStats,
  FindingCounts,
  FindingQuery,
  FindingSummary,
  LeakMessageDetail,
  LeakMessageView,
  LeakQuery,
  OverviewBase,
  Page,
  PageQuery,
  PostView,
  SearchHit,
  ViewStore,
} from '../views.js';
import type { StoredSignal } from '../signals.js';
import { ANNOTATION_COLS, toAnnotation } from './annotations.js';
import { splitKey } from '../../model/keys.js';

const VLIST = LIST(VARCHAR);

/** Migration 8's summary tables of the overview (rebuilt when the workspace's inputs change). */
export const OVERVIEW_SCHEMA_SQL: string[] = [
  `CREATE TABLE overview_buckets (
    series VARCHAR NOT NULL,      -- posts | leaks (hourly) | infrastructure (daily)
    bucket TIMESTAMP NOT NULL,
    n BIGINT NOT NULL
  )`,
  `CREATE TABLE overview_meta (
    signature VARCHAR NOT NULL,   -- what the inputs looked like when aggregated
    aggregated_at TIMESTAMP NOT NULL,
    posts BIGINT NOT NULL,
    accounts BIGINT NOT NULL,
    sources BIGINT NOT NULL,
    first_post TIMESTAMP,
    last_post TIMESTAMP,
    leak_messages BIGINT NOT NULL,
    leak_verdicts VARCHAR NOT NULL,  -- JSON {verdict: n}
    attack_events BIGINT NOT NULL,
    attack_alerts BIGINT NOT NULL
  )`,
];

function num(v: unknown): number {
  return typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : Number(v ?? 0);
}
function numOrNull(v: unknown): number | null {
  return v === null || v === undefined ? null : num(v);
}
function isoMs(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const n = num(v);
  return Number.isFinite(n) ? new Date(n).toISOString() : null;
}
function str(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}
function strs(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : [];
}
function sevIndexSql(col: string): string {
  return `CASE ${col} ${SEVERITIES.map((s, i) => `WHEN '${s}' THEN ${i}`).join(' ')} END`;
}

/**
 * When a finding's activity began, from its details (the same fields as the report's
 * findingTime): the first shared object of a cluster, else a first/start time. The timeline
 * places findings there, not at analysis time (created_at), which would put a 2017 campaign's
 * findings in the year of the analysis. Findings with no such field stay off the timeline.
 */
const FINDING_EVENT_TIME_SQL = `coalesce(
  list_min(list_transform(json_extract_string(details, '$.sharedObjects.*[*].first'), x -> TRY_CAST(x AS TIMESTAMP))),
  ${['firstTime', 'first', 'start', 'firstSeen', 'firstPost', 'firstAppearance', 'time']
    .map((k) => `TRY_CAST(details->>'${k}' AS TIMESTAMP)`)
    .join(', ')})`;

const POST_COLS = `platform, post_id, account_id, epoch_ms(created_at) AS t_ms, text, lang, kind, ref_post_id,
  ref_account_id, urls, domains, hashtags, mentions, media, client, source_id, record_no`;

function toPost(r: Record<string, unknown>): PostView {
  const platform = String(r.platform);
  return {
    key: `${platform}:${String(r.post_id)}`,
    platform,
    postId: String(r.post_id),
    accountId: String(r.account_id),
    accountKey: `${platform}:${String(r.account_id)}`,
    time: isoMs(r.t_ms),
    text: str(r.text),
    lang: String(r.lang),
    kind: String(r.kind),
    refPostId: str(r.ref_post_id),
    refAccountId: str(r.ref_account_id),
    urls: strs(r.urls),
    domains: strs(r.domains),
    hashtags: strs(r.hashtags),
    mentions: strs(r.mentions),
    media: strs(r.media),
    client: str(r.client),
    sourceId: num(r.source_id),
    recordNo: num(r.record_no),
  };
}

const ACCOUNT_COLS = `platform, account_id, handle, display_name, epoch_ms(created_at) AS c_ms, followers, following,
  posts_count, description, verified, epoch_ms(first_seen) AS f_ms, epoch_ms(last_seen) AS l_ms`;

function toAccount(r: Record<string, unknown>): AccountView {
  return {
    key: `${String(r.platform)}:${String(r.account_id)}`,
    platform: String(r.platform),
    accountId: String(r.account_id),
    handle: str(r.handle),
    displayName: str(r.display_name),
    createdAt: isoMs(r.c_ms),
    followers: numOrNull(r.followers),
    following: numOrNull(r.following),
    postsCount: numOrNull(r.posts_count),
    description: str(r.description),
    verified: (r.verified as boolean | null) ?? null,
    firstSeen: isoMs(r.f_ms),
    lastSeen: isoMs(r.l_ms),
  };
}

const LEAK_COLS = `dump_id, msg_key, epoch_ms(msg_date) AS d_ms, from_addr, from_domain, to_addr, subject, message_id,
  verdict, explanation, sha256, size`;

function toLeak(r: Record<string, unknown>): LeakMessageView {
  return {
    id: `${String(r.dump_id)}:${String(r.msg_key)}`,
    dumpId: String(r.dump_id),
    msgKey: String(r.msg_key),
    date: isoMs(r.d_ms),
    from: str(r.from_addr),
    fromDomain: str(r.from_domain),
    to: str(r.to_addr),
    subject: str(r.subject),
    messageId: str(r.message_id),
    verdict: String(r.verdict),
    explanation: String(r.explanation),
    sha256: String(r.sha256),
    size: num(r.size),
  };
}

function parseJson(v: unknown, fallback: unknown): unknown {
  try {
    return v === null || v === undefined ? fallback : JSON.parse(String(v));
  } catch {
    return fallback;
  }
}

const LEAK_SORT: Record<LeakQuery['sort'], string> = {
  date: 'msg_date',
  from: 'from_addr',
  subject: 'subject',
  verdict: 'verdict',
  size: 'size',
};

export class DuckDBViewStore implements ViewStore {
  constructor(private readonly conn: DuckDBConnection) {}

  private async rows(
    sql: string,
    values?: DuckDBValue[],
    types?: DuckDBType[],
  ): Promise<Record<string, unknown>[]> {
    const r = await this.conn.runAndReadAll(sql, values, types);
    return r.getRowObjectsJS() as Record<string, unknown>[];
  }

  private async tableExists(name: string): Promise<boolean> {
    const r = await this.rows(`SELECT count(*) AS n FROM information_schema.tables WHERE table_name = $1`, [
      name,
    ]);
    return num(r[0].n) > 0;
  }

  // ---- overview ------------------------------------------------------------------------

  /** A fingerprint of everything the summary depends on; cheap (sources and dumps are few rows). */
  private async signature(): Promise<string> {
    const [r] = await this.rows(`SELECT md5(
      coalesce((SELECT string_agg(concat_ws('/', source_id, status, accepted, duplicates, finished_at), ',' ORDER BY source_id) FROM sources), '')
      || '|' || coalesce((SELECT string_agg(concat_ws('/', dump_id, status, finished_at), ',' ORDER BY dump_id) FROM leak_dumps), '')
      || '|' || (SELECT count(*) FROM attack_alerts) || '|' || (SELECT coalesce(sum(events), 0) FROM attack_daily)
      || '|' || (SELECT count(*) FROM accounts)) AS sig`);
    return String(r.sig);
  }

  private readonly bucketSql = `
    SELECT 'posts' AS series, date_trunc('hour', created_at) AS bucket, count(*) AS n FROM posts GROUP BY ALL
    UNION ALL SELECT 'leaks', date_trunc('hour', msg_date), count(*) FROM leak_messages WHERE msg_date IS NOT NULL GROUP BY ALL
    UNION ALL SELECT 'infrastructure', CAST(day AS TIMESTAMP), sum(events) FROM attack_daily GROUP BY ALL`;

  private readonly metaSql = `SELECT
      (SELECT count(*) FROM posts) AS posts, (SELECT count(*) FROM accounts) AS accounts,
      (SELECT count(*) FROM sources) AS sources,
      (SELECT min(created_at) FROM posts) AS first_post, (SELECT max(created_at) FROM posts) AS last_post,
      (SELECT count(*) FROM leak_messages) AS leak_messages,
      coalesce((SELECT CAST(json_group_object(verdict, n) AS VARCHAR) FROM
        (SELECT verdict, count(*) AS n FROM leak_messages GROUP BY verdict)), '{}') AS leak_verdicts,
      (SELECT coalesce(sum(events), 0) FROM attack_daily) AS attack_events,
      (SELECT count(*) FROM attack_alerts) AS attack_alerts`;

  async overviewBase(): Promise<OverviewBase> {
    const sig = await this.signature();
    const [stored] = await this.rows(`SELECT signature FROM overview_meta LIMIT 1`);
    let rebuilt = false;
    let live = false;
    if (!stored || String(stored.signature) !== sig) {
      try {
        await this.conn.run('BEGIN TRANSACTION');
        await this.conn.run(`DELETE FROM overview_buckets`);
        await this.conn.run(`DELETE FROM overview_meta`);
        await this.conn.run(`INSERT INTO overview_buckets ${this.bucketSql}`);
        await this.conn.runAndReadAll(
          `INSERT INTO overview_meta SELECT $1, now()::TIMESTAMP, m.* FROM (${this.metaSql}) m`,
          [sig],
        );
        await this.conn.run('COMMIT');
        rebuilt = true;
      } catch {
        // A read-only workspace cannot keep the summary: aggregate live instead (same numbers, slower).
        await this.conn.run('ROLLBACK').catch(() => undefined);
        live = true;
      }
    }
    const metaFrom = live ? `(SELECT NULL AS aggregated_at, * FROM (${this.metaSql}))` : 'overview_meta';
    const [m] = await this.rows(`SELECT *, epoch_ms(first_post) AS f_ms, epoch_ms(last_post) AS l_ms,
      epoch_ms(coalesce(aggregated_at, now()::TIMESTAMP)) AS a_ms FROM ${metaFrom} LIMIT 1`);
    const bucketsFrom = live ? `(${this.bucketSql})` : 'overview_buckets';
    const b = await this.rows(
      `SELECT series, epoch_ms(bucket) AS t, n FROM ${bucketsFrom} ORDER BY series, bucket`,
    );
    return {
      posts: num(m.posts),
      accounts: num(m.accounts),
      sources: num(m.sources),
      firstPost: isoMs(m.f_ms),
      lastPost: isoMs(m.l_ms),
      leaks: {
        messages: num(m.leak_messages),
        byVerdict: parseJson(m.leak_verdicts, {}) as Record<string, number>,
      },
      attacks: { events: num(m.attack_events), alerts: num(m.attack_alerts) },
      buckets: b.map((r) => ({ series: String(r.series), t: isoMs(r.t)!, count: num(r.n) })),
      aggregatedAt: isoMs(m.a_ms)!,
      rebuilt,
    };
  }

  async findingCounts(sinceMs: number | null, bucket: 'hour' | 'day'): Promise<FindingCounts> {
    const where = sinceMs === null ? '' : `WHERE created_at > make_timestamp(CAST($1 AS BIGINT) * 1000)`;
    const params = sinceMs === null ? [] : [Math.trunc(sinceMs)];
    const by = await this.rows(
      `SELECT channel, count(*) AS n FROM findings ${where} GROUP BY 1 ORDER BY 1`,
      params,
    );
    const tl = await this.rows(
      `SELECT channel, epoch_ms(date_trunc('${bucket === 'hour' ? 'hour' : 'day'}', ${FINDING_EVENT_TIME_SQL})) AS t,
       count(*) AS n FROM findings ${where} GROUP BY ALL HAVING t IS NOT NULL ORDER BY 2, 1`,
      params,
    );
    const byChannel: Record<string, number> = {};
    let total = 0;
    for (const r of by) {
      byChannel[String(r.channel)] = num(r.n);
      total += num(r.n);
    }
    return {
      total,
      byChannel,
      timeline: tl.map((r) => ({ channel: String(r.channel), t: isoMs(r.t)!, count: num(r.n) })),
    };
  }

  // ---- findings ------------------------------------------------------------------------

  async findings(q: FindingQuery): Promise<Page<FindingSummary>> {
    const where: string[] = [];
    const params: DuckDBValue[] = [];
    const bind = (v: DuckDBValue) => {
      params.push(v);
      return `$${params.length}`;
    };
    if (q.channel) where.push(`f.channel = ${bind(q.channel)}`);
    if (q.detector) where.push(`f.detector = ${bind(q.detector)}`);
    if (q.kind) where.push(`f.kind = ${bind(q.kind)}`);
    if (q.severity) {
      const idx = SEVERITIES.indexOf(q.severity as (typeof SEVERITIES)[number]);
      if (idx >= 0) where.push(`${sevIndexSql('f.severity')} >= ${idx}`);
    }
    if (q.status === 'unreviewed') where.push(`la.status IS NULL`);
    else if (q.status) where.push(`la.status = ${bind(q.status)}`);
    if (q.q) {
      const p = bind(q.q);
      where.push(`(contains(lower(f.title), lower(${p})) OR contains(lower(f.summary), lower(${p})))`);
    }
    if (q.account) {
      const p = bind(q.account);
      where.push(`(EXISTS (SELECT 1 FROM finding_evidence e WHERE e.finding_id = f.finding_id AND e.tbl = 'accounts' AND e.key = ${p})
        OR list_contains(coalesce(json_extract_string(f.details, '$.members[*]'), []), ${p})
        OR list_contains(coalesce(json_extract_string(f.details, '$.clusterMembers[*]'), []), ${p}))`);
    }
    if (q.ids) where.push(`list_contains(${bind(listValue(q.ids))}::VARCHAR[], f.finding_id)`);
    const from = `findings f LEFT JOIN (SELECT finding_id, status FROM annotations
        QUALIFY row_number() OVER (PARTITION BY finding_id ORDER BY annotation_id DESC) = 1) la USING (finding_id)
      ${where.length ? 'WHERE ' + where.join(' AND ') : ''}`;
    const [c] = await this.rows(`SELECT count(*) AS n FROM ${from}`, params);
    const rows = await this.rows(
      `SELECT f.finding_id, f.kind, f.channel, f.title, f.summary, f.severity, f.confidence, f.detector,
         epoch_ms(f.created_at) AS c_ms, f.techniques, ${q.withDetails ? 'f.details,' : ''}
         (SELECT count(*) FROM finding_evidence e WHERE e.finding_id = f.finding_id) AS ev
       FROM ${from}
       ORDER BY ${sevIndexSql('f.severity')} DESC, f.confidence DESC, f.finding_id
       LIMIT ${Math.trunc(q.limit)} OFFSET ${Math.trunc(q.offset)}`,
      params,
    );
    const ann = await this.latestAnnotations(rows.map((r) => String(r.finding_id)));
    return {
      total: num(c.n),
      items: rows.map((r) => ({
        id: String(r.finding_id),
        kind: String(r.kind),
        channel: String(r.channel),
        title: String(r.title),
        summary: String(r.summary),
        severity: String(r.severity),
        confidence: num(r.confidence),
        detector: String(r.detector),
        createdAt: isoMs(r.c_ms) ?? '',
        evidenceCount: num(r.ev),
        techniques: strs(r.techniques),
        ...(q.withDetails ? { details: parseJson(r.details, {}) as Record<string, unknown> } : {}),
        annotation: ann.get(String(r.finding_id)) ?? null,
      })),
    };
  }

  private async latestAnnotations(ids: string[]) {
    const out = new Map<string, ReturnType<typeof toAnnotation>>();
    if (ids.length === 0) return out;
    const r = await this.rows(
      `SELECT ${ANNOTATION_COLS} FROM annotations WHERE list_contains($1, finding_id)
       QUALIFY row_number() OVER (PARTITION BY finding_id ORDER BY annotation_id DESC) = 1`,
      [listValue(ids)],
      [VLIST],
    );
    for (const row of r) out.set(String(row.finding_id), toAnnotation(row));
    return out;
  }

  async finding(id: string): Promise<Finding | null> {
    const [r] = await this.rows(
      `SELECT *, epoch_ms(created_at) AS c_ms FROM findings WHERE finding_id = $1`,
      [id],
    );
    if (!r) return null;
    const ev = await this.rows(`SELECT * FROM finding_evidence WHERE finding_id = $1 ORDER BY ord`, [id]);
    const evidence: EvidenceRef[] = ev.map((e) => ({
      table: String(e.tbl),
      key: String(e.key),
      contentHash: str(e.content_hash),
      ...(e.role ? { role: String(e.role) } : {}),
      ...(e.note ? { note: String(e.note) } : {}),
    }));
    return {
      id: String(r.finding_id),
      kind: String(r.kind),
      channel: r.channel as Finding['channel'],
      title: String(r.title),
      summary: String(r.summary),
      severity: r.severity as Finding['severity'],
      confidence: num(r.confidence),
      confidenceMethod: String(r.confidence_method),
      detector: {
        name: String(r.detector),
        version: String(r.detector_version),
        parameters: parseJson(r.parameters, {}) as Record<string, unknown>,
      },
      evidence,
      techniques: strs(r.techniques),
      caveats: strs(r.caveats),
      details: parseJson(r.details, {}) as Record<string, unknown>,
      createdAt: isoMs(r.c_ms) ?? '',
    };
  }

  async evidenceRows(refs: { table: string; key: string }[]): Promise<(Record<string, unknown> | null)[]> {
    const out: (Record<string, unknown> | null)[] = refs.map(() => null);
    const want = (table: string) => refs.map((r, i) => ({ ...r, i })).filter((r) => r.table === table);
    const fill = (table: string, found: Map<string, Record<string, unknown>>) => {
      for (const r of want(table)) out[r.i] = found.get(r.key) ?? null;
    };
    const pairs = (table: string) => {
      const ks = want(table)
        .map((r) => splitKey(r.key))
        .filter((k): k is [string, string] => k !== null);
      return [listValue(ks.map((k) => k[0])), listValue(ks.map((k) => k[1]))];
    };
    if (want('posts').length) {
      const r = await this.rows(
        `SELECT ${POST_COLS} FROM posts JOIN (SELECT unnest($1) AS platform, unnest($2) AS post_id) k USING (platform, post_id)`,
        pairs('posts'),
        [VLIST, VLIST],
      );
      fill('posts', new Map(r.map((x) => { const p = toPost(x); return [p.key, p as unknown as Record<string, unknown>]; }))); // prettier-ignore
    }
    if (want('accounts').length) {
      const r = await this.rows(
        `SELECT ${ACCOUNT_COLS} FROM accounts JOIN (SELECT unnest($1) AS platform, unnest($2) AS account_id) k USING (platform, account_id)`,
        pairs('accounts'),
        [VLIST, VLIST],
      );
      fill('accounts', new Map(r.map((x) => { const a = toAccount(x); return [a.key, a as unknown as Record<string, unknown>]; }))); // prettier-ignore
    }
    if (want('leak_messages').length) {
      const r = await this.rows(
        `SELECT ${LEAK_COLS} FROM leak_messages JOIN (SELECT unnest($1) AS dump_id, unnest($2) AS msg_key) k USING (dump_id, msg_key)`,
        pairs('leak_messages'),
        [VLIST, VLIST],
      );
      fill('leak_messages', new Map(r.map((x) => { const m = toLeak(x); return [m.id, m as unknown as Record<string, unknown>]; }))); // prettier-ignore
    }
    if (want('attack_alerts').length) {
      const r = await this.conn.runAndReadAll(
        `SELECT alert_id, scenario, group_key, ip, country, asn, org, events, severity, confidence,
           epoch_ms(first_time) AS f_ms, epoch_ms(last_time) AS l_ms, techniques, users, paths
         FROM attack_alerts WHERE list_contains($1, alert_id)`,
        [listValue(want('attack_alerts').map((r) => r.key))],
        [VLIST],
      );
      const m = new Map<string, Record<string, unknown>>();
      for (const x of r.getRowObjectsJS() as Record<string, unknown>[])
        m.set(String(x.alert_id), {
          alertId: String(x.alert_id),
          scenario: String(x.scenario),
          key: str(x.group_key),
          ip: str(x.ip),
          country: str(x.country),
          asn: numOrNull(x.asn),
          org: str(x.org),
          events: num(x.events),
          severity: String(x.severity),
          confidence: num(x.confidence),
          first: isoMs(x.f_ms),
          last: isoMs(x.l_ms),
          techniques: strs(x.techniques),
          users: strs(x.users),
          paths: strs(x.paths),
        });
      fill('attack_alerts', m);
    }
    if (want('account_signals').length) {
      const found = await this.signalsByKey(want('account_signals').map((r) => r.key));
      fill('account_signals', new Map(found.map((x) => [`${x.platform}:${x.accountId}`, x as unknown as Record<string, unknown>]))); // prettier-ignore
    }
    if (want('findings').length) {
      const ids = [...new Set(want('findings').map((r) => r.key))];
      const r = await this.findings({ ids, limit: ids.length, offset: 0 });
      fill('findings', new Map(r.items.map((f) => [f.id, f as unknown as Record<string, unknown>])));
    }
    if (want('attack_lines').length) {
      const ks = want('attack_lines')
        .map((r) => splitKey(r.key))
        .filter((k): k is [string, string] => k !== null && /^\d+$/.test(k[0]) && /^\d+$/.test(k[1]));
      const r = await this.rows(
        `SELECT l.source_id, s.path, l.line, l.byte_offset, epoch_ms(l.time) AS t_ms, l.raw, l.sha256
         FROM attack_lines l LEFT JOIN sources s USING (source_id)
         JOIN (SELECT CAST(unnest($1) AS INTEGER) AS source_id, CAST(unnest($2) AS BIGINT) AS line) k USING (source_id, line)`,
        [listValue(ks.map((k) => k[0])), listValue(ks.map((k) => k[1]))],
        [VLIST, VLIST],
      );
      fill('attack_lines', new Map(r.map((x) => { const l = toLine(x); return [`${l.sourceId}:${l.line}`, l as unknown as Record<string, unknown>]; }))); // prettier-ignore
    }
    return out;
  }

  // ---- posts and accounts --------------------------------------------------------------

  async post(platform: string, postId: string): Promise<PostView | null> {
    const [r] = await this.rows(
      `SELECT ${POST_COLS} FROM posts WHERE platform = $1 AND post_id = $2 LIMIT 1`,
      [platform, postId],
    );
    return r ? toPost(r) : null;
  }

  async account(key: string): Promise<AccountView | null> {
    const k = splitKey(key);
    if (!k) return null;
    const [r] = await this.rows(
      `SELECT ${ACCOUNT_COLS} FROM accounts WHERE platform = $1 AND account_id = $2`,
      k,
    );
    return r ? toAccount(r) : null;
  }

  async accountPosts(key: string, limit: number): Promise<PostView[]> {
    const k = splitKey(key);
    if (!k) return [];
    const r = await this.rows(
      `SELECT ${POST_COLS} FROM posts WHERE platform = $1 AND account_id = $2
       ORDER BY created_at DESC, post_id LIMIT ${Math.trunc(limit)}`,
      k,
    );
    return r.map(toPost);
  }

  async accountSignals(key: string): Promise<StoredSignal | null> {
    const [s] = await this.signalsByKey([key]);
    return s ?? null;
  }

  /** Stored signals of these account keys (any order; keys not scored are absent). */
  private async signalsByKey(keys: string[]): Promise<StoredSignal[]> {
    const ks = keys.map(splitKey).filter((k): k is [string, string] => k !== null);
    // A workspace opened read-only may predate the migration that adds the table.
    if (ks.length === 0 || !(await this.tableExists('account_signals'))) return [];
    const r = await this.rows(
      `SELECT platform, account_id, score, logit, model, features, contributions, flags,
         epoch_ms(computed_at) AS c_ms
       FROM account_signals JOIN (SELECT unnest($1) AS platform, unnest($2) AS account_id) k USING (platform, account_id)`,
      [listValue(ks.map((k) => k[0])), listValue(ks.map((k) => k[1]))],
      [VLIST, VLIST],
    );
    return r.map((x) => ({
      platform: String(x.platform),
      accountId: String(x.account_id),
      score: num(x.score),
      logit: num(x.logit),
      model: String(x.model),
      // Stored as JSON text; the API hands out objects, never JSON inside a string.
      features: parseJson(x.features, {}) as StoredSignal['features'],
      contributions: parseJson(x.contributions, {}) as StoredSignal['contributions'],
      flags: strs(x.flags),
      computedAt: isoMs(x.c_ms) ?? '',
    }));
  }

  // ---- leaks ---------------------------------------------------------------------------

  async leakMessages(q: LeakQuery): Promise<Page<LeakMessageView> & { verdicts: Record<string, number> }> {
    const where: string[] = [];
    const params: string[] = [];
    if (q.dump) {
      params.push(q.dump);
      where.push(`dump_id = $${params.length}`);
    }
    const base = where.length ? 'WHERE ' + where.join(' AND ') : '';
    const vc = await this.rows(
      `SELECT verdict, count(*) AS n FROM leak_messages ${base} GROUP BY 1 ORDER BY 1`,
      params,
    );
    if (q.verdict) {
      params.push(q.verdict);
      where.push(`verdict = $${params.length}`);
    }
    const w = where.length ? 'WHERE ' + where.join(' AND ') : '';
    const [c] = await this.rows(`SELECT count(*) AS n FROM leak_messages ${w}`, params);
    const dir = q.order === 'asc' ? 'ASC' : 'DESC';
    const rows = await this.rows(
      `SELECT ${LEAK_COLS} FROM leak_messages ${w}
       ORDER BY ${LEAK_SORT[q.sort]} ${dir} NULLS LAST, dump_id, msg_key
       LIMIT ${Math.trunc(q.limit)} OFFSET ${Math.trunc(q.offset)}`,
      params,
    );
    return {
      items: rows.map(toLeak),
      total: num(c.n),
      verdicts: Object.fromEntries(vc.map((r) => [String(r.verdict), num(r.n)])),
    };
  }

  async leakMessage(dumpId: string, msgKey: string): Promise<LeakMessageDetail | null> {
    const [r] = await this.rows(
      `SELECT ${LEAK_COLS}, signatures, flags, arc_status, arc_reason, epoch_ms(verified_as_of) AS v_ms
       FROM leak_messages WHERE dump_id = $1 AND msg_key = $2 LIMIT 1`,
      [dumpId, msgKey],
    );
    if (!r) return null;
    const signatures = parseJson(r.signatures, []) as { domain?: string; selector?: string }[];
    const [d] = await this.rows(
      `SELECT dump_id, label, epoch_ms(leak_date) AS l_ms FROM leak_dumps WHERE dump_id = $1`,
      [dumpId],
    );
    const domains = [...new Set(signatures.map((s) => String(s.domain ?? '').toLowerCase()).filter(Boolean))];
    const keys = domains.length
      ? (
          await this.conn.runAndReadAll(
            `SELECT domain, selector, fingerprint, key_type, bits, record, first_seen, last_seen, source, added_at,
               private_published_at, private_published_source
             FROM leak_keys WHERE list_contains($1, lower(domain)) ORDER BY domain, selector, first_seen`,
            [listValue(domains)],
            [VLIST],
          )
        ).getRowObjectsJson()
      : [];
    const attachments = (
      await this.conn.runAndReadAll(
        `SELECT path, size, sha256, kind, status, note, anchor FROM leak_files
         WHERE dump_id = $1 AND parent_message = $2 ORDER BY path`,
        [dumpId, msgKey],
      )
    ).getRowObjectsJson();
    return {
      ...toLeak(r),
      dump: d ? { dumpId: String(d.dump_id), label: String(d.label), leakDate: isoMs(d.l_ms) } : null,
      signatures,
      flags: parseJson(r.flags, []) as unknown[],
      arc: { status: String(r.arc_status), reason: str(r.arc_reason) },
      verifiedAsOf: isoMs(r.v_ms),
      keys: keys as Record<string, unknown>[],
      attachments: attachments as Record<string, unknown>[],
    };
  }

  // ---- attacks -------------------------------------------------------------------------

  async attackStats(): Promise<AttackStats> {
    const byDay = await this
      .rows(`SELECT strftime(day, '%Y-%m-%d') AS day, sum(events) AS events, sum(alerts) AS alerts FROM (
        SELECT day, sum(events) AS events, 0 AS alerts FROM attack_daily GROUP BY day
        UNION ALL SELECT CAST(first_time AS DATE), 0, count(*) FROM attack_alerts WHERE first_time IS NOT NULL GROUP BY 1)
      GROUP BY day ORDER BY day`);
    const byCountry = await this.rows(`SELECT country, sum(events) AS events, sum(alerts) AS alerts FROM (
        SELECT country, sum(events) AS events, 0 AS alerts FROM attack_daily GROUP BY country
        UNION ALL SELECT coalesce(country, ''), 0, count(*) FROM attack_alerts GROUP BY 1)
      GROUP BY country ORDER BY events DESC, alerts DESC, country`);
    const byAsn = await this
      .rows(`SELECT coalesce(asn, 0) AS asn, coalesce(any_value(org), '') AS org, count(*) AS alerts,
        sum(events) AS events FROM attack_alerts GROUP BY 1 ORDER BY alerts DESC, events DESC, asn`);
    const byScenario = await this.rows(`SELECT scenario, count(*) AS alerts, sum(events) AS events
      FROM attack_alerts GROUP BY 1 ORDER BY alerts DESC, scenario`);
    return {
      byDay: byDay.map((r) => ({ day: String(r.day), events: num(r.events), alerts: num(r.alerts) })),
      byCountry: byCountry.map((r) => ({
        country: String(r.country),
        events: num(r.events),
        alerts: num(r.alerts),
      })),
      byAsn: byAsn.map((r) => ({
        asn: num(r.asn),
        org: String(r.org),
        alerts: num(r.alerts),
        events: num(r.events),
      })),
      byScenario: byScenario.map((r) => ({
        scenario: String(r.scenario),
        alerts: num(r.alerts),
        events: num(r.events),
      })),
    };
  }

  async attackLines(alertIds: string[]): Promise<Map<string, AttackLineView[]>> {
    const out = new Map<string, AttackLineView[]>();
    if (alertIds.length === 0) return out;
    const r = await this.rows(
      `SELECT al.alert_id, l.source_id, s.path, l.line, l.byte_offset, epoch_ms(l.time) AS t_ms, l.raw, l.sha256
       FROM attack_alert_lines al JOIN attack_lines l USING (source_id, line) LEFT JOIN sources s USING (source_id)
       WHERE list_contains($1, al.alert_id) ORDER BY al.alert_id, al.ord`,
      [listValue(alertIds)],
      [VLIST],
    );
    for (const x of r) {
      const id = String(x.alert_id);
      if (!out.has(id)) out.set(id, []);
      out.get(id)!.push(toLine(x));
    }
    return out;
  }

  // ---- search --------------------------------------------------------------------------

  async search(q: string, kinds: SearchHit['kind'][], page: PageQuery): Promise<Page<SearchHit>> {
    const parts: string[] = [];
    if (kinds.includes('post'))
      parts.push(`SELECT 'post' AS kind, platform || ':' || post_id AS id, platform || ':' || account_id AS title,
        left(text, 280) AS excerpt, epoch_ms(created_at) AS t_ms FROM posts WHERE contains(lower(text), lower($1))`);
    if (kinds.includes('message'))
      parts.push(`SELECT 'message' AS kind, dump_id || ':' || msg_key AS id, coalesce(subject, '(no subject)') AS title,
        left(concat_ws(' -> ', from_addr, to_addr), 280) AS excerpt, epoch_ms(msg_date) AS t_ms FROM leak_messages
        WHERE contains(lower(coalesce(subject, '')), lower($1)) OR contains(lower(coalesce(from_addr, '')), lower($1))
          OR contains(lower(coalesce(to_addr, '')), lower($1)) OR contains(lower(coalesce(message_id, '')), lower($1))`);
    if (kinds.includes('event'))
      parts.push(`SELECT 'event' AS kind, source_id || ':' || line AS id, 'log line ' || line AS title,
        left(raw, 280) AS excerpt, epoch_ms(time) AS t_ms
        FROM attack_lines WHERE contains(lower(raw), lower($1))`);
    if (parts.length === 0) return { items: [], total: 0 };
    const u = parts.join(' UNION ALL ');
    const [c] = await this.rows(`SELECT count(*) AS n FROM (${u})`, [q]);
    const rows = await this.rows(
      `SELECT * FROM (${u}) ORDER BY t_ms DESC NULLS LAST, kind, id LIMIT ${Math.trunc(page.limit)} OFFSET ${Math.trunc(page.offset)}`,
      [q],
    );
    return {
      total: num(c.n),
      items: rows.map((r) => ({
        kind: String(r.kind) as SearchHit['kind'],
        id: String(r.id),
        title: String(r.title),
        excerpt: String(r.excerpt ?? ''),
        time: isoMs(r.t_ms),
      })),
    };
  }
}

function toLine(x: Record<string, unknown>): AttackLineView {
  return {
    sourceId: num(x.source_id),
    path: str(x.path),
    line: num(x.line),
    offset: numOrNull(x.byte_offset),
    time: isoMs(x.t_ms),
    raw: String(x.raw),
    sha256: String(x.sha256),
  };
}
