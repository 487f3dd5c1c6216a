/**
 * ClickHouse schema of a workspace. Sharded tables exist on every server (MergeTree, "local")
 * with a Distributed table `<name>_d` over the cluster on the first server, the one queries
 * go to. Rows are routed to shards by the client (see `shardOf`), never through the
 * Distributed tables, which therefore have no sharding key: an insert through them fails
 * loudly instead of scattering an object's rows.
 *
 * - `posts`: sharded by post key (platform:post_id), so a post's copies meet on one shard;
 *   ordered (platform, account_id, t) for per-account reads.
 * - `actions`: one row per (layer, object, post): the co-action layers materialised at
 *   ingest, sharded by OBJECT so that pair generation for an object never leaves its shard;
 *   ordered (layer, o, t), the sliding window's access path.
 * - `accounts`: profile snapshots sharded by account key; merged when read.
 * - Metadata (sources, rejects, runs, findings) lives on the first server only: it is small
 *   and needs read-after-write. Versioned rows (ReplacingMergeTree) stand in for UPDATE.
 *
 * Every DDL statement here is accepted by 18.16 and by current releases (no Nullable keys,
 * no LowCardinality, no DateTime64: times are Int64 epoch milliseconds).
 */
export const CH_SCHEMA_VERSION = 1;

export function shardedTables(db: string): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${db}.posts (
      platform String, post_id String, account_id String, t Int64,
      text Nullable(String), lang String, kind String,
      ref_post_id Nullable(String), ref_account_id Nullable(String),
      urls Array(String), canonical_urls Array(String), domains Array(String),
      hashtags Array(String), mentions Array(String), media Array(String),
      client Nullable(String), source_id UInt32, record_no UInt64
    ) ENGINE = MergeTree ORDER BY (platform, account_id, t)`,
    `CREATE TABLE IF NOT EXISTS ${db}.actions (
      layer String, obj String, platform String, account_id String, post_id String,
      t Int64, lang String, source_id UInt32, record_no UInt64,
      o UInt64 MATERIALIZED cityHash64(obj),
      a UInt64 MATERIALIZED cityHash64(platform, account_id)
    ) ENGINE = MergeTree ORDER BY (layer, o, t)`,
    `CREATE TABLE IF NOT EXISTS ${db}.accounts (
      platform String, account_id String, handle Nullable(String), display_name Nullable(String),
      created_at Nullable(Int64), followers Nullable(Int64), following Nullable(Int64),
      posts_count Nullable(Int64), description Nullable(String), verified Nullable(UInt8),
      default_profile Nullable(UInt8), default_avatar Nullable(UInt8), snapshot_at Nullable(Int64),
      source_id UInt32, record_no UInt64
    ) ENGINE = MergeTree ORDER BY (platform, account_id)`,
    `CREATE TABLE IF NOT EXISTS ${db}.near_dup_groups (
      platform String, post_id String, group_id Int64, similarity Float32
    ) ENGINE = MergeTree ORDER BY (group_id, platform, post_id)`,
  ];
}

export const SHARDED = ['posts', 'actions', 'accounts', 'near_dup_groups'];

export function metadataTables(db: string): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${db}.schema_version (version UInt32, description String, applied_at Int64)
      ENGINE = MergeTree ORDER BY version`,
    `CREATE TABLE IF NOT EXISTS ${db}.sources (
      source_id UInt32, path String, size UInt64, sha256 String, format String,
      compression Nullable(String), options String, ingested_at Int64, finished_at Nullable(Int64),
      status String, records_done UInt64, accepted Int64, rejected Int64, duplicates Int64,
      error Nullable(String), version UInt64
    ) ENGINE = ReplacingMergeTree(version) ORDER BY source_id`,
    `CREATE TABLE IF NOT EXISTS ${db}.rejects (
      source_id UInt32, record_no UInt64, line Nullable(Int64), byte_offset Nullable(Int64),
      reason String, excerpt String
    ) ENGINE = MergeTree ORDER BY (source_id, record_no)`,
    `CREATE TABLE IF NOT EXISTS ${db}.runs (
      run_id String, command String, parameters String, vigie_version String,
      started_at Int64, finished_at Nullable(Int64), version UInt64
    ) ENGINE = ReplacingMergeTree(version) ORDER BY run_id`,
    `CREATE TABLE IF NOT EXISTS ${db}.findings (
      finding_id String, detector String, kind String, channel String, severity String,
      confidence Float64, body String, deleted UInt8, version UInt64
    ) ENGINE = ReplacingMergeTree(version) ORDER BY finding_id`,
  ];
}
