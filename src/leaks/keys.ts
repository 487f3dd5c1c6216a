/**
 * The offline DKIM key store: public keys by domain and selector, with when they were seen
 * and where they came from. Verification consults it instead of live DNS because keys rotate:
 * a leak published years later can only be checked against the keys that were published when
 * the mail was sent (archived DNS answers, the dkimpy test archive, passive-DNS exports).
 *
 * @see RFC 6376 section 3.6.1 (key record), RFC 8463 (ed25519 keys)
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { promises as dns } from 'node:dns';
import { VigieError } from '../util/errors.js';

/** One public key as stored. */
export interface DkimKeyRecord {
  domain: string;
  selector: string;
  /** `rsa` or `ed25519`. */
  keyType: string;
  /** The p= value (base64 DER SubjectPublicKeyInfo for RSA, raw 32 bytes for ed25519). */
  publicKey: string;
  /** RSA modulus length; 256 for ed25519. */
  bits: number | null;
  /** SHA-256 of the decoded p= bytes, hex: identifies a key across selectors and sources. */
  fingerprint: string;
  /** The TXT record as found. */
  record: string;
  /** Epoch ms; null = unknown (the key is then taken as valid at any date). */
  firstSeen: number | null;
  lastSeen: number | null;
  /** Where the key came from: `file:NAME`, `live-dns`, `manual`... */
  source: string;
  /** When vigie learnt it (epoch ms). */
  addedAt: number;
  /** When its private half was published (epoch ms), making any signature by it forgeable. */
  privatePublishedAt: number | null;
  privatePublishedSource: string | null;
}

/** A key ready to verify with, and the record it came from. */
export interface KeyCandidate {
  record: DkimKeyRecord;
  key: KeyObject;
  /** Whether the message date falls inside the key's known window. */
  inWindow: boolean;
}

const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** Parse a DKIM key TXT record (`v=DKIM1; k=rsa; p=...`) into tags. */
export function parseTagList(txt: string): Map<string, string> {
  const tags = new Map<string, string>();
  for (const part of txt.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const k = part.slice(0, eq).trim().toLowerCase();
    if (k && !tags.has(k)) tags.set(k, part.slice(eq + 1).trim());
  }
  return tags;
}

/** A public KeyObject from a p= value; throws VigieError ERR_INPUT when it is not a key. */
export function keyObjectOf(p: string, keyType: string): KeyObject {
  const raw = Buffer.from(p.replace(/\s+/g, ''), 'base64');
  try {
    if (keyType === 'ed25519' || raw.length === 32) {
      return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
    }
    try {
      return createPublicKey({ key: raw, format: 'der', type: 'spki' });
    } catch {
      // Some old records publish a bare PKCS#1 RSAPublicKey instead of SubjectPublicKeyInfo.
      return createPublicKey({ key: raw, format: 'der', type: 'pkcs1' });
    }
  } catch (e) {
    throw new VigieError('ERR_INPUT', `not a usable ${keyType} public key (${(e as Error).message})`, {
      cause: e,
    });
  }
}

/**
 * A key record from a TXT record's text, or null for a revoked key (empty p=).
 * @example keyFromTxt('gmail.com', '20120113', 'k=rsa; p=MIIB...', { source: 'file:gmail.json' })
 */
export function keyFromTxt(
  domain: string,
  selector: string,
  txt: string,
  meta: Partial<
    Pick<
      DkimKeyRecord,
      'firstSeen' | 'lastSeen' | 'source' | 'addedAt' | 'privatePublishedAt' | 'privatePublishedSource'
    >
  > = {},
): DkimKeyRecord | null {
  const record = txt.replace(/\s+/g, ' ').trim();
  const tags = parseTagList(record.replace(/\s+/g, ''));
  const p = (tags.get('p') ?? '').replace(/\s+/g, '');
  if (!p) return null;
  const v = tags.get('v');
  if (v !== undefined && v.toUpperCase() !== 'DKIM1')
    throw new VigieError('ERR_INPUT', `${selector}._domainkey.${domain}: unknown key version v=${v}`);
  const declared = (tags.get('k') ?? 'rsa').toLowerCase();
  const key = keyObjectOf(p, declared);
  const type = key.asymmetricKeyType ?? declared;
  if (type !== declared)
    throw new VigieError(
      'ERR_INPUT',
      `${selector}._domainkey.${domain}: k=${declared} but the key is ${type}`,
    );
  const bits =
    type === 'rsa' ? (key.asymmetricKeyDetails?.modulusLength ?? null) : type === 'ed25519' ? 256 : null;
  return {
    domain: domain.toLowerCase().replace(/\.$/, ''),
    selector: selector.toLowerCase(),
    keyType: type,
    publicKey: p,
    bits,
    fingerprint: createHash('sha256').update(Buffer.from(p, 'base64')).digest('hex'),
    record,
    firstSeen: meta.firstSeen ?? null,
    lastSeen: meta.lastSeen ?? null,
    source: meta.source ?? 'manual',
    addedAt: meta.addedAt ?? Date.now(),
    privatePublishedAt: meta.privatePublishedAt ?? null,
    privatePublishedSource: meta.privatePublishedSource ?? null,
  };
}

/** Split `selector._domainkey.domain` into its parts; null when the name is not a DKIM key name. */
export function splitKeyName(name: string): { selector: string; domain: string } | null {
  const m = /^(.+?)\._domainkey\.(.+?)\.?$/i.exec(name.trim());
  return m ? { selector: m[1].toLowerCase(), domain: m[2].toLowerCase() } : null;
}

/**
 * Keys from a JSON key file. Two forms are read: the DNS-cache form used by mailauth's tests
 * and ../shared/data/mail/dkim (`{"sel._domainkey.dom": {"TXT": [["chunk", "chunk"]]}}`), and
 * vigie's own export (an array of records with `domain`, `selector`, `record`, optional
 * `firstSeen`, `lastSeen`, `source`, `privatePublishedAt`).
 * Non-DKIM names (SPF records...) are skipped; unusable keys are returned as problems.
 */
export function keysFromJson(text: string, source: string): { keys: DkimKeyRecord[]; problems: string[] } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new VigieError('ERR_INPUT', `${source}: not JSON (${(e as Error).message})`, { cause: e });
  }
  const keys: DkimKeyRecord[] = [];
  const problems: string[] = [];
  const time = (v: unknown): number | null => {
    if (v === null || v === undefined || v === '') return null;
    const t = typeof v === 'number' ? v : Date.parse(String(v));
    return Number.isFinite(t) ? t : null;
  };
  const push = (domain: string, selector: string, txt: string, meta: Parameters<typeof keyFromTxt>[3]) => {
    try {
      const k = keyFromTxt(domain, selector, txt, meta);
      if (k) keys.push(k);
      else problems.push(`${selector}._domainkey.${domain}: revoked (empty p=), skipped`);
    } catch (e) {
      problems.push((e as Error).message);
    }
  };
  if (Array.isArray(doc)) {
    for (const r of doc as Record<string, unknown>[]) {
      if (
        !r ||
        typeof r.domain !== 'string' ||
        typeof r.selector !== 'string' ||
        typeof r.record !== 'string'
      ) {
        problems.push(`${source}: entry without domain, selector and record skipped`);
        continue;
      }
      push(r.domain, r.selector, r.record, {
        source: typeof r.source === 'string' ? r.source : `file:${source}`,
        firstSeen: time(r.firstSeen),
        lastSeen: time(r.lastSeen),
        privatePublishedAt: time(r.privatePublishedAt),
        privatePublishedSource:
          typeof r.privatePublishedSource === 'string' ? r.privatePublishedSource : null,
      });
    }
  } else if (doc && typeof doc === 'object') {
    for (const [name, rr] of Object.entries(doc as Record<string, unknown>)) {
      const parts = splitKeyName(name);
      if (!parts) continue;
      const txt = (rr as { TXT?: unknown })?.TXT;
      if (!Array.isArray(txt)) {
        problems.push(`${name}: no TXT array`);
        continue;
      }
      for (const chunks of txt)
        push(parts.domain, parts.selector, [chunks].flat().map(String).join(''), {
          source: `file:${source}`,
        });
    }
  } else {
    throw new VigieError('ERR_INPUT', `${source}: expected an object or an array of keys`);
  }
  return { keys, problems };
}

/** Options of the key ring. */
export interface KeyRingOptions {
  /** Ask DNS for keys missing from the store (off by default: today's DNS says little about 2017). */
  liveDns: boolean;
  /** DNS lookup, replaceable in tests. */
  resolveTxt?: (name: string) => Promise<string[][]>;
}

/**
 * In-memory view of the key store for one verification run. Candidates for a signature are
 * ordered by how well their known window covers the message date; live DNS answers are kept
 * in `learnt` so the caller can cache them into the store with their date.
 */
export class KeyRing {
  private readonly byName = new Map<string, { record: DkimKeyRecord; key: KeyObject }[]>();
  private readonly asked = new Set<string>();
  readonly learnt: DkimKeyRecord[] = [];
  readonly problems: string[] = [];
  private readonly options: KeyRingOptions;

  constructor(records: DkimKeyRecord[] = [], options: Partial<KeyRingOptions> = {}) {
    this.options = { liveDns: false, ...options };
    for (const r of records) this.add(r);
  }

  /** Add a key (ignored when the same key is already there for that name). */
  add(record: DkimKeyRecord): void {
    const name = `${record.selector}._domainkey.${record.domain}`;
    const list = this.byName.get(name) ?? [];
    if (list.some((x) => x.record.fingerprint === record.fingerprint)) return;
    list.push({ record, key: keyObjectOf(record.publicKey, record.keyType) });
    this.byName.set(name, list);
  }

  /** Whether missing keys are looked up in live DNS. */
  get liveDns(): boolean {
    return this.options.liveDns;
  }

  get size(): number {
    let n = 0;
    for (const l of this.byName.values()) n += l.length;
    return n;
  }

  /** Whether any key is known (or may be fetched) for this name. */
  has(domain: string, selector: string): boolean {
    return this.byName.has(`${selector.toLowerCase()}._domainkey.${domain.toLowerCase()}`);
  }

  /**
   * Keys for `selector._domainkey.domain` as of `at` (epoch ms): keys whose known window covers
   * `at` first, then the others by distance of their window to `at`.
   */
  async candidates(domain: string, selector: string, at: number): Promise<KeyCandidate[]> {
    const name = `${selector.toLowerCase()}._domainkey.${domain.toLowerCase()}`;
    if (!this.byName.has(name) && this.options.liveDns && !this.asked.has(name)) {
      this.asked.add(name);
      await this.fetch(name, domain, selector);
    }
    const list = this.byName.get(name) ?? [];
    const dist = (r: DkimKeyRecord) =>
      r.firstSeen !== null && at < r.firstSeen
        ? r.firstSeen - at
        : r.lastSeen !== null && at > r.lastSeen
          ? at - r.lastSeen
          : 0;
    return list
      .map((x) => ({ ...x, inWindow: dist(x.record) === 0, d: dist(x.record) }))
      .sort((a, b) => a.d - b.d || (b.record.lastSeen ?? 0) - (a.record.lastSeen ?? 0))
      .map(({ record, key, inWindow }) => ({ record, key, inWindow }));
  }

  private async fetch(name: string, domain: string, selector: string): Promise<void> {
    const resolve = this.options.resolveTxt ?? ((n: string) => dns.resolveTxt(n));
    let answers: string[][];
    try {
      answers = await resolve(name);
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code !== 'ENOTFOUND' && code !== 'ENODATA')
        this.problems.push(`live DNS for ${name}: ${code ?? (e as Error).message}`);
      return;
    }
    const now = Date.now();
    for (const chunks of answers) {
      try {
        const k = keyFromTxt(domain, selector, chunks.join(''), {
          source: 'live-dns',
          firstSeen: now,
          lastSeen: now,
          addedAt: now,
        });
        if (k) {
          this.add(k);
          this.learnt.push(k);
        }
      } catch (e) {
        this.problems.push(`live DNS for ${name}: ${(e as Error).message}`);
      }
    }
  }
}
