/* eslint-disable @typescript-eslint/no-explicit-any -- JSON bodies of responses are checked field by field */
/**
 * API tests on a real workspace: the demo's synthetic election week (posts, coordination
 * clusters), its mail dump and its campaign logs, served in-process through app.request.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { runDemo } from '../cli/commands/demo.js';
import { run } from '../cli/main.js';
import { openStore } from '../store/index.js';
import type { Store } from '../store/store.js';
import { findingId, type Finding } from '../findings/finding.js';
import { createApp, CSP } from './app.js';
import { OPENAPI } from './openapi.js';
import { isLoopback, tokenMatches } from './auth.js';
import { startServer } from './serve.js';

const HOSTILE = `<script>alert("x")</script><img src=x onerror=alert(1)> '"&`;
const HOSTILE_ID = findingId('hostile-fixture', 'test', 'x');
const SECRET_TEST = '/* compiled browser test: never served */';
let dir: string;
let store: Store;
let app: Hono;
let roApp: Hono;

/** Every finding, page by page, as /api/findings lists them. */
async function allFindings(filter = ''): Promise<any[]> {
  const out: any[] = [];
  for (;;) {
    const r = await json(`/api/findings?limit=500&offset=${out.length}${filter ? '&' + filter : ''}`);
    out.push(...r.body.items);
    if (r.body.items.length === 0 || out.length >= r.body.total) return out;
  }
}

const ids = (xs: any[]) => xs.map((x) => x.id as string).sort();

async function json(path: string, init?: RequestInit, a: Hono = app) {
  const r = await a.request(path, init);
  const text = await r.text();
  let body: any = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: r.status, headers: r.headers, body, text };
}

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  json(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', host: 'localhost', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigie-serve-'));
  const log = console.log;
  console.log = () => undefined; // the demo narrates; keep the test output readable
  try {
    await runDemo({
      dir,
      posts: 5000,
      seed: 2017,
      vigie: async (args) => {
        const code = await run(['node', 'vigie', ...args]);
        if (code !== 0) throw new Error(`vigie ${args.join(' ')} exited ${code}`);
      },
    });
  } finally {
    console.log = log;
  }
  store = await openStore(join(dir, 'vigie.duckdb'));
  const hostile: Finding = {
    id: HOSTILE_ID,
    kind: 'test',
    channel: 'narratives',
    title: HOSTILE,
    summary: `summary ${HOSTILE}`,
    severity: 'low',
    confidence: 0.5,
    confidenceMethod: 'fixture',
    detector: { name: 'narratives', version: '0', parameters: {} },
    evidence: [{ table: 'nowhere', key: HOSTILE }],
    techniques: [],
    caveats: ['fixture'],
    createdAt: '2030-01-01T00:00:00.000Z',
  };
  await store.saveFindings([hostile], 'test-run');
  const webRoot = join(dir, 'web');
  mkdirSync(join(webRoot, 'assets'), { recursive: true });
  writeFileSync(
    join(webRoot, 'index.html'),
    '<!doctype html><title>dash</title><script type="module" src="/assets/app.js"></script>',
  );
  writeFileSync(join(webRoot, 'assets', 'app.js'), 'console.log(1)');
  // What else lands in dist/web: a file vite copies from public/, and the compiled browser tests.
  writeFileSync(join(webRoot, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  mkdirSync(join(webRoot, 'e2e'));
  writeFileSync(join(webRoot, 'e2e', 'dashboard.test.js'), SECRET_TEST);
  writeFileSync(join(webRoot, 'stray.test.js'), SECRET_TEST);
  app = createApp({ store, token: null, readOnly: false, webRoot });
  roApp = createApp({ store, token: null, readOnly: true, webRoot: join(dir, 'no-build') });
});

after(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('routes and document', { timeout: 90_000 }, () => {
  test('every route is in the OpenAPI document and vice versa', () => {
    const routes = new Set(
      app.routes
        .filter((r) => r.path.startsWith('/api/') && r.path !== '/api/*' && r.method !== 'ALL')
        .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, '{$1}')}`),
    );
    const documented = new Set(
      Object.entries(OPENAPI.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`)),
    );
    assert.deepEqual([...routes].sort(), [...documented].sort());
    assert.equal(OPENAPI.openapi, '3.1.0');
  });

  test('health and openapi', async () => {
    const h = await json('/api/health');
    assert.equal(h.status, 200);
    assert.equal(h.body.ok, true);
    assert.equal(h.body.schemaVersion, await store.schemaVersion());
    const d = await json('/api/openapi.json');
    assert.equal(d.status, 200);
    assert.ok(d.body.paths['/api/findings']);
  });

  test('unknown API path is a JSON 404 and security headers are on every response', async () => {
    for (const p of ['/api/nope', '/api/findings?limit=0', '/api/health', '/', '/assets/app.js']) {
      const r = await app.request(p);
      assert.equal(r.headers.get('content-security-policy'), CSP, p);
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff', p);
      assert.equal(r.headers.get('referrer-policy'), 'no-referrer', p);
    }
    const r = await json('/api/nope');
    assert.equal(r.status, 404);
    assert.equal(r.body.error, 'not_found');
    assert.match(r.headers.get('content-type')!, /application\/json/);
  });
});

describe('overview and findings', { timeout: 90_000 }, () => {
  test('overview counts match the workspace and since filters new findings', async () => {
    const c = await store.counts();
    const o = await json('/api/overview');
    assert.equal(o.status, 200);
    assert.equal(o.body.counts.posts, c.posts);
    assert.equal(o.body.counts.accounts, c.accounts);
    assert.equal(o.body.counts.findings, c.findings);
    assert.ok(o.body.counts.leaks.messages > 0);
    assert.ok(o.body.counts.attacks.alerts > 0);
    const postSum = o.body.timeline
      .filter((t: any) => t.channel === 'posts')
      .reduce((s: number, t: any) => s + t.count, 0);
    assert.equal(postSum, c.posts);
    // Findings sit at the time their activity began, inside the data's span, not at analysis time.
    const span = o.body.timeline.filter((t: any) => !t.channel.startsWith('findings:')).map((t: any) => t.t);
    const [lo, hi] = [
      span.reduce((a: string, b: string) => (a < b ? a : b)),
      span.reduce((a: string, b: string) => (a > b ? a : b)),
    ];
    const placed = o.body.timeline.filter((t: any) => t.channel === 'findings:coordination');
    assert.ok(placed.length > 0);
    for (const t of placed) assert.ok(t.t >= lo && t.t <= hi, `${t.t} outside ${lo}..${hi}`);
    const later = await json('/api/overview?since=2029-12-31T00:00:00Z');
    assert.equal(later.body.newSince.findings, 1); // only the fixture dated 2030
    assert.equal(later.body.newSince.byChannel.narratives, 1);
    assert.equal((await json('/api/overview?since=yesterday')).status, 400);
  });

  test('pagination bounds and bad parameters give 400 JSON', async () => {
    for (const q of ['limit=0', 'limit=501', 'limit=abc', 'offset=-1', 'severity=huge', 'status=maybe']) {
      const r = await json(`/api/findings?${q}`);
      assert.equal(r.status, 400, q);
      assert.equal(r.body.error, 'bad_request');
      assert.ok(!/at .*\.ts/.test(r.text), 'no stack trace');
    }
    const all = await json('/api/findings?limit=500');
    const p1 = await json('/api/findings?limit=3&offset=0');
    const p2 = await json('/api/findings?limit=3&offset=3');
    assert.equal(p1.body.total, all.body.total);
    assert.deepEqual(
      [...p1.body.items, ...p2.body.items].map((f: any) => f.id),
      all.body.items.slice(0, 6).map((f: any) => f.id),
    );
    const beyond = await json(`/api/findings?offset=${all.body.total}`);
    assert.equal(beyond.body.items.length, 0);
    assert.equal(beyond.body.total, all.body.total);
  });

  test('filters: channel, severity, q', async () => {
    // Expectations come from the unfiltered list, so new detectors in the demo do not break them.
    const all = await allFindings();
    assert.equal(all.length, (await store.counts()).findings);
    const co = await allFindings('channel=coordination');
    assert.ok(co.length > 0);
    assert.deepEqual(ids(co), ids(all.filter((f) => f.channel === 'coordination')));
    const hi = await allFindings('severity=high');
    assert.deepEqual(ids(hi), ids(all.filter((f) => ['high', 'critical'].includes(f.severity))));
    const q = await allFindings('q=LOCKSTEP');
    const lockstep = all.filter((f) => /lockstep/i.test(f.title) || /lockstep/i.test(f.summary));
    assert.ok(lockstep.length > 0, 'the demo has clusters titled "acting in lockstep"');
    assert.deepEqual(ids(q), ids(lockstep));
    const both = await allFindings('channel=coordination&detector=coordination&q=lockstep');
    assert.deepEqual(
      ids(both),
      ids(lockstep.filter((f) => f.channel === 'coordination' && f.detector === 'coordination')),
    );
  });

  test('hostile text comes back verbatim as JSON, never as HTML', async () => {
    const r = await json('/api/findings?channel=narratives&limit=500');
    assert.match(r.headers.get('content-type')!, /^application\/json/);
    assert.equal(r.body.items.find((f: any) => f.id === HOSTILE_ID)?.title, HOSTILE);
    const n = await json('/api/narratives?limit=500');
    assert.equal(n.body.items.find((f: any) => f.id === HOSTILE_ID)?.title, HOSTILE);
    const d = await json(`/api/findings/${HOSTILE_ID}`);
    assert.match(d.headers.get('content-type')!, /^application\/json/);
    assert.equal(d.body.title, HOSTILE);
    assert.equal(d.body.resolvedEvidence[0].key, HOSTILE);
    assert.equal(d.body.resolvedEvidence[0].row, null);
  });

  test('narratives and state-media list exactly their detector findings', async () => {
    for (const [path, detector] of [
      ['/api/narratives', 'narratives'],
      ['/api/state-media', 'state-media'],
    ]) {
      const r = await json(`${path}?limit=500`);
      assert.equal(r.status, 200);
      assert.deepEqual(ids(r.body.items), ids(await allFindings(`detector=${detector}`)), path);
      assert.ok(
        r.body.items.every((f: any) => f.detector === detector),
        path,
      );
    }
    // The demo's planted smear narrative is found by both detectors.
    assert.ok((await json('/api/state-media')).body.total > 0);
    assert.ok((await json('/api/narratives')).body.total > 1);
  });

  test('finding detail resolves posts and accounts; unknown id is 404', async () => {
    const c = (await json('/api/clusters')).body.items[0];
    const d = await json(`/api/findings/${c.id}`);
    assert.equal(d.status, 200);
    assert.ok(d.body.caveats.length > 0);
    const posts = d.body.resolvedEvidence.filter((e: any) => e.table === 'posts');
    assert.ok(posts.length > 0 && posts.every((e: any) => e.row && e.row.key === e.key));
    const accs = d.body.resolvedEvidence.filter((e: any) => e.table === 'accounts');
    assert.ok(accs.length > 0 && accs.every((e: any) => e.row?.key === e.key));
    assert.equal((await json('/api/findings/doesnotexist')).status, 404);
  });
});

describe('annotations', { timeout: 90_000 }, () => {
  test('POST stores who and when, and /api/findings shows it', async () => {
    const f = (await json('/api/clusters')).body.items[0];
    const r = await post(`/api/findings/${f.id}/annotations`, {
      status: 'dismissed',
      note: HOSTILE,
      author: ' ana ',
    });
    assert.equal(r.status, 201);
    assert.equal(r.body.author, 'ana');
    assert.equal(r.body.note, HOSTILE);
    assert.ok(Math.abs(Date.parse(r.body.createdAt) - Date.now()) < 60_000);
    const list = await json('/api/findings?status=dismissed');
    assert.deepEqual(
      list.body.items.map((x: any) => x.id),
      [f.id],
    );
    assert.equal(list.body.items[0].annotation.note, HOSTILE);
    const again = await post(`/api/findings/${f.id}/annotations`, {
      status: 'confirmed',
      note: 'checked',
      author: 'bo',
    });
    assert.equal(again.status, 201);
    const d = await json(`/api/findings/${f.id}`);
    assert.deepEqual(
      d.body.annotations.map((a: any) => a.status),
      ['dismissed', 'confirmed'],
    );
    assert.equal(d.body.annotation.status, 'confirmed');
    assert.equal((await json('/api/findings?status=dismissed')).body.total, 0);
    const un = await json('/api/findings?status=unreviewed&limit=500');
    assert.ok(!un.body.items.some((x: any) => x.id === f.id));
    // Persisted in the workspace, not only in the server.
    assert.equal((await store.annotations().forFinding(f.id)).length, 2);
  });

  test('bad bodies, wrong type, cross-origin, unknown finding, read-only', async () => {
    const f = (await json('/api/findings?limit=1')).body.items[0];
    const url = `/api/findings/${f.id}/annotations`;
    assert.equal((await post(url, { status: 'maybe', author: 'a' })).status, 400);
    assert.equal((await post(url, { status: 'confirmed' })).status, 400);
    assert.equal((await post(url, { status: 'confirmed', author: 'a'.repeat(201) })).status, 400);
    assert.equal((await post(url, { status: 'confirmed', author: 'a', note: 'n'.repeat(4001) })).status, 400);
    assert.equal((await post(url, { status: 'note', author: 'a', note: '' })).status, 400);
    assert.equal((await post(url, '{not json')).status, 400);
    assert.equal((await post(url, [1, 2])).status, 400);
    const big = await post(url, JSON.stringify({ status: 'note', author: 'a', note: 'x'.repeat(20000) }));
    assert.equal(big.status, 413);
    const form = await json(url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', host: 'localhost' },
      body: '{}',
    });
    assert.equal(form.status, 415);
    const cross = await post(url, { status: 'confirmed', author: 'a' }, { origin: 'http://evil.example' });
    assert.equal(cross.status, 403);
    assert.equal((await post(url, { status: 'confirmed', author: 'a' }, { origin: 'null' })).status, 403);
    const same = await post(
      url,
      { status: 'note', note: 'same origin', author: 'a' },
      { origin: 'http://localhost' },
    );
    assert.equal(same.status, 201);
    assert.equal(
      (await post('/api/findings/nope/annotations', { status: 'confirmed', author: 'a' })).status,
      404,
    );
    const ro = await roApp.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'confirmed', author: 'a' }),
    });
    assert.equal(ro.status, 403);
  });
});

describe('coordination views', { timeout: 90_000 }, () => {
  test('clusters and their graph: every member a node, edges between members', async () => {
    const cs = await json('/api/clusters?limit=500');
    assert.ok(cs.body.total > 0);
    // Only the coordination detector's clusters: the account-signals detector files findings in
    // the same channel (the demo has some), and they are not networks.
    const expected = (await allFindings('channel=coordination')).filter(
      (f) => f.detector === 'coordination' && f.kind === 'coordinated-cluster',
    );
    assert.deepEqual(ids(cs.body.items), ids(expected));
    const other = (await allFindings('channel=coordination')).find((f) => f.detector !== 'coordination');
    assert.ok(other, 'the demo has coordination-channel findings of another detector');
    assert.equal((await json(`/api/clusters/${other.id}/graph`)).status, 404);
    const c = cs.body.items[0];
    assert.ok(c.size > 1 && c.layers.length > 0);
    const g = await json(`/api/clusters/${c.id}/graph`);
    assert.equal(g.status, 200);
    const f = (await json(`/api/findings/${c.id}`)).body;
    assert.deepEqual(g.body.nodes.map((n: any) => n.id).sort(), [...f.details.members].sort());
    const nodes = new Set(g.body.nodes.map((n: any) => n.id));
    assert.ok(g.body.edges.length > 0);
    for (const e of g.body.edges) {
      assert.ok(nodes.has(e.source) && nodes.has(e.target) && e.source < e.target);
      assert.ok(e.layers.length > 0 && e.weight >= 0);
    }
    for (const sp of f.details.strongestPairs)
      assert.ok(g.body.edges.some((e: any) => e.strongest && e.source === [sp.a, sp.b].sort()[0]));
    const one = await json(`/api/clusters/${c.id}/graph?maxEdges=1`);
    assert.equal(one.body.edges.length, 1);
    assert.equal(one.body.truncated, g.body.edges.length > 1);
    const notCluster = (await json('/api/findings?channel=leaks&limit=1')).body.items[0];
    assert.equal((await json(`/api/clusters/${notCluster.id}/graph`)).status, 404);
  });

  test('edge evidence: shared objects with times and deltas', async () => {
    const c = (await json('/api/clusters')).body.items[0];
    const sp = (await json(`/api/findings/${c.id}`)).body.details.strongestPairs[0];
    const e = await json(`/api/edges?a=${encodeURIComponent(sp.a)}&b=${encodeURIComponent(sp.b)}`);
    assert.equal(e.status, 200);
    const l = e.body.layers.find((x: any) => x.significant);
    assert.ok(l, 'the strongest pair has a significant layer');
    assert.ok(l.objects[0].actions.length >= 2);
    assert.equal(typeof l.objects[0].actions[1].deltaSeconds, 'number');
    assert.equal((await json('/api/edges?a=x:1')).status, 400);
    assert.equal((await json('/api/edges?a=x:1&b=x:1')).status, 400);
  });

  test('account and post', async () => {
    const c = (await json('/api/clusters')).body.items[0];
    const m = (await json(`/api/findings/${c.id}`)).body.details.members[0];
    const a = await json(`/api/accounts/${encodeURIComponent(m)}`);
    assert.equal(a.status, 200);
    assert.equal(a.body.account.key, m);
    // Scored by the demo's account-signals run: structured objects, as stored.
    const [stored] = await store.signals().listSignals({ key: m });
    assert.ok(stored, 'the demo scores every account');
    const sig = a.body.signals;
    assert.equal(`${sig.platform}:${sig.accountId}`, m);
    assert.equal(typeof sig.features, 'object');
    assert.equal(typeof sig.contributions, 'object');
    assert.deepEqual(sig.features, stored.features);
    assert.deepEqual(sig.contributions, stored.contributions);
    assert.deepEqual(sig.flags, stored.flags);
    assert.equal(sig.score, stored.score);
    assert.equal(sig.logit, stored.logit);
    assert.equal(sig.model, stored.model);
    assert.equal(Date.parse(sig.computedAt), Date.parse(stored.computedAt));
    assert.ok(Object.values(sig.contributions).every((x) => typeof x === 'number'));
    assert.ok(Math.abs(sig.score - 1 / (1 + Math.exp(-sig.logit))) < 1e-9);
    assert.equal(await store.views().accountSignals('x:nope'), null);
    assert.ok(a.body.posts.length > 0 && a.body.posts.every((p: any) => p.accountKey === m));
    assert.ok(a.body.findings.some((f: any) => f.id === c.id));
    const p = a.body.posts[0];
    const pp = await json(`/api/posts/${p.platform}/${encodeURIComponent(p.postId)}`);
    assert.deepEqual(pp.body, p);
    assert.equal((await json('/api/posts/x/nope')).status, 404);
    assert.equal((await json('/api/accounts/x%3Anope')).status, 404);
    assert.equal((await json('/api/accounts/nocolon')).status, 400);
  });

  test('evidence in other findings and signals resolves; cluster descriptions reach members', async () => {
    const acc = (await json('/api/findings?detector=account-signals&kind=account&limit=1')).body.items[0];
    assert.ok(acc, 'the demo has account-signals findings');
    const d = (await json(`/api/findings/${acc.id}`)).body;
    const ev = d.resolvedEvidence.find((e: any) => e.table === 'account_signals');
    // The finding's numbers are rounded to 12 digits for reproducibility; the stored row is not.
    assert.ok(Math.abs(ev.row.score - d.details.score) < 1e-9, `${ev.row.score} vs ${d.details.score}`);
    assert.deepEqual(Object.keys(ev.row.features).sort(), Object.keys(d.details.features).sort());
    for (const [k, v] of Object.entries(ev.row.features as Record<string, number | null>)) {
      const w = d.details.features[k];
      if (v === null || w === null) assert.equal(v, w, k);
      else assert.ok(Math.abs(v - w) <= 1e-9 * Math.max(1, Math.abs(v)), `${k}: ${v} vs ${w}`);
    }
    // A finding about a cluster names its members in details.clusterMembers and points at the
    // cluster finding: the member's account page lists it, and the cluster resolves.
    const c = (await json('/api/clusters')).body.items[0];
    const members = (await json(`/api/findings/${c.id}`)).body.details.members as string[];
    const about: Finding = {
      id: findingId('account-signals', 'cluster-accounts', 'fixture'),
      kind: 'cluster-accounts',
      channel: 'coordination',
      title: 'fixture: a cluster whose accounts score high',
      summary: 'fixture',
      severity: 'low',
      confidence: 0.9,
      confidenceMethod: 'fixture',
      detector: { name: 'account-signals', version: '0', parameters: {} },
      evidence: [{ table: 'findings', key: c.id, role: 'coordination cluster' }],
      techniques: [],
      caveats: ['fixture'],
      details: { cluster: c.id, clusterMembers: members },
      createdAt: '2026-01-01T00:00:00.000Z',
    };
    await store.saveFindings([about], 'test-run');
    const last = members[members.length - 1];
    const a = (await json(`/api/accounts/${encodeURIComponent(last)}`)).body;
    assert.ok(a.findings.some((f: any) => f.id === about.id));
    const r = (await json(`/api/findings/${about.id}`)).body.resolvedEvidence[0];
    assert.equal(r.row.id, c.id);
    assert.equal(r.row.title, c.title);
    assert.equal(
      (await json('/api/clusters?limit=500')).body.items.some((f: any) => f.id === about.id),
      false,
    );
  });
});

describe('leaks, attacks, search', { timeout: 90_000 }, () => {
  test('leak verdict table sorts and filters; one message has its proof', async () => {
    const all = await json('/api/leaks?sort=date&order=asc&limit=500');
    assert.ok(all.body.total > 0);
    const dates = all.body.items.map((m: any) => m.date).filter(Boolean);
    assert.deepEqual(dates, [...dates].sort());
    assert.equal(
      Object.values(all.body.verdicts as Record<string, number>).reduce((s, n) => s + n, 0),
      all.body.total,
    );
    const auth = await json('/api/leaks?verdict=authentic');
    assert.equal(auth.body.total, all.body.verdicts.authentic);
    assert.ok(auth.body.items.every((m: any) => m.verdict === 'authentic'));
    assert.equal((await json('/api/leaks?sort=evil')).status, 400);
    const m = await json(`/api/leaks/${encodeURIComponent(auth.body.items[0].id)}`);
    assert.equal(m.status, 200);
    assert.ok(m.body.signatures.length > 0 && m.body.signatures[0].signedHeaders.length > 0);
    assert.ok(m.body.keys.length > 0, 'the verifying key with its provenance');
    assert.ok(m.body.proven.length > 0 && m.body.notProven.length > 0);
    assert.equal((await json('/api/leaks/nope%3Anope')).status, 404);
  });

  test('attacks: digest, stats, an incident with its raw lines', async () => {
    const d = await json('/api/attacks/digest');
    assert.equal(d.status, 200);
    const day = d.body.days.find((x: any) => x.top.length > 0);
    assert.ok(day);
    const one = await json(`/api/attacks/digest?day=${day.day}`);
    assert.deepEqual(
      one.body.days.map((x: any) => x.day),
      [day.day],
    );
    assert.equal((await json('/api/attacks/digest?day=May')).status, 400);
    const s = await json('/api/attacks/stats');
    const daily = await store.attacks().daily();
    assert.equal(
      s.body.byDay.reduce((n: number, x: any) => n + x.events, 0),
      daily.reduce((n, x) => n + x.events, 0),
    );
    assert.ok(s.body.byAsn.length > 0 && s.body.byScenario.length > 0 && s.body.byCountry.length > 0);
    const inc = await json(`/api/attacks/incidents/${day.top[0].id}`);
    assert.equal(inc.status, 200);
    const lines = inc.body.alerts.flatMap((a: any) => a.lines);
    assert.ok(lines.length > 0);
    for (const l of lines.slice(0, 5)) {
      assert.ok(l.path && l.line > 0 && l.raw.length > 0);
      // The line is the file's own line, verbatim.
      assert.equal(readFileSync(l.path, 'utf8').split('\n')[l.line - 1], l.raw);
    }
    assert.equal((await json('/api/attacks/incidents/nope')).status, 404);
  });

  test('search across posts, messages and log lines', async () => {
    const p = (await json('/api/search?kind=posts&q=RT&limit=5')).body;
    assert.ok(p.total > 0 && p.items.every((x: any) => x.kind === 'post'));
    assert.equal((await json(`/api/posts/${p.items[0].id.replace(':', '/')}`)).status, 200);
    const subj = (await json('/api/leaks?limit=1')).body.items[0].subject as string;
    const m = (await json(`/api/search?kind=messages&q=${encodeURIComponent(subj)}`)).body;
    assert.ok(m.items.some((x: any) => x.kind === 'message'));
    const e = (await json('/api/search?kind=events&q=sshd&limit=2')).body;
    assert.ok(e.total > 0 && e.items.length === 2);
    assert.equal((await json('/api/search')).status, 400);
    assert.equal((await json('/api/search?q=a&kind=files')).status, 400);
  });
});

describe('dashboard files', { timeout: 90_000 }, () => {
  test('static build, single-page fallback, and the page shown without a build', async () => {
    const idx = await app.request('/');
    assert.match(await idx.text(), /<title>dash<\/title>/);
    const deep = await app.request('/clusters/abc');
    assert.match(await deep.text(), /<title>dash<\/title>/);
    const js = await app.request('/assets/app.js');
    assert.equal(await js.text(), 'console.log(1)');
    const icon = await app.request('/favicon.svg');
    assert.match(await icon.text(), /<svg/);
    assert.equal((await app.request('/assets/missing.js')).status, 404);
    // Only vite's output: the compiled tests beside it are never handed out, however asked.
    for (const p of [
      '/e2e/dashboard.test.js',
      '/stray.test.js',
      '/assets/../e2e/dashboard.test.js',
      '/assets/..%2fe2e%2fdashboard.test.js',
      '/assets/%2e%2e/e2e/dashboard.test.js',
      '/%2e%2e/web/e2e/dashboard.test.js',
    ]) {
      const r = await app.request(p);
      assert.ok(!(await r.text()).includes(SECRET_TEST), p);
    }
    const none = await roApp.request('/');
    assert.match(await none.text(), /npm run build/);
  });
});

describe('token', { timeout: 90_000 }, () => {
  const token = 'k'.repeat(43);
  let t: Hono;
  before(() => {
    t = createApp({ store, token, readOnly: false, webRoot: join(dir, 'web') });
  });

  test('bearer header: right token passes, wrong tokens of equal and unequal length do not', async () => {
    assert.equal((await t.request('/api/health')).status, 401);
    const ok = await t.request('/api/health', { headers: { authorization: `Bearer ${token}` } });
    assert.equal(ok.status, 200);
    for (const bad of ['j'.repeat(43), 'k', token + 'k']) {
      const r = await t.request('/api/health', { headers: { authorization: `Bearer ${bad}` } });
      assert.equal(r.status, 401, bad);
      assert.equal(((await r.json()) as { error: string }).error, 'unauthorized');
      assert.equal(r.headers.get('content-security-policy'), CSP);
    }
    assert.equal((await t.request('/')).status, 401);
  });

  test('browser: /?token= sets an HttpOnly SameSite=Strict cookie and redirects to /', async () => {
    const bad = await t.request(`/?token=${'j'.repeat(43)}`);
    assert.equal(bad.status, 401);
    assert.equal(bad.headers.get('set-cookie'), null);
    const r = await t.request(`/?token=${token}`);
    assert.equal(r.status, 302);
    assert.equal(r.headers.get('location'), '/');
    const cookie = r.headers.get('set-cookie')!;
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    const pair = cookie.split(';')[0];
    assert.equal((await t.request('/api/health', { headers: { cookie: pair } })).status, 200);
    assert.equal((await t.request('/api/health', { headers: { cookie: 'vigie_token=nope' } })).status, 401);
  });

  test('helpers', () => {
    assert.ok(isLoopback('127.0.0.1') && isLoopback('::1') && isLoopback('localhost') && isLoopback('[::1]'));
    assert.ok(!isLoopback('0.0.0.0') && !isLoopback('192.168.1.2') && !isLoopback('::'));
    assert.ok(tokenMatches('abc', 'abc'));
    assert.ok(!tokenMatches('abd', 'abc') && !tokenMatches(undefined, 'abc') && !tokenMatches('', 'abc'));
  });
});

describe('startServer over real HTTP', { timeout: 90_000 }, () => {
  test('loopback needs no token; another bind creates a 0600 token once and requires it', async () => {
    const db = join(dir, 'empty.duckdb');
    const s = await startServer({ db, host: '127.0.0.1', port: 0, readOnly: false });
    try {
      assert.equal(s.token, null);
      const r = await fetch(`${s.url}api/health`);
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('content-security-policy'), CSP);
    } finally {
      await s.close();
    }
    const s2 = await startServer({ db, host: '0.0.0.0', port: 0, readOnly: false });
    try {
      assert.ok(s2.token && s2.tokenCreated);
      assert.equal(statSync(`${db}.token`).mode & 0o777, 0o600);
      const base = `http://127.0.0.1:${s2.port}`;
      assert.equal((await fetch(`${base}/api/health`)).status, 401);
      const ok = await fetch(`${base}/api/overview`, { headers: { authorization: `Bearer ${s2.token}` } });
      assert.equal(ok.status, 200);
      assert.equal(((await ok.json()) as { counts: { posts: number } }).counts.posts, 0);
    } finally {
      await s2.close();
    }
    const s3 = await startServer({ db, host: '0.0.0.0', port: 0, readOnly: true });
    try {
      assert.equal(s3.tokenCreated, false);
      assert.equal(s3.token, s2.token);
    } finally {
      await s3.close();
    }
  });
});
