import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyFdr, combineLayers, communities, layerWeight, type LayerRun } from './combine.js';
import type { LayerEdge } from './types.js';

const edge = (layer: string, a: string, b: string, p: number, count = 3): LayerEdge => ({
  layer,
  a,
  b,
  count,
  pValue: p,
  logPValue: Math.log(p),
});

describe('combining layers', () => {
  test('BH per layer counts every tested pair; pooled BH counts all layers', () => {
    const runs: LayerRun[] = [
      { layer: 'co-repost', edges: [edge('co-repost', 'x:a', 'x:b', 1e-6)], tested: 1000 },
      { layer: 'co-link', edges: [edge('co-link', 'x:a', 'x:b', 1e-6)], tested: 9000 },
    ];
    applyFdr(runs, 'layer');
    assert.ok(Math.abs(runs[0].edges[0].qValue! - 1e-3) < 1e-12);
    assert.ok(Math.abs(runs[1].edges[0].qValue! - 9e-3) < 1e-12);
    applyFdr(runs, 'all');
    // Two p-values of 1e-6 among 10000: q = 1e-6 * 10000 / 2.
    assert.ok(Math.abs(runs[0].edges[0].qValue! - 5e-3) < 1e-12);
  });

  test('a weak layer adds evidence to an edge but never creates one', () => {
    const runs: LayerRun[] = [
      { layer: 'co-repost', edges: [edge('co-repost', 'x:b', 'x:a', 1e-9)], tested: 10 },
      {
        layer: 'co-domain',
        weak: true,
        edges: [edge('co-domain', 'x:a', 'x:b', 1e-9), edge('co-domain', 'x:c', 'x:d', 1e-9)],
        tested: 10,
      },
    ];
    applyFdr(runs, 'layer');
    const g = combineLayers(runs, 0.01);
    assert.equal(g.length, 1);
    assert.deepEqual([g[0].a, g[0].b], ['x:a', 'x:b']);
    assert.deepEqual(
      g[0].layers.map((l) => l.layer),
      ['co-domain', 'co-repost'],
    );
    assert.ok(Math.abs(g[0].weight - 2 * layerWeight(runs[0].edges[0])) < 1e-9);
  });

  test('edges above the FDR level are dropped', () => {
    const runs: LayerRun[] = [
      { layer: 'co-repost', edges: [edge('co-repost', 'x:a', 'x:b', 0.001)], tested: 100 },
    ];
    applyFdr(runs, 'layer');
    assert.equal(combineLayers(runs, 0.01).length, 0);
    assert.equal(combineLayers(runs, 0.2).length, 1);
  });

  test('Louvain separates two cliques joined by one weak edge, the same way for a seed', () => {
    const es: LayerEdge[] = [];
    const clique = (prefix: string) => {
      for (let i = 0; i < 6; i++)
        for (let j = i + 1; j < 6; j++)
          es.push(edge('co-repost', `x:${prefix}${i}`, `x:${prefix}${j}`, 1e-12));
    };
    clique('a');
    clique('b');
    es.push(edge('co-repost', 'x:a0', 'x:b0', 1e-3));
    es.push(edge('co-repost', 'x:p', 'x:q', 1e-12)); // a pair: below the minimum size
    const runs: LayerRun[] = [{ layer: 'co-repost', edges: es, tested: es.length }];
    applyFdr(runs, 'layer');
    const g = combineLayers(runs, 0.05);
    const c1 = communities(g, { seed: 1, resolution: 1, minSize: 3 });
    const c2 = communities(g, { seed: 1, resolution: 1, minSize: 3 });
    assert.deepEqual(c1, c2);
    assert.equal(c1.length, 2);
    assert.ok(c1.every((c) => c.length === 6 && new Set(c.map((m) => m[2])).size === 1));
    assert.deepEqual(communities([], { seed: 1, resolution: 1, minSize: 3 }), []);
  });
});
