import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LogEvent } from './event.js';
import { lineParser, parseLogLine, sniffLogFormat } from './read.js';

test('Suricata EVE: alerts and HTTP records', () => {
  const alert = JSON.stringify({
    timestamp: '2024-03-01T08:00:10.123456+0100',
    event_type: 'alert',
    src_ip: '198.51.100.230',
    dest_ip: '192.0.2.1',
    alert: { signature_id: 2024364, signature: 'ET EXPLOIT Apache log4j RCE Attempt', severity: 1 },
    http: {
      hostname: 'www.example.org',
      url: '/?x=${jndi:ldap://x/a}',
      http_user_agent: 'curl/8',
      http_method: 'GET',
      status: 200,
    },
  });
  const e = parseLogLine('eve', alert) as LogEvent;
  assert.equal(e.kind, 'ids_alert');
  assert.equal(e.family, 'ids');
  assert.equal(e.ip, '198.51.100.230');
  assert.equal(e.detail, '2024364 ET EXPLOIT Apache log4j RCE Attempt');
  assert.equal(new Date(e.time).toISOString(), '2024-03-01T07:00:10.123Z');
  assert.equal(e.query, 'x=${jndi:ldap://x/a}');
  const http = parseLogLine(
    'eve',
    JSON.stringify({
      timestamp: '2024-03-01T08:00:11Z',
      event_type: 'http',
      src_ip: '198.51.100.5',
      http: { url: '/login', http_method: 'POST', status: 401 },
    }),
  ) as LogEvent;
  assert.equal(http.kind, 'http_request');
  assert.equal(http.status, 401);
  assert.equal(sniffLogFormat([alert]), 'eve');
  assert.ok(!(parseLogLine('eve', '{"no":"type"}') instanceof LogEvent));
});

test('journald JSON export goes through the same sshd classifier', () => {
  const line = JSON.stringify({
    __REALTIME_TIMESTAMP: '1709283600123456',
    _HOSTNAME: 'web1',
    SYSLOG_IDENTIFIER: 'sshd',
    SYSLOG_PID: '812',
    MESSAGE: 'Failed password for invalid user admin from 198.51.100.9 port 50000 ssh2',
  });
  const e = parseLogLine('journal-json', line) as LogEvent;
  assert.equal(e.kind, 'auth_failure');
  assert.equal(e.ip, '198.51.100.9');
  assert.equal(e.host, 'web1');
  assert.equal(new Date(e.time).toISOString(), '2024-03-01T09:00:00.123Z');
  assert.equal(sniffLogFormat([line]), 'journal-json');
  // A binary MESSAGE is exported as a byte array: a reject, not a crash.
  assert.ok(!(parseLogLine('journal-json', JSON.stringify({ MESSAGE: [1, 2, 3] })) instanceof LogEvent));
});

test('generic JSON lines with a field mapping', () => {
  const parse = lineParser('jsonl', {
    jsonMapping: {
      time: 'ts',
      ip: 'client.ip',
      uri: 'req.url',
      method: 'req.method',
      status: 'res.code',
      ua: 'req.ua',
    },
  });
  const e = parse(
    JSON.stringify({
      ts: 1709283600,
      client: { ip: '::ffff:198.51.100.3' },
      req: { url: '/.env?x=1', method: 'GET', ua: 'x' },
      res: { code: 404 },
    }),
  )!;
  assert.equal(e.ip, '198.51.100.3');
  assert.equal(e.path, '/.env');
  assert.equal(e.query, 'x=1');
  assert.equal(e.status, 404);
  assert.equal(e.kind, 'http_request');
  assert.equal(new Date(e.time).toISOString(), '2024-03-01T09:00:00.000Z');
  assert.equal(parse('not json'), null);
  assert.equal(parse('[1,2]'), null);
  assert.throws(() => lineParser('jsonl', {}), { code: 'ERR_BAD_MAPPING' });
});
