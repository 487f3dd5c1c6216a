/**
 * Syslog framing: the header before the message (time, host, program[pid]) in the shapes
 * real servers write: RFC 3164 (`Dec 10 06:55:46 host sshd[1]: msg`, no year), RFC 3339 /
 * ISO-8601 stamps (rsyslog's high-precision format), `YYYY-MM-DD HH:MM:SS`, daemontools'
 * TAI64N (`@4000...`), RFC 5424 (`<38>1 2019-07-08T17:40:16Z host app pid msgid SD msg`),
 * and the journal's short form without a time (`host sshd[1]: msg`).
 *
 * RFC 3164 stamps carry no year; `YearInference` supplies one (see its doc).
 *
 * @see https://www.rfc-editor.org/rfc/rfc3164 section 4.1.2 (TIMESTAMP without a year)
 * @see https://www.rfc-editor.org/rfc/rfc5424 section 6
 */

export interface SyslogHeader {
  /** ms since epoch (UTC unless the stamp had an offset), NaN when absent. */
  time: number;
  host: string;
  program: string;
  pid: string;
  message: string;
  /** "message repeated N times: [ msg ]" unwrapped: N; otherwise 1. */
  repeat: number;
}

const MONTHS: Record<string, number> = {
  Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11,
}; // prettier-ignore

/**
 * Year inference for RFC 3164 stamps, replaying a file in order.
 *
 * The first stamp gets the reference year (the file's modification time, or a year the user
 * gives); if that puts it more than a day after the reference time, it belongs to the year
 * before (a log written in December and read in January). After that, a month that goes
 * backwards by more than six months means the year turned (Dec -> Jan), as logrotate'd
 * syslog files do. This is the rule rsyslog and logstash's date filter use, made stateful.
 */
export class YearInference {
  private year: number;
  private lastMonth = -1;
  private readonly reference: number;
  private readonly fixed: boolean;

  constructor(options: { year?: number; reference?: number } = {}) {
    this.reference = options.reference ?? Date.now();
    this.fixed = options.year !== undefined;
    this.year = options.year ?? new Date(this.reference).getUTCFullYear();
  }

  /** UTC ms for a month (0-11), day and time of day in seconds. */
  resolve(month: number, day: number, secondsOfDay: number, frac = 0): number {
    if (this.lastMonth < 0) {
      if (!this.fixed && Date.UTC(this.year, month, day) > this.reference + 86_400_000) this.year--;
    } else if (month < this.lastMonth - 6) {
      this.year++;
    } else if (month > this.lastMonth + 6 && !this.fixed) {
      // Out-of-order line from before the turn of the year: do not move the year back for good.
      return Date.UTC(this.year - 1, month, day) + secondsOfDay * 1000 + frac;
    }
    this.lastMonth = month;
    return Date.UTC(this.year, month, day) + secondsOfDay * 1000 + frac;
  }
}

const RFC3164 = /^([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d\d):(\d\d):(\d\d)(\.\d+)? /;
const ISO = /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(\.\d+)?(Z|[+-]\d\d:?\d\d)? /;
const TAI64N = /^@4([0-9a-f]{15})([0-9a-f]{8}) /;
const RFC5424 = /^<\d{1,3}>1 (\S+) (\S+) (\S+) (\S+) (\S+) /;
const PRI = /^<\d{1,3}>/;
// program[pid]: | program(arg): | [program]: | program: ; the program token has no spaces.
const TAG = /^(\[?[A-Za-z0-9_.\/@-]+(?:\[[^\]\s]*\]|\([^)\s]*\))?\]?(?:<[^>\s]*>)?):?(?: |$)/;

function offsetMs(z: string | undefined): number {
  if (!z || z === 'Z') return 0;
  const sign = z[0] === '-' ? -1 : 1;
  const d = z.slice(1).replace(':', '');
  return sign * (Number(d.slice(0, 2)) * 60 + Number(d.slice(2, 4))) * 60_000;
}

function isoTime(m: RegExpExecArray): number {
  const frac = m[7] ? Math.round(Number(m[7]) * 1000) : 0;
  return (
    Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) +
    frac -
    offsetMs(m[8])
  );
}

function splitTag(tag: string): { program: string; pid: string } {
  let t = tag.endsWith(':') ? tag.slice(0, -1) : tag;
  if (t.startsWith('[') && t.endsWith(']')) t = t.slice(1, -1);
  const lt = t.indexOf('<');
  if (lt > 0) t = t.slice(0, lt);
  const b = t.indexOf('[');
  if (b > 0) return { program: t.slice(0, b), pid: t.slice(b + 1, t.indexOf(']', b)) };
  const p = t.indexOf('(');
  if (p > 0) return { program: t.slice(0, p), pid: t.slice(p + 1, t.indexOf(')', p)) };
  return { program: t, pid: '' };
}

/** A tag token is "program:" / "program[pid]:" / "auth-worker(123):" - never a bare host name. */
function looksLikeTag(tok: string): boolean {
  return tok.endsWith(':') || tok.endsWith(']') || tok.endsWith(')') || tok.endsWith('>:');
}

/**
 * Parse a syslog line's header. Returns null when the line has no recognisable header.
 * @example parseSyslog('Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user x from 1.2.3.4', years)
 */
export function parseSyslog(line: string, years: YearInference): SyslogHeader | null {
  let rest = line;
  let time = NaN;
  let host = '';
  let m: RegExpExecArray | null;
  if ((m = RFC5424.exec(rest))) {
    const im = ISO.exec(m[1] + ' ');
    time = im ? isoTime(im) : NaN;
    host = m[2] === '-' ? '' : m[2];
    const program = m[3] === '-' ? '' : m[3];
    const pid = m[4] === '-' ? '' : m[4];
    rest = rest.slice(m[0].length);
    // Structured data: "-" or one or more [id k="v"] elements; values may hold escaped "]".
    if (rest.startsWith('- ')) rest = rest.slice(2);
    else if (rest.startsWith('[')) {
      let i = 0;
      let inQuote = false;
      while (i < rest.length) {
        const c = rest[i];
        if (c === '\\') i++;
        else if (c === '"') inQuote = !inQuote;
        else if (c === ']' && !inQuote && rest[i + 1] !== '[') break;
        i++;
      }
      rest = rest.slice(i + 1).replace(/^ /, '');
    }
    return withRepeat({ time, host, program, pid, message: rest, repeat: 1 });
  }
  const pri = PRI.exec(rest);
  if (pri) rest = rest.slice(pri[0].length);
  if ((m = RFC3164.exec(rest))) {
    const month = MONTHS[m[1]];
    if (month === undefined) return null;
    const secs = Number(m[3]) * 3600 + Number(m[4]) * 60 + Number(m[5]);
    time = years.resolve(month, Number(m[2]), secs, m[6] ? Math.round(Number(m[6]) * 1000) : 0);
    rest = rest.slice(m[0].length);
  } else if ((m = ISO.exec(rest))) {
    time = isoTime(m);
    rest = rest.slice(m[0].length);
  } else if ((m = TAI64N.exec(rest))) {
    // TAI64N: 2^62 + seconds since 1970 TAI; TAI is ahead of UTC by 10 s plus leap seconds
    // (37 s since 2017). Logs are rarely precise to that, so only the constant 10 s is removed.
    time = (parseInt(m[1], 16) - 10) * 1000 + Math.floor(parseInt(m[2], 16) / 1e6);
    rest = rest.slice(m[0].length);
  }
  // Now "host tag: msg", "tag: msg" (no host) or "host tag msg" (journal, some BSDs).
  let sp = rest.indexOf(' ');
  if (sp <= 0) return null;
  let first = rest.slice(0, sp);
  if (!looksLikeTag(first)) {
    const after = rest.slice(sp + 1);
    const tm = TAG.exec(after);
    if (tm && (looksLikeTag(tm[1]) || after[tm[1].length] === ':')) {
      host = first;
      rest = after;
      sp = rest.indexOf(' ');
      first = sp < 0 ? rest : rest.slice(0, sp);
    } else if (Number.isNaN(time)) {
      return null;
    }
  }
  const tm = TAG.exec(rest);
  if (!tm) return null;
  const { program, pid } = splitTag(tm[1]);
  return withRepeat({ time, host, program, pid, message: rest.slice(tm[0].length), repeat: 1 });
}

const REPEATED = /^message repeated (\d{1,9}) times: \[ ?(.*?) ?\]$/;

function withRepeat(h: SyslogHeader): SyslogHeader {
  if (h.message.startsWith('message repeated ')) {
    const m = REPEATED.exec(h.message);
    if (m) {
      h.repeat = Number(m[1]);
      h.message = m[2];
    }
  }
  return h;
}
