/**
 * Decoys and altered copies. Decoys are files the victim planted and registered (SHA-256 and
 * TLSH fuzzy hash): a dump holding one, or something close to one, came from the planted
 * store. Near-duplicate documents (same text but a few lines) are paired with a line diff,
 * which is how an altered copy of an authentic file shows itself.
 *
 * @see Oliver, Cheng, Chen: "TLSH - A Locality Sensitive Hash" (2013)
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { diffArrays } from 'diff';
import type { DecoyRow, NearDupRow } from '../store/leaks.js';

const require = createRequire(import.meta.url);
const tlshHash = require('tlsh') as (data: string) => string;
const DigestHashBuilder = require('tlsh/lib/digests/digest-hash-builder') as new () => {
  withHash(h: string): { build(): { calculateDifference(o: unknown, len: boolean): number } };
};

/** TLSH reads at most this many bytes (it runs at ~6 MB/s in JS); hashes stay comparable. */
export const TLSH_MAX_BYTES = 4 * 1024 * 1024;

/** TLSH of the first TLSH_MAX_BYTES bytes, or null when the data is too short or too uniform. */
export function tlshOf(buf: Buffer): string | null {
  if (buf.length < 512) return null;
  try {
    return tlshHash(buf.subarray(0, TLSH_MAX_BYTES).toString('latin1'));
  } catch {
    return null;
  }
}

/** TLSH distance (0 = same; above ~100, unrelated); null when either hash is unreadable. */
export function tlshDistance(a: string, b: string): number | null {
  try {
    return new DigestHashBuilder()
      .withHash(a)
      .build()
      .calculateDifference(new DigestHashBuilder().withHash(b).build(), true);
  } catch {
    return null;
  }
}

/** A decoy record for a file's bytes. */
export function decoyOf(buf: Buffer, label: string, note: string | null = null): DecoyRow {
  return {
    sha256: createHash('sha256').update(buf).digest('hex'),
    tlsh: tlshOf(buf),
    label,
    note,
    addedAt: Date.now(),
  };
}

/** Options of matching. */
export interface SimilarOptions {
  /** TLSH distance at or below which a file matches a decoy. */
  decoyMaxDistance: number;
  /** Line-set similarity at or above which two documents are near-duplicates. */
  minSimilarity: number;
  /** Documents with less text than this are not paired. */
  minTextChars: number;
  /** Lines kept per side of a diff. */
  maxDiffLines: number;
}

export const SIMILAR_DEFAULTS: SimilarOptions = {
  decoyMaxDistance: 40,
  minSimilarity: 0.6,
  minTextChars: 80,
  maxDiffLines: 50,
};

/** Files matching registered decoys, with how. */
export function matchDecoys(
  files: { path: string; sha256: string; tlsh: string | null }[],
  decoys: DecoyRow[],
  options: Partial<SimilarOptions> = {},
): { path: string; decoy: string; how: string }[] {
  const o = { ...SIMILAR_DEFAULTS, ...options };
  const out: { path: string; decoy: string; how: string }[] = [];
  for (const f of files) {
    const exact = decoys.find((d) => d.sha256 && d.sha256 === f.sha256);
    if (exact) {
      out.push({ path: f.path, decoy: exact.label, how: 'identical bytes (same SHA-256)' });
      continue;
    }
    if (!f.tlsh) continue;
    let best: { d: DecoyRow; dist: number } | null = null;
    for (const d of decoys) {
      if (!d.tlsh) continue;
      const dist = tlshDistance(f.tlsh, d.tlsh);
      if (dist !== null && dist <= o.decoyMaxDistance && (!best || dist < best.dist)) best = { d, dist };
    }
    if (best)
      out.push({
        path: f.path,
        decoy: best.d.label,
        how: `near-identical bytes (TLSH distance ${best.dist})`,
      });
  }
  return out;
}

function lines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.replace(/\s+/g, ' ').trim())
    .filter(Boolean);
}

/**
 * Pairs of documents whose visible text is nearly the same, with the lines that differ.
 * Candidates are found by shared rare lines (an inverted index), so the cost follows the
 * number of true neighbours rather than the square of the document count.
 */
export function nearDuplicates(
  docs: { path: string; sha256: string; text: string | null }[],
  options: Partial<SimilarOptions> = {},
): NearDupRow[] {
  const o = { ...SIMILAR_DEFAULTS, ...options };
  const usable = docs.filter((d) => d.text && d.text.length >= o.minTextChars);
  const sets = usable.map((d) => new Set(lines(d.text!)));
  const index = new Map<string, number[]>();
  sets.forEach((s, i) => {
    for (const l of s) index.set(l, [...(index.get(l) ?? []), i]);
  });
  const shared = new Map<string, number>();
  for (const ids of index.values()) {
    if (ids.length > 50) continue; // boilerplate lines say nothing about kinship
    for (let a = 0; a < ids.length; a++)
      for (let b = a + 1; b < ids.length; b++) {
        const k = `${ids[a]},${ids[b]}`;
        shared.set(k, (shared.get(k) ?? 0) + 1);
      }
  }
  const out: NearDupRow[] = [];
  for (const [k, n] of shared) {
    const [i, j] = k.split(',').map(Number);
    if (usable[i].sha256 === usable[j].sha256) continue;
    const sim = n / (sets[i].size + sets[j].size - n);
    if (sim < o.minSimilarity || sim >= 1) continue;
    const [A, B] = usable[i].path < usable[j].path ? [i, j] : [j, i];
    const d = diffArrays(lines(usable[A].text!), lines(usable[B].text!));
    const removed = d
      .filter((p) => p.removed)
      .flatMap((p) => p.value)
      .slice(0, o.maxDiffLines);
    const added = d
      .filter((p) => p.added)
      .flatMap((p) => p.value)
      .slice(0, o.maxDiffLines);
    if (!removed.length && !added.length) continue;
    out.push({
      pathA: usable[A].path,
      pathB: usable[B].path,
      shaA: usable[A].sha256,
      shaB: usable[B].sha256,
      similarity: sim,
      removed,
      added,
    });
  }
  return out.sort(
    (a, b) => b.similarity - a.similarity || a.pathA.localeCompare(b.pathA) || a.pathB.localeCompare(b.pathB),
  );
}
