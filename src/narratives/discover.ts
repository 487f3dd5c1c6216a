/**
 * Narrative discovery: the near-duplicate groups of the workspace (written by the
 * `near-dup` detector, table `near_dup_groups`) with their distinctive words, proposed as
 * candidate narratives, optionally as a YAML skeleton to edit and feed back to
 * `vigie narratives match --file`.
 *
 * Term weights are TF-IDF-like: the share of the group's texts containing the word, times
 * log((N + 1) / (df + 1)) where df counts the word in a deterministic background sample of
 * N posts of the workspace. Words shared by every post of the week ("le", "the", "macron")
 * sink; words the group has and the week does not rise. Groups whose top words overlap
 * (Jaccard >= `mergeJaccard`) are merged into one candidate: edits beyond the near-duplicate
 * threshold split a copy-paste campaign into several groups.
 */
import { stringify } from 'yaml';
import type { Store } from '../store/store.js';
import type { NearDupGroupSummary } from '../store/narratives.js';
import { narrativeWords, NarrativeMatcher } from './matcher.js';
import type { NarrativeDefinition } from './definition.js';

export interface DiscoverOptions {
  /** Candidates returned, largest first. */
  top: number;
  minPosts: number;
  minAccounts: number;
  /** Top words and word pairs per candidate. */
  terms: number;
  /** Texts read per group. */
  textsPerGroup: number;
  /** Background sample size (posts) for document frequencies. */
  background: number;
  /** Groups whose top-word sets overlap at least this much become one candidate. */
  mergeJaccard: number;
  /** Groups read before merging. */
  groups: number;
  /**
   * Order of candidates: `burst` (posts per hour between a candidate's first and last post,
   * plus one hour: campaigns are dense, recurring organic phrases are spread over days) or
   * `volume` (posts).
   */
  sort: 'burst' | 'volume';
}

export const DISCOVER_DEFAULTS: Readonly<DiscoverOptions> = Object.freeze({
  top: 10,
  minPosts: 5,
  minAccounts: 3,
  terms: 8,
  textsPerGroup: 200,
  background: 20_000,
  mergeJaccard: 0.5,
  groups: 500,
  sort: 'burst',
});

export interface WeightedTerm {
  term: string;
  weight: number;
  /** Share of the candidate's texts that contain it. */
  share: number;
}

export interface NarrativeCandidate {
  id: string;
  groupIds: number[];
  posts: number;
  /** Sum over merged groups (an account in two groups counts twice). */
  accounts: number;
  first: number;
  last: number;
  languages: { lang: string; posts: number }[];
  platforms: { platform: string; posts: number }[];
  words: WeightedTerm[];
  pairs: WeightedTerm[];
  examples: string[];
  /** Earliest posts (`platform:post_id`). */
  earliest: string[];
  /** Posts per hour between first and last post (plus one hour). */
  postsPerHour: number;
}

const MIN_WORD = 3;

function usable(w: string): boolean {
  return w.length >= MIN_WORD && !/^\d+$/.test(w);
}

/** Document frequencies of words and word pairs over texts (each counted once per text). */
function docFreq(texts: string[]): { words: Map<string, number>; pairs: Map<string, number> } {
  const words = new Map<string, number>();
  const pairs = new Map<string, number>();
  for (const t of texts) {
    const ws = narrativeWords(t);
    const seenW = new Set<string>();
    const seenP = new Set<string>();
    for (let i = 0; i < ws.length; i++) {
      if (usable(ws[i])) seenW.add(ws[i]);
      if (i + 1 < ws.length && (usable(ws[i]) || usable(ws[i + 1]))) seenP.add(ws[i] + ' ' + ws[i + 1]);
    }
    for (const w of seenW) words.set(w, (words.get(w) ?? 0) + 1);
    for (const p of seenP) pairs.set(p, (pairs.get(p) ?? 0) + 1);
  }
  return { words, pairs };
}

function topTerms(
  df: Map<string, number>,
  n: number,
  bg: Map<string, number>,
  bgN: number,
  k: number,
): WeightedTerm[] {
  const out: WeightedTerm[] = [];
  for (const [term, c] of df) {
    const share = c / n;
    if (share < 0.5) continue;
    out.push({ term, share, weight: share * Math.log((bgN + 1) / ((bg.get(term) ?? 0) + 1)) });
  }
  out.sort((a, b) => b.weight - a.weight || (a.term < b.term ? -1 : 1));
  return out.slice(0, k);
}

function jaccard(a: Set<string>, b: Set<string>): number {
  let i = 0;
  for (const x of a) if (b.has(x)) i++;
  return a.size + b.size - i ? i / (a.size + b.size - i) : 0;
}

/** Candidate narratives from the workspace's near-duplicate groups. */
export async function discoverNarratives(
  store: Store,
  options: Partial<DiscoverOptions> = {},
): Promise<{ candidates: NarrativeCandidate[]; messages: string[] }> {
  const o = { ...DISCOVER_DEFAULTS, ...options };
  const ns = store.narratives();
  const groups = await ns.nearDupGroups({
    minPosts: o.minPosts,
    minAccounts: o.minAccounts,
    limit: o.groups,
    textsPerGroup: o.textsPerGroup,
  });
  const messages: string[] = [];
  if (groups.length === 0) {
    messages.push(
      `no near-duplicate group with >= ${o.minPosts} posts by >= ${o.minAccounts} accounts: run \`vigie detect --only near-dup\` first, or lower --min-posts`,
    );
    return { candidates: [], messages };
  }
  const bgTexts = await ns.sampleTexts(o.background);
  const bg = docFreq(bgTexts);
  const bgN = bgTexts.length;
  const scored = groups.map((g) => {
    const df = docFreq(g.texts);
    const n = Math.max(1, g.texts.length);
    return { g, df, n, words: topTerms(df.words, n, bg.words, bgN, o.terms) };
  });
  // Merge groups with overlapping top words, largest first (union by first match).
  const merged: { members: typeof scored; set: Set<string> }[] = [];
  for (const s of scored) {
    const set = new Set(s.words.map((w) => w.term));
    const into = merged.find((m) => set.size > 0 && jaccard(m.set, set) >= o.mergeJaccard);
    if (into) into.members.push(s);
    else merged.push({ members: [s], set });
  }
  const candidates = merged.map((m, i): NarrativeCandidate => {
    const gs: NearDupGroupSummary[] = m.members.map((s) => s.g);
    const texts = gs.flatMap((g) => g.texts);
    const df = docFreq(texts);
    const n = Math.max(1, texts.length);
    const sum = <K extends 'lang' | 'platform'>(key: K, lists: { [k in K]: string }[][]) => {
      const acc = new Map<string, number>();
      for (const l of lists)
        for (const x of l)
          acc.set(x[key], (acc.get(x[key]) ?? 0) + (x as unknown as { posts: number }).posts);
      return [...acc]
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .map(([k, posts]) => ({ [key]: k, posts }));
    };
    const earliest = gs
      .flatMap((g) => g.postKeys.map((k, j) => ({ k, t: g.first, j })))
      .slice(0, 5)
      .map((x) => x.k);
    return {
      id: `candidate-${i + 1}`,
      groupIds: gs.map((g) => g.groupId),
      posts: gs.reduce((a, g) => a + g.posts, 0),
      accounts: gs.reduce((a, g) => a + g.accounts, 0),
      first: Math.min(...gs.map((g) => g.first)),
      last: Math.max(...gs.map((g) => g.last)),
      languages: sum(
        'lang',
        gs.map((g) => g.languages),
      ) as { lang: string; posts: number }[],
      platforms: sum(
        'platform',
        gs.map((g) => g.platforms),
      ) as { platform: string; posts: number }[],
      words: topTerms(df.words, n, bg.words, bgN, o.terms),
      pairs: topTerms(df.pairs, n, bg.pairs, bgN, Math.max(1, Math.floor(o.terms / 2))),
      examples: [...new Set(texts)].slice(0, 3),
      earliest,
      postsPerHour:
        gs.reduce((a, g) => a + g.posts, 0) /
        ((Math.max(...gs.map((g) => g.last)) - Math.min(...gs.map((g) => g.first))) / 3_600_000 + 1),
    };
  });
  candidates.sort((a, b) =>
    o.sort === 'burst'
      ? b.postsPerHour - a.postsPerHour || b.posts - a.posts || a.first - b.first
      : b.posts - a.posts || a.first - b.first,
  );
  candidates.forEach((c, i) => (c.id = `candidate-${i + 1}`));
  return { candidates: candidates.slice(0, o.top), messages };
}

/**
 * A YAML skeleton of narrative definitions from candidates: the top words as keywords (two
 * needed per post), the top pairs as phrases, and texts of the group that the skeleton
 * matches as examples. Meant to be edited (names, terms) before use.
 */
export function candidatesYaml(candidates: NarrativeCandidate[]): string {
  const narratives = candidates
    .filter((c) => c.words.length + c.pairs.length > 0)
    .map((c) => {
      const keywords = c.words.slice(0, 6).map((w) => w.term);
      const phrases = c.pairs.slice(0, 3).map((p) => p.term);
      const def: NarrativeDefinition = {
        id: c.id,
        name: `TODO name (${keywords.slice(0, 3).join(', ')})`,
        description: '',
        languages: c.languages.map((l) => l.lang).filter((l) => /^[a-z]{2,3}$/.test(l)),
        keywords,
        phrases,
        regexes: [],
        exclude: [],
        minTerms: Math.max(1, Math.min(2, keywords.length + phrases.length)),
        techniques: [],
        examples: [],
        source: 'discovered',
      };
      const m = new NarrativeMatcher([def]);
      const examples = c.examples.filter((t) => m.match(t).length > 0).slice(0, 2);
      return {
        id: c.id,
        name: def.name,
        description:
          `Discovered from near-duplicate group(s) ${c.groupIds.join(', ')}: ${c.posts} posts, ` +
          `${new Date(c.first).toISOString()} to ${new Date(c.last).toISOString()}, languages ` +
          c.languages.map((l) => `${l.lang} ${l.posts}`).join(', '),
        languages: def.languages,
        keywords,
        phrases,
        min_terms: def.minTerms,
        examples,
      };
    });
  return (
    '# Candidate narratives proposed by `vigie narratives discover --yaml`.\n' +
    '# Edit names and terms, remove what is not a narrative, then: vigie narratives match --file <this file>\n' +
    stringify({ narratives }, { lineWidth: 0 })
  );
}
