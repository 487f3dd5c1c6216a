/**
 * Adversarial input: whatever a client or a compromised host writes into a log must give a
 * reject with its position, or an event whose raw text is kept verbatim, never a crash, a
 * hang, or an address taken from attacker-controlled text.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readLogFile, parseLogLine, type LogReject } from './read.js';
import { LogEvent } from './event.js';
import { safeText } from '../cli/output.js';

const dir = mkdtempSync(join(tmpdir(), 'vigie-logs-'));

async function read(name: string, content: Buffer | string, format?: 'access' | 'syslog') {
  const path = join(dir, name);
  writeFileSync(path, content);
  const events: LogEvent[] = [];
  const rejects: LogReject[] = [];
  const res = await readLogFile(
    path,
    { event: (e) => events.push(e), reject: (r) => rejects.push(r) },
    { format, year: 2024 },
  );
  return { res, events, rejects };
}

const OK = '198.51.100.1 - - [01/Mar/2024:10:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "ua"';

test('ANSI escapes and bidi controls are kept verbatim and shown escaped', async () => {
  const evil =
    '198.51.100.2 - - [01/Mar/2024:10:00:01 +0000] "GET /\x1b[2J\x1b[31mOWNED HTTP/1.1" 404 0 "-" "\x1b]0;title\x07\u202eevil"';
  const { events, rejects } = await read('ansi.log', `${OK}\n${evil}\n`, 'access');
  assert.equal(rejects.length, 0);
  assert.equal(events[1].raw, evil);
  assert.ok(events[1].path.includes('\x1b[2J'));
  const shown = safeText(events[1].raw);
  assert.ok(!/[\x1b\x07\u202e]/.test(shown));
  assert.ok(shown.includes('\\u001b'));
});

test('log injection: a forged sshd line inside a user name does not move the address', () => {
  const r = parseLogLine(
    'syslog',
    'Mar  1 10:00:00 h sshd[1]: Failed password for invalid user x from 6.6.6.6 port 1 ssh2 from 192.0.2.9 port 2222 ssh2',
    { year: 2024 },
  ) as LogEvent;
  assert.equal(r.kind, 'auth_failure');
  assert.equal(r.ip, '192.0.2.9');
  const u = parseLogLine(
    'syslog',
    'Mar  1 10:00:00 h sshd[1]: Invalid user from 6.6.6.6 from 192.0.2.10 port 5',
    { year: 2024 },
  ) as LogEvent;
  assert.equal(u.ip, '192.0.2.10');
  assert.equal(u.user, 'from 6.6.6.6');
});

test('log injection: a request that embeds a newline-free fake log line is one event', async () => {
  const fake = `198.51.100.3 - - [01/Mar/2024:10:00:02 +0000] "GET /x\\" 200 1 \\"-\\" \\"-\\" 203.0.113.66 - - [01/Mar/2024:10:00:02 +0000] \\"GET /admin HTTP/1.1" 404 1 "-" "-"`;
  const { events, rejects } = await read('inject.log', fake + '\n', 'access');
  assert.equal(rejects.length, 0);
  assert.equal(events.length, 1);
  assert.equal(events[0].ip, '198.51.100.3');
  assert.equal(events[0].status, 404);
});

test('a 10 MB line is rejected with its position, and the lines around it still parse', async () => {
  const big = 'A'.repeat(10 * 1024 * 1024);
  const { events, rejects } = await read('big.log', `${OK}\n${big}\n${OK}\n`, 'access');
  assert.equal(events.length, 2);
  assert.equal(rejects.length, 1);
  assert.equal(rejects[0].line, 2);
  assert.equal(rejects[0].offset, OK.length + 1);
  assert.match(rejects[0].reason, /longer than/);
  assert.ok(rejects[0].excerpt.length <= 200);
});

test('binary garbage and non-UTF-8 bytes become rejects, not crashes', async () => {
  let seed = 42;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const garbage = Buffer.from(Array.from({ length: 50_000 }, () => Math.floor(rnd() * 256)));
  const latin1 = Buffer.from(
    '198.51.100.4 - - [01/Mar/2024:10:00:03 +0000] "GET /caf\xe9 HTTP/1.1" 200 1 "-" "-"',
    'latin1',
  );
  const content = Buffer.concat([
    Buffer.from(OK + '\n'),
    garbage,
    Buffer.from('\n'),
    latin1,
    Buffer.from('\n' + OK + '\n'),
  ]);
  const { events, rejects, res } = await read('garbage.log', content, 'access');
  assert.equal(events.length, 2);
  assert.ok(rejects.length >= 2);
  assert.ok(rejects.some((r) => r.reason === 'invalid UTF-8'));
  assert.equal(res.lines, events.length + rejects.length);
  for (const r of rejects) assert.ok(r.line >= 2 && r.offset > 0);
});

test('gzip input and format detection', async () => {
  const sys = 'Mar  1 10:00:00 web1 sshd[9]: Invalid user admin from 198.51.100.5 port 4000\n';
  const { res, events } = await read('auth.log.gz', gzipSync(Buffer.from(sys.repeat(3))));
  assert.equal(res.format, 'syslog');
  assert.equal(res.compression, 'gzip');
  assert.equal(events.length, 3);
  assert.equal(events[0].kind, 'invalid_user');
});

test('an undetectable format is a typed error', async () => {
  await assert.rejects(read('prose.txt', 'hello\nthis is not a log\n'), { code: 'ERR_UNKNOWN_FORMAT' });
});

test('pathological dovecot and sshd lines do not hang the classifiers', () => {
  const a = 'Aug 31 16:06:06 s dovecot: imap-login: Disconnected: ' + 'a: '.repeat(20_000) + 'test no match';
  const r = parseLogLine('syslog', a, { year: 2024 }) as LogEvent;
  assert.equal(r.kind, 'other');
  const b = 'Mar  1 10:00:00 h sshd[1]: Failed password for ' + 'x from 1.2.3.4 '.repeat(3000) + 'port';
  const s = parseLogLine('syslog', b, { year: 2024 }) as LogEvent;
  assert.ok(s instanceof LogEvent);
});
