/**
 * Registry commands: `vigie registry list | check <domain> | validate <file> | scan`.
 * Watch-lists are data (docs/registry.md): the default list, the user's files
 * (`--registry`, repeatable) and, on request, the reference lists (`--reference`).
 */
import type { Command } from 'commander';
import { collect, withStore } from '../context.js';
import { table, toJson, safeText } from '../output.js';
import { runDetectors } from '../../detectors/run.js';
import {
  checkNewsLookalike,
  loadProtectedOutlets,
  loadRegistry,
  matchDomain,
  parseRegistryFile,
  registryErrors,
  type FileLoad,
  type LoadedRegistry,
} from '../../registry/index.js';

interface ListOpts {
  registry: string[];
  reference?: string;
  defaults: boolean;
}

function addListOptions(c: Command): Command {
  return c
    .option('--registry <file>', 'a watch-list CSV to add (repeatable; see docs/registry.md)', collect, [])
    .option(
      '--reference <dir>',
      'also load the reference lists (sites_of_concern.csv, dima_operation_domains.csv) from this folder or a shared/data root',
    )
    .option('--no-defaults', 'leave out the default list data/registry/state-media.csv');
}

function load(o: ListOpts): LoadedRegistry {
  return loadRegistry({ defaults: o.defaults, files: o.registry, reference: o.reference });
}

function loadSummary(files: FileLoad[]): string {
  return files
    .map(
      (f) =>
        `${f.file}: ${f.rows} rows, ${f.accepted} loaded, ${f.filtered} filtered, ${f.errors.length} rejected` +
        Object.entries(f.filteredBy)
          .map(([why, n]) => `\n    filtered ${n}: ${why}`)
          .join(''),
    )
    .join('\n');
}

function printErrors(r: { files: FileLoad[] }, max = 20): void {
  const errs = r.files.flatMap((f) => f.errors);
  for (const e of errs.slice(0, max)) console.error(`${e.file}:${e.line}: ${safeText(e.message)}`);
  if (errs.length > max) console.error(`... and ${errs.length - max} more rejected rows`);
}

export function register(program: Command): void {
  const reg = program
    .command('registry')
    .description(
      'watch-lists of state-affiliated outlets, their mirrors and named operations (Portal Kombat, RRN/Doppelganger, Storm-1516), and news look-alikes',
    );

  addListOptions(
    reg
      .command('list')
      .description(
        'list the rows loaded (default list, --registry files, --reference lists), with where each came from',
      )
      .option('--json', 'as JSON')
      .option('--summary', 'only the per-file counts'),
  ).action((o: ListOpts & { json?: boolean; summary?: boolean }) => {
    const r = load(o);
    printErrors(r);
    if (o.summary) {
      console.log(loadSummary(r.files));
      return;
    }
    const rows = r.entries.map((e) => ({
      domain: e.domain,
      outlet: e.outlet,
      actor: e.actor,
      kind: e.kind,
      source: e.sourceUrl,
      date: e.sourceDate,
      from: `${e.file.split('/').pop()}:${e.line}`,
    }));
    console.log(o.json ? toJson(rows) : table(rows));
    if (!o.json) console.error(loadSummary(r.files));
  });

  addListOptions(
    reg
      .command('check')
      .description(
        'is this domain (or URL) in a watch-list, and does it imitate a protected news outlet? Exit code 1 when listed or a look-alike',
      )
      .argument('<domain>', 'a domain, host or URL, e.g. francais.rt.com or https://lemonde.ltd/x')
      .option('--protected <file>', 'extra protected-outlet CSV (repeatable)', collect, [])
      .option('--json', 'as JSON'),
  ).action((domain: string, o: ListOpts & { protected: string[]; json?: boolean }) => {
    const r = load(o);
    printErrors(r);
    const m = matchDomain(r, domain);
    const looks = checkNewsLookalike(
      domain,
      loadProtectedOutlets({ defaults: o.defaults, files: o.protected }),
    );
    if (o.json) {
      console.log(toJson({ domain, registry: m, lookalikes: looks }));
    } else {
      if (m) {
        console.log(`${safeText(domain)}: listed (${m.exact ? 'exact' : `under ${m.matched}`})`);
        for (const e of m.entries)
          console.log(
            safeText(
              `  ${e.outlet} | ${e.actor} | ${e.kind} | ${e.sourceUrl} ${e.sourceDate} | ${e.file}:${e.line}`,
            ),
          );
      } else console.log(`${safeText(domain)}: not in the registry`);
      for (const l of looks)
        console.log(safeText(`  imitates ${l.brand} (${l.tier}): ${l.reasons.join('; ')}`));
    }
    if (m || looks.length) process.exitCode = 1;
  });

  reg
    .command('validate')
    .description('check a watch-list CSV: every bad row named by line; exit code 1 when any row is rejected')
    .argument(
      '<file>',
      'the CSV (columns domain, outlet_or_operation, state_or_actor, kind, source_url, source_date, licence)',
    )
    .option('--json', 'as JSON')
    .action((file: string, o: { json?: boolean }) => {
      const { load: l } = parseRegistryFile(file);
      if (o.json) console.log(toJson(l));
      else {
        printErrors({ files: [l] }, 1000);
        console.log(loadSummary([l]));
      }
      if (l.errors.length) process.exitCode = 1;
    });

  addListOptions(
    reg
      .command('scan')
      .description(
        'run the state-media and news-lookalike detectors on the workspace with these lists and store their findings',
      )
      .option('--protected <file>', 'extra protected-outlet CSV (repeatable)', collect, [])
      .option('--allow <file>', 'extra look-alike allowlist CSV, column domain (repeatable)', collect, [])
      .option('--json', 'print the findings as JSON'),
  ).action(async (o: ListOpts & { protected: string[]; allow: string[]; json?: boolean }, cmd: Command) => {
    const r = load(o);
    if (registryErrors(r).length) printErrors(r);
    const common = { defaults: o.defaults, registryFiles: o.registry, reference: o.reference ?? null };
    await withStore(cmd, async (s) => {
      const { runs } = await runDetectors(s, {
        only: ['state-media', 'news-lookalike'],
        command: 'registry scan',
        options: {
          'state-media': common,
          'news-lookalike': { ...common, protectedFiles: o.protected, allowFiles: o.allow },
        },
        log: (m) => console.error(m),
      });
      const findings = runs.flatMap((x) => x.result.findings);
      for (const x of runs) for (const m of x.result.messages) console.error(`${x.detector}: ${m}`);
      if (o.json) console.log(toJson(findings));
      else
        console.log(
          table(
            findings.map((f) => ({ severity: f.severity, kind: f.kind, title: f.title, id: f.id })),
            ['severity', 'kind', 'title', 'id'],
            90,
          ) || 'no findings',
        );
    });
  });
}
