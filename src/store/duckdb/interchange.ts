/**
 * DuckDB implementation of the interchange store (see src/store/interchange.ts).
 */
import { LIST, VARCHAR, listValue, type DuckDBConnection } from '@duckdb/node-api';
import type { InterchangeStore, PostMatch, PostMatchQuery, VolumeBin } from '../interchange.js';

const VLIST = LIST(VARCHAR);

function num(v: unknown): number {
  return typeof v === 'bigint' ? Number(v) : Number(v ?? 0);
}
function strs(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : [];
}
/** A SQL string literal; COPY ... TO takes its file name only as a literal. */
function lit(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

export class DuckDBInterchangeStore implements InterchangeStore {
  constructor(private readonly conn: DuckDBConnection) {}

  async postsMatching(q: PostMatchQuery): Promise<PostMatch[]> {
    const domains = q.domains ?? [];
    const urls = q.urls ?? [];
    const tags = q.hashtags ?? [];
    // With accounts and no value to match, every post of those accounts, with all its domains
    // ($1, empty then, stays referenced so the parameter numbering holds).
    const all = !domains.length && !urls.length && !tags.length;
    if (all && !q.accounts) return [];
    const where = all
      ? []
      : [`(list_has_any(domains, $1) OR list_has_any(canonical_urls, $2) OR list_has_any(hashtags, $3))`];
    if (q.from !== undefined)
      where.push(`created_at >= make_timestamp(${Math.trunc(q.from) * 1000}::BIGINT)`);
    if (q.to !== undefined) where.push(`created_at < make_timestamp(${Math.trunc(q.to) * 1000}::BIGINT)`);
    if (q.accounts) where.push(`list_contains($4, platform || ':' || account_id)`);
    const p = await this.conn.prepare(`SELECT platform, post_id, account_id, epoch_ms(created_at) AS t,
        ${all ? 'list_concat(domains, list_intersect(domains, $1))' : 'list_intersect(domains, $1)'} AS d, list_intersect(canonical_urls, $2) AS u, list_intersect(hashtags, $3) AS h
      FROM posts ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
      ORDER BY created_at, platform, post_id ${q.limit ? `LIMIT ${Math.trunc(q.limit)}` : ''}`);
    p.bindList(1, listValue(domains), VLIST);
    p.bindList(2, listValue(urls), VLIST);
    p.bindList(3, listValue(tags), VLIST);
    if (q.accounts) p.bindList(4, listValue(q.accounts), VLIST);
    const rows = (await p.runAndReadAll()).getRowObjectsJS() as Record<string, unknown>[];
    return rows.map((r) => ({
      platform: String(r.platform),
      postId: String(r.post_id),
      accountId: String(r.account_id),
      time: num(r.t),
      domains: strs(r.d).sort(),
      urls: strs(r.u).sort(),
      hashtags: strs(r.h).sort(),
    }));
  }

  async postVolume(binMs: number): Promise<VolumeBin[]> {
    const b = Math.max(1000, Math.trunc(binMs));
    const r = await this.conn.runAndReadAll(`SELECT (epoch_ms(created_at) // ${b}) * ${b} AS s,
        count(*) AS n, count(DISTINCT platform || ':' || account_id) AS a
      FROM posts GROUP BY s ORDER BY s`);
    return (r.getRowObjectsJS() as Record<string, unknown>[]).map((x) => ({
      start: num(x.s),
      posts: num(x.n),
      accounts: num(x.a),
    }));
  }

  async writeParquet(what: 'findings' | 'evidence', path: string): Promise<number> {
    const query =
      what === 'evidence'
        ? `SELECT finding_id, ord, tbl AS "table", key, content_hash, role, note
           FROM finding_evidence ORDER BY finding_id, ord`
        : `SELECT f.finding_id AS id, f.kind, f.channel, f.title, f.summary, f.severity, f.confidence,
             f.confidence_method, f.detector, f.detector_version, CAST(f.parameters AS VARCHAR) AS parameters,
             f.techniques, f.caveats, CAST(f.details AS VARCHAR) AS details, f.created_at, f.run_id,
             coalesce((SELECT list(struct_pack("table" := e.tbl, key := e.key, content_hash := e.content_hash,
                 role := e.role, note := e.note) ORDER BY e.ord)
               FROM finding_evidence e WHERE e.finding_id = f.finding_id), []) AS evidence
           FROM findings f ORDER BY f.finding_id`;
    const r = await this.conn.runAndReadAll(`COPY (${query}) TO ${lit(path)} (FORMAT parquet)`);
    const rows = r.getRowObjectsJS() as Record<string, unknown>[];
    return num(rows[0]?.Count ?? Object.values(rows[0] ?? {})[0]);
  }
}
