/**
 * Interchange commands: `vigie export stix` (STIX 2.1 bundle), `vigie export findings`
 * (CSV, JSON Lines, Parquet) and `vigie timeline` (every channel on one time axis).
 */
import { writeFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { withStore } from '../context.js';
import { table, toJson } from '../output.js';
import { buildBundle } from '../../export/stix/bundle.js';
import { validateBundle } from '../../export/stix/validate.js';
import { exportTable, type TableFormat, type TableKind } from '../../export/tables.js';
import { buildTimeline } from '../../detectors/cross-channel/timeline.js';
import { VigieError } from '../../util/errors.js';

const BINS: Record<string, number> = { '15m': 900_000, '1h': 3600_000, '6h': 21_600_000, '1d': 86_400_000 };

export function register(program: Command): void {
  const exp = program
    .command('export')
    .description('write findings for other tools: STIX 2.1, CSV, JSON Lines, Parquet');

  exp
    .command('stix')
    .description(
      'the workspace findings as one STIX 2.1 bundle (identity, indicators, observed-data, notes with caveats, DISARM/ATT&CK attack-patterns, relationships); import into OpenCTI or MISP (docs/stix.md)',
    )
    .option('--out <file>', 'bundle file (default: standard output)')
    .option(
      '--identity <name>',
      'the producing organisation, named as the creator of every object',
      'vigie user',
    )
    .option('--campaign <name>', 'assert that the findings belong to this campaign (never inferred)')
    .option(
      '--threat-actor <name>',
      'assert that this actor is behind the activity (never inferred); with --campaign, adds attributed-to',
    )
    .option(
      '--opencti',
      "also emit OpenCTI's narrative and channel objects (custom SDOs OpenCTI understands)",
    )
    .option('--channel <name>', 'only findings of this channel')
    .option(
      '--max-accounts <n>',
      'accounts per finding exported as user-account objects',
      (v) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 0)
          throw new VigieError('ERR_USAGE', `--max-accounts: expected a non-negative integer, got "${v}"`);
        return n;
      },
      500,
    )
    .option(
      '--validate',
      'check every object against the STIX 2.1 schemas before writing; fail on any problem',
    )
    .action(
      async (
        o: {
          out?: string;
          identity: string;
          campaign?: string;
          threatActor?: string;
          opencti?: boolean;
          channel?: string;
          maxAccounts: number;
          validate?: boolean;
        },
        cmd: Command,
      ) => {
        if (!o.identity.trim())
          throw new VigieError('ERR_USAGE', '--identity: give the producing organisation a name');
        await withStore(cmd, async (s) => {
          const findings = await s.listFindings(o.channel ? { channel: o.channel } : {});
          const r = buildBundle(findings, {
            identity: o.identity.trim(),
            campaign: o.campaign?.trim() || undefined,
            threatActor: o.threatActor?.trim() || undefined,
            opencti: !!o.opencti,
            maxAccounts: o.maxAccounts,
          });
          if (o.validate) {
            const errs = validateBundle(r.bundle);
            if (errs.length)
              throw new VigieError(
                'ERR_INPUT',
                `STIX bundle invalid (${errs.length} problems):\n${errs.slice(0, 20).join('\n')}`,
              );
          }
          const text = JSON.stringify(r.bundle, null, 2) + '\n';
          if (o.out) writeFileSync(o.out, text);
          else process.stdout.write(text);
          for (const m of r.messages) process.stderr.write(`note: ${m}\n`);
          const counts = Object.entries(r.stats)
            .filter(([, n]) => n > 0)
            .map(([k, n]) => `${k} ${n}`)
            .join(', ');
          process.stderr.write(
            `${r.bundle.objects.length} STIX objects${o.out ? ` written to ${o.out}` : ''} (${counts})${o.validate ? ', all valid' : ''}\n`,
          );
        });
      },
    );

  exp
    .command('findings')
    .description(
      'findings (one row each) or their evidence references (one row each) as CSV, JSON Lines or Parquet',
    )
    .addOption(
      new Option('--format <format>', 'output format').choices(['csv', 'jsonl', 'parquet']).default('csv'),
    )
    .addOption(
      new Option('--what <what>', 'findings, or evidence references')
        .choices(['findings', 'evidence'])
        .default('findings'),
    )
    .requiredOption('--out <file>', 'output file')
    .action(async (o: { format: TableFormat; what: TableKind; out: string }, cmd: Command) => {
      await withStore(cmd, async (s) => {
        const n = await exportTable(s, o.what, o.format, o.out);
        process.stderr.write(
          `${n} ${o.what === 'findings' ? 'findings' : 'evidence rows'} written to ${o.out} (${o.format})\n`,
        );
      });
    });

  program
    .command('timeline')
    .description('every channel on one time axis: post volume, findings, leak publications, attack alerts')
    .addOption(new Option('--bin <size>', 'post volume bin').choices(Object.keys(BINS)).default('1h'))
    .option('--no-volume', 'leave out post volume bins')
    .option('--json', 'as JSON')
    .action(async (o: { bin: string; volume: boolean; json?: boolean }, cmd: Command) => {
      await withStore(cmd, async (s) => {
        const tl = (await buildTimeline(s, BINS[o.bin])).filter((e) => o.volume || e.kind !== 'volume');
        if (o.json) return console.log(toJson(tl));
        console.log(
          table(
            tl.map((e) => ({
              time: e.time,
              channel: e.channel,
              kind: e.kind,
              severity: e.severity ?? '',
              title: e.title,
            })),
            undefined,
            90,
          ),
        );
      });
    });
}
