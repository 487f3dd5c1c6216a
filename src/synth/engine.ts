/**
 * The streaming engine. Posts come out in time order with memory bounded by what is "in
 * flight" (scheduled reposts, a few thousand recent posts), never by the number of posts.
 *
 * - Organic post times are the order statistics of `n` draws from the week's activity curve,
 *   generated one after the other (Rényi's sequential form), so exactly `n` organic posts come
 *   out sorted without storing them.
 * - Each organic original schedules "repost tickets": how many follows a power law scaled by
 *   the author's audience, each due after a lognormal delay. An organic time slot becomes a
 *   repost when a ticket is due, otherwise a new post (original, reply or quote) by an account
 *   drawn by activity.
 * - An original with reposts still due is kept in a slot until its last repost, then
 *   dropped; replies and quotes go to the last few thousand originals.
 * - Planted posts (swarms, viral event posts) come from the plan, merged in by time.
 */
import { buildCalendar, type Calendar, minuteOf } from './calendar.js';
import { buildPopulation, F_ENGLISH, type Population, type SwarmAccountsSpec } from './accounts.js';
import { buildPlan, type Plan, type SwarmSpec } from './plan.js';
import { dressOutlet, type SmearAccounts, type SmearSpec } from './smear.js';
import { Content } from './text.js';
import { hash2, Rng } from './rng.js';
import { snowflake } from './ids.js';
import type { SynthOptions } from './index.js';
import { NO_MENTIONS, NO_TAGS, NO_URLS, type RawPost, TextBuilder } from './raw.js';

/**
 * Resolved generator options: the user's options (documented on SynthOptions) with the
 * account count, start instant, viral reposts and swarms worked out.
 */
export type EngineOptions = Omit<
  SynthOptions,
  'accounts' | 'postsPerAccount' | 'start' | 'viralShare' | 'swarms' | 'swarmSize' | 'swarmActivity' | 'smear'
> & {
  accounts: number;
  /** Epoch ms. */
  start: number;
  viralReposts: number;
  swarms: SwarmSpec[];
  /** The planted smear narrative (src/synth/smear.ts); absent when disabled. */
  smear?: SmearSpec;
};

/** Counters kept while streaming. */
export interface EngineStats {
  posts: number;
  byKind: { original: number; repost: number; reply: number; quote: number };
  swarmPosts: number;
  plannedPosts: number;
  /** Accounts that posted or were reposted, replied to or quoted. */
  accountsSeen: number;
  firstTime: number | null;
  lastTime: number | null;
}

const MINUTE = 60_000;
const LOW21 = 0x1fffff;
const RING = 4096;
const POPULAR = 512;
const DEDUP_BITS = 20;

/** A binary min-heap of scheduled reposts (due time, slot of the original) in typed arrays. */
class TicketHeap {
  size = 0;
  due = new Float64Array(1024);
  slot = new Int32Array(1024);

  push(due: number, slot: number): void {
    if (this.size === this.due.length) {
      const d = new Float64Array(this.due.length * 2);
      d.set(this.due);
      const s = new Int32Array(this.slot.length * 2);
      s.set(this.slot);
      this.due = d;
      this.slot = s;
    }
    let i = this.size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.due[p] <= due) break;
      this.due[i] = this.due[p];
      this.slot[i] = this.slot[p];
      i = p;
    }
    this.due[i] = due;
    this.slot[i] = slot;
  }

  /** Remove the top (read `due[0]` and `slot[0]` before). */
  pop(): void {
    const n = --this.size;
    if (n === 0) return;
    const due = this.due[n];
    const slot = this.slot[n];
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && this.due[c + 1] < this.due[c]) c++;
      if (due <= this.due[c]) break;
      this.due[i] = this.due[c];
      this.slot[i] = this.slot[c];
      i = c;
    }
    this.due[i] = due;
    this.slot[i] = slot;
  }
}

/** Everything built once per option set: population, calendar, plan. */
export class World {
  readonly pop: Population;
  readonly cal: Calendar;
  readonly content: Content;
  readonly plan: Plan;
  /** Repost tickets per original, so that reposts make up `repostShare` of posts. */
  readonly ticketScale: number;

  constructor(readonly o: EngineOptions) {
    const swarmAccounts: SwarmAccountsSpec[] = o.swarms.map((s) => ({
      size: s.size,
      english: !!s.english,
      cover: s.style === 'organic-cover',
    }));
    // The smear's swarm and outlet are appended after the other swarms, so that their
    // accounts (and everything drawn before them) are the same with or without it.
    if (o.smear) {
      swarmAccounts.push({ size: o.smear.size, english: false, cover: false });
      swarmAccounts.push({ size: 1, english: false, cover: true });
    }
    this.pop = buildPopulation(
      {
        seed: o.seed,
        start: o.start,
        organic: o.accounts,
        englishShare: o.englishShare,
        activitySigma: o.activitySigma,
        followersMedian: o.followersMedian,
        followersSigma: o.followersSigma,
      },
      swarmAccounts,
    );
    this.cal = buildCalendar(o.start, o.days, o.englishShare, o.events);
    this.content = new Content(this.pop, this.cal, o.seed);
    let smear: SmearAccounts | undefined;
    if (o.smear) {
      const sw = this.pop.swarmRanges[o.swarms.length];
      const outlet = this.pop.swarmRanges[o.swarms.length + 1].from;
      dressOutlet(this.pop, outlet);
      smear = {
        swarm: Array.from({ length: sw.to - sw.from }, (_, k) => sw.from + k),
        outlet,
        swarmIndex: o.swarms.length,
      };
    }
    this.plan = buildPlan(o.seed, o.swarms, this.pop, this.cal, this.content, o.viralReposts, smear);
    const originalShare = Math.max(0.05, 1 - o.replyShare - o.quoteShare);
    const r = Math.min(0.95, Math.max(0, o.repostShare));
    this.ticketScale = r / (1 - r) / originalShare / this.pop.meanReach;
  }
}

/** Stream the raw posts of `world` in time order. `stats` is updated as posts come out. */
export function* rawPosts(world: World, stats: EngineStats): Generator<RawPost> {
  const next = rawStream(world, stats);
  for (let p = next(); p !== null; p = next()) yield p;
}

/**
 * The same stream as a plain function returning the next post, or null at the end: no
 * iterator-result object per post, for the file writers' hot loop.
 */
export function rawStream(world: World, stats: EngineStats): () => RawPost | null {
  const { o, pop, cal, content, plan } = world;
  const rng = new Rng(o.seed, 303);
  const tb = new TextBuilder();
  const heap = new TicketHeap();
  // Originals with reposts still due live in slots until their last ticket is used.
  let live: (RawPost | null)[] = [];
  let liveLeft = new Int32Array(1024);
  let free = new Int32Array(1024);
  let nFree = 0;
  // Who reposted what: an approximate set (fingerprints in a fixed table) that costs no
  // allocation; an entry is overwritten only after about a million later reposts.
  const dedup = new Uint32Array(1 << DEDUP_BITS);
  const ring: RawPost[] = [];
  let ringN = 0;
  const popular: RawPost[] = [];
  let popN = 0;
  const seen = new Uint8Array(pop.n);
  const entries = plan.entries;
  const nSlots = o.posts - entries.length;
  const maxTickets = Math.max(50, Math.round(o.posts * 0.02));
  const alpha = o.popularityAlpha;
  const paretoMin = (alpha - 1) / alpha; // Pareto with mean 1
  const delayCap = 3 * 86_400_000;
  pop.posted.fill(0);
  const plannedBy = new Map<number, number[]>();
  for (const e of entries) {
    if (e.refPlan < 0) continue;
    const l = plannedBy.get(e.refPlan);
    if (l) l.push(e.raw.acct);
    else plannedBy.set(e.refPlan, [e.raw.acct]);
  }
  // Planned posts are numbered after the organic ones, so `seq` is unique in the week.
  for (let i = 0; i < entries.length; i++) entries[i].raw.seq = nSlots + i;

  const seenPair = (post: number, who: number, mark: boolean): boolean => {
    const h = hash2(post, who);
    const i = h >>> (32 - DEDUP_BITS);
    const fp = (h | 1) >>> 0;
    if (dedup[i] === fp) return true;
    if (mark) dedup[i] = fp;
    return false;
  };

  const count = (p: RawPost) => {
    stats.posts++;
    stats.byKind[p.kind]++;
    if (p.swarm >= 0) stats.swarmPosts++;
    if (stats.firstTime === null) stats.firstTime = p.time;
    stats.lastTime = p.time;
    pop.posted[p.acct]++;
    if (seen[p.acct] === 0) {
      seen[p.acct] = 1;
      stats.accountsSeen++;
    }
    const r = p.ref;
    if (r !== null && seen[r.acct] === 0) {
      seen[r.acct] = 1;
      stats.accountsSeen++;
    }
  };

  const schedule = (p: RawPost, k: number, median: number, sigma: number) => {
    if (k <= 0) return;
    let slot: number;
    if (nFree > 0) slot = free[--nFree];
    else {
      slot = live.length;
      live.push(null);
      if (slot >= liveLeft.length) {
        const g = new Int32Array(liveLeft.length * 2);
        g.set(liveLeft);
        liveLeft = g;
      }
    }
    let n = 0;
    for (let i = 0; i < k; i++) {
      const d = rng.lognormal(median, sigma) * 1000;
      const due = p.time + 1000 + Math.floor(d < delayCap ? d : delayCap);
      if (due >= cal.end) continue;
      heap.push(due, slot);
      n++;
    }
    if (n === 0) {
      free[nFree++] = slot;
      return;
    }
    live[slot] = p;
    liveLeft[slot] = n;
  };

  const release = (slot: number) => {
    if (--liveLeft[slot] > 0) return;
    live[slot] = null;
    if (nFree === free.length) {
      const g = new Int32Array(free.length * 2);
      g.set(free);
      free = g;
    }
    free[nFree++] = slot;
  };

  const ticketsFor = (acct: number) => {
    const lam = world.ticketScale * pop.reach[acct] * rng.pareto(paretoMin, alpha);
    const k = Math.floor(lam + rng.float());
    return k < maxTickets ? k : maxTickets;
  };

  const remember = (p: RawPost, k: number) => {
    if (ring.length < RING) ring.push(p);
    else ring[ringN & (RING - 1)] = p;
    ringN++;
    if (k >= 5) {
      if (popular.length < POPULAR) popular.push(p);
      else popular[popN & (POPULAR - 1)] = p;
      popN++;
    }
  };

  const emitPlanned = (idx: number): RawPost => {
    const e = entries[idx];
    const p = e.raw;
    if (e.refPlan >= 0) {
      p.ref = entries[e.refPlan].raw;
      p.lang = p.ref.lang;
      seenPair(p.ref.seq, p.acct, true);
    } else if (p.kind === 'original') {
      const k = e.tickets >= 0 ? e.tickets : ticketsFor(p.acct);
      const evt = cal.eventAt[minuteOf(cal, p.time)] >= 0;
      const own = e.tickets >= 0 && e.delayMedian > 0;
      // The operator's own reposts are planned: organic reposts must not repeat them.
      const by = plannedBy.get(idx);
      if (by) for (const a of by) seenPair(p.seq, a, true);
      schedule(
        p,
        k,
        own ? e.delayMedian : evt ? o.repostDelayMedian / 3 : o.repostDelayMedian,
        own ? e.delaySigma : o.repostDelaySigma,
      );
      remember(p, k);
    }
    count(p);
    stats.plannedPosts++;
    return p;
  };

  const tryRepost = (t: number, seq: number): RawPost | null => {
    const slot = heap.slot[0];
    heap.pop();
    const ref = live[slot]!;
    release(slot);
    const oacct = ref.acct;
    const en = (pop.flags[oacct] & F_ENGLISH) !== 0 ? rng.chance(0.8) : rng.chance(0.04);
    let who = -1;
    for (let k = 0; k < 4; k++) {
      const c = en ? pop.enIndex[pop.enAuthors.draw(rng)] : pop.frIndex[pop.frAuthors.draw(rng)];
      if (c === oacct || seenPair(ref.seq, c, false)) continue;
      who = c;
      break;
    }
    if (who < 0) return null;
    seenPair(ref.seq, who, true);
    const p: RawPost = {
      seq,
      id: snowflake(t, seq & LOW21),
      time: t,
      acct: who,
      kind: 'repost',
      text: '',
      lang: ref.lang,
      client: pop.client[who],
      urls: NO_URLS,
      tags: NO_TAGS,
      mentions: NO_MENTIONS,
      ref,
      swarm: -1,
    };
    count(p);
    return p;
  };

  const authored = (t: number, m: number, seq: number): RawPost => {
    const lam = cal.fr[m] + cal.en[m];
    const en = rng.float() * lam < cal.en[m];
    const acct = en ? pop.enIndex[pop.enAuthors.draw(rng)] : pop.frIndex[pop.frAuthors.draw(rng)];
    const r = rng.float();
    if (ringN > 0 && r < o.replyShare + o.quoteShare) {
      // Replies and quotes go to recent posts, half of the time to popular ones.
      const ref = popN > 0 && rng.chance(0.5) ? popular[rng.int(popular.length)] : ring[rng.int(ring.length)];
      if (ref.acct !== acct) {
        const isReply = r < o.replyShare;
        const writesEn = en ? !rng.chance(0.04) : rng.chance(0.02);
        const lang = isReply
          ? content.reply(tb.reset(), rng, writesEn, t, ref.acct)
          : content.quote(tb.reset(), rng, writesEn, t, pop.handle[ref.acct], ref.id);
        const p: RawPost = {
          seq,
          id: snowflake(t, seq & LOW21),
          time: t,
          acct,
          kind: isReply ? 'reply' : 'quote',
          text: tb.text(),
          lang,
          client: pop.client[acct],
          urls: tb.urls,
          tags: tb.tags,
          mentions: tb.mentions,
          ref,
          swarm: -1,
        };
        count(p);
        return p;
      }
    }
    const writesEn = en ? !rng.chance(0.04) : rng.chance(0.02);
    const lang = content.original(tb.reset(), rng, writesEn, t);
    const p: RawPost = {
      seq,
      id: snowflake(t, seq & LOW21),
      time: t,
      acct,
      kind: 'original',
      text: tb.text(),
      lang,
      // Most people post from one app; some switch (web at work, phone at night).
      client: rng.float() < 0.08 ? rng.int(3) : pop.client[acct],
      urls: tb.urls,
      tags: tb.tags,
      mentions: tb.mentions,
      ref: null,
      swarm: -1,
    };
    const k = ticketsFor(acct);
    schedule(p, k, cal.eventAt[m] >= 0 ? o.repostDelayMedian / 3 : o.repostDelayMedian, o.repostDelaySigma);
    remember(p, k);
    count(p);
    return p;
  };

  const total = cal.cum[cal.minutes];
  let x = 0;
  let m = 0;
  let pi = 0;
  let lastT = cal.start;
  let i = 0;
  let slotT = 0;
  let slotReady = false;
  return function next(): RawPost | null {
    if (!slotReady) {
      if (i >= nSlots) {
        if (pi < entries.length) return emitPlanned(pi++);
        live = []; // let go of what the stream held
        return null;
      }
      // Next order statistic of nSlots uniforms: 1 - (1 - x) * V^(1/(remaining)).
      x = 1 - (1 - x) * Math.exp(Math.log(rng.floatPos()) / (nSlots - i));
      const target = x * total;
      while (m < cal.minutes - 1 && cal.cum[m + 1] <= target) m++;
      const lam = cal.fr[m] + cal.en[m];
      const frac = Math.min(0.99999, Math.max(0, (target - cal.cum[m]) / lam));
      let t = Math.floor(cal.start + (m + frac) * MINUTE);
      if (t < lastT) t = lastT;
      lastT = t;
      slotT = t;
      slotReady = true;
    }
    if (pi < entries.length && entries[pi].raw.time <= slotT) return emitPlanned(pi++);
    slotReady = false;
    let p: RawPost | null = null;
    while (p === null && heap.size > 0 && heap.due[0] <= slotT) p = tryRepost(slotT, i);
    if (p === null) p = authored(slotT, m, i);
    i++;
    return p;
  };
}

/** Fresh, zeroed stats. */
export function emptyStats(): EngineStats {
  return {
    posts: 0,
    byKind: { original: 0, repost: 0, reply: 0, quote: 0 },
    swarmPosts: 0,
    plannedPosts: 0,
    accountsSeen: 0,
    firstTime: null,
    lastTime: null,
  };
}
