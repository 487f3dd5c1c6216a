/**
 * Twitter-shaped identifiers. Post ids are snowflakes (41 bits of milliseconds since the
 * Twitter epoch, 22 low bits of machine and sequence), larger than 2^53: they are built as
 * decimal strings with two exact limbs so no precision is lost.
 */

/** Twitter's snowflake epoch (2010-11-04T01:42:54.657Z). */
export const TWITTER_EPOCH = 1288834974657;

const LIMB = 10_000_000;

function pad7(n: number): string {
  const s = '' + n;
  return s.length === 7 ? s : '0000000'.slice(s.length) + s;
}

/**
 * Decimal string of `(ms - TWITTER_EPOCH) * 2^22 + low`, with `0 <= low < 2^22`. Every
 * intermediate stays a small integer, whose conversion to text is V8's fast path.
 */
export function snowflake(ms: number, low: number): string {
  const a = Math.max(0, Math.floor(ms) - TWITTER_EPOCH);
  const ah = Math.floor(a / LIMB);
  const al = a - ah * LIMB;
  // a * 2^22 + low = (ah * 2^22) * 10^7 + (al * 2^22 + low), split again into 10^7 limbs.
  const x0 = al * 4194304 + low;
  const q0 = Math.floor(x0 / LIMB);
  const l0 = x0 - q0 * LIMB;
  const x1 = ah * 4194304 + q0;
  const l2 = Math.floor(x1 / LIMB);
  const l1 = x1 - l2 * LIMB;
  if (l2 > 0) return l2 + pad7(l1) + pad7(l0);
  if (l1 > 0) return l1 + pad7(l0);
  return '' + l0;
}

/** Milliseconds encoded in a snowflake id string (for tests and sanity checks). */
export function snowflakeTime(id: string): number {
  return Number(BigInt(id) >> 22n) + TWITTER_EPOCH;
}

const B62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A t.co-style short path of `n` (at most 10) base-62 characters from two 32-bit words. */
export function base62(a: number, b: number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) {
    const v = (i < 5 ? a >>> (i * 6) : b >>> ((i - 5) * 6)) & 0x3f;
    s += B62[v % 62];
  }
  return s;
}
