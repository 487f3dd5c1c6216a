/**
 * DuckDB implementation of the registry store (see src/store/registry.ts): counting links
 * to listed hosts over `posts.canonical_urls`, per account and per group.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { inTransaction } from './transaction.js';
import type {
  Amplification,
  AmplificationQuery,
  HostMatch,
  HostSharers,
  LinkedHost,
  ListedPost,
  MatchList,
  OutletCount,
  RegistryStore,
} from '../registry.js';

/** Table of migration 6 (src/store/schema.ts). */
export const REGISTRY_SCHEMA_SQL: string[] = [
  `CREATE TABLE registry_matches (
    host VARCHAR NOT NULL,        -- as extracted from posts.canonical_urls
    list VARCHAR NOT NULL,        -- registry | lookalike
    matched VARCHAR NOT NULL,     -- listed key that matched, or the imitated outlet's domain
    outlet VARCHAR NOT NULL,
    actor VARCHAR,
    kind VARCHAR NOT NULL,        -- registry kind, or look-alike tier
    source_url VARCHAR,
    PRIMARY KEY (host, list)
  )`,
];

const LISTS: readonly MatchList[] = ['registry', 'lookalike'];

function listLit(list: MatchList): string {
  if (!LISTS.includes(list)) throw new Error(`unknown match list ${String(list)}`);
  return `'${list}'`;
}
function num(v: unknown): number {
  return typeof v === 'bigint' ? Number(v) : Number(v ?? 0);
}

/**
 * Every distinct (post, URL) with the URL's host. The host pattern skips userinfo and stops
 * at a port, path, query or fragment; canonical URLs have lower-case punycode hosts already.
 */
const LINKS = `SELECT DISTINCT p.platform, p.post_id, p.platform || ':' || p.account_id AS acct,
    p.created_at AS t, u.url,
    regexp_extract(u.url, '^[a-z][a-z0-9+.-]*://(?:[^@/?#]*@)?([^/?#:]+)', 1) AS host
  FROM posts p, unnest(p.canonical_urls) AS u(url)`;

function listedLinks(list: MatchList): string {
  return `SELECT l.*, r.outlet, r.actor, r.kind FROM (${LINKS}) l
    JOIN registry_matches r ON r.host = l.host AND r.list = ${listLit(list)}`;
}

function outlets(v: unknown): OutletCount[] {
  if (!Array.isArray(v)) return [];
  return v.map((o: Record<string, unknown>) => ({
    outlet: String(o.outlet),
    actor: String(o.actor ?? ''),
    kind: String(o.kind),
    links: num(o.links),
  }));
}

function toAmplification(r: Record<string, unknown>): Amplification {
  const links = num(r.links);
  const listed = num(r.listed_links);
  const a: Amplification = {
    key: String(r.k),
    links,
    listedLinks: listed,
    share: links > 0 ? listed / links : 0,
    listedUrls: num(r.listed_urls),
    firstShares: num(r.first_shares),
    medianLagSeconds: r.median_lag === null || r.median_lag === undefined ? null : num(r.median_lag),
    fastShares: num(r.fast_shares),
    outlets: outlets(r.outlets),
  };
  if (r.active_members !== undefined) a.activeMembers = num(r.active_members);
  return a;
}

export class DuckDBRegistryStore implements RegistryStore {
  constructor(private readonly conn: DuckDBConnection) {}

  private async rows(sql: string): Promise<Record<string, unknown>[]> {
    return (await this.conn.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
  }

  private async fillTemp(table: string, columns: string, rows: string[][]): Promise<void> {
    await this.conn.run(`CREATE OR REPLACE TEMP TABLE ${table} (${columns})`);
    if (rows.length === 0) return;
    const app = await this.conn.createAppender(table, 'main', 'temp');
    for (const r of rows) {
      for (const v of r) app.appendVarchar(v);
      app.endRow();
    }
    app.flushSync();
    app.closeSync();
  }

  async linkedHosts(): Promise<LinkedHost[]> {
    const r = await this
      .rows(`SELECT host, count(*)::BIGINT AS links, count(DISTINCT (platform, post_id))::BIGINT AS posts,
        count(DISTINCT acct)::BIGINT AS accounts
      FROM (${LINKS}) WHERE host <> '' GROUP BY host ORDER BY links DESC, host`);
    return r.map((x) => ({
      host: String(x.host),
      links: num(x.links),
      posts: num(x.posts),
      accounts: num(x.accounts),
    }));
  }

  async saveMatches(list: MatchList, matches: HostMatch[]): Promise<number> {
    const l = listLit(list);
    return inTransaction(this.conn, async () => {
      await this.conn.run(`DELETE FROM registry_matches WHERE list = ${l}`);
      const seen = new Set<string>();
      const app = await this.conn.createAppender('registry_matches');
      let n = 0;
      for (const m of matches) {
        if (m.list !== list || seen.has(m.host)) continue;
        seen.add(m.host);
        app.appendVarchar(m.host);
        app.appendVarchar(list);
        app.appendVarchar(m.matched);
        app.appendVarchar(m.outlet);
        app.appendVarchar(m.actor);
        app.appendVarchar(m.kind);
        app.appendVarchar(m.sourceUrl);
        app.endRow();
        n++;
      }
      app.flushSync();
      app.closeSync();
      return n;
    });
  }

  async listMatches(list: MatchList): Promise<HostMatch[]> {
    const r = await this.rows(`SELECT * FROM registry_matches WHERE list = ${listLit(list)} ORDER BY host`);
    return r.map((x) => ({
      host: String(x.host),
      list,
      matched: String(x.matched),
      outlet: String(x.outlet),
      actor: String(x.actor ?? ''),
      kind: String(x.kind),
      sourceUrl: String(x.source_url ?? ''),
    }));
  }

  async baseline(list: MatchList): Promise<{ links: number; listedLinks: number; accounts: number }> {
    const r = await this.rows(`SELECT count(*)::BIGINT AS links, count(r.host)::BIGINT AS listed,
        count(DISTINCT l.acct)::BIGINT AS accounts
      FROM (${LINKS}) l LEFT JOIN registry_matches r ON r.host = l.host AND r.list = ${listLit(list)}`);
    return { links: num(r[0].links), listedLinks: num(r[0].listed), accounts: num(r[0].accounts) };
  }

  /**
   * Shared by the per-account and per-group counts: `grp` maps a group key to its accounts
   * (for accounts, each account is its own group).
   */
  private async amplify(grp: string, q: AmplificationQuery, groups: boolean): Promise<Amplification[]> {
    const min = Math.max(1, Math.floor(q.minListedLinks ?? 1));
    const fast = Math.max(0, q.fastSeconds ?? 3600);
    const r = await this.rows(`
      WITH m AS (${listedLinks(q.list)}),
      grp AS (${grp}),
      firsts AS (SELECT url, min(t) AS first_at, first(acct ORDER BY t, acct, post_id) AS first_acct FROM m GROUP BY url),
      gm AS (SELECT g.k, m.* FROM m JOIN grp g ON g.acct = m.acct),
      listed AS (SELECT k, count(*)::BIGINT AS listed_links, count(DISTINCT url)::BIGINT AS listed_urls,
          count(DISTINCT acct)::BIGINT AS active_members
        FROM gm GROUP BY k HAVING count(*) >= ${min}),
      totals AS (SELECT g.k, count(*)::BIGINT AS links FROM (${LINKS}) l JOIN grp g ON g.acct = l.acct
        WHERE g.k IN (SELECT k FROM listed) GROUP BY g.k),
      per_url AS (SELECT gm.k, gm.url, min(gm.t) AS t FROM gm WHERE gm.k IN (SELECT k FROM listed) GROUP BY gm.k, gm.url),
      lags AS (SELECT u.k, epoch(u.t) - epoch(f.first_at) AS lag,
          EXISTS (SELECT 1 FROM grp g2 WHERE g2.k = u.k AND g2.acct = f.first_acct) AS is_first
        FROM per_url u JOIN firsts f USING (url)),
      lagagg AS (SELECT k, sum(is_first::INTEGER)::BIGINT AS first_shares, median(lag)::DOUBLE AS median_lag,
          sum((lag <= ${fast})::INTEGER)::BIGINT AS fast_shares FROM lags GROUP BY k),
      outl AS (SELECT k, list({'outlet': outlet, 'actor': actor, 'kind': kind, 'links': n} ORDER BY n DESC, outlet) AS outlets
        FROM (SELECT k, outlet, actor, kind, count(*)::BIGINT AS n FROM gm WHERE k IN (SELECT k FROM listed)
          GROUP BY k, outlet, actor, kind) GROUP BY k)
      SELECT listed.k, totals.links, listed.listed_links, listed.listed_urls, listed.active_members,
        lagagg.first_shares, lagagg.median_lag, lagagg.fast_shares, outl.outlets
      FROM listed JOIN totals USING (k) JOIN lagagg USING (k) JOIN outl USING (k)
      ORDER BY listed.listed_links DESC, listed.k`);
    return r.map((x) => {
      const a = toAmplification(x);
      if (!groups) delete a.activeMembers;
      return a;
    });
  }

  async accountAmplification(q: AmplificationQuery): Promise<Amplification[]> {
    return this.amplify(`SELECT DISTINCT acct AS k, acct FROM m`, q, false);
  }

  async groupAmplification(
    groups: { id: string; members: string[] }[],
    q: AmplificationQuery,
  ): Promise<Amplification[]> {
    if (groups.length === 0) return [];
    await this.fillTemp(
      'registry_group_members',
      'k VARCHAR, acct VARCHAR',
      groups.flatMap((g) => [...new Set(g.members)].map((m) => [g.id, m])),
    );
    try {
      return await this.amplify(`SELECT k, acct FROM registry_group_members`, q, true);
    } finally {
      await this.conn.run(`DROP TABLE IF EXISTS registry_group_members`);
    }
  }

  async listedPosts(query: {
    list: MatchList;
    accounts?: string[];
    hosts?: string[];
    limit: number;
  }): Promise<ListedPost[]> {
    const where: string[] = [];
    if (query.accounts) {
      await this.fillTemp(
        'registry_q_accounts',
        'acct VARCHAR',
        query.accounts.map((a) => [a]),
      );
      where.push(`acct IN (SELECT acct FROM registry_q_accounts)`);
    }
    if (query.hosts) {
      await this.fillTemp(
        'registry_q_hosts',
        'host VARCHAR',
        query.hosts.map((h) => [h]),
      );
      where.push(`host IN (SELECT host FROM registry_q_hosts)`);
    }
    const limit = Math.max(1, Math.floor(query.limit));
    try {
      const r = await this.rows(`
        WITH m AS (${listedLinks(query.list)}),
        firsts AS (SELECT url, min(t) AS first_at FROM m GROUP BY url),
        sel AS (SELECT m.*, f.first_at, row_number() OVER (PARTITION BY m.host ORDER BY m.t, m.platform, m.post_id, m.url) AS rn
          FROM m JOIN firsts f USING (url) ${where.length ? `WHERE ${where.join(' AND ')}` : ''})
        SELECT platform || ':' || post_id AS key, acct, epoch_ms(t)::DOUBLE AS t, url, host, outlet,
          epoch_ms(first_at)::DOUBLE AS first_at
        FROM sel WHERE rn <= ${limit} ORDER BY t, key, url`);
      return r.map((x) => ({
        key: String(x.key),
        account: String(x.acct),
        time: num(x.t),
        url: String(x.url),
        host: String(x.host),
        outlet: String(x.outlet),
        firstAppearance: num(x.first_at),
      }));
    } finally {
      await this.conn.run(`DROP TABLE IF EXISTS registry_q_accounts`);
      await this.conn.run(`DROP TABLE IF EXISTS registry_q_hosts`);
    }
  }

  async hostSharers(list: MatchList, accountCap: number): Promise<HostSharers[]> {
    const cap = Math.max(1, Math.floor(accountCap));
    const r = await this.rows(`
      WITH m AS (${listedLinks(list)}),
      per_acct AS (SELECT host, acct, min(t) AS t FROM m GROUP BY host, acct)
      SELECT h.host, h.posts, h.links, h.accounts AS account_count, epoch_ms(h.first)::DOUBLE AS first, h.first_acct,
        (SELECT list(acct ORDER BY t, acct) FROM (SELECT acct, t FROM per_acct p WHERE p.host = h.host ORDER BY t, acct LIMIT ${cap})) AS accts
      FROM (SELECT host, count(DISTINCT (platform, post_id))::BIGINT AS posts, count(*)::BIGINT AS links,
          count(DISTINCT acct)::BIGINT AS accounts, min(t) AS first, first(acct ORDER BY t, acct, post_id) AS first_acct
        FROM m GROUP BY host) h
      ORDER BY h.host`);
    return r.map((x) => ({
      host: String(x.host),
      posts: num(x.posts),
      links: num(x.links),
      accountCount: num(x.account_count),
      accounts: Array.isArray(x.accts) ? x.accts.map(String) : [],
      first: num(x.first),
      firstAccount: String(x.first_acct),
    }));
  }
}
