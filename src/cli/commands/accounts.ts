/**
 * Account signals: `vigie accounts score | show | train` (see docs/signals.md).
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import {
  EXTRACT_DEFAULTS,
  FEATURES,
  TRAIN_DEFAULTS,
  extractFeatures,
  loadModel,
  readLabels,
  readTimezones,
  scoreWorkspace,
  topReasons,
  trainModel,
  type ExtractOptions,
} from '../../signals/index.js';
import { VigieError } from '../../util/errors.js';
import { intArg, numArg, withStore } from '../context.js';
import { safeText, table, toCsv, toJson } from '../output.js';

interface ExtractFlags {
  asOf?: string;
  voteDate?: string;
  timezones?: string;
  night: string;
  dormancyDays: number;
  reactivationDays: number;
  burstHours: number;
}

function dateArg(v: string | undefined, flag: string): number | null {
  if (v === undefined) return null;
  const t = Date.parse(v);
  if (!Number.isFinite(t))
    throw new VigieError('ERR_USAGE', `${flag}: expected a date like 2024-06-09, got "${v}"`);
  return t;
}

function extractOptions(o: ExtractFlags): Partial<ExtractOptions> {
  const m = /^(\d{1,2})-(\d{1,2})$/.exec(o.night);
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 23)
    throw new VigieError('ERR_USAGE', `--night: expected START-END hours like 0-6, got "${o.night}"`);
  const out: Partial<ExtractOptions> = {
    nightStartHour: Number(m[1]),
    nightEndHour: Number(m[2]),
    asOf: dateArg(o.asOf, '--as-of'),
    reactivationBefore: dateArg(o.voteDate, '--vote-date'),
    dormancyDays: o.dormancyDays,
    reactivationWindowDays: o.reactivationDays,
    burstWindowHours: o.burstHours,
  };
  if (o.timezones) {
    const { zones, problems } = readTimezones(o.timezones);
    for (const p of problems.slice(0, 20)) process.stderr.write(`skipped ${safeText(p)}\n`);
    if (problems.length) process.stderr.write(`${problems.length} time-zone rows skipped\n`);
    out.timezones = zones;
  }
  return out;
}

/** The feature-extraction options every subcommand shares. */
function withExtractOptions(cmd: Command): Command {
  const d = EXTRACT_DEFAULTS;
  return cmd
    .option(
      '--as-of <date>',
      'date account age is measured at when a profile has no snapshot time and no posts',
    )
    .option(
      '--vote-date <date>',
      'reactivation reference (e.g. the election day); default: the last post of the workspace',
    )
    .option(
      '--timezones <file.csv>',
      "CSV of platform:account_id,IANA zone: night activity in the account's own zone (UTC otherwise)",
    )
    .option(
      '--night <h-h>',
      'night hours, local, start inclusive, end exclusive',
      `${d.nightStartHour}-${d.nightEndHour}`,
    )
    .option('--dormancy-days <n>', 'a silence at least this long is a dormancy', numArg, d.dormancyDays)
    .option(
      '--reactivation-days <n>',
      'reactivations count within this many days before the reference',
      numArg,
      d.reactivationWindowDays,
    )
    .option(
      '--burst-hours <n>',
      'cluster co-members created within this many hours form a creation burst',
      numArg,
      d.burstWindowHours,
    );
}

export function register(program: Command): void {
  const accounts = program
    .command('accounts')
    .description(
      'account signals: transparent bot-likeness scores with per-feature contributions (a score is evidence, not a verdict)',
    );

  withExtractOptions(
    accounts
      .command('score')
      .description(
        'compute profile and behaviour features for every account, score them (default weights or --model), store them, list the highest',
      )
      .option('--top <n>', 'accounts listed', intArg, 20)
      .option('--model <file.json>', 'a model from `vigie accounts train` instead of the default weights')
      .option('--json', 'as JSON (features, contributions, flags)')
      .option('--csv', 'as CSV'),
  ).action(
    async (
      o: ExtractFlags & { top: number; model?: string; json?: boolean; csv?: boolean },
      cmd: Command,
    ) => {
      const model = o.model ? loadModel(o.model) : undefined;
      const extract = extractOptions(o);
      await withStore(cmd, async (s) => {
        const run = await scoreWorkspace(s, { model, extract });
        const top = run.signals.slice(0, o.top);
        if (o.json) return console.log(toJson(top));
        const rows = top.map((x, i) => ({
          rank: i + 1,
          account: `${x.platform}:${x.accountId}`,
          score: x.score.toFixed(3),
          logit: x.logit.toFixed(2),
          reasons: topReasons(x, 3),
          flags: x.flags.join(' '),
        }));
        if (o.csv) return process.stdout.write(toCsv(rows));
        console.log(table(rows, undefined, 70));
        console.log(
          `\n${run.signals.length} accounts scored with model "${run.model.name}" and stored (table account_signals). ` +
            'A score is evidence, not a verdict; see `vigie accounts show <platform:account_id>` for every contribution.',
        );
      });
    },
  );

  accounts
    .command('show')
    .description('one account: every feature value and its log-odds contribution to the stored score')
    .argument('<account>', 'account key platform:account_id (e.g. x:123456)')
    .option('--json', 'as JSON')
    .action(async (key: string, o: { json?: boolean }, cmd: Command) => {
      await withStore(cmd, async (s) => {
        const [sig] = await s.signals().listSignals({ key });
        if (!sig) {
          const any = await s.signals().listSignals({ top: 1 });
          throw new VigieError(
            'ERR_NOT_FOUND',
            any.length
              ? `no stored signals for ${key}`
              : 'no stored signals: run `vigie accounts score` first',
          );
        }
        if (o.json) return console.log(toJson(sig));
        console.log(
          `${safeText(key)}  score ${sig.score.toFixed(3)}  log-odds ${sig.logit.toFixed(3)}  model ${safeText(sig.model)}`,
        );
        if (sig.flags.length) console.log(`flags: ${sig.flags.join(', ')}`);
        const rows = FEATURES.map((f) => ({
          feature: f.name,
          value:
            sig.features[f.name] === null
              ? 'unknown'
              : Number.isInteger(sig.features[f.name])
                ? sig.features[f.name]
                : Number(sig.features[f.name]!.toPrecision(6)),
          contribution: sig.contributions[f.name] ? sig.contributions[f.name].toFixed(3) : '0',
          meaning: f.description,
        }));
        console.log(table(rows, undefined, 90));
        console.log(
          '\nContributions are log-odds added to the intercept; unknown features add nothing. A score is evidence, not a verdict.',
        );
      });
    });

  withExtractOptions(
    accounts
      .command('train')
      .description(
        'fit the score on your labelled accounts (logistic regression, ml-logistic-regression) and report held-out AUC and calibration',
      )
      .requiredOption(
        '--labels <file.csv>',
        'CSV: account_id or platform:account_id, label (bot/human or 1/0); header optional',
      )
      .option('--model <out.json>', 'where to save the model', 'account-model.json')
      .option(
        '--holdout <share>',
        'share of labelled accounts held out (stratified)',
        numArg,
        TRAIN_DEFAULTS.holdout,
      )
      .option('--seed <n>', 'seed of the hold-out split', intArg, TRAIN_DEFAULTS.seed)
      .option('--steps <n>', 'gradient steps (fewer = more regularised)', intArg, TRAIN_DEFAULTS.steps)
      .option('--bins <n>', 'calibration bins', intArg, TRAIN_DEFAULTS.bins)
      .option('--json', 'the report as JSON'),
  ).action(
    async (
      o: ExtractFlags & {
        labels: string;
        model: string;
        holdout: number;
        seed: number;
        steps: number;
        bins: number;
        json?: boolean;
      },
      cmd: Command,
    ) => {
      if (o.bins < 1) throw new VigieError('ERR_USAGE', '--bins must be at least 1');
      const extract = extractOptions(o);
      await withStore(cmd, async (s) => {
        const t = await extractFeatures(s, extract);
        const l = readLabels(o.labels, t.keys);
        for (const p of l.problems.slice(0, 20))
          process.stderr.write(`skipped ${safeText(`${p.file}:${p.line}: ${p.message}`)}\n`);
        if (l.problems.length) process.stderr.write(`${l.problems.length} of ${l.rows} label rows skipped\n`);
        const r = trainModel(t, l.labels, {
          holdout: o.holdout,
          seed: o.seed,
          steps: o.steps,
          bins: o.bins,
          name: `trained:${o.labels.split(/[\\/]/).pop()}`,
        });
        const out = resolve(o.model);
        writeFileSync(out, JSON.stringify(r.model, null, 2) + '\n');
        if (o.json) return console.log(toJson({ ...r, labelProblems: l.problems, modelPath: out }));
        console.log(`labels: ${l.labels.size} accounts (${l.problems.length} rows skipped)`);
        console.log(
          `train: ${r.train.n} accounts (${r.train.bots} bots); held out: ${r.test.n} (${r.test.bots} bots)`,
        );
        console.log(
          `held-out AUC: ${r.auc === null ? 'n/a (hold-out lacks a class)' : r.auc.toFixed(3)}   train AUC: ${r.trainAuc?.toFixed(3) ?? 'n/a'}   Brier: ${r.brier?.toFixed(3) ?? 'n/a'}`,
        );
        console.log('\ncalibration (held out): predicted vs observed share of bots per score bin');
        console.log(
          table(
            r.calibration.map((b) => ({
              bin: `${b.lo.toFixed(2)}-${b.hi.toFixed(2)}`,
              accounts: b.n,
              predicted: b.predicted === null ? '' : b.predicted.toFixed(3),
              observed: b.observed === null ? '' : b.observed.toFixed(3),
            })),
          ),
        );
        console.log(`\nmodel saved to ${out}; score with: vigie accounts score --model ${out}`);
      });
    },
  );
}
