/**
 * DuckDB implementation of the report queries (see src/store/report.ts). Read-only.
 * Keys from findings may carry adversary text (post ids from a crafted file), so they are
 * always bound as parameters, never spliced into SQL.
 */
import { LIST, VARCHAR, listValue, type DuckDBConnection } from '@duckdb/node-api';
import {
  evidenceKey,
  type AttackBreakdown,
  type AttackCount,
  type EvidenceRecord,
  type FindingCountRow,
  type ReportStore,
  type RunRow,
  type VolumeBin,
} from '../report.js';

const VLIST = LIST(VARCHAR);
/** Post text and log lines are cut to this many characters in evidence tables. */
const EXCERPT = 400;

function num(v: unknown): number {
  return typeof v === 'bigint' ? Number(v) : Number(v ?? 0);
}
function str(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}
function iso(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.toISOString();
  const s = String(v);
  if (s.includes('T')) return s.endsWith('Z') ? s : s + 'Z';
  return s.replace(' ', 'T') + 'Z';
}

/** Split `a:b` at the first colon (post ids and account ids may contain colons, platforms not). */
function splitFirst(k: string): [string, string] {
  const i = k.indexOf(':');
  return i < 0 ? ['', k] : [k.slice(0, i), k.slice(i + 1)];
}

export class DuckDBReportStore implements ReportStore {
  constructor(private readonly conn: DuckDBConnection) {}

  private async rows(sql: string, lists: string[][] = []): Promise<Record<string, unknown>[]> {
    const p = await this.conn.prepare(sql);
    lists.forEach((l, i) => p.bindList(i + 1, listValue(l), VLIST));
    return (await p.runAndReadAll()).getRowObjectsJS() as Record<string, unknown>[];
  }

  async postVolume(binSeconds: number): Promise<VolumeBin[]> {
    const bin = Math.max(1, Math.trunc(binSeconds));
    const r = await this.rows(`SELECT CAST(floor(epoch(created_at) / ${bin}) AS BIGINT) * ${bin} * 1000 AS t,
      count(*) AS n FROM posts GROUP BY 1 ORDER BY 1`);
    return r.map((x) => ({ start: num(x.t), posts: num(x.n) }));
  }

  async attackBreakdown(): Promise<AttackBreakdown> {
    const by = async (expr: string, order: string): Promise<AttackCount[]> =>
      (
        await this.rows(
          `SELECT ${expr} AS label, count(*) AS alerts, coalesce(sum(events), 0) AS events
           FROM attack_alerts GROUP BY 1 ORDER BY ${order}`,
        )
      ).map((x) => ({ label: String(x.label ?? ''), alerts: num(x.alerts), events: num(x.events) }));
    const [tot] = await this.rows(`SELECT count(*) AS a, coalesce(sum(events), 0) AS e FROM attack_alerts`);
    return {
      alerts: num(tot.a),
      events: num(tot.e),
      perDay: await by(`coalesce(strftime(first_time, '%Y-%m-%d'), '')`, '1'),
      perCountry: await by(`coalesce(country, '')`, '2 DESC, 1'),
      perScenario: await by(`scenario`, '2 DESC, 1'),
    };
  }

  async runs(): Promise<RunRow[]> {
    const r = await this.rows(`SELECT * FROM runs ORDER BY started_at, run_id`);
    return r.map((x) => {
      let parameters: Record<string, unknown> = {};
      try {
        parameters = JSON.parse(String(x.parameters ?? '{}')) as Record<string, unknown>;
      } catch {
        /* a hand-edited row: show no parameters rather than fail the report */
      }
      return {
        runId: String(x.run_id),
        command: String(x.command),
        parameters,
        version: String(x.vigie_version),
        startedAt: iso(x.started_at),
        finishedAt: iso(x.finished_at),
      };
    });
  }

  async findingCounts(): Promise<FindingCountRow[]> {
    const r = await this.rows(`SELECT channel, detector, kind, severity, count(*) AS n FROM findings
      GROUP BY ALL ORDER BY 1, 2, 3, 4`);
    return r.map((x) => ({
      channel: String(x.channel),
      detector: String(x.detector),
      kind: String(x.kind),
      severity: String(x.severity),
      findings: num(x.n),
    }));
  }

  async engineVersion(): Promise<string> {
    const [r] = await this.rows(`SELECT version() AS v`);
    return `DuckDB ${String(r.v)}`;
  }

  async resolveEvidence(refs: { table: string; key: string }[]): Promise<Map<string, EvidenceRecord>> {
    const out = new Map<string, EvidenceRecord>();
    const byTable = new Map<string, string[]>();
    for (const r of refs) {
      if (!byTable.has(r.table)) byTable.set(r.table, []);
      byTable.get(r.table)!.push(r.key);
    }
    const put = (table: string, rec: Omit<EvidenceRecord, 'table'>) =>
      out.set(evidenceKey(table, rec.key), { table, ...rec });
    for (const [table, keysAll] of byTable) {
      const keys = [...new Set(keysAll)];
      if (table === 'posts') {
        const split = keys.map(splitFirst);
        const r = await this.rows(
          `SELECT p.platform || ':' || p.post_id AS k, p.platform, p.account_id, p.created_at,
             left(coalesce(p.text, ''), ${EXCERPT}) AS text, p.kind, p.record_no, s.path, s.sha256
           FROM posts p
           JOIN (SELECT unnest($1) AS platform, unnest($2) AS post_id) w
             ON w.platform = p.platform AND w.post_id = p.post_id
           LEFT JOIN sources s ON s.source_id = p.source_id`,
          [split.map((s) => s[0]), split.map((s) => s[1])],
        );
        for (const x of r)
          put(table, {
            key: String(x.k),
            time: iso(x.created_at),
            who: `${String(x.platform)}:${String(x.account_id)}`,
            text: str(x.text),
            location: x.path ? `${String(x.path)}#${num(x.record_no) + 1}` : null,
            sha256: null,
          });
      } else if (table === 'accounts') {
        const split = keys.map(splitFirst);
        const r = await this.rows(
          `SELECT a.platform || ':' || a.account_id AS k, a.handle, a.display_name, a.created_at, a.first_seen
           FROM accounts a
           JOIN (SELECT unnest($1) AS platform, unnest($2) AS account_id) w
             ON w.platform = a.platform AND w.account_id = a.account_id`,
          [split.map((s) => s[0]), split.map((s) => s[1])],
        );
        for (const x of r)
          put(table, {
            key: String(x.k),
            time: iso(x.created_at),
            who: str(x.handle),
            text: str(x.display_name),
            location: null,
            sha256: null,
          });
      } else if (table === 'attack_lines') {
        const r = await this.rows(
          `SELECT CAST(l.source_id AS VARCHAR) || ':' || CAST(l.line AS VARCHAR) AS k, l.line, l.time,
             left(l.raw, ${EXCERPT}) AS raw, l.sha256, s.path
           FROM attack_lines l LEFT JOIN sources s ON s.source_id = l.source_id
           WHERE CAST(l.source_id AS VARCHAR) || ':' || CAST(l.line AS VARCHAR) IN (SELECT unnest($1))`,
          [keys],
        );
        for (const x of r)
          put(table, {
            key: String(x.k),
            time: iso(x.time),
            who: null,
            text: str(x.raw),
            location: `${String(x.path ?? 'source ' + String(x.k).split(':')[0])}:${num(x.line)}`,
            sha256: str(x.sha256),
          });
      } else if (table === 'attack_alerts') {
        const r = await this.rows(
          `SELECT alert_id, scenario, ip, country, first_time, events FROM attack_alerts
           WHERE alert_id IN (SELECT unnest($1))`,
          [keys],
        );
        for (const x of r)
          put(table, {
            key: String(x.alert_id),
            time: iso(x.first_time),
            who: [str(x.ip), str(x.country)].filter(Boolean).join(' ') || null,
            text: `${String(x.scenario)} (${num(x.events)} events)`,
            location: null,
            sha256: null,
          });
      } else if (table === 'leak_messages') {
        const r = await this.rows(
          `SELECT dump_id || ':' || msg_key AS k, msg_key, msg_date, from_addr, subject, verdict, sha256
           FROM leak_messages WHERE dump_id || ':' || msg_key IN (SELECT unnest($1))`,
          [keys],
        );
        for (const x of r)
          put(table, {
            key: String(x.k),
            time: iso(x.msg_date),
            who: str(x.from_addr),
            text: `[${String(x.verdict)}] ${String(x.subject ?? '')}`,
            location: str(x.msg_key),
            sha256: str(x.sha256),
          });
      } else if (table === 'leak_documents' || table === 'leak_files') {
        const r = await this.rows(
          `SELECT dump_id || ':' || path AS k, path, sha256 FROM ${table}
           WHERE dump_id || ':' || path IN (SELECT unnest($1))`,
          [keys],
        );
        for (const x of r)
          put(table, {
            key: String(x.k),
            time: null,
            who: null,
            text: str(x.path),
            location: str(x.path),
            sha256: str(x.sha256),
          });
      } else if (table === 'sources') {
        const r = await this.rows(
          `SELECT CAST(source_id AS VARCHAR) AS k, path, sha256, ingested_at FROM sources
           WHERE CAST(source_id AS VARCHAR) IN (SELECT unnest($1))`,
          [keys],
        );
        for (const x of r)
          put(table, {
            key: String(x.k),
            time: iso(x.ingested_at),
            who: null,
            text: str(x.path),
            location: str(x.path),
            sha256: str(x.sha256),
          });
      }
      // Other tables (written by detectors this report does not know yet) stay unresolved:
      // the report shows their table and key as given.
    }
    return out;
  }
}
