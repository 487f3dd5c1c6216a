import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DuckDBStore } from '../store/duckdb/DuckDBStore.js';
import { loadFixture } from '../detectors/coordination/fixture.js';
import { findingId, validateFinding, type Finding } from '../findings/finding.js';
import { FEATURE_INDEX, D, charEntropy, digitCount, charLength } from './features.js';
import { extractFeatures, type FeatureTable } from './extract.js';
import { DEFAULT_MODEL, compileModel, scoreVector, sigmoid } from './model.js';
import { scoreWorkspace } from './score.js';
import { accountSignalsDetector } from './detector.js';
import { HUMAN_GAPS, T_REF, signalFixture, account } from './fixture.js';

const DAY = 86_400_000;
const VOTE = Date.UTC(2024, 5, 9);

function feature(t: FeatureTable, key: string, name: string): number {
  const i = t.keys.indexOf(key);
  assert.ok(i >= 0, `${key} extracted`);
  return t.values[i * D + FEATURE_INDEX.get(name)!];
}

describe('account features', () => {
  let store: DuckDBStore;
  let table: FeatureTable;
  before(async () => {
    store = await DuckDBStore.open(':memory:');
    await loadFixture(store, signalFixture(), 'signals');
    table = await extractFeatures(store, {
      reactivationBefore: VOTE,
      timezones: new Map([['x:nightowl', 'Europe/Paris']]),
    });
  });
  after(() => store.close());

  test('profile features of the bot fixture', () => {
    const f = (n: string) => feature(table, 'x:bot1', n);
    assert.equal(f('age_days'), 10);
    assert.equal(f('statuses_per_day'), 500);
    assert.equal(f('following_per_day'), 90);
    assert.equal(f('handle_digits'), 8);
    assert.equal(f('handle_length'), 13);
    assert.equal(f('name_digits'), 1);
    assert.equal(f('default_avatar'), 1);
    assert.equal(f('default_profile'), 1);
    assert.equal(f('verified'), 0);
    assert.ok(Math.abs(f('follower_friend_ratio') - Math.log10(4 / 901)) < 1e-12);
    assert.ok(Number.isNaN(f('description_length')), 'no description: unknown, not 0');
  });

  test('behaviour features from posts, computed in SQL', () => {
    const f = (n: string) => feature(table, 'x:bot1', n);
    assert.equal(f('posts_observed'), 60);
    assert.equal(f('repost_share'), 1);
    assert.equal(f('night_share'), 20 / 60, '01:00..05:45 UTC are night');
    assert.equal(f('gap_cv'), 0, 'clockwork');
    assert.equal(f('gap_entropy'), 0);
    assert.equal(f('client_count'), 1);
    assert.equal(f('client_entropy'), 0);
    assert.equal(f('posts_per_day'), 60, 'span under a day counts as one day');
    assert.equal(f('reactivated'), 0);

    const h = (n: string) => feature(table, 'x:human1', n);
    const mean = HUMAN_GAPS.reduce((a, b) => a + b, 0) / HUMAN_GAPS.length;
    const sd = Math.sqrt(HUMAN_GAPS.reduce((a, g) => a + (g - mean) ** 2, 0) / HUMAN_GAPS.length);
    assert.ok(Math.abs(h('gap_cv') - sd / mean) < 1e-9, `gap_cv ${h('gap_cv')} vs ${sd / mean}`);
    const bins = new Map<number, number>();
    for (const g of HUMAN_GAPS)
      bins.set(Math.floor(Math.log2(1 + g)), (bins.get(Math.floor(Math.log2(1 + g))) ?? 0) + 1);
    const ent = -[...bins.values()].reduce((a, c) => a + (c / 10) * Math.log2(c / 10), 0);
    assert.ok(Math.abs(h('gap_entropy') - ent) < 1e-9);
    assert.equal(h('client_count'), 2);
    const pWeb = 4 / 11; // gaps 0,3,6,9 -> posts h1,h4,h7,h10 from the web client
    assert.ok(
      Math.abs(h('client_entropy') - -(pWeb * Math.log2(pWeb) + (1 - pWeb) * Math.log2(1 - pWeb))) < 1e-9,
    );
    assert.equal(h('night_share'), 0);
    assert.equal(h('longest_gap_days'), 2);
  });

  test('dormant account reactivated before the vote; too few gaps give unknown regularity', () => {
    assert.equal(feature(table, 'x:sleeper', 'reactivated'), 1);
    assert.ok(Number.isNaN(feature(table, 'x:sleeper', 'gap_cv')));
    assert.ok(Math.abs(feature(table, 'x:sleeper', 'longest_gap_days') - 195) < 1e-9);
  });

  test("night judged in the account's own zone when known, else UTC and flagged", async () => {
    assert.equal(feature(table, 'x:nightowl', 'night_share'), 1, '23:30 UTC is 01:30 in Paris in June');
    const i = table.keys.indexOf('x:nightowl');
    assert.ok(!table.flags[i].includes('night-utc'));
    assert.ok(table.flags[table.keys.indexOf('x:bot1')].includes('night-utc'));
    const utc = await extractFeatures(store, { reactivationBefore: VOTE });
    assert.equal(feature(utc, 'x:nightowl', 'night_share'), 0);
    await assert.rejects(
      extractFeatures(store, { timezones: new Map([['x:nightowl', 'Mars/Olympus']]) }),
      /unknown time zone "Mars\/Olympus"/,
    );
  });

  test('an account known only by id has every feature unknown and scores the base rate', () => {
    const i = table.keys.indexOf('x:ghost');
    assert.ok(i >= 0);
    for (let j = 0; j < D; j++)
      if (j !== FEATURE_INDEX.get('creation_burst')) assert.ok(Number.isNaN(table.values[i * D + j]));
    const cm = compileModel(DEFAULT_MODEL);
    assert.equal(sigmoid(scoreVector(cm, table.values, i * D)), sigmoid(DEFAULT_MODEL.intercept));
  });

  test('contributions: signs follow the features, and sum to the logit', () => {
    const cm = compileModel(DEFAULT_MODEL);
    const contrib = new Float64Array(D);
    const bi = table.keys.indexOf('x:bot1');
    const logit = scoreVector(cm, table.values, bi * D, contrib);
    const c = (n: string) => contrib[FEATURE_INDEX.get(n)!];
    for (const n of [
      'age_days',
      'handle_digits',
      'default_avatar',
      'repost_share',
      'gap_cv',
      'gap_entropy',
      'statuses_per_day',
      'following_per_day',
    ])
      assert.ok(c(n) > 0, `${n} pushes bot1 up (${c(n)})`);
    assert.ok(c('follower_friend_ratio') > 0);
    assert.equal(c('verified'), 0, 'not verified is the centre');
    assert.ok(Math.abs(contrib.reduce((a, b) => a + b, 0) + cm.intercept - logit) < 1e-12);
    const hi = table.keys.indexOf('x:human1');
    scoreVector(cm, table.values, hi * D, contrib);
    assert.ok(c('age_days') < 0, 'an old account pulls the score down');
    assert.ok(c('gap_cv') < 0, 'bursty posting pulls the score down');
    const score = (k: string) => sigmoid(scoreVector(cm, table.values, table.keys.indexOf(k) * D));
    assert.ok(score('x:bot1') > 0.9, `bot1 ${score('x:bot1')}`);
    assert.ok(score('x:human1') < 0.1, `human1 ${score('x:human1')}`);
  });

  test('string helpers count characters, digits of any script, entropy', () => {
    assert.equal(charLength('a😀b'), 3);
    assert.equal(digitCount('ab١٢3'), 3);
    assert.equal(charEntropy('aaaa'), 0);
    assert.equal(charEntropy('abAB'), 1, 'case-folded: two symbols, one bit');
  });
});

function cluster(members: string[]): Finding {
  return {
    id: findingId('coordination', 'cluster', members.join(',')),
    kind: 'coordinated-cluster',
    channel: 'coordination',
    title: 't',
    summary: 's',
    severity: 'medium',
    confidence: 0.9,
    confidenceMethod: 'test',
    detector: { name: 'coordination', version: 'test', parameters: {} },
    evidence: [],
    techniques: [],
    caveats: ['test'],
    details: { members },
    createdAt: new Date(T_REF).toISOString(),
  };
}

describe('creation burst, storage and the detector', () => {
  let store: DuckDBStore;
  before(async () => {
    store = await DuckDBStore.open(':memory:');
    const f = signalFixture();
    // Three more bots created the same days as bot1, one a month earlier, all in one cluster.
    for (const [id, days] of [
      ['bot2', 10.5],
      ['bot3', 9],
      ['bot4', 40],
    ] as const) {
      f.accounts.push(
        account(id, {
          handle: `jean${id}99817261`,
          createdAt: T_REF - days * DAY,
          followers: 2,
          following: 700,
          postsCount: 3000,
          defaultAvatar: true,
          defaultProfile: true,
          verified: false,
        }),
      );
    }
    await loadFixture(store, f, 'burst');
    await store.saveFindings([cluster(['x:bot1', 'x:bot2', 'x:bot3', 'x:bot4'])], 'r1');
  });
  after(() => store.close());

  test('co-members created within the window count; others are 0; without clusters unknown', async () => {
    const t = await extractFeatures(store, { reactivationBefore: VOTE, burstWindowHours: 48 });
    assert.equal(t.clusters, 1);
    assert.equal(feature(t, 'x:bot1', 'creation_burst'), 2);
    assert.equal(feature(t, 'x:bot2', 'creation_burst'), 2);
    assert.equal(feature(t, 'x:bot3', 'creation_burst'), 2, 'bot3 is 1 and 1.5 days from the others');
    assert.equal(feature(t, 'x:bot4', 'creation_burst'), 0);
    assert.equal(feature(t, 'x:human1', 'creation_burst'), 0);
    const narrow = await extractFeatures(store, { reactivationBefore: VOTE, burstWindowHours: 12 });
    assert.equal(feature(narrow, 'x:bot1', 'creation_burst'), 1);
    assert.equal(feature(narrow, 'x:bot3', 'creation_burst'), 0);
    await store.clearFindings('coordination');
    const none = await extractFeatures(store, { reactivationBefore: VOTE });
    assert.ok(Number.isNaN(feature(none, 'x:bot1', 'creation_burst')));
    assert.ok(none.flags[0].includes('no-clusters'));
    await store.saveFindings([cluster(['x:bot1', 'x:bot2', 'x:bot3', 'x:bot4'])], 'r1');
  });

  test('scores are stored and read back with features and contributions', async () => {
    const run = await scoreWorkspace(store, { extract: { reactivationBefore: VOTE } });
    const top = await store.signals().listSignals({ top: 3 });
    assert.equal(top.length, 3);
    assert.ok(top[0].score >= top[1].score && top[1].score >= top[2].score);
    const [bot] = await store.signals().listSignals({ key: 'x:bot1' });
    const mine = run.signals.find((s) => s.accountId === 'bot1')!;
    assert.ok(Math.abs(bot.score - mine.score) < 1e-12);
    assert.equal(bot.features.handle_digits, 8);
    assert.equal(bot.features.description_length, null);
    assert.ok(bot.contributions.default_avatar > 0);
    assert.equal(bot.model, 'default');
    const sum = Object.values(bot.contributions).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum + DEFAULT_MODEL.intercept - bot.logit) < 1e-9);
    assert.equal((await store.signals().listSignals()).length, run.signals.length);
  });

  test('the detector reports the high-scoring cluster with valid findings and a verdict caveat', async () => {
    const r = await accountSignalsDetector.detect(
      { store, runId: 'r2', seed: 1, log: () => {} },
      { reactivationBefore: VOTE },
    );
    const cl = r.findings.filter((f) => f.kind === 'cluster-accounts');
    assert.equal(cl.length, 1);
    for (const f of r.findings) assert.deepEqual(validateFinding(f), []);
    assert.ok(cl[0].techniques.includes('T0150.008'), 'bulk created: burst of co-members');
    assert.ok(cl[0].techniques.includes('T0146.007'));
    assert.ok(cl[0].caveats.some((c) => /evidence, not a verdict/.test(c)));
    assert.ok(cl[0].evidence.some((e) => e.table === 'accounts' && e.key === 'x:bot1'));
    assert.ok(
      !r.findings.some(
        (f) => f.kind === 'account' && (f.details as { account: string }).account === 'x:bot1',
      ),
      'cluster members are not repeated',
    );
    assert.ok(!r.findings.some((f) => JSON.stringify(f.details).includes('x:human1')));
    await store.saveFindings(r.findings, 'r2');
    assert.equal((await store.listFindings({ kind: 'cluster-accounts' })).length, 1);
  });
});

test('docs/signals.md lists every default weight as the code has it', async () => {
  const { readFileSync } = await import('node:fs');
  const { fileURLToPath } = await import('node:url');
  const { join, resolve } = await import('node:path');
  const { DEFAULT_WEIGHTS } = await import('./model.js');
  const here = fileURLToPath(new URL('.', import.meta.url));
  const root = resolve(here, '..', '..', ...(here.includes(join('dist', 'src')) ? ['..'] : []));
  const doc = readFileSync(join(root, 'docs', 'signals.md'), 'utf8').split('\n');
  for (const w of DEFAULT_WEIGHTS) {
    // Cells trimmed: prettier pads table columns.
    const cells = doc.map((l) => l.split('|').map((c) => c.trim()));
    const row = cells.find((c) => c[1] === `\`${w.name}\`` && c.length > 6);
    assert.ok(row, `${w.name} in the weights table`);
    assert.deepEqual(row.slice(4, 7).map(Number), [w.center, w.scale, w.weight], w.name);
  }
  assert.ok(doc.some((l) => l.includes('intercept is −2')));
  assert.equal(DEFAULT_MODEL.intercept, -2);
});
