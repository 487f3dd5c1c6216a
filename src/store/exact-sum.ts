/**
 * Floating-point sums that do not depend on how the engine (DuckDB, ClickHouse) splits rows among
 * threads.
 *
 * Double addition is not associative. A parallel aggregate combines per-thread partial sums in
 * whatever order the threads finish, so the last bits of a `sum` over doubles can change from
 * one run to the next, and with them a p-value, a q-value and the digest of the findings (a
 * reproducibility test caught this in CI: one expected count ended in ...562 on one run and
 * ...563 on the next). A finding published as evidence must come out byte-identical when the
 * analysis is re-run, so sums over doubles go through fixed point: each term is cast to
 * DECIMAL(38, 20) and the engine adds those as 128-bit integers, which is exact and so independent
 * of order. The cost is rounding each term to 1e-20 (absolute), far below the precision any
 * statistic here is reported at.
 *
 * Callers keep |term| and |sum| below 1e17 (DuckDB raises an error beyond 1e18; ClickHouse's
 * Decimal128 sum is not overflow-checked, so the bound is what keeps it exact there). Absolute
 * rounding leaves fewer significant digits on tiny terms: about 5 on a term of 1e-15.
 */
export function exactSum(term: string): string {
  return `CAST(sum(CAST(${term} AS DECIMAL(38, 20))) AS DOUBLE)`;
}

/** {@link exactSum} in ClickHouse's dialect (Decimal128 with scale 20). */
export function chExactSum(term: string): string {
  return `toFloat64(sum(toDecimal128(${term}, 20)))`;
}
