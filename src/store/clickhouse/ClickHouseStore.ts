/**
 * The ClickHouse backend of the store: the same workspace on a cluster of servers, for
 * conversations that outgrow one machine. See docs/scaling.md and ./schema.ts for the layout.
 *
 * Ingest is idempotent by (source, record number): a source (found by the file's sha256)
 * commits a batch by writing a new version of its progress row AFTER every shard has the
 * batch's rows. A batch interrupted anywhere (a shard down, a timeout) leaves rows past the
 * committed mark; the next write for that source deletes them first, so a re-run completes
 * without duplicates, and nothing before the mark is ever touched. A failed insert is retried
 * only after checking what the shard already holds for that batch (a timeout may hide a
 * success).
 */
import { createHash, randomBytes } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import type { Account, Post } from '../../model/post.js';
import type { Finding } from '../../findings/finding.js';
import { SEVERITIES } from '../../findings/finding.js';
import { VigieError } from '../../util/errors.js';
import type { LeakStore } from '../leaks.js';
import type { AttackStore } from '../attacks.js';
import type { InterchangeStore } from '../interchange.js';
import type { RegistryStore } from '../registry.js';
import type { NarrativeStore } from '../narratives.js';
import type { SignalStore } from '../signals.js';
import type { ReportStore } from '../report.js';
import type { AnnotationStore } from '../annotations.js';
import type { ViewStore } from '../views.js';
import type {
  CoactionLayerInfo,
  CoactionQuery,
  CoactionResult,
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
  RejectRow,
  SourceMeta,
  SourceRow,
  SourceStatus,
  Store,
  WorkspaceCounts,
} from '../store.js';
import { Node, lit, num, parseClickHouseUrl, shardOf, type ClickHouseLocation } from './connection.js';
import {
  CH_SCHEMA_VERSION,
  POST_INSERT_SETTINGS,
  SHARDED,
  actionsRouteTable,
  actionsView,
  metadataTables,
  shardedTables,
} from './schema.js';
import {
  ACCOUNT_COLUMNS,
  POST_COLUMNS,
  REJECT_COLUMNS,
  TsvRows,
  rejectLine,
  accountLine,
  writePost,
} from './tsv.js';
import * as coaction from './coaction.js';
import * as activity from './activity.js';

/** What the sub-stores this backend does not implement yet give, named so a user knows why. */
export function unsupported(feature: string): VigieError {
  return new VigieError(
    'ERR_UNSUPPORTED_BACKEND',
    `${feature} is not available on the ClickHouse backend yet; use a DuckDB workspace for it`,
  );
}

const RETRIES = 3;

type Row = Record<string, unknown>;

function iso(ms: unknown): string | null {
  return ms === null || ms === undefined ? null : new Date(num(ms)).toISOString();
}

export class ClickHouseStore implements Store {
  readonly location: string;
  readonly loc: ClickHouseLocation;
  readonly nodes: Node[];
  /** Server version string (`SELECT version()` on the first server). */
  serverVersion = '';
  private lastVersion = 0;
  /** Sources whose leftovers past the committed mark were already cleared by this process. */
  private readonly cleared = new Set<number>();

  private constructor(location: string, loc: ClickHouseLocation) {
    this.location = location;
    this.loc = loc;
    this.nodes = loc.nodes.map((a, i) => new Node(i, a, loc));
  }

  /**
   * Connect and create the schema where missing.
   * @example const s = await ClickHouseStore.open('clickhouse://127.0.0.1:8123,127.0.0.1:8124/vigie?cluster=vigie');
   */
  static async open(url: string): Promise<ClickHouseStore> {
    const store = new ClickHouseStore(url, parseClickHouseUrl(url));
    try {
      await store.init();
    } catch (e) {
      await store.close();
      throw e;
    }
    return store;
  }

  get db(): string {
    return this.loc.database;
  }
  /** The first server: Distributed tables, metadata, scratch tables for merged results. */
  get head(): Node {
    return this.nodes[0];
  }
  /** Name of the table holding a sharded table's rows across the cluster. */
  dist(table: string): string {
    return this.loc.cluster ? `${this.db}.${table}_d` : `${this.db}.${table}`;
  }
  local(table: string): string {
    return `${this.db}.${table}`;
  }
  /** Monotonic version for ReplacingMergeTree rows (microsecond clock, strictly increasing). */
  private ver(): number {
    this.lastVersion = Math.max(Date.now() * 1000, this.lastVersion + 1);
    return this.lastVersion;
  }
  /** A unique prefix for scratch tables of one call. */
  scratch(): string {
    return `${this.db}.tmp_${randomBytes(6).toString('hex')}`;
  }

  private async init(): Promise<void> {
    const [v] = await this.head.rows<{ v: string }>(`SELECT version() AS v`, 'version check');
    this.serverVersion = v.v;
    if (this.loc.cluster) {
      const r = await this.head.rows<{ n: string }>(
        `SELECT count() AS n FROM system.clusters WHERE cluster = ${lit(this.loc.cluster)}`,
        'cluster lookup',
      );
      const shards = num(r[0].n);
      if (shards !== this.nodes.length)
        throw new VigieError(
          'ERR_STORE',
          `ClickHouse cluster ${this.loc.cluster} on ${this.head.name} has ${shards} shard(s) but ${this.location} lists ${this.nodes.length} server(s); list each shard's HTTP address, in remote_servers order`,
        );
    }
    await Promise.all(
      this.nodes.map(async (n) => {
        await n.run(`CREATE DATABASE IF NOT EXISTS ${this.db}`, 'create database');
        for (const s of shardedTables(this.db)) await n.run(s, 'create table');
      }),
    );
    if (this.loc.cluster)
      for (const t of SHARDED)
        await this.head.run(
          `CREATE TABLE IF NOT EXISTS ${this.db}.${t}_d AS ${this.db}.${t} ENGINE = Distributed(${this.loc.cluster}, ${this.db}, ${t})`,
          'create distributed table',
        );
    for (const s of metadataTables(this.db)) await this.head.run(s, 'create table');
    const sv = await this.schemaVersion();
    if (sv > CH_SCHEMA_VERSION)
      throw new VigieError(
        'ERR_SCHEMA_VERSION',
        `workspace ${this.location} has ClickHouse schema version ${sv}, newer than this vigie (${CH_SCHEMA_VERSION}); upgrade vigie`,
      );
    if (sv > 0 && sv < 2)
      throw new VigieError(
        'ERR_SCHEMA_VERSION',
        `workspace ${this.location} has ClickHouse schema version ${sv}, whose co-action rows are placed by an older rule; ingest again into a new database`,
      );
    // Only once the version is known to match: a view on an older workspace would break its inserts.
    await Promise.all(
      this.nodes.map(async (n) => {
        if (this.loc.cluster)
          await n.run(actionsRouteTable(this.db, this.loc.cluster), 'create routing table');
        await n.run(actionsView(this.db, this.loc.cluster, n.index), 'create co-action view');
      }),
    );
    if (sv < CH_SCHEMA_VERSION)
      await this.head.insert(
        `${this.db}.schema_version`,
        [{ version: CH_SCHEMA_VERSION, description: 'ClickHouse backend schema', applied_at: Date.now() }],
        'record schema version',
      );
  }

  async close(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.close()));
  }

  async schemaVersion(): Promise<number> {
    const [r] = await this.head.rows<{ v: string }>(
      `SELECT max(version) AS v FROM ${this.db}.schema_version`,
      'schema version',
    );
    return num(r?.v);
  }

  leaks(): LeakStore {
    throw unsupported('leaks (hack-and-leak store)');
  }
  attacks(): AttackStore {
    throw unsupported('attacks (infrastructure attack store)');
  }
  interchange(): InterchangeStore {
    throw unsupported('interchange (cross-channel queries, Parquet export)');
  }
  registry(): RegistryStore {
    throw unsupported('registry (state-media amplification)');
  }
  narratives(): NarrativeStore {
    throw unsupported('narratives');
  }
  signals(): SignalStore {
    throw unsupported('signals (account scores)');
  }
  report(): ReportStore {
    throw unsupported('report (HTML briefing)');
  }
  annotations(): AnnotationStore {
    throw unsupported('annotations');
  }
  views(): ViewStore {
    throw unsupported('views (dashboard API)');
  }

  /** Run a statement on every server at once. */
  async onAll(sql: (n: Node) => string, op: string): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.run(sql(n), op)));
  }

  /** ALTER TABLE .. DELETE on one server, waiting until the mutation is done (18.16 has no mutations_sync). */
  async deleteWhere(n: Node, table: string, where: string): Promise<void> {
    await n.run(`ALTER TABLE ${this.db}.${table} DELETE WHERE ${where}`, `delete from ${table}`);
    for (let i = 0; ; i++) {
      const [r] = await n.rows<{ n: string }>(
        `SELECT count() AS n FROM system.mutations WHERE database = ${lit(this.db)} AND table = ${lit(table)} AND is_done = 0`,
        `wait for delete from ${table}`,
      );
      if (num(r.n) === 0) return;
      if (i > 600)
        throw new VigieError(
          'ERR_STORE',
          `ClickHouse ${n.name}: delete from ${table} did not finish in 60 s`,
        );
      await new Promise((res) => setTimeout(res, 100));
    }
  }

  // ---- sources -------------------------------------------------------------------------

  private toSource(r: Row): SourceRow {
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

  private async sourceRows(where: string): Promise<Row[]> {
    return this.head.rows(
      `SELECT * FROM ${this.db}.sources FINAL ${where ? 'WHERE ' + where : ''} ORDER BY source_id`,
      'read sources',
    );
  }

  private async source(sourceId: number): Promise<Row> {
    const [r] = await this.sourceRows(`source_id = ${Math.trunc(sourceId)}`);
    if (!r) throw new VigieError('ERR_NOT_FOUND', `no source ${sourceId} in ${this.location}`);
    return r;
  }

  private async putSource(r: Row): Promise<void> {
    await this.head.insert(`${this.db}.sources`, [{ ...r, version: this.ver() }], 'update source progress');
  }

  async sourceByHash(sha256: string): Promise<SourceRow | null> {
    const [r] = await this.sourceRows(`sha256 = ${lit(sha256)}`);
    return r ? this.toSource(r) : null;
  }

  async beginSource(meta: SourceMeta): Promise<SourceRow> {
    if (await this.sourceByHash(meta.sha256))
      throw new VigieError('ERR_STORE', `a source with sha256 ${meta.sha256} is already in ${this.location}`);
    const [m] = await this.head.rows<{ m: string }>(
      `SELECT max(source_id) AS m FROM ${this.db}.sources`,
      'next source id',
    );
    const row: Row = {
      source_id: num(m.m) + 1,
      path: meta.path,
      size: meta.size,
      sha256: meta.sha256,
      format: meta.format,
      compression: meta.compression,
      options: JSON.stringify(meta.options ?? {}),
      ingested_at: Date.now(),
      finished_at: null,
      status: 'running',
      records_done: 0,
      accepted: 0,
      rejected: 0,
      duplicates: 0,
      error: null,
    };
    await this.putSource(row);
    this.cleared.add(num(row.source_id));
    return this.toSource(row);
  }

  /**
   * Rows of a source past its committed mark: what an interrupted batch left. Deleted on every
   * server before the source takes new rows, once per process and source.
   */
  private async clearLeftovers(sourceId: number, from: number): Promise<void> {
    if (this.cleared.has(sourceId)) return;
    const where = `source_id = ${sourceId} AND record_no >= ${from}`;
    await Promise.all(
      this.nodes.map(async (n) => {
        for (const t of ['posts', 'actions', 'accounts']) {
          const [c] = await n.rows<{ n: string }>(
            `SELECT count() AS n FROM ${this.db}.${t} WHERE ${where}`,
            `check leftovers in ${t}`,
          );
          if (num(c.n) > 0) await this.deleteWhere(n, t, where);
        }
      }),
    );
    const [c] = await this.head.rows<{ n: string }>(
      `SELECT count() AS n FROM ${this.db}.rejects WHERE ${where}`,
      'check leftovers in rejects',
    );
    if (num(c.n) > 0) await this.deleteWhere(this.head, 'rejects', where);
    this.cleared.add(sourceId);
  }

  /**
   * Insert one table's rows of one batch on one server, retrying. Before a retry, what the
   * server already holds of this batch decides: all of it (the failure hid a success): done;
   * part of it: deleted, then inserted again. A `posts` insert also derives the posts'
   * co-action rows (the view in ./schema.ts) and sends them to their objects' shards; the
   * failure may lie there, so its retry always removes this server's part of the batch from
   * `posts` and, on every shard, the `actions` rows it derived (`origin`), then inserts again.
   */
  private async insertIdempotent(
    n: Node,
    table: string,
    columns: string[],
    rows: TsvRows,
    range: { sourceId: number; from: number; to: number },
    first?: { body: Readable; written: Promise<void> },
  ): Promise<void> {
    const where = `source_id = ${range.sourceId} AND record_no >= ${range.from} AND record_no < ${range.to}`;
    const posts = table === 'posts';
    let last: unknown;
    for (let attempt = 0; attempt < RETRIES; attempt++) {
      try {
        if (attempt > 0) {
          await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
          await first?.written; // a retry sends the whole batch, so it waits for the last row
          const [c] = await n.rows<{ n: string }>(
            `SELECT count() AS n FROM ${this.db}.${table} WHERE ${where}`,
            `check batch in ${table}`,
          );
          if (!posts && num(c.n) === rows.expected) return;
          // Derived rows first: while a shard is unreachable the posts stay, past the
          // committed mark, for the next run's clean-up to find.
          if (posts)
            for (const m of this.nodes) {
              const mine = `${where} AND origin = ${n.index}`;
              const [a] = await m.rows<{ n: string }>(
                `SELECT count() AS n FROM ${this.db}.actions WHERE ${mine}`,
                'check batch in actions',
              );
              if (num(a.n) > 0) await this.deleteWhere(m, 'actions', mine);
            }
          if (num(c.n) > 0) await this.deleteWhere(n, table, where);
        }
        await n.insertTsv(
          `${this.db}.${table}`,
          columns,
          attempt === 0 && first ? first.body : rows,
          `insert of ${rows.expected} rows into ${table}`,
          posts ? POST_INSERT_SETTINGS : {},
        );
        return;
      } catch (e) {
        last = e;
      }
    }
    throw new VigieError(
      'ERR_STORE',
      `${(last as Error).message} (after ${RETRIES} tries; records ${range.from}..${range.to - 1} of source ${range.sourceId} are not committed, those before are: re-run to resume)`,
      { cause: last },
    );
  }

  async writeBatch(b: IngestBatch): Promise<void> {
    if (b.staged && b.staged.count > 0)
      throw new VigieError(
        'ERR_STORE',
        'posts staged by another store (the ClickHouse store has no post stage)',
      );
    if (b.posts.length !== b.postRecordNos.length)
      throw new VigieError('ERR_STORE', 'posts and record numbers differ in length');
    const src = await this.source(b.sourceId);
    const from = num(src.records_done);
    await this.clearLeftovers(b.sourceId, from);
    const S = this.nodes.length;
    let to = Math.max(from + 1, b.recordsDone);
    const shard = new Uint8Array(b.posts.length);
    const expect = this.nodes.map(() => 0);
    b.posts.forEach((p, i) => {
      const rn = b.postRecordNos[i];
      if (rn < from)
        throw new VigieError(
          'ERR_STORE',
          `record ${rn} of source ${b.sourceId} is before its committed mark ${from}`,
        );
      to = Math.max(to, rn + 1);
      expect[(shard[i] = shardOf(`${p.platform}:${p.postId}`, S))]++;
    });
    const range = { sourceId: b.sourceId, from, to };
    // The posts inserts start at once and their rows are streamed to the servers slice by
    // slice as they are written, so that a server can parse while the client still writes
    // (on the shared 2-core test machine the gain was lost in the noise). The co-action rows
    // are not sent: each server derives them from its posts (./schema.ts).
    const posts = this.nodes.map((_, i) => new TsvRows(expect[i]));
    const feeds = this.nodes.map(() => new PassThrough().on('error', () => undefined));
    let allWritten = () => undefined as void;
    const written = new Promise<void>((r) => (allWritten = r));
    const postInserts = this.nodes.map((n, i) => {
      const p = expect[i]
        ? this.insertIdempotent(n, 'posts', POST_COLUMNS, posts[i], range, { body: feeds[i], written })
        : null;
      p?.catch(() => undefined); // awaited below; a failure must not count as unhandled meanwhile
      return p;
    });
    const sent = this.nodes.map(() => 0);
    const SLICE = 8192;
    try {
      for (let lo = 0; lo < b.posts.length; lo += SLICE) {
        const hi = Math.min(b.posts.length, lo + SLICE);
        for (let i = lo; i < hi; i++) writePost(posts[shard[i]], b.posts[i], b.sourceId, b.postRecordNos[i]);
        posts.forEach((r, i) => {
          // A failed first attempt may have closed its stream; its retry sends the rows whole.
          if (r.bytes > sent[i] && !feeds[i].destroyed) feeds[i].write(r.since(sent[i]));
          sent[i] = r.bytes;
        });
        await new Promise((r) => setImmediate(r));
      }
    } finally {
      for (const f of feeds) f.end();
      allWritten();
    }
    const accounts = this.nodes.map(() => new TsvRows());
    for (const a of b.accounts)
      accounts[shardOf(`${a.platform}:${a.accountId}`, S)].raw(accountLine(a, b.sourceId, from)).end();
    await Promise.all([
      ...postInserts,
      ...this.nodes.map(async (n, i) => {
        if (accounts[i].count)
          await this.insertIdempotent(n, 'accounts', ACCOUNT_COLUMNS, accounts[i], range);
      }),
    ]);
    if (b.rejects.length)
      await this.insertIdempotent(
        this.head,
        'rejects',
        REJECT_COLUMNS,
        TsvRows.of(b.rejects.map((r) => rejectLine(r, b.sourceId))),
        range,
      );
    // The commit mark: only now do these records count as done.
    await this.putSource({
      ...src,
      records_done: b.recordsDone,
      accepted: num(src.accepted) + b.posts.length,
      rejected: num(src.rejected) + b.rejects.length,
    });
  }

  async finishSource(
    sourceId: number,
    status: SourceStatus,
    error: string | null = null,
  ): Promise<SourceRow> {
    const src = await this.source(sourceId);
    let removed = 0;
    let conflicts = 0;
    if (status === 'done') {
      await this.clearLeftovers(sourceId, num(src.records_done));
      const r = await this.dedupSource(sourceId);
      removed = r.removed;
      conflicts = r.conflicts;
    }
    const row = {
      ...src,
      status,
      error,
      finished_at: Date.now(),
      duplicates: num(src.duplicates) + removed,
      accepted: num(src.accepted) - conflicts,
      rejected: num(src.rejected) + conflicts,
    };
    await this.putSource(row);
    return this.toSource(row);
  }

  /**
   * Copies of a post: a post's rows all live on one shard (posts are sharded by post key), so
   * each shard finds its own. Rows of one post split over several records of this file are
   * merged into the first (their list fields united); a later row whose single-valued fields
   * differ becomes a reject; a post already ingested from another file is dropped.
   */
  private async dedupSource(sourceId: number): Promise<{ removed: number; conflicts: number }> {
    let removed = 0;
    let conflicts = 0;
    const rejects: Row[] = [];
    for (const n of this.nodes) {
      const cross = await n.rows<{ record_no: string }>(
        `SELECT record_no FROM ${this.db}.posts WHERE source_id = ${sourceId} AND (platform, post_id) IN
           (SELECT platform, post_id FROM ${this.db}.posts WHERE source_id != ${sourceId})`,
        'find posts ingested from other files',
      );
      const split = await n.rows<Row>(
        `SELECT * FROM ${this.db}.posts WHERE source_id = ${sourceId} AND (platform, post_id) IN
           (SELECT platform, post_id FROM ${this.db}.posts WHERE source_id = ${sourceId}
            GROUP BY platform, post_id HAVING count() > 1)
         ORDER BY platform, post_id, record_no`,
        'find posts split over several records',
      );
      const crossSet = new Set(cross.map((r) => num(r.record_no)));
      const drop = new Set<number>(crossSet);
      const merged: Post[] = [];
      const mergedNo: number[] = [];
      for (let i = 0; i < split.length;) {
        let j = i;
        while (
          j < split.length &&
          split[j].platform === split[i].platform &&
          split[j].post_id === split[i].post_id
        )
          j++;
        const keep = split[i];
        if (!crossSet.has(num(keep.record_no))) {
          const p = rowToPost(keep);
          for (let k = i + 1; k < j; k++) {
            const q = split[k];
            const fields = [
              q.account_id !== keep.account_id && 'account',
              num(q.t) !== num(keep.t) && 'time',
              q.kind !== keep.kind && 'kind',
              q.ref_post_id !== keep.ref_post_id && 'referenced post',
              q.text !== keep.text && 'text',
            ].filter(Boolean);
            if (fields.length) {
              conflicts++;
              rejects.push({
                source_id: sourceId,
                record_no: num(q.record_no),
                line: null,
                byte_offset: null,
                reason: `post id ${String(q.post_id)} was already read at record ${num(keep.record_no)} with a different ${fields.join(', ')}; the first record was kept and this one not ingested`,
                excerpt: `account_id=${String(q.account_id)} time=${new Date(num(q.t)).toISOString().slice(0, 19)}Z kind=${String(q.kind)} ref_post_id=${String(q.ref_post_id ?? '')}`,
              });
            } else {
              for (const f of [
                'urls',
                'canonical_urls',
                'domains',
                'hashtags',
                'mentions',
                'media',
              ] as const) {
                const key =
                  ({ canonical_urls: 'canonicalUrls' } as Record<string, keyof Post>)[f] ?? (f as keyof Post);
                (p[key] as string[]) = [...new Set([...(p[key] as string[]), ...(q[f] as string[])])];
              }
            }
          }
          for (let k = i; k < j; k++) drop.add(num(split[k].record_no));
          merged.push(p);
          mergedNo.push(num(keep.record_no));
        } else for (let k = i; k < j; k++) drop.add(num(split[k].record_no));
        i = j;
      }
      if (drop.size === 0) continue;
      const list = [...drop].join(',');
      const where = `source_id = ${sourceId} AND record_no IN (${list})`;
      const [before] = await n.rows<{ n: string }>(
        `SELECT count() AS n FROM ${this.db}.posts WHERE ${where}`,
        'count',
      );
      await this.deleteWhere(n, 'posts', where);
      for (const m of this.nodes) await this.deleteWhere(m, 'actions', where);
      if (merged.length) {
        // Their co-action rows are derived again by the view, as on any insert into posts.
        await n.insertTsv(
          `${this.db}.posts`,
          POST_COLUMNS,
          merged.reduce((w, p, i) => (writePost(w, p, sourceId, mergedNo[i]), w), new TsvRows()),
          'insert merged posts',
          POST_INSERT_SETTINGS,
        );
      }
      removed += num(before.n) - merged.length;
    }
    if (rejects.length) await this.head.insert(`${this.db}.rejects`, rejects, 'insert conflict rejects');
    return { removed: removed - conflicts, conflicts };
  }

  async discardSource(sourceId: number): Promise<void> {
    const id = Math.trunc(sourceId);
    const src = await this.source(id);
    for (const n of this.nodes)
      for (const t of ['posts', 'actions', 'accounts']) await this.deleteWhere(n, t, `source_id = ${id}`);
    await this.deleteWhere(this.head, 'rejects', `source_id = ${id}`);
    await this.deleteWhere(this.head, 'sources', `source_id = ${id}`);
    void src;
  }

  async listSources(): Promise<SourceRow[]> {
    return (await this.sourceRows('')).map((r) => this.toSource(r));
  }

  async listRejects(
    sourceId?: number,
    limit = 100,
  ): Promise<(RejectRow & { sourceId: number; path: string })[]> {
    const where = sourceId === undefined ? '' : `WHERE source_id = ${Math.trunc(Number(sourceId))}`;
    const rows = await this.head.rows<Row>(
      `SELECT * FROM ${this.db}.rejects ${where} ORDER BY source_id, record_no LIMIT ${Math.max(0, Math.trunc(limit))}`,
      'list rejects',
    );
    const paths = new Map((await this.listSources()).map((s) => [s.sourceId, s.path]));
    return rows.map((r) => ({
      sourceId: num(r.source_id),
      path: paths.get(num(r.source_id)) ?? '',
      recordNo: num(r.record_no),
      line: r.line === null ? null : num(r.line),
      offset: r.byte_offset === null ? null : num(r.byte_offset),
      reason: String(r.reason),
      excerpt: String(r.excerpt ?? ''),
    }));
  }

  async counts(): Promise<WorkspaceCounts> {
    const P = this.dist('posts');
    const [c] = await this.head.rows<Row>(
      `SELECT count() AS posts, min(t) AS f, max(t) AS l FROM ${P}`,
      'count posts',
    );
    const [a] = await this.head.rows<Row>(
      `SELECT uniqExact(platform, account_id) AS n FROM
         (SELECT platform, account_id FROM ${P} UNION ALL SELECT platform, account_id FROM ${this.dist('accounts')})`,
      'count accounts',
    );
    const [m] = await this.head.rows<Row>(
      `SELECT (SELECT count() FROM ${this.db}.sources FINAL) AS s, (SELECT count() FROM ${this.db}.rejects) AS r,
         (SELECT count() FROM ${this.db}.findings FINAL WHERE deleted = 0) AS f`,
      'count metadata',
    );
    const plat = await this.head.rows<Row>(
      `SELECT platform, count() AS n FROM ${P} GROUP BY platform ORDER BY n DESC, platform`,
      'count platforms',
    );
    const has = num(c.posts) > 0;
    return {
      posts: num(c.posts),
      accounts: num(a.n),
      sources: num(m.s),
      rejects: num(m.r),
      findings: num(m.f),
      platforms: plat.map((p) => ({ platform: String(p.platform), posts: num(p.n) })),
      firstPost: has ? iso(c.f) : null,
      lastPost: has ? iso(c.l) : null,
    };
  }

  // ---- coordination (SQL in ./coaction.ts) ----------------------------------------------

  coactionLayers(): Promise<CoactionLayerInfo[]> {
    return coaction.coactionLayers(this);
  }
  coactionPairs(query: CoactionQuery): Promise<CoactionResult> {
    return coaction.coactionPairs(this, query);
  }
  sharedObjects(query: SharedObjectsQuery): Promise<SharedObject[]> {
    return coaction.sharedObjects(this, query);
  }
  groupCandidates(query: GroupGrowthQuery): Promise<GroupGrowthResult> {
    return coaction.groupCandidates(this, query);
  }
  accountsByKey(keys: string[]): Promise<Account[]> {
    return coaction.accountsByKey(this, keys);
  }

  // ---- near-duplicate text, synchronised activity (./activity.ts) ----------------------

  streamPostTexts(options?: PostTextStreamOptions): AsyncIterable<PostTextChunk> {
    return activity.streamPostTexts(this, options);
  }
  saveNearDupGroups(groups: NearDupGroupRows): Promise<number> {
    return activity.saveNearDupGroups(this, groups);
  }
  activityBins(query: ActivityBinsQuery): Promise<ActivityBins> {
    return activity.activityBins(this, query);
  }

  // ---- findings ------------------------------------------------------------------------

  /** Content hashes of evidence rows, computed as the DuckDB store does (same bytes, same sha256). */
  private async contentHashes(keys: { table: string; key: string }[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const sha = (parts: string[]) => createHash('sha256').update(parts.join('\x1f')).digest('hex');
    const postKeys = [...new Set(keys.filter((k) => k.table === 'posts').map((k) => k.key))];
    const accKeys = [...new Set(keys.filter((k) => k.table === 'accounts').map((k) => k.key))];
    for (let i = 0; i < postKeys.length; i += 2000) {
      const tuples = postKeys
        .slice(i, i + 2000)
        .map((k) => {
          const c = k.indexOf(':');
          return `(${lit(k.slice(0, c))}, ${lit(k.slice(c + 1))})`;
        })
        .join(',');
      const rows = await this.head.rows<Row>(
        `SELECT * FROM ${this.dist('posts')} WHERE (platform, post_id) IN (${tuples})`,
        'read evidence posts',
      );
      for (const r of rows) {
        const t = new Date(num(r.t)).toISOString();
        out.set(
          `posts\0${String(r.platform)}:${String(r.post_id)}`,
          sha([
            String(r.platform), String(r.post_id), String(r.account_id), t,
            String(r.text ?? ''), String(r.kind), String(r.ref_post_id ?? ''), String(r.ref_account_id ?? ''),
            (r.canonical_urls as string[]).join('\x1e'), (r.hashtags as string[]).join('\x1e'), (r.media as string[]).join('\x1e'),
          ]), // prettier-ignore
        );
      }
    }
    if (accKeys.length)
      for (const a of await this.accountsByKey(accKeys)) {
        const created =
          a.createdAt === null
            ? ''
            : new Date(a.createdAt)
                .toISOString()
                .replace('T', ' ')
                .replace(/(\.000)?Z$/, '');
        out.set(
          `accounts\0${a.platform}:${a.accountId}`,
          sha([a.platform, a.accountId, a.handle ?? '', a.displayName ?? '', created, a.description ?? '']),
        );
      }
    const srcKeys = keys.filter((k) => k.table === 'sources');
    if (srcKeys.length) for (const s of await this.listSources()) out.set(`sources\0${s.sourceId}`, s.sha256);
    return out;
  }

  async saveFindings(findings: Finding[], runId: string): Promise<void> {
    if (findings.length === 0) return;
    const hashes = await this.contentHashes(findings.flatMap((f) => f.evidence));
    const rows = findings.map((f) => {
      const body: Finding = {
        ...f,
        evidence: f.evidence.map((e) => ({
          ...e,
          contentHash: e.contentHash ?? hashes.get(`${e.table}\0${e.key}`) ?? null,
        })),
      };
      return {
        finding_id: f.id,
        detector: f.detector.name,
        kind: f.kind,
        channel: f.channel,
        severity: f.severity,
        confidence: f.confidence,
        body: JSON.stringify({ ...body, runId }),
        deleted: 0,
        version: this.ver(),
      };
    });
    for (let i = 0; i < rows.length; i += 5000)
      await this.head.insert(`${this.db}.findings`, rows.slice(i, i + 5000), 'save findings');
  }

  async clearFindings(detector: string): Promise<void> {
    // Tombstones: a newer version of each row, marked deleted (no mutation needed).
    await this.head.run(
      `INSERT INTO ${this.db}.findings SELECT finding_id, detector, kind, channel, severity, confidence, '', 1, ${this.ver()}
       FROM ${this.db}.findings FINAL WHERE detector = ${lit(detector)} AND deleted = 0`,
      'clear findings',
    );
  }

  async listFindings(filter: FindingFilter = {}): Promise<Finding[]> {
    const where = ['deleted = 0'];
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
    const sev = `multiIf(${SEVERITIES.map((s, i) => `severity = ${lit(s)}, ${i}`).join(', ')}, -1)`;
    const limit = filter.limit ? `LIMIT ${Math.trunc(filter.limit)}` : '';
    const rows = await this.head.rows<{ body: string }>(
      `SELECT body FROM ${this.db}.findings FINAL WHERE ${where.join(' AND ')}
       ORDER BY ${sev} DESC, confidence DESC, finding_id ${limit}`,
      'list findings',
    );
    return rows.map((r) => {
      const f = JSON.parse(r.body) as Finding & { runId?: string };
      delete f.runId;
      return f;
    });
  }

  async beginRun(
    runId: string,
    command: string,
    parameters: Record<string, unknown>,
    version: string,
  ): Promise<void> {
    await this.head.insert(
      `${this.db}.runs`,
      [
        {
          run_id: runId,
          command,
          parameters: JSON.stringify(parameters),
          vigie_version: version,
          started_at: Date.now(),
          finished_at: null,
          version: this.ver(),
        },
      ],
      'begin run',
    );
  }

  async finishRun(runId: string): Promise<void> {
    await this.head.run(
      `INSERT INTO ${this.db}.runs SELECT run_id, command, parameters, vigie_version, started_at, ${Date.now()}, ${this.ver()}
       FROM ${this.db}.runs FINAL WHERE run_id = ${lit(runId)}`,
      'finish run',
    );
  }
}

/** A posts row back to the domain model. */
export function rowToPost(r: Row): Post {
  return {
    platform: String(r.platform),
    postId: String(r.post_id),
    accountId: String(r.account_id),
    time: num(r.t),
    text: (r.text as string | null) ?? null,
    lang: String(r.lang),
    kind: r.kind as Post['kind'],
    refPostId: (r.ref_post_id as string | null) ?? null,
    refAccountId: (r.ref_account_id as string | null) ?? null,
    urls: [...(r.urls as string[])],
    canonicalUrls: [...(r.canonical_urls as string[])],
    domains: [...(r.domains as string[])],
    hashtags: [...(r.hashtags as string[])],
    mentions: [...(r.mentions as string[])],
    media: [...(r.media as string[])],
    client: (r.client as string | null) ?? null,
  };
}
