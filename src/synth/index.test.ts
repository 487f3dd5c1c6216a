import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  CSV_READER_OPTIONS,
  DEFAULTS,
  generateElectionWeek,
  scoreClusters,
  swarmLabels,
  writeElectionWeek,
  type SynthRecord,
} from './index.js';
import { parisOffsetMinutes } from './calendar.js';
import { snowflake, snowflakeTime } from './ids.js';
import { Alias, Rng } from './rng.js';
import type { Post } from '../model/post.js';
import { isVigieError } from '../util/errors.js';
import { InputFile } from '../ingest/input.js';
import { genericCsvReader } from '../readers/generic-csv/index.js';
import { readerFor } from '../readers/index.js';

const SMALL = { posts: 20_000, seed: 42 };

function collect(opts: Parameters<typeof generateElectionWeek>[0]) {
  const week = generateElectionWeek(opts);
  const records: SynthRecord[] = [];
  for (const r of week) records.push(r);
  return { week, records, posts: records.map((r) => r.post) };
}

function hashRecords(opts: Parameters<typeof generateElectionWeek>[0]): string {
  const h = createHash('sha256');
  for (const r of generateElectionWeek(opts)) h.update(JSON.stringify(r));
  return h.digest('hex');
}

// One generated week shared by the read-only tests below.
const base = collect(SMALL);

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'vigie-synth-'));
}

describe('synth: building blocks', () => {
  test('the PRNG is seeded and its samplers follow their distributions', () => {
    const a = new Rng(7);
    const b = new Rng(7);
    const xs = Array.from({ length: 5 }, () => a.u32());
    assert.deepEqual(
      xs,
      Array.from({ length: 5 }, () => b.u32()),
    );
    assert.notDeepEqual(
      xs,
      Array.from({ length: 5 }, () => new Rng(8).u32()),
    );
    const r = new Rng(1);
    let sum = 0;
    let sq = 0;
    const n = 50_000;
    for (let i = 0; i < n; i++) {
      const z = r.normal();
      sum += z;
      sq += z * z;
    }
    assert.ok(Math.abs(sum / n) < 0.02);
    assert.ok(Math.abs(sq / n - 1) < 0.03);
    const alias = new Alias([1, 2, 7]);
    const counts = [0, 0, 0];
    for (let i = 0; i < n; i++) counts[alias.draw(r)]++;
    assert.ok(Math.abs(counts[2] / n - 0.7) < 0.01, `alias share ${counts[2] / n}`);
  });

  test('snowflake ids are exact past 2^53 and encode their time', () => {
    const t = Date.UTC(2017, 4, 3, 19, 12, 45, 123);
    const id = snowflake(t, 4_000_000);
    assert.equal(id, ((BigInt(t - 1288834974657) << 22n) + 4_000_000n).toString());
    assert.equal(snowflakeTime(id), t);
  });

  test('Paris time follows the EU summer-time rule', () => {
    assert.equal(parisOffsetMinutes(Date.UTC(2017, 4, 3, 12)), 120);
    assert.equal(parisOffsetMinutes(Date.UTC(2017, 0, 10, 12)), 60);
    assert.equal(parisOffsetMinutes(Date.UTC(2017, 2, 26, 0, 59)), 60); // last Sunday of March, 01:00 UTC
    assert.equal(parisOffsetMinutes(Date.UTC(2017, 2, 26, 1, 0)), 120);
  });
});

describe('synth: determinism', () => {
  test('same seed, same records; another seed, other records', () => {
    const opts = { posts: 4000, seed: 3 };
    assert.equal(hashRecords(opts), hashRecords(opts));
    assert.notEqual(hashRecords(opts), hashRecords({ ...opts, seed: 4 }));
  });

  test('iterating a week twice gives the same posts', () => {
    const week = generateElectionWeek({ posts: 3000, seed: 5 });
    const a = [...week].map((r) => r.post.postId);
    const b = [...week].map((r) => r.post.postId);
    assert.deepEqual(a, b);
  });

  test('same seed, same file bytes', async () => {
    const d1 = tmp();
    const d2 = tmp();
    try {
      const opts = { posts: 3000, seed: 9, formats: ['x-v1', 'csv'] as ('x-v1' | 'csv')[] };
      const a = await writeElectionWeek(d1, opts);
      const b = await writeElectionWeek(d2, opts);
      for (const k of ['x-v1', 'csv', 'truth'] as const) {
        const ha = createHash('sha256').update(readFileSync(a.files[k]!)).digest('hex');
        const hb = createHash('sha256').update(readFileSync(b.files[k]!)).digest('hex');
        assert.equal(ha, hb, `${k} differs between two runs with the same seed`);
      }
    } finally {
      rmSync(d1, { recursive: true, force: true });
      rmSync(d2, { recursive: true, force: true });
    }
  });
});

describe('synth: the stream', () => {
  test('exact count, time order, unique ids, times inside the week', () => {
    const { posts, week } = base;
    assert.equal(posts.length, SMALL.posts);
    const start = Date.parse(week.truth.period.start);
    const end = Date.parse(week.truth.period.end);
    const ids = new Set<string>();
    for (let i = 0; i < posts.length; i++) {
      const p = posts[i];
      if (i > 0) assert.ok(p.time >= posts[i - 1].time, 'posts come out in time order');
      assert.ok(p.time >= start - 1000 && p.time < end);
      assert.ok(!ids.has(p.postId), `duplicate id ${p.postId}`);
      ids.add(p.postId);
      assert.equal(Math.floor(snowflakeTime(p.postId) / 1000) * 1000, p.time, 'the id encodes the time');
    }
    assert.equal(week.stats.posts, SMALL.posts);
  });

  test('reposts refer to earlier posts; nobody reposts the same post twice', () => {
    const byId = new Map(base.posts.map((p) => [p.postId, p]));
    const pairs = new Set<string>();
    let reposts = 0;
    for (const p of base.posts) {
      if (p.kind !== 'repost') continue;
      reposts++;
      const ref = byId.get(p.refPostId!);
      assert.ok(ref, 'the reposted post is in the stream');
      assert.ok(ref.time <= p.time);
      assert.equal(ref.accountId, p.refAccountId);
      assert.notEqual(p.accountId, ref.accountId, 'no self-repost');
      const k = p.accountId + '>' + p.refPostId;
      assert.ok(!pairs.has(k), `account ${p.accountId} reposted ${p.refPostId} twice`);
      pairs.add(k);
    }
    // DEFAULTS.repostShare is a target, reached within a few points.
    assert.ok(
      Math.abs(reposts / base.posts.length - DEFAULTS.repostShare) < 0.08,
      `repost share ${reposts / base.posts.length}`,
    );
  });

  test('mostly French, some English, short phrases without a language', () => {
    const by = new Map<string, number>();
    for (const p of base.posts) by.set(p.lang, (by.get(p.lang) ?? 0) + 1);
    const n = base.posts.length;
    assert.ok((by.get('fr') ?? 0) / n > 0.6, 'French dominates');
    assert.ok((by.get('en') ?? 0) / n > 0.05 && (by.get('en') ?? 0) / n < 0.3, 'English is a minority');
    assert.ok((by.get('und') ?? 0) > 0);
    const texts = new Set(base.posts.map((p) => p.text));
    for (const phrase of ['Bonne nuit', 'Merci !', '+1']) assert.ok(texts.has(phrase), `"${phrase}" occurs`);
  });

  test('activity per account is heavy-tailed', () => {
    const per = new Map<string, number>();
    for (const p of base.posts) per.set(p.accountId, (per.get(p.accountId) ?? 0) + 1);
    const counts = [...per.values()].sort((a, b) => b - a);
    const top = counts.slice(0, Math.max(1, Math.round(counts.length / 100))).reduce((a, b) => a + b, 0);
    const share = top / base.posts.length;
    // Lognormal sigma 2: the top 1 % post about a quarter to a half of everything.
    assert.ok(share > 0.15 && share < 0.7, `top 1% share ${share}`);
    const median = counts[Math.floor(counts.length / 2)];
    assert.ok(counts[0] > 30 * median, `max ${counts[0]} vs median ${median}`);
  });

  test('popularity of reposted posts, URLs and hashtags is heavy-tailed', () => {
    const rt = new Map<string, number>();
    const tags = new Map<string, number>();
    const domains = new Map<string, number>();
    for (const p of base.posts) {
      if (p.kind === 'repost') rt.set(p.refPostId!, (rt.get(p.refPostId!) ?? 0) + 1);
      if (p.kind === 'original') {
        for (const h of p.hashtags) tags.set(h, (tags.get(h) ?? 0) + 1);
        for (const d of p.domains) domains.set(d, (domains.get(d) ?? 0) + 1);
      }
    }
    const counts = [...rt.values()].sort((a, b) => b - a);
    const total = counts.reduce((a, b) => a + b, 0);
    const top = counts.slice(0, Math.ceil(counts.length / 100)).reduce((a, b) => a + b, 0);
    assert.ok(top / total > 0.15, `top 1% of reposted posts get ${top / total} of reposts`);
    const topTag = Math.max(...tags.values());
    const tagTotal = [...tags.values()].reduce((a, b) => a + b, 0);
    assert.ok(topTag / tagTotal > 0.08, 'one hashtag leads');
    assert.ok(domains.has('lemonde.fr') && domains.has('bbc.co.uk'), 'news domains of both languages');
    assert.ok([...domains.keys()].every((d) => d.includes('.')));
  });

  test('a diurnal cycle in Paris time', () => {
    const byHour = new Array<number>(24).fill(0);
    for (const p of base.posts) {
      const local = new Date(p.time + parisOffsetMinutes(p.time) * 60_000);
      byHour[local.getUTCHours()]++;
    }
    const night = byHour[3] + byHour[4];
    const evening = byHour[20] + byHour[21];
    assert.ok(evening > 5 * night, `evening ${evening} vs night ${night}`);
  });

  test('the debate raises activity and concentrates reposts within minutes', () => {
    const debate = base.week.truth.events.find((e) => e.name === 'debate')!;
    const s = Date.parse(debate.start);
    const e = Date.parse(debate.end);
    const day = 86_400_000;
    const during = base.posts.filter((p) => p.time >= s && p.time < e).length;
    const dayBefore = base.posts.filter((p) => p.time >= s - day && p.time < e - day).length;
    assert.ok(during > 2 * dayBefore, `debate ${during} vs same hours the day before ${dayBefore}`);
    // Hard negatives: each viral post is reposted by many distinct accounts soon after, none
    // of it planted (cover accounts of swarms may join in, as any user would).
    const planted = new Set(base.records.filter((r) => r.swarm !== null).map((r) => r.post.postId));
    const hn = base.week.truth.hardNegatives.find((h) => h.event === 'debate')!;
    assert.ok(hn.postIds.length >= 3);
    for (const id of hn.postIds) {
      const orig = base.posts.find((p) => p.postId === id)!;
      const rts = base.posts.filter((p) => p.refPostId === id && p.kind === 'repost');
      const fast = rts.filter((p) => p.time - orig.time < 30 * 60_000);
      assert.ok(fast.length >= 20, `viral post reposted ${fast.length} times within 30 min`);
      assert.ok(
        rts.every((p) => !planted.has(p.postId)),
        'crowd reposts are organic',
      );
    }
  });

  test('accounts come with profiles, once, when first seen', () => {
    const seen = new Set<string>();
    for (const r of base.records) {
      for (const a of r.accounts) {
        assert.ok(!seen.has(a.accountId), 'each account is yielded once');
        seen.add(a.accountId);
        assert.ok(a.createdAt! < Date.parse(base.week.truth.period.start));
        assert.ok(a.handle && a.handle.length <= 15 && /^\w+$/.test(a.handle));
        assert.equal(typeof a.defaultProfile, 'boolean');
      }
      assert.ok(seen.has(r.post.accountId), 'the author was yielded at or before its first post');
    }
  });
});

describe('synth: planted swarms and ground truth', () => {
  const { week, records } = base;
  const truth = week.truth;
  const byAccount = new Map<string, SynthRecord[]>();
  for (const r of records) {
    const l = byAccount.get(r.post.accountId);
    if (l) l.push(r);
    else byAccount.set(r.post.accountId, [r]);
  }
  const postById = new Map(records.map((r) => [r.post.postId, r.post]));

  test('default swarms cover every style', () => {
    assert.equal(truth.swarms.length, DEFAULTS.swarms);
    const styles = new Set(truth.swarms.map((s) => s.style));
    for (const s of ['repost-ring', 'link-push', 'copy-paste', 'mixed', 'organic-cover'])
      assert.ok(styles.has(s as never));
    const all = truth.swarms.flatMap((s) => s.accountIds);
    assert.equal(new Set(all).size, all.length, 'an account belongs to one swarm');
  });

  test('every member posts for its swarm; planted posts are where the truth says', () => {
    for (const s of truth.swarms) {
      const ids = new Set(s.postIds);
      for (const a of s.accountIds) {
        const mine = (byAccount.get(a) ?? []).filter((r) => r.swarm === s.id);
        assert.ok(mine.length >= 2, `${s.id} member ${a} has ${mine.length} swarm posts`);
        for (const r of mine) assert.ok(ids.has(r.post.postId));
      }
      const emitted = records.filter((r) => r.swarm === s.id).length;
      assert.equal(emitted, s.postIds.length);
    }
  });

  test('each style behaves as its name says', () => {
    for (const s of truth.swarms) {
      const posts = s.postIds.map((id) => postById.get(id)!);
      const targets = new Set(s.targets.postIds);
      const urls = new Set(s.targets.urls);
      const reposts = posts.filter((p) => p.kind === 'repost');
      const links = posts.filter((p) => p.urls.some((u) => urls.has(u)));
      switch (s.style) {
        case 'repost-ring':
          for (const p of reposts) {
            assert.ok(targets.has(p.refPostId!), 'rings repost their targets');
            const lag = p.time - postById.get(p.refPostId!)!.time;
            assert.ok(lag >= 0 && lag <= 15 * 60_000, `ring repost lag ${lag} ms`);
          }
          assert.ok(reposts.length > posts.length / 2);
          break;
        case 'link-push':
          assert.equal(links.length, posts.length, 'every push post carries a campaign URL');
          assert.ok(s.targets.domains.length >= 1);
          break;
        case 'copy-paste': {
          // Small edits keep most words of one of the base messages.
          const words = (x: string) =>
            new Set(
              x
                .toLowerCase()
                .split(/[^\p{L}\p{N}]+/u)
                .filter(Boolean),
            );
          const bases = s.targets.texts.map(words);
          for (const p of posts) {
            const w = words(p.text!);
            const best = Math.max(...bases.map((b) => [...b].filter((x) => w.has(x)).length / b.size));
            assert.ok(best >= 0.75, `copy "${p.text}" is far from every base (${best})`);
          }
          break;
        }
        case 'mixed':
          assert.ok(reposts.length > 0 && links.length > 0, 'mixed swarms both repost and link');
          break;
        case 'organic-cover': {
          const organic = s.accountIds.filter((a) => (byAccount.get(a) ?? []).some((r) => r.swarm === null));
          assert.ok(organic.length > s.accountIds.length / 2, 'cover accounts also post organically');
          break;
        }
      }
    }
  });

  test('swarm accounts are younger, registered in bursts, default profiles more often', () => {
    const accounts = new Map<string, { createdAt: number | null; defaultProfile: boolean | null }>();
    for (const r of records) for (const a of r.accounts) accounts.set(a.accountId, a);
    const labels = swarmLabels(truth);
    let swarmDefault = 0;
    let swarmN = 0;
    let orgDefault = 0;
    let orgN = 0;
    for (const [id, a] of accounts) {
      if (labels.has(id)) {
        swarmN++;
        if (a.defaultProfile) swarmDefault++;
      } else {
        orgN++;
        if (a.defaultProfile) orgDefault++;
      }
    }
    assert.ok(swarmDefault / swarmN > 2 * (orgDefault / orgN), 'default profiles');
    for (const s of truth.swarms.filter((x) => x.style !== 'organic-cover')) {
      const from = Date.parse(s.createdBurst.from);
      const to = Date.parse(s.createdBurst.to);
      const inBurst = s.accountIds.filter((a) => {
        const c = accounts.get(a)?.createdAt ?? 0;
        return c >= from - 1000 && c <= to;
      });
      assert.ok(
        inBurst.length >= 0.6 * s.accountIds.length,
        `${s.id}: ${inBurst.length} of ${s.accountIds.length} in burst`,
      );
    }
  });

  test('scoreClusters compares detected clusters with the truth', () => {
    const perfect = truth.swarms.map((s) => s.accountIds);
    const p = scoreClusters(truth, perfect);
    assert.equal(p.precision, 1);
    assert.equal(p.recall, 1);
    assert.equal(p.pureClusters, perfect.length);
    assert.ok(p.perSwarm.every((s) => s.bestJaccard === 1));
    const organic = records.find((r) => r.swarm === null && !swarmLabels(truth).has(r.post.accountId))!.post
      .accountId;
    const noisy = scoreClusters(truth, [[...truth.swarms[0].accountIds, organic]]);
    assert.equal(noisy.falsePositives, 1);
    assert.ok(noisy.recall < 0.5 && noisy.precision < 1);
    assert.equal(scoreClusters(truth, []).recall, 0);
  });

  test('swarms can be given exactly', () => {
    const { week: w, records: rs } = collect({
      posts: 6000,
      seed: 2,
      swarms: [
        { style: 'copy-paste', size: 12 },
        { style: 'repost-ring', size: 8, english: true },
      ],
    });
    assert.deepEqual(
      w.truth.swarms.map((s) => [s.style, s.accountIds.length, s.language]),
      [
        ['copy-paste', 12, 'fr'],
        ['repost-ring', 8, 'en'],
      ],
    );
    assert.ok(rs.some((r) => r.swarm === 'swarm-02'));
  });

  test('bad options are usage errors', () => {
    for (const bad of [
      { posts: 0 },
      { posts: 1.5 },
      { swarms: [{ style: 'nope', size: 3 }] },
      { start: 'yesterday' },
      { repostShare: 2 },
    ])
      assert.throws(
        () => generateElectionWeek(bad as never),
        (e: unknown) => isVigieError(e, 'ERR_USAGE'),
      );
    assert.throws(
      () => generateElectionWeek({ posts: 500, swarms: 10, swarmSize: [200, 300] }),
      (e: unknown) => isVigieError(e, 'ERR_USAGE'),
    );
  });
});

describe('synth: files', () => {
  test('X v1.1 JSON lines: tweet objects the x-v1 reader turns into the same posts', async () => {
    const dir = tmp();
    try {
      const opts = { posts: 6000, seed: 21 };
      const out = await writeElectionWeek(dir, opts);
      assert.equal(out.stats.posts, 6000);
      assert.equal(
        out.stats.swarmMembers,
        out.truth.swarms.reduce((a, s) => a + s.accountIds.length, 0),
      );
      const lines = readFileSync(out.files['x-v1']!, 'utf8').trimEnd().split('\n');
      assert.equal(lines.length, 6000);
      for (const l of lines.slice(0, 2000)) {
        assert.ok(/^[\x20-\x7e]*$/.test(l), 'lines are ASCII (non-ASCII escaped)');
        const t = JSON.parse(l);
        assert.match(t.created_at, /^[A-Z][a-z]{2} [A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d \+0000 \d{4}$/);
        assert.equal(typeof t.id_str, 'string');
        assert.equal(typeof t.user.id_str, 'string');
        assert.match(t.source, /^<a href="[^"]+" rel="nofollow">[^<]+<\/a>$/);
        const cps = Array.from(t.text as string);
        assert.ok(cps.length <= 140);
        for (const h of t.entities.hashtags)
          assert.equal(cps.slice(h.indices[0], h.indices[1]).join(''), '#' + h.text);
        for (const m of t.entities.user_mentions)
          assert.equal(cps.slice(m.indices[0], m.indices[1]).join(''), '@' + m.screen_name);
        for (const u of t.entities.urls) assert.equal(cps.slice(u.indices[0], u.indices[1]).join(''), u.url);
        if (t.retweeted_status) assert.ok(t.text.startsWith(`RT @${t.retweeted_status.user.screen_name}: `));
      }
      const mine = new Map<string, Post>();
      for (const r of generateElectionWeek(opts)) mine.set(r.post.postId, r.post);
      let n = 0;
      for await (const rec of readerFor('x-v1').read(await InputFile.open(out.files['x-v1']!), {})) {
        assert.equal(rec.reject, undefined);
        for (const p of rec.posts ?? []) {
          assert.deepEqual(p, mine.get(p.postId));
          n++;
        }
      }
      assert.equal(n, 6000);
      const truth = JSON.parse(readFileSync(out.files.truth, 'utf8'));
      assert.deepEqual(truth, JSON.parse(JSON.stringify(out.truth)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('CSV: the generic CSV reader reads every row; merged rows give the same posts', async () => {
    const dir = tmp();
    try {
      const opts = { posts: 5000, seed: 22 };
      const out = await writeElectionWeek(dir, { ...opts, formats: ['csv'] });
      assert.equal(out.files['x-v1'], undefined);
      const merged = new Map<string, Post>();
      let rejects = 0;
      for await (const rec of genericCsvReader.read(
        await InputFile.open(out.files.csv!),
        CSV_READER_OPTIONS,
      )) {
        if (rec.reject) rejects++;
        for (const p of rec.posts ?? []) {
          const m = merged.get(p.postId);
          if (!m) merged.set(p.postId, p);
          // The store merges rows of one post the same way (lists united, first row kept).
          else
            for (const k of ['urls', 'canonicalUrls', 'hashtags', 'mentions'] as const)
              m[k] = [...m[k], ...p[k].filter((v) => !m[k].includes(v))];
        }
      }
      assert.equal(rejects, 0);
      assert.equal(merged.size, 5000);
      let checked = 0;
      for (const r of generateElectionWeek(opts)) {
        const p = merged.get(r.post.postId)!;
        const want = r.post;
        assert.equal(p.accountId, want.accountId);
        assert.equal(p.time, want.time);
        assert.equal(p.kind, want.kind);
        assert.equal(p.refPostId, want.refPostId);
        assert.equal(p.refAccountId, want.refAccountId);
        assert.deepEqual(p.canonicalUrls, want.canonicalUrls);
        assert.deepEqual(p.hashtags, want.hashtags);
        // Reposts: no text in the CSV, and no mention of the reposted author (ref_account_id has it).
        if (want.kind !== 'repost') assert.equal(p.text, want.text);
        checked++;
      }
      assert.equal(checked, 5000);
      // Without the mapping, the recognised columns still give posts and reposts.
      let reposts = 0;
      for await (const rec of genericCsvReader.read(await InputFile.open(out.files.csv!), {}))
        for (const p of rec.posts ?? []) if (p.kind === 'repost') reposts++;
      assert.ok(reposts > 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('gzip output holds the same bytes', async () => {
    const d1 = tmp();
    const d2 = tmp();
    try {
      const opts = {
        posts: 2000,
        seed: 23,
        swarms: 2,
        swarmSize: [5, 8] as [number, number],
        formats: ['x-v1', 'csv'] as ('x-v1' | 'csv')[],
      };
      const plain = await writeElectionWeek(d1, opts);
      const gz = await writeElectionWeek(d2, { ...opts, gzip: true });
      assert.ok(gz.files['x-v1']!.endsWith('.jsonl.gz'));
      assert.deepEqual(gunzipSync(readFileSync(gz.files['x-v1']!)), readFileSync(plain.files['x-v1']!));
      assert.deepEqual(gunzipSync(readFileSync(gz.files.csv!)), readFileSync(plain.files.csv!));
    } finally {
      rmSync(d1, { recursive: true, force: true });
      rmSync(d2, { recursive: true, force: true });
    }
  });
});
