import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { StoredAlert } from '../store/attacks.js';
import { triage } from './triage.js';
import { buildDigest } from './digest.js';

let n = 0;
function alert(p: Partial<StoredAlert>): StoredAlert {
  n++;
  return {
    alertId: `a${String(n).padStart(3, '0')}`,
    scenario: 'ssh-bf',
    groupby: 'ip',
    key: p.ip ?? '192.0.2.1',
    ip: '192.0.2.1',
    ips: [p.ip ?? '192.0.2.1'],
    users: [],
    values: [],
    uas: [],
    paths: [],
    services: [],
    firstTime: Date.UTC(2024, 2, 1, 10),
    lastTime: Date.UTC(2024, 2, 1, 10, 5),
    events: 6,
    suppressed: 0,
    lastActivity: Date.UTC(2024, 2, 1, 10, 5),
    severity: 'medium',
    confidence: 0.5,
    techniques: ['T1110.001'],
    traits: [],
    country: 'XX',
    asn: 64500,
    org: 'Example',
    hosting: false,
    tor: false,
    sourceIds: [1],
    evidence: [],
    ...p,
  };
}

describe('triage', () => {
  test('alerts of one address become one incident; other addresses stay apart', () => {
    const inc = triage([
      alert({ ip: '198.51.100.1', scenario: 'ssh-bf', traits: ['burst'] }),
      alert({ ip: '198.51.100.1', scenario: 'ssh-slow-bf', traits: ['burst'] }),
      alert({ ip: '203.0.113.9', asn: 64501 }),
    ]);
    assert.equal(inc.length, 2);
    assert.deepEqual(inc.map((i) => i.alerts.length).sort(), [1, 2]);
  });

  test('one /24 within the gap, the addresses of a /24 alert, and the same tool from one AS are joined', () => {
    const t = Date.UTC(2024, 2, 1, 10);
    const inc = triage([
      alert({ ip: '198.51.100.1', firstTime: t, lastTime: t, lastActivity: t }),
      alert({
        ip: '198.51.100.77',
        firstTime: t + 600_000,
        lastTime: t + 600_000,
        lastActivity: t + 600_000,
      }),
      alert({
        ip: '198.51.100.200',
        firstTime: t + 86_400_000,
        lastTime: t + 86_400_000,
        lastActivity: t + 86_400_000,
      }),
      alert({
        ip: '192.0.2.5',
        asn: 64999,
        uas: ['evilbot/1.0'],
        firstTime: t,
        lastTime: t,
        lastActivity: t,
      }),
      alert({
        ip: '203.0.113.5',
        asn: 64999,
        uas: ['evilbot/1.0'],
        firstTime: t + 3_600_000,
        lastTime: t + 3_600_000,
        lastActivity: t + 3_600_000,
      }),
    ]);
    const sizes = inc.map((i) => i.ips.join(',')).sort();
    assert.deepEqual(sizes, ['192.0.2.5,203.0.113.5', '198.51.100.1,198.51.100.77', '198.51.100.200']);
  });

  test('scoring: a compromise with staff names is targeted and critical; CVE spraying is commodity', () => {
    const [top, ...rest] = triage(
      [
        alert({
          ip: '198.51.100.9',
          scenario: 'http-cve-probe',
          traits: ['commodity', 'exploit'],
          severity: 'medium',
        }),
        alert({
          ip: '203.0.113.7',
          scenario: 'password-spraying',
          traits: ['spraying'],
          users: ['j.dupont@campaign.example', 'admin'],
          severity: 'high',
        }),
        alert({
          ip: '203.0.113.7',
          scenario: 'success-after-failures',
          traits: ['compromise'],
          severity: 'critical',
          users: ['j.dupont'],
        }),
      ],
      { staff: ['j.dupont', 'press@campaign.example'] },
    );
    assert.equal(top.class, 'targeted');
    assert.equal(top.severity, 'critical');
    assert.equal(top.score, 5 + 3 + 2);
    assert.deepEqual(top.staffHit, ['j.dupont', 'j.dupont@campaign.example']);
    assert.ok(top.reasons.some((r) => r.text.includes('possible compromise')));
    assert.equal(rest[0].class, 'commodity');
    assert.equal(rest[0].severity, 'low');
    assert.ok(rest[0].reasons.some((r) => r.points < 0 && r.text.startsWith('CVE spraying')));
  });

  test('deterministic: the same alerts in any order give the same incidents', () => {
    const as = [
      alert({ ip: '198.51.100.1' }),
      alert({ ip: '198.51.100.2' }),
      alert({ ip: '203.0.113.1', traits: ['low-and-slow'] }),
    ];
    const a = triage(as).map((i) => [i.id, i.score]);
    const b = triage([...as].reverse()).map((i) => [i.id, i.score]);
    assert.deepEqual(a, b);
  });
});

describe('digest', () => {
  test('counts per day, country and scenario; top incidents of the day; the caveat', () => {
    const alerts = [
      alert({ ip: '198.51.100.1', country: 'AA' }),
      alert({
        ip: '203.0.113.7',
        country: 'BB',
        scenario: 'success-after-failures',
        traits: ['compromise'],
        severity: 'critical',
      }),
    ];
    const d = buildDigest(
      [
        { day: '2024-03-01', sourceId: 1, family: 'ssh', kind: 'auth_failure', country: 'AA', events: 300 },
        { day: '2024-03-01', sourceId: 1, family: 'http', kind: 'http_request', country: 'BB', events: 12 },
        { day: '2024-03-02', sourceId: 1, family: 'http', kind: 'http_request', country: 'AA', events: 5 },
      ],
      alerts,
      triage(alerts),
      { top: 1, dataVersion: 'test 1' },
    );
    assert.equal(d.days.length, 2);
    const [day1] = d.days;
    assert.equal(day1.events, 312);
    assert.equal(day1.alerts, 2);
    assert.equal(day1.incidents, 2);
    assert.equal(day1.targeted, 1);
    assert.equal(day1.top.length, 1);
    assert.deepEqual(day1.top[0].scenarios, ['success-after-failures']);
    assert.deepEqual(
      day1.byCountry.map((c) => c.country),
      ['AA', 'BB'],
    );
    assert.equal(d.days[1].incidents, 0);
    assert.ok(d.caveats[0].includes('where traffic comes from, not who sent it'));
    assert.equal(buildDigest([], alerts, triage(alerts), { day: '2024-03-01' }).days.length, 1);
  });
});
