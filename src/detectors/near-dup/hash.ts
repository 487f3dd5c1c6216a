/**
 * 32-bit hashing on `Math.imul`, written here because the near-duplicate index spends much
 * of its time in it: a library call per shingle would cost more than the work itself.
 *
 * @see Austin Appleby, MurmurHash3 (public domain): `fmix32` is its finaliser, a bijection on
 * 32-bit integers with full avalanche.
 */

/** MurmurHash3's 32-bit finaliser: a bijective mix, every input bit flips half the output bits. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
