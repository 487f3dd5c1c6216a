/**
 * The statistics of the coordination detector: Poisson tails for co-action counts, the
 * conditional p-value used on pairs selected for having co-acted at least once, and the
 * Benjamini-Hochberg step-up procedure.
 *
 * @see Benjamini & Hochberg (1995), Controlling the false discovery rate, JRSS B 57(1).
 */

const LN_FACT: number[] = [0];
for (let k = 1; k <= 1024; k++) LN_FACT[k] = LN_FACT[k - 1] + Math.log(k);

/** ln(k!) for a non-negative integer k (table, then Stirling's series: error < 1e-12 above 1024). */
export function lnFactorial(k: number): number {
  if (k <= 1024) return LN_FACT[k];
  const x = k + 1;
  return (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * x) - 1 / (360 * x * x * x);
}

function logAddExp(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const m = Math.max(a, b);
  return m + Math.log(Math.exp(a - m) + Math.exp(b - m));
}

/**
 * Natural log of P(X >= c) for X ~ Poisson(lambda), accurate far into the tail (where the
 * p-value itself underflows a double).
 *
 * @example Math.exp(logPoissonTail(2, 1)) // 1 - 2/e = 0.2642...
 */
export function logPoissonTail(c: number, lambda: number): number {
  if (c <= 0) return 0;
  if (!(lambda > 0)) return -Infinity;
  const logPmf = (k: number) => -lambda + k * Math.log(lambda) - lnFactorial(k);
  if (c > lambda) {
    // Terms fall from k = c on (ratio lambda / (k + 1) < 1): sum them until negligible.
    let logSum = logPmf(c);
    let term = 0; // log of term / pmf(c)
    for (let k = c + 1; k < c + 100000; k++) {
      term += Math.log(lambda / k);
      if (term < -40) break;
      logSum = logAddExp(logSum, logPmf(c) + term);
    }
    return Math.min(0, logSum);
  }
  // c <= lambda: the tail is large; 1 - P(X <= c - 1) loses nothing that matters.
  let lower = -Infinity;
  for (let k = 0; k < c; k++) lower = logAddExp(lower, logPmf(k));
  const below = Math.exp(lower);
  return below >= 1 ? Math.log(Number.EPSILON) : Math.log1p(-below);
}

/** ln Gamma(x) for x > 0 (Lanczos, g = 7, n = 9: about 15 significant digits). */
export function lnGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const g = 7;
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  x -= 1;
  let a = c[0];
  const t = x + g + 0.5;
  for (let i = 1; i < 9; i++) a += c[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/**
 * Natural log of P(X >= c) for X negative-binomial with mean `mean` and dispersion `phi`
 * (the coefficient of variation of a gamma-distributed Poisson rate; phi = 0 is Poisson).
 *
 * Used when the null model's expected count is itself uncertain: a Poisson tail treats an
 * expected 44 and an observed 84 as a 6-sigma event, while a null that is off by a factor of
 * two for very active accounts would make it ordinary.
 *
 * @example Math.exp(logNegBinTail(2, 1, 0)) // the Poisson tail, 0.2642...
 */
export function logNegBinTail(c: number, mean: number, phi: number): number {
  if (!(phi > 0)) return logPoissonTail(c, mean);
  if (c <= 0) return 0;
  if (!(mean > 0)) return -Infinity;
  const r = 1 / (phi * phi);
  const lnP = Math.log(mean) - Math.log(mean + r); // success probability p = mean / (mean + r)
  const lnQ = Math.log(r) - Math.log(mean + r);
  const lnR = lnGamma(r);
  const logPmf = (k: number) => lnGamma(k + r) - lnR - lnFactorial(k) + r * lnQ + k * lnP;
  // The terms fall from k on once (k + r) p / (k + 1) < 1, i.e. k > (r p - 1) / (1 - p) ~ mean.
  if (c > mean + 1) {
    let logSum = logPmf(c);
    let term = 0;
    for (let k = c; k < c + 1_000_000; k++) {
      term += Math.log((k + r) / (k + 1)) + lnP;
      if (term < -40) break;
      logSum = logAddExp(logSum, logPmf(c) + term);
    }
    return Math.min(0, logSum);
  }
  let lower = -Infinity;
  for (let k = 0; k < c; k++) lower = logAddExp(lower, logPmf(k));
  const below = Math.exp(lower);
  return below >= 1 ? Math.log(Number.EPSILON) : Math.log1p(-below);
}

/** Natural log of P(X >= 1) for the same negative binomial (phi = 0: Poisson). */
function logAtLeastOne(mean: number, phi: number): number {
  if (!(phi > 0)) return mean > 1e-8 ? Math.log(-Math.expm1(-mean)) : Math.log(mean) - mean / 2;
  const r = 1 / (phi * phi);
  // 1 - (r / (mean + r))^r, without cancellation for small means.
  return Math.log(-Math.expm1(r * Math.log1p(-mean / (mean + r))));
}

/**
 * P(X >= c | X >= 1) for X ~ Poisson(lambda), or negative-binomial with dispersion `phi`, in
 * natural log.
 *
 * Pairs are only seen when they co-acted at least once, so the p-value of a seen pair is
 * conditioned on that selection: a pair with a single co-action gets p = 1, and the
 * Benjamini-Hochberg denominator is the number of pairs seen (see README, "Selection").
 *
 * @example Math.exp(logConditionalPValue(1, 0.3)) // 1
 */
export function logConditionalPValue(c: number, lambda: number, phi = 0): number {
  if (c <= 1) return 0;
  if (!(lambda > 0)) return -Infinity;
  return Math.min(0, logNegBinTail(c, lambda, phi) - logAtLeastOne(lambda, phi));
}

/**
 * Benjamini-Hochberg adjusted p-values (q-values) in natural log, for `logP` among `m`
 * hypotheses in all (those not listed have p = 1). Reject at level alpha where q <= alpha.
 *
 * @example bhLogQ([Math.log(0.01), Math.log(0.04)], 4).map(Math.exp) // [0.04, 0.08]
 */
export function bhLogQ(logP: readonly number[], m: number): number[] {
  const n = logP.length;
  if (m < n) throw new Error(`bhLogQ: m (${m}) smaller than the number of p-values (${n})`);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => logP[a] - logP[b] || a - b);
  const q = new Array<number>(n);
  let running = 0; // log 1
  const logM = Math.log(m);
  for (let r = n - 1; r >= 0; r--) {
    const i = order[r];
    running = Math.min(running, logP[i] + logM - Math.log(r + 1));
    q[i] = running;
  }
  return q;
}
