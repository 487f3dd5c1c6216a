/**
 * Web server access logs: Apache/nginx "combined" and "common" (with or without a leading
 * virtual host), and any format given as an nginx `log_format` or an Apache `LogFormat`
 * string.
 *
 * The built-in formats use a hand-written scanner (indexOf, no regular expression) because
 * this is the hot path: the benchmark target is 250,000 lines/s through parsing and every
 * scenario on 2 cores. A request line that a client stuffed with quotes is still framed
 * right: the request field ends at the last `" ` that is followed by a status code.
 *
 * @see https://httpd.apache.org/docs/2.4/logs.html#combined
 * @see https://nginx.org/en/docs/http/ngx_http_log_module.html#log_format
 */
import { LogEvent, normaliseIp } from './event.js';

const MONTHS: Record<string, number> = {
  Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11,
}; // prettier-ignore

let clfCache = '';
let clfCacheBase = 0;

/** True when `s` equals the cached stamp except for the seconds (chars 18-19). */
function sameMinute(s: string): boolean {
  const c = clfCache;
  if (s.length !== c.length) return false;
  for (let i = 0; i < s.length; i++)
    if (i !== 18 && i !== 19 && s.charCodeAt(i) !== c.charCodeAt(i)) return false;
  return true;
}

/**
 * `10/Oct/2000:13:55:36 -0700` to UTC ms; NaN when malformed. The minute's base is cached:
 * consecutive lines nearly always share it, and the comparison allocates nothing.
 */
export function parseClfTime(s: string): number {
  if (s.length < 20 || s[2] !== '/' || s[6] !== '/' || s[11] !== ':') return NaN;
  const sec = (s.charCodeAt(18) - 48) * 10 + (s.charCodeAt(19) - 48);
  if (!(sec >= 0 && sec <= 60)) return NaN;
  if (!sameMinute(s)) {
    const day = Number(s.slice(0, 2));
    const month = MONTHS[s.slice(3, 6)];
    const year = Number(s.slice(7, 11));
    const hh = Number(s.slice(12, 14));
    const mm = Number(s.slice(15, 17));
    if (
      month === undefined ||
      !(day >= 1 && day <= 31) ||
      !(hh < 24) ||
      !(mm < 60) ||
      !Number.isInteger(year)
    )
      return NaN;
    let off = 0;
    const z = s.slice(20).trim();
    if (z) {
      if (!/^[+-]\d{4}$/.test(z)) return NaN;
      off = (z[0] === '-' ? -1 : 1) * (Number(z.slice(1, 3)) * 60 + Number(z.slice(3, 5))) * 60_000;
    }
    clfCache = s;
    clfCacheBase = Date.UTC(year, month, day, hh, mm, 0) - off;
  }
  return clfCacheBase + sec * 1000;
}

/** Split "GET /a?b HTTP/1.1" into the event. Malformed request lines keep the raw text in path. */
export function setRequest(e: LogEvent, req: string): void {
  const s1 = req.indexOf(' ');
  if (s1 <= 0) {
    e.path = req === '-' ? '' : req;
    return;
  }
  e.method = req.slice(0, s1);
  const s2 = req.lastIndexOf(' ');
  let target: string;
  if (s2 > s1 && req.startsWith('HTTP/', s2 + 1)) {
    target = req.slice(s1 + 1, s2);
    e.protocol = req.slice(s2 + 1);
  } else {
    target = req.slice(s1 + 1);
  }
  const q = target.indexOf('?');
  if (q >= 0) {
    e.path = target.slice(0, q);
    e.query = target.slice(q + 1);
  } else e.path = target;
}

/** Remove the escaping Apache (`\"`, `\\`) and nginx (`\x22`) apply inside quoted fields. */
function unescapeField(s: string): string {
  if (s.indexOf('\\') < 0) return s;
  return s.replace(/\\x([0-9A-Fa-f]{2})|\\(["\\])/g, (_m, hex: string | undefined, ch: string | undefined) =>
    hex ? String.fromCharCode(parseInt(hex, 16)) : (ch as string),
  );
}

/** Index of the quote that closes a quoted field starting after `from`, or -1. */
function closingQuote(line: string, from: number, statusFollows: boolean): number {
  let i = line.indexOf('"', from);
  while (i >= 0) {
    if (line.charCodeAt(i - 1) !== 92 /* \ */) {
      const next = line.charCodeAt(i + 1);
      if (Number.isNaN(next)) return i;
      if (next === 32) {
        if (!statusFollows) return i;
        const c = line.charCodeAt(i + 2);
        if ((c >= 48 && c <= 57) || c === 45) return i;
      }
    }
    i = line.indexOf('"', i + 1);
  }
  return -1;
}

/**
 * Parse one combined/common line (optionally preceded by `vhost[:port] `). Returns false
 * when the line is not in that shape; `e` is then in an unspecified state.
 * @example parseCombined('1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 2326', e)
 */
export function parseCombined(line: string, e: LogEvent): boolean {
  const lb = line.indexOf(' [');
  if (lb <= 0) return false;
  // "ip ident user" or, with a leading virtual host, "vhost[:port] ip ident user".
  const s1 = line.indexOf(' ');
  const s2 = line.indexOf(' ', s1 + 1);
  if (s2 < 0 || s2 > lb) return false;
  const s3 = line.indexOf(' ', s2 + 1);
  if (s3 >= 0 && s3 < lb) {
    e.vhost = line.slice(0, s1);
    e.ip = normaliseIp(line.slice(s1 + 1, s2));
    const u = line.slice(s3 + 1, lb);
    if (u !== '-') e.user = u;
  } else {
    e.ip = normaliseIp(line.slice(0, s1));
    const u = line.slice(s2 + 1, lb);
    if (u !== '-') e.user = u;
  }
  const rb = line.indexOf('] ', lb + 2);
  if (rb < 0) return false;
  e.time = parseClfTime(line.slice(lb + 2, rb));
  if (Number.isNaN(e.time)) return false;
  if (line.charCodeAt(rb + 2) !== 34 /* " */) return false;
  const rq = closingQuote(line, rb + 3, true);
  if (rq < 0) return false;
  setRequest(e, unescapeField(line.slice(rb + 3, rq)));
  // status and bytes
  let q = rq + 2;
  let st = 0;
  let digits = 0;
  while (q < line.length && line.charCodeAt(q) >= 48 && line.charCodeAt(q) <= 57) {
    st = st * 10 + line.charCodeAt(q) - 48;
    q++;
    digits++;
  }
  if (digits === 0) {
    if (line.charCodeAt(q) !== 45) return false;
    q++;
  }
  e.status = st;
  if (line.charCodeAt(q) !== 32) return q >= line.length;
  q++;
  let b = 0;
  while (q < line.length && line.charCodeAt(q) >= 48 && line.charCodeAt(q) <= 57) {
    b = b * 10 + line.charCodeAt(q) - 48;
    q++;
  }
  if (line.charCodeAt(q) === 45) q++;
  e.bytes = b;
  // combined: "referer" "ua"; anything after is ignored (nginx extras, response times...).
  if (line.charCodeAt(q) === 32 && line.charCodeAt(q + 1) === 34) {
    const r1 = closingQuote(line, q + 2, false);
    if (r1 < 0) return false;
    const ref = line.slice(q + 2, r1);
    if (ref !== '-') e.referer = unescapeField(ref);
    q = r1 + 1;
    if (line.charCodeAt(q) === 32 && line.charCodeAt(q + 1) === 34) {
      // A line cut short inside the last field (seen in real logs) keeps what was written.
      const r2 = closingQuote(line, q + 2, false);
      const ua = r2 < 0 ? line.slice(q + 2) : line.slice(q + 2, r2);
      if (ua !== '-') e.ua = unescapeField(ua);
    }
  }
  return true;
}

// ---- configurable formats --------------------------------------------------------------

type Setter = (e: LogEvent, v: string) => void;

const NGINX_VARS: Record<string, [string, Setter]> = {
  remote_addr: [String.raw`\S+`, (e, v) => (e.ip = normaliseIp(v))],
  http_x_forwarded_for: [String.raw`[^"]*?`, (e, v) => (e.ip = e.ip || normaliseIp(v.split(',')[0].trim()))],
  remote_user: [String.raw`\S+`, (e, v) => (e.user = v === '-' ? '' : v)],
  time_local: [String.raw`[^\]]+`, (e, v) => (e.time = parseClfTime(v))],
  time_iso8601: [String.raw`\S+`, (e, v) => (e.time = Date.parse(v))],
  msec: [String.raw`[\d.]+`, (e, v) => (e.time = Math.round(Number(v) * 1000))],
  request: [String.raw`.*?`, (e, v) => setRequest(e, unescapeField(v))],
  request_method: [String.raw`\S+`, (e, v) => (e.method = v)],
  request_uri: [String.raw`\S+`, (e, v) => setRequest(e, 'X ' + v)],
  status: [String.raw`\d{3}|-`, (e, v) => (e.status = Number(v) || 0)],
  body_bytes_sent: [String.raw`\d+|-`, (e, v) => (e.bytes = Number(v) || 0)],
  bytes_sent: [String.raw`\d+|-`, (e, v) => (e.bytes = Number(v) || 0)],
  http_referer: [String.raw`.*?`, (e, v) => (e.referer = v === '-' ? '' : unescapeField(v))],
  http_user_agent: [String.raw`.*?`, (e, v) => (e.ua = v === '-' ? '' : unescapeField(v))],
  host: [String.raw`\S+`, (e, v) => (e.vhost = v)],
  server_name: [String.raw`\S+`, (e, v) => (e.vhost = v)],
  http_host: [String.raw`\S+`, (e, v) => (e.vhost = v)],
};

const APACHE_DIRECTIVES: Record<string, string> = {
  '%h': '$remote_addr',
  '%a': '$remote_addr',
  '%{c}a': '$remote_addr',
  '%l': '$ident',
  '%u': '$remote_user',
  '%t': '[$time_local]',
  '%r': '$request',
  '%>s': '$status',
  '%s': '$status',
  '%b': '$body_bytes_sent',
  '%B': '$body_bytes_sent',
  '%O': '$bytes_sent',
  '%{Referer}i': '$http_referer',
  '%{User-Agent}i': '$http_user_agent',
  '%{User-agent}i': '$http_user_agent',
  '%{X-Forwarded-For}i': '$http_x_forwarded_for',
  '%v': '$server_name',
  '%V': '$server_name',
};

/** A compiled custom format. */
export interface AccessFormat {
  source: string;
  parse(line: string, e: LogEvent): boolean;
}

/**
 * Compile an nginx `log_format` body (`$remote_addr - $remote_user [$time_local] ...`) or an
 * Apache `LogFormat` string (`%h %l %u %t \"%r\" %>s %b`). Unknown variables match one
 * token (or a quoted field) and are ignored.
 * @example compileAccessFormat('$remote_addr [$time_local] "$request" $status')
 */
export function compileAccessFormat(format: string): AccessFormat {
  let f = format.replace(/\\"/g, '"');
  if (f.includes('%')) {
    f = f.replace(/%(?:\{[^}]*\}[aiCeno]|>?[a-zA-Z])/g, (d) => APACHE_DIRECTIVES[d] ?? '$unknown');
  }
  const setters: Setter[] = [];
  let re = '^';
  let i = 0;
  while (i < f.length) {
    if (f[i] === '$') {
      const m = /^\$\{?([a-z_0-9]+)\}?/.exec(f.slice(i));
      if (m) {
        const v = NGINX_VARS[m[1]];
        const quoted = f[i - 1] === '"';
        const bracket = f[i - 1] === '[';
        const pattern = v ? v[0] : quoted ? '[^"]*' : bracket ? String.raw`[^\]]*` : String.raw`\S*`;
        re += `(${pattern})`;
        setters.push(v ? v[1] : () => undefined);
        i += m[0].length;
        continue;
      }
    }
    re += f[i].replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    i++;
  }
  const rx = new RegExp(re + '(?:\\s.*)?$');
  return {
    source: format,
    parse(line: string, e: LogEvent): boolean {
      const m = rx.exec(line);
      if (!m) return false;
      for (let k = 0; k < setters.length; k++) setters[k](e, m[k + 1]);
      return !Number.isNaN(e.time) || !setters.length;
    },
  };
}

/** Fill an http_request event's family/kind after a successful parse. */
export function markHttp(e: LogEvent): void {
  e.family = 'http';
  e.kind = 'http_request';
  e.service = 'http';
}
