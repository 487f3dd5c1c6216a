/**
 * DuckDB implementation of the leaks store (see src/store/leaks.ts). Rows are appended in one
 * transaction per batch; anchoring and counts run as SQL in the engine.
 */
import { inTransaction } from './transaction.js';
import { DuckDBTimestampValue, type DuckDBAppender, type DuckDBConnection } from '@duckdb/node-api';
import type { DkimKeyRecord } from '../../leaks/keys.js';
import type { Anchor, FileKind, Verdict } from '../../leaks/types.js';
import { VERDICTS } from '../../leaks/types.js';
import type { DocFlag } from '../../leaks/documents/types.js';
import type {
  DecoyRow,
  DumpRow,
  LeakBatch,
  LeakDocumentRow,
  LeakFileRow,
  LeakMessageRow,
  LeakStore,
  NearDupRow,
} from '../leaks.js';

/** Tables of the leaks channel (appended to MIGRATIONS in src/store/schema.ts). */
export const LEAKS_SCHEMA_SQL: string[] = [
  `CREATE TABLE leak_dumps (
    dump_id VARCHAR PRIMARY KEY,
    label VARCHAR NOT NULL,
    inputs VARCHAR NOT NULL,
    leak_date TIMESTAMP,
    theft_date TIMESTAMP,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    status VARCHAR NOT NULL,
    stats VARCHAR,
    error VARCHAR
  )`,
  `CREATE TABLE leak_files (
    dump_id VARCHAR NOT NULL,
    path VARCHAR NOT NULL,
    size BIGINT NOT NULL,
    sha256 VARCHAR NOT NULL,
    mtime TIMESTAMP,
    kind VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    note VARCHAR,
    parent_message VARCHAR,
    anchor VARCHAR NOT NULL,
    tlsh VARCHAR
  )`,
  `CREATE TABLE leak_messages (
    dump_id VARCHAR NOT NULL,
    msg_key VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    size BIGINT NOT NULL,
    msg_date TIMESTAMP,
    from_addr VARCHAR,
    from_domain VARCHAR,
    to_addr VARCHAR,
    subject VARCHAR,
    message_id VARCHAR,
    verdict VARCHAR NOT NULL,
    explanation VARCHAR NOT NULL,
    signatures VARCHAR NOT NULL,
    flags VARCHAR NOT NULL,
    arc_status VARCHAR NOT NULL,
    arc_reason VARCHAR,
    verified_as_of TIMESTAMP
  )`,
  `CREATE TABLE leak_documents (
    dump_id VARCHAR NOT NULL,
    path VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    format VARCHAR NOT NULL,
    meta VARCHAR NOT NULL,
    flags VARCHAR NOT NULL,
    text VARCHAR,
    problems VARCHAR
  )`,
  `CREATE TABLE leak_keys (
    domain VARCHAR NOT NULL,
    selector VARCHAR NOT NULL,
    fingerprint VARCHAR NOT NULL,
    key_type VARCHAR NOT NULL,
    public_key VARCHAR NOT NULL,
    bits INTEGER,
    record VARCHAR NOT NULL,
    first_seen TIMESTAMP,
    last_seen TIMESTAMP,
    source VARCHAR NOT NULL,
    added_at TIMESTAMP NOT NULL,
    private_published_at TIMESTAMP,
    private_published_source VARCHAR,
    PRIMARY KEY (domain, selector, fingerprint)
  )`,
  `CREATE TABLE leak_decoys (
    sha256 VARCHAR,
    tlsh VARCHAR,
    label VARCHAR NOT NULL,
    note VARCHAR,
    added_at TIMESTAMP NOT NULL
  )`,
  `CREATE TABLE leak_pairs (
    dump_id VARCHAR NOT NULL,
    path_a VARCHAR NOT NULL,
    path_b VARCHAR NOT NULL,
    sha_a VARCHAR NOT NULL,
    sha_b VARCHAR NOT NULL,
    similarity DOUBLE NOT NULL,
    removed VARCHAR NOT NULL,
    added VARCHAR NOT NULL
  )`,
];

const MIN_TS = Date.UTC(1000, 0, 1);
const MAX_TS = Date.UTC(9999, 11, 31);

function ts(ms: number | null | undefined): DuckDBTimestampValue | null {
  return ms === null || ms === undefined || !Number.isFinite(ms) || ms < MIN_TS || ms > MAX_TS
    ? null
    : new DuckDBTimestampValue(BigInt(Math.round(ms)) * 1000n);
}
function ms(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.getTime();
  const s = String(v);
  const t = Date.parse(s.includes('T') ? s : s.replace(' ', 'T') + 'Z');
  return Number.isFinite(t) ? t : null;
}
function num(v: unknown): number {
  return typeof v === 'bigint' ? Number(v) : Number(v ?? 0);
}
function str(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}
function lit(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

function put(
  app: DuckDBAppender,
  v: string | number | bigint | DuckDBTimestampValue | null | undefined,
  kind: 'v' | 'b' | 'i' | 'd' | 't',
): void {
  if (v === null || v === undefined) return app.appendNull();
  switch (kind) {
    case 'v':
      return app.appendVarchar(String(v));
    case 'b':
      return app.appendBigInt(BigInt(Math.trunc(Number(v))));
    case 'i':
      return app.appendInteger(Number(v));
    case 'd':
      return app.appendDouble(Number(v));
    case 't':
      return app.appendTimestamp(v as DuckDBTimestampValue);
  }
}

/** The leaks store on an open DuckDB connection (shared with DuckDBStore). */
export class DuckDBLeakStore implements LeakStore {
  constructor(private readonly conn: DuckDBConnection) {}

  private async rows(sql: string): Promise<Record<string, unknown>[]> {
    return (await this.conn.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
  }

  private async tx<T>(fn: () => Promise<T>): Promise<T> {
    return inTransaction(this.conn, fn);
  }

  private async append(
    table: string,
    rows: number,
    fill: (app: DuckDBAppender, i: number) => void,
  ): Promise<void> {
    if (rows === 0) return;
    const app = await this.conn.createAppender(table);
    try {
      for (let i = 0; i < rows; i++) {
        fill(app, i);
        app.endRow();
      }
      app.flushSync();
    } finally {
      app.closeSync();
    }
  }

  // ---- keys ------------------------------------------------------------------------------

  async upsertKeys(keys: DkimKeyRecord[]): Promise<number> {
    if (!keys.length) return 0;
    return this.tx(async () => {
      const before = num((await this.rows(`SELECT count(*) AS n FROM leak_keys`))[0].n);
      await this.conn.run(
        `CREATE TEMP TABLE IF NOT EXISTS leak_keys_stage AS SELECT * FROM leak_keys LIMIT 0`,
      );
      await this.conn.run(`DELETE FROM leak_keys_stage`);
      const seen = new Set<string>();
      const uniq = keys.filter((k) => {
        const id = `${k.domain}\u0000${k.selector}\u0000${k.fingerprint}`;
        if (seen.has(id)) return false;
        seen.add(id);
        return true;
      });
      const app = await this.conn.createAppender('leak_keys_stage', 'main', 'temp');
      try {
        for (const k of uniq) {
          put(app, k.domain, 'v');
          put(app, k.selector, 'v');
          put(app, k.fingerprint, 'v');
          put(app, k.keyType, 'v');
          put(app, k.publicKey, 'v');
          put(app, k.bits, 'i');
          put(app, k.record, 'v');
          put(app, ts(k.firstSeen), 't');
          put(app, ts(k.lastSeen), 't');
          put(app, k.source, 'v');
          put(app, ts(k.addedAt), 't');
          put(app, ts(k.privatePublishedAt), 't');
          put(app, k.privatePublishedSource, 'v');
          app.endRow();
        }
        app.flushSync();
      } finally {
        app.closeSync();
      }
      await this.conn.run(`INSERT INTO leak_keys SELECT * FROM leak_keys_stage
        ON CONFLICT (domain, selector, fingerprint) DO UPDATE SET
          first_seen = least(leak_keys.first_seen, excluded.first_seen),
          last_seen = greatest(leak_keys.last_seen, excluded.last_seen),
          private_published_at = coalesce(excluded.private_published_at, leak_keys.private_published_at),
          private_published_source = coalesce(excluded.private_published_source, leak_keys.private_published_source)`);
      return num((await this.rows(`SELECT count(*) AS n FROM leak_keys`))[0].n) - before;
    });
  }

  async listKeys(): Promise<DkimKeyRecord[]> {
    const rows = await this.rows(
      `SELECT * FROM leak_keys ORDER BY domain, selector, first_seen NULLS FIRST, fingerprint`,
    );
    return rows.map((r) => ({
      domain: String(r.domain),
      selector: String(r.selector),
      fingerprint: String(r.fingerprint),
      keyType: String(r.key_type),
      publicKey: String(r.public_key),
      bits: r.bits === null ? null : num(r.bits),
      record: String(r.record),
      firstSeen: ms(r.first_seen),
      lastSeen: ms(r.last_seen),
      source: String(r.source),
      addedAt: ms(r.added_at) ?? 0,
      privatePublishedAt: ms(r.private_published_at),
      privatePublishedSource: str(r.private_published_source),
    }));
  }

  // ---- decoys ----------------------------------------------------------------------------

  async addDecoys(decoys: DecoyRow[]): Promise<number> {
    const existing = await this.listDecoys();
    const fresh = decoys.filter(
      (d) => !existing.some((e) => (d.sha256 && e.sha256 === d.sha256) || (d.tlsh && e.tlsh === d.tlsh)),
    );
    await this.tx(() =>
      this.append('leak_decoys', fresh.length, (app, i) => {
        const d = fresh[i];
        put(app, d.sha256, 'v');
        put(app, d.tlsh, 'v');
        put(app, d.label, 'v');
        put(app, d.note, 'v');
        put(app, ts(d.addedAt), 't');
      }),
    );
    return fresh.length;
  }

  async listDecoys(): Promise<DecoyRow[]> {
    return (await this.rows(`SELECT * FROM leak_decoys ORDER BY added_at, label`)).map((r) => ({
      sha256: str(r.sha256),
      tlsh: str(r.tlsh),
      label: String(r.label),
      note: str(r.note),
      addedAt: ms(r.added_at) ?? 0,
    }));
  }

  // ---- dumps -----------------------------------------------------------------------------

  private toDump(r: Record<string, unknown>): DumpRow {
    return {
      dumpId: String(r.dump_id),
      label: String(r.label),
      inputs: JSON.parse(String(r.inputs)),
      leakDate: ms(r.leak_date),
      theftDate: ms(r.theft_date),
      startedAt: new Date(ms(r.started_at) ?? 0).toISOString(),
      finishedAt: ms(r.finished_at) === null ? null : new Date(ms(r.finished_at)!).toISOString(),
      status: r.status as DumpRow['status'],
      stats: r.stats ? JSON.parse(String(r.stats)) : {},
      error: str(r.error),
    };
  }

  async getDump(dumpId: string): Promise<DumpRow | null> {
    const r = await this.rows(`SELECT * FROM leak_dumps WHERE dump_id = ${lit(dumpId)}`);
    return r.length ? this.toDump(r[0]) : null;
  }

  async listDumps(): Promise<DumpRow[]> {
    return (await this.rows(`SELECT * FROM leak_dumps ORDER BY started_at, dump_id`)).map((r) =>
      this.toDump(r),
    );
  }

  private async deleteRows(dumpId: string): Promise<void> {
    for (const t of ['leak_files', 'leak_messages', 'leak_documents', 'leak_pairs', 'leak_dumps'])
      await this.conn.run(`DELETE FROM ${t} WHERE dump_id = ${lit(dumpId)}`);
  }

  async beginDump(d: Pick<DumpRow, 'dumpId' | 'label' | 'inputs' | 'leakDate' | 'theftDate'>): Promise<void> {
    await this.tx(async () => {
      await this.deleteRows(d.dumpId);
      const p = await this.conn.prepare(
        `INSERT INTO leak_dumps (dump_id, label, inputs, leak_date, theft_date, started_at, status)
         VALUES ($1, $2, $3, $4, $5, now()::TIMESTAMP, 'running')`,
      );
      p.bindVarchar(1, d.dumpId);
      p.bindVarchar(2, d.label);
      p.bindVarchar(3, JSON.stringify(d.inputs));
      const lt = ts(d.leakDate);
      if (lt) p.bindTimestamp(4, lt);
      else p.bindNull(4);
      const tt = ts(d.theftDate);
      if (tt) p.bindTimestamp(5, tt);
      else p.bindNull(5);
      await p.run();
    });
  }

  async writeBatch(b: LeakBatch): Promise<void> {
    await this.tx(async () => {
      await this.append('leak_files', b.files.length, (app, i) => {
        const f = b.files[i];
        put(app, b.dumpId, 'v');
        put(app, f.path, 'v');
        put(app, f.size, 'b');
        put(app, f.sha256, 'v');
        put(app, ts(f.mtime), 't');
        put(app, f.kind, 'v');
        put(app, f.status, 'v');
        put(app, f.note, 'v');
        put(app, f.parentMessage, 'v');
        put(app, f.anchor, 'v');
        put(app, f.tlsh, 'v');
      });
      await this.append('leak_messages', b.messages.length, (app, i) => {
        const m = b.messages[i];
        put(app, b.dumpId, 'v');
        put(app, m.msgKey, 'v');
        put(app, m.sha256, 'v');
        put(app, m.size, 'b');
        put(app, ts(m.date), 't');
        put(app, m.from, 'v');
        put(app, m.fromDomain, 'v');
        put(app, m.to, 'v');
        put(app, m.subject, 'v');
        put(app, m.messageId, 'v');
        put(app, m.verdict, 'v');
        put(app, m.explanation, 'v');
        put(app, JSON.stringify(m.signatures), 'v');
        put(app, JSON.stringify(m.flags), 'v');
        put(app, m.arcStatus, 'v');
        put(app, m.arcReason, 'v');
        put(app, ts(m.verifiedAsOf), 't');
      });
      await this.append('leak_documents', b.documents.length, (app, i) => {
        const d = b.documents[i];
        put(app, b.dumpId, 'v');
        put(app, d.path, 'v');
        put(app, d.sha256, 'v');
        put(app, d.format, 'v');
        put(app, JSON.stringify(d.meta), 'v');
        put(app, JSON.stringify(d.flags), 'v');
        put(app, d.text, 'v');
        put(app, JSON.stringify(d.problems), 'v');
      });
    });
  }

  async finishDump(
    dumpId: string,
    status: DumpRow['status'],
    stats: Record<string, number>,
    error: string | null = null,
  ): Promise<void> {
    const p = await this.conn.prepare(
      `UPDATE leak_dumps SET status = $1, stats = $2, error = $3, finished_at = now()::TIMESTAMP WHERE dump_id = $4`,
    );
    p.bindVarchar(1, status);
    p.bindVarchar(2, JSON.stringify(stats));
    if (error === null) p.bindNull(3);
    else p.bindVarchar(3, error);
    p.bindVarchar(4, dumpId);
    await p.run();
  }

  async discardDump(dumpId: string): Promise<void> {
    await this.tx(() => this.deleteRows(dumpId));
  }

  // ---- analysis --------------------------------------------------------------------------

  async anchorFiles(dumpId: string): Promise<Record<Anchor, number>> {
    const d = lit(dumpId);
    await this.tx(async () => {
      await this.conn.run(`UPDATE leak_files SET anchor = 'none' WHERE dump_id = ${d}`);
      await this.conn.run(`UPDATE leak_files f SET anchor = 'signed-attachment'
        FROM leak_messages m
        WHERE f.dump_id = ${d} AND m.dump_id = ${d} AND f.parent_message = m.msg_key AND m.verdict = 'authentic'`);
      await this.conn.run(`UPDATE leak_files SET anchor = 'same-hash-as-signed-attachment'
        WHERE dump_id = ${d} AND anchor = 'none' AND status = 'ok' AND sha256 IN
          (SELECT sha256 FROM leak_files WHERE dump_id = ${d} AND anchor = 'signed-attachment')`);
    });
    const rows = await this.rows(
      `SELECT anchor, count(*) AS n FROM leak_files WHERE dump_id = ${d} GROUP BY 1`,
    );
    const out: Record<Anchor, number> = {
      'signed-attachment': 0,
      'same-hash-as-signed-attachment': 0,
      none: 0,
    };
    for (const r of rows) out[r.anchor as Anchor] = num(r.n);
    return out;
  }

  async addDocumentFlags(dumpId: string, flags: Map<string, DocFlag[]>): Promise<void> {
    if (!flags.size) return;
    await this.tx(async () => {
      for (const [path, fs] of flags) {
        const p = await this.conn.prepare(
          `SELECT rowid, flags FROM leak_documents WHERE dump_id = $1 AND path = $2`,
        );
        p.bindVarchar(1, dumpId);
        p.bindVarchar(2, path);
        for (const r of (await p.runAndReadAll()).getRowObjectsJS() as Record<string, unknown>[]) {
          const have = JSON.parse(String(r.flags)) as DocFlag[];
          const merged = [...have.filter((h) => !fs.some((f) => f.code === h.code)), ...fs];
          const u = await this.conn.prepare(`UPDATE leak_documents SET flags = $1 WHERE rowid = $2`);
          u.bindVarchar(1, JSON.stringify(merged));
          u.bindBigInt(2, BigInt(num(r.rowid)));
          await u.run();
        }
      }
    });
  }

  async files(dumpId: string, filter: { kind?: FileKind; limit?: number } = {}): Promise<LeakFileRow[]> {
    const where = [`dump_id = ${lit(dumpId)}`];
    if (filter.kind) where.push(`kind = ${lit(filter.kind)}`);
    const limit = filter.limit ? `LIMIT ${Math.trunc(filter.limit)}` : '';
    const rows = await this.rows(
      `SELECT * FROM leak_files WHERE ${where.join(' AND ')} ORDER BY path ${limit}`,
    );
    return rows.map((r) => ({
      path: String(r.path),
      size: num(r.size),
      sha256: String(r.sha256),
      mtime: ms(r.mtime),
      kind: r.kind as FileKind,
      status: r.status as LeakFileRow['status'],
      note: str(r.note),
      parentMessage: str(r.parent_message),
      anchor: r.anchor as Anchor,
      tlsh: str(r.tlsh),
    }));
  }

  async messages(
    dumpId: string,
    filter: { verdict?: Verdict; limit?: number } = {},
  ): Promise<LeakMessageRow[]> {
    const where = [`dump_id = ${lit(dumpId)}`];
    if (filter.verdict) where.push(`verdict = ${lit(filter.verdict)}`);
    const limit = filter.limit ? `LIMIT ${Math.trunc(filter.limit)}` : '';
    const rows = await this.rows(
      `SELECT * FROM leak_messages WHERE ${where.join(' AND ')} ORDER BY msg_date NULLS LAST, msg_key ${limit}`,
    );
    return rows.map((r) => ({
      msgKey: String(r.msg_key),
      sha256: String(r.sha256),
      size: num(r.size),
      date: ms(r.msg_date),
      from: str(r.from_addr),
      fromDomain: str(r.from_domain),
      to: str(r.to_addr),
      subject: str(r.subject),
      messageId: str(r.message_id),
      verdict: r.verdict as Verdict,
      explanation: String(r.explanation),
      signatures: JSON.parse(String(r.signatures)),
      flags: JSON.parse(String(r.flags)),
      arcStatus: r.arc_status as LeakMessageRow['arcStatus'],
      arcReason: String(r.arc_reason ?? ''),
      verifiedAsOf: ms(r.verified_as_of) ?? 0,
    }));
  }

  async documents(dumpId: string): Promise<LeakDocumentRow[]> {
    const rows = await this.rows(`SELECT * FROM leak_documents WHERE dump_id = ${lit(dumpId)} ORDER BY path`);
    return rows.map((r) => ({
      path: String(r.path),
      sha256: String(r.sha256),
      format: String(r.format),
      meta: JSON.parse(String(r.meta)),
      flags: JSON.parse(String(r.flags)),
      text: str(r.text),
      problems: JSON.parse(String(r.problems ?? '[]')),
    }));
  }

  async verdictCounts(dumpId: string): Promise<Record<Verdict, number>> {
    const out = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
    for (const r of await this.rows(
      `SELECT verdict, count(*) AS n FROM leak_messages WHERE dump_id = ${lit(dumpId)} GROUP BY 1`,
    ))
      out[r.verdict as Verdict] = num(r.n);
    return out;
  }

  async authenticTimeline(dumpId: string): Promise<{ day: string; messages: number }[]> {
    const rows = await this
      .rows(`SELECT strftime(msg_date, '%Y-%m-%d') AS day, count(*) AS n FROM leak_messages
      WHERE dump_id = ${lit(dumpId)} AND verdict = 'authentic' AND msg_date IS NOT NULL GROUP BY 1 ORDER BY 1`);
    return rows.map((r) => ({ day: String(r.day), messages: num(r.n) }));
  }

  async savePairs(dumpId: string, pairs: NearDupRow[]): Promise<void> {
    await this.tx(async () => {
      await this.conn.run(`DELETE FROM leak_pairs WHERE dump_id = ${lit(dumpId)}`);
      await this.append('leak_pairs', pairs.length, (app, i) => {
        const p = pairs[i];
        put(app, dumpId, 'v');
        put(app, p.pathA, 'v');
        put(app, p.pathB, 'v');
        put(app, p.shaA, 'v');
        put(app, p.shaB, 'v');
        put(app, p.similarity, 'd');
        put(app, JSON.stringify(p.removed), 'v');
        put(app, JSON.stringify(p.added), 'v');
      });
    });
  }

  async pairs(dumpId: string): Promise<NearDupRow[]> {
    const rows = await this.rows(
      `SELECT * FROM leak_pairs WHERE dump_id = ${lit(dumpId)} ORDER BY similarity DESC, path_a, path_b`,
    );
    return rows.map((r) => ({
      pathA: String(r.path_a),
      pathB: String(r.path_b),
      shaA: String(r.sha_a),
      shaB: String(r.sha_b),
      similarity: num(r.similarity),
      removed: JSON.parse(String(r.removed)),
      added: JSON.parse(String(r.added)),
    }));
  }
}
