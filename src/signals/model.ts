/**
 * The transparent account score: a logistic model over standardised features.
 *
 *   z_j = clamp((transform_j(x_j) - center_j) / scale_j, -clamp, clamp)    (0 when x_j is unknown)
 *   contribution_j = weight_j * z_j                                         (log-odds)
 *   score = sigmoid(intercept + sum_j contribution_j)
 *
 * Every score therefore decomposes exactly into per-feature log-odds contributions, which
 * is what `vigie accounts show` prints: a reader can see why, and disagree. The default
 * weights are hand-set priors (justified in docs/signals.md); `vigie accounts train` fits
 * the same form on the user's labels.
 */
import { readFileSync } from 'node:fs';
import { VigieError } from '../util/errors.js';
import { D, FEATURES, FEATURE_INDEX, type Transform } from './features.js';

export const MODEL_FORMAT = 'vigie-account-signals-model';

export interface ModelFeature {
  name: string;
  /** In transformed units (see FeatureSpec.transform). */
  center: number;
  scale: number;
  /** Log-odds per standard unit. */
  weight: number;
}

export interface SignalModel {
  format: typeof MODEL_FORMAT;
  version: 1;
  name: string;
  intercept: number;
  /** Standardised values are clamped to ±clamp so that one absurd count cannot decide alone. */
  clamp: number;
  features: ModelFeature[];
  /** How the model was fitted (trained models only). */
  training?: Record<string, unknown>;
}

/** A default weight and why it has that sign and size (quoted in docs/signals.md). */
export interface DefaultWeight extends ModelFeature {
  why: string;
}

export const DEFAULT_WEIGHTS: readonly DefaultWeight[] = [
  { name: 'age_days', center: 2.5, scale: 0.5, weight: -0.8, why: 'accounts made for an operation are young; age is among the strongest Botometer-lite features' },
  { name: 'followers', center: 2.5, scale: 1, weight: -0.3, why: 'few followers is weakly bot-like; bought followers make it unreliable' },
  { name: 'following', center: 2.5, scale: 1, weight: 0, why: 'no direction on its own; enters through the ratio and the follow rate' },
  { name: 'statuses', center: 3, scale: 1, weight: 0, why: 'no direction on its own; enters as posts per day of age' },
  { name: 'statuses_per_day', center: 0.5, scale: 0.5, weight: 0.6, why: 'tens of posts per day for years is rare for people' },
  { name: 'followers_per_day', center: 0.2, scale: 0.5, weight: 0, why: 'fast growth fits both celebrities and bought followers: shown, not weighed' },
  { name: 'following_per_day', center: 0.2, scale: 0.5, weight: 0.4, why: 'mass following (follow trains, follow-back farming)' },
  { name: 'follower_friend_ratio', center: 0, scale: 1, weight: -0.4, why: 'following many, followed by few' },
  { name: 'name_length', center: 12, scale: 6, weight: 0, why: 'direction differs across datasets: shown, not weighed' },
  { name: 'name_digits', center: 0, scale: 2, weight: 0.3, why: 'generated display names carry numbers' },
  { name: 'handle_length', center: 10, scale: 3, weight: 0.2, why: 'generated handles fill the length limit' },
  { name: 'handle_digits', center: 0, scale: 2, weight: 0.5, why: 'name plus 8 digits is the platform default for fresh sign-ups' },
  { name: 'handle_entropy', center: 3, scale: 0.5, weight: 0.2, why: 'random-character handles' },
  { name: 'description_length', center: 60, scale: 50, weight: -0.4, why: 'mass-created accounts often have no or short bios' },
  { name: 'default_profile', center: 0, scale: 1, weight: 0.3, why: 'theme never changed: low effort' },
  { name: 'default_avatar', center: 0, scale: 1, weight: 1, why: 'no profile picture is a strong low-effort sign' },
  { name: 'verified', center: 0, scale: 1, weight: -1.5, why: 'platform identity checks (when they were checks) make automation less likely' },
  { name: 'posts_observed', center: 1, scale: 1, weight: 0, why: 'depends on how the data was collected: shown, not weighed' },
  { name: 'posts_per_day', center: 0.5, scale: 0.5, weight: 0.6, why: 'hyperactivity in the collected window' },
  { name: 'repost_share', center: 0.5, scale: 0.25, weight: 0.5, why: 'amplifier accounts repost almost only' },
  { name: 'night_share', center: 0.15, scale: 0.1, weight: 0.3, why: 'people sleep; kept small because the zone is often unknown (UTC)' },
  { name: 'gap_cv', center: 1, scale: 0.5, weight: -0.5, why: 'human posting is bursty (CV above 1); schedulers post like clockwork' },
  { name: 'gap_entropy', center: 3, scale: 1, weight: -0.4, why: 'gaps concentrated in one time scale mean a fixed schedule' },
  { name: 'longest_gap_days', center: 1, scale: 1, weight: 0, why: 'context for reactivated: shown, not weighed' },
  { name: 'client_count', center: 1, scale: 1, weight: 0, why: 'shown, not weighed; see client_entropy' },
  { name: 'client_entropy', center: 0.5, scale: 0.5, weight: -0.2, why: 'people switch between phone and web; automation uses one API client' },
  { name: 'reactivated', center: 0, scale: 1, weight: 1, why: 'dormant accounts woken before a vote are bought or hijacked assets' },
  { name: 'creation_burst', center: 0, scale: 1, weight: 0.7, why: 'co-acting accounts created in the same days were made in bulk' },
]; // prettier-ignore

export const DEFAULT_MODEL: SignalModel = {
  format: MODEL_FORMAT,
  version: 1,
  name: 'default',
  intercept: -2,
  clamp: 3,
  features: DEFAULT_WEIGHTS.map(({ name, center, scale, weight }) => ({ name, center, scale, weight })),
};

/** A model resolved against the feature list, as flat arrays for scoring speed. */
export interface CompiledModel {
  name: string;
  intercept: number;
  clamp: number;
  /** Per feature (FEATURES order): transform code, center, 1/scale, weight; weight 0 where the model omits it. */
  transform: Uint8Array;
  center: Float64Array;
  invScale: Float64Array;
  weight: Float64Array;
  source: SignalModel;
}

const TRANSFORM_CODE: Record<Transform, number> = { identity: 0, log10p: 1, log2p: 2 };

export function transformValue(code: number, x: number): number {
  if (code === 1) return Math.log10(1 + Math.max(0, x));
  if (code === 2) return Math.log2(1 + Math.max(0, x));
  return x;
}

/** Check a model's shape and resolve it; errors say what is wrong and where. */
export function compileModel(m: SignalModel, where = 'model'): CompiledModel {
  const bad = (msg: string) => new VigieError('ERR_INPUT', `${where}: ${msg}`);
  if (!m || typeof m !== 'object') throw bad('not a JSON object');
  if (m.format !== MODEL_FORMAT) throw bad(`"format" must be "${MODEL_FORMAT}"`);
  if (!Number.isFinite(m.intercept)) throw bad('"intercept" must be a number');
  if (!(Number.isFinite(m.clamp) && m.clamp > 0)) throw bad('"clamp" must be a positive number');
  if (!Array.isArray(m.features)) throw bad('"features" must be a list');
  const cm: CompiledModel = {
    name: typeof m.name === 'string' && m.name ? m.name : 'unnamed',
    intercept: m.intercept,
    clamp: m.clamp,
    transform: new Uint8Array(D),
    center: new Float64Array(D),
    invScale: new Float64Array(D).fill(1),
    weight: new Float64Array(D),
    source: m,
  };
  FEATURES.forEach((f, j) => (cm.transform[j] = TRANSFORM_CODE[f.transform]));
  const seen = new Set<string>();
  m.features.forEach((f, i) => {
    const j = FEATURE_INDEX.get(f?.name);
    if (j === undefined) throw bad(`features[${i}]: unknown feature "${String(f?.name)}"`);
    if (seen.has(f.name)) throw bad(`features[${i}]: "${f.name}" listed twice`);
    seen.add(f.name);
    if (![f.center, f.scale, f.weight].every(Number.isFinite) || !(f.scale > 0))
      throw bad(`features[${i}] (${f.name}): center, weight must be numbers and scale positive`);
    cm.center[j] = f.center;
    cm.invScale[j] = 1 / f.scale;
    cm.weight[j] = f.weight;
  });
  return cm;
}

/** Read and check a model file. */
export function loadModel(path: string): CompiledModel {
  let m: unknown;
  try {
    m = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new VigieError('ERR_INPUT', `${path}: cannot read a JSON model (${(e as Error).message})`);
  }
  return compileModel(m as SignalModel, path);
}

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/**
 * Logit of the vector at `values[offset .. offset+D)`; when `contrib` is given, each
 * feature's contribution goes to `contrib[cOffset + j]`. Unknown values contribute 0.
 */
export function scoreVector(
  cm: CompiledModel,
  values: Float64Array,
  offset = 0,
  contrib?: Float64Array,
  cOffset = 0,
): number {
  let logit = cm.intercept;
  const c = cm.clamp;
  for (let j = 0; j < D; j++) {
    const x = values[offset + j];
    const w = cm.weight[j];
    let v = 0;
    if (w !== 0 && x === x) {
      let z = (transformValue(cm.transform[j], x) - cm.center[j]) * cm.invScale[j];
      if (z > c) z = c;
      else if (z < -c) z = -c;
      v = w * z + 0; // + 0 turns -0 (negative weight at the centre) into 0
      logit += v;
    }
    if (contrib) contrib[cOffset + j] = v;
  }
  return logit;
}

export interface Scores {
  score: Float64Array;
  logit: Float64Array;
  /** n × D contributions, row-major. */
  contributions: Float64Array;
}

/** Score n vectors stored row-major in `values` (n × D). */
export function scoreAll(cm: CompiledModel, values: Float64Array, n: number): Scores {
  const out: Scores = {
    score: new Float64Array(n),
    logit: new Float64Array(n),
    contributions: new Float64Array(n * D),
  };
  for (let i = 0; i < n; i++) {
    const l = scoreVector(cm, values, i * D, out.contributions, i * D);
    out.logit[i] = l;
    out.score[i] = sigmoid(l);
  }
  return out;
}

/** Contributions of one row as a name -> log-odds record (zeros left out), largest magnitude first. */
export function contributionRecord(contrib: Float64Array, offset = 0): Record<string, number> {
  const pairs: [string, number][] = [];
  for (let j = 0; j < D; j++) {
    const v = contrib[offset + j];
    if (v !== 0) pairs.push([FEATURES[j].name, v]);
  }
  pairs.sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]) || (a[0] < b[0] ? -1 : 1));
  return Object.fromEntries(pairs);
}
