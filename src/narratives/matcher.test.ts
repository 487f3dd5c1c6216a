import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { projectRoot, referenceDataDir } from '../util/paths.js';
import { guardRegex, parseNarratives, loadNarrativeFile } from './definition.js';
import { NarrativeMatcher, foldPattern, normaliseNarrativeText } from './matcher.js';
import { NARRATIVE_TECHNIQUES } from './detector.js';
import { isVigieError } from '../util/errors.js';

const root = projectRoot();

const YAML = `
narratives:
  - id: fraud
    name: Postal vote fraud
    languages: [fr, en, de, ru, uk]
    keywords: [Briefwahl*, "фальсифікац*", "фальсификац*"]
    phrases: ["vote par correspondance", "postal ballots", "fraude électorale"]
    regexes: ['bulletins?\\s.{0,20}detruits']
  - id: macron
    name: Macron mentions with offshore
    min_terms: 2
    keywords: [Macron, offshore, Макрон*]
    exclude: [fact-check]
`;

function matcher(): NarrativeMatcher {
  return new NarrativeMatcher(parseNarratives(YAML, 'fixture.yaml'));
}
const ids = (m: NarrativeMatcher, t: string) => m.match(t).map((h) => h.id);

test('per language: French accents and case, English, German compound prefix, Russian and Ukrainian inflections', () => {
  const m = matcher();
  assert.deepEqual(ids(m, 'La FRAUDE ELECTORALE continue !'), ['fraud']);
  assert.deepEqual(ids(m, 'le vote par   correspondance... encore'), ['fraud']);
  assert.deepEqual(ids(m, 'Thousands of POSTAL ballots lost'), ['fraud']);
  assert.deepEqual(ids(m, 'Die Briefwahlunterlagen sind manipuliert'), ['fraud']);
  assert.deepEqual(ids(m, 'Масова фальсифікація виборів'), ['fraud']);
  assert.deepEqual(ids(m, 'Фальсификации на выборах во Франции'), ['fraud']);
  assert.deepEqual(ids(m, 'Макрона и его офшор... offshore'), ['macron']);
  assert.deepEqual(ids(m, 'Rien à signaler ce soir'), []);
});

test('homoglyphs, zero-width characters and fullwidth letters are folded', () => {
  const m = matcher();
  // Cyrillic М (U+041C) in "Мacron", Cyrillic о in "оffshore".
  assert.deepEqual(ids(m, '\u041Cacron et son \u043Effshore'), ['macron']);
  assert.deepEqual(ids(m, 'Mac\u200Bron offshore'), ['macron']);
  assert.deepEqual(ids(m, 'ＭＡＣＲＯＮ offshore'), ['macron']);
  assert.equal(normaliseNarrativeText('\u041Cacron Élysée'), 'macron elysee');
});

test('keywords are whole words; prefixes need *; phrases tolerate punctuation; min_terms and exclude apply', () => {
  const m = matcher();
  assert.deepEqual(ids(m, 'la macronie offshore'), [], 'macron must not match inside macronie');
  assert.deepEqual(ids(m, 'Macron seul'), [], 'min_terms 2 needs two distinct terms');
  assert.deepEqual(ids(m, 'vote-par-correspondance'), ['fraud']);
  assert.deepEqual(ids(m, 'Macron offshore: fact-check'), [], 'exclude vetoes the narrative');
  const hit = m.match('Macron, offshore et fraude électorale')!;
  assert.deepEqual(hit.map((h) => h.id).sort(), ['fraud', 'macron']);
  assert.deepEqual(hit.find((h) => h.id === 'macron')!.terms.sort(), ['Macron', 'offshore']);
});

test('regexes run on the normalised text, with literal letters folded like the text', () => {
  const m = matcher();
  assert.deepEqual(ids(m, 'Des BULLETINS ont été détruits hier'), ['fraud']);
  assert.equal(foldPattern('Макрон\\p{L}+(?<Nom>É)'), 'makpoh\\p{L}+(?<Nom>e)');
});

test('regex guard refuses catastrophic shapes and accepts ordinary patterns', () => {
  for (const bad of [
    '(a+)+b',
    '(a|aa)*c',
    '(\\w+\\s?)*$',
    '(.*a){12}',
    '(x)\\1',
    '(?<=a)b',
    'a.*b.*c.*d',
    'x'.repeat(400),
  ])
    assert.throws(() => guardRegex(bad), Error, bad);
  for (const ok of [
    'bulletins?\\s.{0,20}detruits',
    '\\bmacron\\b',
    '(?:vote|voter) par correspondance',
    'a+b',
  ])
    assert.ok(guardRegex(ok) instanceof RegExp, ok);
  // The guard's own probe: a legal-looking but slow pattern is timed and refused or fast.
  const t0 = performance.now();
  try {
    guardRegex('(?:a|b)?a{0,20}a{0,20}$');
  } catch {
    /* refused is fine */
  }
  assert.ok(performance.now() - t0 < 5000);
});

test('validation errors name file, line and column', () => {
  const cases: [string, RegExp][] = [
    ['narratives:\n  - id: A B\n    name: x\n    keywords: [a]\n', /f\.yaml:2:\d+: id "A B"/],
    ['narratives:\n  - id: a\n    name: x\n    keyword: [a]\n', /f\.yaml:4:\d+: unknown key "keyword"/],
    ['narratives:\n  - id: a\n    name: x\n    regexes: ["(a+)+"]\n', /f\.yaml:4:\d+: a repeated group/],
    ['narratives:\n  - id: a\n    name: x\n', /f\.yaml:2:\d+: a narrative needs at least one/],
    [
      'narratives:\n  - id: a\n    name: x\n    keywords: [a]\n  - id: a\n    name: y\n    keywords: [b]\n',
      /f\.yaml:5:\d+: duplicate id "a" \(first at f\.yaml:2/,
    ],
    ['narratives: [\n', /f\.yaml:\d+:\d+: YAML/],
    [
      'narratives:\n  - id: a\n    name: x\n    keywords: ["mid*dle"]\n',
      /f\.yaml:4:\d+: "\*" is only allowed at the end/,
    ],
  ];
  for (const [text, re] of cases)
    assert.throws(
      () => parseNarratives(text, 'f.yaml'),
      (e: unknown) => isVigieError(e, 'ERR_INPUT') && re.test((e as Error).message),
      text,
    );
});

test('examples are checked: a wrong example is reported with its position', () => {
  const defs = parseNarratives(
    'narratives:\n  - id: a\n    name: x\n    keywords: [offshore]\n    examples:\n      - "no match here"\n      - {text: "offshore", match: false}\n',
    'f.yaml',
  );
  const failures = new NarrativeMatcher(defs).checkExamples();
  assert.deepEqual(
    failures.map((f) => [f.at, f.expected]),
    [
      ['f.yaml:6:9', true],
      ['f.yaml:7:9', false],
    ],
  );
});

test('shipped narrative files validate and their examples behave as declared', () => {
  for (const f of ['demo-smear.yaml', 'examples.yaml']) {
    const file = loadNarrativeFile(resolve(root, 'data/narratives', f));
    assert.ok(file.narratives.length > 0);
    assert.deepEqual(new NarrativeMatcher(file.narratives).checkExamples(), [], f);
  }
});

test('DISARM ids used by the detector and the shipped files exist in the framework', (t) => {
  const ref = referenceDataDir();
  const csv = resolve(ref, 'reference/disarm/disarm_red_techniques.csv');
  if (!existsSync(csv)) {
    t.skip(`DISARM reference data not found at ${csv} (set VIGIE_REFERENCE_DATA)`);
    return;
  }
  const known = new Set(
    readFileSync(csv, 'utf8')
      .split('\n')
      .slice(1)
      .map((l) => l.split(',')[0]),
  );
  const used: string[] = [...Object.values(NARRATIVE_TECHNIQUES)];
  for (const f of ['demo-smear.yaml', 'examples.yaml'])
    for (const n of loadNarrativeFile(resolve(root, 'data/narratives', f)).narratives)
      used.push(...n.techniques);
  assert.ok(used.length >= 3);
  for (const id of used) assert.ok(known.has(id), `${id} is not a DISARM technique`);
});
