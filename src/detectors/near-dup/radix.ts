/**
 * Stable LSD radix sort of (key, value) pairs by unsigned 32-bit key, in three passes of
 * 11, 11 and 10 bits. LSH buckets are found by sorting band keys rather than by probing a
 * hash table per key: at millions of keys a hash table costs a cache miss per lookup, a
 * radix pass streams through memory.
 */

/**
 * Sort `keys[0..n)` (read as unsigned) and carry `vals` along. Equal keys keep their input
 * order. `tmpKeys` and `tmpVals` must hold `n` entries; the result is written back into
 * `keys` and `vals`.
 *
 * @example
 * const k = Int32Array.of(3, 1, 3), v = Int32Array.of(0, 1, 2);
 * radixSortPairs(k, v, 3, new Int32Array(3), new Int32Array(3)); // k = [1, 3, 3], v = [1, 0, 2]
 */
export function radixSortPairs(
  keys: Int32Array,
  vals: Int32Array,
  n: number,
  tmpKeys: Int32Array,
  tmpVals: Int32Array,
): void {
  if (tmpKeys.length < n || tmpVals.length < n || keys.length < n || vals.length < n)
    throw new RangeError('radixSortPairs: arrays shorter than n');
  const count = new Int32Array(2048);
  let srcK = keys;
  let srcV = vals;
  let dstK = tmpKeys;
  let dstV = tmpVals;
  for (const shift of [0, 11, 22]) {
    count.fill(0);
    for (let i = 0; i < n; i++) count[(srcK[i] >>> shift) & 2047]++;
    let sum = 0;
    for (let b = 0; b < 2048; b++) {
      const c = count[b];
      count[b] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const k = srcK[i];
      const p = count[(k >>> shift) & 2047]++;
      dstK[p] = k;
      dstV[p] = srcV[i];
    }
    [srcK, dstK] = [dstK, srcK];
    [srcV, dstV] = [dstV, srcV];
  }
  // Three passes leave the result in the temporaries.
  keys.set(srcK.subarray(0, n));
  vals.set(srcV.subarray(0, n));
}
