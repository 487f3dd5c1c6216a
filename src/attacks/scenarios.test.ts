/**
 * Golden fixtures for every scenario, in the style of CrowdSec's hub tests: each folder
 * rules/scenarios/tests/<scenario>/ holds `input.log`, `config.yaml` (format, year,
 * enrich) and `expected.json` (the alerts that scenario must raise: group key, events, and
 * the lines of the evidence). Other scenarios may fire on the same log; only the folder's
 * own scenario is compared. `TEST_SCENARIO=<name>` runs one folder; `UPDATE_GOLDEN=1` rewrites
 * expected.json (review the diff).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { loadScenarios, rulesDir } from './scenario.js';
import { ScenarioEngine, type Alert } from './engine.js';
import { Enricher } from './enrich.js';
import { readLogFile, type LogFormat } from '../logs/read.js';

const scenarios = loadScenarios();
const testsDir = join(rulesDir(), 'scenarios', 'tests');
const only = process.env.TEST_SCENARIO;
let enricher: Enricher | null = null;
const folders = readdirSync(testsDir)
  .filter((f) => statSync(join(testsDir, f)).isDirectory())
  .sort();

interface Expected {
  key: string;
  events: number;
  lines: number[];
}

function summarise(a: Alert): Expected {
  return { key: a.key, events: a.events, lines: a.evidence.map((e) => e.line) };
}

test('every scenario has a fixture folder, and every folder names a scenario', () => {
  assert.deepEqual(
    scenarios.map((s) => s.name).filter((n) => !folders.includes(n)),
    [],
    'scenarios without a fixture',
  );
  assert.deepEqual(
    folders.filter((f) => !scenarios.some((s) => s.name === f)),
    [],
    'fixtures without a scenario',
  );
});

for (const name of folders) {
  if (only && !name.includes(only)) continue;
  test(`scenario fixture ${name}`, async () => {
    const dir = join(testsDir, name);
    const cfg = (parseYaml(readFileSync(join(dir, 'config.yaml'), 'utf8')) ?? {}) as {
      format?: LogFormat;
      year?: number;
      enrich?: boolean;
    };
    if (cfg.enrich && !enricher) enricher = await Enricher.create({ ipv6: false });
    const engine = new ScenarioEngine(scenarios, cfg.enrich ? enricher : null);
    const res = await readLogFile(
      join(dir, 'input.log'),
      { event: (e) => engine.push(e), reject: () => undefined },
      {
        format: cfg.format,
        year: cfg.year,
      },
    );
    assert.equal(res.rejected, 0, 'fixture lines must all parse');
    const got = engine.alerts.filter((a) => a.scenario === name).map(summarise);
    const file = join(dir, 'expected.json');
    if (process.env.UPDATE_GOLDEN || !existsSync(file))
      writeFileSync(file, JSON.stringify(got, null, 2) + '\n');
    const want = JSON.parse(readFileSync(file, 'utf8')) as Expected[];
    assert.ok(want.length > 0, 'a fixture must show its scenario firing');
    assert.deepEqual(got, want);
  });
}
