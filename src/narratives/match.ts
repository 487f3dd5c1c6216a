/**
 * Matching a workspace: every post's text streamed once out of the store, matched against
 * all narratives at once, and the matches stored (replacing earlier matches of the same
 * narratives).
 */
import type { Store } from '../store/store.js';
import type { NarrativeMatchRow, StoredNarrative } from '../store/narratives.js';
import type { NarrativeDefinition } from './definition.js';
import { NarrativeMatcher } from './matcher.js';

export interface MatchRunStats {
  posts: number;
  postsWithText: number;
  matches: number;
  /** Matched posts per narrative id. */
  perNarrative: Record<string, number>;
  seconds: number;
  postsPerSecond: number;
}

/** Definitions as stored in the workspace, so `vigie detect` can match again after new ingests. */
export function toStored(
  defs: NarrativeDefinition[],
  file: string,
  sha256: string,
  at = Date.now(),
): StoredNarrative[] {
  return defs.map((d) => ({
    id: d.id,
    name: d.name,
    description: d.description,
    languages: d.languages,
    definition: d as unknown as Record<string, unknown>,
    sourceFile: file,
    sourceSha256: sha256,
    loadedAt: at,
  }));
}

/** Definitions back from the store. */
export function fromStored(rows: StoredNarrative[]): NarrativeDefinition[] {
  return rows.map((r) => r.definition as unknown as NarrativeDefinition);
}

/**
 * Match every post of the workspace against `defs` and store the matches (the definitions
 * must have been saved, or are saved here when `save` is given).
 */
export async function matchWorkspace(
  store: Store,
  defs: NarrativeDefinition[],
  options: { save?: StoredNarrative[]; log?: (m: string) => void } = {},
): Promise<MatchRunStats> {
  const t0 = performance.now();
  const matcher = new NarrativeMatcher(defs);
  const rows: NarrativeMatchRow[] = [];
  const per: Record<string, number> = Object.fromEntries(defs.map((d) => [d.id, 0]));
  let posts = 0;
  let withText = 0;
  for await (const chunk of store.streamPostTexts()) {
    for (let i = 0; i < chunk.texts.length; i++) {
      const text = chunk.texts[i];
      posts++;
      if (!text) continue;
      withText++;
      const hits = matcher.match(text);
      for (const h of hits) {
        rows.push({
          narrativeId: h.id,
          platform: chunk.platforms[i],
          postId: chunk.postIds[i],
          terms: h.terms,
        });
        per[h.id]++;
      }
    }
    if ((posts & 0xfffff) < chunk.texts.length) options.log?.(`narratives: ${posts} posts matched`);
  }
  const ns = store.narratives();
  if (options.save) await ns.saveNarratives(options.save);
  await ns.replaceMatches(
    defs.map((d) => d.id),
    rows,
  );
  const seconds = (performance.now() - t0) / 1000;
  return {
    posts,
    postsWithText: withText,
    matches: rows.length,
    perNarrative: per,
    seconds,
    postsPerSecond: posts / Math.max(1e-9, seconds),
  };
}
