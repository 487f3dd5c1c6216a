/**
 * The planted behaviour, decided before any post is generated: what each swarm does and when,
 * and the organic viral posts of the week's events (the hard negatives). Because the plan is
 * fixed up front, the ground truth (members, styles, target posts, URLs, texts) is known
 * before streaming starts and costs memory in proportion to the plan only.
 */
import type { Calendar } from './calendar.js';
import { timeFromCurve } from './calendar.js';
import type { Population } from './accounts.js';
import { F_ENGLISH } from './accounts.js';
import type { Content } from './text.js';
import { Rng } from './rng.js';
import { snowflake } from './ids.js';
import { NO_MENTIONS, NO_TAGS, NO_URLS, type RawPost, TextBuilder } from './raw.js';
import { PUSH_SITES, SWARM_HASHTAGS } from './lexicon.js';
import {
  planSmear,
  SMEAR_CLONE_FOLLOW_UPS,
  SMEAR_CLONE_URL,
  SMEAR_NARRATIVE_ID,
  SMEAR_STATE_MEDIA_URL,
  type SmearAccounts,
  type SmearTruth,
} from './smear.js';

/**
 * How a planted swarm coordinates. `smear` is the swarm of the optional planted smear
 * narrative (src/synth/smear.ts): it is not one of the cycled SWARM_STYLES.
 */
export type SwarmStyle = 'repost-ring' | 'link-push' | 'copy-paste' | 'mixed' | 'organic-cover' | 'smear';

export const SWARM_STYLES: readonly SwarmStyle[] = [
  'repost-ring',
  'link-push',
  'copy-paste',
  'mixed',
  'organic-cover',
];

/** One swarm to plant. */
export interface SwarmSpec {
  style: SwarmStyle;
  /** Number of accounts. */
  size: number;
  /** Posts in English instead of French. */
  english?: boolean;
  /** Multiplies the number of campaigns (targets, URLs, messages); 1 by default. */
  activity?: number;
}

/** A planned post and how organic users react to it. */
export interface PlanEntry {
  raw: RawPost;
  /** Index of the planned post this one reposts, or -1. */
  refPlan: number;
  /** Organic reposts to schedule when it is posted; -1 for the author's usual reach. */
  tickets: number;
  delayMedian: number;
  delaySigma: number;
}

/** What the generator planted, for scoring detectors. Times are ISO-8601 UTC. */
export interface SwarmTruth {
  /** `swarm-01`, `swarm-02`... */
  id: string;
  style: SwarmStyle;
  language: 'fr' | 'en';
  /** Member account ids (the platform's user ids, as in the output files). */
  accountIds: string[];
  handles: string[];
  /** When most members' accounts were registered. */
  createdBurst: { from: string; to: string };
  hashtags: string[];
  /** What the swarm pushed: the posts it reposted, the URLs it linked, the texts it copied. */
  targets: { postIds: string[]; urls: string[]; domains: string[]; texts: string[] };
  /** Every post the members made on the operator's behalf (their organic posts excluded). */
  postIds: string[];
  firstPost: string | null;
  lastPost: string | null;
}

/** Organic posts that many accounts repost within minutes: coordination look-alikes. */
export interface HardNegative {
  kind: 'organic-burst';
  event: string;
  postIds: string[];
  authorIds: string[];
  /** Organic reposts scheduled for each post. */
  reposts: number;
  from: string;
  to: string;
}

export interface Plan {
  entries: PlanEntry[];
  swarms: SwarmTruth[];
  hardNegatives: HardNegative[];
  /** The planted smear narrative, when enabled. */
  smear?: SmearTruth;
}

interface Ctx {
  rng: Rng;
  pop: Population;
  cal: Calendar;
  content: Content;
  entries: PlanEntry[];
  tb: TextBuilder;
}

const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;

function newRaw(time: number, acct: number, swarm: number, client: number): RawPost {
  return {
    seq: -1,
    id: '',
    time: Math.floor(time),
    acct,
    kind: 'original',
    text: '',
    lang: 'fr',
    client,
    urls: NO_URLS,
    tags: NO_TAGS,
    mentions: NO_MENTIONS,
    ref: null,
    swarm,
  };
}

function take(raw: RawPost, tb: TextBuilder, lang: string): RawPost {
  raw.text = tb.text();
  raw.urls = tb.urls;
  raw.tags = tb.tags;
  raw.mentions = tb.mentions;
  raw.lang = lang;
  return raw;
}

/** Campaign start: mostly when people are online, sometimes at any hour (operators in other time zones). */
function campaignTime(c: Ctx, margin: number): number {
  const { cal, rng } = c;
  const hi = Math.max(cal.start + 1, cal.end - margin);
  if (rng.chance(0.7)) return timeFromCurve(cal, cal.start, hi, rng.float());
  return cal.start + rng.float() * (hi - cal.start);
}

function clampTime(c: Ctx, t: number): number {
  return Math.min(c.cal.end - 1, Math.max(c.cal.start, Math.floor(t)));
}

function influencer(c: Ctx, english: boolean): number {
  const inf = c.pop.influencers;
  for (let k = 0; k < 8; k++) {
    const i = inf[c.rng.int(Math.min(inf.length, 60))];
    if ((c.pop.flags[i] & F_ENGLISH ? true : false) === english) return i;
  }
  return inf[c.rng.int(inf.length)];
}

function pushSeed(
  c: Ctx,
  t: number,
  author: number,
  swarm: number,
  english: boolean,
  tags: string[],
  tickets = -1,
): number {
  const raw = newRaw(t, author, swarm, c.pop.client[author]);
  c.content.seedPost(c.tb.reset(), c.rng, english, t, tags);
  c.entries.push({
    raw: take(raw, c.tb, english ? 'en' : 'fr'),
    refPlan: -1,
    tickets,
    delayMedian: 900,
    delaySigma: 1.6,
  });
  return c.entries.length - 1;
}

function pushRepost(c: Ctx, seed: number, t: number, acct: number, swarm: number): void {
  const raw = newRaw(
    clampTime(c, Math.max(t, c.entries[seed].raw.time + SEC)),
    acct,
    swarm,
    c.pop.client[acct],
  );
  raw.kind = 'repost';
  c.entries.push({ raw, refPlan: seed, tickets: 0, delayMedian: 0, delaySigma: 0 });
}

function pushLink(
  c: Ctx,
  t: number,
  acct: number,
  swarm: number,
  english: boolean,
  url: string,
  tags: string[],
  tagP: number,
): void {
  const raw = newRaw(clampTime(c, t), acct, swarm, c.pop.client[acct]);
  c.content.pushPost(c.tb.reset(), c.rng, english, url, tags, tagP);
  c.entries.push({
    raw: take(raw, c.tb, english ? 'en' : 'fr'),
    refPlan: -1,
    tickets: -1,
    delayMedian: 900,
    delaySigma: 1.6,
  });
}

function pushCopy(
  c: Ctx,
  t: number,
  acct: number,
  swarm: number,
  english: boolean,
  base: string,
  tags: string[],
): void {
  const raw = newRaw(clampTime(c, t), acct, swarm, c.pop.client[acct]);
  c.content.copyVariant(c.tb.reset(), c.rng, base, tags);
  c.entries.push({
    raw: take(raw, c.tb, english ? 'en' : 'fr'),
    refPlan: -1,
    tickets: -1,
    delayMedian: 900,
    delaySigma: 1.6,
  });
}

function campaigns(base: number, size: number, per: number, activity: number, max: number): number {
  return Math.max(1, Math.round(Math.min(max, base + size / per) * activity));
}

/** Repost `seeds` by `members`: each member joins each with probability `p` after a lognormal delay. */
function ringReposts(
  c: Ctx,
  si: number,
  seeds: number[],
  members: number[],
  p: number,
  median: number,
  sigma: number,
  maxDelay: number,
): void {
  for (const s of seeds) {
    const t0 = c.entries[s].raw.time;
    for (const m of members) {
      if (m === c.entries[s].raw.acct || !c.rng.chance(p)) continue;
      const d = Math.min(maxDelay, 2 * SEC + c.rng.lognormal(median, sigma) * SEC);
      pushRepost(c, s, t0 + d, m, si);
    }
  }
}

function campaignUrls(c: Ctx, n: number, english: boolean): string[] {
  const { rng } = c;
  const sites = [rng.pick(PUSH_SITES)];
  if (rng.chance(0.4)) sites.push(rng.pick(PUSH_SITES));
  // Half the operators tag their links with one campaign id: a signature worth finding.
  const utm = rng.chance(0.5)
    ? `?utm_source=twitter&utm_medium=social&utm_campaign=${rng.pick(['fr2017', 'vote', 'verite', 'info7mai'])}`
    : '';
  const urls: string[] = [];
  for (let k = 0; k < n; k++) {
    const site = sites[k % sites.length];
    urls.push(
      c.content.campaignUrl(site, c.cal.start + rng.float() * (c.cal.end - c.cal.start), rng.u32(), english) +
        utm,
    );
  }
  return urls;
}

/** Link pushes: each URL is posted by most members, jittered over a few hours. */
function linkPush(
  c: Ctx,
  si: number,
  members: number[],
  english: boolean,
  urls: string[],
  tags: string[],
  p: number,
  hours: [number, number],
  tagP: number,
): void {
  for (const url of urls) {
    const span = (hours[0] + c.rng.float() * (hours[1] - hours[0])) * HOUR;
    const t0 = campaignTime(c, span);
    for (const m of members)
      if (c.rng.chance(p)) pushLink(c, t0 + c.rng.float() * span, m, si, english, url, tags, tagP);
  }
}

/**
 * Build the plan: swarm actions for each spec (members at `pop.swarmRanges[i]`) and the
 * organic viral posts of the week's events.
 */
export function buildPlan(
  seed: number,
  specs: SwarmSpec[],
  pop: Population,
  cal: Calendar,
  content: Content,
  viralReposts: number,
  smear?: SmearAccounts,
): Plan {
  const c: Ctx = { rng: new Rng(seed, 202), pop, cal, content, entries: [], tb: new TextBuilder() };
  const { rng } = c;
  const swarmTags: string[][] = [];
  const swarmBases: string[][] = [];
  const swarmUrls: string[][] = [];
  const seedsOf: number[][] = [];
  specs.forEach((spec, si) => {
    const { from, to } = pop.swarmRanges[si];
    const members = Array.from({ length: to - from }, (_, k) => from + k);
    const english = !!spec.english;
    const act = spec.activity ?? 1;
    const tags = rng.shuffle([...SWARM_HASHTAGS]).slice(0, rng.range(1, 3));
    swarmTags.push(tags);
    const bases: string[] = [];
    let urls: string[] = [];
    const seeds: number[] = [];
    const startIdx = c.entries.length;
    const leader = members[0];
    switch (spec.style) {
      case 'repost-ring': {
        const n = campaigns(6, members.length, 6, act, 30);
        for (let k = 0; k < n; k++) {
          const byLeader = rng.chance(0.5);
          const author = byLeader ? leader : influencer(c, english);
          seeds.push(pushSeed(c, campaignTime(c, 20 * MIN), author, byLeader ? si : -1, english, tags));
        }
        ringReposts(c, si, seeds, members, 0.85, 40, 0.9, 15 * MIN);
        break;
      }
      case 'link-push': {
        urls = campaignUrls(c, campaigns(3, members.length, 12, act, 12), english);
        linkPush(c, si, members, english, urls, tags, 0.7, [2, 8], 0.6);
        break;
      }
      case 'copy-paste': {
        const n = campaigns(4, members.length, 15, act, 12);
        for (let k = 0; k < n; k++) {
          const base = content.copyBase(rng, english);
          bases.push(base);
          const span = (0.5 + rng.float() * 2.5) * HOUR;
          const t0 = campaignTime(c, span);
          for (const m of members)
            if (rng.chance(0.75)) pushCopy(c, t0 + rng.float() * span, m, si, english, base, tags);
        }
        break;
      }
      case 'mixed': {
        const reposters = members.filter(() => rng.chance(0.5));
        const linkers = members.filter((m) => !reposters.includes(m));
        const n = campaigns(4, members.length, 10, act, 20);
        for (let k = 0; k < n; k++) seeds.push(pushSeed(c, campaignTime(c, HOUR), leader, si, english, tags));
        ringReposts(c, si, seeds, reposters, 0.7, 240, 1.2, 2 * HOUR);
        urls = campaignUrls(c, campaigns(2, members.length, 15, act, 8), english);
        linkPush(c, si, linkers, english, urls, tags, 0.7, [1, 4], 0.9);
        break;
      }
      case 'organic-cover': {
        const n = campaigns(4, members.length, 10, act, 20);
        for (let k = 0; k < n; k++)
          seeds.push(pushSeed(c, campaignTime(c, HOUR), influencer(c, english), -1, english, tags));
        ringReposts(c, si, seeds, members, 0.6, 180, 1.3, 3 * HOUR);
        urls = campaignUrls(c, campaigns(1, members.length, 25, act, 5), english);
        linkPush(c, si, members, english, urls, tags, 0.4, [4, 10], 0.5);
        break;
      }
    }
    // Every member acts for the operator at least twice, so the truth holds no idle names.
    const acts = new Map<number, number>();
    for (let e = startIdx; e < c.entries.length; e++) {
      const a = c.entries[e].raw.acct;
      if (c.entries[e].raw.swarm === si) acts.set(a, (acts.get(a) ?? 0) + 1);
    }
    for (const m of members) {
      for (let k = acts.get(m) ?? 0; k < 2; k++) {
        const pool = seeds.filter((s) => c.entries[s].raw.acct !== m);
        if (pool.length && (spec.style !== 'mixed' || !urls.length || rng.chance(0.5))) {
          const s = rng.pick(pool);
          pushRepost(c, s, c.entries[s].raw.time + rng.lognormal(60, 1) * SEC + 2 * SEC, m, si);
        } else if (urls.length) {
          linkPush(c, si, [m], english, [rng.pick(urls)], tags, 1, [1, 3], 0.6);
        } else if (bases.length) {
          pushCopy(c, campaignTime(c, HOUR) + rng.float() * HOUR, m, si, english, rng.pick(bases), tags);
        }
      }
    }
    swarmBases.push(bases);
    swarmUrls.push(urls);
    seedsOf.push(seeds);
  });

  // Organic viral posts at the week's big moments: crowds repost them within minutes.
  const viralPlan: { event: string; seeds: number[] }[] = [];
  if (viralReposts > 0) {
    for (const ev of cal.events) {
      const count = ev.name === 'debate' ? 6 : ev.name === 'results' ? 4 : ev.name === 'leak' ? 3 : 0;
      if (count === 0) continue;
      const seeds: number[] = [];
      for (let k = 0; k < count; k++) {
        const english = ev.name === 'leak' ? k < 2 : k === count - 1 && ev.name === 'results';
        const t = Math.min(ev.end, ev.start + (k + 0.3 + rng.float() * 0.5) * ((ev.end - ev.start) / count));
        if (t >= cal.end - 30 * MIN) continue;
        const author = influencer(c, english);
        const reposts = Math.round(viralReposts * (0.5 + rng.float()));
        seeds.push(pushSeed(c, t, author, -1, english, ev.hashtags, reposts));
        c.entries[seeds[seeds.length - 1]].delayMedian = 150;
        c.entries[seeds[seeds.length - 1]].delaySigma = 0.9;
      }
      if (seeds.length) viralPlan.push({ event: ev.name, seeds });
    }
  }

  // The smear draws from its own stream, after everything else: the other plans stay as they were.
  const smearPlan = smear ? planSmear(seed, smear, pop, cal, content, c.entries) : null;

  // Time order, then ids: planned posts use the upper half of the snowflake's low bits.
  const order = c.entries
    .map((_, i) => i)
    .sort((a, b) => c.entries[a].raw.time - c.entries[b].raw.time || a - b);
  const newIndex = new Int32Array(order.length);
  order.forEach((old, i) => (newIndex[old] = i));
  const sorted = order.map((old) => c.entries[old]);
  if (sorted.length >= 0x200000) throw new Error('plan too large: more than 2^21 planted posts');
  sorted.forEach((e, i) => {
    if (e.refPlan >= 0) e.refPlan = newIndex[e.refPlan];
    e.raw.seq = i;
    e.raw.id = snowflake(e.raw.time, 0x200000 | i);
  });

  const iso = (t: number) => new Date(t).toISOString();
  const swarms: SwarmTruth[] = specs.map((spec, si) => {
    const { from, to, burstStart, burstEnd } = pop.swarmRanges[si];
    const postIds: string[] = [];
    let first = Infinity;
    let last = -Infinity;
    for (const e of sorted) {
      if (e.raw.swarm !== si) continue;
      postIds.push(e.raw.id);
      first = Math.min(first, e.raw.time);
      last = Math.max(last, e.raw.time);
    }
    const urls = swarmUrls[si];
    const domains = [
      ...new Set(
        urls.map((u) => PUSH_SITES.find((s) => u.startsWith('https://' + s.host + '/'))?.domain ?? ''),
      ),
    ].filter(Boolean);
    const seeds = seedsOf[si].map((old) => sorted[newIndex[old]].raw.id);
    return {
      id: `swarm-${String(si + 1).padStart(2, '0')}`,
      style: spec.style,
      language: spec.english ? 'en' : 'fr',
      accountIds: pop.idStr.slice(from, to),
      handles: pop.handle.slice(from, to),
      createdBurst: { from: iso(burstStart), to: iso(burstEnd) },
      hashtags: swarmTags[si],
      targets: { postIds: seeds, urls, domains, texts: swarmBases[si] },
      postIds,
      firstPost: postIds.length ? iso(first) : null,
      lastPost: postIds.length ? iso(last) : null,
    };
  });
  const hardNegatives: HardNegative[] = viralPlan.map((v) => {
    const es = v.seeds.map((old) => sorted[newIndex[old]]);
    const t0 = Math.min(...es.map((e) => e.raw.time));
    const t1 = Math.max(...es.map((e) => e.raw.time));
    return {
      kind: 'organic-burst',
      event: v.event,
      postIds: es.map((e) => e.raw.id),
      authorIds: es.map((e) => pop.idStr[e.raw.acct]),
      reposts: Math.round(es.reduce((a, e) => a + e.tickets, 0) / es.length),
      from: iso(t0),
      to: iso(Math.min(cal.end, t1 + HOUR)),
    };
  });
  let smearTruth: SmearTruth | undefined;
  if (smear && smearPlan) {
    const posts = smearPlan.entries
      .map((e) => ({ e: sorted[newIndex[e.index]], role: e.role }))
      .sort((a, b) => a.e.raw.time - b.e.raw.time || a.e.raw.seq - b.e.raw.seq);
    const ids = (role: string) => posts.filter((p) => p.role === role).map((p) => p.e.raw.id);
    const swarmPosts = posts.filter((p) => p.role === 'swarm').map((p) => p.e);
    const r = pop.swarmRanges[smear.swarmIndex];
    const swarmId = `swarm-${String(swarms.length + 1).padStart(2, '0')}`;
    swarms.push({
      id: swarmId,
      style: 'smear',
      language: 'fr',
      accountIds: smear.swarm.map((i) => pop.idStr[i]),
      handles: smear.swarm.map((i) => pop.handle[i]),
      createdBurst: { from: iso(r.burstStart), to: iso(r.burstEnd) },
      hashtags: ['MacronOffshore', 'MacronGate'],
      targets: {
        postIds: [],
        urls: [SMEAR_CLONE_URL, ...SMEAR_CLONE_FOLLOW_UPS],
        domains: ['lemonde.ltd'],
        texts: [],
      },
      postIds: swarmPosts.map((e) => e.raw.id),
      firstPost: swarmPosts.length ? iso(swarmPosts[0].raw.time) : null,
      lastPost: swarmPosts.length ? iso(swarmPosts[swarmPosts.length - 1].raw.time) : null,
    });
    const origin = posts.find((p) => p.role === 'outlet')!.e;
    smearTruth = {
      narrativeId: SMEAR_NARRATIVE_ID,
      outlet: { accountId: pop.idStr[smear.outlet], handle: pop.handle[smear.outlet] },
      originPostId: origin.raw.id,
      originTime: iso(origin.raw.time),
      stateMediaUrls: [SMEAR_STATE_MEDIA_URL],
      stateMediaDomains: ['sputniknews.africa'],
      cloneUrls: [SMEAR_CLONE_URL, ...SMEAR_CLONE_FOLLOW_UPS],
      cloneDomains: ['lemonde.ltd'],
      swarmId,
      swarmAccountIds: smear.swarm.map((i) => pop.idStr[i]),
      postIds: posts.map((p) => p.e.raw.id),
      outletPostIds: ids('outlet'),
      swarmPostIds: ids('swarm'),
      organicPostIds: ids('organic'),
      debunkPostIds: ids('debunk'),
    };
  }
  return { entries: sorted, swarms, hardNegatives, ...(smearTruth ? { smear: smearTruth } : {}) };
}
