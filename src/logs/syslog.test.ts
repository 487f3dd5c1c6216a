import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSyslog, YearInference } from './syslog.js';

const iso = (ms: number) => new Date(ms).toISOString();

describe('syslog header', () => {
  test('RFC 3164 with host, program and pid', () => {
    const h = parseSyslog(
      'Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user x from 1.2.3.4',
      new YearInference({ year: 2016 }),
    )!;
    assert.equal(iso(h.time), '2016-12-10T06:55:46.000Z');
    assert.equal(h.host, 'LabSZ');
    assert.equal(h.program, 'sshd');
    assert.equal(h.pid, '24200');
    assert.equal(h.message, 'Invalid user x from 1.2.3.4');
  });

  test('year inference: a date after the reference belongs to the year before', () => {
    const years = new YearInference({ reference: Date.UTC(2024, 0, 15) });
    const h = parseSyslog('Dec 30 23:59:59 host sshd[1]: x', years)!;
    assert.equal(iso(h.time), '2023-12-30T23:59:59.000Z');
    // ...and the year turns when the months go from December to January.
    const h2 = parseSyslog('Jan  2 00:00:01 host sshd[1]: y', years)!;
    assert.equal(iso(h2.time), '2024-01-02T00:00:01.000Z');
  });

  test('year inference keeps a fixed year but still rolls over Dec -> Jan', () => {
    const years = new YearInference({ year: 2005 });
    assert.equal(iso(parseSyslog('Dec 31 10:00:00 h p: a', years)!.time), '2005-12-31T10:00:00.000Z');
    assert.equal(iso(parseSyslog('Jan  1 10:00:00 h p: b', years)!.time), '2006-01-01T10:00:00.000Z');
  });

  test('"message repeated N times" is unwrapped with its count', () => {
    const h = parseSyslog(
      'Dec 10 07:13:56 LabSZ sshd[24227]: message repeated 5 times: [ Failed password for root from 5.36.59.76 port 42393 ssh2]',
      new YearInference({ year: 2016 }),
    )!;
    assert.equal(h.repeat, 5);
    assert.equal(h.message, 'Failed password for root from 5.36.59.76 port 42393 ssh2');
  });

  test('ISO stamps with offsets, no host', () => {
    const h = parseSyslog('2015-04-16T18:02:50.321974+02:00 host sshd[2716]: hello', new YearInference())!;
    assert.equal(iso(h.time), '2015-04-16T16:02:50.322Z');
    assert.equal(h.host, 'host');
    const n = parseSyslog('Nov 23 21:50:19 sshd[8148]: Disconnecting', new YearInference({ year: 2004 }))!;
    assert.equal(n.host, '');
    assert.equal(n.program, 'sshd');
    assert.equal(n.pid, '8148');
  });

  test('RFC 5424 with structured data holding brackets', () => {
    const h = parseSyslog(
      '<38>1 2019-07-08T17:40:17.954167-04:00 hostname.example.com sshd 55555 - [timeQuality tzKnown="1"][x@1 test="[brackets]"] Failed unknown for invalid user r from 192.0.2.2 port 55555 ssh2',
      new YearInference(),
    )!;
    assert.equal(iso(h.time), '2019-07-08T21:40:17.954Z');
    assert.equal(h.program, 'sshd');
    assert.equal(h.pid, '55555');
    assert.ok(h.message.startsWith('Failed unknown for invalid user r'));
  });

  test('TAI64N stamps (daemontools)', () => {
    const h = parseSyslog('@400000004c91b044077a9e94 imap-login: Info: x', new YearInference())!;
    // label - 2^62 - 10 s, as tai64nlocal converts it
    assert.equal(iso(h.time), '2010-09-16T05:50:50.125Z');
    assert.equal(h.program, 'imap-login');
  });

  test('journal short form without a time', () => {
    const h = parseSyslog(
      'srv sshd[13709]: error: PAM: Authentication failure for u from 1.2.3.4',
      new YearInference(),
    )!;
    assert.ok(Number.isNaN(h.time));
    assert.equal(h.host, 'srv');
    assert.equal(h.program, 'sshd');
  });

  test('not syslog: null', () => {
    assert.equal(parseSyslog('hello world', new YearInference()), null);
    assert.equal(parseSyslog('', new YearInference()), null);
  });
});
