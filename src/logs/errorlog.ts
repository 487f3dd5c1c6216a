/**
 * nginx and Apache error logs: authentication failures, requests for missing or forbidden
 * files, rate-limited clients and malformed requests, with the client address.
 *
 * nginx: `2024/01/02 03:04:05 [error] 123#0: *1 <message>, client: 1.2.3.4, server: x,
 * request: "GET / HTTP/1.1", host: "x"`. The message comes first and is partly
 * client-controlled (a user name, a path), so the address is taken from the LAST
 * `, client: ` that nginx appends, never from inside the message.
 *
 * Apache 2.2: `[Sun Dec 04 04:47:44 2005] [error] [client 1.2.3.4] <message>`; 2.4:
 * `[Wed Oct 11 14:32:52.123456 2000] [auth_basic:error] [pid 1:tid 2] [client 1.2.3.4:5678] AH01617: ...`.
 *
 * @see https://nginx.org/en/docs/ngx_core_module.html#error_log
 * @see https://httpd.apache.org/docs/2.4/logs.html#errorlog
 */
import { type EventKind, LogEvent, normaliseIp } from './event.js';
import { YearInference } from './syslog.js';

const NGINX = /^(\d{4})\/(\d\d)\/(\d\d) (\d\d):(\d\d):(\d\d) \[(\w+)\] \d+#\d+: (?:\*\d+ )?(.*)$/;
// [date] [module:level] [pid N(:tid N)] [client|remote ADDR(:port)] message; the date is
// absent when Apache logs to syslog (ErrorLog syslog), where the syslog header carries it.
const APACHE_HEAD = /^\[(?:\w{3} )?(\w{3}) (\d\d) (\d\d):(\d\d):(\d\d)(\.\d+)? (\d{4})\] /;
const APACHE_BODY =
  /^\[([\w:]*)\](?: \[pid [^\]]*\])?(?: \[(?:client|remote) (\[[^\]]+\](?::\d+)?|[^\]\s]+)\])? (.*)$/;
const APACHE_SYSLOG =
  /^(\w{3}) +(\d{1,2}) (\d\d):(\d\d):(\d\d) \S+ (?:httpd|apache2?)(?:\/[\w.-]+)?(?:\[\d+\])?: (?=\[)/;
const MONTHS: Record<string, number> = {
  Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11,
}; // prettier-ignore

const KINDS: [RegExp, EventKind][] = [
  [
    /user "[^"]*"?(?: was)? not found|password mismatch|authentication failure|user .* not found|Password Mismatch|authentication failed|not authenticated/i,
    'http_auth_failure',
  ],
  [/limiting (?:requests|connections)/, 'http_limited'],
  [
    /SSL_do_handshake\(\) failed|SSL_read\(\) failed \(SSL: .*while waiting for request|while SSL handshaking/,
    'http_tls_error',
  ],
  [/access forbidden by rule|directory index of .* is forbidden/, 'http_forbidden'],
  [/\(2: No such file or directory\)/, 'http_not_found'],
  [/client sent invalid|invalid (?:method|URI|request)/i, 'http_bad_request'],
];

// Apache: the message is classified from its start (after "AHnnnnn: " and "Digest: "), so a
// path that contains "user root not found" is not taken for an authentication failure.
const APACHE_KINDS: [RegExp, EventKind][] = [
  [
    /^(?:user .*? not found|user .*?: (?:authentication failure|password mismatch|authorization failure)|user `.*' in realm `.*' not found|Authorization of user .* failed|client used wrong authentication scheme|invalid qop|invalid nonce .* received - (?:length is not|user attempted time travel)|realm mismatch|unknown algorithm)/,
    'http_auth_failure',
  ],
  [/^client denied by server configuration/, 'http_forbidden'],
  [/^(?:File does not exist|script not found or unable to stat|Cannot map )/, 'http_not_found'],
  [/^Hostname .* provided via SNI|^No hostname was provided via SNI/, 'http_tls_error'],
  [
    /^request failed: (?:URI too long|erroneous characters)|^request header exceeds|^Invalid (?:method|URI)/i,
    'http_bad_request',
  ],
];

function kindOf(msg: string): EventKind {
  for (const [re, k] of KINDS) if (re.test(msg)) return k;
  return 'http_error';
}

// nginx logging to syslog or the journal: "host nginx[983478]: 2023/12/09 21:35:20 [error] ...".
const WRAPPED = /^(?:\S+ )?nginx(?:\[\d+\])?: (?:\S+ nginx: )?(?=\d{4}\/\d\d\/\d\d )/;

/** Parse an nginx or Apache error-log line into `e`; false when it is neither. */
export function parseErrorLog(line: string, e: LogEvent, years?: YearInference): boolean {
  const w = WRAPPED.exec(line);
  if (w) line = line.slice(w[0].length);
  let m = NGINX.exec(line);
  if (m) {
    e.time = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
    e.service = 'nginx';
    let msg = m[8];
    const c = msg.lastIndexOf(', client: ');
    if (c >= 0) {
      const tail = msg.slice(c + 10);
      const comma = tail.indexOf(',');
      e.ip = normaliseIp(comma < 0 ? tail : tail.slice(0, comma));
      const rq = /, request: "([A-Z]+) ([^" ]*)/.exec(tail);
      if (rq) {
        e.method = rq[1];
        const q = rq[2].indexOf('?');
        e.path = q < 0 ? rq[2] : rq[2].slice(0, q);
        e.query = q < 0 ? '' : rq[2].slice(q + 1);
      }
      const h = /, host: "([^"]*)"/.exec(tail);
      if (h) e.vhost = h[1];
      msg = msg.slice(0, c);
    }
    const u = /user "([^"]*)"/.exec(msg);
    if (u) e.user = u[1];
    e.detail = msg.slice(0, 300);
    e.family = 'http';
    e.kind = kindOf(msg);
    return true;
  }
  let rest = line;
  let time = NaN;
  if ((m = APACHE_HEAD.exec(rest))) {
    const month = MONTHS[m[1]];
    if (month === undefined) return false;
    time = Date.UTC(+m[7], month, +m[2], +m[3], +m[4], +m[5]) + (m[6] ? Math.round(Number(m[6]) * 1000) : 0);
    rest = rest.slice(m[0].length);
  } else if ((m = APACHE_SYSLOG.exec(rest))) {
    const month = MONTHS[m[1]];
    if (month === undefined) return false;
    time = (years ?? new YearInference()).resolve(month, +m[2], +m[3] * 3600 + +m[4] * 60 + +m[5]);
    rest = rest.slice(m[0].length);
  } else return false;
  const b = APACHE_BODY.exec(rest);
  if (!b) return false;
  e.time = time;
  e.service = 'apache';
  const module = b[1];
  if (b[2]) {
    // "1.2.3.4:5678" (2.4), "1.2.3.4" (2.2), "[2001:db8::1]:5678" (2.4, IPv6), "2001:db8::1" (2.2).
    let c = b[2];
    if (c.startsWith('[')) c = c.slice(1, c.indexOf(']'));
    else if (c.includes('.') && /:\d+$/.test(c)) c = c.replace(/:\d+$/, '');
    e.ip = normaliseIp(c);
  }
  const msg = b[3];
  const core = msg.replace(/^AH\d{5}: /, '').replace(/^Digest: /, '');
  const u = /^(?:Authorization of )?user [`']?([^:\s']+)/.exec(core);
  if (u) e.user = u[1];
  const p =
    /(?:File does not exist|script not found or unable to stat|server configuration): (\S+?)(?:,|$)|for "([^"]+)"|not found: (\S+?)(?:,|$)/.exec(
      core,
    );
  if (p) e.path = p[1] ?? p[2] ?? p[3];
  e.detail = msg.slice(0, 300);
  e.family = 'http';
  e.kind = 'http_error';
  for (const [re, k] of APACHE_KINDS)
    if (re.test(core)) {
      e.kind = k;
      break;
    }
  // mod_evasive refuses clients it rate-limits with the same words as an access rule.
  if (module.startsWith('evasive') && e.kind === 'http_forbidden') e.kind = 'http_limited';
  return true;
}
