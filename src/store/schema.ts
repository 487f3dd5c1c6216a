/**
 * The workspace schema, as numbered migrations. A workspace records its version in
 * `schema_version`; opening an older workspace applies the missing migrations in order,
 * opening a newer one is refused (ERR_SCHEMA_VERSION) rather than risk corrupting it.
 *
 * SQL lives here and in `src/store/duckdb/` only.
 */
import { LEAKS_SCHEMA_SQL } from './duckdb/leaks.js';
import { ATTACKS_SCHEMA_SQL } from './duckdb/attacks.js';
import { REGISTRY_SCHEMA_SQL } from './duckdb/registry.js';
import { NARRATIVES_SCHEMA_SQL } from './duckdb/narratives.js';
import { SIGNALS_SCHEMA_SQL } from './duckdb/signals.js';
import { ANNOTATIONS_SCHEMA_SQL } from './duckdb/annotations.js';
import { OVERVIEW_SCHEMA_SQL } from './duckdb/views.js';

export interface Migration {
  version: number;
  description: string;
  sql: string[];
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    description: 'sources, posts, accounts, rejects, findings, evidence, runs',
    sql: [
      `CREATE SEQUENCE IF NOT EXISTS source_id_seq START 1`,
      `CREATE TABLE sources (
        source_id INTEGER PRIMARY KEY DEFAULT nextval('source_id_seq'),
        path VARCHAR NOT NULL,
        size BIGINT NOT NULL,
        sha256 VARCHAR NOT NULL UNIQUE,
        format VARCHAR NOT NULL,
        compression VARCHAR,
        options JSON,
        ingested_at TIMESTAMP NOT NULL,
        finished_at TIMESTAMP,
        status VARCHAR NOT NULL,          -- running | done | failed
        records_done BIGINT NOT NULL DEFAULT 0,
        accepted BIGINT NOT NULL DEFAULT 0,
        rejected BIGINT NOT NULL DEFAULT 0,
        duplicates BIGINT NOT NULL DEFAULT 0,
        error VARCHAR
      )`,
      `CREATE TABLE posts (
        platform VARCHAR NOT NULL,
        post_id VARCHAR NOT NULL,
        account_id VARCHAR NOT NULL,
        created_at TIMESTAMP NOT NULL,
        text VARCHAR,
        lang VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        ref_post_id VARCHAR,
        ref_account_id VARCHAR,
        urls VARCHAR[],
        canonical_urls VARCHAR[],
        domains VARCHAR[],
        hashtags VARCHAR[],
        mentions VARCHAR[],
        media VARCHAR[],
        client VARCHAR,
        source_id INTEGER NOT NULL,
        record_no BIGINT NOT NULL
      )`,
      `CREATE TABLE accounts (
        platform VARCHAR NOT NULL,
        account_id VARCHAR NOT NULL,
        handle VARCHAR,
        display_name VARCHAR,
        created_at TIMESTAMP,
        followers BIGINT,
        following BIGINT,
        posts_count BIGINT,
        description VARCHAR,
        verified BOOLEAN,
        default_profile BOOLEAN,
        default_avatar BOOLEAN,
        snapshot_at TIMESTAMP,
        first_seen TIMESTAMP,
        last_seen TIMESTAMP,
        PRIMARY KEY (platform, account_id)
      )`,
      `CREATE TABLE rejects (
        source_id INTEGER NOT NULL,
        record_no BIGINT NOT NULL,
        line BIGINT,
        byte_offset BIGINT,
        reason VARCHAR NOT NULL,
        excerpt VARCHAR
      )`,
      `CREATE TABLE runs (
        run_id VARCHAR PRIMARY KEY,
        command VARCHAR NOT NULL,
        parameters JSON,
        vigie_version VARCHAR NOT NULL,
        started_at TIMESTAMP NOT NULL,
        finished_at TIMESTAMP
      )`,
      `CREATE TABLE findings (
        finding_id VARCHAR PRIMARY KEY,
        run_id VARCHAR,
        kind VARCHAR NOT NULL,
        channel VARCHAR NOT NULL,
        title VARCHAR NOT NULL,
        summary VARCHAR NOT NULL,
        severity VARCHAR NOT NULL,
        confidence DOUBLE NOT NULL,
        confidence_method VARCHAR NOT NULL,
        detector VARCHAR NOT NULL,
        detector_version VARCHAR NOT NULL,
        parameters JSON,
        techniques VARCHAR[],
        caveats VARCHAR[],
        details JSON,
        created_at TIMESTAMP NOT NULL
      )`,
      `CREATE TABLE finding_evidence (
        finding_id VARCHAR NOT NULL,
        ord INTEGER NOT NULL,
        tbl VARCHAR NOT NULL,
        key VARCHAR NOT NULL,
        content_hash VARCHAR,
        role VARCHAR,
        note VARCHAR
      )`,
    ],
  },
  {
    version: 2,
    description: 'hack-and-leak: dumps, files, messages, documents, DKIM keys, decoys',
    sql: LEAKS_SCHEMA_SQL,
  },
  {
    version: 3,
    description: 'infrastructure attacks: alerts, evidence lines, daily counts',
    sql: ATTACKS_SCHEMA_SQL,
  },
  {
    version: 4,
    description: 'near-duplicate text groups (src/detectors/near-dup/)',
    sql: [
      `CREATE TABLE near_dup_groups (
        platform VARCHAR NOT NULL,
        post_id VARCHAR NOT NULL,
        group_id BIGINT NOT NULL,
        similarity FLOAT NOT NULL   -- highest verified Jaccard with another text of the group
      )`,
    ],
  },
  {
    version: 5,
    description: 'account signals: features, scores and contributions (src/signals/)',
    sql: SIGNALS_SCHEMA_SQL,
  },
  {
    version: 6,
    description: 'state-media registry and news look-alike matches of linked hosts (src/registry/)',
    sql: REGISTRY_SCHEMA_SQL,
  },
  {
    version: 7,
    description: 'narratives: definitions and the posts they match (src/narratives/)',
    sql: NARRATIVES_SCHEMA_SQL,
  },
  {
    version: 8,
    description: 'analyst annotations of findings; overview summary tables (src/server/)',
    sql: [...ANNOTATIONS_SCHEMA_SQL, ...OVERVIEW_SCHEMA_SQL],
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;
