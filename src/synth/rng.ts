/**
 * Seeded randomness for the synthetic generator: xoshiro128** (Blackman & Vigna 2018) seeded
 * through splitmix32, plus the samplers the generator needs (normal, lognormal, Pareto,
 * Walker alias tables for O(1) weighted choice).
 *
 * Written here rather than taken from npm because the generator must give the same bytes for
 * the same seed forever: a dependency upgrade that changes a sampler would silently change
 * every benchmark fixture.
 *
 * @see https://prng.di.unimi.it/ (xoshiro128**)
 */

/** splitmix32 step: a good 32-bit mixer, used to expand seeds and hash (seed, index) pairs. */
export function mix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** Hash of a few integers (each taken modulo 2^32, plus the high part for larger ones). */
export function hash32(...xs: number[]): number {
  let h = 0x2545f491;
  for (const x of xs) {
    h = mix32(h ^ (x >>> 0));
    if (x > 0xffffffff || x < 0) h = mix32(h ^ Math.floor(x / 4294967296));
  }
  return h;
}

/** Hash of two 32-bit integers (the hot-path form of `hash32`, without an argument array). */
export function hash2(a: number, b: number): number {
  let h = mix32(0x2545f491 ^ (a >>> 0));
  if (a > 0xffffffff || a < 0) h = mix32(h ^ Math.floor(a / 4294967296));
  h = mix32(h ^ (b >>> 0));
  if (b > 0xffffffff || b < 0) h = mix32(h ^ Math.floor(b / 4294967296));
  return h;
}

/** Fast seeded PRNG (xoshiro128**). Not for cryptography. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare = NaN;

  constructor(seed: number, stream = 0) {
    let s = hash2(seed, stream);
    this.a = s = mix32(s);
    this.b = s = mix32(s);
    this.c = s = mix32(s);
    this.d = mix32(s) | 1; // the all-zero state is the one state xoshiro cannot leave
  }

  /** Re-seed in place (cheaper than a new object in hot loops). */
  reseed(seed: number, stream: number): this {
    let s = hash2(seed, stream);
    this.a = s = mix32(s);
    this.b = s = mix32(s);
    this.c = s = mix32(s);
    this.d = mix32(s) | 1;
    this.spare = NaN;
    return this;
  }

  /** Next 32-bit unsigned integer. */
  u32(): number {
    const r = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return r;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.u32() / 4294967296;
  }

  /** Uniform in (0, 1]: safe under log(). */
  floatPos(): number {
    return (this.u32() + 1) / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** Integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.float() * xs.length)];
  }

  /** Standard normal (Box-Muller, the second value kept for the next call). */
  normal(): number {
    if (this.spare === this.spare) {
      const s = this.spare;
      this.spare = NaN;
      return s;
    }
    const r = Math.sqrt(-2 * Math.log(this.floatPos()));
    const th = 2 * Math.PI * this.float();
    this.spare = r * Math.sin(th);
    return r * Math.cos(th);
  }

  /** Lognormal with the given median and log-scale sigma. */
  lognormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /** Exponential with mean 1. */
  exp(): number {
    return -Math.log(this.floatPos());
  }

  /** Pareto (type I) with minimum `xm` and tail index `alpha`. */
  pareto(xm: number, alpha: number): number {
    return xm * Math.pow(this.floatPos(), -1 / alpha);
  }

  /** Fisher-Yates shuffle in place. */
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = Math.floor(this.float() * (i + 1));
      const t = xs[i];
      xs[i] = xs[j];
      xs[j] = t;
    }
    return xs;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * Walker's alias table: O(n) to build, O(1) per weighted draw. Used for account activity,
 * Zipf ranks and every fixed categorical distribution.
 *
 * @see Vose, "A linear algorithm for generating random numbers with a given distribution" (1991)
 */
export class Alias {
  readonly n: number;
  private readonly prob: Float64Array;
  private readonly alias: Int32Array;

  constructor(weights: ArrayLike<number>) {
    const n = weights.length;
    if (n === 0) throw new Error('Alias: no weights');
    this.n = n;
    this.prob = new Float64Array(n);
    this.alias = new Int32Array(n);
    let sum = 0;
    for (let i = 0; i < n; i++) sum += weights[i];
    if (!(sum > 0)) throw new Error('Alias: weights sum to zero');
    const scaled = new Float64Array(n);
    const small = new Int32Array(n);
    const large = new Int32Array(n);
    let ns = 0;
    let nl = 0;
    for (let i = 0; i < n; i++) {
      scaled[i] = (weights[i] * n) / sum;
      if (scaled[i] < 1) small[ns++] = i;
      else large[nl++] = i;
    }
    while (ns > 0 && nl > 0) {
      const s = small[--ns];
      const l = large[--nl];
      this.prob[s] = scaled[s];
      this.alias[s] = l;
      scaled[l] = scaled[l] + scaled[s] - 1;
      if (scaled[l] < 1) small[ns++] = l;
      else large[nl++] = l;
    }
    while (nl > 0) this.prob[large[--nl]] = 1;
    while (ns > 0) this.prob[small[--ns]] = 1; // rounding leftovers
  }

  /** One draw: an index in [0, n). */
  draw(rng: Rng): number {
    return this.drawU(rng.float());
  }

  /** The draw for a given uniform `u` in [0, 1): lets a hash stand in for a generator. */
  drawU(u: number): number {
    const x = u * this.n;
    const i = Math.floor(x);
    return x - i < this.prob[i] ? i : this.alias[i];
  }
}

/** Zipf weights 1/(rank+1)^s for ranks 0..n-1. */
export function zipfWeights(n: number, s: number): Float64Array {
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = 1 / Math.pow(i + 1, s);
  return w;
}

/** A categorical distribution over items, drawn in O(1). */
export class Weighted<T> {
  private readonly table: Alias;
  constructor(
    readonly items: readonly T[],
    weights: ArrayLike<number>,
  ) {
    this.table = new Alias(weights);
  }
  draw(rng: Rng): T {
    return this.items[this.table.draw(rng)];
  }
  /** Items weighted by Zipf rank (first item most frequent). */
  static zipf<T>(items: readonly T[], s: number): Weighted<T> {
    return new Weighted(items, zipfWeights(items.length, s));
  }
}
