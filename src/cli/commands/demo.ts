/**
 * `vigie demo`: a synthetic election week with planted coordinated swarms, analysed end to
 * end, then scored against the generator's ground truth so the user sees what vigie found,
 * what it missed, and where to look next.
 */
import { isCoordinationCluster } from '../../detectors/coordination/clusters.js';
import { existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeElectionWeek, scoreClusters } from '../../synth/index.js';
import { openStore } from '../../store/index.js';
import { runDetectors, type DetectorRun } from '../../detectors/run.js';
import { progressSink } from '../progress.js';
import { ingestFiles } from '../../ingest/ingest.js';
import { summariseIngest } from './ingest.js';
import { table } from '../output.js';
import { writeAttackDemo } from '../../attacks/demo.js';
import { DETECTORS } from '../../detectors/index.js';
import { demoSmearFile, formatSmearScore, scoreSmear } from '../../narratives/demo.js';
import { writeReport } from '../../report/index.js';

export interface DemoOptions {
  dir: string;
  posts: number;
  seed: number;
  db?: string;
  /** Runs a vigie subcommand on the demo workspace (the demo is a script of real commands). */
  vigie: (args: string[]) => Promise<void>;
}

/** Member account ids (without platform prefix) of every coordination cluster finding. */
function clusterMembers(details: Record<string, unknown> | undefined): string[] | null {
  const m = details?.members;
  if (!Array.isArray(m)) return null;
  return m.map((x) =>
    String(typeof x === 'object' && x !== null ? ((x as { account?: string }).account ?? '') : x).replace(
      /^[^:]+:/,
      '',
    ),
  );
}

/** The two accounts of a cluster's strongest edge (two members need not share an edge). */
function strongestPair(details: Record<string, unknown> | undefined): string[] {
  const p = (details?.strongestPairs as { a?: string; b?: string }[] | undefined)?.[0];
  return p?.a && p?.b ? [p.a, p.b] : [];
}

export async function runDemo(o: DemoOptions): Promise<void> {
  const dir = resolve(o.dir);
  const db = o.db ?? join(dir, 'vigie.duckdb');
  // A demo is reproducible: start from an empty workspace every time.
  for (const f of [db, `${db}.wal`]) if (existsSync(f)) rmSync(f);
  const log = (m: string) => process.stderr.write(m + '\n');

  log(`generating a synthetic election week (${o.posts} posts, seed ${o.seed}) in ${dir} ...`);
  // The planted smear narrative (state outlet -> look-alike site -> swarm) rides along.
  const week = await writeElectionWeek(dir, {
    posts: o.posts,
    seed: o.seed,
    formats: ['x-v1'],
    gzip: true,
    smear: true,
  });
  const input = week.files['x-v1']!;
  log(
    `  ${week.stats.posts ?? o.posts} posts by ${week.stats.accounts} accounts; ${week.stats.swarms} swarms planted ` +
      `(${week.stats.swarmMembers} accounts; the answer key is ${week.files.truth})`,
  );

  let store = await openStore(db);
  try {
    const sink = progressSink('auto');
    const results = await ingestFiles(store, [input], { onProgress: (p) => sink.update(p) });
    sink.stop();
    console.log(summariseIngest(results));
    console.log('');
    // Leaks and attacks go through their own commands, exactly as a user would run them.
    await store.close();
    console.log(
      '\n== hack-and-leak: a small mail dump with authentic, altered, forged and unsigned messages',
    );
    await o.vigie(['--db', db, 'leaks', 'demo', '--dir', join(dir, 'leak'), '--seed', String(o.seed)]);
    console.log("\n== infrastructure: a week of a campaign's web, mail and SSH logs");
    const logs = await writeAttackDemo(join(dir, 'logs'), { seed: o.seed });
    await o.vigie([
      '--db', db, 'attacks', 'ingest', logs.access, logs.mail, logs.auth, '--staff', logs.staff, '--paths', logs.paths,
    ]); // prettier-ignore
    console.log('\n== look-alike domains of the campaign among observed domains');
    await o.vigie([
      '--db',
      db,
      'lookalikes',
      '--brands',
      logs.brands,
      '--observed',
      logs.observed,
      '--min-tier',
      'medium',
    ]);
    console.log(
      '\n== narratives: the smear definition matched across languages (the detector reports it below)',
    );
    await o.vigie(['--db', db, 'narratives', 'match', '--file', demoSmearFile()]);
    console.log('\n== coordinated behaviour and narratives');
    store = await openStore(db);
    const { runs } = await runDetectors(store, {
      seed: o.seed,
      command: 'demo',
      log,
      // attack-triage already ran inside `attacks ingest`, with the staff and path lists.
      only: DETECTORS.map((d) => d.name).filter((n) => n !== 'attack-triage'),
    });
    for (const r of runs as DetectorRun[]) {
      console.log(
        `${r.detector} ${r.version}: ${r.result.findings.length} findings in ${r.seconds.toFixed(1)} s`,
      );
      for (const m of r.result.messages) console.log(`  note: ${m}`);
    }
    const findings = await store.listFindings();
    console.log('\n== findings per channel (top 3 each, most severe first; `vigie findings` lists them all)');
    const channels = [...new Set(findings.map((f) => f.channel))];
    for (const ch of channels) {
      const of = findings.filter((f) => f.channel === ch);
      console.log(`\n${ch}: ${of.length} findings`);
      console.log(
        table(
          of.slice(0, 3).map((f) => ({
            severity: f.severity,
            confidence: f.confidence.toFixed(2),
            kind: f.kind,
            title: f.title,
            evidence: f.evidence.length,
          })),
          undefined,
          90,
        ),
      );
    }
    if (findings.length === 0) console.log('no findings');

    const clusters = findings
      .filter(isCoordinationCluster)
      .map((f) => clusterMembers(f.details))
      .filter((m): m is string[] => m !== null && m.length > 0);
    if (clusters.length) {
      const s = scoreClusters(week.truth, clusters);
      console.log('');
      console.log(
        `Against the answer key: ${clusters.length} clusters flag accounts with precision ${s.precision.toFixed(3)} ` +
          `and recall ${s.recall.toFixed(3)} over the ${week.stats.swarmMembers} planted swarm accounts.`,
      );
    }
    if (week.truth.smear) {
      console.log('');
      for (const l of formatSmearScore(scoreSmear(week.truth.smear, findings), week.truth.smear))
        console.log(l);
    }
    const top = findings.find(isCoordinationCluster);
    // `npx vigie` works from the project folder without a global install.
    const dbArg = o.db ? `--db ${o.db}` : `--db ${db}`;
    console.log('\nWhat to look at next:');
    console.log(`  npx vigie ${dbArg} findings                 every finding, most severe first`);
    if (top)
      console.log(`  npx vigie ${dbArg} findings --json | less   the evidence, method and caveats of each`);
    const pair = top ? strongestPair(top.details) : [];
    if (pair.length === 2)
      console.log(
        `  npx vigie ${dbArg} explain-pair ${pair[0]} ${pair[1]}   why two accounts of the top cluster are linked`,
      );
    if (top)
      console.log(
        `  npx vigie ${dbArg} coordination export --out ${join(dir, 'graph')}   the graph for Gephi (GEXF)`,
      );
    console.log(`  npx vigie ${dbArg} status                   what was ingested, with file hashes`);
    if (week.truth.smear)
      console.log(
        `  npx vigie ${dbArg} narratives show ${week.truth.smear.narrativeId}   the smear: volume, origin, carriers, domains`,
      );
    console.log(
      `  npx vigie ${dbArg} leaks report --dump leaks-demo   one verdict per message, with what it proves`,
    );
    console.log(
      `  npx vigie ${dbArg} attacks digest           the morning digest: which few incidents matter`,
    );
    console.log(
      `  npx vigie ${dbArg} serve                    the dashboard and API on http://127.0.0.1:8377/`,
    );
    console.log(`  ${week.files.truth}   the planted swarms, to compare`);
    console.log(
      `  ${(await writeReport(store, { out: join(dir, 'report.html') })).html}   the briefing (open in a browser; \`vigie report --help\`)`,
    );
  } finally {
    await store.close();
  }
}
