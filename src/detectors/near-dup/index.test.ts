import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { Post } from '../../model/post.js';
import { bareAccount } from '../../model/post.js';
import { DuckDBStore } from '../../store/duckdb/DuckDBStore.js';
import { isVigieError } from '../../util/errors.js';
import { loadFixture } from '../coordination/fixture.js';
import { syntheticPosts } from '../../../bench/near-dup/synthetic.js';
import {
  NearDupIndex,
  NEAR_DUP_DEFAULTS,
  SHINGLE,
  findNearDuplicates,
  nearDupDetector,
  normaliseForMatching,
} from './index.js';
import { radixSortPairs } from './radix.js';
import { ParallelNearDup, decodeUtf8 } from './parallel.js';
import { mulberry32 } from '../../util/rng.js';
import type { Worker } from 'node:worker_threads';

const T0 = Date.UTC(2017, 4, 5, 12);
const BASE =
  'Les médias cachent la vérité sur le compte offshore du candidat, partagez avant que ce soit supprimé';
const LONG = `${BASE}. Ils ne veulent pas que vous sachiez qui finance vraiment sa campagne depuis des mois !`;

/** The brute force's own shingling: sorted FNV-1a hashes of the 5-gram strings (independent of the index's). */
function shingles(t: string): Uint32Array {
  const set = new Set<number>();
  for (let i = 0; i + SHINGLE <= t.length; i++) {
    let h = 0x811c9dc5;
    for (let j = i; j < i + SHINGLE; j++) h = Math.imul(h ^ t.charCodeAt(j), 0x01000193);
    set.add(h >>> 0);
  }
  return Uint32Array.from(set).sort();
}

function jaccard(a: Uint32Array, b: Uint32Array): number {
  let i = 0;
  let j = 0;
  let inter = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      inter++;
      i++;
      j++;
    } else if (a[i] < b[j]) i++;
    else j++;
  }
  return inter / (a.length + b.length - inter);
}

function group(texts: (string | null)[], options = {}, times?: number[]) {
  const idx = new NearDupIndex(options);
  texts.forEach((t, i) => idx.add(t, times ? times[i] : T0 + i * 1000));
  return idx.finish();
}

describe('normalisation for matching', () => {
  test('NFKC, case-fold, diacritics, URLs, mentions, whitespace, invisible characters', () => {
    assert.equal(
      normaliseForMatching('  Ça   VA ?\u200b #Élection2017 @bob https://x.fr/a '),
      'ca va ? #election2017',
    );
    assert.equal(normaliseForMatching('ＦＵＬＬ ｗｉｄｔｈ ﬁn Straße'), 'full width fin strasse');
    assert.equal(normaliseForMatching('𝐁𝐨𝐥𝐝 𝑖𝑡𝑎𝑙𝑖𝑐'), 'bold italic');
    assert.equal(normaliseForMatching('so\u00adft hy\u200dphen\ufeff'), 'soft hyphen');
    assert.equal(normaliseForMatching('see WWW.Example.com/x and HTTPS://T.CO/abc now'), 'see and now');
    assert.equal(
      normaliseForMatching('mail me at a@b.com, cc @user@mastodon.social ok'),
      'mail me at a@b.com, cc ok',
    );
    assert.equal(
      normaliseForMatching('line\n\tbreak\u00a0nbsp\u3000ideographic'),
      'line break nbsp ideographic',
    );
    assert.equal(normaliseForMatching('emoji 😀👍🏽 stay'), 'emoji 😀👍🏽 stay');
    assert.equal(normaliseForMatching('İstanbul ΣΟΦΙΑ', { foldHomoglyphs: false }), 'istanbul σοφια');
  });

  test('Cyrillic and Greek look-alikes fold to Latin only when asked', () => {
    const evasive = 'Vоtе fоr the саndidаtе'; // о, е, а, с are Cyrillic
    assert.notEqual(evasive, 'Vote for the candidate');
    assert.equal(normaliseForMatching(evasive), 'vote for the candidate');
    assert.notEqual(normaliseForMatching(evasive, { foldHomoglyphs: false }), 'vote for the candidate');
  });

  test('lone surrogates and control characters are dropped, never a crash', () => {
    assert.equal(normaliseForMatching('a\ud800b\udc00c\u0000d\u0007e'), 'abcde');
  });

  test('hostile length: the raw text is read only up to 8 x maxChars', () => {
    const huge = 'a'.repeat(5_000_000);
    assert.equal(normaliseForMatching(huge, { maxChars: 100 }).length, 100);
    assert.equal(normaliseForMatching(' '.repeat(5_000_000) + 'late text', { maxChars: 100 }), '');
  });
});

describe('NearDupIndex', () => {
  test('recall of pairs with Jaccard >= 0.8 is at least 0.95 against brute force', () => {
    const posts = [...syntheticPosts(3000, { seed: 11, recent: 300 })];
    const res = group(
      posts.map((p) => p.text),
      {},
      posts.map((p) => p.time),
    );
    // Brute force over distinct normalised texts (identical texts are trivially grouped).
    const first = new Map<string, number>();
    posts.forEach((p, i) => {
      const t = normaliseForMatching(p.text);
      if (t.length >= NEAR_DUP_DEFAULTS.minChars && !first.has(t)) first.set(t, i);
    });
    const reps = [...first.values()];
    const sets = [...first.keys()].map(shingles);
    let pairs = 0;
    let found = 0;
    let sameGroupBelow = 0;
    for (let x = 0; x < reps.length; x++)
      for (let y = x + 1; y < reps.length; y++) {
        const [a, b] = [sets[x], sets[y]];
        if (Math.min(a.length, b.length) < 0.8 * Math.max(a.length, b.length)) continue; // J <= min/max: exact
        const j = jaccard(a, b);
        const together = res.groupOf[reps[x]] !== -1 && res.groupOf[reps[x]] === res.groupOf[reps[y]];
        if (j >= 0.8) {
          pairs++;
          if (together) found++;
        } else if (together) sameGroupBelow++;
      }
    assert.ok(pairs > 300, `too few planted pairs to measure recall (${pairs})`);
    const recall = found / pairs;
    assert.ok(recall >= 0.95, `recall ${recall.toFixed(4)} (${found}/${pairs})`);
    // Every text in a group was verified at >= 0.8 against some other text of it.
    for (let i = 0; i < posts.length; i++)
      if (res.groupOf[i] !== -1)
        assert.ok(res.similarity[i] >= 0.8, `post ${i} similarity ${res.similarity[i]}`);
    assert.ok(sameGroupBelow >= 0); // chaining (A~B, B~C) is allowed and documented
  });

  test('recall >= 0.95 on isolated pairs too (no transitivity through other copies)', () => {
    // One edited copy per text: a pair is found only if LSH makes it a candidate itself, so
    // this measures the banding (P = 1 - (1 - J^5)^8 = 0.958 at J = 0.8) and the b-bit
    // estimate filter, not the help of a third copy.
    const rnd = mulberry32(23);
    const base = [...syntheticPosts(1500, { seed: 23, copies: 0, edits: 0, shorts: 0 })].map((p) => p.text);
    const words = base.join(' ').split(' ');
    const texts: string[] = [];
    for (const t of base) {
      // Two edits: most pairs land between J = 0.7 and 0.9, where banding can miss them.
      const parts = t.split(' ');
      for (let e = 0; e < 2; e++) {
        const at = Math.floor(rnd() * parts.length);
        if (rnd() < 0.5) parts[at] = words[Math.floor(rnd() * words.length)];
        else parts.splice(at, 0, '#' + words[Math.floor(rnd() * words.length)]);
      }
      texts.push(t, parts.join(' '));
    }
    const res = group(texts);
    const norm = texts.map((t) => normaliseForMatching(t));
    const sets = norm.map(shingles);
    let pairs = 0;
    let found = 0;
    for (let x = 0; x < texts.length; x++)
      for (let y = x + 1; y < texts.length; y++) {
        const [a, b] = [sets[x], sets[y]];
        if (norm[x].length < NEAR_DUP_DEFAULTS.minChars || norm[y].length < NEAR_DUP_DEFAULTS.minChars)
          continue;
        if (norm[x] === norm[y]) continue; // exact copies are grouped by their key, not by LSH
        if (Math.min(a.length, b.length) < 0.8 * Math.max(a.length, b.length)) continue;
        if (jaccard(a, b) < 0.8) continue;
        pairs++;
        if (res.groupOf[x] !== -1 && res.groupOf[x] === res.groupOf[y]) found++;
      }
    assert.ok(pairs > 300, `too few pairs at J >= 0.8 (${pairs})`);
    assert.ok(
      found / pairs >= 0.95,
      `isolated-pair recall ${(found / pairs).toFixed(4)} (${found}/${pairs})`,
    );
    // The b-bit estimate filter ran, and this recall was measured with it on.
    assert.ok(res.stats.estimatedOut > 0);
  });

  test('deterministic for a seed; another seed gives the same groups on clear-cut data', () => {
    const posts = [...syntheticPosts(2000, { seed: 5 })];
    const run = (seed: number) =>
      group(
        posts.map((p) => p.text),
        { seed },
        posts.map((p) => p.time),
      );
    const a = run(1);
    const b = run(1);
    assert.deepEqual(a.groupOf, b.groupOf);
    assert.deepEqual(a.similarity, b.similarity);
    assert.deepEqual(a.stats, b.stats);
    assert.ok(a.stats.groups > 50);
  });

  test('near-duplicates with small edits are grouped; unrelated texts are not', () => {
    const texts = [
      LONG,
      LONG.replace('candidat', 'ministre'), // one word (in a 100-character text it would be J = 0.78)
      LONG + ' !!!', // punctuation
      LONG + ' #Presidentielle2017', // an added hashtag
      LONG.toUpperCase() + ' https://t.co/zzz', // case and a link
      LONG.replace(/a/g, 'а'), // Cyrillic а everywhere
      'Un texte sans aucun rapport avec le précédent, sur la météo de demain à Lyon.',
      null,
    ];
    const r = group(texts);
    const g = r.groupOf[0];
    assert.notEqual(g, -1);
    for (let i = 1; i <= 5; i++) assert.equal(r.groupOf[i], g, `text ${i}: ${texts[i]}`);
    assert.equal(r.groupOf[6], -1);
    assert.equal(r.groupOf[7], -1);
    assert.equal(r.stats.groups, 1);
    assert.equal(r.similarity[5], 1); // the homoglyph copy normalises to the same text
  });

  test('short common phrases are excluded, said so', () => {
    const r = group(Array.from({ length: 1000 }, () => 'Merci !'));
    assert.equal(r.stats.excludedShort, 1000);
    assert.equal(r.stats.groups, 0);
    assert.ok(r.groupOf.every((g) => g === -1));
    assert.match(r.messages.join('\n'), /shorter than 20 characters/);
  });

  test('empty input', () => {
    const r = group([]);
    assert.equal(r.groupOf.length, 0);
    assert.equal(r.stats.groups, 0);
    assert.deepEqual(r.messages, []);
  });

  test('a text shared by 100k posts is one distinct text: no pairs at all', () => {
    const idx = new NearDupIndex();
    for (let i = 0; i < 100_000; i++) idx.add(BASE, T0 + i);
    const r = idx.finish();
    assert.equal(r.stats.distinctTexts, 1);
    assert.equal(r.stats.exactDuplicates, 99_999);
    assert.equal(r.stats.candidates, 0);
    assert.equal(r.stats.verified, 0);
    assert.equal(r.stats.groups, 1);
    assert.equal(r.stats.groupedPosts, 100_000);
  });

  test('50k distinct variants of one text: bounded work through capped bucket walks', () => {
    const n = 50_000;
    const idx = new NearDupIndex();
    for (let i = 0; i < n; i++) idx.add(`${BASE} #v${i.toString(36)}`, T0 + i);
    const r = idx.finish();
    assert.equal(r.stats.distinctTexts, n);
    assert.equal(r.stats.groups, 1);
    // Each text meets at most bucketProbe predecessors per band: linear, not 1.25e9 pairs.
    const o = NEAR_DUP_DEFAULTS;
    assert.ok(r.stats.candidates <= n * o.bands * o.bucketProbe, `${r.stats.candidates} candidates`);
    // Each pair is verified once, however many bands it shares.
    assert.ok(r.stats.verified <= n * o.bucketProbe * o.bands, `${r.stats.verified} verifications`);
    assert.ok(r.stats.repeated > 0);
    assert.ok(r.stats.probeCapped > 0);
    assert.match(r.messages.join('\n'), /popular LSH buckets/);
  });

  test('huge texts are shingled on their first maxChars normalised characters', () => {
    const body = (seed: number) => {
      let s = '';
      for (let i = 0; s.length < 3_000_000; i++) s += `mot${(i * 7919 + seed) % 100_003} `;
      return s;
    };
    const a = BASE + ' ' + body(1);
    const b = BASE + ' ' + body(1).replace(/^mot\d+/, 'autre');
    const r = group([a, b, 'x'.repeat(10_000_000)]);
    assert.equal(r.stats.truncated, 3);
    assert.equal(r.groupOf[0], r.groupOf[1]);
    assert.notEqual(r.groupOf[0], -1);
  });

  test('time segments: copies within the horizon link, copies two segments apart do not', () => {
    const day = 86_400_000;
    const filler = (i: number) => `texte de remplissage numéro ${i} sans rapport avec le reste`;
    const texts = [BASE, filler(1), BASE + ' bis', filler(2), BASE];
    const times = [T0, T0 + 1, T0 + 8 * day, T0 + 16 * day, T0 + 17 * day];
    const r = group(texts, { horizonSeconds: 7 * 86_400 }, times);
    assert.equal(r.stats.segments, 3);
    assert.equal(r.groupOf[0], r.groupOf[2]); // 8 days apart: adjacent segments
    assert.equal(r.groupOf[2], r.groupOf[4]); // 9 days apart: adjacent segments
    // Post 4 is linked to post 0 only through post 2, as the message says.
    assert.match(r.messages.join('\n'), /3 time segments/);
    const r2 = group([BASE, filler(1), filler(2), BASE], { horizonSeconds: 7 * 86_400 }, [
      T0,
      T0 + 8 * day,
      T0 + 16 * day,
      T0 + 17 * day,
    ]);
    assert.equal(r2.groupOf[0], -1);
    assert.equal(r2.groupOf[3], -1);
  });

  test('options are checked', () => {
    for (const bad of [
      { threshold: 0 },
      { bands: 0 },
      { rows: 1.5 },
      { minChars: 2 },
      { maxChars: 3 },
      { bucketProbe: 0 },
    ])
      assert.throws(
        () => new NearDupIndex(bad),
        (e) => isVigieError(e, 'ERR_USAGE'),
        JSON.stringify(bad),
      );
    const idx = new NearDupIndex();
    idx.finish();
    assert.throws(
      () => idx.add('x', 0),
      (e) => isVigieError(e, 'ERR_USAGE'),
    );
  });
});

test('hashing in worker threads gives the same groups, similarities and counts as add()', async () => {
  const posts = [...syntheticPosts(3000, { seed: 5, recent: 200 })];
  const texts: (string | null)[] = posts.map((p) => p.text);
  const times = posts.map((p) => p.time);
  // Hostile and odd texts: null, lone surrogates, a huge text, ligatures that expand 3x on
  // NFKC (more shingles than raw code units: hashed back on the main thread).
  const odd = [
    null,
    `${BASE} \ud800 x`,
    `${BASE} \ud800 x`,
    'x'.repeat(50_000),
    'ﬃ'.repeat(700),
    `${'ﬃ'.repeat(700)} ${BASE}`,
  ];
  odd.forEach((t, i) => texts.splice(100 + i * 400, 0, t));
  odd.forEach((_, i) => times.splice(100 + i * 400, 0, times[100 + i * 400 - 1]));
  const serial = group(texts, {}, times);
  const par = new ParallelNearDup(new NearDupIndex(), 2);
  for (let i = 0; i < texts.length; i += 257) await par.add(texts.slice(i, i + 257), times.slice(i, i + 257));
  const res = await par.finish();
  assert.deepEqual(res.stats, serial.stats);
  assert.deepEqual(res.groupOf, serial.groupOf);
  assert.deepEqual(res.similarity, serial.similarity);
  assert.ok(serial.stats.groups > 100 && serial.stats.truncated >= 1);
});

test('hashing UTF-8 batches in worker threads gives the same groups as add() on the decoded texts', async () => {
  const posts = [...syntheticPosts(3000, { seed: 7, recent: 200 })];
  const texts: (string | null)[] = posts.map((p) => p.text);
  const times = posts.map((p) => p.time);
  // A lone surrogate has no UTF-8 form (it becomes U+FFFD); a huge text is cut at 3 x the
  // raw units read; a leading U+FEFF stays; astral characters take 4 bytes.
  const odd = [
    null,
    `${BASE} \ud800 x`,
    '\ufeff' + BASE,
    'é'.repeat(30_000),
    `${BASE} 😡😡`,
    '😡'.repeat(9000),
    '',
  ];
  odd.forEach((t, i) => texts.splice(100 + i * 400, 0, t));
  odd.forEach((_, i) => times.splice(100 + i * 400, 0, times[100 + i * 400 - 1]));
  const enc = new TextEncoder();
  const dec = new TextDecoder('utf-8', { ignoreBOM: true });
  const serial = group(
    texts.map((t) => (t === null ? null : dec.decode(enc.encode(t)))),
    {},
    times,
  );
  const par = new ParallelNearDup(new NearDupIndex(), 2);
  for (let i = 0; i < texts.length; i += 257) {
    const slice = texts.slice(i, i + 257).map((t) => (t === null ? null : enc.encode(t)));
    const bytes = new Uint8Array(slice.reduce((a, b) => a + (b?.length ?? 0), 0));
    const lens = new Int32Array(slice.length);
    slice.forEach((b, k) => {
      lens[k] = b === null ? -1 : b.length;
      if (b)
        bytes.set(
          b,
          slice.slice(0, k).reduce((a, c) => a + (c?.length ?? 0), 0),
        );
    });
    await par.add({ bytes, lens }, times.slice(i, i + 257));
  }
  const res = await par.finish();
  assert.deepEqual(res.stats, serial.stats);
  assert.deepEqual(res.groupOf, serial.groupOf);
  assert.deepEqual(res.similarity, serial.similarity);
  assert.ok(serial.stats.groups > 100 && serial.stats.truncated >= 2);
});

test("decodeUtf8 gives TextDecoder's code units, cut at the cap; bad bytes become U+FFFD inside the range", () => {
  const r = mulberry32(11);
  const pool = ['a', 'Z', ' ', 'é', 'ß', 'ж', 'ع', '中', '€', '\ufeff', '😡', '𝔘', '\u0000'];
  const enc = new TextEncoder();
  const dec = new TextDecoder('utf-8', { ignoreBOM: true });
  const out = new Uint16Array(400);
  for (let k = 0; k < 2000; k++) {
    let t = '';
    for (let n = Math.floor(r() * 60); n > 0; n--) t += pool[Math.floor(r() * pool.length)];
    const b = enc.encode(t);
    // Padding around the text: the decoder must stay inside [from, to).
    const buf = new Uint8Array(b.length + 8).fill(0xff);
    buf.set(b, 4);
    const cap = k % 3 === 0 ? Math.floor(r() * (t.length + 2)) : 400;
    const w = decodeUtf8(buf, 4, 4 + b.length, out, cap);
    const want = dec.decode(b).slice(0, cap);
    assert.equal(w, want.length, JSON.stringify(t));
    assert.equal(String.fromCharCode(...out.subarray(0, w)), want);
  }
  const bad = Uint8Array.from([
    0x41, 0xc0, 0xaf, 0xe2, 0x82, 0x42, 0xed, 0xa0, 0x80, 0xf4, 0x90, 0x80, 0x80, 0xff,
  ]);
  const w = decodeUtf8(bad, 0, bad.length, out, 100);
  const got = String.fromCharCode(...out.subarray(0, w));
  assert.ok(got.startsWith('A\ufffd\ufffd'), got);
  assert.ok(got.includes('B'));
  assert.ok(/^[A-B\ufffd]+$/.test(got), got);
  // A sequence cut by the end of the range.
  assert.equal(decodeUtf8(Uint8Array.from([0x41, 0xe2, 0x82, 0xac]), 0, 3, out, 10), 3);
  assert.deepEqual([...out.subarray(0, 3)], [0x41, 0xfffd, 0xfffd]);
});

test('a hash worker that dies fails the run with an error, never an unhandled rejection', async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);
  process.on('unhandledRejection', onUnhandled);
  try {
    const posts = [...syntheticPosts(3000, { seed: 3 })];
    const texts = posts.map((p) => p.text);
    const times = posts.map((p) => p.time);
    const par = new ParallelNearDup(new NearDupIndex(), 2);
    await par.add(texts.slice(0, 500), times.slice(0, 500));
    const w = (par as unknown as { workers: Worker[] }).workers[0];
    await new Promise((done) => {
      w.once('exit', done);
      void w.terminate();
    });
    await assert.rejects(async () => {
      for (let i = 500; i < texts.length; i += 500)
        await par.add(texts.slice(i, i + 500), times.slice(i, i + 500));
      await par.finish();
    }, /exited with code/);
    await par.close();
    for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
    assert.deepEqual(unhandled, []);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});

test('worker threads across segment changes: copies they remember from a closed segment are rehashed, same groups', async () => {
  // Small segments: a worker remembers texts of a segment the index has already closed and
  // sends their copies as keys only; the index must hash those posts itself.
  const posts = [...syntheticPosts(4000, { seed: 9, recent: 600 })];
  const texts = posts.map((p) => p.text);
  const times = posts.map((p) => p.time);
  const options = { maxSegmentTexts: 250 };
  const serial = group(texts, options, times);
  const par = new ParallelNearDup(new NearDupIndex(options), 2);
  for (let i = 0; i < texts.length; i += 500) await par.add(texts.slice(i, i + 500), times.slice(i, i + 500));
  const res = await par.finish();
  assert.ok(serial.stats.segments > 5 && serial.stats.exactDuplicates > 500);
  assert.deepEqual(res.stats, serial.stats);
  assert.deepEqual(res.groupOf, serial.groupOf);
  assert.deepEqual(res.similarity, serial.similarity);
});

test('verification: texts met in many candidate pairs give the exact Jaccard', () => {
  // One template, 400 variants with 1-3 words changed: every text is the first text of many
  // pairs, verified against one set of its shingles; every pair found must be a true >= 0.8 pair.
  const words = LONG.split(' ');
  const rnd = mulberry32(4);
  const texts = Array.from({ length: 400 }, () => {
    const w = [...words];
    for (let k = 0, m = 1 + Math.floor(rnd() * 3); k < m; k++)
      w[Math.floor(rnd() * w.length)] = `mot${Math.floor(rnd() * 50)}`;
    return w.join(' ');
  });
  const res = group(texts);
  assert.ok(res.stats.verified > 400, `${res.stats.verified} verifications`);
  const sets = texts.map((t) => shingles(normaliseForMatching(t)));
  // Each text's similarity is the best verified Jaccard; it must equal a brute-force value.
  for (let i = 0; i < texts.length; i++) {
    if (res.groupOf[i] === -1 || res.similarity[i] === 1) continue;
    let found = false;
    for (let j = 0; j < texts.length && !found; j++)
      if (j !== i && Math.abs(jaccard(sets[i], sets[j]) - res.similarity[i]) < 1e-6) found = true;
    assert.ok(found, `post ${i}: similarity ${res.similarity[i]} is no pair's Jaccard`);
    assert.ok(res.similarity[i] >= 0.8);
  }
});

test('radix sort is a stable sort by unsigned key', () => {
  const n = 10_000;
  const keys = new Int32Array(n);
  const vals = new Int32Array(n);
  let x = 7;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) | 0;
    keys[i] = x % 50; // many ties, negative keys read as large unsigned ones
    vals[i] = i;
  }
  const expected = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => (keys[a] >>> 0) - (keys[b] >>> 0) || a - b,
  );
  radixSortPairs(keys, vals, n, new Int32Array(n), new Int32Array(n));
  assert.deepEqual(Array.from(vals), expected);
});

describe('near-dup on a workspace', () => {
  const post = (id: string, account: string, minutes: number, text: string | null, kind: Post['kind'] = 'original'): Post => ({
    platform: 'x', postId: id, accountId: account, time: T0 + minutes * 60_000, text, lang: 'fr', kind,
    refPostId: kind === 'repost' ? 'p0' : null, refAccountId: null, urls: [], canonicalUrls: [], domains: [],
    hashtags: [], mentions: [], media: [], client: null,
  }); // prettier-ignore

  test('streams texts in time order, stores groups, and feeds the co-text layer', async () => {
    const store = await DuckDBStore.open(':memory:');
    try {
      assert.ok((await store.schemaVersion()) >= 4);
      const empty = await findNearDuplicates(store);
      assert.equal(empty.stats.posts, 0);
      assert.match(empty.messages[0], /no posts/);

      const posts = [
        post('p3', 'c', 3, BASE + ' #Presidentielle2017'),
        post('p1', 'a', 1, BASE),
        post('p2', 'b', 2, BASE + ' !!! 😡'),
        post('p4', 'd', 4, 'Rien à voir : le match de ce soir commence à vingt et une heures.'),
        // One leading U+FEFF is dropped by both paths (DuckDB's strings come through a
        // TextDecoder); a second one stays. Astral characters take 4 bytes.
        post('p7', 'g', 4.5, '\ufeff\ufeffBOM twice 😡 𝔘 and more words here'),
        // 16,001 code units with its BOM, 16,000 without: truncated (over 8 x maxChars) only if the BOM stays.
        post('p8', 'h', 4.6, '\ufeff' + 'x'.repeat(50) + ' '.repeat(15_950)),
        post('p5', 'e', 5, BASE, 'repost'),
        post('p6', 'f', 6, null),
      ];
      await loadFixture(store, {
        posts,
        accounts: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((a) => bareAccount('x', a)),
      });

      const seen: string[] = [];
      for await (const chunk of store.streamPostTexts()) seen.push(...chunk.postIds);
      assert.deepEqual(seen, ['p1', 'p2', 'p3', 'p4', 'p7', 'p8', 'p5', 'p6']);
      const noReposts: string[] = [];
      for await (const chunk of store.streamPostTexts({ kinds: ['original'] }))
        noReposts.push(...chunk.postIds);
      assert.deepEqual(noReposts, ['p1', 'p2', 'p3', 'p4', 'p7', 'p8', 'p6']);
      // textsOnly: the same refs, times and texts, in the same order, without the id columns.
      const full = { refs: [] as number[], times: [] as number[], texts: [] as (string | null)[] };
      const lean = { refs: [] as number[], times: [] as number[], texts: [] as (string | null)[] };
      const into = (
        o: typeof full,
        c: { refs: Float64Array; times: Float64Array; texts: (string | null)[] },
      ) => {
        o.refs.push(...c.refs);
        o.times.push(...c.times);
        o.texts.push(...c.texts);
      };
      for await (const c of store.streamPostTexts()) into(full, c);
      for await (const c of store.streamPostTexts({ textsOnly: true })) {
        into(lean, c);
        assert.equal(c.postIds.length + c.platforms.length + c.accountIds.length, 0);
      }
      assert.deepEqual(lean, full);
      assert.equal(full.texts[7], null);
      assert.equal(full.texts[4]!.charCodeAt(0), 0xfeff);
      assert.notEqual(full.texts[4]!.charCodeAt(1), 0xfeff);
      // utf8: the same refs, times and texts, as bytes, cut after utf8MaxChars characters;
      // without a cut the store sends strings.
      const utf8 = async (cut: number) => {
        const o = { refs: [] as number[], times: [] as number[], texts: [] as (string | null)[] };
        const keep = new TextDecoder('utf-8', { ignoreBOM: true });
        for await (const c of store.streamPostTexts({ textsOnly: true, utf8: true, utf8MaxChars: cut })) {
          const u = c.utf8!;
          assert.equal(c.texts.length, 0);
          const texts: (string | null)[] = [];
          for (let i = 0, at = 0; i < u.lens.length; i++)
            texts.push(u.lens[i] < 0 ? null : keep.decode(u.bytes.subarray(at, (at += u.lens[i]))));
          into(o, { ...c, texts });
        }
        return o;
      };
      assert.deepEqual(await utf8(32_768), full);
      const cut = (t: string | null) => (t === null ? null : [...t].slice(0, 20).join(''));
      assert.equal(full.texts[5]!.length, 16_000);
      assert.deepEqual(await utf8(20), { ...full, texts: full.texts.map(cut) });
      for await (const c of store.streamPostTexts({ textsOnly: true, utf8: true }))
        assert.equal(c.utf8, undefined);
      // onCount: once, before the first chunk, with the posts the stream yields, on both paths.
      for (const opts of [
        { kinds: ['original' as const] },
        { textsOnly: true, utf8: true, utf8MaxChars: 64 },
      ]) {
        const calls: number[] = [];
        let yielded = 0;
        for await (const c of store.streamPostTexts({ ...opts, onCount: (n) => calls.push(n) })) {
          assert.equal(calls.length, 1, 'onCount comes before the first chunk');
          yielded += c.refs.length;
        }
        assert.deepEqual(calls, [yielded]);
        assert.equal(yielded, opts.kinds ? 7 : 8);
      }
      // A consumer that stops after the first chunk closes the stream cleanly.
      for await (const c of store.streamPostTexts({ textsOnly: true })) if (c.texts.length) break;

      const run = await findNearDuplicates(store);
      assert.equal(run.stats.posts, 7); // the repost is left out by default
      assert.equal(run.stats.groups, 1);
      assert.equal(run.stats.rowsStored, 3);
      // The detector reads UTF-8 from DuckDB: its counts are those of the index fed the
      // strings of the string path (the BOM-led post included).
      const strings = { texts: [] as (string | null)[], times: [] as number[] };
      for await (const c of store.streamPostTexts({ kinds: ['original', 'reply', 'quote'] })) {
        strings.texts.push(...c.texts);
        strings.times.push(...c.times);
      }
      const { groupOf: _g, similarity: _s, ...direct } = group(strings.texts, {}, strings.times);
      for (const [k, v] of Object.entries(direct.stats))
        assert.equal(run.stats[k as keyof typeof run.stats], v, `stats.${k}`);

      const layers = await store.coactionLayers();
      assert.equal(layers.find((l) => l.layer === 'co-text')?.available, true);
      const pairs = await store.coactionPairs({
        layer: 'co-text', windowMs: 15 * 60_000, maxAccountsPerObject: 500, minCount: 1, minObjectsPerStratum: 1,
      }); // prettier-ignore
      const keys = pairs.pairs.map((p) => `${p.a}|${p.b}`).sort();
      assert.deepEqual(keys, ['x:a|x:b', 'x:a|x:c', 'x:b|x:c']);

      // With hashing in worker threads: the same groups stored; bad worker counts refused.
      const par = await findNearDuplicates(store, { workers: 2 });
      assert.deepEqual({ ...par.stats, seconds: 0 }, { ...run.stats, seconds: 0 });
      const one = await findNearDuplicates(store, { workers: 0 });
      assert.deepEqual({ ...one.stats, seconds: 0 }, { ...run.stats, seconds: 0 });
      await assert.rejects(findNearDuplicates(store, { workers: -1 }), /workers must be/);

      // A re-run replaces the groups rather than adding to them.
      const again = await nearDupDetector.detect({ store, runId: 'r', seed: 1, log: () => undefined });
      assert.equal(again.findings.length, 0);
      assert.equal(again.stats.rowsStored, 3);
    } finally {
      await store.close();
    }
  });
});
