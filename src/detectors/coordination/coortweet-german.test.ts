/**
 * Agreement with CooRTweet on the multi-modal case of real data: german_elections (Righetti et
 * al. 2022; MIT; nicolarighetti/CooRTweet), URLs and perceptual image hashes shared within
 * 30 s, against CooRTweet's own edge list (shared/data/social/coortweet/reference_outputs/
 * coortweet_german_multimodal_tw30_edges.csv: 298 accounts, 771 edges).
 *
 * Definitions differ, on purpose: vigie reports every pair with a co-action in a layer (the
 * significance test then decides), and weighs a pair by the distinct objects it shares per
 * layer; CooRTweet keeps a pair only when one of its accounts has at least
 * `min_participation` (2) coordinated posts, and counts co-shares. So CooRTweet's edges must
 * all be among vigie's pairs, and their weights agree wherever a pair shared each object once.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBStore } from '../../store/duckdb/DuckDBStore.js';
import { ingestFile } from '../../ingest/ingest.js';
import { referenceDataDir } from '../../util/paths.js';
import { splitKey } from '../../model/keys.js';

const DIR = join(referenceDataDir(), 'social', 'coortweet');
const FILE = join(DIR, 'german_elections.csv.gz');
const EDGES = join(DIR, 'reference_outputs', 'coortweet_german_multimodal_tw30_edges.csv');

describe('agreement with CooRTweet, multi-modal URL + image at 30 s (german_elections)', () => {
  let store: DuckDBStore | undefined;
  before(async () => {
    if (!existsSync(FILE) || !existsSync(EDGES)) return;
    store = await DuckDBStore.open(':memory:');
    const r = await ingestFile(store, FILE);
    assert.equal(r.status, 'ingested');
  });
  after(async () => store?.close());

  test('every CooRTweet edge is a vigie co-link or co-image pair; weights mostly equal', async (t) => {
    if (!store) return t.skip(`reference data not found at ${FILE} (set VIGIE_REFERENCE_DATA)`);
    const reference = new Map<string, number>();
    for (const line of readFileSync(EDGES, 'utf8').trim().split('\n').slice(1)) {
      const [a, b, w] = line.split(',').map((x) => x.replace(/"/g, ''));
      reference.set(a < b ? `${a} ${b}` : `${b} ${a}`, Number(w));
    }
    assert.equal(reference.size, 771);

    const ours = new Map<string, number>();
    const missedByLayer: Record<string, number> = {};
    for (const layer of ['co-link', 'co-image']) {
      const r = await store!.coactionPairs({
        layer,
        windowMs: 30_000,
        maxAccountsPerObject: 1_000_000,
        minCount: 1,
        minObjectsPerStratum: 20,
      });
      const keys = new Set<string>();
      for (const p of r.pairs) {
        const k = `${splitKey(p.a)![1]} ${splitKey(p.b)![1]}`;
        keys.add(k);
        ours.set(k, (ours.get(k) ?? 0) + p.count);
      }
      missedByLayer[layer] = [...reference.keys()].filter((k) => !keys.has(k)).length;
    }
    // Both modalities are needed: neither layer alone holds all of CooRTweet's edges.
    assert.deepEqual(missedByLayer, { 'co-link': 101, 'co-image': 611 });
    const missing = [...reference.keys()].filter((k) => !ours.has(k));
    assert.deepEqual(missing, []);
    assert.equal(ours.size, 2879);
    const equal = [...reference].filter(([k, w]) => ours.get(k) === w).length;
    assert.equal(equal, 700);
  });
});
