import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mulberry32 } from '../util/rng.js';
import { D, FEATURE_INDEX } from './features.js';
import type { FeatureTable } from './extract.js';
import { aucMannWhitney, calibrationTable, readLabels, trainModel } from './train.js';
import { compileModel, loadModel } from './model.js';
import { SIGNAL_TECHNIQUES } from './detector.js';

const dir = mkdtempSync(join(tmpdir(), 'vigie-signals-'));

describe('AUC and calibration', () => {
  test('hand-checked cases, with ties counting one half', () => {
    // 4 pairs (pos, neg): (0.35,0.1)=1 (0.35,0.4)=0 (0.8,0.1)=1 (0.8,0.4)=1 -> 3/4
    assert.equal(aucMannWhitney([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]), 0.75);
    // pos {0.2, 0.6} vs neg {0.6, 0.3}: 0 + 0 + 0.5 + 1 = 1.5 of 4
    assert.equal(aucMannWhitney([0.2, 0.6, 0.6, 0.3], [1, 0, 1, 0]), 0.375);
    assert.equal(aucMannWhitney([0.5, 0.5, 0.5], [1, 0, 1]), 0.5);
    assert.equal(aucMannWhitney([1, 2, 3], [1, 0, 0]), 0);
    assert.equal(aucMannWhitney([1, 2], [1, 1]), null);
  });

  test('reliability bins hold mean prediction and observed rate', () => {
    const bins = calibrationTable([0.05, 0.15, 0.12, 0.95, 0.91, 1], [0, 1, 0, 1, 1, 0], 10);
    assert.equal(bins.length, 10);
    assert.equal(bins[1].n, 2);
    assert.ok(Math.abs(bins[1].predicted! - 0.135) < 1e-12);
    assert.equal(bins[1].observed, 0.5);
    assert.equal(bins[9].n, 3, 'a score of 1 falls in the last bin');
    assert.equal(bins[5].predicted, null);
  });
});

/** n synthetic accounts: bots (half) have young age, many handle digits, high repost share; noise in all. */
function synthetic(
  n: number,
  seed: number,
  separable: boolean,
): { table: FeatureTable; labels: Map<string, 0 | 1> } {
  const rnd = mulberry32(seed);
  const values = new Float64Array(n * D).fill(NaN);
  const keys: string[] = [];
  const labels = new Map<string, 0 | 1>();
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  for (let i = 0; i < n; i++) {
    const bot = i % 2 === 1;
    const k = `x:${i}`;
    keys.push(k);
    const set = (name: string, v: number) => (values[i * D + FEATURE_INDEX.get(name)!] = v);
    const shift = separable && bot ? 1 : 0;
    set('age_days', Math.pow(10, 2.8 - 1.2 * shift + 0.4 * gauss()));
    set('handle_digits', Math.max(0, Math.round(1 + 5 * shift + 1.5 * gauss())));
    set('repost_share', Math.min(1, Math.max(0, 0.4 + 0.4 * shift + 0.15 * gauss())));
    set('followers', Math.pow(10, 2.5 + gauss()));
    if (rnd() < 0.3) set('description_length', Math.round(60 + 30 * gauss()));
    labels.set(k, separable ? (bot ? 1 : 0) : rnd() < 0.5 ? 1 : 0);
  }
  return {
    table: { keys, values, flags: keys.map(() => []), reactivationBefore: null, clusters: 0 },
    labels,
  };
}

describe('training', () => {
  test('a seeded separable set gives held-out AUC above 0.9, and the model round-trips', () => {
    const { table, labels } = synthetic(600, 7, true);
    const r = trainModel(table, labels, { seed: 3 });
    assert.ok(r.auc! > 0.9, `AUC ${r.auc}`);
    assert.equal(r.test.n, 180);
    assert.equal(r.test.bots, 90, 'stratified hold-out');
    const w = (n: string) => r.model.features.find((f) => f.name === n)!.weight;
    assert.ok(
      w('handle_digits') > 0 && w('repost_share') > 0 && w('age_days') < 0,
      'weights point the right way',
    );
    assert.equal(w('verified'), 0, 'a feature never seen gets no weight');
    const path = join(dir, 'm.json');
    writeFileSync(path, JSON.stringify(r.model));
    const cm = loadModel(path);
    assert.equal(cm.name, 'trained');
    const again = trainModel(table, labels, { seed: 3 });
    assert.deepEqual(again.model, r.model, 'same seed, same model');
  });

  test('random labels give a held-out AUC near 0.5', () => {
    const { table, labels } = synthetic(1000, 11, false);
    const r = trainModel(table, labels, { seed: 5, steps: 500 });
    assert.ok(r.auc! > 0.4 && r.auc! < 0.6, `AUC ${r.auc}`);
  });

  test('too few labels of one class is a usage error', () => {
    const { table } = synthetic(10, 1, true);
    assert.throws(
      () =>
        trainModel(
          table,
          new Map([
            ['x:1', 1],
            ['x:2', 0],
            ['x:3', 0],
          ]),
        ),
      /at least 2 bots/,
    );
  });

  test('a broken model file is an error naming the file and the problem', () => {
    const p = join(dir, 'bad.json');
    writeFileSync(
      p,
      JSON.stringify({
        format: 'vigie-account-signals-model',
        version: 1,
        intercept: 0,
        clamp: 3,
        features: [{ name: 'nope', center: 0, scale: 1, weight: 1 }],
      }),
    );
    assert.throws(
      () => loadModel(p),
      (e: Error) => e.message.includes(p) && /unknown feature "nope"/.test(e.message),
    );
    writeFileSync(p, '{not json');
    assert.throws(() => loadModel(p), /cannot read a JSON model/);
    assert.throws(() => compileModel({ format: 'x' } as never), /"format"/);
  });
});

describe('labels CSV', () => {
  const known = ['x:1', 'x:2', 'x:3', 'x:4', 'bsky:4', 'x:a:b'];
  test('good rows are read; bad rows are skipped with file and line', () => {
    const p = join(dir, 'labels.csv');
    writeFileSync(
      p,
      [
        'account_id,label', // 1
        '1,bot', // 2
        'x:2,human', // 3
        '3,maybe', // 4: bad label
        '4,1', // 5: ambiguous (x and bsky)
        'bsky:4,0', // 6
        '99,bot', // 7: unknown
        ',bot', // 8: no account
        '"unclosed,1', // 9: CSV error
      ].join('\n'),
    );
    const r = readLabels(p, known);
    assert.deepEqual([...r.labels].sort(), [
      ['bsky:4', 0],
      ['x:1', 1],
      ['x:2', 0],
    ]);
    const lines = r.problems.map((x) => x.line);
    assert.ok(r.problems.every((x) => x.file === p));
    for (const l of [4, 5, 7, 8])
      assert.ok(lines.includes(l), `line ${l} reported: ${JSON.stringify(r.problems)}`);
    assert.match(r.problems.find((x) => x.line === 5)!.message, /several platforms/);
    assert.ok(r.problems.length >= 5, 'the unclosed quote is reported too');
  });

  test('headerless files, 1/0 labels, conflicting duplicates, keys with colons', () => {
    const p = join(dir, 'nohead.csv');
    writeFileSync(p, '\uFEFF1,1\n2,0\n2,1\nx:a:b,TRUE\n');
    const r = readLabels(p, known);
    assert.equal(r.rows, 4);
    assert.deepEqual([...r.labels].sort(), [
      ['x:1', 1],
      ['x:a:b', 1],
    ]);
    assert.match(r.problems[0].message, /both bot and human/);
    assert.equal(r.problems[0].line, 3);
  });

  test('a header with a label column but no account column is an error', () => {
    const p = join(dir, 'nocol.csv');
    writeFileSync(p, 'who,label\n1,bot\n');
    assert.throws(() => readLabels(p, known), /:1: header has "label"/);
    assert.throws(() => readLabels(join(dir, 'missing.csv'), known), /missing\.csv: cannot read/);
  });
});

describe('DISARM', () => {
  test('every technique the detector can tag exists in the DISARM reference', (t) => {
    const here = fileURLToPath(new URL('.', import.meta.url));
    const root = resolve(here, '..', '..', ...(here.includes(join('dist', 'src')) ? ['..'] : []));
    const data = process.env.VIGIE_REFERENCE_DATA ?? resolve(root, '..', 'shared', 'data');
    const path = join(data, 'reference', 'disarm', 'disarm_red_techniques.csv');
    if (!existsSync(path)) {
      t.skip(`reference data not found at ${path}`);
      return;
    }
    const ids = new Set(
      readFileSync(path, 'utf8')
        .split('\n')
        .map((l) => l.split(',')[0]),
    );
    for (const id of Object.values(SIGNAL_TECHNIQUES)) assert.ok(ids.has(id), `${id} in DISARM`);
    assert.ok(
      !ids.has('T0090'),
      'T0090 (Create Inauthentic Accounts) is gone from this DISARM release: T0146/T0150 replace it',
    );
  });
});
