/**
 * IP address helpers: numeric forms, CIDR membership, the /24 (IPv4) or /48 (IPv6) network
 * of an address for grouping. No I/O.
 */

/** IPv4 dotted quad to an unsigned 32-bit number; -1 when not IPv4. */
export function ipv4ToInt(ip: string): number {
  let n = 0;
  let part = 0;
  let dots = 0;
  let digits = 0;
  for (let i = 0; i < ip.length; i++) {
    const c = ip.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || part > 255) return -1;
      n = n * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      part = part * 10 + c - 48;
      digits++;
      if (digits > 3) return -1;
    } else return -1;
  }
  if (dots !== 3 || digits === 0 || part > 255) return -1;
  return n * 256 + part;
}

/** IPv6 text to a BigInt; null when not IPv6. Handles `::` and an embedded IPv4 tail. */
export function ipv6ToBigInt(ip: string): bigint | null {
  if (!ip.includes(':')) return null;
  let s = ip.toLowerCase();
  const pct = s.indexOf('%');
  if (pct >= 0) s = s.slice(0, pct);
  let tail: number[] = [];
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    const v4 = ipv4ToInt(s.slice(lastColon + 1));
    if (v4 < 0) return null;
    tail = [Math.floor(v4 / 65536), v4 % 65536];
    s = s.slice(0, lastColon + 1) + '0';
    s = s.replace(/:0$/, ':');
    if (s.endsWith(':') && !s.endsWith('::')) s = s.slice(0, -1);
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const parse = (h: string) =>
    h === '' ? [] : h.split(':').map((x) => (/^[0-9a-f]{1,4}$/.test(x) ? parseInt(x, 16) : NaN));
  const head = parse(halves[0]);
  const rest = halves.length === 2 ? parse(halves[1]) : [];
  const groups = 8 - tail.length;
  let words: number[];
  if (halves.length === 2) {
    const fill = groups - head.length - rest.length;
    if (fill < 0) return null;
    words = [...head, ...new Array(fill).fill(0), ...rest, ...tail];
  } else {
    words = [...head, ...tail];
  }
  if (words.length !== 8 || words.some((w) => Number.isNaN(w))) return null;
  let n = 0n;
  for (const w of words) n = (n << 16n) | BigInt(w);
  return n;
}

export interface Cidr {
  v6: boolean;
  base: bigint;
  bits: number;
}

/** Parse `1.2.3.0/24`, `2001:db8::/32` or a bare address (/32, /128). Throws on garbage. */
export function parseCidr(s: string): Cidr {
  const [addr, len] = s.trim().split('/');
  const v4 = ipv4ToInt(addr);
  if (v4 >= 0) {
    const bits = len === undefined ? 32 : Number(len);
    if (!(bits >= 0 && bits <= 32)) throw new Error(`bad prefix length in ${s}`);
    const mask = bits === 0 ? 0n : ((1n << BigInt(bits)) - 1n) << BigInt(32 - bits);
    return { v6: false, base: BigInt(v4) & mask, bits };
  }
  const v6 = ipv6ToBigInt(addr);
  if (v6 === null) throw new Error(`not an IP network: ${s}`);
  const bits = len === undefined ? 128 : Number(len);
  if (!(bits >= 0 && bits <= 128)) throw new Error(`bad prefix length in ${s}`);
  const mask = bits === 0 ? 0n : ((1n << BigInt(bits)) - 1n) << BigInt(128 - bits);
  return { v6: true, base: v6 & mask, bits };
}

/** Is `ip` inside the network? False for unparsable addresses. */
export function inCidr(ip: string, net: Cidr): boolean {
  if (!net.v6) {
    const v = ipv4ToInt(ip);
    if (v < 0) return false;
    const shift = BigInt(32 - net.bits);
    return net.bits === 0 || BigInt(v) >> shift === net.base >> shift;
  }
  const v = ipv6ToBigInt(ip);
  if (v === null) return false;
  const shift = BigInt(128 - net.bits);
  return net.bits === 0 || v >> shift === net.base >> shift;
}

/** The /24 of an IPv4 address or the /48 of an IPv6 address, as CIDR text; '' otherwise. */
export function networkOf(ip: string): string {
  const v4 = ipv4ToInt(ip);
  if (v4 >= 0) {
    const n = v4 - (v4 % 256);
    return `${Math.floor(n / 16777216)}.${Math.floor(n / 65536) % 256}.${Math.floor(n / 256) % 256}.0/24`;
  }
  const v6 = ipv6ToBigInt(ip);
  if (v6 === null) return '';
  const p = v6 >> 80n;
  const w = [(p >> 32n) & 0xffffn, (p >> 16n) & 0xffffn, p & 0xffffn].map((x) => x.toString(16));
  return `${w.join(':')}::/48`;
}

/** A set of networks with fast membership for IPv4 (sorted ranges) and a list for IPv6. */
export class NetworkSet {
  private v4: [number, number][] = [];
  private v6: Cidr[] = [];
  private sorted = true;
  size = 0;

  add(cidr: string): void {
    const c = parseCidr(cidr);
    if (c.v6) this.v6.push(c);
    else {
      const start = Number(c.base);
      this.v4.push([start, start + 2 ** (32 - c.bits) - 1]);
      this.sorted = false;
    }
    this.size++;
  }

  has(ip: string): boolean {
    const v = ipv4ToInt(ip);
    if (v >= 0) {
      if (!this.sorted) {
        this.v4.sort((a, b) => a[0] - b[0]);
        this.sorted = true;
      }
      let lo = 0;
      let hi = this.v4.length - 1;
      // Ranges may nest; scan back a little from the last start <= v.
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (this.v4[mid][0] <= v) lo = mid + 1;
        else hi = mid - 1;
      }
      for (let i = hi; i >= 0 && i >= hi - 64; i--) if (this.v4[i][0] <= v && v <= this.v4[i][1]) return true;
      return false;
    }
    return this.v6.some((c) => inCidr(ip, c));
  }
}
