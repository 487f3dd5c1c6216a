/**
 * JSON-lines logs: Suricata EVE, the systemd journal's JSON export, and any JSON lines with a
 * user-given field mapping. One JSON document per line; anything else is a reject.
 *
 * @see https://docs.suricata.io/en/latest/output/eve/eve-json-format.html
 * @see https://www.freedesktop.org/software/systemd/man/latest/journalctl.html (-o json)
 */
import { LogEvent, normaliseIp } from './event.js';
import { setRequest } from './access.js';

/** Field mapping for generic JSON lines: event field -> dotted path in the document. */
export type JsonMapping = Partial<
  Record<
    | 'time'
    | 'ip'
    | 'user'
    | 'kind'
    | 'method'
    | 'path'
    | 'uri'
    | 'status'
    | 'ua'
    | 'referer'
    | 'vhost'
    | 'service'
    | 'host'
    | 'detail',
    string
  >
>;

function at(doc: unknown, path: string): unknown {
  let cur: unknown = doc;
  for (const k of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}

/** Time from an ISO string, epoch seconds or epoch milliseconds. */
export function timeOf(v: unknown): number {
  if (typeof v === 'number') return v > 1e11 ? v : v * 1000;
  if (typeof v !== 'string' || !v) return NaN;
  if (/^\d+(\.\d+)?$/.test(v)) return timeOf(Number(v));
  // Suricata writes +0000 without a colon; Date.parse wants +00:00.
  return Date.parse(v.replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));
}

/** Parse a Suricata EVE record into `e`; false for event types that carry no client event. */
export function fromEve(doc: Record<string, unknown>, e: LogEvent): boolean {
  const type = str(doc.event_type);
  e.time = timeOf(doc.timestamp);
  e.ip = normaliseIp(str(doc.src_ip));
  e.host = str(doc.dest_ip);
  e.service = 'suricata';
  if (type === 'alert') {
    const a = (doc.alert ?? {}) as Record<string, unknown>;
    e.family = 'ids';
    e.kind = 'ids_alert';
    e.detail = `${str(a.signature_id)} ${str(a.signature)}`.trim();
    e.status = Number(a.severity) || 0;
  } else if (type === 'http') {
    e.family = 'http';
    e.kind = 'http_request';
  } else {
    e.family = 'ids';
    e.kind = 'other';
    e.detail = type;
  }
  const h = doc.http as Record<string, unknown> | undefined;
  if (h && typeof h === 'object') {
    e.method = str(h.http_method);
    setRequest(e, `${e.method || 'GET'} ${str(h.url)}`);
    e.status = Number(h.status) || e.status;
    e.ua = str(h.http_user_agent);
    e.referer = str(h.http_refer);
    e.vhost = str(h.hostname);
    e.bytes = Number(h.length) || 0;
  }
  return true;
}

/** The journal's JSON export: returns the pieces a syslog line would have. */
export function fromJournal(doc: Record<string, unknown>): {
  time: number;
  host: string;
  program: string;
  pid: string;
  message: string;
} | null {
  const message = doc.MESSAGE;
  if (typeof message !== 'string') return null; // binary messages are exported as byte arrays
  const us = str(doc.__REALTIME_TIMESTAMP);
  return {
    time: us ? Math.floor(Number(us) / 1000) : NaN,
    host: str(doc._HOSTNAME),
    program: str(doc.SYSLOG_IDENTIFIER) || str(doc._COMM) || str(doc._SYSTEMD_UNIT).replace(/\.service$/, ''),
    pid: str(doc.SYSLOG_PID) || str(doc._PID),
    message,
  };
}

/** Generic JSON line through a mapping. Kind defaults to http_request when a path is mapped. */
export function fromMapped(doc: Record<string, unknown>, map: JsonMapping, e: LogEvent): boolean {
  e.time = map.time ? timeOf(at(doc, map.time)) : NaN;
  if (map.ip) e.ip = normaliseIp(str(at(doc, map.ip)));
  if (map.user) e.user = str(at(doc, map.user));
  if (map.method) e.method = str(at(doc, map.method));
  if (map.uri) setRequest(e, `${e.method || 'GET'} ${str(at(doc, map.uri))}`);
  if (map.path) e.path = str(at(doc, map.path));
  if (map.status) e.status = Number(at(doc, map.status)) || 0;
  if (map.ua) e.ua = str(at(doc, map.ua));
  if (map.referer) e.referer = str(at(doc, map.referer));
  if (map.vhost) e.vhost = str(at(doc, map.vhost));
  if (map.service) e.service = str(at(doc, map.service));
  if (map.host) e.host = str(at(doc, map.host));
  if (map.detail) e.detail = str(at(doc, map.detail));
  const kind = map.kind ? str(at(doc, map.kind)) : '';
  if (kind) {
    e.kind = kind as LogEvent['kind'];
    e.family = 'generic';
  } else if (e.path || e.status) {
    e.kind = 'http_request';
    e.family = 'http';
  }
  return e.ip !== '' || e.path !== '';
}
