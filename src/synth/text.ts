/**
 * Post content: template-filled French and English texts, news links with their site's path
 * shape (and tracking parameters on some), hashtags drawn by Zipf rank with the week's events
 * trending, mentions of the most followed accounts, and the texts swarms post.
 */
import type { Calendar } from './calendar.js';
import { minuteOf } from './calendar.js';
import type { Population } from './accounts.js';
import { Alias, hash32, Rng, Weighted, zipfWeights } from './rng.js';
import { base62 } from './ids.js';
import { type TextBuilder } from './raw.js';
import { MIN_LANG_CHARS } from '../ingest/normalize.js';
import {
  CANDIDATE_PERSON,
  CANDIDATE_WEIGHTS,
  CANDIDATES,
  CITIES_FR,
  CLOSERS,
  COPY_BASES_EN,
  COPY_BASES_FR,
  CROWD_FR,
  DEBATE_FR,
  EMOJI_TAILS,
  EVAL_EN,
  EVAL_FR,
  HASHTAGS_EN,
  HASHTAGS_FR,
  HEADLINES_EN,
  HEADLINES_FR,
  type NewsSite,
  NEWS_EN,
  NEWS_FR,
  OPENERS_EN,
  OPENERS_FR,
  PROPOSALS_FR,
  REPLIES_EN,
  REPLIES_FR,
  SHARE_PREFIX_EN,
  SHARE_PREFIX_FR,
  SHORT_EN,
  SHORT_FR,
  SLUG_WORDS_EN,
  SLUG_WORDS_FR,
  SWAPS,
  TEMPLATES_EN,
  TEMPLATES_FR,
  TOPICS_EN,
  TOPICS_FR,
  TV_FR,
} from './lexicon.js';

type Part = string | number;

const SLOTS = ['cand', 'cand2', 'topic', 'eval', 'op', 'close', 'city', 'pct', 'tv', 'proposal', 'crowd'];

/** Split a template into literal parts and slot numbers once, at load. */
function compile(t: string): Part[] {
  const out: Part[] = [];
  const re = /\{(\w+)\}/g;
  let last = 0;
  for (let m = re.exec(t); m; m = re.exec(t)) {
    if (m.index > last) out.push(t.slice(last, m.index));
    const k = SLOTS.indexOf(m[1]);
    if (k < 0) throw new Error(`template slot {${m[1]}} unknown in "${t}"`);
    out.push(k);
    last = m.index + m[0].length;
  }
  if (last < t.length) out.push(t.slice(last));
  return out;
}

const T_FR = TEMPLATES_FR.map(compile);
const T_DEBATE = DEBATE_FR.map(compile);
const T_EN = TEMPLATES_EN.map(compile);
const H_FR = HEADLINES_FR.map(compile);
const H_EN = HEADLINES_EN.map(compile);
const R_FR = REPLIES_FR.map(compile);
const R_EN = REPLIES_EN.map(compile);
const C_FR = COPY_BASES_FR.map(compile);
const C_EN = COPY_BASES_EN.map(compile);

const candidates = new Alias(CANDIDATE_WEIGHTS);
const tagsFr = Weighted.zipf(HASHTAGS_FR, 1.0);
const tagsEn = Weighted.zipf(HASHTAGS_EN, 1.0);
const sitesFr = new Alias(NEWS_FR.map((s) => s.weight));
const sitesEn = new Alias(NEWS_EN.map((s) => s.weight));

/** Articles per site-day ranked by popularity; which article a link points to follows Zipf. */
const ARTICLES_PER_DAY = 4000;
const articleRank = new Alias(zipfWeights(ARTICLES_PER_DAY, 1.05));

function fill(tpl: Part[], rng: Rng, en: boolean): string {
  let s = '';
  let cand = -1;
  for (let i = 0; i < tpl.length; i++) {
    const p = tpl[i];
    if (typeof p === 'string') {
      s += p;
      continue;
    }
    switch (p) {
      case 0:
        cand = candidates.draw(rng);
        s += CANDIDATES[cand];
        break;
      case 1: {
        let c = candidates.draw(rng);
        for (let k = 0; k < 8 && cand >= 0 && CANDIDATE_PERSON[c] === CANDIDATE_PERSON[cand]; k++)
          c = candidates.draw(rng);
        s += CANDIDATES[c];
        break;
      }
      case 2:
        s += rng.pick(en ? TOPICS_EN : TOPICS_FR);
        break;
      case 3:
        s += rng.pick(en ? EVAL_EN : EVAL_FR);
        break;
      case 4:
        s += rng.pick(en ? OPENERS_EN : OPENERS_FR);
        break;
      case 5:
        s += rng.pick(CLOSERS);
        break;
      case 6:
        s += rng.pick(CITIES_FR);
        break;
      case 7:
        s += String(rng.range(38, 64));
        break;
      case 8:
        s += rng.pick(TV_FR);
        break;
      case 9:
        s += rng.pick(PROPOSALS_FR);
        break;
      default:
        s += rng.pick(CROWD_FR);
    }
  }
  // An empty opener leaves a leading space; a closer may follow a full stop.
  if (s.charCodeAt(0) === 32) s = s.trimStart();
  return s;
}

function pad2(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

const MONTHS_EN = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** Everything that writes post content, bound to one population and calendar. */
export class Content {
  private readonly urlCache = new Map<number, string>();
  private readonly scratch = new Rng(0);

  constructor(
    private readonly pop: Population,
    private readonly cal: Calendar,
    private readonly seed: number,
  ) {}

  /** Hashtags trending at `t` (the active event's), or none. */
  eventTags(t: number): string[] | null {
    const e = this.cal.eventAt[minuteOf(this.cal, t)];
    return e >= 0 ? this.cal.events[e].hashtags : null;
  }

  eventName(t: number): string | null {
    const e = this.cal.eventAt[minuteOf(this.cal, t)];
    return e >= 0 ? this.cal.events[e].name : null;
  }

  hashtag(rng: Rng, en: boolean, t: number): string {
    const ev = this.eventTags(t);
    if (ev && rng.chance(0.6)) return rng.pick(ev);
    return (en ? tagsEn : tagsFr).draw(rng);
  }

  /** A t.co link, unique to the post and position. */
  tco(rng: Rng): string {
    return 'https://t.co/' + base62(rng.u32(), rng.u32(), 10);
  }

  /**
   * A news article link: the article is drawn by Zipf rank among the day's articles (today's
   * mostly), its site follows from the article, tracking parameters are added to some shares.
   */
  articleUrl(rng: Rng, en: boolean, t: number): string {
    const dayBack = rng.float() < 0.75 ? 0 : rng.float() < 0.8 ? 1 : 2;
    const day = Math.floor((t - this.cal.start) / 86_400_000) - dayBack;
    const rank = articleRank.draw(rng);
    const key = ((day + 10) * ARTICLES_PER_DAY + rank) * 2 + (en ? 1 : 0);
    let u = this.urlCache.get(key);
    if (u === undefined) {
      const h = hash32(this.seed, key, 77);
      const sites = en ? NEWS_EN : NEWS_FR;
      const site = sites[(en ? sitesEn : sitesFr).drawU(h / 4294967296)];
      u = this.articlePath(site, this.cal.start + day * 86_400_000, h, en);
      if (this.urlCache.size > 200_000) this.urlCache.clear();
      this.urlCache.set(key, u);
    }
    return this.withTracking(rng, u);
  }

  /** A link on one of `sites` (a push campaign's URL), fixed by `key`. */
  campaignUrl(site: NewsSite, t: number, key: number, en: boolean): string {
    return this.articlePath(site, t, hash32(this.seed, key, 991), en);
  }

  withTracking(rng: Rng, u: string): string {
    const r = rng.float();
    if (r > 0.22) return u;
    if (r < 0.1) return u + (u.includes('?') ? '&' : '?') + 'utm_source=twitter&utm_medium=social';
    if (r < 0.15)
      return u + (u.includes('?') ? '&' : '?') + 'utm_campaign=Echobox&utm_medium=Social&utm_source=Twitter';
    if (r < 0.19) return u + '#xtor=AL-32280270';
    return u + (u.includes('?') ? '&' : '?') + 'xtor=CS2-' + rng.range(10, 99);
  }

  private articlePath(site: NewsSite, dayStart: number, h: number, en: boolean): string {
    const r = this.scratch.reseed(h, 3);
    const words = en ? SLUG_WORDS_EN : SLUG_WORDS_FR;
    const nw = r.range(4, 7);
    let slug = '';
    for (let i = 0; i < nw; i++) slug += (i ? '-' : '') + r.pick(words);
    const d = new Date(dayStart + 12 * 3_600_000);
    const y = d.getUTCFullYear();
    const mo = pad2(d.getUTCMonth() + 1);
    const da = pad2(d.getUTCDate());
    const num = (k: number) => String(r.range(10 ** (k - 1), 10 ** k - 1));
    const host = 'https://' + site.host;
    switch (site.shape) {
      case 'lemonde':
        return `${host}/election-presidentielle-2017/article/${y}/${mo}/${da}/${slug}_${num(7)}_${num(7)}.html`;
      case 'figaro':
        return `${host}/elections/presidentielles/${y}/${mo}/${da}/35003-${y}${mo}${da}ARTFIG00${num(3)}-${slug}.php`;
      case 'libe':
        return `${host}/politiques/${y}/${mo}/${da}/${slug}_${num(7)}`;
      case 'bfm':
        return `${host}/politique/${slug}-${num(7)}.html`;
      case 'bbc':
        return `${host}/news/world-europe-${num(8)}`;
      case 'guardian':
        return `${host}/world/${y}/${MONTHS_EN[d.getUTCMonth()]}/${da}/${slug}`;
      case 'dated':
        return `${host}/${en ? 'world' : 'politique'}/${y}/${mo}/${da}/${slug}/`;
      case 'youtube':
        return `${host}/watch?v=${base62(r.u32(), r.u32(), 10)}${r.pick(['A', 'w', 'Q', 'g'])}`;
      default:
        return `${host}/${en ? 'news' : 'politique'}/${slug}-${num(6)}`;
    }
  }

  /** Append up to `max` hashtags (never the same twice). */
  addTags(tb: TextBuilder, rng: Rng, en: boolean, t: number, max: number): void {
    let first = '';
    for (let k = 0; k < max; k++) {
      const tag = this.hashtag(rng, en, t);
      if (tag.toLowerCase() === first.toLowerCase()) continue;
      first = tag;
      tb.tag(tag);
    }
  }

  mentionable(rng: Rng): number {
    return this.pop.mentionable[this.pop.mentionAlias.draw(rng)];
  }

  /**
   * An organic original post. Returns its language (`und` for the short phrases any language
   * community writes).
   */
  original(tb: TextBuilder, rng: Rng, en: boolean, t: number): string {
    const r = rng.float();
    let lang = en ? 'en' : 'fr';
    if (r < 0.13) {
      // Short phrases: the platform cannot tell their language (as `detectLanguage` would not).
      tb.add(rng.pick(en ? SHORT_EN : SHORT_FR));
      if (rng.chance(0.15)) this.addTags(tb, rng, en, t, 1);
      if (tb.s.length < MIN_LANG_CHARS) lang = 'und';
      return lang;
    }
    if (r < 0.43) {
      // A news share: headline, maybe a prefix, the link, maybe a hashtag or "via @site".
      const headline = fill(rng.pick(en ? H_EN : H_FR), rng, en);
      tb.add(rng.pick(en ? SHARE_PREFIX_EN : SHARE_PREFIX_FR)).add(headline);
      tb.url(this.tco(rng), this.articleUrl(rng, en, t));
      if (rng.chance(0.12)) {
        const via = this.pop.influencers[rng.int(Math.min(20, this.pop.influencers.length))];
        if (tb.fits(this.pop.handle[via].length + 5)) tb.add(' via').mention(via, this.pop.handle[via]);
      }
      if (rng.chance(0.3)) this.addTags(tb, rng, en, t, 2);
      return lang;
    }
    const debate = !en && this.eventName(t) === 'debate' && rng.chance(0.6);
    tb.add(fill(rng.pick(debate ? T_DEBATE : en ? T_EN : T_FR), rng, en));
    if (rng.chance(0.07)) {
      const m = this.mentionable(rng);
      tb.mention(m, this.pop.handle[m]);
    }
    if (rng.chance(debate ? 0.65 : 0.33)) this.addTags(tb, rng, en, t, rng.chance(0.25) ? 2 : 1);
    return lang;
  }

  /** A reply to `target`'s post: `@target` then a short answer. */
  reply(tb: TextBuilder, rng: Rng, en: boolean, t: number, target: number): string {
    tb.mention(target, this.pop.handle[target]).add(' ');
    if (rng.chance(0.15)) tb.add(rng.pick(en ? SHORT_EN : SHORT_FR));
    else {
      tb.add(fill(rng.pick(en ? R_EN : R_FR), rng, en));
      if (rng.chance(0.1)) this.addTags(tb, rng, en, t, 1);
    }
    return tb.s.length - 2 - this.pop.handle[target].length < MIN_LANG_CHARS ? 'und' : en ? 'en' : 'fr';
  }

  /** A quote: a comment, then the permalink of the quoted post. */
  quote(tb: TextBuilder, rng: Rng, en: boolean, t: number, quotedHandle: string, quotedId: string): string {
    const c = rng.float();
    if (c < 0.4) tb.add(fill(rng.pick(en ? R_EN : R_FR), rng, en));
    else tb.add(fill(rng.pick(en ? T_EN : T_FR), rng, en));
    tb.url(this.tco(rng), `https://twitter.com/${quotedHandle}/status/${quotedId}`);
    if (rng.chance(0.2)) this.addTags(tb, rng, en, t, 1);
    return en ? 'en' : 'fr';
  }

  /** A post of a swarm's seed account, or of a commentator a ring amplifies. */
  seedPost(tb: TextBuilder, rng: Rng, en: boolean, t: number, tags: string[]): void {
    tb.add(fill(rng.pick(en ? T_EN : rng.chance(0.5) ? C_FR : T_FR), rng, en));
    if (tags.length && rng.chance(0.8)) tb.tag(rng.pick(tags));
    else this.addTags(tb, rng, en, t, 1);
  }

  /** A link-push post: a varied comment, the campaign URL, the swarm's hashtags on most. */
  pushPost(tb: TextBuilder, rng: Rng, en: boolean, url: string, tags: string[], tagP: number): void {
    const r = rng.float();
    if (r < 0.45)
      tb.add(rng.pick(en ? SHARE_PREFIX_EN : SHARE_PREFIX_FR)).add(fill(rng.pick(en ? H_EN : H_FR), rng, en));
    else if (r < 0.75) tb.add(fill(rng.pick(en ? C_EN : C_FR), rng, en));
    else if (r < 0.9) tb.add(rng.pick(en ? SHORT_EN : SHORT_FR));
    tb.url(this.tco(rng), url);
    if (tags.length && rng.chance(tagP)) {
      const k = rng.int(tags.length);
      tb.tag(tags[k]);
      if (tags.length > 1 && rng.chance(0.3)) tb.tag(tags[(k + 1) % tags.length]);
    }
  }

  /** A copy-paste base message (slots filled once for the whole swarm). */
  copyBase(rng: Rng, en: boolean): string {
    return fill(rng.pick(en ? C_EN : C_FR), rng, en);
  }

  /**
   * One member's copy of `base` with the small edits operators make to dodge exact matching:
   * a swapped word, changed punctuation, a changed case, an emoji or hashtag added.
   */
  copyVariant(tb: TextBuilder, rng: Rng, base: string, tags: string[]): void {
    let s = base;
    const edits = rng.float() < 0.35 ? 0 : rng.range(1, 2);
    for (let e = 0; e < edits; e++) {
      const kind = rng.int(5);
      if (kind === 0) {
        const sw = SWAPS.filter(([a]) => s.includes(a));
        if (sw.length) {
          const [a, b] = rng.pick(sw);
          s = s.replace(a, b);
          continue;
        }
      }
      if (kind <= 1) {
        s = s.endsWith('!') ? s + '!' : s.endsWith('.') ? s.slice(0, -1) + ' !' : s + ' !!';
      } else if (kind === 2) {
        s = s[0] === s[0].toLowerCase() ? s[0].toUpperCase() + s.slice(1) : s[0].toLowerCase() + s.slice(1);
      } else if (kind === 3) {
        s += rng.pick(EMOJI_TAILS);
      } else {
        s = s.replace(/ ([!?:])/g, '$1');
      }
    }
    tb.add(s);
    if (tags.length && rng.chance(0.5)) tb.tag(rng.pick(tags));
  }
}
