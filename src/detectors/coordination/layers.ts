/**
 * The object layers of the coordination detector, as data: one row per behavioural trace
 * with its default window and the DISARM techniques its clusters evidence. The store knows
 * how to read each layer's objects (src/store/duckdb/coaction.ts, `OBJECT_LAYERS`); adding a
 * layer is one row here and one there.
 */

export interface ObjectLayerDef {
  layer: string;
  /** The store's object layer, when this row runs it with another window (default: `layer`). */
  storeLayer?: string;
  /** Default window in seconds, and why. */
  windowSeconds: number;
  why: string;
  /** DISARM technique ids a cluster with significant edges in this layer evidences. */
  techniques: string[];
  /** Weak layers confirm but do not found a cluster on their own (see README). */
  weak?: boolean;
}

export const OBJECT_LAYER_DEFS: readonly ObjectLayerDef[] = [
  {
    layer: 'co-repost',
    windowSeconds: 60,
    why: 'the window of coordination-network-toolkit and CooRTweet agreement runs; automated reposting lands within seconds',
    techniques: ['T0049.003'],
  },
  {
    layer: 'co-repost-10m',
    storeLayer: 'co-repost',
    windowSeconds: 600,
    why: 'swarms that repost over minutes to look organic (a second window on the same objects, with its own FDR control)',
    techniques: ['T0049.003'],
  },
  {
    layer: 'co-link',
    windowSeconds: 3600,
    why: 'link pushes are jittered over minutes to hours to look organic',
    techniques: ['T0049'],
  },
  {
    layer: 'co-link-6h',
    storeLayer: 'co-link',
    windowSeconds: 21600,
    why: 'link pushes spread over a working day: a second window on the same URLs, with its own FDR control',
    techniques: ['T0049'],
  },
  {
    layer: 'co-domain',
    windowSeconds: 3600,
    why: 'as co-link, one level up: many outlets share a domain, so this layer is weak',
    techniques: ['T0049'],
    weak: true,
  },
  {
    layer: 'co-hashtag',
    windowSeconds: 300,
    why: 'hashtag floods are bursts of minutes; a tag lives all week, so the null cannot tell who is online when: weak',
    techniques: ['T0049.002'],
    weak: true,
  },
  {
    layer: 'co-hashtag-set',
    windowSeconds: 900,
    why: 'the same combination of two or more hashtags is rarer than one tag: a longer window costs little',
    techniques: ['T0049.002'],
  },
  {
    layer: 'co-mention',
    windowSeconds: 300,
    why: 'mention campaigns come in bursts; popular handles are mentioned all week (and in every repost on X): weak',
    techniques: ['T0049.005'],
    weak: true,
  },
  {
    layer: 'co-reply',
    windowSeconds: 300,
    why: 'reply swarms under a target post arrive within minutes',
    techniques: ['T0049.005'],
  },
  {
    layer: 'co-image',
    windowSeconds: 900,
    why: 'the same image (perceptual hash) pushed by several accounts',
    techniques: ['T0049'],
  },
  {
    layer: 'co-text',
    windowSeconds: 900,
    why: 'copy-paste with small edits is typed or scheduled over minutes',
    techniques: ['T0119'],
  },
  {
    layer: 'co-text-3h',
    storeLayer: 'co-text',
    windowSeconds: 10800,
    why: 'copy-paste campaigns spread over hours to look organic (a second window on the same groups, with its own FDR control)',
    techniques: ['T0119'],
  },
];

/** Techniques every coordination cluster evidences. */
export const CLUSTER_TECHNIQUES = ['T0049', 'T0049.005'];

/** The store layer a detector layer reads. */
export function storeLayerOf(layer: string): string {
  return OBJECT_LAYER_DEFS.find((d) => d.layer === layer)?.storeLayer ?? layer;
}

/** Default windows by layer, in seconds. */
export function defaultWindows(): Record<string, number> {
  return Object.fromEntries(OBJECT_LAYER_DEFS.map((d) => [d.layer, d.windowSeconds]));
}
