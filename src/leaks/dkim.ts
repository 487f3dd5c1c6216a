/**
 * DKIM verdicts for leaked messages, offline.
 *
 * mailauth parses the message, canonicalises headers and body and computes the body hashes;
 * the public-key step is done here, against the offline key store (src/leaks/keys.ts), for
 * two reasons: mailauth checks the header signature only when the body hash matches (it says
 * "neutral, body hash did not verify" otherwise), which hides the most useful answer for a
 * leak, "the headers are authentic but the body was altered"; and keys must be chosen as of
 * the message's date, among several that a selector may have had.
 *
 * @see RFC 6376 (DKIM), RFC 8463 (ed25519-sha256), RFC 8617 (ARC)
 * @see src/leaks/README.md for what each verdict proves and does not prove
 */
import { createHash, verify as cryptoVerify } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { createRequire } from 'node:module';
import { getDomain } from 'tldts';
import type { KeyCandidate, KeyRing } from './keys.js';
import { parseTagList } from './keys.js';
import { decodeWords, headerValue, MimeWalker, type CaptureRule, type MimeSummary } from './mime.js';
import {
  VERDICT_LABELS,
  type ArcStatus,
  type MessageFlag,
  type MessageReport,
  type SignatureCheck,
  type Verdict,
} from './types.js';

// The DKIM and ARC modules alone: mailauth's index also loads SPF, DMARC, BIMI and an HTTP
// client, which every verification worker would pay for at start-up.
const require = createRequire(import.meta.url);
const { dkimVerify } = require('mailauth/lib/dkim/verify') as {
  dkimVerify: (
    input: Buffer | NodeJS.ReadableStream,
    opts: Record<string, unknown>,
  ) => Promise<RawDkimResult>;
};
const { arc: arcVerify } = require('mailauth/lib/arc') as {
  arc: (
    data: unknown,
    opts: Record<string, unknown>,
  ) => Promise<{ status: { result: string; comment?: string } }>;
};

// mailauth 4.13 prints "TOTAL n EXPECTING m" on stdout when l= exceeds the body: that would let
// a crafted message write into `--json` output. Drop exactly that debug line.
const consoleLog = console.log;
console.log = (...args: unknown[]) => {
  if (args[0] === 'TOTAL' && args[2] === 'EXPECTING') return;
  consoleLog(...args);
};

interface RawSigResult {
  signingDomain?: string;
  selector?: string;
  signature?: string;
  algo?: string;
  format?: string;
  bodyHash?: string;
  bodyHashExpecting?: string;
  signingHeaders?: { keys: string; headers: string[]; canonicalizedHeader: string };
  status: { result: string; comment?: string; underSized?: number };
  signTime?: string | null;
  expiresAfter?: string | null;
  canonBodyLengthLimited?: boolean;
  canonBodyLengthLimit?: number;
}

interface RawDkimResult {
  results: RawSigResult[];
  headers?: { parsed: { key: string; casedKey: string; line: Buffer }[] };
  arc?: {
    chain?: Record<string, { parsed?: Record<string, { value?: unknown }> }>[] | false;
    error?: unknown;
  };
}

/** Options of one verification run. */
export interface VerifyOptions {
  ring: KeyRing;
  /** When the dump was published (epoch ms): keys whose private half was out before it are flagged. */
  leakDate?: number | null;
  /** Which decoded attachments to keep in memory (documents for forensics). */
  capture?: CaptureRule;
}

// tldts directly rather than ingest/normalize.ts, whose language detector takes ~0.3 s to load
// in every verification worker.
function registrableDomain(host: string): string | null {
  return getDomain(host, { allowPrivateDomains: false }) ?? null;
}

const RANK: Record<Verdict, number> = {
  authentic: 0,
  'body-altered': 1,
  forged: 2,
  'key-unavailable': 3,
  unsigned: 4,
};
const KEY_HEADERS = ['from', 'subject', 'date', 'to'];

// The key step is ours (see the module comment): make mailauth skip it cheaply, with one
// prepared error (building an Error with its stack for every signature costs measurable time).
const NO_KEY = Object.assign(new Error('key lookup is done by vigie'), { code: 'ENOTFOUND' });
const noKey = async (): Promise<never> => {
  throw NO_KEY;
};

/**
 * The message with bare LF line ends turned into CRLF, as DKIM canonicalisation requires. mailauth
 * does the same, one line at a time; doing it in one pass here is several times faster and
 * gives it identical bytes.
 */
export function toCrlf(buf: Buffer): Buffer {
  let bare = 0;
  for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1)) if (i === 0 || buf[i - 1] !== 13) bare++;
  if (bare === 0) return buf;
  const out = Buffer.allocUnsafe(buf.length + bare);
  let o = 0;
  let from = 0;
  for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1)) {
    if (i > 0 && buf[i - 1] === 13) continue;
    o += buf.copy(out, o, from, i);
    out[o++] = 13;
    out[o++] = 10;
    from = i + 1;
  }
  buf.copy(out, o, from);
  return out;
}

function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

function stripWs(s: string | undefined): string {
  return (s ?? '').replace(/\s+/g, '');
}

/** Epoch ms of a Date header, or null. */
export function parseMailDate(v: string | null): number | null {
  if (!v) return null;
  // Drop comments such as "(PDT)" or "(CEST)" that Date.parse does not read.
  const t = Date.parse(v.replace(/\([^)]*\)/g, ' ').trim());
  return Number.isFinite(t) ? t : null;
}

function fromAddress(from: string | null): { display: string | null; domain: string | null } {
  if (!from) return { display: null, domain: null };
  const display = decodeWords(from);
  const angle = /<([^<>]*@[^<>]*)>/.exec(from);
  const bare = angle ? angle[1] : (/([^\s<>"(),;:]+@[^\s<>"(),;:]+)/.exec(from)?.[1] ?? null);
  const domain = bare ? bare.split('@').pop()!.trim().toLowerCase().replace(/\.$/, '') : null;
  return { display, domain };
}

/** Raw DKIM-Signature tags by b= value, from the header block mailauth parsed. */
function signatureTags(raw: RawDkimResult): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  for (const h of raw.headers?.parsed ?? []) {
    if (h.key !== 'dkim-signature') continue;
    const text = h.line.toString('latin1');
    const tags = parseTagList(text.slice(text.indexOf(':') + 1).replace(/\r?\n[ \t]/g, ' '));
    out.set(stripWs(tags.get('b')), tags);
  }
  return out;
}

function verifyHeader(sig: RawSigResult, cand: KeyCandidate): boolean {
  const [signAlgo, hashAlgo] = (sig.algo ?? '').toLowerCase().split('-');
  if (!sig.signingHeaders?.canonicalizedHeader || !sig.signature) return false;
  if (signAlgo !== cand.record.keyType) return false;
  const data = Buffer.from(sig.signingHeaders.canonicalizedHeader, 'base64');
  const signature = Buffer.from(sig.signature, 'base64');
  try {
    if (signAlgo === 'ed25519')
      return cryptoVerify(null, createHash('sha256').update(data).digest(), cand.key, signature);
    if (hashAlgo !== 'sha256' && hashAlgo !== 'sha1') return false;
    return cryptoVerify(hashAlgo, data, cand.key, signature);
  } catch {
    return false;
  }
}

function headerList(names: string[]): string {
  return names.length ? names.map((n) => n.toLowerCase()).join(', ') : '(none)';
}

/** Check one signature against the key store; returns its verdict and the key that decided. */
async function checkSignature(
  sig: RawSigResult,
  tags: Map<string, string> | undefined,
  at: number,
  ring: KeyRing,
): Promise<{ check: SignatureCheck; used: KeyCandidate | null }> {
  const domain = (sig.signingDomain ?? '').toLowerCase();
  const selector = (sig.selector ?? '').toLowerCase();
  const signedHeaders = (tags?.get('h') ?? '')
    .split(':')
    .map((s) => s.trim())
    .filter(Boolean);
  const bodyHashMatches = !!sig.bodyHash && sig.bodyHash === sig.bodyHashExpecting;
  const l = sig.canonBodyLengthLimited ? Number(sig.canonBodyLengthLimit) : null;
  const base = {
    domain,
    selector,
    algorithm: sig.algo ?? '',
    canonicalization: sig.format ?? 'simple/simple',
    signedHeaders,
    signedAt: sig.signTime ?? null,
    expiresAt: sig.expiresAfter ?? null,
    bodyHashMatches,
    bodyLengthLimit: l,
    unsignedBodyBytes: Number(sig.status.underSized ?? 0) || 0,
  };
  const cands = await ring.candidates(domain, selector, at);
  if (cands.length === 0) {
    return {
      check: {
        ...base,
        verdict: 'key-unavailable',
        key: null,
        reason: `no public key for ${selector}._domainkey.${domain} in the key store; the body hash ${bodyHashMatches ? 'matches' : 'does not match'} the signature's bh= (consistent, not proof)`,
      },
      used: null,
    };
  }
  const ok = cands.find((c) => verifyHeader(sig, c)) ?? null;
  const used = ok ?? cands[0];
  const key = {
    fingerprint: used.record.fingerprint,
    bits: used.record.bits,
    type: used.record.keyType,
    source: used.record.source,
  };
  const keyWords = `${used.record.bits ?? '?'}-bit ${used.record.keyType} key from ${used.record.source}`;
  if (!ok) {
    return {
      check: {
        ...base,
        verdict: 'forged',
        key,
        reason: `the header signature does not verify with the ${cands.length > 1 ? `${cands.length} known keys` : keyWords}: a signed header (${headerList(signedHeaders)}) was changed after signing, or ${domain} never made this signature`,
      },
      used,
    };
  }
  return {
    check: {
      ...base,
      verdict: bodyHashMatches ? 'authentic' : 'body-altered',
      key,
      reason: bodyHashMatches
        ? `header signature and body hash verify with the ${keyWords}`
        : `header signature verifies with the ${keyWords}, but the body hash does not match bh=: the body was changed after signing`,
    },
    used: ok,
  };
}

function explanation(v: Verdict, deciding: SignatureCheck | undefined, liveDns: boolean): string {
  const notPerson = 'DKIM proves which domain signed, not which person wrote the message';
  if (!deciding || v === 'unsigned')
    return 'No DKIM signature: nothing is proven or disproven cryptographically. Judge it by other evidence (headers, content, corroboration).';
  const d = deciding.domain;
  const hs = headerList(deciding.signedHeaders);
  const when = deciding.signedAt ? ` at ${deciding.signedAt}` : '';
  switch (v) {
    case 'authentic': {
      const body =
        deciding.bodyLengthLimit !== null
          ? `the first ${deciding.bodyLengthLimit} bytes of the canonical body${deciding.unsignedBodyBytes ? ` (${deciding.unsignedBodyBytes} bytes after them are not covered)` : ''}`
          : 'the whole body (attachments included)';
      return `Proven: the signed headers (${hs}) and ${body} are unchanged since a server holding ${d}'s private key signed them${when}. Not proven: ${notPerson}; headers outside h= (Received, unsigned copies) may have been added; it does not show the message was read or received.`;
    }
    case 'body-altered':
      return `Proven: the signed headers (${hs}) are as ${d} signed them${when}. The body hash does not match: the body or an attachment was changed after signing (or re-encoded by a mail system or an export tool). Not proven: what changed or who changed it; ${notPerson}.`;
    case 'forged':
      return `The signature claiming ${d} does not verify with its key: a signed header (${hs}) was altered, or the signature was not made by ${d}. Not proven: that the content is false (mail systems that rewrite headers also break signatures).`;
    case 'key-unavailable':
      return `Signed by ${d} (selector ${deciding.selector}), but no public key for it is in the key store${liveDns ? ' or in DNS' : ' (live DNS is off)'}: nothing is proven either way. Add the archived key (vigie leaks keys add) and re-run.`;
  }
}

/** The ARC chain's status; ARC is informational (what intermediaries recorded), never the verdict. */
async function arcStatus(
  input: Buffer | null,
  raw: RawDkimResult,
  at: number,
  ring: KeyRing,
): Promise<{ status: ArcStatus; instances: number; reason: string }> {
  const chain = raw.arc?.chain;
  if (!chain || chain.length === 0) {
    return raw.arc?.error
      ? { status: 'fail', instances: 0, reason: `malformed ARC headers: ${(raw.arc.error as Error).message}` }
      : { status: 'none', instances: 0, reason: 'no ARC headers' };
  }
  const missing: string[] = [];
  for (const link of chain) {
    for (const h of ['arc-seal', 'arc-message-signature']) {
      const p = link[h]?.parsed;
      const d = String(p?.d?.value ?? '');
      const s = String(p?.s?.value ?? '');
      if ((await ring.candidates(d, s, at)).length === 0) missing.push(`${s}._domainkey.${d}`);
    }
  }
  if (missing.length)
    return {
      status: 'key-unavailable',
      instances: chain.length,
      reason: `no key for ${[...new Set(missing)].join(', ')}`,
    };
  if (!input)
    return {
      status: 'key-unavailable',
      instances: chain.length,
      reason: 'message too large to re-read for ARC',
    };
  const resolver = async (name: string) => {
    const m = /^(.+?)\._domainkey\.(.+)$/.exec(name);
    const c = m ? await ring.candidates(m[2], m[1], at) : [];
    if (!c.length) return noKey();
    return [[`v=DKIM1; k=${c[0].record.keyType}; p=${c[0].record.publicKey}`]];
  };
  const again = await dkimVerify(input, { resolver, curTime: new Date(at), minBitLength: 1 });
  const r = await arcVerify(again.arc, { resolver, minBitLength: 1 });
  return {
    status: r.status.result === 'pass' ? 'pass' : 'fail',
    instances: chain.length,
    reason: r.status.comment ?? r.status.result,
  };
}

function collectFlags(
  deciding: SignatureCheck[],
  usedKeys: (KeyCandidate | null)[],
  raw: RawDkimResult,
  fromDomain: string | null,
  leakDate: number | null,
  at: number,
): MessageFlag[] {
  const flags: MessageFlag[] = [];
  const counts = new Map<string, number>();
  for (const h of raw.headers?.parsed ?? []) counts.set(h.key, (counts.get(h.key) ?? 0) + 1);
  deciding.forEach((s, i) => {
    const who = `signature of ${s.domain}`;
    if (s.bodyLengthLimit !== null)
      flags.push({
        code: 'body-length-limit',
        reason: s.unsignedBodyBytes
          ? `${who} has l=${s.bodyLengthLimit}: ${s.unsignedBodyBytes} bytes of the body after it are not signed and could have been appended by anyone`
          : `${who} has l=${s.bodyLengthLimit}: anything appended later would not be covered (nothing is appended now)`,
      });
    const signedCount = new Map<string, number>();
    for (const h of s.signedHeaders)
      signedCount.set(h.toLowerCase(), (signedCount.get(h.toLowerCase()) ?? 0) + 1);
    for (const [name, n] of signedCount) {
      const present = counts.get(name) ?? 0;
      if (present > n)
        flags.push({
          code: 'unsigned-duplicate-header',
          reason: `${name} appears ${present} times but ${who} covers ${n}: the extra copy is unsigned and some mail readers show it instead of the signed one`,
        });
    }
    const missingKey = KEY_HEADERS.filter((h) => !signedCount.has(h) && counts.has(h));
    if (missingKey.length)
      flags.push({
        code: 'key-header-unsigned',
        reason: `${who} does not cover ${missingKey.join(', ')}: those may have been changed freely`,
      });
    const k = usedKeys[i];
    if (k?.record.keyType === 'rsa' && k.record.bits !== null && k.record.bits < 1024)
      flags.push({
        code: 'weak-key',
        reason: `${who} uses a ${k.record.bits}-bit RSA key: keys under 1024 bits can be factored, so anyone may have made this signature`,
      });
    if (k?.record.privatePublishedAt !== null && k?.record.privatePublishedAt !== undefined) {
      const pub = k.record.privatePublishedAt;
      const ref = leakDate ?? Date.now();
      if (pub <= ref)
        flags.push({
          code: 'private-key-published',
          reason: `the private key of ${s.selector}._domainkey.${s.domain} was published on ${new Date(pub).toISOString().slice(0, 10)}${k.record.privatePublishedSource ? ` (${k.record.privatePublishedSource})` : ''}${pub <= at ? ', before this message was dated' : ''}: anyone could have signed it`,
        });
    }
    if (k && !k.inWindow)
      flags.push({
        code: 'key-outside-known-window',
        reason: `the key of ${s.selector}._domainkey.${s.domain} is known only from ${isoOrNull(k.record.firstSeen)?.slice(0, 10) ?? '?'} to ${isoOrNull(k.record.lastSeen)?.slice(0, 10) ?? '?'}, not at ${new Date(at).toISOString().slice(0, 10)}`,
      });
  });
  if (fromDomain && deciding.length) {
    const org = registrableDomain(fromDomain) ?? fromDomain;
    const aligned = deciding.some((s) => (registrableDomain(s.domain) ?? s.domain) === org);
    if (!aligned)
      flags.push({
        code: 'from-not-aligned',
        reason: `From is @${fromDomain} but the signature is by ${[...new Set(deciding.map((s) => s.domain))].join(', ')}: it proves ${deciding[0].domain} sent it, not ${fromDomain}`,
      });
  }
  return flags;
}

/**
 * Verify one message held in memory and walk its MIME tree.
 *
 * @example
 * const ring = new KeyRing(keysFromJson(text, 'gmail.json').keys);
 * const report = await verifyMessage(readFileSync('mail.eml'), { ring });
 * report.verdict; // 'authentic'
 */
export async function verifyMessage(input: Buffer, opts: VerifyOptions): Promise<MessageReport> {
  const walker = new MimeWalker(opts.capture);
  walker.write(input);
  const canonical = toCrlf(input);
  const [raw, mime] = await Promise.all([
    dkimVerify(canonical, { resolver: noKey, minBitLength: 1 }),
    Promise.resolve(walker.end()),
  ]);
  return judge(raw, mime, canonical, opts);
}

/**
 * Verify a message too large to hold in memory: feed it chunk by chunk, then `end()`.
 * ARC is not re-checked for such messages (it needs a second pass over the bytes).
 */
export class StreamingVerification {
  private readonly walker: MimeWalker;
  private readonly pass = new PassThrough({ highWaterMark: 1 << 20 });
  private readonly result: Promise<RawDkimResult>;
  private readonly opts: VerifyOptions;

  constructor(opts: VerifyOptions) {
    this.opts = opts;
    this.walker = new MimeWalker(opts.capture);
    this.result = dkimVerify(this.pass, { resolver: noKey, minBitLength: 1 });
    this.result.catch(() => undefined);
  }

  /** Write one chunk, waiting when the verifier is behind. */
  async write(chunk: Buffer): Promise<void> {
    this.walker.write(chunk);
    if (!this.pass.write(chunk)) await new Promise<void>((r) => this.pass.once('drain', r));
  }

  async end(): Promise<MessageReport> {
    this.pass.end();
    const raw = await this.result;
    return judge(raw, this.walker.end(), null, this.opts);
  }
}

async function judge(
  raw: RawDkimResult,
  mime: MimeSummary,
  input: Buffer | null,
  opts: VerifyOptions,
): Promise<MessageReport> {
  const h = mime.headers;
  const from = headerValue(h, 'from');
  const { display, domain: fromDomain } = fromAddress(from);
  const date = parseMailDate(headerValue(h, 'date'));
  const signed = raw.results.filter((r) => r.status.result !== 'none' && r.signingDomain);
  const tagsByB = signatureTags(raw);
  const firstT = signed
    .map((s) => (s.signTime ? Date.parse(s.signTime) : NaN))
    .find((t) => Number.isFinite(t));
  const at = firstT ?? date ?? Date.now();

  const checks: SignatureCheck[] = [];
  const used: (KeyCandidate | null)[] = [];
  for (const s of signed) {
    const r = await checkSignature(s, tagsByB.get(stripWs(s.signature)), at, opts.ring);
    checks.push(r.check);
    used.push(r.used);
  }
  const flags: MessageFlag[] = [];
  // Signatures mailauth could not even parse (unknown algorithm, missing d= or s=...).
  const malformed = Math.max(0, tagsByB.size - signed.length);
  if (malformed)
    flags.push({
      code: 'malformed-signature',
      reason: `${malformed} DKIM-Signature header(s) could not be parsed or use an unsupported algorithm`,
    });

  let verdict: Verdict = 'unsigned';
  if (checks.length)
    verdict = checks.reduce(
      (best, c) => (RANK[c.verdict] < RANK[best] ? c.verdict : best),
      checks[0].verdict as Verdict,
    );
  else if (malformed) verdict = 'forged';
  const decidingIdx = checks.map((c, i) => (c.verdict === verdict ? i : -1)).filter((i) => i >= 0);
  const deciding = decidingIdx.map((i) => checks[i]);
  if (verdict === 'authentic' || verdict === 'body-altered')
    flags.push(
      ...collectFlags(
        deciding,
        decidingIdx.map((i) => used[i]),
        raw,
        fromDomain,
        opts.leakDate ?? null,
        at,
      ),
    );
  for (const p of mime.problems) flags.push({ code: 'malformed-mime', reason: p });

  let expl = explanation(verdict, deciding[0], opts.ring.liveDns);
  if (verdict === 'forged' && !deciding.length)
    expl =
      'The message carries DKIM-Signature headers that cannot be parsed or use an unsupported algorithm: they do not verify. Not proven: that the content is false.';
  const others = checks.filter((c) => c.verdict !== verdict);
  if (others.length)
    expl += ` Other signatures: ${others.map((c) => `${c.domain} ${VERDICT_LABELS[c.verdict]}`).join('; ')}.`;

  return {
    verdict,
    explanation: expl,
    signatures: checks,
    flags,
    arc: await arcStatus(input, raw, at, opts.ring),
    from: display,
    fromDomain,
    to: headerValue(h, 'to') === null ? null : decodeWords(headerValue(h, 'to')!),
    subject: headerValue(h, 'subject') === null ? null : decodeWords(headerValue(h, 'subject')!),
    messageId: headerValue(h, 'message-id'),
    date,
    verifiedAsOf: at,
    attachments: mime.attachments,
  };
}
