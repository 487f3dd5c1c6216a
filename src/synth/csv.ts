/**
 * Render raw posts as a compact CSV for the generic CSV reader: one row per post and object
 * (URL, hashtag, mention), rows of one post sharing its `post_id` (merged at ingest). Text
 * is UTF-8, quoted when it holds a comma, quote or line break.
 *
 * Columns the reader recognises by name: platform, post_id, account_id, timestamp (epoch seconds),
 * object_id (the reposted post: a repost), url, hashtag, lang, text. The others (kind,
 * ref_post_id for replies and quotes, ref_account_id, mention, client) need the mapping in
 * `CSV_READER_OPTIONS`; without it replies and quotes read as originals, nothing else changes.
 */
import type { Population } from './accounts.js';
import { CLIENTS } from './lexicon.js';
import { retweetKeepsUpTo } from './twitter-v1.js';
import type { RawPost } from './raw.js';

export const CSV_HEADER =
  'platform,post_id,account_id,timestamp,kind,object_id,ref_post_id,ref_account_id,url,hashtag,mention,lang,client,text';

/** Reader options that map every column of the CSV (pass as `readerOptions` to ingest). */
export const CSV_READER_OPTIONS = {
  mapping: {
    kind: 'kind',
    ref_post_id: 'ref_post_id',
    ref_account_id: 'ref_account_id',
    mention: 'mention',
    client: 'client',
  } as Record<string, string>,
  platform: 'x',
};

function cell(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 34 || c === 44 || c === 10 || c === 13) return '"' + s.replace(/"/g, '""') + '"';
  }
  return s;
}

const CLIENT_CELLS = CLIENTS.map((c) => cell(c.name));

/**
 * CSV rows (each ending with a newline) for one post. Reposts carry the original's URLs,
 * hashtags and mentions (those their truncated text keeps, as on the platform) but no text and
 * no mention of the reposted author (`ref_account_id` has it). Rows after the first repeat
 * only what the reader requires (post, account, time).
 */
export function csvRows(pop: Population, p: RawPost): string {
  const ref = p.ref;
  const isRepost = p.kind === 'repost' && ref !== null;
  const src = isRepost ? ref : p;
  let urls = src.urls;
  let tags = src.tags;
  let ments = src.mentions;
  if (isRepost && src.text.length + 6 + pop.handle[src.acct].length > 140) {
    // As on the platform: what the retweet's truncated text cuts off is not in its entities.
    const upTo = retweetKeepsUpTo(pop.handle[src.acct], src.text);
    urls = urls.filter((u) => u.end <= upTo);
    tags = tags.filter((t) => t.end <= upTo);
    ments = ments.filter((m) => m.end <= upTo);
  }
  // Whole seconds, like the platform's created_at (the snowflake id keeps the milliseconds).
  const ids = 'x,' + p.id + ',' + pop.idStr[p.acct] + ',' + Math.floor(p.time / 1000) + ',';
  const first =
    ids +
    (isRepost
      ? 'repost,' + ref.id + ',,' + pop.idStr[ref.acct] + ','
      : ref
        ? p.kind + ',,' + ref.id + ',' + pop.idStr[ref.acct] + ','
        : 'original,,,,') +
    (urls.length > 0 ? cell(urls[0].expanded) : '') +
    ',' +
    (tags.length > 0 ? tags[0].text : '') +
    ',' +
    (ments.length > 0 ? pop.handle[ments[0].acct] : '') +
    ',' +
    p.lang +
    ',' +
    CLIENT_CELLS[p.client] +
    ',' +
    (isRepost ? '' : cell(p.text)) +
    '\n';
  const rows = Math.max(urls.length, tags.length, ments.length);
  if (rows <= 1) return first;
  let out = first;
  for (let r = 1; r < rows; r++) {
    out +=
      ids +
      ',,,,' +
      (r < urls.length ? cell(urls[r].expanded) : '') +
      ',' +
      (r < tags.length ? tags[r].text : '') +
      ',' +
      (r < ments.length ? pop.handle[ments[r].acct] : '') +
      ',,,\n';
  }
  return out;
}
