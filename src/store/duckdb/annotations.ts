/**
 * DuckDB implementation of the annotation store (see src/store/annotations.ts). Every value
 * written comes from an analyst over HTTP: bound as parameters, never spliced into SQL.
 */
import {
  DuckDBTimestampValue,
  LIST,
  TIMESTAMP,
  VARCHAR,
  listValue,
  type DuckDBConnection,
} from '@duckdb/node-api';
import type { Annotation, AnnotationStatus, AnnotationStore } from '../annotations.js';

/** Migration 8 (appended to MIGRATIONS in src/store/schema.ts). */
export const ANNOTATIONS_SCHEMA_SQL: string[] = [
  `CREATE SEQUENCE IF NOT EXISTS annotation_id_seq START 1`,
  `CREATE TABLE annotations (
    annotation_id BIGINT PRIMARY KEY DEFAULT nextval('annotation_id_seq'),
    finding_id VARCHAR NOT NULL,
    status VARCHAR NOT NULL CHECK (status IN ('confirmed', 'dismissed', 'note')),
    note VARCHAR NOT NULL,
    author VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL
  )`,
];

export function toAnnotation(r: Record<string, unknown>): Annotation {
  return {
    id: Number(r.annotation_id),
    findingId: String(r.finding_id),
    status: String(r.status) as AnnotationStatus,
    note: String(r.note ?? ''),
    author: String(r.author),
    createdAt: new Date(Number(r.created_ms)).toISOString(),
  };
}

/** Columns selected wherever annotations are read (the time as epoch ms: no zone ambiguity). */
export const ANNOTATION_COLS = `annotation_id, finding_id, status, note, author, epoch_ms(created_at) AS created_ms`;

export class DuckDBAnnotationStore implements AnnotationStore {
  constructor(private readonly conn: DuckDBConnection) {}

  async add(a: {
    findingId: string;
    status: AnnotationStatus;
    note: string;
    author: string;
  }): Promise<Annotation> {
    const r = await this.conn.runAndReadAll(
      `INSERT INTO annotations (finding_id, status, note, author, created_at)
       VALUES ($1, $2, $3, $4, $5) RETURNING ${ANNOTATION_COLS}`,
      // The time comes from the clock here, not the engine's now(): its TIMESTAMP cast uses
      // the session time zone, and annotation times must be UTC.
      [a.findingId, a.status, a.note, a.author, new DuckDBTimestampValue(BigInt(Date.now()) * 1000n)],
      [VARCHAR, VARCHAR, VARCHAR, VARCHAR, TIMESTAMP],
    );
    return toAnnotation(r.getRowObjectsJS()[0] as Record<string, unknown>);
  }

  async forFinding(findingId: string): Promise<Annotation[]> {
    const r = await this.conn.runAndReadAll(
      `SELECT ${ANNOTATION_COLS} FROM annotations WHERE finding_id = $1 ORDER BY annotation_id`,
      [findingId],
    );
    return (r.getRowObjectsJS() as Record<string, unknown>[]).map(toAnnotation);
  }

  async latest(findingIds: string[]): Promise<Map<string, Annotation>> {
    const out = new Map<string, Annotation>();
    if (findingIds.length === 0) return out;
    const r = await this.conn.runAndReadAll(
      `SELECT ${ANNOTATION_COLS} FROM annotations WHERE list_contains($1, finding_id)
       QUALIFY row_number() OVER (PARTITION BY finding_id ORDER BY annotation_id DESC) = 1`,
      [listValue(findingIds)],
      [LIST(VARCHAR)],
    );
    for (const row of r.getRowObjectsJS() as Record<string, unknown>[]) {
      const a = toAnnotation(row);
      out.set(a.findingId, a);
    }
    return out;
  }
}
