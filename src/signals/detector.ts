/**
 * Detector `account-signals`: scores every account (stored in `account_signals`), then
 * reports coordination clusters whose members score high, and high-scoring accounts outside
 * them. It runs after `coordination`, whose clusters it reads.
 */
import type { Detector, DetectResult } from '../detectors/types.js';
import { findingId, type EvidenceRef, type Finding, type Severity } from '../findings/finding.js';
import type { StoredSignal } from '../store/signals.js';
import { coordinationClusters, EXTRACT_DEFAULTS, type ExtractOptions } from './extract.js';
import { loadModel } from './model.js';
import { scoreWorkspace } from './score.js';

/**
 * Numbers rounded to 12 significant digits, deeply. DuckDB sums and averages in parallel, so
 * the last bits of an aggregated feature depend on thread scheduling; rounded, the same
 * workspace gives byte-identical findings (the reproducibility the manifest promises).
 */
function stable<T>(v: T): T {
  if (typeof v === 'number') return (Number.isFinite(v) && v !== 0 ? Number(v.toPrecision(12)) : v) as T;
  if (Array.isArray(v)) return v.map(stable) as T;
  if (v && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, stable(x)])) as T;
  return v;
}

export interface AccountSignalsOptions extends ExtractOptions {
  /** A trained model JSON (`vigie accounts train`); null: the default weights. */
  model: string | null;
  /** A cluster is reported when the mean score of its scored members reaches this. */
  clusterMeanScore: number;
  /** ... and it has at least this many members in the workspace. */
  minClusterMembers: number;
  /** Accounts outside reported clusters are reported from this score up. */
  accountScore: number;
  /** At most this many single-account findings (highest scores first). */
  maxAccounts: number;
}

export const ACCOUNT_SIGNALS_DEFAULTS: AccountSignalsOptions = {
  ...EXTRACT_DEFAULTS,
  model: null,
  clusterMeanScore: 0.5,
  minClusterMembers: 3,
  accountScore: 0.85,
  maxAccounts: 50,
};

const NAME = 'account-signals';
const VERSION = '1.0.0';

/** DISARM techniques, chosen from the features that drive a score (ids checked against DISARM in a test). */
export const SIGNAL_TECHNIQUES = {
  automated: 'T0146.007', // Automated Account Asset
  reposting: 'T0049.003', // Bots Amplify via Automated Forwarding and Reposting
  newlyCreated: 'T0150.001', // Newly Created Asset
  dormant: 'T0150.002', // Dormant Asset
  bulkCreated: 'T0150.008', // Bulk Created Asset
} as const;

const AUTOMATION = [
  'gap_cv',
  'gap_entropy',
  'posts_per_day',
  'statuses_per_day',
  'night_share',
  'client_entropy',
];

/** Techniques the features of one scored account point to. */
export function techniquesFor(s: StoredSignal): string[] {
  const c = s.contributions;
  const t = new Set<string>();
  const automation = AUTOMATION.reduce((sum, f) => sum + (c[f] ?? 0), 0);
  if (automation > 0.5) t.add(SIGNAL_TECHNIQUES.automated);
  if (automation > 0.5 && (c.repost_share ?? 0) > 0) t.add(SIGNAL_TECHNIQUES.reposting);
  if ((c.age_days ?? 0) > 0.5) t.add(SIGNAL_TECHNIQUES.newlyCreated);
  if (s.features.reactivated === 1) t.add(SIGNAL_TECHNIQUES.dormant);
  if ((s.features.creation_burst ?? 0) >= 2) t.add(SIGNAL_TECHNIQUES.bulkCreated);
  return [...t].sort();
}

/** "handle_digits +1.20, age_days +0.80" for the largest positive contributions. */
export function topReasons(s: StoredSignal, k = 3): string {
  const pos = Object.entries(s.contributions)
    .filter(([, v]) => v > 0)
    .slice(0, k);
  return pos.length ? pos.map(([n, v]) => `${n} +${v.toFixed(2)}`).join(', ') : 'no feature above its centre';
}

const CAVEATS = [
  'A score is evidence, not a verdict: it says these accounts look like automated or mass-produced ones on a few profile and behaviour features, not that they are.',
  'The default weights are hand-set priors, not fitted to this data; even trained models are only as good as their labels. Public bot datasets are easy (a one-rule decision tree scores 0.97 on cresci-2017) and methods that shine there fall to F1 below 0.6 on TwiBot-22: see docs/signals.md.',
  'Innocent explanations: news, weather or alert services post on schedules; organisations run accounts through one scheduling tool; new and unpictured accounts are common among new users; people post at night in other zones (the zone is UTC unless given).',
  'Unknown features contribute nothing: an account with little data scores near the base rate, which is neither innocent nor guilty.',
];

function severity(score: number): Severity {
  return score >= 0.8 ? 'medium' : 'low';
}

export const accountSignalsDetector: Detector<AccountSignalsOptions> = {
  name: NAME,
  version: VERSION,
  channel: 'coordination',
  description:
    'account signals: Botometer-lite profile and behaviour scores, with the clusters whose members score high',
  defaults: ACCOUNT_SIGNALS_DEFAULTS,

  async detect(ctx, options = {}): Promise<DetectResult> {
    const o = { ...ACCOUNT_SIGNALS_DEFAULTS, ...options };
    const model = o.model ? loadModel(o.model) : undefined;
    const run = await scoreWorkspace(ctx.store, { model, extract: o });
    const messages: string[] = [];
    if (run.signals.length === 0) {
      return { findings: [], messages: ['no accounts in the workspace'], stats: { accounts: 0 } };
    }
    const byKey = new Map(run.signals.map((s) => [`${s.platform}:${s.accountId}`, s]));
    const clusters = await coordinationClusters(ctx.store);
    if (clusters.length === 0)
      messages.push(
        'no coordination clusters: only single accounts are reported (run the coordination detector first)',
      );
    const now = new Date().toISOString();
    const parameters = { ...o, model: run.model.name } as Record<string, unknown>;
    const findings: Finding[] = [];
    const reported = new Set<string>();

    for (const c of clusters) {
      const scored = c.members.map((m) => byKey.get(m)).filter((s): s is StoredSignal => s !== undefined);
      if (scored.length < o.minClusterMembers) continue;
      const mean = scored.reduce((s, x) => s + x.score, 0) / scored.length;
      if (mean < o.clusterMeanScore) continue;
      scored.sort((a, b) => b.score - a.score);
      const techniques = new Set<string>();
      for (const s of scored)
        if (s.score >= o.clusterMeanScore) for (const t of techniquesFor(s)) techniques.add(t);
      const high = scored.filter((s) => s.score >= o.accountScore).length;
      const evidence: EvidenceRef[] = [{ table: 'findings', key: c.findingId, role: 'coordination cluster' }];
      for (const s of scored.slice(0, 20)) {
        const key = `${s.platform}:${s.accountId}`;
        reported.add(key);
        evidence.push({
          table: 'accounts',
          key,
          role: 'member',
          note: `score ${s.score.toFixed(2)}: ${topReasons(s)}`,
        });
        evidence.push({ table: 'account_signals', key, role: 'features and contributions' });
      }
      findings.push({
        id: findingId(NAME, 'cluster-accounts', c.members.join(',')),
        kind: 'cluster-accounts',
        channel: 'coordination',
        title: `Coordinated cluster of ${c.members.length} accounts whose profiles and behaviour score ${mean.toFixed(2)} on average`,
        summary:
          `${scored.length} scored members of coordination cluster ${c.findingId} have a mean account score of ${mean.toFixed(2)} ` +
          `(model ${run.model.name}); ${high} score ${o.accountScore} or more. Highest: ` +
          scored
            .slice(0, 3)
            .map((s) => `${s.platform}:${s.accountId} ${s.score.toFixed(2)} (${topReasons(s, 2)})`)
            .join('; ') +
          '.',
        severity: severity(mean),
        confidence: stable(Math.min(1, Math.max(0, mean))),
        confidenceMethod:
          `Mean of the members' account scores (logistic model "${run.model.name}"; see docs/signals.md). ` +
          'The default model is not calibrated on this data: read it as a ranking, not a probability.',
        detector: { name: NAME, version: VERSION, parameters },
        evidence,
        techniques: [...techniques].sort(),
        caveats: CAVEATS,
        details: stable({
          cluster: c.findingId,
          // Not `members`: that key marks coordination clusters for tools that read findings (demo scoring).
          clusterMembers: c.members,
          meanScore: mean,
          highScoring: high,
          scores: scored.map((s) => ({
            account: `${s.platform}:${s.accountId}`,
            score: s.score,
            contributions: s.contributions,
          })),
        }),
        createdAt: now,
      });
    }

    const singles = run.signals.filter(
      (s) => s.score >= o.accountScore && !reported.has(`${s.platform}:${s.accountId}`),
    );
    if (singles.length > o.maxAccounts)
      messages.push(
        `${singles.length} accounts score ${o.accountScore} or more; the ${o.maxAccounts} highest are reported`,
      );
    for (const s of singles.slice(0, o.maxAccounts)) {
      const key = `${s.platform}:${s.accountId}`;
      findings.push({
        id: findingId(NAME, 'account', key),
        kind: 'account',
        channel: 'coordination',
        title: `Account ${key} scores ${s.score.toFixed(2)} on automation and mass-creation signals`,
        summary: `Account score ${s.score.toFixed(2)} (model ${run.model.name}, log-odds ${s.logit.toFixed(2)}). Largest contributions: ${topReasons(s, 5)}.`,
        severity: 'low',
        confidence: stable(s.score),
        confidenceMethod: `The account's score under logistic model "${run.model.name}"; uncalibrated unless the model was trained on representative labels.`,
        detector: { name: NAME, version: VERSION, parameters },
        evidence: [
          { table: 'accounts', key, role: 'scored account', note: topReasons(s, 5) },
          { table: 'account_signals', key, role: 'features and contributions' },
        ],
        techniques: techniquesFor(s),
        caveats: CAVEATS,
        details: stable({
          account: key,
          score: s.score,
          logit: s.logit,
          features: s.features,
          contributions: s.contributions,
          flags: s.flags,
        }),
        createdAt: now,
      });
    }
    const n = run.signals.length;
    return {
      findings,
      messages,
      stats: {
        accounts: n,
        clustersRead: clusters.length,
        clusterFindings: findings.filter((f) => f.kind === 'cluster-accounts').length,
        accountFindings: findings.filter((f) => f.kind === 'account').length,
        meanScore: run.signals.reduce((s, x) => s + x.score, 0) / n,
      },
    };
  },
};
