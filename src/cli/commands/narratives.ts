/**
 * Narrative commands: `vigie narratives match --file f.yaml` (validate, check examples, match
 * every post, store), `list`, `show <id>` (volume, origins, clusters, domains, languages),
 * `check --file` (validation and examples only, no workspace) and `discover` (candidate
 * narratives from near-duplicate groups, optionally as a YAML skeleton).
 */
import type { Command } from 'commander';
import {
  candidatesYaml,
  discoverNarratives,
  loadNarrativeFile,
  matchWorkspace,
  narrativeReport,
  NarrativeMatcher,
  toStored,
} from '../../narratives/index.js';
import { VigieError } from '../../util/errors.js';
import { intArg, withStore } from '../context.js';
import { safeText, table, toJson } from '../output.js';

const iso = (ms: number | null) =>
  ms === null || !Number.isFinite(ms) ? '' : new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

function excerpt(s: string | null, n = 80): string {
  const t = safeText(s ?? '').replace(/\s+/g, ' ');
  return t.length > n ? t.slice(0, n - 1) + '…' : t;
}

/** Load a file and run its examples; throws ERR_INPUT listing the failing examples. */
function loadChecked(path: string, allowFailingExamples: boolean) {
  const file = loadNarrativeFile(path);
  const failures = new NarrativeMatcher(file.narratives).checkExamples();
  if (failures.length) {
    const lines = failures.map(
      (f) =>
        `${f.at}: example of ${f.narrative} should ${f.expected ? '' : 'not '}match${f.terms.length ? ` (matched ${f.terms.join(', ')})` : ''}: ${excerpt(f.text, 60)}`,
    );
    if (!allowFailingExamples)
      throw new VigieError(
        'ERR_INPUT',
        `${failures.length} example(s) do not behave as declared:\n${lines.join('\n')}`,
      );
    for (const l of lines) process.stderr.write(`warning: ${l}\n`);
  }
  return file;
}

export function register(program: Command): void {
  const nar = program
    .command('narratives')
    .description(
      'narratives: define them in YAML, match them across languages, see who carried them, discover new ones',
    )
    .addHelpText(
      'after',
      `
Examples:
  vigie narratives check --file data/narratives/demo-smear.yaml
  vigie narratives match --file my-narratives.yaml
  vigie narratives list
  vigie narratives show offshore-smear --json
  vigie narratives discover --top 5 --yaml > candidates.yaml

The YAML format, normalisation and matching rules are in docs/narratives.md.`,
    );

  nar
    .command('check')
    .description('validate a narrative file and run its examples (no workspace needed)')
    .requiredOption('--file <yaml>', 'narrative definitions (YAML)')
    .action((o: { file: string }) => {
      const file = loadChecked(o.file, false);
      const m = new NarrativeMatcher(file.narratives);
      const examples = file.narratives.reduce((a, n) => a + n.examples.length, 0);
      console.log(
        `${o.file}: ${file.narratives.length} narratives, ${m.termCount} terms, ${examples} examples behave as declared`,
      );
    });

  nar
    .command('match')
    .description(
      'match every post of the workspace against the narratives of a YAML file and store the matches',
    )
    .requiredOption('--file <yaml>', 'narrative definitions (YAML)')
    .option(
      '--allow-failing-examples',
      'warn instead of stopping when an example does not behave as declared',
    )
    .option('--json', 'print the run statistics as JSON')
    .option(
      '--workers <n>',
      'worker threads for workspaces over 100,000 posts; 0 matches in this thread (default: none on 2 cores or fewer, where this thread is fastest; else one per core besides the reader, at most 4)',
      intArg,
    )
    .action(
      async (
        o: { file: string; allowFailingExamples?: boolean; json?: boolean; workers?: number },
        cmd: Command,
      ) => {
        const file = loadChecked(o.file, !!o.allowFailingExamples);
        await withStore(cmd, async (s) => {
          const r = await matchWorkspace(s, file.narratives, {
            workers: o.workers,
            save: toStored(file.narratives, file.path, file.sha256),
            log: (m) => process.stderr.write(m + '\n'),
          });
          if (o.json) {
            console.log(toJson(r));
            return;
          }
          console.log(
            `${r.posts} posts (${r.postsWithText} with text) matched against ${file.narratives.length} narratives in ${r.seconds.toFixed(2)} s: ${r.matches} matches`,
          );
          console.log(table(Object.entries(r.perNarrative).map(([id, posts]) => ({ narrative: id, posts }))));
        });
      },
    );

  nar
    .command('list')
    .description('stored narratives with their matched posts, accounts and time span')
    .option('--json', 'as JSON')
    .action(async (o: { json?: boolean }, cmd: Command) => {
      await withStore(cmd, async (s) => {
        const rows = await s.narratives().summaries();
        if (o.json) return console.log(toJson(rows));
        if (rows.length === 0)
          return console.log('no narratives yet: vigie narratives match --file <narratives.yaml>');
        console.log(
          table(
            rows.map((r) => ({
              id: r.id,
              name: r.name,
              posts: r.posts,
              accounts: r.accounts,
              first: iso(r.firstPost),
              last: iso(r.lastPost),
              languages: r.languages.join(','),
            })),
          ),
        );
      });
    });

  nar
    .command('show')
    .description(
      'one narrative: volume per day and peak hour, origin candidates, carrying clusters, domains, languages, platforms',
    )
    .argument('<id>', 'narrative id (see `vigie narratives list`)')
    .option('--origins <n>', 'origin candidates listed', intArg, 5)
    .option('--hourly', 'print the hourly series instead of the daily one')
    .option('--json', 'as JSON')
    .action(async (id: string, o: { origins: number; hourly?: boolean; json?: boolean }, cmd: Command) => {
      await withStore(cmd, async (s) => {
        const r = await narrativeReport(s, id, { origins: o.origins });
        if (!r)
          throw new VigieError(
            'ERR_NOT_FOUND',
            `no narrative "${id}" in this workspace (vigie narratives list)`,
          );
        if (o.json) return console.log(toJson(r));
        const m = r.summary;
        console.log(`${m.id}: ${safeText(m.name)}`);
        console.log(
          `${m.posts} posts by ${m.accounts} accounts, ${iso(m.firstPost)} to ${iso(m.lastPost)} (UTC); defined in ${m.sourceFile}`,
        );
        if (r.peak) console.log(`peak: ${r.peak.posts} posts in the hour from ${iso(r.peak.start)}`);
        console.log(`\n${o.hourly ? 'hourly' : 'daily'} volume:`);
        console.log(
          table(
            (o.hourly ? r.hourly : r.daily).map((p) => ({
              from: iso(p.start),
              posts: p.posts,
              accounts: p.accounts,
            })),
          ),
        );
        console.log('\norigin candidates (earliest matched posts, reposts left out):');
        console.log(
          table(
            r.origins.map((p) => ({
              time: iso(p.time),
              post: `${p.platform}:${p.postId}`,
              account: `${p.platform}:${p.accountId}`,
              lang: p.lang,
              domains: p.domains.join(' '),
              text: excerpt(p.text),
            })),
            undefined,
            80,
          ),
        );
        console.log('\ncoordination clusters that carried it:');
        console.log(
          table(
            r.clusters.map((c) => ({
              cluster: c.findingId,
              size: c.size,
              carriers: c.carriers.length,
              posts: c.posts,
              first: iso(c.first),
              share: `${(c.shareOfPosts * 100).toFixed(0)} %`,
            })),
          ),
        );
        console.log('\ndomains linked:');
        console.log(
          table(
            r.breakdown.domains
              .slice(0, 20)
              .map((d) => ({ domain: d.key, posts: d.posts, accounts: d.accounts, first: iso(d.first) })),
          ),
        );
        console.log('\nlanguages:');
        console.log(
          table(
            r.breakdown.languages.map((d) => ({
              lang: d.key,
              posts: d.posts,
              accounts: d.accounts,
              first: iso(d.first),
            })),
          ),
        );
        console.log('\nplatforms:');
        console.log(
          table(
            r.breakdown.platforms.map((d) => ({
              platform: d.key,
              posts: d.posts,
              accounts: d.accounts,
              first: iso(d.first),
            })),
          ),
        );
        if (r.nearDup.posts)
          console.log(
            `\n${r.nearDup.posts} matched posts by ${r.nearDup.accounts} accounts are near-duplicates (${r.nearDup.groups} groups)`,
          );
      });
    });

  nar
    .command('discover')
    .description(
      'candidate narratives: near-duplicate groups (run `vigie detect --only near-dup` first) with their distinctive words',
    )
    .option('--top <n>', 'candidates listed', intArg, 10)
    .option('--min-posts <n>', 'smallest group considered', intArg, 5)
    .option('--min-accounts <n>', 'fewest distinct accounts in a group', intArg, 3)
    .option('--sort <how>', 'burst (posts per hour, campaigns first) or volume', 'burst')
    .option('--yaml', 'print a YAML skeleton of narrative definitions to edit and match')
    .option('--json', 'as JSON')
    .action(
      async (
        o: {
          top: number;
          minPosts: number;
          minAccounts: number;
          sort: string;
          yaml?: boolean;
          json?: boolean;
        },
        cmd: Command,
      ) => {
        if (o.sort !== 'burst' && o.sort !== 'volume')
          throw new VigieError('ERR_USAGE', `--sort must be burst or volume, got "${o.sort}"`);
        await withStore(cmd, async (s) => {
          const { candidates, messages } = await discoverNarratives(s, {
            top: o.top,
            minPosts: o.minPosts,
            minAccounts: o.minAccounts,
            sort: o.sort as 'burst' | 'volume',
          });
          for (const m of messages) process.stderr.write(`note: ${m}\n`);
          if (o.yaml) return process.stdout.write(candidatesYaml(candidates));
          if (o.json) return console.log(toJson(candidates));
          console.log(
            table(
              candidates.map((c) => ({
                id: c.id,
                posts: c.posts,
                'per hour': c.postsPerHour.toFixed(1),
                groups: c.groupIds.length,
                first: iso(c.first),
                languages: c.languages.map((l) => `${l.lang} ${l.posts}`).join(', '),
                words: c.words.map((w) => w.term).join(' '),
                phrases: c.pairs.map((p) => p.term).join(' | '),
              })),
              undefined,
              70,
            ),
          );
        });
      },
    );
}
