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

/**
 * A small seeded PRNG (mulberry32) for tests, benches and the index's fixed random tables.
 * Deterministic for a seed; not for anything secret.
 *
 * @example const rnd = mulberry32(42); rnd() // in [0, 1)
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
