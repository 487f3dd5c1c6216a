/**
 * The co-action layers, materialised at ingest: one `actions` row per (layer, object, post),
 * derived on the servers from each insert into `posts` (`actionsSelect` in ./schema.ts, which
 * mirrors OBJECT_LAYERS of the DuckDB store element for element). The `co-text` layer's rows
 * are written by saveNearDupGroups.
 */
import { OBJECT_LAYERS } from '../duckdb/coaction.js';

/** Layer names and what their object is: the DuckDB store's list, so both backends agree. */
export const LAYERS: Record<string, { object: string; requiresNearDup: boolean }> = Object.fromEntries(
  Object.entries(OBJECT_LAYERS).map(([k, v]) => [k, { object: v.object, requiresNearDup: !!v.requires }]),
);
