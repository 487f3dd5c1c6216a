/**
 * OpenSSH server messages (sshd, sshd-session) to event kinds.
 *
 * The patterns follow what OpenSSH prints (auth.c, auth2.c, sshd.c, packet.c) in the versions
 * seen in the wild since 2004, including the forms fail2ban's labelled test lines cover.
 * Adversary-controlled text (the user name, the client's version string) can contain
 * " from 1.2.3.4": each pattern anchors the address to the END of the message, or to the
 * last position sshd itself writes, so an injected address is never taken for the source.
 *
 * @see https://github.com/openssh/openssh-portable auth.c auth_log()
 * @see fail2ban config/filter.d/sshd.conf (the kinds map to its modes in the conformance test)
 */
import { type EventKind, type LogEvent, normaliseIp } from './event.js';

type Rule = [RegExp, EventKind, { ip: number; user?: number; detail?: number }];

// Tail after the address that sshd may add: port, "on ADDR port N", protocol, [preauth], ": info".
const TAIL = String.raw`(?: port \d+)?(?: on \S+(?: port \d+)?)?(?: ssh\d?)?(?: \[preauth\])?(?:: .*)?$`;
const ADDR = String.raw`(\S+?)`;

const RULES: Rule[] = [
  [
    new RegExp(String.raw`^Accepted (\S+) for (.*?) from ${ADDR}${TAIL}`),
    'auth_success',
    { ip: 3, user: 2, detail: 1 },
  ],
  [
    new RegExp(
      String.raw`^Failed (?!publickey for (?!invalid))(\S+) for (?:(?:invalid|illegal) user )?(.*?) from ${ADDR}${TAIL}`,
    ),
    'auth_failure',
    { ip: 3, user: 2, detail: 1 },
  ],
  [
    new RegExp(String.raw`^Failed publickey for (.*?) from ${ADDR}${TAIL}`),
    'pubkey_rejected',
    { ip: 2, user: 1 },
  ],
  [
    new RegExp(String.raw`^(?:Invalid|Illegal) user (.*?) from ${ADDR}(?: port \d+)?$`),
    'invalid_user',
    { ip: 2, user: 1 },
  ],
  [/^User (.+?) from (\S+) not allowed because /, 'user_not_allowed', { ip: 2, user: 1 }],
  [/^ROOT LOGIN REFUSED FROM (\S+?)(?: port \d+)?(?: \[preauth\])?$/, 'root_refused', { ip: 1 }],
  [/^refused connect from \S* ?\((\S+)\)$/, 'refused_connect', { ip: 1 }],
  [
    /^(?:error: )?PAM: (?:[Aa]uthentication (?:failure|error)|User not known to the underlying authentication module) for (?:illegal user )?(.*?) from (\S+?)(?: via \S+)?\s*$/,
    'auth_failure',
    { ip: 2, user: 1 },
  ],
  [
    /^(?:error: )?maximum authentication attempts exceeded for (?:invalid user )?(.*?) from (\S+?) port \d+(?: ssh\d?)?(?: \[preauth\])?$/,
    'too_many_failures',
    { ip: 2, user: 1 },
  ],
  [
    /^Disconnecting(?: (?:invalid|authenticating) user (\S*) (\S+) port \d+)?: Too many authentication failures(?: for (?:invalid user )?(.*?))?(?: \[preauth\])?$/,
    'too_many_failures',
    { ip: 2, user: 3 },
  ],
  [
    /^Disconnecting (?:invalid|authenticating) user (\S*) (\S+) port \d+: Change of username or service not allowed/,
    'auth_failure',
    { ip: 2, user: 1 },
  ],
  [
    /^(?:error: )?Received disconnect from (\S+?)(?: port \d+)?: ?3: .*Auth fail(?: \[preauth\])?$/,
    'auth_failure',
    { ip: 1 },
  ],
  [
    /^(?:error: )?Received disconnect from (\S+?)(?: port \d+)?: ?14: No (?:supported )?authentication methods available(?: \[preauth\])?$/,
    'negotiation_failure',
    { ip: 1, detail: 0 },
  ],
  [
    /^(?:error: )?Received disconnect from (\S+?)(?: port \d+)?: ?11: (.*?) \[preauth\]$/,
    'disconnect_preauth',
    { ip: 1, detail: 2 },
  ],
  [
    /^(?:fatal: )?Unable to negotiate with (\S+?) port \d+: no matching (.+?) found/,
    'negotiation_failure',
    { ip: 1, detail: 2 },
  ],
  [/^fatal: Unable to negotiate a key exchange method/, 'negotiation_failure', { ip: 0 }],
  [/^fatal: no matching (?:mac|cipher) found/, 'negotiation_failure', { ip: 0 }],
  [/^Did not receive identification string from (\S+?)(?: port \d+)?$/, 'preauth_abort', { ip: 1 }],
  [/^Bad protocol version identification .*? from (\S+?)(?: port \d+)?$/, 'preauth_abort', { ip: 1 }],
  [/^fatal: Read from socket failed: Connection reset by peer \[preauth\]$/, 'preauth_abort', { ip: 0 }],
  [
    /^Connection reset by (?:authenticating user (.*) )?(\S+) port \d+ \[preauth\]$/,
    'preauth_abort',
    { ip: 2, user: 1 },
  ],
  [
    /^Connection closed by (?:(?:authenticating|invalid) user (.*?) )?(\S+?)(?: port \d+)? \[preauth\]$/,
    'preauth_abort',
    { ip: 2, user: 1 },
  ],
  [
    /^Disconnected from (?:(?:authenticating|invalid) user (.*?) )(\S+?) port \d+ \[preauth\]$/,
    'negotiation_failure',
    { ip: 2, user: 1, detail: 0 },
  ],
  [/^Disconnected from (\S+?) port \d+ \[preauth\]$/, 'preauth_abort', { ip: 1 }],
  [/^(?:error: )?kex_exchange_identification: (?!banner line too long)/, 'preauth_abort', { ip: 0 }],
  [/^banner exchange: Connection from (\S+) port \d+: invalid format/, 'preauth_abort', { ip: 1 }],
  [/^ssh_dispatch_run_fatal: Connection from (\S+) port \d+: /, 'preauth_abort', { ip: 1 }],
  [
    /^(?:fatal: )?Timeout before authentication for (?:connection from )?(\S+?)(?: port \d+| to \S+.*)?$/,
    'preauth_abort',
    { ip: 1 },
  ],
  [
    /^pam_unix\(sshd:auth\): authentication failure;.* ruser=(\S*) rhost=(\S*)(?:\s+user=(\S*))?(?: \[preauth\])?\s*$/,
    'pam_failure',
    { ip: 2, user: 3, detail: 1 },
  ],
  [
    /^PAM (\d+) more authentication failures?;.* rhost=(\S*)(?:\s+user=(\S*))?\s*$/,
    'pam_failure',
    { ip: 2, user: 3 },
  ],
  [/^Connection from (\S+) port \d+(?: on .*)?$/, 'connection', { ip: 1 }],
  [/^SSH: Server;Ltype: \w+;Remote: (\S+?)-\d+;/, 'connection', { ip: 1 }],
  [/^Connection from (\S+)$/, 'connection', { ip: 1 }],
  [/^Connection (?:closed|reset) by (\S+?)(?: port \d+)?$/, 'connection', { ip: 1 }],
  [/^reverse mapping checking getaddrinfo for \S+ \[(\S+)\] failed/, 'dns_mismatch', { ip: 1 }],
  [/^Address (\S+) maps to \S+, but this does not map back/, 'dns_mismatch', { ip: 1 }],
];

// Kinds that may lack an address and take the one the same sshd process logged earlier.
const NEEDS_PID_IP = new Set<EventKind>(['too_many_failures', 'preauth_abort', 'negotiation_failure']);

/** What one sshd process (pid) has logged so far: its client, its last kind, a failure awaiting an address. */
export interface SshSession {
  ip: string;
  last: EventKind;
  pending: EventKind | null;
  /** Users that failed in this connection. */
  failedUsers: string[];
}

/**
 * Classify an sshd message into `e` (kind, ip, user). `sessions` remembers each sshd
 * process's client address so that messages without one ("Disconnecting: Too many
 * authentication failures") are attributed; when the address is not known yet, the failure
 * waits for the process's closing line, which names it. The caller owns the map; it is
 * cleared past 100,000 processes to bound memory.
 */
export function classifySsh(message: string, e: LogEvent, sessions: Map<string, SshSession>): void {
  let msg = message;
  if (msg.startsWith('[ID ')) msg = msg.replace(/^\[ID \d+ [\w.]+\] /, '');
  if (msg.startsWith('kernel:')) msg = msg.replace(/^kernel: ?\[ *\d+\.\d+\]:? /, '');
  e.family = 'ssh';
  for (const [re, kind, g] of RULES) {
    const m = re.exec(msg);
    if (!m) continue;
    e.kind = kind;
    if (g.ip && m[g.ip]) e.ip = normaliseIp(m[g.ip]);
    if (g.user && m[g.user] !== undefined) e.user = m[g.user];
    if (g.detail && m[g.detail]) e.detail = m[g.detail];
    if (kind === 'pam_failure' && /^PAM (\d+) more/.test(msg)) e.count = Number(/^PAM (\d+)/.exec(msg)![1]);
    break;
  }
  if (e.kind === 'pam_failure' && !e.user) {
    // pam_unix puts the attempted name in ruser= when sshd gave no user=.
    e.user = e.detail;
  }
  if (e.kind === 'pam_failure') e.detail = '';
  if (!e.pid) return;
  let s = sessions.get(e.pid);
  if (!s) {
    if (sessions.size > 100_000) sessions.clear();
    s = { ip: '', last: 'other', pending: null, failedUsers: [] };
    sessions.set(e.pid, s);
  }
  if (e.kind === 'too_many_failures' && s.last === 'too_many_failures') {
    // "Disconnecting ...: Too many authentication failures" right after "maximum
    // authentication attempts exceeded": the same event logged twice.
    e.kind = 'other';
    e.detail = 'repeat of the previous line';
  } else if (e.ip) {
    s.ip = e.ip;
    if (s.pending && (e.kind === 'preauth_abort' || /^Connection (?:closed|reset) by /.test(msg))) {
      e.kind = s.pending;
    }
    s.pending = null;
  } else if (NEEDS_PID_IP.has(e.kind)) {
    if (s.ip) e.ip = s.ip;
    else s.pending = e.kind;
  }
  // One connection trying a second account name: pam_unix alone logs it as a "failure" even
  // when a later method succeeds, so only a change of user makes it a real failure (as
  // fail2ban's sshd filter also decides).
  if (e.kind === 'pam_failure' || e.kind === 'auth_failure') {
    if (e.user && s.failedUsers.length && !s.failedUsers.includes(e.user)) e.kind = 'auth_failure';
    if (e.user && !s.failedUsers.includes(e.user) && s.failedUsers.length < 50) s.failedUsers.push(e.user);
  } else if (e.kind === 'auth_success' && s.failedUsers.some((u) => u !== e.user)) {
    e.detail = `accepted after failures for ${s.failedUsers.filter((u) => u !== e.user).join(', ')} in this connection`;
  }
  if (e.kind !== 'other' || s.last === 'other') s.last = e.kind;
}
