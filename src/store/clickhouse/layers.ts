/**
 * The co-action layers, materialised at ingest: one `actions` row per (layer, object, post).
 * Mirrors OBJECT_LAYERS of the DuckDB store (src/store/duckdb/coaction.ts) element for
 * element: same objects, same distinct-per-post rule, same empty-object exclusion. The
 * `co-text` layer's rows are written by saveNearDupGroups.
 */
import type { Post } from '../../model/post.js';
import { OBJECT_LAYERS } from '../duckdb/coaction.js';
import { byteCompare } from './connection.js';

export interface ActionRow {
  layer: string;
  obj: string;
  platform: string;
  account_id: string;
  post_id: string;
  t: number;
  lang: string;
}

/** Layer names and what their object is: the DuckDB store's list, so both backends agree. */
export const LAYERS: Record<string, { object: string; requiresNearDup: boolean }> = Object.fromEntries(
  Object.entries(OBJECT_LAYERS).map(([k, v]) => [k, { object: v.object, requiresNearDup: !!v.requires }]),
);

function distinct(xs: string[]): string[] {
  return [...new Set(xs.filter((x) => x !== null && x !== undefined))];
}

export function actionsOf(p: Post): ActionRow[] {
  const out: ActionRow[] = [];
  const base = {
    platform: p.platform,
    account_id: p.accountId,
    post_id: p.postId,
    t: Math.round(p.time),
    lang: p.lang,
  };
  const add = (layer: string, obj: string) => {
    if (obj !== '') out.push({ layer, obj, ...base });
  };
  if (p.refPostId !== null && p.kind === 'repost') add('co-repost', `${p.platform}:${p.refPostId}`);
  if (p.refPostId !== null && p.kind === 'reply') add('co-reply', `${p.platform}:${p.refPostId}`);
  for (const u of distinct(p.canonicalUrls)) add('co-link', u);
  for (const d of distinct(p.domains)) add('co-domain', d);
  const tags = distinct(p.hashtags);
  for (const h of tags) add('co-hashtag', h);
  if (tags.length >= 2) add('co-hashtag-set', [...tags].sort(byteCompare).join(' #'));
  for (const m of distinct(p.mentions)) add('co-mention', `${p.platform}:${m}`);
  for (const m of distinct(p.media)) add('co-image', m);
  return out;
}
