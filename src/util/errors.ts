/**
 * A few typed errors with stable codes. Tests check `code`, never the wording.
 *
 * @see graphology src/graphology/src/errors.js for the habit.
 */
export type VigieErrorCode =
  | 'ERR_UNKNOWN_FORMAT'
  | 'ERR_AMBIGUOUS_FORMAT'
  | 'ERR_INPUT'
  | 'ERR_DECOMPRESSION_LIMIT'
  | 'ERR_BAD_MAPPING'
  | 'ERR_STORE'
  | 'ERR_UNSUPPORTED_BACKEND'
  | 'ERR_SCHEMA_VERSION'
  | 'ERR_USAGE'
  | 'ERR_NOT_FOUND';

export class VigieError extends Error {
  readonly code: VigieErrorCode;
  constructor(code: VigieErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VigieError';
    this.code = code;
  }
}

export function isVigieError(e: unknown, code?: VigieErrorCode): e is VigieError {
  return e instanceof VigieError && (code === undefined || e.code === code);
}
