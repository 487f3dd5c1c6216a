/**
 * Talking to a ClickHouse cluster over HTTP with the official @clickhouse/client: one client
 * per server, errors that name the server and the operation, and the bits of SQL quoting the
 * store needs.
 *
 * Compatibility with ClickHouse 18.16 (Debian's package, the tested version), found by trying:
 * - the client works with its defaults: it sends no setting 18.16 rejects unless asked;
 *   JSONEachRow (insert and select), TabSeparated, JSON and `ping()` all work;
 * - server-side query parameters (`query_params`, sent as `param_x`) do NOT: 18.16 answers
 *   "Unknown setting param_x". Values are therefore quoted by `lit()` below (backslash and
 *   quote escaped, as ClickHouse string literals require); key lists go through tables;
 * - JSONCompactEachRow does not exist in 18.16 (Unknown format): reads and small inserts use
 *   JSONEachRow, ingest TabSeparated (./tsv.ts);
 * - 64-bit integers come back quoted in JSON (output_format_json_quote_64bit_integers=1 is
 *   the default in every version): `num()` reads both forms.
 * No session ids are used (temporary tables would need them): scratch tables are ordinary
 * tables with a per-call random prefix, dropped when the call ends.
 */
import {
  createClient,
  ClickHouseLogLevel,
  type ClickHouseClient,
  type ClickHouseSettings,
} from '@clickhouse/client';
import { Readable } from 'node:stream';
import { VigieError } from '../../util/errors.js';
import type { TsvRows } from './tsv.js';

export interface ClickHouseLocation {
  /** HTTP endpoints, one per shard in the cluster's shard order (`host:port`). */
  nodes: string[];
  database: string;
  /** Cluster name from `remote_servers`; null for one server without Distributed tables. */
  cluster: string | null;
  user: string;
  password: string;
  /** Per-request timeout (ms). */
  timeoutMs: number;
}

/**
 * Parse `clickhouse://[user[:password]@]host:port[,host:port...]/db[?cluster=NAME&timeout_ms=N]`.
 * Several hosts are the cluster's shards, in the order of its `remote_servers` entry.
 */
export function parseClickHouseUrl(url: string): ClickHouseLocation {
  const m =
    /^clickhouse:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?]+)\/([A-Za-z_][A-Za-z0-9_]*)(?:\?(.*))?$/.exec(url);
  if (!m)
    throw new VigieError(
      'ERR_USAGE',
      `bad ClickHouse location "${url}": expected clickhouse://host:port[,host:port...]/database[?cluster=NAME]`,
    );
  const nodes = m[3].split(',').map((h) => h.trim());
  for (const h of nodes)
    if (!/^[A-Za-z0-9._-]+:\d+$/.test(h) && !/^\[[0-9a-fA-F:]+\]:\d+$/.test(h))
      throw new VigieError(
        'ERR_USAGE',
        `bad ClickHouse host "${h}" in ${url}: expected host:port (HTTP port)`,
      );
  const params = new URLSearchParams(m[5] ?? '');
  const cluster = params.get('cluster');
  if (cluster !== null && !/^[A-Za-z0-9_]+$/.test(cluster))
    throw new VigieError('ERR_USAGE', `bad cluster name "${cluster}" in ${url}`);
  if (nodes.length > 1 && !cluster)
    throw new VigieError(
      'ERR_USAGE',
      `several ClickHouse hosts in ${url} need ?cluster=NAME (their remote_servers entry)`,
    );
  const timeoutMs = Number(params.get('timeout_ms') ?? 300_000);
  if (!(timeoutMs > 0)) throw new VigieError('ERR_USAGE', `bad timeout_ms in ${url}`);
  return {
    nodes,
    database: m[4],
    cluster,
    user: decodeURIComponent(m[1] ?? 'default') || 'default',
    password: decodeURIComponent(m[2] ?? ''),
    timeoutMs,
  };
}

/** ClickHouse string literal (backslash and quote escaped). Safe for any string, hostile ones included. */
export function lit(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export function num(v: unknown): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'number' ? v : Number(v);
}

/** One server of the cluster. */
export class Node {
  readonly client: ClickHouseClient;
  constructor(
    readonly index: number,
    readonly address: string,
    loc: ClickHouseLocation,
  ) {
    this.client = createClient({
      url: `http://${address}`,
      username: loc.user,
      password: loc.password,
      request_timeout: loc.timeoutMs,
      // The client logs every failed request to the console; the store reports errors itself.
      log: { level: ClickHouseLogLevel.OFF },
      compression: { request: false, response: false },
    });
  }

  get name(): string {
    return `shard ${this.index + 1} (${this.address})`;
  }

  private fail(op: string, e: unknown): never {
    const msg = (e as Error)?.message ?? String(e);
    const code = (e as { code?: string })?.code;
    const why =
      code === 'ECONNREFUSED' || /ECONNREFUSED/.test(msg)
        ? 'connection refused (is the server running?)'
        : /timeout/i.test(msg)
          ? `timed out (${msg})`
          : msg.replace(/, e\.what\(\) = DB::Exception\s*$/s, '').trim();
    throw new VigieError('ERR_STORE', `ClickHouse ${this.name}: ${op} failed: ${why}`, { cause: e });
  }

  /** Run a statement that returns nothing. */
  async run(sql: string, op: string, settings: ClickHouseSettings = {}): Promise<void> {
    const t = performance.now();
    try {
      await this.client.command({ query: sql, clickhouse_settings: settings });
    } catch (e) {
      this.fail(op, e);
    }
    this.trace(op, t);
  }

  /** VIGIE_CH_TRACE=1 prints each statement's server, operation and time on stderr (to see where time goes). */
  private trace(op: string, t: number): void {
    if (process.env.VIGIE_CH_TRACE)
      console.error(`[clickhouse] ${this.name}: ${op} ${(performance.now() - t).toFixed(0)} ms`);
  }

  async rows<T = Record<string, unknown>>(
    sql: string,
    op: string,
    settings: ClickHouseSettings = {},
  ): Promise<T[]> {
    const t = performance.now();
    try {
      const r = await this.client.query({ query: sql, format: 'JSONEachRow', clickhouse_settings: settings });
      const rows = (await r.json()) as T[];
      this.trace(op, t);
      return rows;
    } catch (e) {
      this.fail(op, e);
    }
  }

  /** Stream rows of a query, `size` at a time. */
  async *stream<T>(sql: string, op: string, size: number): AsyncGenerator<T[]> {
    let rs;
    try {
      rs = await this.client.query({ query: sql, format: 'JSONEachRow' });
    } catch (e) {
      this.fail(op, e);
    }
    let buf: T[] = [];
    try {
      for await (const batch of rs.stream()) {
        for (const row of batch as { json(): T }[]) {
          buf.push(row.json());
          if (buf.length >= size) {
            yield buf;
            buf = [];
          }
        }
      }
    } catch (e) {
      this.fail(op, e);
    }
    if (buf.length) yield buf;
  }

  async insert(
    table: string,
    values: Record<string, unknown>[],
    op: string,
    settings: ClickHouseSettings = {},
  ): Promise<void> {
    try {
      await this.client.insert({ table, values, format: 'JSONEachRow', clickhouse_settings: settings });
    } catch (e) {
      this.fail(op, e);
    }
  }

  /** Insert TabSeparated rows (see ./tsv.ts, or a stream of them) into the named columns, streamed as the request body. */
  async insertTsv(
    table: string,
    columns: string[],
    rows: TsvRows | Readable,
    op: string,
    settings: ClickHouseSettings = {},
  ): Promise<void> {
    try {
      await this.client.insert({
        table,
        columns: columns as [string, ...string[]],
        values: rows instanceof Readable ? rows : Readable.from(rows.chunks(), { objectMode: false }),
        format: 'TabSeparated',
        clickhouse_settings: settings,
      });
    } catch (e) {
      this.fail(op, e);
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

/**
 * Stable 32-bit FNV-1a over UTF-16 code units: which shard a key lives on. Hand-written (a
 * dozen lines) because the shard must be computed in the client before the insert, and the
 * same key must always map to the same shard across runs and machines.
 */
export function shardOf(key: string, shards: number): number {
  if (shards === 1) return 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % shards;
}

/** Byte-wise (UTF-8) string order, the order DuckDB and ClickHouse sort VARCHAR/String by. */
export function byteCompare(a: string, b: string): number {
  if (a === b) return 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
