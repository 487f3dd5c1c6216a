/**
 * The optional planted smear narrative (option `smear`, off by default): a fabricated story
 * that travels the way documented operations moved theirs (state outlet, then a clone of a
 * real newspaper, then a coordinated swarm, then organic chatter and a debunk):
 *
 * 1. an outlet account posts it first, linking a state-media article (fr.sputniknews.africa),
 *    and comes back to it a few hours later;
 * 2. a look-alike of Le Monde (www.lemonde.ltd) "confirms" it, first shared by the swarm's lead;
 * 3. the swarm reposts the outlet's post and the lead's shares of the clone within minutes, then
 *    pushes the clone's links with copy-pasted French and English texts, small edits;
 * 4. a few organic accounts mention it, two of them to debunk it.
 *
 * The story is invented for the demo: no such article or account exists. Everything is drawn
 * from its own random stream, so enabling it leaves the other swarms' plans unchanged.
 */
import type { Calendar } from './calendar.js';
import type { Population } from './accounts.js';
import { F_ENGLISH } from './accounts.js';
import type { Content } from './text.js';
import { Rng } from './rng.js';
import { TextBuilder, type RawPost, NO_URLS, NO_TAGS, NO_MENTIONS } from './raw.js';
import type { PlanEntry } from './plan.js';

/** What to plant (see `SynthOptions.smear`). */
export interface SmearSpec {
  /** Accounts in the coordinated swarm that pushes the clone's link. */
  size: number;
}

export const SMEAR_DEFAULTS: Readonly<SmearSpec> = Object.freeze({ size: 24 });

/** Id of the narrative in data/narratives/demo-smear.yaml. */
export const SMEAR_NARRATIVE_ID = 'demo-offshore-smear';
export const SMEAR_OUTLET_HANDLE = 'InfoMondeDirect';
export const SMEAR_STATE_MEDIA_URL =
  'https://fr.sputniknews.africa/20170503/macron-compte-offshore-caimans-1031234567.html';
export const SMEAR_CLONE_URL =
  'https://www.lemonde.ltd/politique/article/2017/05/03/macron-compte-offshore-caimans_5121748_823448.html';
/** The clone's follow-up articles, pushed by the swarm after the first. */
export const SMEAR_CLONE_FOLLOW_UPS = [
  'https://www.lemonde.ltd/politique/article/2017/05/03/caimans-les-documents-du-compte-offshore_5121790_823448.html',
  'https://www.lemonde.ltd/politique/article/2017/05/04/compte-offshore-macron-silence-de-la-campagne_5122013_823448.html',
];
const SMEAR_TAGS = ['MacronOffshore', 'MacronGate'];

const ORIGIN_FR = 'EXCLUSIF – Des documents évoquent un compte offshore de Macron aux îles Caïmans';
const FOLLOW_FR = 'Compte offshore de Macron aux Caïmans : les questions qui dérangent';
const CLONE_FR = 'Le Monde confirme : compte offshore de Macron aux îles Caïmans';
const BASES: [string, string][] = [
  ['Le Monde révèle : Macron aurait caché 3 millions sur un compte offshore aux îles Caïmans',
    'Le Monde reveals: Macron allegedly hid 3 million in an offshore account in the Cayman Islands'],
  ['Les documents du compte offshore de Macron aux îles Caïmans publiés par Le Monde',
    'Le Monde publishes the documents of the Macron offshore account in the Cayman Islands'],
  ['Compte offshore aux îles Caïmans : pourquoi Macron se tait ? Le Monde enquête',
    'Cayman Islands offshore account: why is Macron silent? Le Monde investigates'],
]; // prettier-ignore
const ORGANIC: { text: string; en: boolean; debunk: boolean }[] = [
  { text: "Quelqu'un a des infos sur ce compte offshore de Macron aux Caïmans ? Ça tourne partout", en: false, debunk: false },
  { text: 'Encore cette histoire de compte offshore aux îles Caïmans… j’attends des preuves', en: false, debunk: false },
  { text: 'Seeing a lot of posts about a Macron offshore account in the Cayman Islands today', en: true, debunk: false },
  { text: "Le prétendu compte offshore de Macron aux îles Caïmans est un faux : lemonde.ltd n'est pas Le Monde", en: false, debunk: true },
  { text: 'Fact check: the Macron Cayman Islands offshore account story comes from a fake Le Monde site', en: true, debunk: true },
  { text: "Compte offshore aux Caïmans : si c'est vrai c'est grave, si c'est faux c'est grave aussi", en: false, debunk: false },
]; // prettier-ignore

/** The smear in the answer key. Times ISO-8601 UTC; post ids as in the output files. */
export interface SmearTruth {
  narrativeId: string;
  outlet: { accountId: string; handle: string };
  /** The first post of the narrative: the outlet's, linking the state-media article. */
  originPostId: string;
  originTime: string;
  stateMediaUrls: string[];
  stateMediaDomains: string[];
  cloneUrls: string[];
  cloneDomains: string[];
  /** Id of the swarm (in `truth.swarms`) that pushed the clone's link. */
  swarmId: string;
  swarmAccountIds: string[];
  /** Every post that carries the narrative (outlet, swarm, organic). */
  postIds: string[];
  outletPostIds: string[];
  swarmPostIds: string[];
  organicPostIds: string[];
  debunkPostIds: string[];
}

/** Population indices of the smear's accounts. */
export interface SmearAccounts {
  swarm: number[];
  outlet: number;
  /** Swarm index of the smear swarm (its raw posts carry it). */
  swarmIndex: number;
}

/** What the planner needs to label entries, resolved to ids after sorting. */
export interface SmearPlan {
  entries: { index: number; role: 'outlet' | 'swarm' | 'organic' | 'debunk' }[];
}

const HOUR = 3_600_000;

function raw(time: number, acct: number, swarm: number, pop: Population): RawPost {
  return {
    seq: -1,
    id: '',
    time: Math.floor(time),
    acct,
    kind: 'original',
    text: '',
    lang: 'fr',
    client: pop.client[acct],
    urls: NO_URLS,
    tags: NO_TAGS,
    mentions: NO_MENTIONS,
    ref: null,
    swarm,
  };
}

/** Give the outlet account a newsroom's look (handle, name, audience). */
export function dressOutlet(pop: Population, outlet: number): void {
  pop.handle[outlet] = SMEAR_OUTLET_HANDLE;
  pop.name[outlet] = 'Info Monde Direct';
  pop.followers[outlet] = 48_000;
  pop.reach[outlet] = Math.sqrt(48_001);
  pop.flags[outlet] &= ~F_ENGLISH;
}

/**
 * Plan the smear's posts into `entries` (before the plan is sorted). The story starts at
 * 30 % of the period, the swarm works over the following hours, organic mentions trail.
 */
export function planSmear(
  seed: number,
  acc: SmearAccounts,
  pop: Population,
  cal: Calendar,
  content: Content,
  entries: PlanEntry[],
): SmearPlan {
  const rng = new Rng(seed, 505);
  const tb = new TextBuilder();
  const span = cal.end - cal.start;
  const clamp = (t: number) => Math.min(cal.end - 1, Math.max(cal.start, Math.floor(t)));
  const plan: SmearPlan = { entries: [] };
  const push = (r: RawPost, role: SmearPlan['entries'][number]['role']) => {
    r.text = tb.text();
    r.urls = tb.urls;
    r.tags = tb.tags;
    r.mentions = tb.mentions;
    entries.push({ raw: r, refPlan: -1, tickets: -1, delayMedian: 900, delaySigma: 1.6 });
    plan.entries.push({ index: entries.length - 1, role });
  };
  const t0 = clamp(cal.start + span * 0.3 + rng.float() * HOUR);
  // 1. The outlet, with the state-media article, then a follow-up.
  tb.reset().add(ORIGIN_FR).url(content.tco(rng), SMEAR_STATE_MEDIA_URL);
  push(raw(t0, acc.outlet, -1, pop), 'outlet');
  const originIndex = entries.length - 1;
  tb.reset().add(FOLLOW_FR).url(content.tco(rng), SMEAR_STATE_MEDIA_URL);
  push(raw(clamp(t0 + 3 * HOUR + rng.float() * HOUR), acc.outlet, -1, pop), 'outlet');
  // 2. The clone "confirms", shared first by the swarm's lead.
  const lead = acc.swarm[0];
  tb.reset().add(CLONE_FR).url(content.tco(rng), SMEAR_CLONE_URL).tag(SMEAR_TAGS[0]);
  push(raw(clamp(t0 + 2 * HOUR + rng.float() * 0.5 * HOUR), lead, acc.swarmIndex, pop), 'swarm');
  const targets = [originIndex, entries.length - 1];
  // The lead also shares each follow-up article first.
  SMEAR_CLONE_FOLLOW_UPS.forEach((url, u) => {
    tb.reset()
      .add(BASES[u + 1][0])
      .url(content.tco(rng), url)
      .tag(SMEAR_TAGS[0]);
    push(raw(clamp(t0 + (5.7 + 3 * u) * HOUR), lead, acc.swarmIndex, pop), 'swarm');
    targets.push(entries.length - 1);
  });
  // The swarm reposts the outlet and the lead within minutes, as a repost ring would.
  for (const target of targets) {
    const t = entries[target].raw.time;
    for (const m of acc.swarm) {
      if (m === entries[target].raw.acct || !rng.chance(0.85)) continue;
      const r = raw(clamp(t + 2000 + rng.lognormal(50, 0.9) * 1000), m, acc.swarmIndex, pop);
      r.kind = 'repost';
      entries.push({ raw: r, refPlan: target, tickets: 0, delayMedian: 0, delaySigma: 0 });
      plan.entries.push({ index: entries.length - 1, role: 'swarm' });
    }
  }
  // 3. The swarm: each of the clone's articles pushed by most members within a short
  //    window, with copy-pasted French or English texts (a third write in English).
  const english = acc.swarm.map(() => rng.chance(1 / 3));
  const urls = [SMEAR_CLONE_URL, ...SMEAR_CLONE_FOLLOW_UPS];
  const posted = new Int32Array(acc.swarm.length);
  urls.forEach((url, u) => {
    const from = t0 + (3 + 3 * u) * HOUR;
    acc.swarm.forEach((m, k) => {
      // Every member posts at least twice: the last article catches those who missed one.
      if (!rng.chance(0.8) && !(u === urls.length - 1 && posted[k] < 2)) return;
      const r = raw(clamp(from + rng.float() * 1.5 * HOUR), m, acc.swarmIndex, pop);
      content.copyVariant(tb.reset(), rng, BASES[u][english[k] ? 1 : 0], SMEAR_TAGS);
      tb.url(content.tco(rng), url);
      r.lang = english[k] ? 'en' : 'fr';
      posted[k]++;
      push(r, 'swarm');
    });
  });
  // 4. Organic accounts mention it, some to debunk it.
  for (const o of ORGANIC) {
    const idx = o.en ? pop.enIndex : pop.frIndex;
    let a = idx[rng.int(idx.length)];
    for (let k = 0; k < 8 && pop.swarm[a] >= 0; k++) a = idx[rng.int(idx.length)];
    const t = clamp(t0 + (5 + rng.float() * 25) * HOUR);
    tb.reset().add(o.text);
    const r = raw(t, a, -1, pop);
    r.lang = o.en ? 'en' : 'fr';
    push(r, o.debunk ? 'debunk' : 'organic');
  }
  return plan;
}
