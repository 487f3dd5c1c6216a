/**
 * Triage: alerts grouped into incidents (one actor, as far as the logs can tell), each scored
 * targeted versus commodity with the reasons written out, then ranked.
 *
 * Grouping (union-find over alerts): the same client address; addresses of one /24 (IPv4)
 * or /48 (IPv6) active within `netGap`; the same tooling fingerprint within a day (a
 * non-browser User-Agent, or the same list of at least 3 account names tried) from the same
 * autonomous system; and the addresses a /24- or ASN-level alert lists.
 *
 * Scoring is additive and every point has its reason, so an analyst can disagree with one
 * line rather than with a black box. Targeted signs: a login that succeeded after failures,
 * real staff or mailbox names (a list the user supplies), a low-and-slow pace, webmail or
 * SSO logins, password spraying, campaign-specific paths (a list the user supplies), a
 * spread over one network. Commodity signs: CVE spraying, known scanner User-Agents, path
 * wordlists, only generic account names (root, admin...).
 */
import { createHash } from 'node:crypto';
import type { StoredAlert } from '../store/attacks.js';
import { SEVERITIES, type Severity } from '../findings/finding.js';
import { networkOf } from './ip.js';

export interface TriageOptions {
  /** Real staff and mailbox names (local parts or full addresses, case-insensitive). */
  staff?: string[];
  /** Campaign-specific path prefixes (/don, /adherer, /espace-militant...). */
  protectedPaths?: string[];
  /** Addresses of one network active within this many ms are one actor (default 1 h). */
  netGap?: number;
  /** Score at or above which an incident is called targeted (default 3). */
  targetedScore?: number;
}

export const TRIAGE_DEFAULTS: Required<TriageOptions> = {
  staff: [],
  protectedPaths: [],
  netGap: 3_600_000,
  targetedScore: 3,
};

export interface Reason {
  points: number;
  text: string;
}

export type IncidentClass = 'targeted' | 'commodity' | 'undetermined';

export interface Incident {
  id: string;
  alerts: StoredAlert[];
  ips: string[];
  networks: string[];
  asns: { asn: number; org: string }[];
  countries: string[];
  scenarios: string[];
  techniques: string[];
  users: string[];
  staffHit: string[];
  firstTime: number;
  lastTime: number;
  events: number;
  score: number;
  class: IncidentClass;
  severity: Severity;
  confidence: number;
  reasons: Reason[];
}

/** Account names every internet-wide guesser tries; trying only these says nothing about the target. */
const GENERIC_USERS = new Set(
  `root admin administrator test user guest oracle postgres mysql ubuntu pi git ftp ftpuser www www-data web
  support info mail webmaster nagios hadoop deploy jenkins tomcat ansible centos ec2-user debian
  operator sales office backup demo default dev docker ftptest student teacher testuser vagrant zabbix`
    .split(/\s+/)
    .filter(Boolean),
);

const GENERIC_UA = /^(Mozilla\/|Opera\/)/;

class UnionFind {
  private p: number[];
  constructor(n: number) {
    this.p = Array.from({ length: n }, (_, i) => i);
  }
  find(x: number): number {
    while (this.p[x] !== x) {
      this.p[x] = this.p[this.p[x]];
      x = this.p[x];
    }
    return x;
  }
  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.p[Math.max(ra, rb)] = Math.min(ra, rb);
  }
}

function localPart(u: string): string {
  const s = u.toLowerCase();
  const at = s.indexOf('@');
  return at > 0 ? s.slice(0, at) : s;
}

/** Group alerts into incidents and score them. Deterministic for the same alerts and options. */
export function triage(alerts: StoredAlert[], options: TriageOptions = {}): Incident[] {
  const o = { ...TRIAGE_DEFAULTS, ...options };
  const sorted = [...alerts].sort((a, b) => a.firstTime - b.firstTime || a.alertId.localeCompare(b.alertId));
  const uf = new UnionFind(sorted.length);
  const byIp = new Map<string, number>();
  sorted.forEach((a, i) => {
    const ips = a.groupby === 'ip' || a.groupby === 'ip_user' ? [a.ip] : a.ips;
    for (const ip of ips) {
      if (!ip) continue;
      const j = byIp.get(ip);
      if (j === undefined) byIp.set(ip, i);
      else uf.union(i, j);
    }
  });
  // Same network within netGap; same tooling within a day from the same AS.
  const byNet = new Map<string, number[]>();
  const byTool = new Map<string, number[]>();
  sorted.forEach((a, i) => {
    const net = a.ip ? networkOf(a.ip) : '';
    if (net) {
      const l = byNet.get(net) ?? [];
      l.push(i);
      byNet.set(net, l);
    }
    const tools: string[] = [];
    for (const ua of a.uas) if (!GENERIC_UA.test(ua)) tools.push(`ua:${ua}`);
    if (a.users.length >= 3) tools.push(`users:${[...a.users].map(localPart).sort().join(',')}`);
    for (const t of tools) {
      const k = `${a.asn}\u0000${t}`;
      const l = byTool.get(k) ?? [];
      l.push(i);
      byTool.set(k, l);
    }
  });
  const link = (groups: Map<string, number[]>, gap: number) => {
    for (const l of groups.values()) {
      for (let k = 1; k < l.length; k++) {
        const prev = sorted[l[k - 1]];
        const cur = sorted[l[k]];
        if (cur.firstTime - Math.max(prev.lastActivity, prev.lastTime) <= gap) uf.union(l[k - 1], l[k]);
      }
    }
  };
  link(byNet, o.netGap);
  link(byTool, 86_400_000);
  const groups = new Map<number, StoredAlert[]>();
  sorted.forEach((a, i) => {
    const r = uf.find(i);
    const g = groups.get(r) ?? [];
    g.push(a);
    groups.set(r, g);
  });
  const staff = new Set(o.staff.map(localPart).filter(Boolean));
  const incidents = [...groups.values()].map((g) => score(g, o, staff));
  incidents.sort(
    (a, b) =>
      SEVERITIES.indexOf(b.severity) - SEVERITIES.indexOf(a.severity) ||
      b.score - a.score ||
      b.events - a.events ||
      a.id.localeCompare(b.id),
  );
  return incidents;
}

function uniq<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

function score(alerts: StoredAlert[], o: Required<TriageOptions>, staff: Set<string>): Incident {
  const ips = uniq(alerts.flatMap((a) => (a.ips.length ? a.ips : [a.ip])).filter(Boolean)).sort();
  const scenarios = uniq(alerts.map((a) => a.scenario)).sort();
  const traits = new Set(alerts.flatMap((a) => a.traits));
  const users = uniq(alerts.flatMap((a) => a.users)).sort();
  const paths = uniq(alerts.flatMap((a) => a.paths));
  const uas = uniq(alerts.flatMap((a) => a.uas));
  const reasons: Reason[] = [];
  const add = (points: number, text: string) => reasons.push({ points, text });
  const staffHit = users.filter((u) => staff.has(localPart(u)));
  if (traits.has('compromise'))
    add(5, 'a login succeeded after repeated failures from the same address (possible compromise)');
  if (staffHit.length)
    add(
      3,
      `tried ${staffHit.length} real staff or mailbox name(s): ${staffHit.slice(0, 5).join(', ')}${staffHit.length > 5 ? '…' : ''}`,
    );
  if (traits.has('low-and-slow') && !traits.has('burst'))
    add(2, 'low-and-slow pace: stays under burst thresholds, typical of patient operators');
  if (traits.has('burst') && !traits.has('compromise') && staffHit.length === 0)
    add(-1, 'noisy burst guessing: trips rate limits, typical of commodity tools');
  if (traits.has('webmail')) add(2, 'webmail or single-sign-on logins: aims at mailboxes');
  const onlyGeneric = users.length > 0 && users.every((u) => GENERIC_USERS.has(localPart(u)));
  if (traits.has('spraying') && !onlyGeneric)
    add(2, 'password spraying: many accounts, few tries each (avoids lockouts)');
  const campaignPaths = o.protectedPaths.length
    ? paths.filter((p) => o.protectedPaths.some((pp) => p.startsWith(pp)))
    : [];
  if (campaignPaths.length) add(2, `campaign-specific paths: ${campaignPaths.slice(0, 3).join(', ')}`);
  if (traits.has('distributed') || uniq(ips.map(networkOf)).length < ips.length)
    if (ips.length > 1) add(1, `spread over ${ips.length} addresses of the same network(s)`);
  if (traits.has('exploit') && scenarios.includes('http-cve-probe'))
    add(-2, 'CVE spraying: exploit paths for products the site may not even run (mass exploitation)');
  if (traits.has('scanner') && scenarios.includes('http-scanner-ua'))
    add(
      -2,
      `known scanner User-Agent: ${uas
        .filter((u) => !GENERIC_UA.test(u))
        .slice(0, 2)
        .join(' | ')}`,
    );
  if (scenarios.includes('http-probing') && !campaignPaths.length)
    add(-1, 'path probing with a generic wordlist');
  if (onlyGeneric)
    add(-1, `only generic account names (${users.slice(0, 4).join(', ')}${users.length > 4 ? '…' : ''})`);
  if (
    traits.has('commodity') &&
    !scenarios.includes('http-cve-probe') &&
    !scenarios.includes('http-scanner-ua')
  )
    add(-1, 'behaviour typical of internet-wide commodity tools');
  const cms = paths.filter((p) =>
    /(^|\/)(wp-login\.php|xmlrpc\.php|wp-admin\/?|administrator\/index\.php)$/.test(p),
  );
  if (traits.has('stuffing') && cms.length && cms.length === paths.length && !campaignPaths.length)
    add(
      -1,
      `login flood on a generic CMS endpoint (${cms.slice(0, 2).join(', ')}): typical of botnets sweeping the web`,
    );
  const total = reasons.reduce((s, r) => s + r.points, 0);
  const cls: IncidentClass = total >= o.targetedScore ? 'targeted' : total < 0 ? 'commodity' : 'undetermined';
  let severity = alerts.reduce<Severity>(
    (m, a) => (SEVERITIES.indexOf(a.severity) > SEVERITIES.indexOf(m) ? a.severity : m),
    'info',
  );
  if (cls === 'targeted' && SEVERITIES.indexOf(severity) < SEVERITIES.indexOf('high')) severity = 'high';
  if (
    cls === 'commodity' &&
    !traits.has('compromise') &&
    SEVERITIES.indexOf(severity) > SEVERITIES.indexOf('low')
  )
    severity = 'low';
  // Independent alerts raise confidence that the activity is hostile: 1 - prod(1 - c).
  const confidence = Math.min(0.99, 1 - alerts.reduce((p, a) => p * (1 - a.confidence), 1));
  const asnMap = new Map<number, string>();
  for (const a of alerts) if (a.asn) asnMap.set(a.asn, a.org);
  const first = alerts.reduce((m, a) => Math.min(m, a.firstTime), Infinity);
  const last = alerts.reduce((m, a) => Math.max(m, a.lastActivity, a.lastTime), -Infinity);
  const id = createHash('sha256')
    .update(alerts.map((a) => a.alertId).sort()[0])
    .digest('hex')
    .slice(0, 24);
  return {
    id,
    alerts,
    ips,
    networks: uniq(ips.map(networkOf)).sort(),
    asns: [...asnMap].map(([asn, org]) => ({ asn, org })).sort((a, b) => a.asn - b.asn),
    countries: uniq(alerts.map((a) => a.country).filter(Boolean)).sort(),
    scenarios,
    techniques: uniq(alerts.flatMap((a) => a.techniques)).sort(),
    users,
    staffHit,
    firstTime: first,
    lastTime: last,
    events: alerts.reduce((s, a) => s + a.events + a.suppressed, 0),
    score: total,
    class: cls,
    severity,
    confidence,
    reasons,
  };
}
