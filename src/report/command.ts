/** The `vigie report` command (registered in src/cli/commands/index.ts). */
import { Option, type Command } from 'commander';
import { withStore } from '../cli/context.js';
import { toJson } from '../cli/output.js';
import { LANGS, type Lang } from './i18n.js';
import { writeReport } from './index.js';
import { buildManifest } from './manifest.js';

interface ReportCliOptions {
  out: string;
  lang: Lang;
  pdf?: string | boolean;
  manifest?: string | boolean;
  title?: string;
}

export function register(program: Command): void {
  program
    .command('report')
    .description(
      'write the briefing: one self-contained HTML file (no script, no network) with the executive summary, ' +
        'a section per channel, charts, the cluster network, evidence down to raw records, method, versions and input hashes',
    )
    .option('--out <file>', 'the HTML file to write', 'report.html')
    .addOption(new Option('--lang <lang>', 'language of the briefing').choices([...LANGS]).default('en'))
    .option(
      '--pdf [file]',
      'also print it to PDF through headless Chromium (default: the --out name with .pdf)',
    )
    .option(
      '--manifest [file]',
      'also write the reproducibility manifest (input hashes, parameters, versions, findings digest) as JSON; without a file, print it and write no report',
    )
    .option('--title <text>', 'title of the briefing')
    .addHelpText(
      'after',
      '\nExamples:\n  vigie report --out briefing.html --lang fr\n  vigie report --pdf --manifest manifest.json\n  vigie report --manifest > manifest.json\n\nSee docs/report.md.',
    )
    .action(async (o: ReportCliOptions, cmd: Command) => {
      await withStore(cmd, async (s) => {
        if (o.manifest === true) {
          console.log(toJson(await buildManifest(s)));
          return;
        }
        const r = await writeReport(s, {
          out: o.out,
          lang: o.lang,
          pdf: o.pdf,
          manifest: typeof o.manifest === 'string' ? o.manifest : undefined,
          title: o.title,
        });
        console.log(`report written to ${r.html} (${r.findings} findings)`);
        if (r.pdf) console.log(`PDF written to ${r.pdf}`);
        if (r.manifest) console.log(`manifest written to ${r.manifest}`);
      });
    });
}
