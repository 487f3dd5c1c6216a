import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LogEvent } from './event.js';
import { compileAccessFormat, parseClfTime, parseCombined } from './access.js';
import { parseErrorLog } from './errorlog.js';
import { parseLogLine } from './read.js';

function parse(line: string): LogEvent {
  const e = new LogEvent();
  assert.ok(parseCombined(line, e), `should parse: ${line}`);
  return e;
}

describe('access logs', () => {
  test('combined', () => {
    const e = parse(
      '83.149.9.216 - - [17/May/2015:10:05:03 +0000] "GET /presentations/logstash.png?a=1 HTTP/1.1" 200 203023 "http://semicomplete.com/" "Mozilla/5.0 (Macintosh)"',
    );
    assert.equal(e.ip, '83.149.9.216');
    assert.equal(new Date(e.time).toISOString(), '2015-05-17T10:05:03.000Z');
    assert.equal(e.method, 'GET');
    assert.equal(e.path, '/presentations/logstash.png');
    assert.equal(e.query, 'a=1');
    assert.equal(e.protocol, 'HTTP/1.1');
    assert.equal(e.status, 200);
    assert.equal(e.bytes, 203023);
    assert.equal(e.referer, 'http://semicomplete.com/');
    assert.equal(e.ua, 'Mozilla/5.0 (Macintosh)');
  });

  test('common, with a user, a dash for bytes and a time zone', () => {
    const e = parse('127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 304 -');
    assert.equal(e.user, 'frank');
    assert.equal(new Date(e.time).toISOString(), '2000-10-10T20:55:36.000Z');
    assert.equal(e.bytes, 0);
    assert.equal(e.ua, '');
  });

  test('leading virtual host', () => {
    const e = parse(
      'www.example.org:443 192.0.2.1 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 5 "-" "curl/8"',
    );
    assert.equal(e.vhost, 'www.example.org:443');
    assert.equal(e.ip, '192.0.2.1');
    assert.equal(e.ua, 'curl/8');
  });

  test('quotes inside the request and the user agent are framed by the status that follows', () => {
    const e = parse(
      '192.0.2.9 - - [10/Oct/2000:13:55:36 +0000] "GET /a?q=\\"x\\" 200 \\" HTTP/1.1" 404 12 "-" "evil \\"agent\\" 200"',
    );
    assert.equal(e.status, 404);
    assert.equal(e.query, 'q="x" 200 "');
    assert.equal(e.ua, 'evil "agent" 200');
  });

  test('nginx \\x22 escapes are decoded', () => {
    const e = parse(
      '192.0.2.9 - - [10/Oct/2000:13:55:36 +0000] "GET /\\x22onmouseover HTTP/1.1" 400 0 "-" "-"',
    );
    assert.equal(e.path, '/"onmouseover');
  });

  test('a line cut inside the user agent keeps what was written', () => {
    const e = parse(
      '46.118.127.106 - - [20/May/2015:12:05:17 +0000] "GET /x HTTP/1.1" 200 235 "-" "Mozilla/5.0 (compatible; Googlebot',
    );
    assert.equal(e.ua, 'Mozilla/5.0 (compatible; Googlebot');
  });

  test('malformed lines and times are refused', () => {
    for (const l of [
      '',
      'garbage',
      '1.2.3.4 - - [99/Foo/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 1',
      '1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] GET / 200',
    ]) {
      assert.equal(parseCombined(l, new LogEvent()), false, l);
    }
    assert.ok(Number.isNaN(parseClfTime('10/Oct/2000:25:55:36 +0000')));
  });

  test('custom nginx log_format and Apache LogFormat', () => {
    const ng = compileAccessFormat(
      '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_time $host',
    );
    const e = new LogEvent();
    assert.ok(
      ng.parse(
        '198.51.100.7 - - [01/Mar/2024:10:00:00 +0000] "POST /login HTTP/2.0" 401 12 "-" "python-requests/2.31" 0.012 www.example.org',
        e,
      ),
    );
    assert.equal(e.ip, '198.51.100.7');
    assert.equal(e.method, 'POST');
    assert.equal(e.status, 401);
    assert.equal(e.ua, 'python-requests/2.31');
    assert.equal(e.vhost, 'www.example.org');
    const ap = compileAccessFormat('%v %h %l %u %t \\"%r\\" %>s %O');
    const f = new LogEvent();
    assert.ok(ap.parse('example.org 192.0.2.1 - - [01/Mar/2024:10:00:00 +0000] "GET /x HTTP/1.1" 200 99', f));
    assert.equal(f.vhost, 'example.org');
    assert.equal(f.bytes, 99);
    assert.equal(ap.parse('not a line', new LogEvent()), false);
  });

  test('format access-custom through the reader', () => {
    const r = parseLogLine('access-custom', '192.0.2.1 [01/Mar/2024:10:00:00 +0000] "GET / HTTP/1.1" 500', {
      accessFormat: '$remote_addr [$time_local] "$request" $status',
    });
    assert.ok(r instanceof LogEvent);
    assert.equal((r as LogEvent).status, 500);
  });
});

describe('error logs', () => {
  test('nginx: the client address is the one nginx appends, not one inside the message', () => {
    const e = new LogEvent();
    assert.ok(
      parseErrorLog(
        '2024/03/01 10:00:00 [error] 123#0: *5 user "x, client: 6.6.6.6" was not found in "/etc/nginx/.htpasswd", client: 192.0.2.8, server: example.org, request: "GET /admin HTTP/1.1", host: "example.org"',
        e,
      ),
    );
    assert.equal(e.ip, '192.0.2.8');
    assert.equal(e.kind, 'http_auth_failure');
    assert.equal(e.path, '/admin');
  });

  test('Apache 2.4 and 2.2', () => {
    const a = new LogEvent();
    assert.ok(
      parseErrorLog(
        '[Wed Oct 11 14:32:52.123456 2000] [auth_basic:error] [pid 1:tid 2] [client 192.0.2.3:51000] AH01618: user bob not found: /private',
        a,
      ),
    );
    assert.equal(a.ip, '192.0.2.3');
    assert.equal(a.kind, 'http_auth_failure');
    const b = new LogEvent();
    assert.ok(
      parseErrorLog(
        '[Sun Dec 04 04:47:44 2005] [error] [client 192.0.2.4] File does not exist: /var/www/html/phpmyadmin',
        b,
      ),
    );
    assert.equal(b.kind, 'http_not_found');
    assert.equal(b.ip, '192.0.2.4');
  });

  test('Apache: bracketed IPv6, [remote], syslog-wrapped, a forged message inside a path, mod_evasive', () => {
    const v6 = new LogEvent();
    assert.ok(
      parseErrorLog(
        '[Sat Jul 20 22:11:44.147674 2013] [authz_owner:error] [pid 1:tid 2] [client [2001:db8::1]:51548] AH01637: Authorization of user t to access /x failed, reason: no',
        v6,
      ),
    );
    assert.equal(v6.ip, '2001:db8::1');
    assert.equal(v6.kind, 'http_auth_failure');
    const remote = new LogEvent();
    assert.ok(
      parseErrorLog(
        '[Mon Nov 06 13:39:56.637868 2023] [auth_basic:error] [pid 3] [remote 192.0.2.111:35924] AH01618: user whatever not found: /admin',
        remote,
      ),
    );
    assert.equal(remote.ip, '192.0.2.111');
    assert.equal(remote.user, 'whatever');
    const sys = new LogEvent();
    assert.ok(
      parseErrorLog(
        'Feb 15 16:23:00 srv httpd[22034]: [authz_core:error] [pid 22034] [client 192.0.2.1:58585] AH01630: client denied by server configuration: /home/www/',
        sys,
      ),
    );
    assert.equal(sys.kind, 'http_forbidden');
    assert.equal(sys.ip, '192.0.2.1');
    const forged = new LogEvent();
    assert.ok(
      parseErrorLog(
        '[Sat Jun 01 02:17:42 2013] [error] [client 192.168.33.1] File does not exist: /srv/http/site/[client 192.168.0.1] user root not found',
        forged,
      ),
    );
    assert.equal(forged.kind, 'http_not_found');
    assert.equal(forged.ip, '192.168.33.1');
    const ev = new LogEvent();
    assert.ok(
      parseErrorLog(
        '[Thu Oct 17 18:43:40.160521 2019] [evasive20:error] [pid 22589] [client 192.0.2.1:56175] client denied by server configuration: /path/index.php',
        ev,
      ),
    );
    assert.equal(ev.kind, 'http_limited');
  });
});
