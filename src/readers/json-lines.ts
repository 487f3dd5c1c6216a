/**
 * The read loop of the one-JSON-value-per-line formats (Bluesky firehose, Mastodon statuses),
 * written once so every such reader rejects bad lines with the same positions and reasons.
 */
import type { ReadRecord } from '../model/post.js';
import type { InputFile } from '../ingest/input.js';
import { excerptOf } from '../ingest/input.js';

/** What a reader makes of one parsed line: records, a reject reason, or null (nothing to read). */
export type JsonLineResult = Omit<ReadRecord, 'pos' | 'reject'> | string | null;

/**
 * Records of a JSON-lines input: the line reader's own rejects pass through, a line that is
 * not JSON is rejected with the parser's message, and `map` turns each parsed value into
 * records (a string is a reject reason for that line, null skips it).
 */
export async function* jsonLineRecords(
  input: InputFile,
  map: (value: unknown) => JsonLineResult,
): AsyncIterable<ReadRecord> {
  for await (const l of input.lines()) {
    const pos = { line: l.line, offset: l.offset };
    if (l.reject) {
      yield { pos, reject: l.reject };
      continue;
    }
    let v: unknown;
    try {
      v = JSON.parse(l.text);
    } catch (e) {
      yield {
        pos,
        reject: { reason: `malformed JSON: ${(e as Error).message}`, excerpt: excerptOf(l.text) },
      };
      continue;
    }
    const r = map(v);
    if (r === null) continue;
    if (typeof r === 'string') {
      yield { pos, reject: { reason: r, excerpt: excerptOf(l.text) } };
      continue;
    }
    yield { pos, ...r };
  }
}
