import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { domainToASCII } from 'node:url';
import { adjacentKeys, editDistance, findLookalikes, permutations, skeleton } from './index.js';

const BRANDS = ['en-marche.fr', 'lemonde.fr', 'spiegel.de', 'welt.de', 'bild.de', 'faz.net', 'leparisien.fr'];

function match(observed: string, brands = BRANDS) {
  return findLookalikes([observed], brands);
}

describe('findLookalikes', () => {
  test('the 2017 campaign phishing domains (brand with a phishing word)', () => {
    for (const d of ['onedrive-en-marche.fr', 'mail-en-marche.fr']) {
      const [m] = match(d);
      assert.equal(m.brand, 'en-marche.fr');
      assert.equal(m.tier, 'high');
      assert.deepEqual(m.techniques, ['brand-keyword']);
    }
    assert.equal(match('en-marche-actualites.com')[0].tier, 'medium');
  });

  test('the same label under another suffix (Doppelganger clones)', () => {
    for (const [d, b] of [
      ['lemonde.ltd', 'lemonde.fr'],
      ['spiegel.ltd', 'spiegel.de'],
      ['welt.ltd', 'welt.de'],
      ['bild.work', 'bild.de'],
      ['faz.agency', 'faz.net'],
    ]) {
      const [m] = match(d);
      assert.equal(m.brand, b, d);
      assert.ok(m.techniques.includes('other-suffix'));
      assert.equal(m.tier, 'high');
    }
  });

  test('the same label under a private registry suffix (spiegel.co.com, bild.eu.com)', () => {
    // Doppelganger clones named by VIGINUM (RRN report, 2023) under CentralNic-style second-level names.
    for (const [d, b, suf] of [
      ['spiegel.co.com', 'spiegel.de', 'co.com'],
      ['bild.eu.com', 'bild.de', 'eu.com'],
      ['www.spiegel.co.com', 'spiegel.de', 'co.com'],
    ]) {
      const ms = match(d);
      assert.equal(ms.length, 1, d);
      assert.equal(ms[0].brand, b);
      assert.deepEqual(ms[0].techniques, ['other-suffix']);
      assert.equal(ms[0].tier, 'high');
      assert.ok(ms[0].reasons[0].includes(`.${suf}`));
    }
    // a different name under a private suffix is not the brand
    assert.equal(match('example.co.com').length, 0);
  });

  test('hyphen and dot variants', () => {
    assert.deepEqual(match('enmarche.fr')[0].techniques, ['hyphenation']);
    assert.deepEqual(match('le-monde.fr')[0].techniques, ['hyphenation']);
    assert.ok(match('en.marche.fr')[0].techniques.includes('dot-insertion'));
  });

  test('edit distance 1, keyboard typos, and a typo with another suffix', () => {
    const [k] = match('en-marcge.fr');
    assert.deepEqual(k.techniques, ['keyboard-typo']);
    const [t] = match('leparisein.fr');
    assert.equal(t.techniques[0], 'typo');
    const [s] = match('lemonnde.info');
    assert.equal(s.brand, 'lemonde.fr');
    assert.match(s.reasons[0], /under \.info/);
    assert.equal(match('lxmxnde.fr').length, 0, 'two edits on a 7-letter label is too far');
  });

  test('Unicode confusables, punycode and ASCII look-alikes', () => {
    const cyr = domainToASCII('l\u0435monde.fr'); // Cyrillic e
    const [c] = match(cyr);
    assert.equal(c.brand, 'lemonde.fr');
    assert.ok(c.techniques.includes('confusable'));
    assert.match(c.reasons[0], /punycode xn--/);
    assert.equal(c.unicode, 'l\u0435monde.fr');
    assert.ok(match('lémonde.fr')[0].techniques.includes('confusable'));
    assert.deepEqual(match('lernonde.fr')[0].techniques, ['ascii-lookalike']);
    assert.deepEqual(match('1emonde.fr')[0].techniques, ['ascii-lookalike']);
  });

  test('brand domain used as a subdomain elsewhere; URLs and hosts accepted', () => {
    const [m] = match('https://en-marche.fr.login-secure.com/owa?x=1');
    assert.ok(m.techniques.includes('brand-as-subdomain'));
    assert.equal(m.observed, 'en-marche.fr.login-secure.com');
  });

  test('not look-alikes: the brand itself, its subdomains, unrelated and short-brand noise, the allowlist', () => {
    assert.equal(
      findLookalikes(
        ['lemonde.fr', 'www.lemonde.fr', 'mail.en-marche.fr', 'example.com', 'bold.de', 'marche.fr'],
        BRANDS,
      ).length,
      0,
    );
    assert.equal(findLookalikes(['lemonde.ltd'], BRANDS, { allowlist: ['lemonde.ltd'] }).length, 0);
    assert.equal(findLookalikes(['not a domain', '', '...'], BRANDS).length, 0);
  });

  test('ranked strongest first, deterministic', () => {
    const obs = ['lemonde-actu.com', 'lemonde.ltd', 'mail-en-marche.fr'];
    const a = findLookalikes(obs, BRANDS).map((m) => m.observed);
    const b = findLookalikes([...obs].reverse(), [...BRANDS].reverse()).map((m) => m.observed);
    assert.deepEqual(a, b);
    assert.equal(a[a.length - 1], 'lemonde-actu.com');
  });
});

describe('building blocks', () => {
  test('editDistance counts transpositions as one and stops early', () => {
    assert.equal(editDistance('lemonde', 'lemonde'), 0);
    assert.equal(editDistance('lemonde', 'lmeonde'), 1);
    assert.equal(editDistance('abc', 'xyz'), 3);
    assert.equal(editDistance('abcdefgh', 'zzzzzzzz', 1), 2);
  });
  test('adjacent keys on QWERTY and AZERTY', () => {
    assert.ok(adjacentKeys('g', 'h'));
    assert.ok(adjacentKeys('a', 'z')); // AZERTY
    assert.ok(!adjacentKeys('a', 'p'));
  });
  test('skeleton folds homoglyphs and accents', () => {
    assert.equal(skeleton('l\u0435m\u043Ende'), 'lemonde');
    assert.equal(skeleton('Marché'), 'marche');
  });
});

describe('permutations', () => {
  test('covers the families, excludes the domain itself, is unique', () => {
    const p = permutations('en-marche.fr');
    const kinds = new Set(p.map((x) => x.kind));
    for (const k of [
      'omission',
      'repetition',
      'transposition',
      'keyboard-replacement',
      'other-suffix',
      'brand-keyword',
      'homoglyph',
      'dot-insertion',
    ])
      assert.ok(kinds.has(k), k);
    const names = p.map((x) => x.domain);
    assert.equal(new Set(names).size, names.length);
    assert.ok(!names.includes('en-marche.fr'));
    assert.ok(names.includes('enmarche.fr'));
    assert.ok(names.includes('mail-en-marche.fr'));
    assert.ok(names.includes('en-marche.com'));
    assert.ok(p.some((x) => x.domain.startsWith('xn--') && x.unicode !== x.domain));
    assert.deepEqual(permutations('not a domain'), []);
  });
});
