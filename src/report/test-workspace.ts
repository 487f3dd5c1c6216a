/**
 * A small real workspace for the report's tests, built with the project's own demo generators
 * and commands (synthetic election week, demo leak dump, demo campaign logs), plus hostile
 * records written through the ordinary store API: a post, an account, a mail subject and a
 * log line carrying script tags, event handlers, javascript: links and bidi overrides, and a
 * finding of a detector the report does not know that points at all of them.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeElectionWeek } from '../synth/index.js';
import { openStore } from '../store/index.js';
import type { Store } from '../store/store.js';
import { ingestFiles } from '../ingest/ingest.js';
import { writeAttackDemo } from '../attacks/demo.js';
import { runDetectors } from '../detectors/run.js';
import { findingId, type Finding } from '../findings/finding.js';
import { buildProgram } from '../cli/main.js';

export const HOSTILE = {
  script: '<script>alert(1)</script>',
  img: '<img src=x onerror=alert(2)>',
  js: 'javascript:alert(3)',
  svg: '<svg onload=alert(4)>',
  bidi: 'invoice\u202Egpj.exe',
  isolate: 'a\u2066b\u2069c',
  control: 'bell\u0007nul\u0000esc\u001b[31m',
};
const HOSTILE_TEXT = `${HOSTILE.script} ${HOSTILE.img} see ${HOSTILE.js} ${HOSTILE.bidi} ${HOSTILE.isolate} ${HOSTILE.control} "quoted' &amp;`;

export const HOSTILE_POST_ID = '999000000000000001';
export const HOSTILE_ACCOUNT_ID = '999000001';

function hostilePosts(): string {
  const base = Date.parse('2017-05-03T12:00:00Z');
  const lines: string[] = [];
  for (let i = 0; i < 3; i++) {
    const t = new Date(base + i * 60_000);
    const id = String(BigInt(HOSTILE_POST_ID) + BigInt(i));
    lines.push(
      JSON.stringify({
        created_at: t.toUTCString().replace(/^(\w+), (\d+) (\w+) (\d+) (.*) GMT$/, '$1 $3 $2 $5 +0000 $4'),
        id_str: id,
        text: `${HOSTILE_TEXT} #${i}`,
        source: `<a href="${HOSTILE.js}">${HOSTILE.script}</a>`,
        user: {
          id_str: HOSTILE_ACCOUNT_ID,
          name: `${HOSTILE.svg} ${HOSTILE.bidi}`,
          screen_name: `x${HOSTILE.img}`,
          description: HOSTILE.script,
          created_at: 'Thu Mar 22 10:52:43 +0000 2012',
          followers_count: 1,
          friends_count: 1,
          statuses_count: 3,
        },
        entities: {
          hashtags: [],
          user_mentions: [],
          urls: [{ url: HOSTILE.js, expanded_url: HOSTILE.js, display_url: HOSTILE.js }],
        },
        lang: 'en',
        timestamp_ms: String(t.getTime()),
      }),
    );
  }
  return lines.join('\n') + '\n';
}

async function addHostileRecords(store: Store): Promise<void> {
  const leaks = store.leaks();
  await leaks.beginDump({
    dumpId: 'hostile-dump',
    label: HOSTILE.svg,
    inputs: ['x'],
    leakDate: null,
    theftDate: null,
  });
  await leaks.writeBatch({
    dumpId: 'hostile-dump',
    files: [],
    documents: [],
    messages: [
      {
        msgKey: `mail/${HOSTILE.script}.eml`,
        sha256: 'a'.repeat(64),
        size: 100,
        date: Date.parse('2017-05-04T10:00:00Z'),
        from: `${HOSTILE.img}@example.org`,
        fromDomain: 'example.org',
        to: 'x@example.org',
        subject: `Re: ${HOSTILE.script} ${HOSTILE.bidi}`,
        messageId: '<1@example.org>',
        verdict: 'unsigned',
        explanation: HOSTILE.img,
        signatures: [],
        flags: [],
        arcStatus: 'none',
        arcReason: '',
        verifiedAsOf: Date.parse('2017-05-06T00:00:00Z'),
      },
    ],
  });
  await leaks.finishDump('hostile-dump', 'done', { messages: 1 });
  const lineTime = Date.parse('2017-05-04T10:00:00Z');
  await store.attacks().saveAlerts([
    {
      alertId: 'hostile-alert-1',
      scenario: 'web-scan',
      groupby: 'ip',
      key: '203.0.113.66',
      ip: '203.0.113.66',
      ips: ['203.0.113.66'],
      users: [],
      values: [],
      uas: [HOSTILE.script],
      paths: [`/${HOSTILE.img}`],
      services: ['web'],
      firstTime: lineTime,
      lastTime: lineTime,
      events: 1,
      suppressed: 0,
      lastActivity: lineTime,
      severity: 'low',
      confidence: 0.3,
      techniques: ['T1595'],
      traits: [],
      country: '',
      asn: 0,
      org: '',
      hosting: false,
      tor: false,
      sourceIds: [1],
      evidence: [
        {
          sourceId: 1,
          line: 999999,
          offset: 0,
          time: lineTime,
          raw: `203.0.113.66 - - [04/May/2017:10:00:00 +0000] "GET /${HOSTILE.script} HTTP/1.1" 404 0 "${HOSTILE.js}" "${HOSTILE.img} ${HOSTILE.bidi}"`,
          sha256: 'b'.repeat(64),
        },
      ],
    },
  ]);
  const f: Finding = {
    id: findingId('hostile-fixture', 'narrative', HOSTILE_POST_ID),
    kind: `narrative ${HOSTILE.svg}`,
    channel: 'narratives',
    title: `Narrative ${HOSTILE.script} ${HOSTILE.bidi}`,
    summary: `Carried by ${HOSTILE.img} via ${HOSTILE.js} ${HOSTILE.control}`,
    severity: 'high',
    confidence: 0.42,
    confidenceMethod: `fixture ${HOSTILE.script}`,
    detector: { name: 'hostile-fixture', version: '0.0.1', parameters: { pattern: HOSTILE.script } },
    evidence: [
      { table: 'posts', key: `x:${HOSTILE_POST_ID}`, role: `sample ${HOSTILE.img}`, note: HOSTILE.js },
      { table: 'accounts', key: `x:${HOSTILE_ACCOUNT_ID}`, role: 'member' },
      { table: 'leak_messages', key: `hostile-dump:mail/${HOSTILE.script}.eml`, role: 'message' },
      { table: 'attack_lines', key: '1:999999', role: 'log line' },
      { table: `unknown_${HOSTILE.script}`, key: HOSTILE.img, role: 'unknown table' },
    ],
    techniques: ['T0049'],
    caveats: [`fixture caveat ${HOSTILE.script} ${HOSTILE.bidi}`],
    details: { first: '2017-05-03T12:00:00.000Z', url: HOSTILE.js },
    createdAt: new Date().toISOString(),
  };
  await store.saveFindings([f], 'fixture');
}

export interface TestWorkspace {
  db: string;
  staff: string;
  paths: string;
}

/** Detector options a re-run needs to reproduce the first run (attack triage lists). */
export function detectorOptions(w: TestWorkspace): Record<string, Record<string, unknown>> {
  return { 'attack-triage': { staffFile: w.staff, pathsFile: w.paths } };
}

/**
 * Build the workspace in `dir` (about 10 s on the 2-core VM). `hostile: false` leaves out the
 * hostile records (for byte-level comparisons of two builds).
 */
export async function buildTestWorkspace(
  dir: string,
  o: { posts?: number; seed?: number; hostile?: boolean } = {},
): Promise<TestWorkspace> {
  const seed = o.seed ?? 2017;
  const db = join(dir, 'vigie.duckdb');
  const week = await writeElectionWeek(dir, { posts: o.posts ?? 3000, seed, formats: ['x-v1'], gzip: true });
  const inputs = [week.files['x-v1']!];
  if (o.hostile !== false) {
    const hostile = join(dir, 'hostile.x-v1.jsonl');
    writeFileSync(hostile, hostilePosts());
    inputs.push(hostile);
  }
  let store = await openStore(db);
  try {
    await ingestFiles(store, inputs, { format: 'x-v1' });
  } finally {
    await store.close();
  }
  const vigie = (args: string[]) => buildProgram().parseAsync(['node', 'vigie', '--db', db, ...args]);
  const log = console.log;
  console.log = () => undefined; // the commands' own progress lines are noise in test output
  let logs;
  try {
    await vigie(['leaks', 'demo', '--dir', join(dir, 'leak'), '--seed', String(seed)]);
    logs = await writeAttackDemo(join(dir, 'logs'), { seed, webPerDay: 800 });
    await vigie([
      'attacks',
      'ingest',
      logs.access,
      logs.mail,
      logs.auth,
      '--no-enrich',
      '--staff',
      logs.staff,
      '--paths',
      logs.paths,
    ]);
  } finally {
    console.log = log;
  }
  const w = { db, staff: logs.staff, paths: logs.paths };
  store = await openStore(db);
  try {
    if (o.hostile !== false) await addHostileRecords(store);
    await runDetectors(store, { seed, options: detectorOptions(w) });
  } finally {
    await store.close();
  }
  return w;
}
