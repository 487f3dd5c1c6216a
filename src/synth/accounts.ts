/**
 * The account population: organic users with heavy-tailed activity and audience, and the
 * accounts of planted swarms (created in bursts, default profiles more often).
 *
 * Held in typed arrays (one slot per account) so a million accounts cost tens of megabytes;
 * descriptions and locations are re-derived from the seed when needed instead of stored.
 */
import type { Account } from '../model/post.js';
import { Alias, Rng, Weighted } from './rng.js';
import { snowflake } from './ids.js';
import {
  CITIES_FR,
  CLIENT_WEIGHTS_ORGANIC,
  CLIENT_WEIGHTS_SWARM,
  CLIENTS,
  DESCRIPTIONS_EN,
  DESCRIPTIONS_FR,
  FIRST_EN,
  FIRST_FR,
  HANDLE_WORDS,
  LAST_EN,
  LAST_FR,
  LOCATIONS_EN,
} from './lexicon.js';

export const F_VERIFIED = 1;
export const F_DEFAULT_PROFILE = 2;
export const F_DEFAULT_AVATAR = 4;
export const F_ENGLISH = 8;

const DAY = 86_400_000;

/** What shapes the organic population (see DEFAULTS in index.ts). */
export interface PopulationParams {
  seed: number;
  start: number;
  organic: number;
  englishShare: number;
  /** Log-scale sigma of per-account activity (lognormal). */
  activitySigma: number;
  followersMedian: number;
  followersSigma: number;
}

/** How one swarm's accounts look. */
export interface SwarmAccountsSpec {
  size: number;
  english: boolean;
  /** Members also post organically and have ordinary-looking profiles. */
  cover: boolean;
}

export interface Population {
  n: number;
  organic: number;
  idStr: string[];
  handle: string[];
  name: string[];
  created: Float64Array;
  followers: Int32Array;
  following: Int32Array;
  statuses: Int32Array;
  favourites: Int32Array;
  listed: Int32Array;
  flags: Uint8Array;
  client: Uint8Array;
  /** Organic posting weight; 0 for swarm accounts that only post when their operator says. */
  activity: Float64Array;
  /** Swarm index of the account, -1 when organic. */
  swarm: Int16Array;
  /** Expected reposts an original by this account attracts, relative (followers^0.5). */
  reach: Float64Array;
  /** Posts generated so far this week (statuses_count grows as the week goes). */
  posted: Int32Array;
  /** Organic authors by language community, drawn by activity. */
  frAuthors: Alias;
  frIndex: Int32Array;
  enAuthors: Alias;
  enIndex: Int32Array;
  /** Accounts people mention, by audience rank. */
  mentionable: Int32Array;
  mentionAlias: Alias;
  /** High-audience organic accounts (partisan commentators, journalists), most followed first. */
  influencers: Int32Array;
  /** Activity-weighted mean of `reach` over organic authors. */
  meanReach: number;
  /** Swarm account ranges [from, to) by swarm index, and their creation bursts. */
  swarmRanges: { from: number; to: number; burstStart: number; burstEnd: number }[];
  seed: number;
}

function ascii(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9]/g, '');
}

const FIRST_FR_A = FIRST_FR.map(ascii);
const LAST_FR_A = LAST_FR.map(ascii);
const FIRST_EN_A = FIRST_EN.map(ascii);
const LAST_EN_A = LAST_EN.map(ascii);

// Account creation years of organic users (French Twitter grew most in 2009-2013).
const YEARS = [2007, 2008, 2009, 2010, 2011, 2012, 2013, 2014, 2015, 2016, 2017];
const YEAR_W = [0.5, 2, 10, 9, 10, 11, 10, 9, 9, 11, 5];
const yearDist = new Weighted(YEARS, YEAR_W);

// Sequential user ids before snowflake ids (new accounts got snowflake ids from about 2016).
const ID_KNOTS: [number, number][] = [
  [Date.UTC(2006, 6, 1), 1e6],
  [Date.UTC(2008, 0, 1), 1.1e7],
  [Date.UTC(2009, 0, 1), 1.8e7],
  [Date.UTC(2010, 0, 1), 1.0e8],
  [Date.UTC(2011, 0, 1), 2.3e8],
  [Date.UTC(2012, 0, 1), 4.6e8],
  [Date.UTC(2013, 0, 1), 1.1e9],
  [Date.UTC(2014, 0, 1), 2.28e9],
  [Date.UTC(2015, 0, 1), 2.95e9],
  [Date.UTC(2016, 0, 1), 4.7e9],
];

function sequentialId(created: number): number {
  for (let i = 1; i < ID_KNOTS.length; i++) {
    const [t1, v1] = ID_KNOTS[i];
    const [t0, v0] = ID_KNOTS[i - 1];
    if (created <= t1) return Math.floor(v0 + ((Math.max(created, t0) - t0) / (t1 - t0)) * (v1 - v0));
  }
  return ID_KNOTS[ID_KNOTS.length - 1][1];
}

const clientOrganic = new Alias(CLIENT_WEIGHTS_ORGANIC);
const clientSwarm = new Alias(CLIENT_WEIGHTS_SWARM);

function cap(s: string, n = 15): string {
  return s.length <= n ? s : s.slice(0, n);
}

function digits(rng: Rng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(48 + rng.int(10));
  return s;
}

function organicHandle(rng: Rng, en: boolean, fi: number, li: number): string {
  const f = en ? FIRST_EN_A[fi] : FIRST_FR_A[fi];
  const l = en ? LAST_EN_A[li] : LAST_FR_A[li];
  const w = rng.pick(HANDLE_WORDS);
  switch (rng.int(8)) {
    case 0:
      return cap(f + l);
    case 1:
      return cap(f.toLowerCase() + '_' + l.toLowerCase());
    case 2:
      return cap(f.toLowerCase() + digits(rng, rng.range(2, 4)));
    case 3:
      return cap(f[0] + l);
    case 4:
      return cap(w + f);
    case 5:
      return cap(f + '_' + w);
    case 6:
      return cap(l + digits(rng, 2));
    default:
      return cap(w + digits(rng, 2));
  }
}

function organicName(rng: Rng, en: boolean, fi: number, li: number): string {
  const f = en ? FIRST_EN[fi] : FIRST_FR[fi];
  const l = en ? LAST_EN[li] : LAST_FR[li];
  const r = rng.float();
  if (r < 0.6) return f + ' ' + l;
  if (r < 0.75) return f;
  if (r < 0.85) return f + ' ' + l[0] + '.';
  if (r < 0.9) return f + (en ? ' 🇬🇧' : ' 🇫🇷');
  const w = rng.pick(HANDLE_WORDS);
  return (en ? 'The ' : 'Le ') + w[0].toUpperCase() + w.slice(1);
}

function uniqueHandle(taken: Set<string>, h: string, rng: Rng): string {
  let out = h;
  while (taken.has(out.toLowerCase())) out = cap(h.slice(0, 11) + digits(rng, 4));
  taken.add(out.toLowerCase());
  return out;
}

/**
 * Build the population: `params.organic` organic accounts, then the accounts of each swarm in
 * `swarms` order. Deterministic for the seed.
 */
export function buildPopulation(params: PopulationParams, swarms: SwarmAccountsSpec[]): Population {
  const rng = new Rng(params.seed, 101);
  const organic = params.organic;
  const n = organic + swarms.reduce((a, s) => a + s.size, 0);
  const pop: Population = {
    n,
    organic,
    idStr: new Array<string>(n),
    handle: new Array<string>(n),
    name: new Array<string>(n),
    created: new Float64Array(n),
    followers: new Int32Array(n),
    following: new Int32Array(n),
    statuses: new Int32Array(n),
    favourites: new Int32Array(n),
    listed: new Int32Array(n),
    flags: new Uint8Array(n),
    client: new Uint8Array(n),
    activity: new Float64Array(n),
    swarm: new Int16Array(n).fill(-1),
    reach: new Float64Array(n),
    posted: new Int32Array(n),
    frAuthors: null as unknown as Alias,
    frIndex: new Int32Array(0),
    enAuthors: null as unknown as Alias,
    enIndex: new Int32Array(0),
    mentionable: new Int32Array(0),
    mentionAlias: null as unknown as Alias,
    influencers: new Int32Array(0),
    meanReach: 1,
    swarmRanges: [],
    seed: params.seed,
  };
  const takenHandles = new Set<string>();
  const takenIds = new Set<number>();
  const snowflakeFrom = Date.UTC(2016, 0, 1);
  const assignId = (i: number) => {
    const c = pop.created[i];
    if (c >= snowflakeFrom) {
      pop.idStr[i] = snowflake(c, i & 0x3fffff);
      return;
    }
    let id = sequentialId(c) + rng.int(5000);
    while (takenIds.has(id)) id++;
    takenIds.add(id);
    pop.idStr[i] = String(id);
  };
  const latest = params.start - DAY;
  const rho = 0.45;
  for (let i = 0; i < organic; i++) {
    const en = rng.chance(params.englishShare);
    const za = rng.normal();
    const zf = rho * za + Math.sqrt(1 - rho * rho) * rng.normal();
    pop.activity[i] = Math.exp(params.activitySigma * za);
    const followers = Math.min(
      2e7,
      Math.round(params.followersMedian * Math.exp(params.followersSigma * zf)),
    );
    pop.followers[i] = followers;
    pop.following[i] = Math.min(5e5, Math.round(Math.exp(Math.log(220) + 1.1 * rng.normal() + 0.2 * zf)));
    const year = yearDist.draw(rng);
    const created = Math.min(latest, Date.UTC(year, 0, 1) + rng.float() * 365 * DAY);
    pop.created[i] = Math.floor(created / 1000) * 1000;
    const ageDays = Math.max(1, (params.start - created) / DAY);
    pop.statuses[i] = Math.min(2e6, Math.round(ageDays * 1.2 * Math.exp(0.9 * za + 0.6 * rng.normal())));
    pop.favourites[i] = Math.min(2e6, Math.round(pop.statuses[i] * Math.exp(0.8 * rng.normal()) * 0.7));
    pop.listed[i] = Math.round(followers * 0.008 * Math.exp(0.7 * rng.normal()));
    let flags = en ? F_ENGLISH : 0;
    if (followers > 100_000 ? rng.chance(0.6) : followers > 20_000 ? rng.chance(0.12) : false)
      flags |= F_VERIFIED;
    if (rng.chance(created > Date.UTC(2016, 0, 1) ? 0.3 : 0.1)) flags |= F_DEFAULT_PROFILE;
    if (rng.chance(created > Date.UTC(2016, 6, 1) ? 0.12 : 0.03)) flags |= F_DEFAULT_AVATAR;
    pop.flags[i] = flags;
    pop.client[i] = clientOrganic.draw(rng);
    const fi = rng.int(en ? FIRST_EN.length : FIRST_FR.length);
    const li = rng.int(en ? LAST_EN.length : LAST_FR.length);
    pop.handle[i] = uniqueHandle(takenHandles, organicHandle(rng, en, fi, li), rng);
    pop.name[i] = organicName(rng, en, fi, li);
    pop.reach[i] = Math.sqrt(followers + 1);
    assignId(i);
  }

  let next = organic;
  swarms.forEach((s, si) => {
    // Operators register their accounts in a burst, weeks to months before the campaign.
    const burstStart = Math.floor(params.start - (4 + rng.float() * 400) * DAY);
    const burstEnd = burstStart + (3 + rng.int(5)) * DAY;
    const preferred = clientSwarm.draw(rng);
    const from = next;
    for (let k = 0; k < s.size; k++, next++) {
      const i = next;
      pop.swarm[i] = si;
      const en = s.english;
      const inBurst = rng.chance(s.cover ? 0.35 : 0.85);
      const created = inBurst
        ? burstStart + rng.float() * (burstEnd - burstStart)
        : Math.min(latest, Date.UTC(yearDist.draw(rng), 0, 1) + rng.float() * 365 * DAY);
      pop.created[i] = Math.floor(created / 1000) * 1000;
      const ageDays = Math.max(1, (params.start - created) / DAY);
      const za = rng.normal();
      if (s.cover) {
        // Cover accounts post ordinary content too, at an ordinary-to-busy rate.
        pop.activity[i] = Math.exp(params.activitySigma * Math.abs(za) * 0.7);
        pop.followers[i] = Math.round(params.followersMedian * Math.exp(1.2 * rng.normal()));
      } else {
        pop.followers[i] = Math.round(25 * Math.exp(1.2 * rng.normal()));
      }
      pop.following[i] = Math.round(Math.exp(Math.log(s.cover ? 250 : 420) + 0.8 * rng.normal()));
      pop.statuses[i] = Math.min(
        2e6,
        Math.round(ageDays * (s.cover ? 2 : 14) * Math.exp(0.7 * rng.normal())),
      );
      pop.favourites[i] = Math.round(pop.statuses[i] * 0.3 * Math.exp(rng.normal()));
      pop.listed[i] = rng.chance(0.8) ? 0 : rng.range(1, 3);
      let flags = en ? F_ENGLISH : 0;
      if (rng.chance(s.cover ? 0.3 : 0.7)) flags |= F_DEFAULT_PROFILE;
      if (rng.chance(s.cover ? 0.1 : 0.45)) flags |= F_DEFAULT_AVATAR;
      pop.flags[i] = flags;
      pop.client[i] = rng.chance(0.7) ? preferred : clientSwarm.draw(rng);
      const fi = rng.int(en ? FIRST_EN.length : FIRST_FR.length);
      const li = rng.int(en ? LAST_EN.length : LAST_FR.length);
      const f = en ? FIRST_EN_A[fi] : FIRST_FR_A[fi];
      let h: string;
      const r = rng.float();
      if (s.cover || r < 0.2) h = organicHandle(rng, en, fi, li);
      else if (r < 0.75)
        h = cap(f.slice(0, 7) + digits(rng, 8)); // the sign-up form's suggestion
      else h = cap(rng.pick(HANDLE_WORDS) + digits(rng, rng.range(4, 7)));
      pop.handle[i] = uniqueHandle(takenHandles, h, rng);
      pop.name[i] = organicName(rng, en, fi, li);
      pop.reach[i] = Math.sqrt(pop.followers[i] + 1);
      assignId(i);
    }
    pop.swarmRanges.push({ from, to: next, burstStart, burstEnd });
  });

  // Author tables per language community.
  const fr: number[] = [];
  const en: number[] = [];
  for (let i = 0; i < n; i++) if (pop.activity[i] > 0) (pop.flags[i] & F_ENGLISH ? en : fr).push(i);
  if (fr.length === 0) fr.push(0);
  if (en.length === 0) en.push(fr[0]);
  pop.frIndex = Int32Array.from(fr);
  pop.enIndex = Int32Array.from(en);
  pop.frAuthors = new Alias(fr.map((i) => pop.activity[i]));
  pop.enAuthors = new Alias(en.map((i) => pop.activity[i]));
  let sw = 0;
  let sr = 0;
  for (let i = 0; i < n; i++) {
    sw += pop.activity[i];
    sr += pop.activity[i] * pop.reach[i];
  }
  pop.meanReach = sw > 0 ? sr / sw : 1;

  // The most followed organic accounts: mentioned most, and the commentators whose posts
  // draw the crowds.
  const byAudience = Array.from({ length: organic }, (_, i) => i).sort(
    (a, b) => pop.followers[b] - pop.followers[a] || a - b,
  );
  const mention = byAudience.slice(0, Math.max(1, Math.min(400, Math.ceil(organic * 0.02))));
  pop.mentionable = Int32Array.from(mention);
  pop.mentionAlias = new Alias(mention.map((_, r) => 1 / (r + 1)));
  pop.influencers = Int32Array.from(
    byAudience.slice(0, Math.max(1, Math.min(200, Math.ceil(organic * 0.01)))),
  );
  return pop;
}

/** Location and description of an account, derived from the seed (not stored). */
export function profileText(pop: Population, i: number, rng: Rng): { location: string; description: string } {
  rng.reseed(pop.seed, 0x5000_0000 + i);
  const en = (pop.flags[i] & F_ENGLISH) !== 0;
  if (pop.flags[i] & F_DEFAULT_PROFILE && rng.chance(0.7)) return { location: '', description: '' };
  const location = en
    ? rng.pick(LOCATIONS_EN)
    : rng.chance(0.25)
      ? ''
      : rng.chance(0.2)
        ? 'France'
        : rng.pick(CITIES_FR) + (rng.chance(0.3) ? ', France' : '');
  const description = rng.chance(0.22) ? '' : en ? rng.pick(DESCRIPTIONS_EN) : rng.pick(DESCRIPTIONS_FR);
  return { location, description };
}

/** Name of the account's client application. */
export function clientName(pop: Population, i: number): string {
  return CLIENTS[pop.client[i]].name;
}

/** The account as the normalised model sees it, observed at `observedAt`. */
export function toAccount(pop: Population, i: number, observedAt: number, rng: Rng): Account {
  const { description } = profileText(pop, i, rng);
  return {
    platform: 'x',
    accountId: pop.idStr[i],
    handle: pop.handle[i],
    displayName: pop.name[i],
    createdAt: pop.created[i],
    followers: pop.followers[i],
    following: pop.following[i],
    postsCount: pop.statuses[i] + pop.posted[i],
    description,
    verified: (pop.flags[i] & F_VERIFIED) !== 0,
    defaultProfile: (pop.flags[i] & F_DEFAULT_PROFILE) !== 0,
    defaultAvatar: (pop.flags[i] & F_DEFAULT_AVATAR) !== 0,
    observedAt,
  };
}
