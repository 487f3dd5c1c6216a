/**
 * A synthetic week of a campaign's web and mail logs, for `vigie demo` and tests: commodity
 * noise (CVE spraying, scanners, SSH and SMTP brute force, relay probes, WordPress login
 * floods) around one targeted operation (low-and-slow password spraying of real staff
 * mailboxes from one /24, reconnaissance of campaign-only pages, phishing look-alike domains
 * in referers, and in the end a successful login). Seeded: the same seed writes the same
 * bytes. All addresses are in documentation ranges or invented; names are invented.
 */
import { mkdirSync, writeFileSync, createWriteStream, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { mulberry32 } from '../util/rng.js';

export interface AttackDemoOptions {
  seed?: number;
  /** Legitimate web requests per day (default 20,000). */
  webPerDay?: number;
  days?: number;
  /** First day, UTC midnight (default 2017-05-01). */
  start?: number;
}

export interface AttackDemoFiles {
  access: string;
  mail: string;
  auth: string;
  staff: string;
  paths: string;
  brands: string;
  observed: string;
  /** What was planted, for checking the analysis. */
  truth: { targetedIps: string[]; compromisedUser: string; lookalikes: string[] };
  lines: number;
}

export const CAMPAIGN_DOMAIN = 'campagne-exemple.fr';

const MON = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number) => String(n).padStart(2, '0');
function clf(ms: number): string {
  const d = new Date(ms);
  return `${p2(d.getUTCDate())}/${MON[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} +0000`;
}
function sys(ms: number, host: string, tag: string, msg: string): string {
  const d = new Date(ms);
  return `${MON[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2)} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} ${host} ${tag}: ${msg}`;
}

const BROWSERS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/58.0.3029.110 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_12_4) AppleWebKit/603.1.30 (KHTML, like Gecko) Version/10.1 Safari/603.1.30',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 10_3_1 like Mac OS X) AppleWebKit/603.1.30 (KHTML, like Gecko) Version/10.0 Mobile/14E304 Safari/602.1',
  'Mozilla/5.0 (X11; Linux x86_64; rv:53.0) Gecko/20100101 Firefox/53.0',
  'Mozilla/5.0 (Linux; Android 7.0; SM-G930F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/58.0.3029.83 Mobile Safari/537.36',
];
const PAGES = [
  '/',
  '/actualites',
  '/programme',
  '/agenda',
  '/equipe',
  '/presse',
  '/contact',
  '/don',
  '/adherer',
  '/actualites/meeting-lyon',
  '/actualites/debat',
  '/programme/education',
  '/programme/sante',
];
const ASSETS = ['/static/app.css', '/static/app.js', '/static/logo.svg', '/favicon.ico', '/static/hero.jpg'];
const STAFF = [
  'j.dupont',
  'm.martin',
  'a.bernard',
  'c.petit',
  'l.moreau',
  's.laurent',
  'n.simon',
  'p.michel',
  'r.lefebvre',
  'e.leroy',
  'v.roux',
  'presse',
  'tresorerie',
  'dircom',
];
const GENERIC = [
  'root',
  'admin',
  'test',
  'oracle',
  'ubuntu',
  'postgres',
  'user',
  'guest',
  'pi',
  'git',
  'ftp',
];
const CVE_PATHS = [
  '/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php',
  '/mgmt/tm/util/bash',
  '/HNAP1/',
  '/GponForm/diag_Form?images/',
  '/cgi-bin/.%2e/.%2e/.%2e/.%2e/bin/sh',
  '/_ignition/execute-solution',
  '/remote/fgt_lang?lang=/../../../..//////////dev/cmdb/sslvpn_websession',
];
const SECRET_PATHS = [
  '/.env',
  '/.git/config',
  '/wp-config.php.bak',
  '/backup.sql',
  '/.aws/credentials',
  '/phpinfo.php',
];
const WORDLIST = [
  '/admin',
  '/administrator',
  '/phpmyadmin',
  '/pma',
  '/mysql',
  '/db',
  '/old',
  '/test',
  '/backup',
  '/wp-admin',
  '/manager/html',
  '/console',
  '/solr',
  '/jenkins',
  '/api',
  '/debug',
];

/**
 * Write the demo logs into `dir`. Returns the file paths and what was planted.
 * @example await writeAttackDemo('vigie-demo/logs', { seed: 2017 })
 */
export async function writeAttackDemo(dir: string, o: AttackDemoOptions = {}): Promise<AttackDemoFiles> {
  const rnd = mulberry32(o.seed ?? 2017);
  const int = (n: number) => Math.floor(rnd() * n);
  const pick = <T>(xs: T[]): T => xs[int(xs.length)];
  const days = o.days ?? 7;
  const start = o.start ?? Date.UTC(2017, 4, 1);
  const perDay = o.webPerDay ?? 20_000;
  mkdirSync(dir, { recursive: true });
  const web: [number, string][] = [];
  const mail: [number, string][] = [];
  const auth: [number, string][] = [];
  const resident = () => `${pick([78, 82, 86, 90, 92, 176, 37])}.${int(256)}.${int(256)}.${1 + int(254)}`;
  const noisy = () =>
    `${pick([45, 61, 89, 103, 112, 117, 125, 185, 193, 222])}.${int(256)}.${int(256)}.${1 + int(254)}`;
  const acc = (t: number, ip: string, method: string, path: string, status: number, ua: string, ref = '-') =>
    web.push([
      t,
      `${ip} - - [${clf(t)}] "${method} ${path} HTTP/1.1" ${status} ${status === 200 ? 2000 + int(60000) : 0} "${ref}" "${ua}"`,
    ]);
  const DAY = 86_400_000;

  for (let d = 0; d < days; d++) {
    const day = start + d * DAY;
    // Legitimate visitors: sessions of a page and its assets.
    let made = 0;
    while (made < perDay) {
      const ip = resident();
      const ua = pick(BROWSERS);
      let t = day + int(DAY);
      const pages = 1 + int(4);
      for (let k = 0; k < pages && made < perDay; k++) {
        const page = pick(PAGES);
        acc(
          t,
          ip,
          'GET',
          page,
          rnd() < 0.02 ? 404 : 200,
          ua,
          k ? `https://${CAMPAIGN_DOMAIN}/` : pick(['-', 'https://www.google.fr/', 'https://t.co/x']),
        );
        made++;
        for (const a of ASSETS.slice(0, 2 + int(3))) {
          acc(t + 200, ip, 'GET', a, 200, ua, `https://${CAMPAIGN_DOMAIN}${page}`);
          made++;
        }
        t += 5000 + int(60000);
      }
    }
    // Commodity: CVE spraying, secret-file probes, scanners, wordlists, WordPress login floods.
    for (let k = 0; k < 25; k++) {
      const ip = noisy();
      const t = day + int(DAY);
      acc(
        t,
        ip,
        pick(['GET', 'POST']),
        pick(CVE_PATHS),
        404,
        pick(['Go-http-client/1.1', 'Mozilla/5.0 zgrab/0.x', 'python-requests/2.13.0']),
      );
    }
    for (let k = 0; k < 8; k++) {
      const ip = noisy();
      const t = day + int(DAY);
      SECRET_PATHS.forEach((p, i) =>
        acc(t + i * 700, ip, 'GET', p, 404, 'Mozilla/5.0 (compatible; Nimbostratus-Bot/v1.3.2)'),
      );
    }
    for (let k = 0; k < 3; k++) {
      const ip = noisy();
      const t = day + int(DAY);
      const ua = pick([
        'Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:Port Check)',
        'sqlmap/1.1.4#stable (http://sqlmap.org)',
        'WPScan v2.9.2 (http://wpscan.org)',
      ]);
      WORDLIST.forEach((p, i) => acc(t + i * 300, ip, 'GET', p, 404, ua));
    }
    for (let k = 0; k < 2; k++) {
      const ip = noisy();
      const t = day + int(DAY);
      for (let i = 0; i < 40; i++)
        acc(
          t + i * 2000,
          ip,
          'POST',
          '/wp-login.php',
          200,
          'Mozilla/5.0 (Windows NT 6.1; rv:40.0) Gecko/20100101 Firefox/40.0',
        );
    }
    // Commodity SSH brute force with generic names.
    for (let k = 0; k < 12; k++) {
      const ip = noisy();
      let t = day + int(DAY);
      const n = 8 + int(60);
      for (let i = 0; i < n; i++) {
        const u = pick(GENERIC);
        const pid = 20000 + int(40000);
        const msg =
          u === 'root'
            ? `Failed password for root from ${ip} port ${30000 + int(30000)} ssh2`
            : `Invalid user ${u} from ${ip} port ${30000 + int(30000)}`;
        auth.push([t, sys(t, 'web1', `sshd[${pid}]`, msg)]);
        t += 500 + int(3000);
      }
    }
    // Staff logging in (noise that must stay quiet).
    for (const u of STAFF.slice(0, 10)) {
      const t = day + 7 * 3600_000 + int(12 * 3600_000);
      const ip = resident();
      if (rnd() < 0.2)
        mail.push([
          t - 30_000,
          sys(
            t - 30_000,
            'mx1',
            'dovecot',
            `imap-login: Disconnected (auth failed, 1 attempts in 4 secs): user=<${u}@${CAMPAIGN_DOMAIN}>, method=PLAIN, rip=${ip}, lip=192.0.2.25, TLS`,
          ),
        ]);
      mail.push([
        t,
        sys(
          t,
          'mx1',
          'dovecot',
          `imap-login: Login: user=<${u}@${CAMPAIGN_DOMAIN}>, method=PLAIN, rip=${ip}, lip=192.0.2.25, mpid=${1000 + int(9000)}, TLS`,
        ),
      ]);
    }
    // Commodity mail: SASL brute force with generic names, relay probes.
    for (let k = 0; k < 4; k++) {
      const ip = noisy();
      let t = day + int(DAY);
      for (let i = 0; i < 10 + int(30); i++) {
        mail.push([
          t,
          sys(
            t,
            'mx1',
            `postfix/submission/smtpd[${3000 + int(5000)}]`,
            `warning: unknown[${ip}]: SASL LOGIN authentication failed: UGFzc3dvcmQ6`,
          ),
        ]);
        t += 1000 + int(4000);
      }
    }
    for (let k = 0; k < 3; k++) {
      const ip = noisy();
      let t = day + int(DAY);
      for (let i = 0; i < 5; i++) {
        mail.push([
          t,
          sys(
            t,
            'mx1',
            `postfix/smtpd[${3000 + int(5000)}]`,
            `NOQUEUE: reject: RCPT from unknown[${ip}]: 554 5.7.1 <spam${i}@elsewhere.example>: Relay access denied; from=<x@spam.example> to=<spam${i}@elsewhere.example> proto=ESMTP helo=<localhost>`,
          ),
        ]);
        t += 2000 + int(5000);
      }
    }
  }

  // The targeted operation: four addresses of one /24, patient, real names, campaign pages.
  const op = ['198.51.100.23', '198.51.100.41', '198.51.100.77', '198.51.100.130'];
  const opUa =
    'Mozilla/5.0 (Windows NT 6.1; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/57.0.2987.133 Safari/537.36';
  const lookalikes = [
    `onedrive-${CAMPAIGN_DOMAIN}`,
    `mail-${CAMPAIGN_DOMAIN}`,
    'campagne-exemple.com',
    'campagne-exernple.fr',
  ];
  for (let d = 1; d < days; d++) {
    const day = start + d * DAY;
    // Recon of campaign-only pages, referred from the phishing look-alikes.
    for (const p of ['/espace-militant', '/intranet/login', '/espace-militant/annuaire']) {
      const t = day + 9 * 3600_000 + int(8 * 3600_000);
      acc(t, pick(op), 'GET', p, p.endsWith('login') ? 200 : 403, opUa, `https://${pick(lookalikes)}/`);
    }
    // Low-and-slow spraying: each staff mailbox once or twice a day, over IMAP and webmail.
    for (const u of STAFF) {
      if (rnd() < 0.35) continue;
      const t = day + int(DAY);
      const ip = pick(op);
      if (rnd() < 0.5)
        mail.push([
          t,
          sys(
            t,
            'mx1',
            'dovecot',
            `imap-login: Disconnected (auth failed, 1 attempts in 3 secs): user=<${u}@${CAMPAIGN_DOMAIN}>, method=PLAIN, rip=${ip}, lip=192.0.2.25, TLS`,
          ),
        ]);
      else {
        acc(t, ip, 'POST', '/?_task=login', 401, opUa, `https://webmail.${CAMPAIGN_DOMAIN}/`);
        mail.push([
          t + 1000,
          sys(
            t + 1000,
            'mx1',
            'dovecot',
            `auth: sql(${u}@${CAMPAIGN_DOMAIN},${ip},<x${int(1e6)}>): Password mismatch`,
          ),
        ]);
      }
    }
  }
  // The last day: a burst of tries on the press officer, then a login that works.
  const last = start + (days - 1) * DAY + 22 * 3600_000;
  const victim = 'presse';
  for (let i = 0; i < 6; i++)
    mail.push([
      last + i * 60_000,
      sys(
        last + i * 60_000,
        'mx1',
        'dovecot',
        `imap-login: Disconnected (auth failed, 1 attempts in 5 secs): user=<${victim}@${CAMPAIGN_DOMAIN}>, method=PLAIN, rip=${op[2]}, lip=192.0.2.25, TLS`,
      ),
    ]);
  mail.push([
    last + 7 * 60_000,
    sys(
      last + 7 * 60_000,
      'mx1',
      'dovecot',
      `imap-login: Login: user=<${victim}@${CAMPAIGN_DOMAIN}>, method=PLAIN, rip=${op[2]}, lip=192.0.2.25, mpid=4242, TLS`,
    ),
  ]);

  const write = async (name: string, rows: [number, string][]) => {
    rows.sort((a, b) => a[0] - b[0]);
    const path = join(dir, name);
    const ws = createWriteStream(path);
    for (const [, l] of rows)
      if (!ws.write(l + '\n')) await new Promise<void>((r) => ws.once('drain', () => r()));
    await new Promise<void>((r, j) => ws.end((e?: Error | null) => (e ? j(e) : r())));
    return path;
  };
  const access = await write('access.log', web);
  const mailPath = await write('mail.log', mail);
  const authPath = await write('auth.log', auth);
  // Syslog stamps carry no year: readers infer it from the file's date, as with real logs.
  const end = new Date(start + days * DAY + 3600_000);
  for (const f of [mailPath, authPath]) utimesSync(f, end, end);
  const staff = join(dir, 'staff.txt');
  writeFileSync(
    staff,
    '# real staff and mailbox names (demo)\n' + STAFF.map((u) => `${u}@${CAMPAIGN_DOMAIN}`).join('\n') + '\n',
  );
  const paths = join(dir, 'campaign-paths.txt');
  writeFileSync(paths, '# campaign-specific paths (demo)\n/espace-militant\n/intranet\n');
  const brands = join(dir, 'brands.txt');
  writeFileSync(brands, `${CAMPAIGN_DOMAIN}\n`);
  const observed = join(dir, 'observed-domains.txt');
  writeFileSync(
    observed,
    ['www.google.fr', 't.co', `webmail.${CAMPAIGN_DOMAIN}`, ...lookalikes, 'example.org', 'campagne.fr'].join(
      '\n',
    ) + '\n',
  );
  return {
    access,
    mail: mailPath,
    auth: authPath,
    staff,
    paths,
    brands,
    observed,
    truth: { targetedIps: op, compromisedUser: `${victim}@${CAMPAIGN_DOMAIN}`, lookalikes },
    lines: web.length + mail.length + auth.length,
  };
}
