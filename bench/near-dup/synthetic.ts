/**
 * Synthetic multilingual posts for the near-duplicate bench and tests: organic texts from
 * Zipf-distributed vocabularies (French, English, German, Spanish, Russian), exact copies,
 * near-duplicates with small edits (a word swapped, punctuation, an added hashtag, case,
 * a Cyrillic look-alike, an emoji) and common short phrases. Deterministic for a seed.
 */
import { mulberry32 } from '../../src/util/rng.js';

export interface SyntheticPost {
  text: string;
  /** Epoch ms, non-decreasing. */
  time: number;
  /** What the generator did, for the test's diagnostics. */
  kind: 'organic' | 'copy' | 'edit' | 'short';
  /** Index of the post this one copies or edits, -1 otherwise. */
  source: number;
}

export interface SyntheticOptions {
  seed: number;
  /** Share of exact copies (possibly with a different URL or mention, which normalise away). */
  copies: number;
  /** Share of near-duplicate edits. */
  edits: number;
  /** Share of common short phrases. */
  shorts: number;
  /** Copies and edits pick their source among this many previous posts. */
  recent: number;
  /** Mean seconds between posts. */
  gapSeconds: number;
}

export const SYNTHETIC_DEFAULTS: SyntheticOptions = {
  seed: 1,
  copies: 0.25,
  edits: 0.15,
  shorts: 0.05,
  recent: 2000,
  gapSeconds: 0.05,
};

const SYLLABLES: Record<string, string[]> = {
  fr: ['la', 'le', 'dé', 'mo', 'cra', 'tie', 'vo', 'te', 'ré', 'pu', 'bli', 'que', 'é', 'lec', 'tion', 'pré', 'si', 'dent', 'ça', 'fran', 'çais', 'peu', 'ple', 'ma', 'cron', 'pen', 'gau', 'che', 'droi', 'te', 'hon', 'te', 'ê', 'tre', 'où', 'très', 'ci', 'to', 'yen'],
  en: ['the', 'vo', 'ter', 'elec', 'tion', 'cam', 'paign', 'peo', 'ple', 'news', 'fake', 'state', 'ment', 'lead', 'er', 'coun', 'try', 'free', 'dom', 'truth', 'rig', 'ged', 'poll', 'ing', 'sta', 'tion', 'gov', 'ern', 'ment'],
  de: ['wahl', 'kampf', 'bür', 'ger', 'stim', 'me', 'par', 'tei', 'kanz', 'ler', 'grü', 'ne', 'ös', 'ter', 'reich', 'mün', 'chen', 'stra', 'ße', 'freu', 'de', 'grö', 'ße', 'ge', 'setz'],
  es: ['vo', 'to', 'e', 'lec', 'ción', 'pre', 'si', 'den', 'te', 'pue', 'blo', 'es', 'pa', 'ña', 'ma', 'ña', 'na', 'cam', 'pa', 'ña', 'go', 'bier', 'no', 'ver', 'dad'],
  ru: ['вы', 'бо', 'ры', 'пре', 'зи', 'дент', 'на', 'род', 'стра', 'на', 'прав', 'да', 'ми', 'ра', 'фран', 'ци', 'я', 'ев', 'ро', 'па', 'за', 'пад', 'го', 'лос', 'ко', 'вать'],
}; // prettier-ignore

const LANGS = ['fr', 'fr', 'fr', 'en', 'en', 'de', 'es', 'ru'];
const SHORTS = [
  'Merci !',
  'so true',
  '👍👍',
  'Bravo 👏',
  'exactement.',
  'LOL',
  'Vive la France !',
  '+1',
  'Ja!',
  'да',
];
const EMOJI = ['😀', '🇫🇷', '👏', '🔥', '❤️', '🤔', '😡', '🙏🏽'];
const PUNCT = ['.', '!', '!!', '?', '…', ',', ' :', ';'];
const HOMOGLYPH: Record<string, string> = { a: 'а', e: 'е', o: 'о', p: 'р', c: 'с', x: 'х' };
const VOCAB = 4000;

/**
 * Yields `n` synthetic posts. Memory stays small (only the `recent` window is kept), so
 * the bench can stream 10M posts.
 *
 * @example for (const p of syntheticPosts(1000, { seed: 7 })) index.add(p.text, p.time);
 */
export function* syntheticPosts(
  n: number,
  options: Partial<SyntheticOptions> = {},
): Generator<SyntheticPost> {
  const o = { ...SYNTHETIC_DEFAULTS, ...options };
  const rnd = mulberry32(o.seed);
  const vocab: Record<string, string[]> = {};
  for (const [lang, syl] of Object.entries(SYLLABLES)) {
    const words = new Set<string>();
    while (words.size < VOCAB) {
      let w = '';
      const len = 1 + Math.floor(rnd() * 3);
      for (let i = 0; i < len; i++) w += syl[Math.floor(rnd() * syl.length)];
      words.add(w);
    }
    vocab[lang] = [...words];
  }
  // Zipf(1) over ranks: common words recur across unrelated texts, as in real language.
  const harmonic = Math.log(VOCAB) + 0.5772;
  const word = (lang: string) => vocab[lang][Math.min(VOCAB - 1, Math.floor(Math.exp(rnd() * harmonic)) - 1)];
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];

  const organic = (): string => {
    const lang = pick(LANGS);
    const nw = 6 + Math.floor(rnd() * 30);
    const parts: string[] = [];
    for (let i = 0; i < nw; i++) {
      let w = word(lang);
      if (i === 0 || rnd() < 0.03) w = w[0].toUpperCase() + w.slice(1);
      parts.push(w);
      if (rnd() < 0.08) parts[parts.length - 1] += pick(PUNCT);
    }
    if (rnd() < 0.3) parts.push('#' + word(lang));
    if (rnd() < 0.2) parts.unshift('@user' + Math.floor(rnd() * 100000));
    if (rnd() < 0.3) parts.push('https://t.co/' + Math.floor(rnd() * 1e9).toString(36));
    if (rnd() < 0.15) parts.push(pick(EMOJI));
    return parts.join(' ');
  };

  const edit = (t: string): string => {
    const parts = t.split(' ');
    const at = Math.floor(rnd() * parts.length);
    switch (Math.floor(rnd() * 6)) {
      case 0: // swap one word
        parts[at] = word(pick(LANGS));
        break;
      case 1: // punctuation
        parts[at] = parts[at] + pick(PUNCT);
        break;
      case 2: // added hashtag
        parts.push('#' + word(pick(LANGS)));
        break;
      case 3: // case and an emoji
        parts[at] = parts[at].toUpperCase();
        parts.push(pick(EMOJI));
        break;
      case 4: // Cyrillic look-alikes swapped in
        parts[at] = parts[at].replace(/[aeopcx]/g, (c) => (rnd() < 0.5 ? HOMOGLYPH[c] : c));
        break;
      default: // different link and mention, plus a dropped word
        if (parts.length > 8) parts.splice(at, 1);
        parts.push('https://bit.ly/' + Math.floor(rnd() * 1e9).toString(36));
    }
    return parts.join(' ');
  };

  const ring: string[] = new Array(o.recent);
  let time = Date.UTC(2017, 4, 5);
  for (let i = 0; i < n; i++) {
    time += Math.floor(-Math.log(1 - rnd()) * o.gapSeconds * 1000);
    const r = rnd();
    let text: string;
    let kind: SyntheticPost['kind'];
    let source = -1;
    const back = Math.min(i, 1 + Math.floor(rnd() * o.recent));
    if (i > 0 && r < o.copies) {
      source = i - back;
      const base = ring[source % o.recent];
      text =
        rnd() < 0.5
          ? base
          : base.replace(/https:\/\/\S+/g, 'https://t.co/' + Math.floor(rnd() * 1e9).toString(36));
      kind = 'copy';
    } else if (i > 0 && r < o.copies + o.edits) {
      source = i - back;
      text = edit(ring[source % o.recent]);
      kind = 'edit';
    } else if (r < o.copies + o.edits + o.shorts) {
      text = pick(SHORTS);
      kind = 'short';
    } else {
      text = organic();
      kind = 'organic';
    }
    ring[i % o.recent] = text;
    yield { text, time, kind, source };
  }
}
