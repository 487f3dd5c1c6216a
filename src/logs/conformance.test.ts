/**
 * Conformance on real logs in ../shared/data/logs (skipped when absent):
 * - fail2ban's labelled lines (fail2ban/fail2ban @ deffcbcd, tests/files/logs; GPL-2.0):
 *   match or no match, and the host, line by line, for sshd, sshd-journal, dovecot, postfix,
 *   nginx-http-auth, apache-auth;
 * - loghub OpenSSH_2k (logpai/loghub @ dd61d095; cite loghub and Zhu et al., ISSRE 2023):
 *   the 24 attacking addresses with their failure counts, and the ones the scenarios flag;
 * - elastic apache_logs (elastic/examples @ 6d86454e; Apache-2.0): parsed with no rejects.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fail2banConformance } from './fail2ban-conformance.js';
import { readLogFile } from './read.js';
import { loadScenarios } from '../attacks/scenario.js';
import { ScenarioEngine } from '../attacks/engine.js';
import { Enricher } from '../attacks/enrich.js';

const repo = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  ...(import.meta.url.includes('/dist/') ? ['..'] : []),
);
const DATA = process.env.VIGIE_REFERENCE_DATA ?? join(repo, '..', 'shared', 'data');
const LOGS = join(DATA, 'logs');
const have = existsSync(LOGS);

for (const [filter, count] of [
  ['sshd', 155],
  ['sshd-journal', 129],
  ['dovecot', 67],
  ['postfix', 63],
  ['nginx-http-auth', 18],
  ['apache-auth', 45],
] as const) {
  test(`fail2ban ${filter}: every labelled line agrees (match and host)`, (t) => {
    if (!have) return t.skip(`reference data not found at ${LOGS}`);
    const cases = fail2banConformance(join(LOGS, 'fail2ban', filter), filter);
    assert.equal(cases.length, count, 'labelled lines read');
    const bad = cases.filter((c) => !c.ok).map((c) => `${c.lineNo}: ${c.why} | ${c.text}`);
    assert.deepEqual(bad, []);
    // Both polarities are exercised.
    assert.ok(cases.some((c) => c.expectMatch) && cases.some((c) => !c.expectMatch));
  });
}

// Per-address failed-login lines in OpenSSH_2k ("Failed ..." and "Invalid user ..." lines).
const LOGHUB_FAILURES: Record<string, number> = {
  '183.62.140.253': 295, '187.141.143.180': 109, '103.99.0.122': 81, '5.188.10.180': 29, '112.95.230.3': 28,
  '185.190.58.151': 25, '52.80.34.196': 10, '123.235.32.19': 7, '119.4.203.64': 7, '195.154.37.122': 5,
  '103.207.39.212': 5, '103.207.39.16': 5, '60.2.12.12': 5, '173.234.31.186': 4, '202.100.179.208': 4,
  '183.136.162.51': 4, '104.192.3.34': 3, '5.36.59.76': 2, '103.207.39.165': 2, '175.102.13.6': 2,
  '106.5.5.195': 2, '181.214.87.4': 2, '88.147.143.242': 2, '191.210.223.172': 1,
}; // prettier-ignore

test('loghub OpenSSH_2k: 24 attacking addresses, their failure counts, and what the scenarios flag', async (t) => {
  const file = join(LOGS, 'loghub', 'OpenSSH_OpenSSH_2k.log');
  if (!existsSync(file)) return t.skip(`reference data not found at ${file}`);
  const perIp = new Map<string, number>();
  let attempts = 0;
  const enricher = await Enricher.create({ ipv6: false });
  const engine = new ScenarioEngine(loadScenarios(), enricher);
  const res = await readLogFile(
    file,
    {
      event: (e) => {
        engine.push(e);
        if (e.kind === 'auth_failure' || e.kind === 'invalid_user') {
          perIp.set(e.ip, (perIp.get(e.ip) ?? 0) + 1);
          attempts += e.count;
        }
      },
      reject: () => undefined,
    },
    { year: 2016 },
  );
  assert.equal(res.rejected, 0);
  assert.deepEqual(
    Object.fromEntries([...perIp].sort()),
    Object.fromEntries(Object.entries(LOGHUB_FAILURES).sort()),
  );
  assert.equal(
    [...perIp.values()].reduce((a, b) => a + b, 0),
    639,
  );
  // Two "message repeated 5 times" lines stand for 4 more attempts each.
  assert.equal(attempts, 647);

  const flagged = (names: string[]) => {
    const ips = new Set<string>();
    for (const a of engine.alerts)
      if (names.includes(a.scenario)) for (const ip of a.ips.length ? a.ips : [a.ip]) ips.add(ip);
    return [...ips].sort();
  };
  // Burst rules in CrowdSec's style flag the fast ones only...
  const burst = flagged(['ssh-bf', 'ssh-slow-bf', 'ssh-user-enum']);
  assert.equal(burst.length, 9);
  // ...the low-and-slow, /24 and AS scenarios find more of the 24 (CrowdSec's hub: 7).
  const all = flagged(engine.scenarios.map((s) => s.name));
  assert.deepEqual(all, [
    '103.207.39.16', '103.207.39.165', '103.207.39.212', '103.99.0.122', '106.5.5.195', '112.95.230.3', '119.4.203.64',
    '123.235.32.19', '183.62.140.253', '185.190.58.151', '187.141.143.180', '195.154.37.122', '5.188.10.180',
    '5.36.59.76', '52.80.34.196', '60.2.12.12',
  ]); // prettier-ignore
  // Found only by the low-and-slow, /24 and AS scenarios:
  assert.deepEqual(
    all.filter((ip) => !burst.includes(ip)),
    [
      '103.207.39.16',
      '103.207.39.165',
      '103.207.39.212',
      '123.235.32.19',
      '195.154.37.122',
      '52.80.34.196',
      '60.2.12.12',
    ],
  );
  assert.ok(
    all.every((ip) => ip in LOGHUB_FAILURES),
    'no address outside the attackers is flagged',
  );
});

test('elastic apache_logs: 10,000 combined lines parsed with no rejects', async (t) => {
  const file = join(LOGS, 'elastic-apache', 'apache_logs');
  if (!existsSync(file)) return t.skip(`reference data not found at ${file}`);
  let events = 0;
  let statuses = 0;
  const res = await readLogFile(file, {
    event: (e) => ((events += 1), (statuses += e.status > 0 ? 1 : 0)),
    reject: () => undefined,
  });
  assert.equal(res.format, 'access');
  assert.equal(res.rejected, 0);
  assert.equal(events, 10_000);
  assert.equal(statuses, 10_000);
  assert.equal(new Date(res.firstTime).toISOString(), '2015-05-17T10:05:00.000Z');
});
