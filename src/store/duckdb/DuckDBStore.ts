/**
 * The DuckDB backend of the store: one embedded database file per workspace.
 *
 * Bulk writes go through DuckDB's appender with whole data chunks (measured ~4x faster than
 * value-by-value appends from Node), inside one transaction per batch so that a kill at
 * any moment leaves either the whole batch and its progress mark, or neither.
 */
import { inTransaction } from './transaction.js';
import {
  BIGINT,
  BOOLEAN,
  DuckDBConnection,
  DuckDBInstance,
  DuckDBTimestampValue,
  INTEGER,
  LIST,
  TIMESTAMP,
  VARCHAR,
  listValue,
  type DuckDBType,
} from '@duckdb/node-api';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Account, Post } from '../../model/post.js';
import type { EvidenceRef, Finding } from '../../findings/finding.js';
import { SEVERITIES } from '../../findings/finding.js';
import { VigieError } from '../../util/errors.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../schema.js';
import { CHUNK_ROWS, ChunkWriter, appendSealed, type SealedChunk } from './chunk-writer.js';
import * as coaction from './coaction.js';
import * as activity from './activity.js';
import { DuckDBLeakStore } from './leaks.js';
import type { LeakStore } from '../leaks.js';
import { DuckDBAttackStore } from './attacks.js';
import { DuckDBInterchangeStore } from './interchange.js';
import type { AttackStore } from '../attacks.js';
import { DuckDBRegistryStore } from './registry.js';
import type { RegistryStore } from '../registry.js';
import { DuckDBNarrativeStore } from './narratives.js';
import type { NarrativeStore } from '../narratives.js';
import { DuckDBSignalStore } from './signals.js';
import type { SignalStore } from '../signals.js';
import { DuckDBReportStore } from './report.js';
import type { ReportStore } from '../report.js';
import { DuckDBAnnotationStore } from './annotations.js';
import type { AnnotationStore } from '../annotations.js';
import { DuckDBViewStore } from './views.js';
import type { ViewStore } from '../views.js';
import type {
  CoactionLayerInfo,
  CoactionQuery,
  CoactionResult,
  CoactionSession,
  GroupGrowthQuery,
  GroupGrowthResult,
  SharedObject,
  SharedObjectsQuery,
} from '../coaction-types.js';
import type {
  ActivityBins,
  ActivityBinsQuery,
  NearDupGroupRows,
  PostTextChunk,
  PostTextStreamOptions,
} from '../activity-types.js';
import type {
  FindingFilter,
  IngestBatch,
  PostStage,
  RejectRow,
  SourceMeta,
  SourceRow,
  SourceStatus,
  Store,
  WorkspaceCounts,
} from '../store.js';

const CHUNK = CHUNK_ROWS;
const VLIST = LIST(VARCHAR);

const POST_TYPES: DuckDBType[] = [
  VARCHAR, VARCHAR, VARCHAR, TIMESTAMP, VARCHAR, VARCHAR, VARCHAR, VARCHAR, VARCHAR,
  VLIST, VLIST, VLIST, VLIST, VLIST, VLIST, VARCHAR, INTEGER, BIGINT,
]; // prettier-ignore

const ACCOUNT_TYPES: DuckDBType[] = [
  VARCHAR, VARCHAR, VARCHAR, VARCHAR, TIMESTAMP, BIGINT, BIGINT, BIGINT, VARCHAR,
  BOOLEAN, BOOLEAN, BOOLEAN, TIMESTAMP, TIMESTAMP, TIMESTAMP,
]; // prettier-ignore

function ts(ms: number | null): DuckDBTimestampValue | null {
  return ms === null || !Number.isFinite(ms)
    ? null
    : new DuckDBTimestampValue(BigInt(Math.round(ms)) * 1000n);
}
/** SQL string literal. Used only for values vigie itself produces (paths, ids), never for data. */
function lit(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}
function num(v: unknown): number {
  return typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : Number(v ?? 0);
}
function iso(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.toISOString();
  const s = String(v);
  return s.includes('T') ? s : s.replace(' ', 'T') + (s.endsWith('Z') ? '' : 'Z');
}

/** Fill `w` with posts[off .. off+n) as one chunk of the posts table. */
function fillPosts(
  w: ChunkWriter,
  sourceId: number,
  posts: Post[],
  recNos: number[],
  off: number,
  n: number,
): void {
  w.begin(n);
  for (let i = 0; i < n; i++) {
    const p = posts[off + i];
    w.varchar(0, i, p.platform);
    w.varchar(1, i, p.postId);
    w.varchar(2, i, p.accountId);
    w.timestampMs(3, i, p.time);
    w.varchar(4, i, p.text);
    w.varchar(5, i, p.lang);
    w.varchar(6, i, p.kind);
    w.varchar(7, i, p.refPostId);
    w.varchar(8, i, p.refAccountId);
    w.varcharList(9, i, p.urls);
    w.varcharList(10, i, p.canonicalUrls);
    w.varcharList(11, i, p.domains);
    w.varcharList(12, i, p.hashtags);
    w.varcharList(13, i, p.mentions);
    w.varcharList(14, i, p.media);
    w.varchar(15, i, p.client);
    w.integer(16, i, sourceId);
    w.bigint(17, i, recNos[off + i]);
  }
}

/** A PostStage holding sealed data chunks (native memory) until its batch is written. */
class DuckDBPostStage implements PostStage {
  private chunks: SealedChunk[] = [];
  count = 0;
  constructor(
    readonly owner: DuckDBStore,
    readonly sourceId: number,
    private readonly writer: ChunkWriter,
  ) {}

  add(posts: Post[], recordNos: number[]): void {
    if (posts.length !== recordNos.length)
      throw new VigieError('ERR_STORE', 'posts and record numbers differ in length');
    for (let off = 0; off < posts.length; off += CHUNK) {
      const n = Math.min(CHUNK, posts.length - off);
      fillPosts(this.writer, this.sourceId, posts, recordNos, off, n);
      this.chunks.push(this.writer.seal());
      this.count += n;
    }
  }

  /** The chunks, once: a stage is written by one batch only. */
  take(): SealedChunk[] {
    const c = this.chunks;
    this.chunks = [];
    this.count = 0;
    return c;
  }
}

/** Canonical content of a row, hashed for evidence references. One expression per table. */
const CONTENT_HASH_SQL: Record<string, { from: string; key: string; expr: string }> = {
  posts: {
    from: 'posts',
    key: `platform || ':' || post_id`,
    expr: `sha256(concat_ws(chr(31), platform, post_id, account_id, strftime(created_at, '%Y-%m-%dT%H:%M:%S.%gZ'),
      coalesce(text, ''), kind, coalesce(ref_post_id, ''), coalesce(ref_account_id, ''),
      array_to_string(canonical_urls, chr(30)), array_to_string(hashtags, chr(30)), array_to_string(media, chr(30))))`,
  },
  accounts: {
    from: 'accounts',
    key: `platform || ':' || account_id`,
    expr: `sha256(concat_ws(chr(31), platform, account_id, coalesce(handle, ''), coalesce(display_name, ''),
      coalesce(CAST(created_at AS VARCHAR), ''), coalesce(description, '')))`,
  },
  sources: { from: 'sources', key: `CAST(source_id AS VARCHAR)`, expr: `sha256` },
};

export class DuckDBStore implements Store {
  readonly location: string;
  private readonly instance: DuckDBInstance;
  private readonly conn: DuckDBConnection;
  // Reused across batches: creating a data chunk per 2048 rows showed in profiles.
  private postWriter: ChunkWriter | null = null;
  private accountWriter: ChunkWriter | null = null;

  private constructor(location: string, instance: DuckDBInstance, conn: DuckDBConnection) {
    this.location = location;
    this.instance = instance;
    this.conn = conn;
  }

  /**
   * Open (creating if needed) a workspace file and bring its schema up to date.
   * @example const store = await DuckDBStore.open('./vigie.duckdb');
   */
  static async open(path: string, options: { readOnly?: boolean } = {}): Promise<DuckDBStore> {
    const location = path === ':memory:' ? path : resolve(path);
    if (location !== ':memory:') mkdirSync(dirname(location), { recursive: true });
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(location, options.readOnly ? { access_mode: 'READ_ONLY' } : {});
    } catch (e) {
      throw new VigieError('ERR_STORE', `cannot open workspace ${location}: ${(e as Error).message}`, {
        cause: e,
      });
    }
    const conn = await instance.connect();
    const store = new DuckDBStore(location, instance, conn);
    if (!options.readOnly) await store.migrate();
    return store;
  }

  private leakStore: DuckDBLeakStore | null = null;

  leaks(): LeakStore {
    this.leakStore ??= new DuckDBLeakStore(this.conn);
    return this.leakStore;
  }

  private attackStore: DuckDBAttackStore | null = null;

  interchange(): DuckDBInterchangeStore {
    return new DuckDBInterchangeStore(this.conn);
  }

  attacks(): AttackStore {
    this.attackStore ??= new DuckDBAttackStore(this.conn);
    return this.attackStore;
  }

  private registryStore: DuckDBRegistryStore | null = null;

  registry(): RegistryStore {
    this.registryStore ??= new DuckDBRegistryStore(this.conn);
    return this.registryStore;
  }

  private narrativeStore: DuckDBNarrativeStore | null = null;

  narratives(): NarrativeStore {
    this.narrativeStore ??= new DuckDBNarrativeStore(this.conn);
    return this.narrativeStore;
  }

  private signalStore: DuckDBSignalStore | null = null;

  signals(): SignalStore {
    this.signalStore ??= new DuckDBSignalStore(this.conn);
    return this.signalStore;
  }

  private reportStore: DuckDBReportStore | null = null;

  report(): ReportStore {
    this.reportStore ??= new DuckDBReportStore(this.conn);
    return this.reportStore;
  }

  annotations(): AnnotationStore {
    return new DuckDBAnnotationStore(this.conn);
  }

  views(): ViewStore {
    return new DuckDBViewStore(this.conn);
  }

  async close(): Promise<void> {
    this.conn.closeSync();
    this.instance.closeSync();
  }

  private async rows(sql: string): Promise<Record<string, unknown>[]> {
    const r = await this.conn.runAndReadAll(sql);
    return r.getRowObjectsJS() as Record<string, unknown>[];
  }

  private async inTransaction<T>(fn: () => Promise<T>): Promise<T> {
    return inTransaction(this.conn, fn);
  }

  async schemaVersion(): Promise<number> {
    const exists = await this.rows(
      `SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'schema_version'`,
    );
    if (num(exists[0].n) === 0) return 0;
    const r = await this.rows(`SELECT max(version) AS v FROM schema_version`);
    return num(r[0].v);
  }

  private async migrate(): Promise<void> {
    await this.conn.run(
      `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER, description VARCHAR, applied_at TIMESTAMP)`,
    );
    const current = await this.schemaVersion();
    if (current > SCHEMA_VERSION)
      throw new VigieError(
        'ERR_SCHEMA_VERSION',
        `workspace ${this.location} has schema version ${current}, newer than this vigie (${SCHEMA_VERSION}); upgrade vigie`,
      );
    for (const m of MIGRATIONS) {
      if (m.version <= current) continue;
      await this.inTransaction(async () => {
        for (const stmt of m.sql) await this.conn.run(stmt);
        await this.conn.run(
          `INSERT INTO schema_version VALUES (${m.version}, ${lit(m.description)}, now()::TIMESTAMP)`,
        );
      });
    }
  }

  // ---- sources -------------------------------------------------------------------------

  private toSource(r: Record<string, unknown>): SourceRow {
    return {
      sourceId: num(r.source_id),
      path: String(r.path),
      size: num(r.size),
      sha256: String(r.sha256),
      format: String(r.format),
      compression: (r.compression as string | null) ?? null,
      options: r.options ? JSON.parse(String(r.options)) : undefined,
      ingestedAt: iso(r.ingested_at) ?? '',
      finishedAt: iso(r.finished_at),
      status: r.status as SourceStatus,
      recordsDone: num(r.records_done),
      accepted: num(r.accepted),
      rejected: num(r.rejected),
      duplicates: num(r.duplicates),
      error: (r.error as string | null) ?? null,
    };
  }

  async sourceByHash(sha256: string): Promise<SourceRow | null> {
    const p = await this.conn.prepare(`SELECT * FROM sources WHERE sha256 = $1`);
    p.bindVarchar(1, sha256);
    const r = (await p.runAndReadAll()).getRowObjectsJS();
    return r.length ? this.toSource(r[0] as Record<string, unknown>) : null;
  }

  async beginSource(meta: SourceMeta): Promise<SourceRow> {
    const p = await this.conn.prepare(
      `INSERT INTO sources (path, size, sha256, format, compression, options, ingested_at, status)
       VALUES ($1, $2, $3, $4, $5, $6, now()::TIMESTAMP, 'running') RETURNING *`,
    );
    p.bindVarchar(1, meta.path);
    p.bindBigInt(2, BigInt(meta.size));
    p.bindVarchar(3, meta.sha256);
    p.bindVarchar(4, meta.format);
    if (meta.compression) p.bindVarchar(5, meta.compression);
    else p.bindNull(5);
    p.bindVarchar(6, JSON.stringify(meta.options ?? {}));
    const r = (await p.runAndReadAll()).getRowObjectsJS();
    return this.toSource(r[0] as Record<string, unknown>);
  }

  async writeBatch(b: IngestBatch): Promise<void> {
    await this.inTransaction(async () => {
      const staged = b.staged?.count ?? 0;
      if (b.posts.length || staged) await this.appendPosts(b.sourceId, b.posts, b.postRecordNos, b.staged);
      if (b.accounts.length) await this.upsertAccounts(b.accounts);
      if (b.posts.length || staged) {
        // Authors not known yet, from the posts just appended (all have record numbers at or
        // past the source's records_done, which is only moved below). Grouping them here,
        // in the engine, replaced a JS map lookup per post that cost ~1 s per 1M posts.
        await this.conn.run(`INSERT INTO accounts (platform, account_id, first_seen, last_seen)
          SELECT n.* FROM (SELECT platform, account_id, min(created_at), max(created_at) FROM posts
            WHERE source_id = ${b.sourceId}
              AND record_no >= (SELECT records_done FROM sources WHERE source_id = ${b.sourceId})
            GROUP BY platform, account_id) n(platform, account_id, f, l)
          ANTI JOIN accounts a ON a.platform = n.platform AND a.account_id = n.account_id`);
      }
      if (b.rejects.length) await this.appendRejects(b.sourceId, b.rejects);
      await this.conn.run(
        `UPDATE sources SET records_done = ${b.recordsDone},
           accepted = accepted + ${b.posts.length + staged}, rejected = rejected + ${b.rejects.length}
         WHERE source_id = ${b.sourceId}`,
      );
    });
  }

  private async appendPosts(
    sourceId: number,
    posts: Post[],
    recNos: number[],
    staged?: PostStage,
  ): Promise<void> {
    const app = await this.conn.createAppender('posts');
    try {
      if (staged instanceof DuckDBPostStage && staged.owner === this && staged.sourceId === sourceId)
        for (const c of staged.take()) appendSealed(app, c);
      else if (staged && staged.count > 0)
        throw new VigieError('ERR_STORE', 'posts staged by another store or for another source');
      const w = (this.postWriter ??= new ChunkWriter(POST_TYPES));
      for (let off = 0; off < posts.length; off += CHUNK) {
        fillPosts(w, sourceId, posts, recNos, off, Math.min(CHUNK, posts.length - off));
        w.appendTo(app);
      }
      app.flushSync();
    } finally {
      app.closeSync();
    }
  }

  /** Posts converted to data chunks as they are read, appended by the batch they belong to. */
  newPostStage(sourceId: number): PostStage {
    return new DuckDBPostStage(this, sourceId, (this.postWriter ??= new ChunkWriter(POST_TYPES)));
  }

  /**
   * Accounts are upserted: identity fields from the newest snapshot, first/last seen widened.
   * The caller passes each key at most once per batch (DuckDB refuses a key twice in one upsert).
   */
  private async upsertAccounts(accounts: Account[]): Promise<void> {
    // A fresh stage per batch: emptying it with DELETE made the UPDATE below 10-100x slower
    // batch after batch (measured with DuckDB 1.5), as the deleted rows pile up.
    await this.conn.run(`CREATE OR REPLACE TEMP TABLE accounts_stage AS SELECT * FROM accounts LIMIT 0`);
    const app = await this.conn.createAppender('accounts_stage', 'main', 'temp');
    const w = (this.accountWriter ??= new ChunkWriter(ACCOUNT_TYPES));
    try {
      for (let off = 0; off < accounts.length; off += CHUNK) {
        const n = Math.min(CHUNK, accounts.length - off);
        w.begin(n);
        for (let i = 0; i < n; i++) {
          const a = accounts[off + i] as Account & { firstSeen?: number | null; lastSeen?: number | null };
          w.varchar(0, i, a.platform);
          w.varchar(1, i, a.accountId);
          w.varchar(2, i, a.handle);
          w.varchar(3, i, a.displayName);
          w.timestampMs(4, i, a.createdAt);
          w.bigint(5, i, a.followers);
          w.bigint(6, i, a.following);
          w.bigint(7, i, a.postsCount);
          w.varchar(8, i, a.description);
          w.boolean(9, i, a.verified);
          w.boolean(10, i, a.defaultProfile);
          w.boolean(11, i, a.defaultAvatar);
          w.timestampMs(12, i, a.observedAt);
          w.timestampMs(13, i, a.firstSeen ?? a.observedAt);
          w.timestampMs(14, i, a.lastSeen ?? a.observedAt);
        }
        w.appendTo(app);
      }
      app.flushSync();
    } finally {
      app.closeSync();
    }
    // An UPDATE of the rows that change, then an INSERT of the new keys. DuckDB's
    // INSERT .. ON CONFLICT DO UPDATE did the same but took seconds per 50k-account batch
    // (measured: 30 s of a 65 s ingest of 1M rows) and grew with every batch.
    const newer = `(s.snapshot_at IS NOT NULL AND (a.snapshot_at IS NULL OR s.snapshot_at >= a.snapshot_at))`;
    const pick = (c: string) =>
      `${c} = CASE WHEN ${newer} THEN coalesce(s.${c}, a.${c}) ELSE coalesce(a.${c}, s.${c}) END`;
    const cols = [
      'handle', 'display_name', 'created_at', 'followers', 'following', 'posts_count', 'description',
      'verified', 'default_profile', 'default_avatar',
    ]; // prettier-ignore
    // Only rows with a profile field are updated here. A bare author (most rows of a CSV)
    // is inserted when new; widening its seen range is left to finishSource, once per file.
    const changes = `s.snapshot_at IS NOT NULL OR ${cols.map((c) => `s.${c} IS NOT NULL`).join(' OR ')}`;
    await this.conn.run(
      `UPDATE accounts a SET
         ${cols.map(pick).join(',\n         ')},
         snapshot_at = greatest(a.snapshot_at, s.snapshot_at),
         first_seen = least(a.first_seen, s.first_seen),
         last_seen = greatest(a.last_seen, s.last_seen)
       FROM accounts_stage s
       WHERE a.platform = s.platform AND a.account_id = s.account_id AND (${changes})`,
    );
    await this.conn.run(
      `INSERT INTO accounts SELECT s.* FROM accounts_stage s
       ANTI JOIN accounts a ON a.platform = s.platform AND a.account_id = s.account_id`,
    );
  }

  private async appendRejects(sourceId: number, rejects: RejectRow[]): Promise<void> {
    const app = await this.conn.createAppender('rejects');
    try {
      for (const r of rejects) {
        app.appendInteger(sourceId);
        app.appendBigInt(BigInt(r.recordNo));
        if (r.line === null) app.appendNull();
        else app.appendBigInt(BigInt(r.line));
        if (r.offset === null || r.offset < 0) app.appendNull();
        else app.appendBigInt(BigInt(r.offset));
        app.appendVarchar(r.reason);
        app.appendVarchar(r.excerpt);
        app.endRow();
      }
      app.flushSync();
    } finally {
      app.closeSync();
    }
  }

  async finishSource(
    sourceId: number,
    status: SourceStatus,
    error: string | null = null,
  ): Promise<SourceRow> {
    await this.inTransaction(async () => {
      let removed = 0;
      let conflicts = 0;
      if (status === 'done') {
        // Rows of one post spread over several records of this file (one row per post and
        // object, as in CooRTweet's german_elections): merge their objects into the first row.
        const dup = await this.rows(
          `SELECT count(*) AS n FROM (SELECT 1 FROM posts WHERE source_id = ${sourceId}
             GROUP BY platform, post_id HAVING count(*) > 1)`,
        );
        if (num(dup[0].n) > 0) {
          // The ordered aggregates run only on the split posts (a semi-join first): over
          // every post of the file they took 3-5 s on german_elections' 219k rows, 0.6 s so.
          await this.conn.run(`CREATE OR REPLACE TEMP TABLE post_merge AS
            WITH split AS (SELECT platform, post_id FROM posts WHERE source_id = ${sourceId}
              GROUP BY platform, post_id HAVING count(*) > 1)
            SELECT platform, post_id, min(record_no) AS keep, count(*) AS n,
              list_distinct(flatten(list(urls ORDER BY record_no))) AS urls,
              list_distinct(flatten(list(canonical_urls ORDER BY record_no))) AS canonical_urls,
              list_distinct(flatten(list(domains ORDER BY record_no))) AS domains,
              list_distinct(flatten(list(hashtags ORDER BY record_no))) AS hashtags,
              list_distinct(flatten(list(mentions ORDER BY record_no))) AS mentions,
              list_distinct(flatten(list(media ORDER BY record_no))) AS media
            FROM posts SEMI JOIN split USING (platform, post_id) WHERE source_id = ${sourceId}
            GROUP BY platform, post_id`);
          // A later row whose single-valued fields disagree with the kept one (another
          // reposted post, author or time for the same post id) is not a copy: merging would
          // lose it silently, so it becomes a reject that says what differed.
          await this.conn.run(`CREATE OR REPLACE TEMP TABLE post_conflicts AS
            SELECT p.record_no, p.post_id, m.keep,
              concat_ws(', ',
                CASE WHEN p.account_id IS DISTINCT FROM k.account_id THEN 'account' END,
                CASE WHEN p.created_at IS DISTINCT FROM k.created_at THEN 'time' END,
                CASE WHEN p.kind IS DISTINCT FROM k.kind THEN 'kind' END,
                CASE WHEN p.ref_post_id IS DISTINCT FROM k.ref_post_id THEN 'referenced post' END,
                CASE WHEN p.text IS DISTINCT FROM k.text THEN 'text' END) AS fields,
              'account_id=' || p.account_id || ' time=' || strftime(p.created_at, '%Y-%m-%dT%H:%M:%SZ')
                || ' kind=' || p.kind || ' ref_post_id=' || coalesce(p.ref_post_id, '') AS excerpt
            FROM posts p JOIN post_merge m ON p.platform = m.platform AND p.post_id = m.post_id
              JOIN posts k ON k.source_id = ${sourceId} AND k.platform = m.platform
                AND k.post_id = m.post_id AND k.record_no = m.keep
            WHERE p.source_id = ${sourceId} AND p.record_no <> m.keep
              AND (p.account_id IS DISTINCT FROM k.account_id OR p.created_at IS DISTINCT FROM k.created_at
                OR p.kind IS DISTINCT FROM k.kind OR p.ref_post_id IS DISTINCT FROM k.ref_post_id
                OR p.text IS DISTINCT FROM k.text)`);
          const [conf] = await this.rows(`SELECT count(*) AS n FROM post_conflicts`);
          conflicts = num(conf.n);
          if (conflicts > 0) {
            await this.conn.run(`INSERT INTO rejects
              SELECT ${sourceId}, record_no, NULL, NULL,
                'post id ' || post_id || ' was already read at record ' || keep || ' with a different '
                  || fields || '; the first record was kept and this one not ingested',
                excerpt
              FROM post_conflicts`);
          }
          await this.conn.run(`DROP TABLE post_conflicts`);
          const before = await this.rows(`SELECT count(*) AS n FROM posts WHERE source_id = ${sourceId}`);
          await this.conn.run(`DELETE FROM posts USING post_merge m
            WHERE posts.source_id = ${sourceId} AND posts.platform = m.platform AND posts.post_id = m.post_id
              AND posts.record_no <> m.keep`);
          await this.conn
            .run(`UPDATE posts SET urls = m.urls, canonical_urls = m.canonical_urls, domains = m.domains,
              hashtags = m.hashtags, mentions = m.mentions, media = m.media
            FROM post_merge m
            WHERE posts.source_id = ${sourceId} AND posts.platform = m.platform AND posts.post_id = m.post_id`);
          const after = await this.rows(`SELECT count(*) AS n FROM posts WHERE source_id = ${sourceId}`);
          // Conflicting rows are counted as rejected, not as duplicates.
          removed += num(before[0].n) - num(after[0].n) - conflicts;
          await this.conn.run(`DROP TABLE post_merge`);
        }
        // The same post already ingested from another file: keep the earlier copy. (The join
        // is skipped when no other file has posts of these platforms: it cost 0.6 s per 1M.)
        const shared = await this.rows(`SELECT EXISTS (SELECT 1 FROM posts WHERE source_id <> ${sourceId}
            AND platform IN (SELECT DISTINCT platform FROM posts WHERE source_id = ${sourceId})) AS e`);
        const cross = !shared[0].e
          ? [{ n: 0 }]
          : await this.rows(`SELECT count(*) AS n FROM posts p WHERE p.source_id = ${sourceId}
            AND EXISTS (SELECT 1 FROM posts q WHERE q.source_id <> ${sourceId}
                        AND q.platform = p.platform AND q.post_id = p.post_id)`);
        if (num(cross[0].n) > 0) {
          await this.conn.run(`DELETE FROM posts WHERE source_id = ${sourceId} AND (platform, post_id) IN
              (SELECT platform, post_id FROM posts WHERE source_id <> ${sourceId})`);
          removed += num(cross[0].n);
        }
      }
      // Authors' seen range, once per file from its posts (the per-batch upsert only inserts
      // accounts without a profile snapshot; widening them batch by batch cost an UPDATE of
      // every active account per batch).
      await this.conn.run(`UPDATE accounts a
        SET first_seen = least(a.first_seen, s.f), last_seen = greatest(a.last_seen, s.l)
        FROM (SELECT platform, account_id, min(created_at) AS f, max(created_at) AS l FROM posts
              WHERE source_id = ${sourceId} GROUP BY platform, account_id) s
        WHERE a.platform = s.platform AND a.account_id = s.account_id
          AND (a.first_seen IS NULL OR a.last_seen IS NULL OR s.f < a.first_seen OR s.l > a.last_seen)`);
      const errSql = error === null ? 'NULL' : lit(error);
      await this.conn.run(`UPDATE sources SET status = ${lit(status)}, error = ${errSql},
          finished_at = now()::TIMESTAMP, duplicates = duplicates + ${removed},
          accepted = accepted - ${conflicts}, rejected = rejected + ${conflicts}
        WHERE source_id = ${sourceId}`);
    });
    const r = await this.rows(`SELECT * FROM sources WHERE source_id = ${sourceId}`);
    return this.toSource(r[0]);
  }

  async discardSource(sourceId: number): Promise<void> {
    const id = Math.trunc(sourceId);
    await this.inTransaction(async () => {
      await this.conn.run(`DELETE FROM posts WHERE source_id = ${id}`);
      await this.conn.run(`DELETE FROM rejects WHERE source_id = ${id}`);
      await this.conn.run(`DELETE FROM sources WHERE source_id = ${id}`);
    });
  }

  async listSources(): Promise<SourceRow[]> {
    return (await this.rows(`SELECT * FROM sources ORDER BY source_id`)).map((r) => this.toSource(r));
  }

  async listRejects(
    sourceId?: number,
    limit = 100,
  ): Promise<(RejectRow & { sourceId: number; path: string })[]> {
    const where = sourceId === undefined ? '' : `WHERE r.source_id = ${Number(sourceId)}`;
    const rows = await this.rows(`SELECT r.*, s.path FROM rejects r JOIN sources s USING (source_id) ${where}
      ORDER BY r.source_id, r.record_no LIMIT ${Math.max(0, Math.trunc(limit))}`);
    return rows.map((r) => ({
      sourceId: num(r.source_id),
      path: String(r.path),
      recordNo: num(r.record_no),
      line: r.line === null ? null : num(r.line),
      offset: r.byte_offset === null ? null : num(r.byte_offset),
      reason: String(r.reason),
      excerpt: String(r.excerpt ?? ''),
    }));
  }

  async counts(): Promise<WorkspaceCounts> {
    const [c] = await this.rows(`SELECT
      (SELECT count(*) FROM posts) AS posts, (SELECT count(*) FROM accounts) AS accounts,
      (SELECT count(*) FROM sources) AS sources, (SELECT count(*) FROM rejects) AS rejects,
      (SELECT count(*) FROM findings) AS findings,
      (SELECT min(created_at) FROM posts) AS first_post, (SELECT max(created_at) FROM posts) AS last_post`);
    const plat = await this.rows(`SELECT platform, count(*) AS n FROM posts GROUP BY 1 ORDER BY 2 DESC, 1`);
    return {
      posts: num(c.posts),
      accounts: num(c.accounts),
      sources: num(c.sources),
      rejects: num(c.rejects),
      findings: num(c.findings),
      platforms: plat.map((p) => ({ platform: String(p.platform), posts: num(p.n) })),
      firstPost: iso(c.first_post),
      lastPost: iso(c.last_post),
    };
  }

  // ---- coordination (SQL in ./coaction.ts) ----------------------------------------------

  async coactionLayers(): Promise<CoactionLayerInfo[]> {
    return coaction.coactionLayers(this.conn);
  }

  async coactionPairs(query: CoactionQuery): Promise<CoactionResult> {
    return coaction.coactionPairs(this.conn, query);
  }

  async sharedObjects(query: SharedObjectsQuery): Promise<SharedObject[]> {
    return coaction.sharedObjects(this.conn, query);
  }

  async groupCandidates(query: GroupGrowthQuery): Promise<GroupGrowthResult> {
    return coaction.groupCandidates(this.conn, query);
  }

  async coactionSession(): Promise<CoactionSession> {
    return coaction.openSession(this.conn);
  }

  async accountsByKey(keys: string[]): Promise<Account[]> {
    return coaction.accountsByKey(this.conn, keys);
  }

  // ---- near-duplicate text, synchronised activity (SQL in ./activity.ts) -----------------

  streamPostTexts(options?: PostTextStreamOptions): AsyncIterable<PostTextChunk> {
    return activity.streamPostTexts(this.instance, options);
  }

  async saveNearDupGroups(groups: NearDupGroupRows): Promise<number> {
    return activity.saveNearDupGroups(this.conn, groups);
  }

  async activityBins(query: ActivityBinsQuery): Promise<ActivityBins> {
    return activity.activityBins(this.conn, query);
  }

  // ---- findings ------------------------------------------------------------------------

  async saveFindings(findings: Finding[], runId: string): Promise<void> {
    if (findings.length === 0) return;
    await this.inTransaction(async () => {
      const ids = findings.map((f) => lit(f.id)).join(',');
      await this.conn.run(`DELETE FROM finding_evidence WHERE finding_id IN (${ids})`);
      await this.conn.run(`DELETE FROM findings WHERE finding_id IN (${ids})`);
      const fApp = await this.conn.createAppender('findings');
      const eApp = await this.conn.createAppender('finding_evidence');
      try {
        for (const f of findings) {
          fApp.appendVarchar(f.id);
          fApp.appendVarchar(runId);
          fApp.appendVarchar(f.kind);
          fApp.appendVarchar(f.channel);
          fApp.appendVarchar(f.title);
          fApp.appendVarchar(f.summary);
          fApp.appendVarchar(f.severity);
          fApp.appendDouble(f.confidence);
          fApp.appendVarchar(f.confidenceMethod);
          fApp.appendVarchar(f.detector.name);
          fApp.appendVarchar(f.detector.version);
          fApp.appendVarchar(JSON.stringify(f.detector.parameters));
          fApp.appendList(listValue(f.techniques), VLIST);
          fApp.appendList(listValue(f.caveats), VLIST);
          fApp.appendVarchar(JSON.stringify(f.details ?? {}));
          fApp.appendTimestamp(ts(Date.parse(f.createdAt)) ?? new DuckDBTimestampValue(0n));
          fApp.endRow();
          f.evidence.forEach((e, i) => {
            eApp.appendVarchar(f.id);
            eApp.appendInteger(i);
            eApp.appendVarchar(e.table);
            eApp.appendVarchar(e.key);
            if (e.contentHash) eApp.appendVarchar(e.contentHash);
            else eApp.appendNull();
            if (e.role) eApp.appendVarchar(e.role);
            else eApp.appendNull();
            if (e.note) eApp.appendVarchar(e.note);
            else eApp.appendNull();
            eApp.endRow();
          });
        }
        fApp.flushSync();
        eApp.flushSync();
      } finally {
        fApp.closeSync();
        eApp.closeSync();
      }
      // Fill content hashes of evidence rows from the rows themselves, in the engine.
      for (const [table, h] of Object.entries(CONTENT_HASH_SQL)) {
        await this.conn.run(`UPDATE finding_evidence e SET content_hash = t.h
          FROM (SELECT ${h.key} AS k, ${h.expr} AS h FROM ${h.from}) t
          WHERE e.tbl = ${lit(table)} AND e.content_hash IS NULL AND e.key = t.k
            AND e.finding_id IN (${ids})`);
      }
    });
  }

  async clearFindings(detector: string): Promise<void> {
    await this.inTransaction(async () => {
      await this.conn.run(`DELETE FROM finding_evidence WHERE finding_id IN
        (SELECT finding_id FROM findings WHERE detector = ${lit(detector)})`);
      await this.conn.run(`DELETE FROM findings WHERE detector = ${lit(detector)}`);
    });
  }

  async listFindings(filter: FindingFilter = {}): Promise<Finding[]> {
    const where: string[] = [];
    if (filter.channel) where.push(`channel = ${lit(filter.channel)}`);
    if (filter.kind) where.push(`kind = ${lit(filter.kind)}`);
    if (filter.minSeverity) {
      const idx = SEVERITIES.indexOf(filter.minSeverity as (typeof SEVERITIES)[number]);
      if (idx < 0)
        throw new VigieError(
          'ERR_USAGE',
          `unknown severity ${filter.minSeverity} (${SEVERITIES.join(', ')})`,
        );
      where.push(`severity IN (${SEVERITIES.slice(idx).map(lit).join(',')})`);
    }
    const sevOrder = `CASE severity ${SEVERITIES.map((s, i) => `WHEN ${lit(s)} THEN ${i}`).join(' ')} END`;
    const limit = filter.limit ? `LIMIT ${Math.trunc(filter.limit)}` : '';
    const rows = await this.rows(`SELECT * FROM findings ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
      ORDER BY ${sevOrder} DESC, confidence DESC, finding_id ${limit}`);
    if (rows.length === 0) return [];
    const ev = await this.rows(`SELECT * FROM finding_evidence WHERE finding_id IN
      (${rows.map((r) => lit(String(r.finding_id))).join(',')}) ORDER BY finding_id, ord`);
    const byId = new Map<string, EvidenceRef[]>();
    for (const e of ev) {
      const id = String(e.finding_id);
      if (!byId.has(id)) byId.set(id, []);
      byId.get(id)!.push({
        table: String(e.tbl),
        key: String(e.key),
        contentHash: (e.content_hash as string | null) ?? null,
        ...(e.role ? { role: String(e.role) } : {}),
        ...(e.note ? { note: String(e.note) } : {}),
      });
    }
    return rows.map((r) => ({
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
        parameters: JSON.parse(String(r.parameters ?? '{}')),
      },
      evidence: byId.get(String(r.finding_id)) ?? [],
      techniques: (r.techniques as string[]) ?? [],
      caveats: (r.caveats as string[]) ?? [],
      details: JSON.parse(String(r.details ?? '{}')),
      createdAt: iso(r.created_at) ?? '',
    }));
  }

  async beginRun(
    runId: string,
    command: string,
    parameters: Record<string, unknown>,
    version: string,
  ): Promise<void> {
    const p = await this.conn.prepare(
      `INSERT INTO runs VALUES ($1, $2, $3, $4, now()::TIMESTAMP, NULL) ON CONFLICT DO NOTHING`,
    );
    p.bindVarchar(1, runId);
    p.bindVarchar(2, command);
    p.bindVarchar(3, JSON.stringify(parameters));
    p.bindVarchar(4, version);
    await p.run();
  }

  async finishRun(runId: string): Promise<void> {
    await this.conn.run(`UPDATE runs SET finished_at = now()::TIMESTAMP WHERE run_id = ${lit(runId)}`);
  }
}
