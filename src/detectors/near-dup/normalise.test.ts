import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 } from '../../util/rng.js';
import {
  normaliseCodesInto,
  normaliseInto,
  normaliseIntoByCodeUnit,
  writeCodeUnits,
  type NormaliseOptions,
} from './normalise.js';

/**
 * Pieces the random texts are made of: what the fast path treats specially (h, w, @ at a
 * word start or inside a word, URL prefixes in any case, surrogates, whole or cut) next to
 * what the fold table handles (accents, combining marks, homoglyphs, invisible and bidi
 * characters, fullwidth and mathematical letters, ligatures, odd spaces).
 */
const PIECES = [
  ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789',
  ...' .,;:!?-_#/\'"()[]',
  ' ',
  '  ',
  '\t',
  '\n',
  '\u00a0',
  '\u3000',
  ...'hHwW@',
  'the',
  'with',
  'http://t.co/x',
  'HTTPS://Ex.org/a?b=c',
  'https:/',
  'www.site.fr',
  'WwW.',
  'xhttp://y',
  '@bob',
  '@user@mastodon.social',
  '\uff20alice',
  'a@b.com',
  ...'éèêëàâäçôöûüùîïÿñßÉÈÇÀÖÜẞœæøå',
  ...'\u0301\u0300\u0308\u0327\u0338',
  ...'аеорсхуіјѕԁһӏԛԝүАЕОРСХВНМТКёїЁЇ',
  ...'αβεηικμνοπρτυχζϲςΑΒΕΗΙΚΜΝΟΡΤΥΧΖΣσ',
  ...'\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e',
  ...'\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f',
  ...'ＡＢＣａｂｃ０１２！？',
  '\ufb01',
  '\ufb02',
  '\u2126',
  '\u212a',
  '\u00bd',
  '\u00a8',
  '\u0000',
  '\u0007',
  '\u007f',
  '\ufffd',
  '\ufffe',
  '\uffff',
  '😀',
  '🇫🇷',
  '👍🏽',
  '❤️',
  '\u{1d400}',
  '\u{1d41b}',
  '\u{1d44e}',
  '\u{1d7ce}',
  '\u{1d56c}',
  '\u{e0041}',
  '\ud800',
  '\udc00',
  '\ud83d',
  '한국어',
  '\u1100\u1161',
  'Ελλάδα',
  'Україна',
  'Москва',
  'Straße',
];

function randomText(rnd: () => number, pieces: number): string {
  let s = '';
  for (let k = 0; k < pieces; k++) s += PIECES[Math.floor(rnd() * PIECES.length)];
  return s;
}

function reference(text: string, options: NormaliseOptions, outLen: number): number[] {
  const out = new Uint16Array(outLen);
  return [...out.subarray(0, normaliseIntoByCodeUnit(text, out, options))];
}

test('the typed-array paths give exactly what the per-code-unit string path gives', () => {
  const rnd = mulberry32(20261123);
  let checked = 0;
  let nonEmpty = 0;
  for (let round = 0; round < 300; round++) {
    // A batch of random texts concatenated, as the narrative workers receive them.
    const texts = Array.from({ length: 20 }, () => randomText(rnd, Math.floor(rnd() * 60)));
    const joined = texts.join('');
    const codes = writeCodeUnits(joined);
    let from = 0;
    for (const text of texts) {
      const to = from + text.length;
      // Small limits exercise the read cap (8 x maxChars) and the output cap mid-fold.
      const maxChars = rnd() < 0.3 ? 1 + Math.floor(rnd() * 12) : 2000;
      const outLen = rnd() < 0.2 ? 1 + Math.floor(rnd() * 20) : 4096;
      for (const foldHomoglyphs of [true, false]) {
        const o = { foldHomoglyphs, maxChars };
        const want = reference(text, o, outLen);
        const out = new Uint16Array(outLen);
        const got = [...out.subarray(0, normaliseInto(text, out, o))];
        assert.deepEqual(got, want, `normaliseInto ${JSON.stringify(text)} ${JSON.stringify(o)}`);
        const gotBatch = [...out.subarray(0, normaliseCodesInto(codes, from, to, out, o))];
        assert.deepEqual(gotBatch, want, `normaliseCodesInto ${JSON.stringify(text)} ${JSON.stringify(o)}`);
        checked++;
        if (want.length > 0) nonEmpty++;
      }
      from = to;
    }
  }
  assert.equal(checked, 300 * 20 * 2);
  // The generator must produce real texts, not mostly empty ones.
  assert.ok(nonEmpty > checked * 0.8, `${nonEmpty} of ${checked} non-empty`);
});

test('a text of a batch is normalised as if alone: its neighbours never leak in', () => {
  const o = { foldHomoglyphs: true, maxChars: 2000 };
  const texts = ['xyz', 'http://a.b/c d', 'abc', '@bob hi', 'e', 'www.x.fr and', 'ok'];
  const codes = writeCodeUnits(texts.join(''));
  const out = new Uint16Array(64);
  let from = 0;
  const got: string[] = [];
  for (const t of texts) {
    const n = normaliseCodesInto(codes, from, from + t.length, out, o);
    got.push(String.fromCharCode(...out.subarray(0, n)));
    from += t.length;
  }
  // "http" right after "xyz" and "@bob" after "abc" still start their text: removed.
  assert.deepEqual(got, ['xyz', 'd', 'abc', 'hi', 'e', 'and', 'ok']);
});

test('the read limit cuts long texts the same way on every path', () => {
  const o = { foldHomoglyphs: true, maxChars: 4 };
  // The URL starts inside the 32-unit read window (8 x maxChars) and runs past it: it is
  // still recognised, and removed, while the output has room left.
  const text = 'ab' + ' '.repeat(28) + 'https://example.org/long/path';
  const out = new Uint16Array(16);
  const want = reference(text, o, 16);
  assert.equal(String.fromCharCode(...want), 'ab');
  assert.deepEqual([...out.subarray(0, normaliseInto(text, out, o))], want);
  const codes = writeCodeUnits('xy' + text);
  assert.deepEqual([...out.subarray(0, normaliseCodesInto(codes, 2, 2 + text.length, out, o))], want);
});

test('writeCodeUnits keeps lone surrogates and grows its target', () => {
  const s = 'a\ud800b\udc00c😀';
  const small = new Uint16Array(2);
  const codes = writeCodeUnits(s, small);
  assert.notEqual(codes, small);
  assert.deepEqual(
    [...codes.subarray(0, s.length)],
    Array.from({ length: s.length }, (_, i) => s.charCodeAt(i)),
  );
  const big = new Uint16Array(64);
  assert.equal(writeCodeUnits(s, big), big);
  assert.equal(String.fromCharCode(...big.subarray(0, s.length)), s);
});
