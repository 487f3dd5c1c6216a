/**
 * DuckDB implementation of the narratives store (see src/store/narratives.ts).
 */
import { LIST, VARCHAR, listValue, type DuckDBConnection } from '@duckdb/node-api';
import { inTransaction } from './transaction.js';
import type {
  BreakdownRow,
  NarrativeAccount,
  NarrativeBreakdown,
  NarrativeMatchRow,
  NarrativePost,
  NarrativeStore,
  NarrativeSummary,
  NearDupGroupQuery,
  NearDupGroupSummary,
  SeriesPoint,
  StoredNarrative,
} from '../narratives.js';

const VLIST = LIST(VARCHAR);

/** Tables of the narratives channel (migration 7 in src/store/schema.ts). */
export const NARRATIVES_SCHEMA_SQL: string[] = [
  `CREATE TABLE narratives (
    narrative_id VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    description VARCHAR,
    languages VARCHAR[],
    definition JSON NOT NULL,
    source_file VARCHAR,
    source_sha256 VARCHAR,
    loaded_at TIMESTAMP NOT NULL
  )`,
  `CREATE TABLE narrative_matches (
    narrative_id VARCHAR NOT NULL,
    platform VARCHAR NOT NULL,
    post_id VARCHAR NOT NULL,
    terms VARCHAR[]
  )`,
];

type Param = string | number;

function num(v: unknown): number {
  return typeof v === 'bigint' ? Number(v) : Number(v ?? 0);
}
function strs(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : [];
}

const POST_COLS = `p.platform, p.post_id, p.account_id, CAST(epoch_ms(p.created_at) AS DOUBLE) AS t, p.lang, p.kind,
  p.text, p.urls, p.domains, p.ref_post_id, m.terms`;

function toPost(r: Record<string, unknown>): NarrativePost {
  return {
    platform: String(r.platform),
    postId: String(r.post_id),
    accountId: String(r.account_id),
    time: num(r.t),
    lang: String(r.lang),
    kind: String(r.kind),
    text: (r.text as string | null) ?? null,
    urls: strs(r.urls),
    domains: strs(r.domains),
    refPostId: (r.ref_post_id as string | null) ?? null,
    terms: strs(r.terms),
  };
}

export class DuckDBNarrativeStore implements NarrativeStore {
  constructor(private readonly conn: DuckDBConnection) {}

  private async q(sql: string, params: Param[] = []): Promise<Record<string, unknown>[]> {
    const p = await this.conn.prepare(sql);
    params.forEach((v, i) => {
      if (typeof v === 'number') p.bindDouble(i + 1, v);
      else p.bindVarchar(i + 1, v);
    });
    return (await p.runAndReadAll()).getRowObjectsJS() as Record<string, unknown>[];
  }

  async saveNarratives(narratives: StoredNarrative[]): Promise<void> {
    await inTransaction(this.conn, async () => {
      for (const n of narratives) {
        await this.q(`DELETE FROM narratives WHERE narrative_id = $1`, [n.id]);
        const p = await this.conn.prepare(
          `INSERT INTO narratives VALUES ($1, $2, $3, $4, $5, $6, $7, make_timestamp(CAST($8 AS BIGINT) * 1000))`,
        );
        p.bindVarchar(1, n.id);
        p.bindVarchar(2, n.name);
        p.bindVarchar(3, n.description);
        p.bindList(4, listValue(n.languages), VLIST);
        p.bindVarchar(5, JSON.stringify(n.definition));
        p.bindVarchar(6, n.sourceFile);
        p.bindVarchar(7, n.sourceSha256);
        p.bindDouble(8, Math.round(n.loadedAt));
        await p.run();
      }
    });
  }

  async storedNarratives(): Promise<StoredNarrative[]> {
    const rows = await this.q(
      `SELECT *, CAST(epoch_ms(loaded_at) AS DOUBLE) AS t FROM narratives ORDER BY narrative_id`,
    );
    return rows.map((r) => ({
      id: String(r.narrative_id),
      name: String(r.name),
      description: String(r.description ?? ''),
      languages: strs(r.languages),
      definition: JSON.parse(String(r.definition)) as Record<string, unknown>,
      sourceFile: String(r.source_file ?? ''),
      sourceSha256: String(r.source_sha256 ?? ''),
      loadedAt: num(r.t),
    }));
  }

  async replaceMatches(narrativeIds: string[], rows: NarrativeMatchRow[]): Promise<number> {
    return inTransaction(this.conn, async () => {
      for (const id of narrativeIds)
        await this.q(`DELETE FROM narrative_matches WHERE narrative_id = $1`, [id]);
      if (rows.length) {
        const app = await this.conn.createAppender('narrative_matches');
        try {
          for (const r of rows) {
            app.appendVarchar(r.narrativeId);
            app.appendVarchar(r.platform);
            app.appendVarchar(r.postId);
            app.appendList(listValue(r.terms), VLIST);
            app.endRow();
          }
          app.flushSync();
        } finally {
          app.closeSync();
        }
      }
      return rows.length;
    });
  }

  async summaries(): Promise<NarrativeSummary[]> {
    const rows = await this.q(`
      SELECT n.narrative_id, n.name, n.description, n.languages, n.source_file,
        count(p.post_id) AS posts, count(DISTINCT p.platform || ':' || p.account_id) AS accounts,
        CAST(epoch_ms(min(p.created_at)) AS DOUBLE) AS first, CAST(epoch_ms(max(p.created_at)) AS DOUBLE) AS last
      FROM narratives n
      LEFT JOIN narrative_matches m ON m.narrative_id = n.narrative_id
      LEFT JOIN posts p ON p.platform = m.platform AND p.post_id = m.post_id
      GROUP BY ALL ORDER BY posts DESC, n.narrative_id`);
    return rows.map((r) => ({
      id: String(r.narrative_id),
      name: String(r.name),
      description: String(r.description ?? ''),
      languages: strs(r.languages),
      sourceFile: String(r.source_file ?? ''),
      posts: num(r.posts),
      accounts: num(r.accounts),
      firstPost: r.first === null ? null : num(r.first),
      lastPost: r.last === null ? null : num(r.last),
    }));
  }

  private matched(extra = ''): string {
    return `FROM narrative_matches m JOIN posts p ON p.platform = m.platform AND p.post_id = m.post_id
      WHERE m.narrative_id = $1 ${extra}`;
  }

  async series(id: string, bucket: 'hour' | 'day'): Promise<SeriesPoint[]> {
    const unit = bucket === 'hour' ? 'hour' : 'day';
    const rows = await this.q(
      `SELECT CAST(epoch_ms(date_trunc('${unit}', p.created_at)) AS DOUBLE) AS b, count(*) AS posts,
        count(DISTINCT p.platform || ':' || p.account_id) AS accounts
      ${this.matched()} GROUP BY b ORDER BY b`,
      [id],
    );
    return rows.map((r) => ({ start: num(r.b), posts: num(r.posts), accounts: num(r.accounts) }));
  }

  async earliestPosts(id: string, limit: number, withReposts = false): Promise<NarrativePost[]> {
    const rows = await this.q(
      `SELECT ${POST_COLS} ${this.matched(withReposts ? '' : `AND p.kind <> 'repost'`)}
      ORDER BY p.created_at, p.platform, p.post_id LIMIT ${Math.max(0, Math.floor(limit))}`,
      [id],
    );
    return rows.map(toPost);
  }

  async postsByKey(id: string, keys: string[]): Promise<NarrativePost[]> {
    if (keys.length === 0) return [];
    const p = await this.conn.prepare(
      `SELECT ${POST_COLS} ${this.matched(`AND list_contains($2, p.platform || ':' || p.post_id)`)}
      ORDER BY p.created_at, p.platform, p.post_id`,
    );
    p.bindVarchar(1, id);
    p.bindList(2, listValue(keys), VLIST);
    return ((await p.runAndReadAll()).getRowObjectsJS() as Record<string, unknown>[]).map(toPost);
  }

  private async by(id: string, keyExpr: string, from = ''): Promise<BreakdownRow[]> {
    const rows = await this.q(
      `SELECT ${keyExpr} AS k, count(DISTINCT p.platform || ':' || p.post_id) AS posts,
        count(DISTINCT p.platform || ':' || p.account_id) AS accounts,
        CAST(epoch_ms(min(p.created_at)) AS DOUBLE) AS first
      FROM narrative_matches m JOIN posts p ON p.platform = m.platform AND p.post_id = m.post_id ${from}
      WHERE m.narrative_id = $1 GROUP BY k ORDER BY posts DESC, k`,
      [id],
    );
    return rows.map((r) => ({
      key: String(r.k),
      posts: num(r.posts),
      accounts: num(r.accounts),
      first: num(r.first),
    }));
  }

  async breakdown(id: string): Promise<NarrativeBreakdown> {
    return {
      languages: await this.by(id, 'p.lang'),
      platforms: await this.by(id, 'p.platform'),
      kinds: await this.by(id, 'p.kind'),
      domains: await this.by(id, 'd.domain', `, unnest(p.domains) AS d(domain)`),
    };
  }

  async accounts(id: string): Promise<NarrativeAccount[]> {
    const rows = await this.q(
      `SELECT p.platform || ':' || p.account_id AS a, count(*) AS posts, CAST(epoch_ms(min(p.created_at)) AS DOUBLE) AS first
      ${this.matched()} GROUP BY a ORDER BY first, a`,
      [id],
    );
    return rows.map((r) => ({ account: String(r.a), posts: num(r.posts), first: num(r.first) }));
  }

  async nearDupOverlap(id: string): Promise<{ posts: number; groups: number; accounts: number }> {
    const [r] = await this.q(
      `SELECT count(*) AS posts, count(DISTINCT g.group_id) AS groups,
        count(DISTINCT p.platform || ':' || p.account_id) AS accounts
      FROM narrative_matches m JOIN near_dup_groups g ON g.platform = m.platform AND g.post_id = m.post_id
      JOIN posts p ON p.platform = m.platform AND p.post_id = m.post_id
      WHERE m.narrative_id = $1`,
      [id],
    );
    return { posts: num(r.posts), groups: num(r.groups), accounts: num(r.accounts) };
  }

  async nearDupGroups(query: NearDupGroupQuery): Promise<NearDupGroupSummary[]> {
    const groups = await this.q(
      `SELECT g.group_id, count(*) AS posts, count(DISTINCT p.platform || ':' || p.account_id) AS accounts,
        CAST(epoch_ms(min(p.created_at)) AS DOUBLE) AS first, CAST(epoch_ms(max(p.created_at)) AS DOUBLE) AS last
      FROM near_dup_groups g JOIN posts p ON p.platform = g.platform AND p.post_id = g.post_id
      GROUP BY g.group_id
      HAVING count(*) >= $1 AND count(DISTINCT p.platform || ':' || p.account_id) >= $2
      ORDER BY posts DESC, g.group_id LIMIT ${Math.max(0, Math.floor(query.limit))}`,
      [query.minPosts, query.minAccounts],
    );
    if (groups.length === 0) return [];
    const ids = groups.map((g) => num(g.group_id));
    const idList = ids.join(',');
    const mix = await this.q(
      `SELECT g.group_id, p.lang, p.platform, count(*) AS n
      FROM near_dup_groups g JOIN posts p ON p.platform = g.platform AND p.post_id = g.post_id
      WHERE g.group_id IN (${idList}) GROUP BY ALL`,
    );
    const texts = await this.q(
      `SELECT group_id, text, k FROM (
        SELECT g.group_id, p.text, p.platform || ':' || p.post_id AS k,
          row_number() OVER (PARTITION BY g.group_id ORDER BY p.created_at, p.platform, p.post_id) AS rn
        FROM near_dup_groups g JOIN posts p ON p.platform = g.platform AND p.post_id = g.post_id
        WHERE g.group_id IN (${idList}) AND p.text IS NOT NULL)
      WHERE rn <= ${Math.max(1, Math.floor(query.textsPerGroup))} ORDER BY group_id, rn`,
    );
    return groups.map((g) => {
      const id = num(g.group_id);
      const langs = new Map<string, number>();
      const plats = new Map<string, number>();
      for (const r of mix) {
        if (num(r.group_id) !== id) continue;
        langs.set(String(r.lang), (langs.get(String(r.lang)) ?? 0) + num(r.n));
        plats.set(String(r.platform), (plats.get(String(r.platform)) ?? 0) + num(r.n));
      }
      const own = texts.filter((t) => num(t.group_id) === id);
      const sorted = <K extends string>(m: Map<string, number>, key: K) =>
        [...m]
          .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
          .map(([k, n]) => ({ [key]: k, posts: n }));
      return {
        groupId: id,
        posts: num(g.posts),
        accounts: num(g.accounts),
        first: num(g.first),
        last: num(g.last),
        languages: sorted(langs, 'lang') as { lang: string; posts: number }[],
        platforms: sorted(plats, 'platform') as { platform: string; posts: number }[],
        texts: own.map((t) => String(t.text)),
        postKeys: own.map((t) => String(t.k)),
      };
    });
  }

  async sampleTexts(limit: number): Promise<string[]> {
    // hash() order is a deterministic pseudo-random sample that needs no seed or table scan twice.
    const rows = await this.q(
      `SELECT text FROM posts WHERE text IS NOT NULL AND kind <> 'repost'
      ORDER BY hash(platform || ':' || post_id) LIMIT ${Math.max(0, Math.floor(limit))}`,
    );
    return rows.map((r) => String(r.text));
  }
}
