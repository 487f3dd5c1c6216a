/**
 * Narrative matching bench: posts per second through NarrativeMatcher.match with 100
 * narratives (10 keywords, 2 of them prefixes, and 5 phrases each: 1,500 terms), on the
 * synthetic multilingual posts of the near-duplicate bench (fr, en, de, es, ru; accents,
 * URLs, mentions), then the same with 10 of the narratives carrying a regular expression.
 *
 *   npm run build && node dist/bench/narratives/run.js [--posts 1000000] [--narratives 100]
 *
 * Texts are generated before timing; only matching is timed, on wall and CPU time.
 */
import { NarrativeMatcher } from '../../src/narratives/matcher.js';
import type { NarrativeDefinition } from '../../src/narratives/definition.js';
import { mulberry32 } from '../../src/util/rng.js';
import { syntheticPosts } from '../near-dup/synthetic.js';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}
const N = arg('posts', 1_000_000);
const K = arg('narratives', 100);

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
sampler.unref();
const mb = (b: number) => `${Math.round(b / 2 ** 20)} MB`;

const texts: string[] = [];
for (const p of syntheticPosts(N, { seed: 7 })) texts.push(p.text);

// Terms drawn from the posts' own words, among the rarer ones (seen 1 to 5 times in a sample
// of 20,000 posts), so that matching does real work (hits, phrase checks) at the rate a
// narrative of interest has: a small share of posts, not most of them.
const rand = mulberry32(99);
const freq = new Map<string, number>();
for (let i = 0; i < Math.min(20_000, texts.length); i++)
  for (const w of texts[i].split(/[^\p{L}]+/u)) if (w.length >= 4) freq.set(w, (freq.get(w) ?? 0) + 1);
const words = [...freq].filter(([, n]) => n <= 5).map(([w]) => w);
const pick = () => words[Math.floor(rand() * words.length)];

function narratives(withRegex: number): NarrativeDefinition[] {
  return Array.from({ length: K }, (_, k) => ({
    id: `n${k}`,
    name: `narrative ${k}`,
    description: '',
    languages: ['fr', 'en', 'de', 'ru'],
    keywords: Array.from({ length: 10 }, (_, j) => (j < 2 ? pick().slice(0, 4) + '*' : pick())),
    phrases: Array.from({ length: 5 }, () => `${pick()} ${pick()}`),
    regexes: k < withRegex ? [`${pick().slice(0, 4).toLowerCase()}\\w{0,10}\\s\\w{0,12}`] : [],
    exclude: [],
    minTerms: 1,
    techniques: [],
    examples: [],
    source: 'bench',
  }));
}

function run(label: string, defs: NarrativeDefinition[]): void {
  const m = new NarrativeMatcher(defs);
  for (let i = 0; i < Math.min(20_000, texts.length); i++) m.match(texts[i]); // warm-up
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let hits = 0;
  let posts = 0;
  for (const t of texts) {
    hits += m.match(t).length;
    posts++;
  }
  const wall = (performance.now() - t0) / 1000;
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  const c = process.cpuUsage(cpu0);
  const cpu = (c.user + c.system) / 1e6;
  console.log(
    `${label}: ${posts} posts, ${defs.length} narratives, ${m.termCount} terms, ${hits} narrative hits; ` +
      `${Math.round(posts / wall).toLocaleString('en')} posts/s wall, ${Math.round(posts / cpu).toLocaleString('en')} posts/CPU-s`,
  );
}

const avgLen = texts.reduce((a, t) => a + t.length, 0) / texts.length;
console.log(`${texts.length} synthetic posts, mean ${avgLen.toFixed(0)} characters`);
run('keywords + phrases', narratives(0));
run('with 10 regexes', narratives(10));
console.log(`peak RSS ${mb(peakRss)}`);
