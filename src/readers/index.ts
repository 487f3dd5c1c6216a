/**
 * The reader registry and format detection. Built-in readers register here, the same way
 * a plugin would (one entry each).
 */
import type { Reader } from './types.js';
import type { InputFile } from '../ingest/input.js';
import { VigieError } from '../util/errors.js';
import { genericCsvReader } from './generic-csv/index.js';
import { telegramReader } from './telegram/index.js';
import { blueskyJetstreamReader } from './bluesky/index.js';
import { mastodonReader } from './mastodon/index.js';
import { twibot20Reader, twitterV1Reader } from './twitter-v1/index.js';
import { twitterV2Reader } from './twitter-v2/index.js';
import { xIoArchiveReader } from './x-io-archive/index.js';

export const READERS: Reader[] = [
  genericCsvReader,
  telegramReader,
  blueskyJetstreamReader,
  mastodonReader,
  twitterV1Reader,
  twibot20Reader,
  twitterV2Reader,
  xIoArchiveReader,
];

export function readerFor(format: string): Reader {
  const r = READERS.find((x) => x.format === format);
  if (!r)
    throw new VigieError(
      'ERR_UNKNOWN_FORMAT',
      `unknown format "${format}"; supported formats: ${READERS.map((x) => x.format).join(', ')}`,
    );
  return r;
}

function supportedList(): string {
  return READERS.map((r) => `  ${r.format.padEnd(16)} ${r.title}`).join('\n');
}

/**
 * Pick the reader for a file from its first 64 KiB and its name. Exactly one reader must be
 * confident (score >= 0.5) and ahead of the others; otherwise a clear error lists the formats.
 */
export async function detectFormat(input: InputFile): Promise<Reader> {
  const head = await input.head();
  if (head.trim() === '') {
    throw new VigieError('ERR_UNKNOWN_FORMAT', `${input.path}: file is empty; nothing to ingest`);
  }
  const scored = READERS.map((r) => ({ r, s: r.sniff(head, input.path) }))
    .filter((x) => x.s > 0)
    .sort((a, b) => b.s - a.s);
  if (scored.length === 0 || scored[0].s < 0.5) {
    throw new VigieError(
      'ERR_UNKNOWN_FORMAT',
      `${input.path}: cannot tell the format from its first bytes. Pass --format with one of:\n${supportedList()}`,
    );
  }
  if (scored.length > 1 && scored[1].s === scored[0].s) {
    throw new VigieError(
      'ERR_AMBIGUOUS_FORMAT',
      `${input.path}: could be ${scored[0].r.format} or ${scored[1].r.format}. Pass --format with one of:\n${supportedList()}`,
    );
  }
  return scored[0].r;
}
