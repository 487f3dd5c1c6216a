/**
 * The log event: one line of a server log, parsed into the few fields that attack scenarios
 * need, and always carrying the raw line and its position as evidence.
 *
 * One class with every field initialised keeps V8's objects monomorphic: the access-log path
 * creates hundreds of thousands of these per second.
 */

/** Which family of service wrote the line. */
export type LogFamily = 'http' | 'ssh' | 'mail' | 'ids' | 'generic';

/**
 * What the line says happened. Families share kinds where the meaning is the same
 * (`auth_failure` is a refused login, by password or otherwise, on any service).
 */
export type EventKind =
  // shared
  | 'auth_failure'
  | 'auth_success'
  | 'invalid_user'
  | 'unknown_user'
  | 'other'
  // ssh
  | 'user_not_allowed'
  | 'root_refused'
  | 'refused_connect'
  | 'too_many_failures'
  | 'pubkey_rejected'
  | 'pam_failure'
  | 'disconnect_preauth'
  | 'preauth_abort'
  | 'negotiation_failure'
  | 'connection'
  | 'dns_mismatch'
  // mail
  | 'relay_denied'
  | 'unknown_recipient'
  | 'smtp_reject'
  | 'rbl_reject'
  | 'smtp_protocol'
  | 'too_many_errors'
  | 'lost_connection'
  | 'smtp_abuse'
  | 'no_auth_disconnect'
  | 'sasl_server_error'
  | 'sasl_bad_mechanism'
  | 'dns_unresolved'
  // http
  | 'http_request'
  | 'http_auth_failure'
  | 'http_not_found'
  | 'http_forbidden'
  | 'http_limited'
  | 'http_bad_request'
  | 'http_tls_error'
  | 'http_error'
  // ids
  | 'ids_alert';

/** A parsed log line. Empty string / NaN / 0 mean "not in this line". */
export class LogEvent {
  /** Milliseconds since the epoch (UTC), NaN when the line has no usable time. */
  time = NaN;
  family: LogFamily = 'generic';
  kind: EventKind = 'other';
  /** Source address of the client (normalised: no port, no ::ffff: prefix). */
  ip = '';
  /** Account name the client tried or used. */
  user = '';
  /** Program that wrote the line: sshd, postfix/smtpd, imap-login, nginx... */
  service = '';
  /** The server's own host name, when the line has one. */
  host = '';
  // HTTP
  method = '';
  /** Path part of the request target, as sent (not decoded). */
  path = '';
  /** Query part without the `?`, as sent. */
  query = '';
  protocol = '';
  status = 0;
  bytes = 0;
  referer = '';
  ua = '';
  vhost = '';
  /** Free detail: SASL mechanism, IDS signature, disconnect reason... */
  detail = '';
  /** Times the line stands for ("message repeated N times", "N attempts"). */
  count = 1;
  /** Server process id from syslog (used to join multi-line sessions). */
  pid = '';
  /** Index of the input file in the current run. */
  file = 0;
  /** 1-based line number in the (decompressed) file. */
  line = 0;
  /** Byte offset of the line in the (decompressed) file. */
  offset = 0;
  /** The line as read, verbatim: the evidence. Never interpreted. */
  raw = '';
  /** Memo of `uri_decoded` (see `fieldOf`). */
  decoded: string | null = null;
  /** Memo of `uri`. */
  target: string | null = null;
}

/** Field names usable in scenario filters and Sigma rules, with their meaning. */
export const EVENT_FIELDS: Record<string, string> = {
  family: 'http | ssh | mail | ids | generic',
  kind: 'what happened (auth_failure, invalid_user, http_request, ...)',
  ip: 'client address',
  user: 'account name tried',
  service: 'program that wrote the line',
  host: 'server host name',
  method: 'HTTP method',
  path: 'request path (raw)',
  query: 'query string (raw, without ?)',
  uri: 'path and query (raw)',
  uri_decoded: 'path and query, percent-decoded twice and + as space (for content patterns)',
  protocol: 'HTTP protocol',
  status: 'HTTP status',
  bytes: 'response bytes',
  referer: 'HTTP referer',
  ua: 'user agent',
  vhost: 'virtual host',
  detail: 'free detail (SASL mechanism, IDS signature, ...)',
  raw: 'the whole line',
};

/** The request target (path and query), memoised. */
function uriOf(e: LogEvent): string {
  if (e.target === null) e.target = e.query ? e.path + '?' + e.query : e.path;
  return e.target;
}

/** A field's value as a string or number, for matching. */
export function fieldOf(e: LogEvent, field: string): string | number {
  switch (field) {
    case 'uri':
      return uriOf(e);
    case 'uri_decoded':
      if (e.decoded === null) e.decoded = decodeUri(uriOf(e));
      return e.decoded;
    case 'status':
      return e.status;
    case 'bytes':
      return e.bytes;
    default: {
      const v = (e as unknown as Record<string, unknown>)[field];
      return typeof v === 'string' || typeof v === 'number' ? v : '';
    }
  }
}

/**
 * A specialised reader of one field as a string, for hot matching loops (a closure per field
 * instead of a switch per call).
 */
export function stringField(field: string): (e: LogEvent) => string {
  // One small arrow per field: V8 inlines these into the matcher closures.
  switch (field) {
    case 'uri':
      return uriOf;
    case 'uri_decoded':
      return (e) => {
        if (e.decoded === null) e.decoded = decodeUri(uriOf(e));
        return e.decoded;
      };
    case 'status':
      return (e) => String(e.status);
    case 'bytes':
      return (e) => String(e.bytes);
    case 'count':
      return (e) => String(e.count);
    case 'family':
      return (e) => e.family;
    case 'kind':
      return (e) => e.kind;
    case 'ip':
      return (e) => e.ip;
    case 'user':
      return (e) => e.user;
    case 'service':
      return (e) => e.service;
    case 'host':
      return (e) => e.host;
    case 'method':
      return (e) => e.method;
    case 'path':
      return (e) => e.path;
    case 'query':
      return (e) => e.query;
    case 'protocol':
      return (e) => e.protocol;
    case 'referer':
      return (e) => e.referer;
    case 'ua':
      return (e) => e.ua;
    case 'vhost':
      return (e) => e.vhost;
    case 'detail':
      return (e) => e.detail;
    case 'raw':
      return (e) => e.raw;
    default:
      return () => '';
  }
}

/** `::ffff:1.2.3.4` -> `1.2.3.4`; strips brackets; lower-cases IPv6. */
export function normaliseIp(s: string): string {
  let ip = s;
  if (ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
  if (ip.startsWith('::ffff:') && ip.includes('.')) ip = ip.slice(7);
  return ip.includes(':') ? ip.toLowerCase() : ip;
}

const IPV4 = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** True for a syntactically valid IPv4 or IPv6 address. */
export function isIp(s: string): boolean {
  if (IPV4.test(s)) return true;
  if (!s.includes(':') || s.length > 45) return false;
  return /^[0-9a-fA-F:.]+$/.test(s) && (s.match(/::/g)?.length ?? 0) <= 1;
}

function pct(s: string): string {
  // Decode %XX byte sequences as UTF-8 where valid; leave malformed escapes as they are.
  return s.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run.replace(/%([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
    }
  });
}

/**
 * Percent-decode a request target twice (attackers double-encode to pass naive filters) and
 * turn `+` into a space. Only for matching content patterns; the raw value stays the evidence.
 */
export function decodeUri(s: string): string {
  if (s.indexOf('%') < 0 && s.indexOf('+') < 0) return s;
  const once = pct(s.replace(/\+/g, ' '));
  return once.indexOf('%') < 0 ? once : pct(once);
}
