import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LogEvent } from '../logs/event.js';
import { compileScenario } from './scenario.js';
import { ScenarioEngine } from './engine.js';

function ev(
  t: number,
  ip: string,
  kind: LogEvent['kind'] = 'auth_failure',
  user = 'root',
  count = 1,
): LogEvent {
  const e = new LogEvent();
  e.time = t * 1000;
  e.family = 'ssh';
  e.kind = kind;
  e.ip = ip;
  e.user = user;
  e.count = count;
  e.raw = `${t} ${ip} ${kind} ${user}`;
  e.line = t;
  return e;
}

const base = {
  description: 'test',
  references: ['https://example.org'],
  confidence: 0.5,
  severity: 'medium',
  techniques: ['T1110'],
  family: 'ssh',
  filter: { selection: { kind: 'auth_failure' }, condition: 'selection' },
};

function run(doc: Record<string, unknown>, events: LogEvent[]) {
  const s = compileScenario({ name: 'x', ...base, ...doc }, 'test.yaml');
  const eng = new ScenarioEngine([s]);
  for (const e of events) eng.push(e);
  return eng.alerts;
}

describe('leaky bucket (CrowdSec semantics)', () => {
  const leaky = { type: 'leaky', capacity: 5, leakspeed: '10s', blackhole: '1m' };

  test('overflows on the capacity+1-th event of a burst, not before', () => {
    assert.equal(
      run(
        leaky,
        [0, 1, 2, 3, 4].map((t) => ev(t, 'a')),
      ).length,
      0,
    );
    const a = run(
      leaky,
      [0, 1, 2, 3, 4, 5].map((t) => ev(t, 'a')),
    );
    assert.equal(a.length, 1);
    assert.equal(a[0].events, 6);
    assert.deepEqual(
      a[0].evidence.map((e) => e.line),
      [0, 1, 2, 3, 4, 5],
    );
  });

  test('leaks one event per leakspeed: 6 events 10 s apart never overflow, 2.5 s apart do', () => {
    assert.equal(
      run(
        leaky,
        [0, 10, 20, 30, 40, 50, 60].map((t) => ev(t, 'a')),
      ).length,
      0,
    );
    // 2.5 s apart: each gap refills a quarter token; the 7th event finds the bucket empty.
    const slow = run(
      leaky,
      [0, 2.5, 5, 7.5, 10, 12.5, 15, 17.5].map((t) => ev(t, 'a')),
    );
    assert.equal(slow.length, 1);
    assert.equal(slow[0].events, 7);
  });

  test('buckets are per group key', () => {
    const evs = [0, 1, 2, 3, 4, 5].flatMap((t) => [ev(t, 'a'), ev(t, 'b')]);
    assert.deepEqual(
      run(leaky, evs)
        .map((a) => a.key)
        .sort(),
      ['a', 'b'],
    );
  });

  test('blackhole: no second alert within it, suppressed events counted; a new alert after it', () => {
    const evs = Array.from({ length: 30 }, (_, i) => ev(i, 'a'));
    const a = run(leaky, evs);
    assert.equal(a.length, 1);
    assert.equal(a[0].suppressed, 24);
    const later = run(leaky, [...evs, ...Array.from({ length: 6 }, (_, i) => ev(200 + i, 'a'))]);
    assert.equal(later.length, 2);
  });

  test('distinct: repeated values are dropped', () => {
    const d = { ...leaky, distinct: 'user' };
    assert.equal(
      run(
        d,
        [0, 1, 2, 3, 4, 5, 6, 7].map((t) => ev(t, 'a', 'auth_failure', 'root')),
      ).length,
      0,
    );
    const a = run(
      d,
      ['u1', 'u2', 'u3', 'u4', 'u5', 'u6'].map((u, i) => ev(i, 'a', 'auth_failure', u)),
    );
    assert.equal(a.length, 1);
    assert.deepEqual(a[0].values, ['u1', 'u2', 'u3', 'u4', 'u5', 'u6']);
  });

  test('a repeated line ("message repeated 5 times") pours its count', () => {
    const a = run(leaky, [ev(0, 'a', 'auth_failure', 'root', 6)]);
    assert.equal(a.length, 1);
  });
});

describe('window, sequence, trigger', () => {
  test('window: threshold within the window, distinct and max per value', () => {
    const w = { type: 'window', window: '1h', threshold: 4 };
    assert.equal(
      run(
        w,
        [0, 1200, 2400, 3500].map((t) => ev(t, 'a')),
      ).length,
      1,
    );
    assert.equal(
      run(
        w,
        [0, 1300, 2600, 3900].map((t) => ev(t, 'a')),
      ).length,
      0,
    );
    const spray = { type: 'window', window: '1h', threshold: 3, distinct: 'user', max_per_value: 2 };
    assert.equal(
      run(
        spray,
        ['a', 'b', 'c'].map((u, i) => ev(i, 'x', 'auth_failure', u)),
      ).length,
      1,
    );
    const heavy = ['a', 'a', 'a', 'b', 'b', 'b', 'c', 'c', 'c'].map((u, i) => ev(i, 'x', 'auth_failure', u));
    assert.equal(run(spray, heavy).length, 0);
  });

  test('sequence: success after N failures of the same group within the time', () => {
    const seq = {
      type: 'sequence',
      filter: { s: { kind: 'auth_success' }, condition: 's' },
      after: { filter: { f: { kind: 'auth_failure' }, condition: 'f' }, min: 3, within: '10m' },
      blackhole: '1h',
    };
    const ok = run(seq, [ev(0, 'a'), ev(10, 'a'), ev(20, 'a'), ev(30, 'a', 'auth_success', 'alice')]);
    assert.equal(ok.length, 1);
    assert.equal(ok[0].events, 4);
    assert.equal(run(seq, [ev(0, 'a'), ev(10, 'a'), ev(30, 'a', 'auth_success')]).length, 0);
    assert.equal(run(seq, [ev(0, 'a'), ev(10, 'a'), ev(20, 'a'), ev(1000, 'a', 'auth_success')]).length, 0);
    assert.equal(run(seq, [ev(0, 'b'), ev(10, 'b'), ev(20, 'b'), ev(30, 'a', 'auth_success')]).length, 0);
  });

  test('trigger: one alert per match, then the blackhole', () => {
    const t = { type: 'trigger', blackhole: '10s' };
    assert.equal(run(t, [ev(0, 'a'), ev(5, 'a'), ev(11, 'a'), ev(12, 'b')]).length, 3);
  });

  test('events without a time take the latest time seen', () => {
    const e = ev(0, 'a');
    e.time = NaN;
    assert.equal(run({ type: 'trigger' }, [ev(100, 'a'), e]).length, 2);
  });
});

describe('scenario validation', () => {
  test('bad scenarios are refused with the file and reason', () => {
    for (const bad of [
      { type: 'leaky' },
      { type: 'leaky', capacity: 0, leakspeed: '1s' },
      { type: 'leaky', capacity: 1, leakspeed: 'soon' },
      { type: 'nope' },
      { type: 'trigger', techniques: ['X1'] },
      { type: 'trigger', confidence: 2 },
      { type: 'trigger', filter: { s: { nosuchfield: 1 }, condition: 's' } },
      { type: 'trigger', extra: 1 },
    ]) {
      assert.throws(
        () => compileScenario({ name: 'x', ...base, ...bad }, 'bad.yaml'),
        (e: Error & { code?: string }) => e.code === 'ERR_BAD_MAPPING' && e.message.startsWith('bad.yaml'),
      );
    }
  });
});
