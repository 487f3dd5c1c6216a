/**
 * X/Twitter API v1.1 tweets (`x-v1`): one tweet object per line (what the streaming API,
 * twarc 1 and most v1.1 collectors write), or one JSON array of tweets.
 *
 * Decisions (see README.md beside this file):
 * - Kind: a retweet (`retweeted_status`) is a `repost`, else a quote (`quoted_status` or
 *   `quoted_status_id_str`) is a `quote`, else `in_reply_to_status_id_str` makes a `reply`.
 *   A quote that is also a reply counts as a quote (the model holds one kind).
 * - A retweet keeps its own text ("RT @x: ...", possibly truncated) and its own entities, as
 *   the API gives them; the original's content is reachable through `refPostId`.
 * - Embedded originals (retweeted and quoted statuses) yield their authors as Accounts, not
 *   Posts: a collection's sample is the tweets it matched, and the originals are not.
 * - Streaming notices (`delete`, `limit`, `scrub_geo`, `status_withheld`, `user_withheld`,
 *   `disconnect`, `warning`...) are not tweets and not errors: each yields an empty record
 *   (no post, no reject), so they count in `records` but in neither `accepted` nor `rejected`.
 * - Malformed JSON, JSON that is not an object, and objects without `id_str`, a `user` with
 *   `id_str`, or a readable `created_at` are rejects with the reason.
 */
import type { Reader, ReaderOptions } from '../types.js';
import type { ReadRecord } from '../../model/post.js';
import type { InputFile } from '../../ingest/input.js';
import { jsonArrayEvents } from '../../ingest/json-array.js';
import { v1FromValue, v1Record } from './tweet.js';

export {
  isV1Notice,
  parseV1Tweet,
  v1Account,
  v1FromValue,
  v1Record,
  v1Time,
  type V1Parsed,
} from './tweet.js';
export { twibot20Reader, twibot20Users } from './twibot20.js';

/** First non-blank character of a head, or ''. */
export function firstChar(head: string): string {
  const m = /\S/.exec(head);
  return m ? m[0] : '';
}

/** The first line of `head` that is not blank. */
export function firstLine(head: string): string {
  for (const l of head.split('\n', 20)) if (l.trim() !== '') return l.trim();
  return '';
}

export const twitterV1Reader: Reader = {
  format: 'x-v1',
  title: 'X/Twitter API v1.1 tweets, one JSON object per line (or a JSON array of tweets)',
  sniff(head) {
    const c = firstChar(head);
    if (c !== '{' && c !== '[') return 0;
    // v2 never has `id_str`; TwiBot-20 and other user dumps carry tweets under a profile.
    if (c === '[' && /"profile"\s*:/.test(head.slice(0, 4096))) return 0;
    const l = c === '{' ? firstLine(head) : head.slice(0, 16384);
    if (/^\{\s*"(delete|limit|scrub_geo|status_withheld|user_withheld)"\s*:/.test(l)) return 0.9;
    const idStr = l.includes('"id_str"');
    const user = /"user"\s*:\s*\{/.test(l);
    const created = /"created_at"\s*:\s*"[A-Z][a-z]{2} [A-Z][a-z]{2} \d\d /.test(l);
    if (idStr && user && created) return 0.95;
    if (idStr && user) return 0.8;
    return 0;
  },
  async *read(input: InputFile, _options: ReaderOptions): AsyncIterable<ReadRecord> {
    const head = await input.head(4096);
    if (firstChar(head) === '[') {
      for await (const ev of jsonArrayEvents(input, { key: null })) {
        if (ev.type === 'element') yield v1FromValue(ev.value, { line: ev.line, offset: ev.offset });
        else if (ev.type === 'reject')
          yield {
            pos: { line: ev.line, offset: ev.offset },
            reject: { reason: ev.reason, excerpt: ev.excerpt },
          };
      }
      return;
    }
    for await (const item of input.lines()) yield v1Record(item);
  },
};
