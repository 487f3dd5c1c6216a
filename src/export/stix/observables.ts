/**
 * Network observables named by findings (domains, URLs, IP addresses, accounts), found by
 * walking `details` for the conventional field names every detector uses (ip/ips, domain/
 * domains, url/urls, members). Everything comes from hostile input: values are validated
 * (tldts for domains, URL parser for http(s) URLs, node:net for addresses) and the rest is
 * counted as skipped, never emitted.
 */
import { isIP } from 'node:net';
import { parse as parseDomain } from 'tldts';
import type { Finding } from '../../findings/finding.js';
import { splitKey } from '../../model/keys.js';

export type ObservableKind = 'domain-name' | 'url' | 'ipv4-addr' | 'ipv6-addr';

export interface Observable {
  kind: ObservableKind;
  value: string;
}

export interface AccountRef {
  platform: string;
  accountId: string;
}

const KEYS: Record<string, 'domain' | 'url' | 'ip'> = {
  domain: 'domain',
  domains: 'domain',
  lookalike: 'domain',
  observed: 'domain',
  host: 'domain',
  hosts: 'domain',
  url: 'url',
  urls: 'url',
  leakurls: 'url',
  canonicalurls: 'url',
  ip: 'ip',
  ips: 'ip',
};

const MAX_DEPTH = 4;
const MAX_LEN = 2048;

/** A valid registrable host name, lower case, or null. */
export function cleanDomain(v: string): string | null {
  if (v.length > 253) return null;
  const p = parseDomain(v.trim().toLowerCase().replace(/\.$/, ''), { allowPrivateDomains: true });
  if (!p.hostname || !p.domain || p.isIp) return null;
  return p.hostname;
}

/** An http(s) URL in its parsed (normalised) form, or null. */
export function cleanUrl(v: string): string | null {
  if (v.length > MAX_LEN) return null;
  try {
    const u = new URL(v.trim());
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

function classify(hint: 'domain' | 'url' | 'ip', v: string): Observable | null {
  if (hint === 'ip') {
    const ip = v.trim();
    const fam = isIP(ip);
    return fam === 4
      ? { kind: 'ipv4-addr', value: ip }
      : fam === 6
        ? { kind: 'ipv6-addr', value: ip.toLowerCase() }
        : null;
  }
  if (hint === 'url') {
    const u = cleanUrl(v);
    return u ? { kind: 'url', value: u } : null;
  }
  const d = cleanDomain(v);
  return d ? { kind: 'domain-name', value: d } : null;
}

/** Observables of one finding (de-duplicated, sorted) and how many candidate values were invalid. */
export function observablesOf(f: Finding): { observables: Observable[]; skipped: number } {
  const seen = new Map<string, Observable>();
  let skipped = 0;
  const walk = (v: unknown, hint: 'domain' | 'url' | 'ip' | null, depth: number): void => {
    if (depth > MAX_DEPTH || v === null || v === undefined) return;
    if (typeof v === 'string') {
      if (!hint) return;
      const o = classify(hint, v);
      if (o) seen.set(`${o.kind}\u0000${o.value}`, o);
      else skipped++;
      return;
    }
    if (Array.isArray(v)) {
      for (const x of v.slice(0, 5000)) walk(x, hint, depth + 1);
      return;
    }
    if (typeof v === 'object')
      for (const [k, x] of Object.entries(v as Record<string, unknown>))
        walk(x, KEYS[k.toLowerCase()] ?? null, depth + 1);
  };
  walk(f.details ?? {}, null, 0);
  const observables = [...seen.values()].sort((a, b) => (a.kind + a.value < b.kind + b.value ? -1 : 1));
  return { observables, skipped };
}

/** Accounts named by a finding: `details.members` / `details.accounts` keys `platform:account_id`. */
export function accountsOf(f: Finding, max: number): AccountRef[] {
  const d = (f.details ?? {}) as Record<string, unknown>;
  const raw = [d.members, d.accounts].flatMap((x) => (Array.isArray(x) ? x : []));
  const out = new Map<string, AccountRef>();
  for (const k of raw) {
    if (typeof k !== 'string' || k.length > 300) continue;
    const parts = splitKey(k);
    if (!parts || parts[1] === '') continue;
    out.set(k, { platform: parts[0], accountId: parts[1] });
    if (out.size >= max) break;
  }
  return [...out.values()];
}

/** A STIX pattern string literal: single quotes, with \ and ' escaped (STIX 2.1 patterning 9.2). */
export function patternLiteral(v: string): string {
  return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** `[domain-name:value = '...']` and friends. */
export function patternOf(o: Observable): string {
  return `[${o.kind}:value = ${patternLiteral(o.value)}]`;
}
