/**
 * Signed test messages made on the spot with a generated key: used by the tests, the
 * benchmark and the demo dump, so none of them depends on real mail or live DNS.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import mailauth from 'mailauth';
import { keyFromTxt, type DkimKeyRecord } from './keys.js';

const { dkimSign } = mailauth as unknown as {
  dkimSign: (
    input: Buffer,
    opts: Record<string, unknown>,
  ) => Promise<{ signatures: string; errors: unknown[] }>;
};

/** A generated signing key and its public record for the key store. */
export interface TestKey {
  domain: string;
  selector: string;
  privateKey: KeyObject;
  /** The DNS TXT record text. */
  txt: string;
  record: DkimKeyRecord;
}

/**
 * A fresh key for `selector._domainkey.domain` (RSA of `bits`, or ed25519).
 * @example const k = makeTestKey('example.org', 's2017');
 */
export function makeTestKey(
  domain: string,
  selector: string,
  options: { bits?: number; type?: 'rsa' | 'ed25519'; meta?: Parameters<typeof keyFromTxt>[3] } = {},
): TestKey {
  const type = options.type ?? 'rsa';
  let txt: string;
  let privateKey: KeyObject;
  if (type === 'ed25519') {
    const kp = generateKeyPairSync('ed25519');
    privateKey = kp.privateKey;
    const raw = kp.publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
    txt = `v=DKIM1; k=ed25519; p=${raw.toString('base64')}`;
  } else {
    const kp = generateKeyPairSync('rsa', { modulusLength: options.bits ?? 2048 });
    privateKey = kp.privateKey;
    txt = `v=DKIM1; k=rsa; p=${kp.publicKey.export({ format: 'der', type: 'spki' }).toString('base64')}`;
  }
  const record = keyFromTxt(domain, selector, txt, { source: 'test', ...options.meta });
  if (!record) throw new Error('unreachable: generated key has an empty p=');
  return { domain, selector, privateKey, txt, record };
}

/** Parts of a plain test message. */
export interface TestMessage {
  from: string;
  to: string;
  subject: string;
  /** RFC 2822 date string. */
  date: string;
  body: string;
  messageId?: string;
  attachments?: { filename: string; contentType: string; content: Buffer }[];
  extraHeaders?: string[];
}

/** Build an RFC 5322 message with CRLF line ends (multipart/mixed when it has attachments). */
export function buildMessage(m: TestMessage): Buffer {
  const head = [
    `From: ${m.from}`,
    `To: ${m.to}`,
    `Subject: ${m.subject}`,
    `Date: ${m.date}`,
    `Message-ID: ${m.messageId ?? `<${Math.abs(hashCode(m.subject + m.date))}@${m.from.split('@').pop()!.replace(/>$/, '')}>`}`,
    'MIME-Version: 1.0',
    ...(m.extraHeaders ?? []),
  ];
  const body = m.body.replace(/\r?\n/g, '\r\n');
  if (!m.attachments?.length) {
    return Buffer.from([...head, 'Content-Type: text/plain; charset=utf-8', '', body].join('\r\n'));
  }
  const b = `=_b${Math.abs(hashCode(m.subject))}`;
  const parts = [`--${b}`, 'Content-Type: text/plain; charset=utf-8', '', body];
  for (const a of m.attachments) {
    parts.push(
      `--${b}`,
      `Content-Type: ${a.contentType}; name="${a.filename}"`,
      `Content-Disposition: attachment; filename="${a.filename}"`,
      'Content-Transfer-Encoding: base64',
      '',
      a.content.toString('base64').replace(/.{76}/g, '$&\r\n'),
    );
  }
  parts.push(`--${b}--`, '');
  return Buffer.from([...head, `Content-Type: multipart/mixed; boundary="${b}"`, '', ...parts].join('\r\n'));
}

function hashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/**
 * Sign a message with a test key; returns the message with its DKIM-Signature prepended.
 * `headerList` is mailauth's colon list (`from:subject`); `maxBodyLength` sets l=.
 */
export async function signWith(
  message: Buffer,
  key: TestKey,
  options: {
    headerList?: string;
    maxBodyLength?: number;
    signTime?: Date;
    canonicalization?: string;
    domain?: string;
  } = {},
): Promise<Buffer> {
  const pem = key.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const r = await dkimSign(message, {
    signTime: options.signTime ?? new Date('2017-05-01T10:00:00Z'),
    ...(options.headerList ? { headerList: options.headerList } : {}),
    signatureData: [
      {
        signingDomain: options.domain ?? key.domain,
        selector: key.selector,
        privateKey: pem,
        algorithm: key.record.keyType === 'ed25519' ? 'ed25519-sha256' : 'rsa-sha256',
        canonicalization: options.canonicalization ?? 'relaxed/relaxed',
        ...(options.maxBodyLength !== undefined ? { maxBodyLength: options.maxBodyLength } : {}),
      },
    ],
  });
  if (r.errors?.length) throw new Error(`signing failed: ${JSON.stringify(r.errors)}`);
  return Buffer.concat([Buffer.from(r.signatures), message]);
}
