/**
 * The reader contract: one input format in, normalised records out, streaming.
 *
 * Adding a format touches one folder (`src/readers/<format>/{index.ts,index.test.ts}`) and
 * one line in `src/readers/index.ts`.
 */
import type { InputFile } from '../ingest/input.js';
import type { ReadRecord } from '../model/post.js';

/** Options a user can pass to readers (from CLI flags or a mapping YAML). */
export interface ReaderOptions {
  /** Generic CSV: column roles (see src/readers/generic-csv/README.md). */
  mapping?: Record<string, string>;
  /** Platform name to stamp on records when the format does not say. */
  platform?: string;
}

export interface Reader {
  /** Stable format name used by `--format` and stored in `sources.format`. */
  readonly format: string;
  /** One line for `vigie formats` and error messages. */
  readonly title: string;
  /**
   * How sure (0..1) this reader is that a file with this start and name is its format.
   * `head` is the first 64 KiB, decompressed, BOM removed. 0 means "not mine".
   * Auto-detection picks the single reader scoring >= 0.5 above all others.
   */
  sniff(head: string, path: string): number;
  /**
   * Yield one `ReadRecord` per input record, in file order, deterministically (resume after a
   * crash skips the first N records of the same file). Malformed records become rejects
   * with a reason; a reader throws only when the whole file is unusable.
   */
  read(input: InputFile, options: ReaderOptions): AsyncIterable<ReadRecord>;
  /**
   * Optional: the same records as `read`, in arrays (e.g. one per chunk of input). Ingest
   * prefers it: one await per record costs ~0.5 s per million records.
   */
  readBatches?(input: InputFile, options: ReaderOptions): AsyncIterable<ReadRecord[]>;
}
