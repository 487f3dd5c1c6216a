/**
 * Postfix and Dovecot messages to event kinds: SASL and IMAP/POP3 login failures, relay
 * attempts, recipient probing, protocol abuse.
 *
 * Addresses in Postfix lines sit in `name[ADDR]` right after "from"; in Dovecot login lines
 * in `rip=ADDR`; in Dovecot auth lines as the second argument of `driver(user,ADDR,...)`.
 * User names come first in those and may hold anything, so they are never searched for an
 * address.
 *
 * @see https://www.postfix.org/postconf.5.html (smtpd restriction messages)
 * @see https://doc.dovecot.org/ (login process log format)
 */
import { type EventKind, type LogEvent, normaliseIp } from './event.js';

type Rule = [RegExp, EventKind, { ip: number; user?: number; detail?: number }];

const POSTFIX: Rule[] = [
  [
    /^(?:\S+: )?reject: (?:RCPT|VRFY) from [^[\s]*\[([^\]]+)\](?::\d+)?: \d{3} [\d.]+ [^;]*Relay access denied/,
    'relay_denied',
    { ip: 1 },
  ],
  [
    /^(?:\S+: )?reject: (?:RCPT|VRFY) from [^[\s]*\[([^\]]+)\](?::\d+)?: \d{3} [\d.]+ <([^>]*)>: Recipient address rejected: (?:User unknown|undeliverable address)/,
    'unknown_recipient',
    { ip: 1, user: 2 },
  ],
  [
    /^(?:\S+: )?(?:milter-)?reject: \S+ from [^[\s]*\[([^\]]+)\](?::\d+)?: \d{3} .*blocked using /,
    'rbl_reject',
    { ip: 1 },
  ],
  [/^(?:\S+: )?(?:milter-)?reject: \S+ from [^[\s]*\[([^\]]+)\](?::\d+)?: \d{3} /, 'smtp_reject', { ip: 1 }],
  [
    /^warning: [^[\s]*\[([^\]]+)\](?::\d+)?: SASL \S+ authentication failed: Connection lost to authentication server/,
    'sasl_server_error',
    { ip: 1 },
  ],
  [
    /^warning: [^[\s]*\[([^\]]+)\](?::\d+)?: SASL \S+ authentication failed: Invalid authentication mechanism/,
    'sasl_bad_mechanism',
    { ip: 1 },
  ],
  [
    /^warning: [^[\s]*\[([^\]]+)\](?::\d+)?: SASL (\S+) authentication failed:(?:.*?, sasl_username=(\S*))?/,
    'auth_failure',
    { ip: 1, detail: 2, user: 3 },
  ],
  [/^improper command pipelining after \S+ from [^[\s]*\[([^\]]+)\]/, 'smtp_protocol', { ip: 1 }],
  [/^too many errors after \S+ from [^[\s]*\[([^\]]+)\]/, 'too_many_errors', { ip: 1 }],
  // "disconnect ... auth=0/1" follows the SASL warning for the same attempt: not a second failure.
  [
    /^disconnect from [^[\s]*\[([^\]]+)\](?::\d+)?(?= ).* auth=0\/\d+/,
    'lost_connection',
    { ip: 1, detail: 0 },
  ],
  [
    /^(?:\S+: )?lost connection after (?!DATA|AUTH)\S+ from [^[\s]*\[([^\]]+)\]/,
    'lost_connection',
    { ip: 1 },
  ],
  [
    /^(?:PREGREET \d+ after [\d.]+|HANGUP after [\d.]+|COMMAND (?:TIME|COUNT|LENGTH) LIMIT) from \[([^\]]+)\]/,
    'smtp_abuse',
    { ip: 1 },
  ],
  [
    /^warning: (?:Connection|Message delivery request) rate limit exceeded: \d+ from [^[\s]*\[([^\]]+)\]/,
    'smtp_abuse',
    { ip: 1 },
  ],
  [/^warning: hostname \S+ does not resolve to address (\S+?)(?::|$)/, 'dns_unresolved', { ip: 1 }],
  [
    /^(?:\S+: )?client=[^[\s]*\[([^\]]+)\](?:, sasl_method=(\S+), sasl_username=(\S+))/,
    'auth_success',
    { ip: 1, detail: 2, user: 3 },
  ],
];

const DOVECOT: Rule[] = [
  [/^(?:Info: )?Login: user=<([^>]*)>.*?, rip=([^,\s]+)/, 'auth_success', { ip: 2, user: 1 }],
  [
    /\((?:auth failed, (\d+) attempts?[^)]*|tried to use (?:disabled|disallowed) \S+ auth|proxy dest auth failed)\)(?: \([a-z_]+\))?: (?:user=<([^>]*)>, )?.*?rip=([^,\s]+)/,
    'auth_failure',
    { ip: 3, user: 2 },
  ],
  [
    /\((?:no auth attempts[^)]*|disconnected before auth was ready[^)]*|client didn't finish SASL auth[^)]*|disconnected during TLS handshake)\)(?: \([a-z_]+\))?: (?:user=<([^>]*)>, )?.*?rip=([^,\s]+)/,
    'no_auth_disconnect',
    { ip: 2, user: 1 },
  ],
  [
    /^(?:Info: )?(?:conn .*?: auth-worker<\d+>: )?[\w-]+\(([^,]*),([^,)]+)(?:,[^)]*)?\): (?:unknown user|User not known)/,
    'unknown_user',
    { ip: 2, user: 1 },
  ],
  [
    /^(?:Info: )?(?:conn .*?: auth-worker<\d+>: )?[\w-]+\(([^,]*),([^,)]+)(?:,[^)]*)?\): pam_authenticate\(\) failed: User not known/,
    'unknown_user',
    { ip: 2, user: 1 },
  ],
  [
    /^(?:Info: )?(?:conn .*?: auth-worker<\d+>: )?[\w-]+\(([^,]*),([^,)]+)(?:,[^)]*)?\): (?:pam_authenticate\(\) failed|Password mismatch|invalid credentials)/,
    'auth_failure',
    { ip: 2, user: 1 },
  ],
  [
    /^pam_unix\(dovecot:auth\): authentication failure;.* rhost=(\S+)(?:\s+user=(\S*))?\s*$/,
    'auth_failure',
    { ip: 1, user: 2 },
  ],
  [/^(?:Info: )?\w+: (?:Password mismatch|unknown user)/, 'auth_failure', { ip: 0 }],
];

/** Dovecot 2.4 puts the user and address in the tag: `auth(user,ADDR,sasl:login)<id>`. */
const DOVECOT_TAG = /^auth\(([^,]*),([^,)]+)/;

/** True for syslog programs written by Postfix (`postfix/smtpd`, `postfix-incoming/smtpd`...). */
export function isPostfix(program: string): boolean {
  return program.startsWith('postfix');
}

/** True for Dovecot's programs (`dovecot`, `imap-login`, `auth-worker`, ...). */
export function isDovecot(program: string): boolean {
  return (
    program === 'dovecot' ||
    program.endsWith('-login') ||
    program.startsWith('auth') ||
    program === 'dovecot-auth'
  );
}

/**
 * Classify a mail-server message into `e`. `tag` is the raw syslog tag (Dovecot 2.4 keeps
 * the user and address there).
 */
export function classifyMail(program: string, message: string, e: LogEvent, tagArgs = ''): void {
  e.family = 'mail';
  let msg = message;
  // "dovecot: imap-login: ..." and "dovecot: auth-worker(304): ..." nest a second tag.
  // "dovecot: imap-login: ..." and "dovecot: auth-worker(304): ..." nest a second tag.
  const nested = /^([a-z][\w-]*)(?:\(\d+\)|\(default\))?: /.exec(msg);
  let prog = program;
  if (nested && isDovecot(nested[1])) {
    prog = nested[1];
    msg = msg.slice(nested[0].length);
  }
  const rules = isPostfix(prog) ? POSTFIX : DOVECOT;
  for (const [re, kind, g] of rules) {
    const m = re.exec(msg);
    if (!m) continue;
    e.kind = kind;
    if (g.ip && m[g.ip]) e.ip = normaliseIp(m[g.ip]);
    if (g.user && m[g.user] !== undefined) e.user = m[g.user];
    if (g.detail && m[g.detail]) e.detail = m[g.detail];
    if (kind === 'auth_failure' && g.ip === 3 && m[1]) e.count = Math.min(1000, Number(m[1]));
    break;
  }
  if (!e.ip && tagArgs) {
    const t = DOVECOT_TAG.exec(tagArgs);
    if (t) {
      e.ip = normaliseIp(t[2]);
      if (!e.user) e.user = t[1];
    }
  }
}
