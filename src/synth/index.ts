/**
 * Seeded synthetic social media: a realistic election week (mostly French, some English) with
 * planted coordinated swarms and their ground truth. Used by `vigie demo` and by the
 * coordination benchmarks.
 *
 * - `generateElectionWeek(options)` streams `Post` + `Account` records in time order, in
 *   process, with memory bounded by what is in flight (not by the number of posts).
 * - `writeElectionWeek(dir, options)` writes X API v1.1 JSON lines (`x-v1`), a compact
 *   generic CSV, and the ground truth JSON, and returns their paths and statistics.
 *
 * Same options and seed, same bytes. See README.md for what is modelled and what is not.
 *
 * @example
 * const week = generateElectionWeek({ posts: 50_000, seed: 7 });
 * for (const { post, accounts } of week) store(post, accounts);
 * week.truth.swarms[0].accountIds; // the planted accounts of swarm-01
 *
 * @example
 * const out = await writeElectionWeek('/tmp/demo', { posts: 200_000 });
 * out.files['x-v1']; // '/tmp/demo/election-week.x-v1.jsonl'
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Account, Post } from '../model/post.js';
import { canonicalUrl, normaliseHashtag, normaliseMention, registrableDomain } from '../ingest/normalize.js';
import { VigieError } from '../util/errors.js';
import { toAccount } from './accounts.js';
import { CLIENTS } from './lexicon.js';
import { emptyStats, type EngineOptions, type EngineStats, rawPosts, rawStream, World } from './engine.js';
import { SWARM_STYLES, type SwarmSpec } from './plan.js';
import type { RawPost } from './raw.js';
import { Rng } from './rng.js';
import { retweetKeepsUpTo, retweetText, V1Renderer } from './twitter-v1.js';
import { CSV_HEADER, CSV_READER_OPTIONS, csvRows } from './csv.js';
import { eventsTruth, type GroundTruth } from './truth.js';
import { SMEAR_DEFAULTS, type SmearSpec } from './smear.js';

const CLIENT_NAMES = CLIENTS.map((c) => c.name);

export type { SwarmSpec, SwarmStyle, SwarmTruth, HardNegative } from './plan.js';
export { SWARM_STYLES } from './plan.js';
export type { GroundTruth, ClusterScore, SwarmScore } from './truth.js';
export { scoreClusters, swarmLabels } from './truth.js';
export type { EngineStats as SynthStats } from './engine.js';
export type { RawPost } from './raw.js';
export { CSV_READER_OPTIONS } from './csv.js';
export type { SmearSpec, SmearTruth } from './smear.js';
export {
  SMEAR_DEFAULTS,
  SMEAR_NARRATIVE_ID,
  SMEAR_CLONE_URL,
  SMEAR_STATE_MEDIA_URL,
  SMEAR_OUTLET_HANDLE,
} from './smear.js';

/** Bumped whenever the same options would produce different bytes. */
export const SYNTH_VERSION = 1;

/** Generator options. Every field has a default in `DEFAULTS`. */
export interface SynthOptions {
  /** Seed of every random choice: same seed and options, same output bytes. */
  seed: number;
  /** Posts to generate, planted ones included (exact). */
  posts: number;
  /** Organic accounts; null means `posts / postsPerAccount`. */
  accounts: number | null;
  postsPerAccount: number;
  /** First instant of the period (ISO-8601). Events are placed by day from here. */
  start: string;
  days: number;
  /** Share of activity from English-speaking users (London and New York clocks). */
  englishShare: number;
  /** Target share of organic reposts among posts. */
  repostShare: number;
  /** Shares of replies and quotes among organic non-repost posts. */
  replyShare: number;
  quoteShare: number;
  /** Log-scale sigma of per-account activity (lognormal): the heavy tail of who posts. */
  activitySigma: number;
  followersMedian: number;
  followersSigma: number;
  /** Tail index of post virality (Pareto, mean 1): lower means more extreme viral posts. */
  popularityAlpha: number;
  /** Organic repost delay: lognormal median (seconds) and log-scale sigma. */
  repostDelayMedian: number;
  repostDelaySigma: number;
  /** The week's events (debate, leak, election night): activity bursts and trending hashtags. */
  events: boolean;
  /** Organic viral posts at events: reposts each, as a share of `posts` (0 disables them). */
  viralShare: number;
  /** Number of swarms (styles cycle through SWARM_STYLES), or the exact list. */
  swarms: number | SwarmSpec[];
  /** Member count range for swarms given by number. */
  swarmSize: [number, number];
  /** Multiplies the number of campaigns each swarm runs. */
  swarmActivity: number;
  /**
   * Plant the smear narrative of src/synth/smear.ts (outlet with a state-media link, a
   * look-alike news site, a coordinated swarm, organic mentions and debunks). Off when
   * absent or false (no default in DEFAULTS, so the default output and truth file are
   * unchanged); `true` uses SMEAR_DEFAULTS.
   */
  smear?: boolean | Partial<SmearSpec>;
}

/** Defaults: a week like the second round of the 2017 French presidential election. */
export const DEFAULTS: Readonly<SynthOptions> = Object.freeze({
  seed: 1,
  posts: 200_000,
  accounts: null,
  postsPerAccount: 10,
  start: '2017-05-01T00:00:00+02:00',
  days: 7,
  englishShare: 0.15,
  repostShare: 0.5,
  replyShare: 0.18,
  quoteShare: 0.05,
  activitySigma: 2,
  followersMedian: 150,
  followersSigma: 1.9,
  popularityAlpha: 1.4,
  repostDelayMedian: 900,
  repostDelaySigma: 1.6,
  events: true,
  viralShare: 0.003,
  swarms: 6,
  swarmSize: [15, 60] as [number, number],
  swarmActivity: 1,
});

function usage(msg: string): never {
  throw new VigieError('ERR_USAGE', `synth: ${msg}`);
}

function num(name: string, v: unknown, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi)
    usage(`${name} must be a number in [${lo}, ${hi}], got ${String(v)}`);
  return v;
}

/** Fill defaults and check ranges; throws ERR_USAGE naming the bad option. */
export function resolveOptions(options: Partial<SynthOptions> = {}): SynthOptions {
  const o: SynthOptions = { ...DEFAULTS, ...options } as SynthOptions;
  num('seed', o.seed, -(2 ** 53), 2 ** 53);
  num('posts', o.posts, 1, 1e9);
  if (!Number.isInteger(o.posts)) usage('posts must be an integer');
  if (o.accounts !== null) num('accounts', o.accounts, 10, 1e8);
  num('postsPerAccount', o.postsPerAccount, 0.1, 1e6);
  if (!Number.isFinite(Date.parse(o.start))) usage(`start must be an ISO-8601 date, got ${o.start}`);
  num('days', o.days, 1 / 24, 366);
  num('englishShare', o.englishShare, 0, 1);
  num('repostShare', o.repostShare, 0, 0.95);
  num('replyShare', o.replyShare, 0, 0.9);
  num('quoteShare', o.quoteShare, 0, 0.9);
  if (o.replyShare + o.quoteShare > 0.95) usage('replyShare + quoteShare must stay below 0.95');
  num('activitySigma', o.activitySigma, 0, 5);
  num('followersMedian', o.followersMedian, 1, 1e7);
  num('followersSigma', o.followersSigma, 0, 5);
  num('popularityAlpha', o.popularityAlpha, 1.05, 10);
  num('repostDelayMedian', o.repostDelayMedian, 1, 1e6);
  num('repostDelaySigma', o.repostDelaySigma, 0, 5);
  num('viralShare', o.viralShare, 0, 0.5);
  num('swarmActivity', o.swarmActivity, 0.01, 100);
  if (!Array.isArray(o.swarmSize) || o.swarmSize.length !== 2) usage('swarmSize must be [min, max]');
  num('swarmSize[0]', o.swarmSize[0], 2, 1e6);
  num('swarmSize[1]', o.swarmSize[1], o.swarmSize[0], 1e6);
  if (typeof o.swarms === 'number') num('swarms', o.swarms, 0, 10_000);
  else if (Array.isArray(o.swarms)) {
    for (const s of o.swarms) {
      if (!SWARM_STYLES.includes(s.style))
        usage(`unknown swarm style "${s.style}" (styles: ${SWARM_STYLES.join(', ')})`);
      num('swarm size', s.size, 2, 1e6);
    }
  } else usage('swarms must be a number or a list of { style, size }');
  if (o.smear !== undefined && typeof o.smear !== 'boolean') {
    if (typeof o.smear !== 'object' || o.smear === null) usage('smear must be true, false or { size }');
    if (o.smear.size !== undefined) num('smear.size', o.smear.size, 2, 10_000);
  }
  return o;
}

/** The swarm list for options giving a number of swarms: styles cycle, sizes drawn in range. */
export function swarmSpecs(o: SynthOptions): SwarmSpec[] {
  if (Array.isArray(o.swarms))
    return o.swarms.map((s) => ({ ...s, activity: (s.activity ?? 1) * o.swarmActivity }));
  const rng = new Rng(o.seed, 404);
  return Array.from({ length: o.swarms }, (_, i) => ({
    style: SWARM_STYLES[i % SWARM_STYLES.length],
    size: rng.range(Math.round(o.swarmSize[0]), Math.round(o.swarmSize[1])),
    // Every sixth swarm works in English (the leak was first pushed in English).
    english: i % 6 === 5,
    activity: o.swarmActivity,
  }));
}

function engineOptions(o: SynthOptions): EngineOptions {
  return {
    seed: Math.floor(o.seed),
    posts: o.posts,
    accounts: Math.max(10, Math.round(o.accounts ?? o.posts / o.postsPerAccount)),
    start: Date.parse(o.start),
    days: o.days,
    englishShare: o.englishShare,
    repostShare: o.repostShare,
    replyShare: o.replyShare,
    quoteShare: o.quoteShare,
    activitySigma: o.activitySigma,
    followersMedian: o.followersMedian,
    followersSigma: o.followersSigma,
    popularityAlpha: o.popularityAlpha,
    repostDelayMedian: o.repostDelayMedian,
    repostDelaySigma: o.repostDelaySigma,
    events: o.events,
    viralReposts: Math.round(o.viralShare * o.posts),
    swarms: swarmSpecs(o),
    ...(o.smear ? { smear: { ...SMEAR_DEFAULTS, ...(o.smear === true ? {} : o.smear) } } : {}),
  };
}

/** One generated post with the accounts it makes visible for the first time. */
export interface SynthRecord {
  post: Post;
  /** Accounts seen for the first time in this post (its author, the reposted or quoted author). */
  accounts: Account[];
  /** Swarm id when the post is a planted swarm action, else null. */
  swarm: string | null;
}

/** A generated week: iterate it for records; `truth` is known before iterating. */
export interface ElectionWeek extends Iterable<SynthRecord> {
  readonly options: SynthOptions;
  readonly truth: GroundTruth;
  /** Counters of the current or last iteration. */
  readonly stats: EngineStats;
  /** Internal records (what the file writers render); faster than Post objects. */
  raw(): Generator<RawPost>;
  /** Every account of the population, posting or not, as of the start of the week. */
  accounts(): Generator<Account>;
}

/**
 * Build a week (population, calendar, plan and ground truth) from options; posts are
 * generated when iterated. Iterations are sequential: two at once share per-account counters.
 */
export function generateElectionWeek(options: Partial<SynthOptions> = {}): ElectionWeek {
  return createWeek(options).week;
}

function createWeek(options: Partial<SynthOptions>): { week: ElectionWeek; world: World } {
  const o = resolveOptions(options);
  const eo = engineOptions(o);
  const world = new World(eo);
  if (world.plan.entries.length > o.posts * 0.6)
    usage(
      `the swarms plan ${world.plan.entries.length} posts, too many for posts=${o.posts}: raise posts or lower swarms, swarmSize or swarmActivity`,
    );
  const { pop, cal, plan } = world;
  const truth: GroundTruth = {
    generator: 'vigie-synth',
    version: SYNTH_VERSION,
    seed: o.seed,
    platform: 'x',
    options: { ...o, accounts: eo.accounts, swarms: eo.swarms } as unknown as Record<string, unknown>,
    period: { start: new Date(cal.start).toISOString(), end: new Date(cal.end).toISOString() },
    events: eventsTruth(cal.events),
    swarms: plan.swarms,
    hardNegatives: plan.hardNegatives,
    ...(plan.smear ? { smear: plan.smear } : {}),
  };
  let stats = emptyStats();
  const swarmIds = plan.swarms.map((s) => s.id);
  function* raw(): Generator<RawPost> {
    stats = emptyStats();
    yield* rawPosts(world, stats);
  }
  function* records(): Generator<SynthRecord> {
    const conv = new PostConverter(world);
    const seen = new Uint8Array(pop.n);
    const rng = new Rng(0);
    for (const p of raw()) {
      const accounts: Account[] = [];
      if (seen[p.acct] === 0) {
        seen[p.acct] = 1;
        accounts.push(toAccount(pop, p.acct, p.time, rng));
      }
      if (p.ref && p.kind !== 'reply' && seen[p.ref.acct] === 0) {
        seen[p.ref.acct] = 1;
        accounts.push(toAccount(pop, p.ref.acct, p.time, rng));
      }
      yield { post: conv.post(p), accounts, swarm: p.swarm >= 0 ? swarmIds[p.swarm] : null };
    }
  }
  const week: ElectionWeek = {
    options: o,
    truth,
    get stats() {
      return stats;
    },
    raw,
    *accounts() {
      const rng = new Rng(0);
      for (let i = 0; i < pop.n; i++) yield toAccount(pop, i, cal.start, rng);
    },
    [Symbol.iterator]: records,
  };
  return { week, world };
}

/** Raw posts to the normalised model, as the x-v1 reader would produce them. */
class PostConverter {
  private readonly canon = new Map<string, { c: string; d: string | null }>();
  constructor(private readonly world: World) {}

  private urlInfo(u: string): { c: string; d: string | null } {
    let r = this.canon.get(u);
    if (r === undefined) {
      const c = canonicalUrl(u) ?? u;
      r = { c, d: registrableDomain(c) };
      if (this.canon.size > 100_000) this.canon.clear();
      this.canon.set(u, r);
    }
    return r;
  }

  post(p: RawPost): Post {
    const pop = this.world.pop;
    const isRepost = p.kind === 'repost' && p.ref !== null;
    const src = isRepost ? p.ref! : p;
    // A retweet's entities are those left in its own (possibly truncated) text.
    const upTo = isRepost ? retweetKeepsUpTo(pop.handle[src.acct], src.text) : Infinity;
    const urls: string[] = [];
    const canonicalUrls: string[] = [];
    const domains: string[] = [];
    for (const u of src.urls) {
      if (u.end > upTo) continue;
      const info = this.urlInfo(u.expanded);
      urls.push(u.expanded);
      canonicalUrls.push(info.c);
      if (info.d && !domains.includes(info.d)) domains.push(info.d);
    }
    const hashtags: string[] = [];
    for (const t of src.tags) {
      if (t.end > upTo) continue;
      const h = normaliseHashtag(t.text);
      if (!hashtags.includes(h)) hashtags.push(h);
    }
    const mentions: string[] = [];
    if (isRepost) mentions.push(normaliseMention(pop.handle[src.acct]));
    for (const m of src.mentions) {
      if (m.end > upTo) continue;
      const h = normaliseMention(pop.handle[m.acct]);
      if (!mentions.includes(h)) mentions.push(h);
    }
    return {
      platform: 'x',
      postId: p.id,
      accountId: pop.idStr[p.acct],
      // Whole seconds, as the platform's created_at gives them.
      time: Math.floor(p.time / 1000) * 1000,
      text: p.kind === 'repost' && p.ref ? retweetText(pop.handle[p.ref.acct], p.ref.text).text : p.text,
      lang: p.lang,
      kind: p.kind,
      refPostId: p.ref ? p.ref.id : null,
      refAccountId: p.ref ? pop.idStr[p.ref.acct] : null,
      urls,
      canonicalUrls,
      domains,
      hashtags,
      mentions,
      media: [],
      client: CLIENT_NAMES[p.client],
    };
  }
}

/** Output formats `writeElectionWeek` can write. */
export type SynthFormat = 'x-v1' | 'csv';

export interface WriteOptions extends Partial<SynthOptions> {
  /** Default `['x-v1']` (what `vigie demo` ingests); add `'csv'` for fast benchmarks. */
  formats?: SynthFormat[];
  /** Gzip the data files (`.gz`; the ingest reads gzip). */
  gzip?: boolean;
  /** File name stem; default `election-week`. */
  name?: string;
  /** Called about every 50,000 posts. */
  onProgress?: (done: number, total: number) => void;
}

export interface WrittenWeek {
  dir: string;
  files: { 'x-v1'?: string; csv?: string; truth: string };
  /** Reader options for the CSV (`format: 'generic-csv'`): maps kind, replies, mentions, client. */
  csvReaderOptions: typeof CSV_READER_OPTIONS;
  stats: EngineStats & {
    /** Distinct accounts in the files (authors, reposted and replied-to accounts). */
    accounts: number;
    /** Accounts in the population, including those that never posted. */
    population: number;
    swarms: number;
    swarmMembers: number;
    bytes: { 'x-v1'?: number; csv?: number; truth: number };
    /** Wall-clock time, and CPU time of this process (the fair measure on a shared machine). */
    seconds: number;
    cpuSeconds: number;
    postsPerSecond: number;
    postsPerCpuSecond: number;
  };
  truth: GroundTruth;
}

/**
 * Buffered file output, plain or gzip (concatenated members, which gunzip reads as one).
 * Strings are encoded straight into one reused buffer: no large intermediate strings.
 */
class Sink {
  private readonly buf = Buffer.allocUnsafe(1 << 22);
  private off = 0;
  private readonly fd: number;
  bytes = 0;
  /** `latin1` when the caller writes only ASCII (escaped JSON): encoded byte for byte. */
  constructor(
    readonly path: string,
    private readonly gzip: boolean,
    private readonly encoding: 'utf8' | 'latin1' = 'utf8',
  ) {
    this.fd = openSync(path, 'w');
  }
  write(s: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    if (this.off + s.length * 3 > this.buf.length) {
      this.flush();
      if (s.length * 3 > this.buf.length) {
        this.out(Buffer.from(s, this.encoding));
        return;
      }
    }
    this.off += this.buf.write(s, this.off, this.encoding);
  }
  private out(b: Buffer): void {
    const data = this.gzip ? gzipSync(b, { level: 1 }) : b;
    for (let at = 0; at < data.length;) at += writeSync(this.fd, data, at, data.length - at);
    this.bytes += data.length;
  }
  flush(): void {
    if (this.off === 0) return;
    this.out(this.buf.subarray(0, this.off));
    this.off = 0;
  }
  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

/**
 * Generate a week and write it to `dir`: `<name>.x-v1.jsonl` (X API v1.1 tweets, one per
 * line), `<name>.csv` (generic CSV) as asked by `formats`, and `<name>.truth.json` (always).
 * Returns the paths, counters and the ground truth.
 */
export async function writeElectionWeek(dir: string, options: WriteOptions = {}): Promise<WrittenWeek> {
  const { formats = ['x-v1'], gzip = false, name = 'election-week', onProgress, ...synth } = options;
  for (const f of formats)
    if (f !== 'x-v1' && f !== 'csv') usage(`unknown format "${f as string}" (x-v1, csv)`);
  if (!/^[\w.-]+$/.test(name)) usage(`name must be a plain file name stem, got "${name}"`);
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  const { week, world } = createWeek(synth);
  mkdirSync(dir, { recursive: true });
  const gz = gzip ? '.gz' : '';
  const files: WrittenWeek['files'] = { truth: join(dir, `${name}.truth.json`) };
  const json = formats.includes('x-v1')
    ? new Sink((files['x-v1'] = join(dir, `${name}.x-v1.jsonl${gz}`)), gzip, 'latin1')
    : null;
  const csv = formats.includes('csv') ? new Sink((files.csv = join(dir, `${name}.csv${gz}`)), gzip) : null;
  const pop = world.pop;
  const v1 = json ? new V1Renderer(pop) : null;
  csv?.write(CSV_HEADER + '\n');
  const stats = emptyStats();
  let n = 0;
  try {
    const next = rawStream(world, stats);
    const emit = json ? (x: string) => json.write(x) : null;
    for (let p = next(); p !== null; p = next()) {
      if (json) {
        v1!.write(p, true, emit!);
        json.write('\n');
      }
      if (csv) csv.write(csvRows(pop, p));
      if (++n % 50_000 === 0) {
        onProgress?.(n, week.options.posts);
        // Let timers (progress bars, signals) run on long runs.
        await new Promise((r) => setImmediate(r));
      }
    }
  } finally {
    json?.close();
    csv?.close();
  }
  onProgress?.(n, week.options.posts);
  const truthText = JSON.stringify(week.truth, null, 2) + '\n';
  const ts = new Sink(files.truth, false);
  ts.write(truthText);
  ts.close();
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const s = stats;
  return {
    dir,
    files,
    csvReaderOptions: CSV_READER_OPTIONS,
    stats: {
      ...s,
      accounts: s.accountsSeen,
      population: pop.n,
      swarms: week.truth.swarms.length,
      swarmMembers: week.truth.swarms.reduce((a, x) => a + x.accountIds.length, 0),
      bytes: { 'x-v1': json?.bytes, csv: csv?.bytes, truth: ts.bytes },
      seconds,
      cpuSeconds,
      postsPerSecond: s.posts / Math.max(1e-9, seconds),
      postsPerCpuSecond: s.posts / Math.max(1e-9, cpuSeconds),
    },
    truth: week.truth,
  };
}
