/**
 * The bench narratives (run.ts and workspace.ts): 100 narratives of 10 keywords (2 of them
 * prefixes) and 5 phrases each, with terms drawn from the posts' own words among the rarer
 * ones (seen 1 to 5 times in a sample of 20,000 posts), so that matching does real work
 * (hits, phrase checks) at the rate a narrative of interest has: a small share of posts, not
 * most of them. Seeded: the same texts give the same narratives.
 */
import type { NarrativeDefinition } from '../../src/narratives/definition.js';
import { mulberry32 } from '../../src/util/rng.js';

export interface BenchNarratives {
  /** Terms drawn from the posts: about 6.5 narratives found per post on the synthetic posts. */
  hits(withRegex: number): NarrativeDefinition[];
  /** Terms no post contains ("zq" + a word): scanning and probing alone. */
  absent(): NarrativeDefinition[];
}

export function benchNarratives(sample: readonly string[], count = 100): BenchNarratives {
  const rand = mulberry32(99);
  const freq = new Map<string, number>();
  for (const text of sample.slice(0, 20_000))
    for (const w of text.split(/[^\p{L}]+/u)) if (w.length >= 4) freq.set(w, (freq.get(w) ?? 0) + 1);
  const words = [...freq].filter(([, n]) => n <= 5).map(([w]) => w);
  if (words.length === 0) throw new Error('bench narratives: no word seen 1 to 5 times in the sample');
  const pick = () => words[Math.floor(rand() * words.length)];
  const randAbsent = mulberry32(5);
  const absent = () => `zq${words[Math.floor(randAbsent() * words.length)]}`;
  const build = (withRegex: number, term: () => string): NarrativeDefinition[] =>
    Array.from({ length: count }, (_, k) => ({
      id: `n${k}`,
      name: `narrative ${k}`,
      description: '',
      languages: ['fr', 'en', 'de', 'ru'],
      keywords: Array.from({ length: 10 }, (_, j) => (j < 2 ? term().slice(0, 4) + '*' : term())),
      phrases: Array.from({ length: 5 }, () => `${term()} ${term()}`),
      regexes: k < withRegex ? [`${pick().slice(0, 4).toLowerCase()}\\w{0,10}\\s\\w{0,12}`] : [],
      exclude: [],
      minTerms: 1,
      techniques: [],
      examples: [],
      source: 'bench',
    }));
  return { hits: (withRegex) => build(withRegex, pick), absent: () => build(0, absent) };
}
