import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBStore } from '../store/duckdb/DuckDBStore.js';
import { ingestFile } from '../ingest/ingest.js';
import { D, FEATURE_INDEX } from './features.js';
import { scoreWorkspace } from './score.js';

test('conformance: features and scores for all 100 real users of TwiBot-20_sample.json', async (t) => {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const root = resolve(here, '..', '..', ...(here.includes(join('dist', 'src')) ? ['..'] : []));
  const data = process.env.VIGIE_REFERENCE_DATA ?? resolve(root, '..', 'shared', 'data');
  const path = join(data, 'social', 'twibot-20-sample', 'TwiBot-20_sample.json');
  if (!existsSync(path)) {
    t.skip(`reference data not found at ${path}`);
    return;
  }
  // Source: BunsenFeng/TwiBot-20 @ f37b6510, MIT (see shared/data/README.md). Unlabelled.
  const store = await DuckDBStore.open(':memory:');
  try {
    const res = await ingestFile(store, path);
    assert.equal(res.format, 'twibot20');
    assert.equal(res.rejected, 0);
    // The dump does not say when profiles were fetched: age is measured at a stated date.
    const asOf = Date.UTC(2020, 8, 1);
    const run = await scoreWorkspace(store, { extract: { asOf } });
    assert.equal(run.table.keys.length, 100);
    const col = (n: string) => FEATURE_INDEX.get(n)!;
    for (let i = 0; i < 100; i++) {
      const v = (n: string) => run.table.values[i * D + col(n)];
      for (const n of [
        'followers',
        'following',
        'statuses',
        'handle_length',
        'handle_digits',
        'handle_entropy',
        'verified',
        'default_profile',
        'default_avatar',
      ])
        assert.ok(Number.isFinite(v(n)), `${run.table.keys[i]} ${n}`);
      assert.ok(v('age_days') > 0, `${run.table.keys[i]} age`);
      assert.ok(run.table.flags[i].includes('age-as-of'));
      // Its tweets are bare texts (no id, no time): behaviour stays unknown rather than invented.
      assert.ok(Number.isNaN(v('posts_per_day')));
    }
    for (const s of run.signals) assert.ok(s.score > 0 && s.score < 1 && Number.isFinite(s.logit));
    const shaq = run.signals.find((s) => s.accountId === '17461978')!;
    assert.equal(shaq.features.verified, 1);
    assert.ok(shaq.contributions.verified < 0);
    assert.equal((await store.signals().listSignals()).length, 100);
  } finally {
    await store.close();
  }
});
