import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 } from '../../util/rng.js';
import { syntheticPosts } from '../../../bench/near-dup/synthetic.js';
import { NearDupIndex, runClose } from './NearDupIndex.js';
import { MAP_WORDS, TextHasher } from './TextHasher.js';
import {
  addCloseStats,
  emptyCloseStats,
  pairOffsets,
  sharedBound,
  splitEntries,
  splitTexts,
  verifyPairs,
  walkBuckets,
  type CloseJob,
} from './close.js';

/** A 512-bit shingle map built the way TextHasher builds it. */
function map(set: Int32Array): Int32Array {
  const m = new Int32Array(MAP_WORDS);
  for (const s of set) m[(s >>> 5) & 15] |= 1 << (s & 31);
  return m;
}

describe('segment close', () => {
  test('the shingle-map bound never falls below the true number of shared shingles', () => {
    const rnd = mulberry32(7);
    const int = () => (rnd() * 4294967296) | 0;
    let tight = 0;
    let small = 0;
    for (let trial = 0; trial < 3000; trial++) {
      // Sets of 5 to 400 hashes sharing a random part: small sets keep the bound tight, large ones fill the map.
      const na = 5 + Math.floor(rnd() * 400);
      const shared = Math.floor(rnd() * na);
      const nb = shared + Math.floor(rnd() * 400);
      const common = Array.from({ length: shared }, int);
      const a = Int32Array.from(new Set([...common, ...Array.from({ length: na - shared }, int)]));
      const bSet = new Set(common);
      while (bSet.size < nb) bSet.add(int());
      const b = Int32Array.from(bSet);
      const inter = common.filter((x) => a.includes(x) && bSet.has(x)).length;
      const bound = sharedBound(map(a), 0, map(b), 0, a.length, b.length);
      assert.ok(
        bound >= inter,
        `trial ${trial}: bound ${bound} < ${inter} shared (|A| ${a.length}, |B| ${b.length})`,
      );
      if (a.length <= 100 && b.length <= 100) {
        small++;
        if (bound - inter <= 0.25 * (a.length + b.length - 2 * inter)) tight++;
      }
    }
    // On tweet-sized sets most of the symmetric difference is seen by the maps.
    assert.ok(tight >= 0.9 * small, `${tight} tight bounds of ${small}`);
  });

  test('the hasher stores each shingle once and its map matches its shingles', () => {
    const h = new TextHasher({
      bands: 8,
      rows: 5,
      minChars: 20,
      maxChars: 2000,
      foldHomoglyphs: true,
      seed: 3,
    });
    assert.ok(h.hash('abcdefabcdefabcdefabcdef and then abcdefabcdef again, abcdefabcdef'));
    const s = h.shingles.subarray(0, h.count);
    assert.equal(new Set(s).size, s.length);
    assert.ok(s.length < h.length - 4, 'repeated 5-grams were dropped');
    assert.deepEqual(h.sig32.subarray(h.sigWords, h.recordWords), map(s));
  });

  test('the close gives the same pairs and counts however the walk and the verification are split', () => {
    // Posts six seconds apart in a 3-hour horizon: several segments, each compared with the previous one.
    const idx = new NearDupIndex({ horizonSeconds: 3 * 3600, seed: 5 });
    const key = (pairs: { pairs: Int32Array; sims: Float64Array; n: number }[]) =>
      pairs
        .flatMap((r) =>
          Array.from({ length: r.n }, (_, k) => `${r.pairs[2 * k]}-${r.pairs[2 * k + 1]}:${r.sims[k]}`),
        )
        .sort();
    let closes = 0;
    let matched = 0;
    /** Check one close split 2, 3 and 5 ways against the whole, before it is applied (its memory is then reused). */
    const check = (job: CloseJob) => {
      const whole = runClose(job);
      for (const parts of [2, 3, 5]) {
        const cuts = splitEntries(job, parts);
        const walks = cuts.slice(1).map((to, w) => walkBuckets(job, cuts[w], to));
        const offsets = pairOffsets(walks, job.lo, job.roots.length);
        const xCuts = splitTexts(offsets, parts);
        const verified = xCuts.slice(1).map((to, w) => verifyPairs(job, walks, offsets, xCuts[w], to));
        const stats = emptyCloseStats();
        for (const r of [...walks, ...verified]) addCloseStats(stats, r.stats);
        assert.deepEqual(key(verified), key(whole.pairs), `${parts} parts`);
        assert.deepEqual(stats, whole.stats, `${parts} parts`);
      }
      // Every pair found joins two distinct texts of the two segments, at or above 0.8.
      for (const r of whole.pairs)
        for (let k = 0; k < r.n; k++) {
          assert.ok(r.pairs[2 * k] < r.pairs[2 * k + 1]);
          assert.ok(r.pairs[2 * k] >= job.lo && r.pairs[2 * k + 1] >= job.cur.base);
          assert.ok(r.sims[k] >= 0.8 && r.sims[k] <= 1);
        }
      closes++;
      matched += whole.stats.matched;
      return whole;
    };
    idx.deferClose = (p) => idx.applyClose(p, check(p.job));
    const posts = [...syntheticPosts(6000, { seed: 21, recent: 200 })];
    posts.forEach((p, i) => idx.add(p.text, Date.UTC(2017, 4, 1) + i * 6_000));
    const last = idx.prepareClose();
    assert.ok(last);
    idx.applyClose(last, check(last.job));
    assert.ok(closes >= 3, `${closes} closes`);
    assert.ok(matched > 0);
  });
});
