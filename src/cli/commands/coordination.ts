/**
 * Coordination commands: `vigie explain-pair A B` (the evidence behind one edge) and
 * `vigie coordination export` (edges and clusters as CSV/JSONL, the graph as GEXF/GraphML).
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Option, type Command } from 'commander';
import {
  detectDetailed,
  explainPair,
  formatPairExplanation,
  writeClustersCsv,
  writeClustersJsonl,
  writeEdgesCsv,
  writeEdgesJsonl,
  writeGexf,
  writeGraphml,
} from '../../detectors/coordination/index.js';
import { intArg, numArg, withStore } from '../context.js';
import { toJson } from '../output.js';

const EXPORTS = ['edges-csv', 'edges-jsonl', 'clusters-csv', 'clusters-jsonl', 'gexf', 'graphml'] as const;

export function register(program: Command): void {
  program
    .command('explain-pair')
    .description(
      'the evidence behind one coordination edge: per layer, the shared objects with times and deltas, p and q values',
    )
    .argument('<a>', 'account key platform:account_id (e.g. x:123456)')
    .argument('<b>', 'the other account key')
    .option('--fdr <q>', 'false discovery rate the edge is judged at', numArg)
    .option('--objects <n>', 'shared objects listed per layer', intArg, 20)
    .option('--json', 'as JSON')
    .action(
      async (a: string, b: string, o: { fdr?: number; objects: number; json?: boolean }, cmd: Command) => {
        await withStore(cmd, async (s) => {
          const e = await explainPair(s, a, b, {
            objects: o.objects,
            ...(o.fdr !== undefined ? { fdr: o.fdr } : {}),
          });
          console.log(o.json ? toJson(e) : formatPairExplanation(e));
        });
      },
    );

  const coord = program
    .command('coordination')
    .description('coordinated-behaviour graph: exports for Gephi and other tools');
  coord
    .command('export')
    .description('run coordination detection and write the significant account graph and its clusters')
    .option('--out <dir>', 'output folder', 'vigie-export')
    .addOption(
      new Option('--what <list>', `comma-separated: ${EXPORTS.join(', ')}`).default(EXPORTS.join(',')),
    )
    .option('--fdr <q>', 'false discovery rate (default 0.01)', numArg)
    .option('--seed <n>', 'seed for community detection', intArg, 1)
    .action(async (o: { out: string; what: string; fdr?: number; seed: number }, cmd: Command) => {
      const what = o.what.split(',').map((x) => x.trim());
      const unknown = what.filter((w) => !(EXPORTS as readonly string[]).includes(w));
      if (unknown.length) throw new Error(`unknown export ${unknown.join(', ')} (${EXPORTS.join(', ')})`);
      await withStore(cmd, async (s) => {
        const r = await detectDetailed(
          { store: s, runId: randomUUID(), seed: o.seed, log: (m) => process.stderr.write(m + '\n') },
          o.fdr !== undefined ? { fdr: o.fdr } : {},
        );
        const dir = resolve(o.out);
        mkdirSync(dir, { recursive: true });
        const writers: Record<string, [string, (p: string) => Promise<number>]> = {
          'edges-csv': ['edges.csv', (p) => writeEdgesCsv(p, r.graph)],
          'edges-jsonl': ['edges.jsonl', (p) => writeEdgesJsonl(p, r.graph)],
          'clusters-csv': ['clusters.csv', (p) => writeClustersCsv(p, r.graph)],
          'clusters-jsonl': ['clusters.jsonl', (p) => writeClustersJsonl(p, r.graph)],
          gexf: ['coordination.gexf', (p) => writeGexf(p, r.graph)],
          graphml: ['coordination.graphml', (p) => writeGraphml(p, r.graph)],
        };
        for (const w of what) {
          const [name, write] = writers[w];
          const n = await write(join(dir, name));
          console.log(`${join(dir, name)}: ${n} records`);
        }
        for (const m of r.messages) console.log(`note: ${m}`);
      });
    });
}
