/**
 * The one small seeded PRNG for demos, fixtures, tests and fixed random tables. The
 * synthetic generator keeps its own (src/synth/rng.ts) for its samplers and stream split.
 */

/**
 * mulberry32 (Tommy Ettinger): a tiny 32-bit seeded PRNG, same seed, same sequence forever.
 * Golden outputs and fixed-seed fixtures depend on that sequence, so do not change the
 * arithmetic. Not for anything secret.
 *
 * @example const rnd = mulberry32(42); rnd() // in [0, 1)
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
