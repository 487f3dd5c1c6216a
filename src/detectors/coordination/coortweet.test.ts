/**
 * Agreement with the anchors on real data: CooRTweet's russian_coord_tweets (Kulichkina,
 * Righetti & Waldherr 2024; MIT; nicolarighetti/CooRTweet @ d31a008e), with the reference edge
 * lists of coordination-network-toolkit and CooRTweet (see shared/data/README.md).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBStore } from '../../store/duckdb/DuckDBStore.js';
import { ingestFile } from '../../ingest/ingest.js';

const repo = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  ...(import.meta.url.includes('/dist/') ? ['..'] : []),
);
const DATA = process.env.VIGIE_REFERENCE_DATA ?? join(repo, '..', 'shared', 'data');
const DIR = join(DATA, 'social', 'coortweet');
const FILE = join(DIR, 'russian_coord_tweets.csv');

/** Undirected pair keys from a reference edge list (`from,to` or `source,target` first). */
function referencePairs(path: string): Set<string> {
  const lines = readFileSync(path, 'utf8').trim().split('\n').slice(1);
  return new Set(
    lines.map((l) => {
      const [a, b] = l.split(',').map((x) => x.replace(/"/g, ''));
      return a < b ? `${a} ${b}` : `${b} ${a}`;
    }),
  );
}

const strip = (k: string) => k.slice(k.indexOf(':') + 1);

describe('agreement with coordination-network-toolkit and CooRTweet (russian_coord_tweets)', () => {
  let store: DuckDBStore | undefined;
  before(async () => {
    if (!existsSync(FILE)) return;
    store = await DuckDBStore.open(':memory:');
    const r = await ingestFile(store, FILE);
    assert.equal(r.status, 'ingested');
  });
  after(async () => store?.close());

  const pairsAt = async (seconds: number) => {
    const r = await store!.coactionPairs({
      layer: 'co-repost',
      windowMs: seconds * 1000,
      maxAccountsPerObject: 1_000_000,
      minCount: 1,
      minObjectsPerStratum: 20,
    });
    return { r, keys: new Set(r.pairs.map((p) => `${strip(p.a)} ${strip(p.b)}`)) };
  };

  test('60 s: 6,206 pairs, CooRTweet edges all among them', async (t) => {
    if (!store) return t.skip(`reference data not found at ${FILE}`);
    const { r, keys } = await pairsAt(60);
    assert.equal(r.stats.pairsTested, 6206);
    assert.equal(keys.size, 6206);
    const coortweet = referencePairs(join(DIR, 'reference_outputs', 'coortweet_russian_tw60_mp2_edges.csv'));
    assert.equal(coortweet.size, 3721);
    assert.deepEqual(
      [...coortweet].filter((k) => !keys.has(k)),
      [],
    );
    // Weight: distinct shared objects. CooRTweet counts co-shares (60 pairs >= 2 in its list).
    assert.equal(r.pairs.filter((p) => p.count >= 2).length, 32);
  });

  test('10 s: exactly the pairs of coordination-network-toolkit', async (t) => {
    if (!store) return t.skip(`reference data not found at ${FILE}`);
    const { keys } = await pairsAt(10);
    const cnt = referencePairs(join(DIR, 'reference_outputs', 'cnt_russian_coretweet_tw10_w1_directed.csv'));
    assert.equal(cnt.size, 1092);
    assert.deepEqual(
      [...cnt].filter((k) => !keys.has(k)),
      [],
    );
    assert.equal(keys.size, cnt.size);
  });
});
