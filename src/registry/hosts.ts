/**
 * Host normalisation shared by the registry loaders and the matcher: one function decides
 * what "the same domain" means everywhere, so a row written `https://www.RT.com/russia`
 * matches a link to `https://de.rt.com/...` exactly as a row written `rt.com` would.
 */
import { domainToASCII } from 'node:url';
import { parse as parseDomain } from 'tldts';

export interface NormalisedHost {
  /** ASCII (punycode) lower-case host, no port, no trailing dot, no leading `www.`. */
  host: string;
  /** Registrable domain (eTLD+1, ICANN suffixes only); the host itself for IP addresses. */
  registrable: string;
  isIp: boolean;
}

const MAX_HOST = 253;

/**
 * Normalise a domain, host, host:port or URL (with or without scheme; tolerant of the
 * `https:/host` typo and percent-encoded IDN hosts seen in public lists). Null when there is
 * no registrable domain or IP address in it.
 * @example normaliseHost('https://www.RT.com/russia')?.host === 'rt.com'
 */
export function normaliseHost(input: string): NormalisedHost | null {
  let h = input.trim().toLowerCase();
  if (!h || h.length > 2048) return null;
  // a scheme needs a slash after it (`https:/host` is a typo seen in lists; `host:8443` is not a scheme)
  h = h.replace(/^[a-z][a-z0-9+.-]*:\/+/, '');
  // userinfo, path, query, fragment, then port
  h = h.replace(/^[^@/?#]*@/, '').replace(/[/?#\s,].*$/, '');
  if (h.startsWith('[')) return null; // IPv6 literal: never in a watch-list, never matched
  h = h.replace(/:\d*$/, '').replace(/\.+$/, '');
  if (h.includes('%')) {
    try {
      h = decodeURIComponent(h);
    } catch {
      return null;
    }
  }
  if (h.startsWith('*.')) h = h.slice(2);
  const ascii = domainToASCII(h);
  if (!ascii || ascii.length > MAX_HOST) return null;
  const p = parseDomain(ascii, { allowPrivateDomains: false });
  if (p.isIp) return { host: ascii, registrable: ascii, isIp: true };
  if (!p.domain || !p.publicSuffix) return null;
  let host = ascii;
  // `www.` names the site itself; dropping it lets a `www.` row cover the bare domain too.
  if (host.startsWith('www.') && host !== p.domain) host = host.slice(4);
  return { host, registrable: p.domain, isIp: false };
}

/**
 * The host and its parents down to the registrable domain, most specific first: the keys a
 * watch-list entry may be stored under for this host to match it.
 * @example hostChain({ host: 'fr.news.rt.com', registrable: 'rt.com', isIp: false }) // fr.news.rt.com, news.rt.com, rt.com
 */
export function hostChain(n: NormalisedHost): string[] {
  if (n.isIp) return [n.host];
  const out: string[] = [];
  let h = n.host;
  for (;;) {
    out.push(h);
    if (h === n.registrable || h.length <= n.registrable.length) break;
    const dot = h.indexOf('.');
    if (dot < 0) break;
    h = h.slice(dot + 1);
  }
  return out;
}
