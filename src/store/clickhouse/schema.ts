/**
 * ClickHouse schema of a workspace. Sharded tables exist on every server (MergeTree, "local")
 * with a Distributed table `<name>_d` over the cluster on the first server, the one queries
 * go to. Posts, accounts and near-dup groups are routed to shards by the client (see
 * `shardOf`), never through the `_d` tables, which therefore have no sharding key: an insert
 * through them fails loudly instead of scattering rows. Co-action rows are routed by the
 * servers through `actions_route` (sharding key `cityHash64(obj)`), see `actionsView`.
 *
 * - `posts`: sharded by post key (platform:post_id), so a post's copies meet on one shard;
 *   ordered (platform, account_id, t) for per-account reads.
 * - `actions`: one row per (layer, object, post): the co-action layers materialised at
 *   ingest by the servers, sharded by OBJECT so that pair generation for an object never
 *   leaves its shard; ordered (layer, o, t), the sliding window's access path.
 * - `accounts`: profile snapshots sharded by account key; merged when read.
 * - Metadata (sources, rejects, runs, findings) lives on the first server only: it is small
 *   and needs read-after-write. Versioned rows (ReplacingMergeTree) stand in for UPDATE.
 *
 * Every DDL statement here is accepted by 18.16 and by current releases (no Nullable keys,
 * no LowCardinality, no DateTime64: times are Int64 epoch milliseconds).
 */
/** 2: co-action rows derived and routed by the servers (`origin`, `actions_route`, the view). */
export const CH_SCHEMA_VERSION = 2;

/** The columns of `actions` that are written (the hashes `o` and `a` are computed by the shard). */
const ACTION_COLUMNS = `layer String, obj String, platform String, account_id String, post_id String,
      t Int64, lang String, source_id UInt32, record_no UInt64, origin UInt8`;

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
    `CREATE TABLE IF NOT EXISTS ${db}.actions (${ACTION_COLUMNS},
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

/** Where the `actions` rows of a post insert go: routed by object over the cluster, or the table itself. */
export function actionsRoute(db: string, cluster: string | null): string {
  return cluster ? `${db}.actions_route` : `${db}.actions`;
}

/** Object-routing Distributed table over `actions`, created on EVERY server (each one derives and routes rows). */
export function actionsRouteTable(db: string, cluster: string): string {
  // Its own column list: through `AS actions` it would send the MATERIALIZED hashes, which the shards refuse.
  return `CREATE TABLE IF NOT EXISTS ${db}.actions_route (${ACTION_COLUMNS})
    ENGINE = Distributed(${cluster}, ${db}, actions, cityHash64(obj))`;
}

/**
 * The co-action layers as SQL over `posts` rows: one `actions` row per (layer, distinct
 * object, post), as OBJECT_LAYERS of the DuckDB store defines them (same objects, same
 * distinct-per-post rule, empty objects left out; `co-text` rows come from the near-dup
 * detector). Run by a materialized view on each insert into `posts`, over the inserted
 * block only, so the client sends each post once and the server fans it out: see
 * docs/scaling.md. `origin` is the server that derived the row (what a retry of that
 * server's insert must remove). Lambdas read only their own arguments: 18.16 does not
 * resolve other columns inside them everywhere.
 */
export function actionsSelect(db: string, origin: number, withHashes = false): string {
  const hashes = withHashes ? ', cityHash64(obj) AS o, cityHash64(platform, account_id) AS a' : '';
  return `SELECT e.1 AS layer,
      if(e.1 IN ('co-repost', 'co-reply', 'co-mention'), concat(platform, ':', e.2), e.2) AS obj,
      platform, account_id, post_id, t, lang, source_id, record_no, toUInt8(${origin}) AS origin${hashes}
    FROM ${db}.posts
    ARRAY JOIN arrayConcat(
      if(kind = 'repost' AND isNotNull(ref_post_id), [('co-repost', ifNull(ref_post_id, ''))], arrayFilter(x -> 0, [('', '')])),
      if(kind = 'reply' AND isNotNull(ref_post_id), [('co-reply', ifNull(ref_post_id, ''))], arrayFilter(x -> 0, [('', '')])),
      arrayMap(u -> ('co-link', u), arrayDistinct(canonical_urls)),
      arrayMap(u -> ('co-domain', u), arrayDistinct(domains)),
      arrayMap(u -> ('co-hashtag', u), arrayDistinct(hashtags)),
      if(length(arrayDistinct(hashtags)) >= 2,
         [('co-hashtag-set', arrayStringConcat(arraySort(arrayDistinct(hashtags)), ' #'))], arrayFilter(x -> 0, [('', '')])),
      arrayMap(u -> ('co-mention', u), arrayDistinct(mentions)),
      arrayMap(u -> ('co-image', u), arrayDistinct(media))
    ) AS e
    WHERE obj != ''`;
}

/** The materialized view deriving `actions` rows from each insert into `posts` on one server. */
export function actionsView(db: string, cluster: string | null, origin: number): string {
  // Straight into the local table (one server), 18.16 wants the view's block to carry the
  // MATERIALIZED hashes too (found by trying: "Expected column o"); through actions_route it
  // must not.
  return `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.posts_to_actions TO ${actionsRoute(db, cluster)} AS ${actionsSelect(db, origin, !cluster)}`;
}

/** Query settings of every insert into `posts`: the view's routed insert completes before the insert returns. */
export const POST_INSERT_SETTINGS = { insert_distributed_sync: 1 } as const;
