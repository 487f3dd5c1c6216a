import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateElectionWeek, writeElectionWeek, type GroundTruth } from '../synth/index.js';
import { openStore } from '../store/index.js';
import type { Store } from '../store/store.js';
import { ingestFiles } from '../ingest/ingest.js';
import { runDetectors } from '../detectors/run.js';
import { validateFinding, type Finding } from '../findings/finding.js';
import {
  loadNarrativeFile,
  matchWorkspace,
  toStored,
  discoverNarratives,
  candidatesYaml,
  parseNarratives,
} from './index.js';
import { NarrativeMatcher } from './matcher.js';
import { demoSmearFile, scoreSmear } from './demo.js';
import { NARRATIVE_CAVEATS } from './detector.js';

// One small seeded week with the smear, ingested once for all tests of this file.
let dir: string;
let store: Store;
let truth: GroundTruth;
let finding: Finding;

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigie-narratives-'));
  const w = await writeElectionWeek(dir, { posts: 8000, seed: 11, smear: true, swarms: 2 });
  truth = w.truth;
  store = await openStore(join(dir, 'w.duckdb'));
  await ingestFiles(store, [w.files['x-v1']!]);
  const f = loadNarrativeFile(demoSmearFile());
  await matchWorkspace(store, f.narratives, { save: toStored(f.narratives, f.path, f.sha256) });
  const { runs } = await runDetectors(store, { only: ['near-dup', 'coordination', 'narratives'], seed: 11 });
  finding = runs.find((r) => r.detector === 'narratives')!.result.findings[0];
});

test.after(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('the smear option leaves the default week untouched and appends its accounts', () => {
  const a = generateElectionWeek({ posts: 3000, seed: 5 });
  const b = generateElectionWeek({ posts: 3000, seed: 5, smear: false });
  const c = generateElectionWeek({ posts: 3000, seed: 5, smear: true });
  assert.equal(
    JSON.stringify(a.truth),
    JSON.stringify({ ...b.truth, options: { ...b.truth.options, smear: undefined } }),
  );
  assert.equal('smear' in a.truth, false);
  const ids = (w: typeof a) => [...w].map((r) => `${r.post.postId}|${r.post.text}`).join('\n');
  assert.equal(ids(a), ids(b));
  // With the smear: the earlier swarms keep their accounts; one more swarm (style smear).
  assert.deepEqual(
    c.truth.swarms.slice(0, -1).map((s) => s.accountIds),
    a.truth.swarms.map((s) => s.accountIds),
  );
  assert.equal(c.truth.swarms.at(-1)!.style, 'smear');
  assert.equal(c.truth.smear!.swarmId, c.truth.swarms.at(-1)!.id);
});

test('answer key: origin is the outlet post linking state media, before the clone and the swarm', () => {
  const s = truth.smear!;
  assert.ok(s.outletPostIds.includes(s.originPostId));
  assert.deepEqual(s.stateMediaDomains, ['sputniknews.africa']);
  assert.deepEqual(s.cloneDomains, ['lemonde.ltd']);
  assert.ok(s.debunkPostIds.length >= 2 && s.organicPostIds.length >= 1);
  assert.ok(s.swarmPostIds.length >= 2 * s.swarmAccountIds.length);
});

test('every planted smear post is matched, and organic posts without the story are not', async () => {
  const ns = store.narratives();
  const posts = await ns.earliestPosts('demo-offshore-smear', 100_000, true);
  const matched = new Set(posts.map((p) => p.postId));
  for (const id of truth.smear!.postIds) assert.ok(matched.has(id), `planted post ${id} not matched`);
  // Extra matches are organic reposts of planted posts (their text is the original's).
  const planted = new Set(truth.smear!.postIds);
  for (const p of posts) if (!planted.has(p.postId)) assert.equal(p.kind, 'repost', p.postId);
});

test('narratives finding: origin, domains, languages, evidence, DISARM tags, caveats', () => {
  assert.ok(finding, 'no narratives finding');
  assert.deepEqual(validateFinding(finding), []);
  assert.equal(finding.channel, 'narratives');
  const d = finding.details as {
    origins: { post: string; domains: string[] }[];
    domains: { key: string }[];
    languages: { key: string; posts: number }[];
    posts: number;
  };
  assert.equal(d.origins[0].post, `x:${truth.smear!.originPostId}`);
  assert.deepEqual(d.origins[0].domains, ['sputniknews.africa']);
  assert.deepEqual(d.domains.map((x) => x.key).sort(), ['lemonde.ltd', 'sputniknews.africa']);
  assert.deepEqual(d.languages.map((l) => l.key).sort(), ['en', 'fr']);
  assert.equal(finding.evidence[0].key, `x:${truth.smear!.originPostId}`);
  assert.ok(finding.techniques.includes('T0023'), 'technique from the definition');
  assert.ok(finding.techniques.includes('T0084.001'), 'copypasta: swarm texts are near-duplicates');
  assert.deepEqual(finding.caveats, NARRATIVE_CAVEATS);
  assert.match(finding.caveats.join(' '), /debunks/);
  const score = scoreSmear(truth.smear!, [finding]);
  assert.equal(score.found, true);
  assert.equal(score.originIsOutlet, true);
  assert.deepEqual(score.domainsMissed, []);
});

test('carrying clusters are the coordination clusters whose members posted the narrative', async () => {
  const clusters = (await store.listFindings({ channel: 'coordination' })).filter((f) =>
    Array.isArray(f.details?.members),
  );
  const accounts = new Set((await store.narratives().accounts('demo-offshore-smear')).map((a) => a.account));
  const expected = clusters
    .filter((c) => (c.details!.members as string[]).filter((m) => accounts.has(m)).length >= 2)
    .map((c) => c.id)
    .sort();
  const got = ((finding.details as { clusters: { findingId: string }[] }).clusters ?? [])
    .map((c) => c.findingId)
    .sort();
  assert.deepEqual(got, expected);
  const swarm = new Set(truth.smear!.swarmAccountIds.map((a) => `x:${a}`));
  // When the swarm is found as a cluster, it carries the narrative with its own accounts.
  for (const c of (finding.details as { clusters: { carriers: string[] }[] }).clusters)
    assert.ok(c.carriers.some((m) => swarm.has(m)) || c.carriers.length >= 2);
  if (got.length) assert.ok(finding.techniques.includes('T0049'));
});

test('series and breakdowns add up to the matched posts', async () => {
  const ns = store.narratives();
  const [sum] = (await ns.summaries()).filter((s) => s.id === 'demo-offshore-smear');
  const hourly = await ns.series('demo-offshore-smear', 'hour');
  const daily = await ns.series('demo-offshore-smear', 'day');
  const total = (xs: { posts: number }[]) => xs.reduce((a, x) => a + x.posts, 0);
  assert.equal(total(hourly), sum.posts);
  assert.equal(total(daily), sum.posts);
  const b = await ns.breakdown('demo-offshore-smear');
  assert.equal(total(b.languages), sum.posts);
  assert.equal(total(b.platforms), sum.posts);
});

test('discovery proposes the copy-paste campaign with its words, and a YAML skeleton that validates', async () => {
  const { candidates } = await discoverNarratives(store, { top: 3, minAccounts: 5 });
  assert.ok(candidates.length > 0);
  const smear = candidates.find((c) =>
    c.words.some((w) => ['offshore', 'caimans', 'cayman'].includes(w.term)),
  );
  assert.ok(
    smear,
    `no smear candidate among ${candidates.map((c) => c.words.map((w) => w.term).join(' ')).join(' / ')}`,
  );
  assert.ok(smear.languages.some((l) => l.lang === 'fr'));
  const yaml = candidatesYaml(candidates);
  const defs = parseNarratives(yaml, 'candidates.yaml');
  assert.equal(defs.length, candidates.length);
  assert.deepEqual(new NarrativeMatcher(defs).checkExamples(), []);
});

test('the detector explains itself on a workspace without narratives', async () => {
  const d2 = mkdtempSync(join(tmpdir(), 'vigie-narratives-empty-'));
  const s2 = await openStore(join(d2, 'w.duckdb'));
  try {
    const { runs } = await runDetectors(s2, { only: ['narratives'] });
    assert.equal(runs[0].result.findings.length, 0);
    assert.match(runs[0].result.messages[0], /narratives match --file/);
  } finally {
    await s2.close();
    rmSync(d2, { recursive: true, force: true });
  }
});
