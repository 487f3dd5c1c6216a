/**
 * Training the account score on the user's own labels: logistic regression
 * (ml-logistic-regression) on standardised features, with a seeded, stratified hold-out,
 * rank-based AUC and a reliability table. The fitted model has the same transparent form as
 * the default one (see model.ts), so its scores decompose into contributions too.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import LogisticRegression from 'ml-logistic-regression';
import { Matrix } from 'ml-matrix';
import { VigieError } from '../util/errors.js';
import { mulberry32 } from '../util/rng.js';
import { D, FEATURES } from './features.js';
import type { FeatureTable } from './extract.js';
import {
  MODEL_FORMAT,
  compileModel,
  scoreVector,
  sigmoid,
  transformValue,
  type SignalModel,
} from './model.js';
import { splitKey } from '../model/keys.js';

// ---- labels ------------------------------------------------------------------------------

export interface LabelProblem {
  file: string;
  line: number;
  message: string;
}

export interface LabelSet {
  /** Account key -> 1 (bot) or 0 (human). */
  labels: Map<string, 0 | 1>;
  /** Data rows read (header excluded). */
  rows: number;
  /** Rows skipped, each with its problem. */
  problems: LabelProblem[];
}

const ACCOUNT_COLUMNS = ['platform:account_id', 'account_id', 'account', 'key', 'id', 'user_id'];
const BOT = new Set(['bot', '1', 'true', 'yes']);
const HUMAN = new Set(['human', '0', 'false', 'no']);

/**
 * Read a labels CSV: `account_id` or `platform:account_id`, and `label` (bot/human or 1/0),
 * with or without a header. Keys are resolved against `knownKeys` (the workspace accounts); a
 * bare account id must match exactly one platform. Bad rows are skipped with a problem
 * naming the file and line; a file that cannot be read at all is an error.
 */
export function readLabels(path: string, knownKeys: Iterable<string>): LabelSet {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new VigieError('ERR_INPUT', `${path}: cannot read (${(e as Error).message})`);
  }
  const known = new Set<string>();
  const byId = new Map<string, string[]>();
  for (const k of knownKeys) {
    known.add(k);
    const id = splitKey(k)?.[1] ?? k;
    const l = byId.get(id);
    if (l) l.push(k);
    else byId.set(id, [k]);
  }
  const problems: LabelProblem[] = [];
  const records = parse(text, {
    bom: true,
    info: true,
    relax_column_count: true,
    skip_empty_lines: true,
    trim: true,
    skip_records_with_error: true,
    on_skip: (err) => {
      const line = typeof err?.lines === 'number' ? err.lines : 0;
      problems.push({ file: path, line, message: `unreadable CSV row (${err?.message ?? 'parse error'})` });
      return undefined;
    },
  }) as unknown as { record: string[]; info: { lines: number } }[];

  let accountCol = 0;
  let labelCol = 1;
  let start = 0;
  if (records.length > 0) {
    const head = records[0].record.map((c) => c.toLowerCase());
    if (head.includes('label')) {
      labelCol = head.indexOf('label');
      accountCol = head.findIndex((c) => ACCOUNT_COLUMNS.includes(c));
      if (accountCol < 0)
        throw new VigieError(
          'ERR_INPUT',
          `${path}:${records[0].info.lines}: header has "label" but no account column (${ACCOUNT_COLUMNS.join(', ')})`,
        );
      start = 1;
    }
  }
  const labels = new Map<string, 0 | 1>();
  for (let i = start; i < records.length; i++) {
    const { record, info } = records[i];
    const bad = (message: string) => problems.push({ file: path, line: info.lines, message });
    const rawKey = record[accountCol] ?? '';
    const rawLabel = (record[labelCol] ?? '').toLowerCase();
    if (rawKey === '') {
      bad('no account');
      continue;
    }
    const y = BOT.has(rawLabel) ? 1 : HUMAN.has(rawLabel) ? 0 : null;
    if (y === null) {
      bad(`label "${rawLabel.slice(0, 40)}" is not bot/human or 1/0`);
      continue;
    }
    let key: string | null = known.has(rawKey) ? rawKey : null;
    if (key === null) {
      const hits = byId.get(rawKey) ?? [];
      if (hits.length > 1) {
        bad(
          `account id "${rawKey.slice(0, 60)}" exists on several platforms (${hits.join(', ')}); write platform:account_id`,
        );
        continue;
      }
      key = hits[0] ?? null;
    }
    if (key === null) {
      bad(`account "${rawKey.slice(0, 60)}" is not in the workspace`);
      continue;
    }
    const prev = labels.get(key);
    if (prev !== undefined && prev !== y) {
      bad(`account ${key} labelled both bot and human; both rows dropped`);
      labels.delete(key);
      continue;
    }
    labels.set(key, y);
  }
  problems.sort((a, b) => a.line - b.line);
  return { labels, rows: records.length - start, problems };
}

// ---- evaluation --------------------------------------------------------------------------

/**
 * Area under the ROC curve by the Mann–Whitney U statistic: the probability that a random
 * positive scores above a random negative, ties counting one half (average ranks).
 * Hand-written because it is a dozen lines and the libraries at hand do not provide it.
 * Null when either class is empty.
 */
export function aucMannWhitney(scores: ArrayLike<number>, labels: ArrayLike<number>): number | null {
  const n = scores.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let pos = 0;
  let rankSumPos = 0;
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && scores[idx[j + 1]] === scores[idx[i]]) j++;
    const avgRank = (i + j) / 2 + 1; // ranks i+1 .. j+1
    for (let k = i; k <= j; k++) if (labels[idx[k]] === 1) rankSumPos += avgRank;
    i = j + 1;
  }
  for (let i = 0; i < n; i++) if (labels[i] === 1) pos++;
  const neg = n - pos;
  if (pos === 0 || neg === 0) return null;
  return (rankSumPos - (pos * (pos + 1)) / 2) / (pos * neg);
}

export interface CalibrationBin {
  lo: number;
  hi: number;
  n: number;
  /** Mean predicted score in the bin (null when empty). */
  predicted: number | null;
  /** Observed share of bots in the bin (null when empty). */
  observed: number | null;
}

/** Reliability table: `bins` equal-width score bins with mean prediction and observed rate. */
export function calibrationTable(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  bins = 10,
): CalibrationBin[] {
  const out: CalibrationBin[] = Array.from({ length: bins }, (_, b) => ({
    lo: b / bins,
    hi: (b + 1) / bins,
    n: 0,
    predicted: 0,
    observed: 0,
  }));
  for (let i = 0; i < scores.length; i++) {
    const b = Math.min(bins - 1, Math.max(0, Math.floor(scores[i] * bins)));
    out[b].n++;
    out[b].predicted! += scores[i];
    out[b].observed! += labels[i];
  }
  for (const b of out) {
    b.predicted = b.n ? b.predicted! / b.n : null;
    b.observed = b.n ? b.observed! / b.n : null;
  }
  return out;
}

// ---- training ----------------------------------------------------------------------------

export interface TrainOptions {
  /** Share of labelled accounts held out for evaluation (stratified by label). */
  holdout: number;
  seed: number;
  /** Gradient steps of ml-logistic-regression; few steps act as regularisation. */
  steps: number;
  /** Clamp of standardised values (as in scoring). */
  clamp: number;
  bins: number;
  /** Name written into the model. */
  name: string;
}

export const TRAIN_DEFAULTS: TrainOptions = {
  holdout: 0.3,
  seed: 1,
  steps: 2000,
  clamp: 5,
  bins: 10,
  name: 'trained',
};

export interface TrainReport {
  model: SignalModel;
  train: { n: number; bots: number };
  test: { n: number; bots: number };
  /** Held-out AUC (null when the hold-out lacks a class). */
  auc: number | null;
  trainAuc: number | null;
  brier: number | null;
  calibration: CalibrationBin[];
}

/** Seeded Fisher–Yates shuffle (in place). */
function shuffle<T>(xs: T[], rnd: () => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}

/** Largest eigenvalue of a small symmetric PSD matrix (power iteration). */
function largestEigen(g: number[][]): number {
  const k = g.length;
  let v = new Array<number>(k).fill(1 / Math.sqrt(k));
  let lambda = 0;
  for (let it = 0; it < 200; it++) {
    const w = g.map((row) => row.reduce((s, x, j) => s + x * v[j], 0));
    const norm = Math.hypot(...w);
    if (norm === 0) return 0;
    lambda = norm;
    v = w.map((x) => x / norm);
  }
  return lambda;
}

export function trainModel(
  table: FeatureTable,
  labels: Map<string, 0 | 1>,
  options: Partial<TrainOptions> = {},
): TrainReport {
  const o = { ...TRAIN_DEFAULTS, ...options };
  if (!(o.holdout >= 0 && o.holdout < 1))
    throw new VigieError('ERR_USAGE', `--holdout must be in [0, 1), got ${o.holdout}`);
  const rowOf = new Map(table.keys.map((k, i) => [k, i]));
  const pos: number[] = [];
  const neg: number[] = [];
  for (const [k, y] of [...labels].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const i = rowOf.get(k);
    if (i !== undefined) (y === 1 ? pos : neg).push(i);
  }
  if (pos.length < 2 || neg.length < 2)
    throw new VigieError(
      'ERR_USAGE',
      `training needs at least 2 bots and 2 humans among the workspace accounts (have ${pos.length} and ${neg.length})`,
    );
  const rnd = mulberry32(o.seed);
  shuffle(pos, rnd);
  shuffle(neg, rnd);
  const cut = (xs: number[]) => Math.min(xs.length - 1, Math.round(xs.length * o.holdout));
  const test = [...pos.slice(0, cut(pos)), ...neg.slice(0, cut(neg))];
  const train = [...pos.slice(cut(pos)), ...neg.slice(cut(neg))];
  const y = (i: number) => labels.get(table.keys[i])!;

  // Standardise on the training rows; unknown values sit at the mean (z = 0), as in scoring.
  const tr = (i: number, j: number) => {
    const x = table.values[i * D + j];
    return x === x ? transformValue(codeOf(j), x) : NaN;
  };
  const center = new Float64Array(D);
  const scale = new Float64Array(D).fill(1);
  const usable = new Array<boolean>(D).fill(false);
  for (let j = 0; j < D; j++) {
    let s = 0;
    let s2 = 0;
    let c = 0;
    for (const i of train) {
      const v = tr(i, j);
      if (v === v) {
        s += v;
        s2 += v * v;
        c++;
      }
    }
    if (c < 2) continue;
    const mean = s / c;
    const sd = Math.sqrt(Math.max(0, s2 / c - mean * mean));
    center[j] = mean;
    if (sd > 1e-12) {
      scale[j] = sd;
      usable[j] = true;
    }
  }
  const zRow = (i: number): number[] => {
    const r = new Array<number>(D + 1);
    for (let j = 0; j < D; j++) {
      const v = tr(i, j);
      let z = usable[j] && v === v ? (v - center[j]) / scale[j] : 0;
      if (z > o.clamp) z = o.clamp;
      else if (z < -o.clamp) z = -o.clamp;
      r[j] = z;
    }
    r[D] = 1; // intercept column: ml-logistic-regression fits no bias of its own
    return r;
  };
  const X = new Matrix(train.map(zRow));
  const Y = Matrix.columnVector(train.map(y));
  // The library's gradient is a sum over rows; step 1/L with L the Lipschitz constant of the
  // mean log-loss gradient (¼ λmax(XᵀX/n)) converges without tuning.
  const gram = X.transpose().mmul(X).div(train.length).to2DArray();
  const L = Math.max(1e-9, 0.25 * largestEigen(gram));
  const lr = new LogisticRegression({ numSteps: o.steps, learningRate: 1 / (L * train.length) });
  lr.train(X, Y);
  // One-vs-all over classes 0 and 1: classifier 0 gives P(label != 0), i.e. P(bot).
  const w = lr.classifiers[0].weights.to1DArray();

  const model: SignalModel = {
    format: MODEL_FORMAT,
    version: 1,
    name: o.name,
    intercept: w[D],
    clamp: o.clamp,
    features: FEATURES.map((f, j) => ({
      name: f.name,
      center: center[j],
      scale: scale[j],
      weight: usable[j] ? w[j] : 0,
    })),
    training: {
      library: 'ml-logistic-regression',
      steps: o.steps,
      learningRate: 1 / L,
      seed: o.seed,
      holdout: o.holdout,
      trainAccounts: train.length,
      testAccounts: test.length,
    },
  };
  const cm = compileModel(model);
  const predict = (rows: number[]) => rows.map((i) => sigmoid(scoreVector(cm, table.values, i * D)));
  const pTest = predict(test);
  const yTest = test.map(y);
  const pTrain = predict(train);
  const yTrain = train.map(y);
  const auc = test.length ? aucMannWhitney(pTest, yTest) : null;
  model.training!.heldOutAuc = auc;
  return {
    model,
    train: { n: train.length, bots: yTrain.filter((v) => v === 1).length },
    test: { n: test.length, bots: yTest.filter((v) => v === 1).length },
    auc,
    trainAuc: aucMannWhitney(pTrain, yTrain),
    brier: test.length ? pTest.reduce((s, p, k) => s + (p - yTest[k]) ** 2, 0) / test.length : null,
    calibration: calibrationTable(pTest, yTest, o.bins),
  };
}

function codeOf(j: number): number {
  const t = FEATURES[j].transform;
  return t === 'log10p' ? 1 : t === 'log2p' ? 2 : 0;
}
