/**
 * DuckDB implementation of the attacks store (see src/store/attacks.ts).
 */
import { inTransaction } from './transaction.js';
import {
  DuckDBTimestampValue,
  INTEGER,
  LIST,
  VARCHAR,
  listValue,
  type DuckDBConnection,
} from '@duckdb/node-api';

const VLIST = LIST(VARCHAR);
const ILIST = LIST(INTEGER);
import type { AlertFilter, AttackLine, AttackStore, DailyCount, StoredAlert } from '../attacks.js';

/** Tables of the attacks channel (appended to MIGRATIONS in src/store/schema.ts). */
export const ATTACKS_SCHEMA_SQL: string[] = [
  `CREATE TABLE attack_alerts (
    alert_id VARCHAR PRIMARY KEY,
    scenario VARCHAR NOT NULL,
    groupby VARCHAR NOT NULL,
    group_key VARCHAR NOT NULL,
    ip VARCHAR,
    ips VARCHAR[],
    users VARCHAR[],
    vals VARCHAR[],
    uas VARCHAR[],
    paths VARCHAR[],
    services VARCHAR[],
    first_time TIMESTAMP,
    last_time TIMESTAMP,
    events BIGINT NOT NULL,
    suppressed BIGINT NOT NULL,
    last_activity TIMESTAMP,
    severity VARCHAR NOT NULL,
    confidence DOUBLE NOT NULL,
    techniques VARCHAR[],
    traits VARCHAR[],
    country VARCHAR,
    asn BIGINT,
    org VARCHAR,
    hosting BOOLEAN,
    tor BOOLEAN,
    source_ids INTEGER[]
  )`,
  `CREATE TABLE attack_lines (
    source_id INTEGER NOT NULL,
    line BIGINT NOT NULL,
    byte_offset BIGINT,
    time TIMESTAMP,
    raw VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    PRIMARY KEY (source_id, line)
  )`,
  `CREATE TABLE attack_alert_lines (
    alert_id VARCHAR NOT NULL,
    ord INTEGER NOT NULL,
    source_id INTEGER NOT NULL,
    line BIGINT NOT NULL
  )`,
  `CREATE TABLE attack_daily (
    day DATE NOT NULL,
    source_id INTEGER NOT NULL,
    family VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    country VARCHAR NOT NULL,
    events BIGINT NOT NULL,
    PRIMARY KEY (day, source_id, family, kind, country)
  )`,
];

function ts(ms: number): DuckDBTimestampValue | null {
  return Number.isFinite(ms) ? new DuckDBTimestampValue(BigInt(Math.round(ms)) * 1000n) : null;
}
function ms(v: unknown): number {
  if (v === null || v === undefined) return NaN;
  if (v instanceof Date) return v.getTime();
  const s = String(v);
  return Date.parse(s.includes('T') ? (s.endsWith('Z') ? s : s + 'Z') : s.replace(' ', 'T') + 'Z');
}
function num(v: unknown): number {
  return typeof v === 'bigint' ? Number(v) : Number(v ?? 0);
}
function strs(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : [];
}

export class DuckDBAttackStore implements AttackStore {
  constructor(private readonly conn: DuckDBConnection) {}

  private async tx<T>(fn: () => Promise<T>): Promise<T> {
    return inTransaction(this.conn, fn);
  }

  private async rows(sql: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
    const p = await this.conn.prepare(sql);
    params.forEach((v, i) => {
      if (v === null) p.bindNull(i + 1);
      else if (typeof v === 'number') p.bindDouble(i + 1, v);
      else p.bindVarchar(i + 1, String(v));
    });
    return (await p.runAndReadAll()).getRowObjectsJS() as Record<string, unknown>[];
  }

  async saveAlerts(alerts: StoredAlert[]): Promise<void> {
    if (alerts.length === 0) return;
    await this.tx(async () => {
      await this.conn.run(`CREATE TEMP TABLE IF NOT EXISTS alert_ids (id VARCHAR)`);
      await this.conn.run(`DELETE FROM alert_ids`);
      const ids = await this.conn.createAppender('alert_ids', 'main', 'temp');
      for (const a of alerts) {
        ids.appendVarchar(a.alertId);
        ids.endRow();
      }
      ids.flushSync();
      ids.closeSync();
      await this.conn.run(`DELETE FROM attack_alert_lines WHERE alert_id IN (SELECT id FROM alert_ids)`);
      await this.conn.run(`DELETE FROM attack_alerts WHERE alert_id IN (SELECT id FROM alert_ids)`);
      const app = await this.conn.createAppender('attack_alerts');
      const al = await this.conn.createAppender('attack_alert_lines');
      const lines = new Map<string, AttackLine>();
      const list = (xs: string[]) => listValue(xs);
      try {
        for (const a of alerts) {
          app.appendVarchar(a.alertId);
          app.appendVarchar(a.scenario);
          app.appendVarchar(a.groupby);
          app.appendVarchar(a.key);
          app.appendVarchar(a.ip);
          for (const xs of [a.ips, a.users, a.values, a.uas, a.paths, a.services])
            app.appendList(list(xs), VLIST);
          for (const t of [a.firstTime, a.lastTime]) {
            const v = ts(t);
            if (v) app.appendTimestamp(v);
            else app.appendNull();
          }
          app.appendBigInt(BigInt(a.events));
          app.appendBigInt(BigInt(a.suppressed));
          const la = ts(a.lastActivity);
          if (la) app.appendTimestamp(la);
          else app.appendNull();
          app.appendVarchar(a.severity);
          app.appendDouble(a.confidence);
          app.appendList(list(a.techniques), VLIST);
          app.appendList(list(a.traits), VLIST);
          app.appendVarchar(a.country);
          app.appendBigInt(BigInt(a.asn));
          app.appendVarchar(a.org);
          app.appendBoolean(a.hosting);
          app.appendBoolean(a.tor);
          app.appendList(listValue(a.sourceIds), ILIST);
          app.endRow();
          a.evidence.forEach((l, i) => {
            al.appendVarchar(a.alertId);
            al.appendInteger(i);
            al.appendInteger(l.sourceId);
            al.appendBigInt(BigInt(l.line));
            al.endRow();
            lines.set(`${l.sourceId}:${l.line}`, l);
          });
        }
        app.flushSync();
        al.flushSync();
      } finally {
        app.closeSync();
        al.closeSync();
      }
      await this.conn.run(`CREATE TEMP TABLE IF NOT EXISTS line_stage AS SELECT * FROM attack_lines LIMIT 0`);
      await this.conn.run(`DELETE FROM line_stage`);
      const ls = await this.conn.createAppender('line_stage', 'main', 'temp');
      try {
        for (const l of lines.values()) {
          ls.appendInteger(l.sourceId);
          ls.appendBigInt(BigInt(l.line));
          ls.appendBigInt(BigInt(l.offset));
          const t = ts(l.time);
          if (t) ls.appendTimestamp(t);
          else ls.appendNull();
          ls.appendVarchar(l.raw);
          ls.appendVarchar(l.sha256);
          ls.endRow();
        }
        ls.flushSync();
      } finally {
        ls.closeSync();
      }
      await this.conn.run(`INSERT INTO attack_lines SELECT * FROM line_stage ON CONFLICT DO NOTHING`);
    });
  }

  async saveDaily(rows: DailyCount[]): Promise<void> {
    if (rows.length === 0) return;
    await this.tx(async () => {
      await this.conn.run(
        `CREATE TEMP TABLE IF NOT EXISTS daily_stage AS SELECT * FROM attack_daily LIMIT 0`,
      );
      await this.conn.run(`DELETE FROM daily_stage`);
      const app = await this.conn.createAppender('daily_stage', 'main', 'temp');
      try {
        for (const r of rows) {
          app.appendVarchar(r.day);
          app.appendInteger(r.sourceId);
          app.appendVarchar(r.family);
          app.appendVarchar(r.kind);
          app.appendVarchar(r.country);
          app.appendBigInt(BigInt(r.events));
          app.endRow();
        }
        app.flushSync();
      } finally {
        app.closeSync();
      }
      await this.conn.run(`INSERT INTO attack_daily
        SELECT day, source_id, family, kind, country, sum(events) FROM daily_stage GROUP BY ALL
        ON CONFLICT (day, source_id, family, kind, country) DO UPDATE SET events = attack_daily.events + excluded.events`);
    });
  }

  async listAlerts(filter: AlertFilter = {}): Promise<StoredAlert[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.from !== undefined) {
      params.push(new Date(filter.from).toISOString());
      where.push(`last_activity >= CAST($${params.length} AS TIMESTAMP)`);
    }
    if (filter.to !== undefined) {
      params.push(new Date(filter.to).toISOString());
      where.push(`first_time < CAST($${params.length} AS TIMESTAMP)`);
    }
    if (filter.scenario) {
      params.push(filter.scenario);
      where.push(`scenario = $${params.length}`);
    }
    const rows = await this.rows(
      `SELECT * FROM attack_alerts ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY first_time, alert_id`,
      params,
    );
    if (rows.length === 0) return [];
    const ev = await this.rows(
      `SELECT al.alert_id, al.ord, l.* FROM attack_alert_lines al
      JOIN attack_lines l ON l.source_id = al.source_id AND l.line = al.line
      WHERE al.alert_id IN (SELECT alert_id FROM attack_alerts ${where.length ? 'WHERE ' + where.join(' AND ') : ''})
      ORDER BY al.alert_id, al.ord`,
      params,
    );
    const byId = new Map<string, AttackLine[]>();
    for (const r of ev) {
      const id = String(r.alert_id);
      if (!byId.has(id)) byId.set(id, []);
      byId.get(id)!.push({
        sourceId: num(r.source_id),
        line: num(r.line),
        offset: num(r.byte_offset),
        time: ms(r.time),
        raw: String(r.raw),
        sha256: String(r.sha256),
      });
    }
    return rows.map((r) => ({
      alertId: String(r.alert_id),
      scenario: String(r.scenario),
      groupby: String(r.groupby),
      key: String(r.group_key),
      ip: String(r.ip ?? ''),
      ips: strs(r.ips),
      users: strs(r.users),
      values: strs(r.vals),
      uas: strs(r.uas),
      paths: strs(r.paths),
      services: strs(r.services),
      firstTime: ms(r.first_time),
      lastTime: ms(r.last_time),
      events: num(r.events),
      suppressed: num(r.suppressed),
      lastActivity: ms(r.last_activity),
      severity: r.severity as StoredAlert['severity'],
      confidence: num(r.confidence),
      techniques: strs(r.techniques),
      traits: strs(r.traits),
      country: String(r.country ?? ''),
      asn: num(r.asn),
      org: String(r.org ?? ''),
      hosting: Boolean(r.hosting),
      tor: Boolean(r.tor),
      sourceIds: Array.isArray(r.source_ids) ? r.source_ids.map(num) : [],
      evidence: byId.get(String(r.alert_id)) ?? [],
    }));
  }

  async daily(): Promise<DailyCount[]> {
    const rows = await this
      .rows(`SELECT strftime(day, '%Y-%m-%d') AS day, family, kind, country, sum(events) AS events
      FROM attack_daily GROUP BY ALL ORDER BY 1, 2, 3, 4`);
    return rows.map((r) => ({
      day: String(r.day),
      sourceId: 0,
      family: String(r.family),
      kind: String(r.kind),
      country: String(r.country),
      events: num(r.events),
    }));
  }

  async setSourceCounts(
    sourceId: number,
    accepted: number,
    rejected: number,
    format?: string,
  ): Promise<void> {
    await this.rows(
      `UPDATE sources SET accepted = $1, rejected = $2, records_done = $3, format = coalesce($5, format) WHERE source_id = $4`,
      [
        Math.trunc(accepted),
        Math.trunc(rejected),
        Math.trunc(accepted + rejected),
        Math.trunc(sourceId),
        format ?? null,
      ],
    );
  }

  async discardSource(sourceId: number): Promise<void> {
    const id = Math.trunc(sourceId);
    await this.tx(async () => {
      await this.conn.run(`DELETE FROM attack_daily WHERE source_id = ${id}`);
      await this.conn.run(`DELETE FROM attack_alert_lines WHERE alert_id IN
        (SELECT alert_id FROM attack_alerts WHERE list_contains(source_ids, ${id}))`);
      await this.conn.run(`DELETE FROM attack_alerts WHERE list_contains(source_ids, ${id})`);
      await this.conn.run(`DELETE FROM attack_lines WHERE source_id = ${id}`);
    });
  }
}
