import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bhLogQ,
  lnFactorial,
  lnGamma,
  logConditionalPValue,
  logNegBinTail,
  logPoissonTail,
} from './stats.js';

/** Direct sum of the Poisson point probabilities, for checking. */
function tailDirect(c: number, lambda: number): number {
  let below = 0;
  let pmf = Math.exp(-lambda);
  for (let k = 0; k < c; k++) {
    below += pmf;
    pmf *= lambda / (k + 1);
  }
  return 1 - below;
}

describe('coordination statistics', () => {
  test('lnFactorial matches the product below the table edge and Stirling above it', () => {
    assert.ok(Math.abs(lnFactorial(10) - Math.log(3628800)) < 1e-12);
    let s = 0;
    for (let k = 1; k <= 1100; k++) s += Math.log(k);
    assert.ok(Math.abs(lnFactorial(1100) - s) < 1e-8);
  });

  test('Poisson tail agrees with a direct sum where that is accurate', () => {
    for (const [c, l] of [
      [1, 0.5],
      [2, 1],
      [5, 3.2],
      [3, 10],
      [40, 30],
    ]) {
      const got = Math.exp(logPoissonTail(c, l));
      const want = tailDirect(c, l);
      assert.ok(Math.abs(got - want) / want < 1e-9, `c=${c} lambda=${l}: ${got} vs ${want}`);
    }
    assert.equal(logPoissonTail(0, 5), 0);
    assert.equal(logPoissonTail(3, 0), -Infinity);
  });

  test('far tails stay finite in log space (a 20-account ring on 15 obscure posts)', () => {
    const lp = logPoissonTail(15, 0.005);
    // log P ~ 15 ln(0.005) - ln(15!) - 0.005
    const approx = 15 * Math.log(0.005) - lnFactorial(15) - 0.005;
    assert.ok(Math.abs(lp - approx) < 1e-3);
    assert.ok(Math.exp(lp) === 0 || Math.exp(lp) < 1e-40);
  });

  test('conditional p-value: one co-action is never evidence; more is judged given at least one', () => {
    assert.equal(logConditionalPValue(1, 0.001), 0);
    const lambda = 0.3;
    const want = tailDirect(3, lambda) / tailDirect(1, lambda);
    assert.ok(Math.abs(Math.exp(logConditionalPValue(3, lambda)) - want) / want < 1e-9);
    // Tiny expectations use the series for P(X >= 1) without cancellation.
    const tiny = logConditionalPValue(2, 1e-12);
    assert.ok(Math.abs(tiny - Math.log(1e-12 / 2)) < 1e-6);
  });

  test('Benjamini-Hochberg q-values, with hypotheses not listed counted in m', () => {
    const q = bhLogQ([0.01, 0.04, 0.03, 0.5].map(Math.log), 4).map(Math.exp);
    // sorted p: .01 .03 .04 .5 -> m p / rank: .04 .06 .0533 .5 -> cumulative min from the end
    assert.deepEqual(
      q.map((x) => +x.toFixed(4)),
      [0.04, 0.0533, 0.0533, 0.5],
    );
    const q2 = bhLogQ([Math.log(0.01)], 100).map(Math.exp);
    assert.ok(Math.abs(q2[0] - 1) < 1e-12);
    assert.throws(() => bhLogQ([0, 0], 1));
  });

  test('negative-binomial tail: direct sum agreement, Poisson limit, heavier tail', () => {
    assert.ok(Math.abs(lnGamma(10) - Math.log(362880)) < 1e-10);
    assert.ok(Math.abs(lnGamma(0.5) - 0.5 * Math.log(Math.PI)) < 1e-10);
    const nbDirect = (c: number, mean: number, phi: number) => {
      const r = 1 / (phi * phi);
      const p = mean / (mean + r);
      let below = 0;
      for (let k = 0; k < c; k++)
        below += Math.exp(
          lnGamma(k + r) - lnGamma(r) - lnFactorial(k) + r * Math.log(1 - p) + k * Math.log(p),
        );
      return 1 - below;
    };
    for (const [c, m, phi] of [
      [3, 1, 0.5],
      [10, 4, 0.3],
      [2, 0.2, 1],
    ]) {
      const got = Math.exp(logNegBinTail(c, m, phi));
      assert.ok(Math.abs(got - nbDirect(c, m, phi)) / got < 1e-8, `${c} ${m} ${phi}`);
    }
    assert.equal(logNegBinTail(5, 2, 0), logPoissonTail(5, 2));
    // An expected 44 and an observed 84: a 6-sigma Poisson event, ordinary with 30 % dispersion.
    assert.ok(Math.exp(logPoissonTail(84, 44)) < 1e-7);
    assert.ok(Math.exp(logNegBinTail(84, 44, 0.3)) > 1e-3);
    // A ring: small expectation, many co-actions, still far beyond any FDR level.
    assert.ok(logConditionalPValue(15, 0.01, 0.3) < Math.log(1e-20));
  });
});
