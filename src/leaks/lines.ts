/**
 * Byte-line splitting shared by the mbox splitter and the MIME walker: both take a message
 * stream in arbitrary chunks and must see it line by line, without letting one endless line
 * (an adversary's, or a binary blob) grow memory without bound.
 */

/**
 * Hand every LF-terminated line of `carry` + `chunk` to `onLine` (with its LF, `complete`
 * true) and return the unterminated tail to carry into the next call. A tail longer than
 * `maxLine` is handed over at once with `complete` false instead of being kept.
 */
export function splitLines(
  carry: Buffer | null,
  chunk: Buffer,
  maxLine: number,
  onLine: (line: Buffer, complete: boolean) => void,
): Buffer | null {
  const buf = carry ? Buffer.concat([carry, chunk]) : chunk;
  let start = 0;
  for (;;) {
    const nl = buf.indexOf(10, start);
    if (nl < 0) break;
    onLine(buf.subarray(start, nl + 1), true);
    start = nl + 1;
  }
  if (start < buf.length) {
    const rest = buf.subarray(start);
    if (rest.length > maxLine) onLine(rest, false);
    else return Buffer.from(rest);
  }
  return null;
}
