/**
 * Score every account of the workspace and store the result (table `account_signals`).
 */
import type { Store } from '../store/store.js';
import type { StoredSignal } from '../store/signals.js';
import { D, vectorRecord } from './features.js';
import { extractFeatures, type ExtractOptions, type FeatureTable } from './extract.js';
import { DEFAULT_MODEL, compileModel, contributionRecord, scoreAll, type CompiledModel } from './model.js';
import { splitKey } from '../model/keys.js';

export interface ScoreRunResult {
  table: FeatureTable;
  model: CompiledModel;
  signals: StoredSignal[];
}

/** Stored rows from a feature table and its scores. */
export function toStoredSignals(
  table: FeatureTable,
  cm: CompiledModel,
  computedAt = new Date().toISOString(),
): StoredSignal[] {
  const n = table.keys.length;
  const s = scoreAll(cm, table.values, n);
  const out: StoredSignal[] = new Array<StoredSignal>(n);
  for (let i = 0; i < n; i++) {
    const k = table.keys[i];
    const [platform, accountId] = splitKey(k) ?? ['', k];
    out[i] = {
      platform,
      accountId,
      features: vectorRecord(table.values, i * D),
      flags: table.flags[i],
      score: s.score[i],
      logit: s.logit[i],
      contributions: contributionRecord(s.contributions, i * D),
      model: cm.name,
      computedAt,
    };
  }
  return out;
}

/** Extract features for every account, score them with `model` (default weights if none), store. */
export async function scoreWorkspace(
  store: Store,
  options: { model?: CompiledModel; extract?: Partial<ExtractOptions> } = {},
): Promise<ScoreRunResult> {
  const cm = options.model ?? compileModel(DEFAULT_MODEL);
  const table = await extractFeatures(store, options.extract);
  const signals = toStoredSignals(table, cm);
  await store.signals().replaceSignals(signals);
  signals.sort((a, b) => b.score - a.score || (a.platform + a.accountId < b.platform + b.accountId ? -1 : 1));
  return { table, model: cm, signals };
}
