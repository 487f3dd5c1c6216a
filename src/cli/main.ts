/**
 * The `vigie` command. Every subcommand has `--help`; errors print one clear line (with the
 * file and position where there is one) and set a non-zero exit code.
 */
import { Command, Option, CommanderError } from 'commander';
import { DEFAULT_DB } from '../store/index.js';
import { collect, intArg, numArg, withStore } from './context.js';
import { READERS } from '../readers/index.js';
import { ROLES } from '../readers/generic-csv/index.js';
import { DETECTORS } from '../detectors/index.js';
import { runDetectors, type DetectorRun, type SkippedDetector } from '../detectors/run.js';
import { SEVERITIES, type Finding } from '../findings/finding.js';
import { isVigieError } from '../util/errors.js';
import { VIGIE_VERSION } from '../version.js';
import { printIngest, runIngest, type IngestCliOptions } from './commands/ingest.js';
import { runDemo } from './commands/demo.js';
import { COMMAND_MODULES } from './commands/index.js';
import { safeText, table, toCsv, toJson } from './output.js';
import { writeReport } from '../report/index.js';
import { dirname, join } from 'node:path';

function addIngestOptions(c: Command): Command {
  return c
    .option(
      '-f, --format <name>',
      `input format instead of auto-detection (${READERS.map((r) => r.format).join(', ')})`,
    )
    .option(
      '--map <role=column>',
      'generic CSV: map a column to a post field (repeatable); see `vigie formats`',
      collect,
      [],
    )
    .option(
      '--mapping <file.yaml>',
      'generic CSV: a YAML column mapping (columns: {role: column}, platform, object_role)',
    )
    .option('--platform <name>', 'platform name for formats that do not carry one (generic CSV)')
    .addOption(
      new Option('--progress <mode>', 'progress display')
        .choices(['auto', 'bar', 'json', 'none'])
        .default('auto'),
    )
    .option('--max-record-bytes <n>', 'reject records larger than this many bytes (default 16 MiB)', intArg)
    .option(
      '--max-decompressed <n>',
      'stop decompressing a .gz file past this many bytes (default 512 GiB)',
      intArg,
    )
    .option('--batch <n>', 'records per committed batch (default 100000)', intArg);
}

function printDetect(runs: DetectorRun[], skipped: SkippedDetector[] = []): void {
  if (runs.length === 0) {
    console.log('no detectors are installed yet');
    return;
  }
  for (const r of runs) {
    console.log(
      `${r.detector} ${r.version}: ${r.result.findings.length} findings in ${r.seconds.toFixed(1)} s` +
        (Object.keys(r.result.stats).length
          ? ` (${Object.entries(r.result.stats)
              .map(([k, v]) => `${k} ${v}`)
              .join(', ')})`
          : ''),
    );
    for (const m of r.result.messages) console.log(`  note: ${m}`);
  }
  for (const k of skipped) console.log(`${k.detector}: skipped (${k.reason})`);
}

export function findingRows(fs: Finding[]): Record<string, unknown>[] {
  return fs.map((f) => ({
    id: f.id,
    severity: f.severity,
    confidence: f.confidence.toFixed(2),
    channel: f.channel,
    kind: f.kind,
    title: f.title,
    detector: `${f.detector.name} ${f.detector.version}`,
    evidence: f.evidence.length,
    techniques: f.techniques.join(' '),
  }));
}

export function buildProgram(): Command {
  const program = new Command('vigie')
    .description(
      'vigie: detect and document foreign interference in elections.\n' +
        'Ingests posts, runs detectors, and writes findings with evidence, method, confidence and caveats.',
    )
    .version(VIGIE_VERSION)
    .option('--db <path>', `workspace database file (env VIGIE_DB; default ./${DEFAULT_DB})`)
    .showHelpAfterError('(add --help for usage)')
    // Set before subcommands are added so they inherit it: errors come back to `run()`.
    .exitOverride()
    .configureOutput({ outputError: (s, write) => write(s) });

  addIngestOptions(
    program
      .command('ingest')
      .description(
        'read post files (any supported format, .gz too) into the workspace; re-runs resume and never duplicate',
      )
      .argument('<files...>', 'input files'),
  )
    .option('--json', 'print the per-file results as JSON')
    .action(async (files: string[], o: IngestCliOptions, cmd: Command) => {
      const results = await withStore(cmd, (s) => runIngest(s, files, o));
      printIngest(results, o.json);
      if (results.some((r) => r.status === 'failed')) process.exitCode = 1;
    });

  program
    .command('formats')
    .description('list the input formats and the generic CSV column roles')
    .action(() => {
      console.log(
        table(
          READERS.map((r) => ({ format: r.format, description: r.title })),
          undefined,
          100,
        ),
      );
      console.log('\nGeneric CSV roles (--map role=column):');
      console.log(
        table(
          Object.entries(ROLES).map(([role, d]) => ({ role, meaning: d })),
          undefined,
          100,
        ),
      );
    });

  program
    .command('status')
    .description('what the workspace holds: counts, sources with their hashes and reject counts')
    .option('--json', 'as JSON')
    .action(async (o: { json?: boolean }, cmd: Command) => {
      await withStore(cmd, async (s) => {
        const counts = await s.counts();
        const sources = await s.listSources();
        if (o.json) return console.log(toJson({ workspace: s.location, counts, sources }));
        console.log(`workspace ${s.location}`);
        console.log(
          `${counts.posts} posts, ${counts.accounts} accounts, ${counts.sources} sources, ${counts.rejects} rejects, ${counts.findings} findings`,
        );
        if (counts.firstPost) console.log(`posts from ${counts.firstPost} to ${counts.lastPost}`);
        console.log('');
        console.log(
          table(
            sources.map((x) => ({
              id: x.sourceId,
              path: x.path,
              format: x.format,
              status: x.status,
              accepted: x.accepted - x.duplicates,
              rejected: x.rejected,
              duplicates: x.duplicates,
              sha256: x.sha256.slice(0, 16),
            })),
          ),
        );
      });
    });

  program
    .command('rejects')
    .description('records that could not be ingested, with file, line, byte offset and reason')
    .option('--source <id>', 'only this source id (see `vigie status`)', intArg)
    .option('--limit <n>', 'at most this many rows', intArg, 50)
    .option('--json', 'as JSON')
    .option('--csv', 'as CSV')
    .action(async (o: { source?: number; limit: number; json?: boolean; csv?: boolean }, cmd: Command) => {
      await withStore(cmd, async (s) => {
        const rows = await s.listRejects(o.source, o.limit);
        if (o.json) return console.log(toJson(rows));
        if (o.csv) return process.stdout.write(toCsv(rows as unknown as Record<string, unknown>[]));
        console.log(
          table(
            rows.map((r) => ({
              file: r.path,
              line: r.line,
              offset: r.offset,
              reason: r.reason,
              excerpt: r.excerpt,
            })),
          ),
        );
      });
    });

  program
    .command('findings')
    .description('list findings (most severe first)')
    .option('--channel <name>', 'coordination | narratives | leaks | infrastructure | cross-channel')
    .option('--kind <kind>', 'only this kind')
    .addOption(new Option('--min-severity <level>', 'only this severity and above').choices([...SEVERITIES]))
    .option('--limit <n>', 'at most this many', intArg)
    .option('--json', 'full findings as JSON (with evidence, caveats and parameters)')
    .option('--csv', 'as CSV')
    .action(
      async (
        o: {
          channel?: string;
          kind?: string;
          minSeverity?: string;
          limit?: number;
          json?: boolean;
          csv?: boolean;
        },
        cmd: Command,
      ) => {
        await withStore(cmd, async (s) => {
          const fs = await s.listFindings({
            channel: o.channel,
            kind: o.kind,
            minSeverity: o.minSeverity,
            limit: o.limit,
          });
          // Analyst review from `vigie serve` annotations: the latest one per finding.
          const review = await s.annotations().latest(fs.map((f) => f.id));
          const annotated = fs.map((f) => ({ ...f, annotation: review.get(f.id) ?? null }));
          if (o.json) return console.log(toJson(annotated));
          const rows = findingRows(fs).map((r, i) => {
            const a = annotated[i].annotation;
            return { ...r, review: a ? `${a.status} by ${a.author} ${a.createdAt.slice(0, 10)}` : '' };
          });
          if (o.csv) return process.stdout.write(toCsv(rows));
          console.log(table(rows));
        });
      },
    );

  program
    .command('detect')
    .description('run the detectors on what the workspace holds and store their findings')
    .option('--list', 'list the detectors and exit')
    .option('--only <names>', 'comma-separated detector names')
    .option('--seed <n>', 'seed for any randomness (same seed, same findings)', intArg, 1)
    .option('--fdr <q>', 'coordination: false discovery rate (default 0.01)', numArg)
    .action(async (o: { list?: boolean; only?: string; seed: number; fdr?: number }, cmd: Command) => {
      if (o.list) {
        console.log(
          table(
            DETECTORS.map((d) => ({
              name: d.name,
              version: d.version,
              channel: d.channel,
              description: d.description,
            })),
            undefined,
            90,
          ),
        );
        return;
      }
      await withStore(cmd, async (s) => {
        const { runs, skipped } = await runDetectors(s, {
          only: o.only
            ?.split(',')
            .map((x) => x.trim())
            .filter(Boolean),
          seed: o.seed,
          options: o.fdr !== undefined ? { coordination: { fdr: o.fdr } } : {},
          log: (m) => process.stderr.write(m + '\n'),
        });
        printDetect(runs, skipped);
      });
    });

  addIngestOptions(
    program
      .command('analyze')
      .description('the main job: ingest files, run every detector, print a summary of the findings')
      .argument('<files...>', 'input files'),
  )
    .option('--seed <n>', 'seed for any randomness', intArg, 1)
    .option('--fdr <q>', 'coordination: false discovery rate (default 0.01)', numArg)
    .option('--report <file>', 'the HTML briefing to write (default: vigie-report.html beside the workspace)')
    .option('--no-report', 'do not write the briefing')
    .action(async (files: string[], o: IngestCliOptions & { seed: number; fdr?: number }, cmd: Command) => {
      await withStore(cmd, async (s) => {
        const results = await runIngest(s, files, o);
        printIngest(results, false);
        if (results.some((r) => r.status === 'failed')) process.exitCode = 1;
        console.log('');
        const { runs, skipped } = await runDetectors(s, {
          seed: o.seed,
          command: 'analyze',
          options: o.fdr !== undefined ? { coordination: { fdr: o.fdr } } : {},
          log: (m) => process.stderr.write(m + '\n'),
        });
        printDetect(runs, skipped);
        const fs = await s.listFindings({ limit: 15 });
        console.log('');
        console.log(fs.length ? table(findingRows(fs)) : 'no findings');
        const report = (o as { report?: string | false }).report;
        const out = typeof report === 'string' ? report : join(dirname(s.location), 'vigie-report.html');
        if (report !== false) {
          try {
            console.log(`\nbriefing: ${(await writeReport(s, { out })).html}`);
          } catch (e) {
            if (!isVigieError(e, 'ERR_UNSUPPORTED_BACKEND')) throw e;
            console.log(`\nno briefing: ${e.message}`);
          }
        }
      });
    });

  program
    .command('demo')
    .description(
      'generate a synthetic election week with a planted coordinated campaign, analyse it, and say what to look at',
    )
    .option('--dir <path>', 'where to write the demo files and workspace', 'vigie-demo')
    .option('--posts <n>', 'organic posts to generate', intArg, 200_000)
    .option('--seed <n>', 'generator seed', intArg, 2017)
    .action(async (o: { dir: string; posts: number; seed: number }, cmd: Command) => {
      await runDemo({
        ...o,
        db: cmd.optsWithGlobals().db as string | undefined,
        vigie: async (args) => {
          await buildProgram().parseAsync(['node', 'vigie', ...args]);
        },
      });
    });

  for (const register of COMMAND_MODULES) register(program);
  return program;
}

/** Entry point used by bin/vigie.js; returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.exitCode === 0 || e.code === 'commander.helpDisplayed' || e.code === 'commander.version'
        ? 0
        : 2;
    }
    if (isVigieError(e)) {
      process.stderr.write(`vigie: ${safeText(e.message)}\n`);
      return e.code === 'ERR_USAGE' ? 2 : 1;
    }
    process.stderr.write(
      `vigie: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
    );
    return 1;
  }
}
