import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { verifyMessage } from './dkim.js';
import { KeyRing, keysFromJson } from './keys.js';
import { buildMessage, makeTestKey, signWith } from './fixtures.js';
import type { MessageReport } from './types.js';

const here = dirname(fileURLToPath(import.meta.url));
const REF = process.env.VIGIE_REFERENCE_DATA ?? resolve(here, '../../../shared/data');
// dist/src/leaks when compiled, src/leaks under tsx: both resolve the same way from the repo.
const REF_DATA = existsSync(REF) ? REF : resolve(here, '../../../../shared/data');
const DKIM_DIR = join(REF_DATA, 'mail/dkim');

const key = makeTestKey('example.org', 's2017');
const ring = () => new KeyRing([key.record]);

const base = {
  from: 'Alice Martin <alice@example.org>',
  to: 'bob@example.org',
  subject: 'Budget meeting',
  date: 'Mon, 1 May 2017 12:00:00 +0200',
  body: 'Hello Bob,\nsee the attached budget.\nAlice\n',
  attachments: [
    {
      filename: 'budget.xlsx',
      contentType: 'application/vnd.ms-excel',
      content: Buffer.from('fake spreadsheet bytes '.repeat(20)),
    },
  ],
};

function codes(r: MessageReport): string[] {
  return r.flags.map((f) => f.code).sort();
}

describe('DKIM verdicts on generated fixtures', () => {
  test('authentic: signature and body hash verify; attachment hashed', async () => {
    const msg = await signWith(buildMessage(base), key);
    const r = await verifyMessage(msg, { ring: ring() });
    assert.equal(r.verdict, 'authentic');
    assert.deepEqual(codes(r), []);
    assert.equal(r.signatures[0].domain, 'example.org');
    assert.ok(r.signatures[0].signedHeaders.map((h) => h.toLowerCase()).includes('subject'));
    assert.match(r.explanation, /not which person/);
    assert.equal(r.attachments.length, 1);
    assert.equal(r.attachments[0].filename, 'budget.xlsx');
    assert.equal(r.attachments[0].size, base.attachments[0].content.length);
    assert.equal(r.subject, 'Budget meeting');
    assert.equal(r.fromDomain, 'example.org');
    assert.equal(r.verifiedAsOf, Date.parse('2017-05-01T10:00:00Z'));
  });

  test('headers authentic, body altered: the header signature is checked although bh= fails', async () => {
    const msg = (await signWith(buildMessage(base), key))
      .toString('latin1')
      .replace('see the attached', 'wire the money for the');
    const r = await verifyMessage(Buffer.from(msg, 'latin1'), { ring: ring() });
    assert.equal(r.verdict, 'body-altered');
    assert.equal(r.signatures[0].bodyHashMatches, false);
    assert.match(r.explanation, /body or an attachment was changed/);
  });

  test('forged: a signed header edited', async () => {
    const msg = (await signWith(buildMessage(base), key))
      .toString('latin1')
      .replace('Subject: Budget meeting', 'Subject: Secret payments');
    const r = await verifyMessage(Buffer.from(msg, 'latin1'), { ring: ring() });
    assert.equal(r.verdict, 'forged');
  });

  test('forged: signed by an impostor key for the same selector', async () => {
    const impostor = makeTestKey('example.org', 's2017');
    const msg = await signWith(buildMessage(base), impostor);
    const r = await verifyMessage(msg, { ring: ring() });
    assert.equal(r.verdict, 'forged');
  });

  test('key unavailable: selector not in the store, never authentic or forged', async () => {
    const other = makeTestKey('example.org', 'rotated');
    const msg = await signWith(buildMessage(base), other);
    const r = await verifyMessage(msg, { ring: ring() });
    assert.equal(r.verdict, 'key-unavailable');
    assert.equal(r.signatures[0].bodyHashMatches, true);
  });

  test('unsigned', async () => {
    const r = await verifyMessage(buildMessage(base), { ring: ring() });
    assert.equal(r.verdict, 'unsigned');
    assert.equal(r.signatures.length, 0);
  });

  test('keys are chosen as of the message date among rotations of one selector', async () => {
    const old = makeTestKey('example.org', 'main', {
      meta: { firstSeen: Date.parse('2015-01-01'), lastSeen: Date.parse('2016-12-31') },
    });
    const cur = makeTestKey('example.org', 'main', {
      meta: { firstSeen: Date.parse('2017-01-01'), lastSeen: null },
    });
    const msg = await signWith(buildMessage(base), cur);
    const r = await verifyMessage(msg, { ring: new KeyRing([old.record, cur.record]) });
    assert.equal(r.verdict, 'authentic');
    assert.equal(r.signatures[0].key?.fingerprint, cur.record.fingerprint);
    assert.deepEqual(codes(r), []);
    // Signed with the old key but dated after its window: still verifies, and says so.
    const late = await verifyMessage(await signWith(buildMessage(base), old), {
      ring: new KeyRing([old.record, cur.record]),
    });
    assert.equal(late.verdict, 'authentic');
    assert.deepEqual(codes(late), ['key-outside-known-window']);
  });

  test('live DNS only on request, and its answers are kept with their date', async () => {
    const asked: string[] = [];
    const resolveTxt = async (name: string) => {
      asked.push(name);
      return [[key.txt]];
    };
    const msg = await signWith(buildMessage(base), key);
    const off = await verifyMessage(msg, { ring: new KeyRing([], { resolveTxt }) });
    assert.equal(off.verdict, 'key-unavailable');
    assert.deepEqual(asked, []);
    const live = new KeyRing([], { liveDns: true, resolveTxt });
    const on = await verifyMessage(msg, { ring: live });
    assert.equal(on.verdict, 'authentic');
    assert.deepEqual(asked, ['s2017._domainkey.example.org']);
    assert.equal(live.learnt.length, 1);
    assert.equal(live.learnt[0].source, 'live-dns');
    // Found today, used for a 2017 message: said so.
    assert.deepEqual(codes(on), ['key-outside-known-window']);
  });

  test('ed25519 signatures (RFC 8463) verify', async () => {
    const ed = makeTestKey('example.org', 'ed', { type: 'ed25519' });
    const r = await verifyMessage(await signWith(buildMessage(base), ed), { ring: new KeyRing([ed.record]) });
    assert.equal(r.verdict, 'authentic');
    assert.equal(r.signatures[0].key?.bits, 256);
  });
});

describe('DKIM flags', () => {
  test('l= leaves appended bytes unsigned', async () => {
    const signed = await signWith(buildMessage({ ...base, attachments: [] }), key, { maxBodyLength: 20 });
    const r0 = await verifyMessage(signed, { ring: ring() });
    assert.equal(r0.verdict, 'authentic');
    assert.deepEqual(codes(r0), ['body-length-limit']);
    const appended = Buffer.concat([signed, Buffer.from('P.S. Transfer the funds to account 1234.\r\n')]);
    const r = await verifyMessage(appended, { ring: ring() });
    assert.equal(r.verdict, 'authentic');
    const f = r.flags.find((x) => x.code === 'body-length-limit');
    assert.ok(f);
    assert.ok(r.signatures[0].unsignedBodyBytes > 40, `unsigned bytes ${r.signatures[0].unsignedBodyBytes}`);
    assert.match(f.reason, /bytes of the body after it are not signed/);
  });

  test('an unsigned duplicate Subject is flagged', async () => {
    const signed = await signWith(buildMessage(base), key);
    const r = await verifyMessage(Buffer.concat([Buffer.from('Subject: URGENT: resign now\r\n'), signed]), {
      ring: ring(),
    });
    assert.equal(r.verdict, 'authentic');
    assert.deepEqual(codes(r), ['unsigned-duplicate-header']);
    assert.match(r.flags[0].reason, /^subject appears 2 times/);
  });

  test('From not aligned with d=', async () => {
    const relay = makeTestKey('mailer.net', 'x');
    const r = await verifyMessage(await signWith(buildMessage(base), relay), {
      ring: new KeyRing([relay.record]),
    });
    assert.equal(r.verdict, 'authentic');
    assert.deepEqual(codes(r), ['from-not-aligned']);
    // A subdomain of the same organisation is aligned (relaxed alignment).
    const sub = makeTestKey('mail.example.org', 'x');
    const r2 = await verifyMessage(await signWith(buildMessage(base), sub), {
      ring: new KeyRing([sub.record]),
    });
    assert.deepEqual(codes(r2), []);
  });

  test('a key under 1024 bits', async () => {
    const weak = makeTestKey('example.org', 'weak', { bits: 768 });
    const r = await verifyMessage(await signWith(buildMessage(base), weak), {
      ring: new KeyRing([weak.record]),
    });
    assert.equal(r.verdict, 'authentic');
    assert.deepEqual(codes(r), ['weak-key']);
    assert.match(r.flags[0].reason, /768-bit/);
  });

  test('a key whose private half was published before the leak', async () => {
    const k = makeTestKey('example.org', 'leaked', {
      meta: { privatePublishedAt: Date.parse('2016-10-01'), privatePublishedSource: 'pastebin dump' },
    });
    const msg = await signWith(buildMessage(base), k);
    const r = await verifyMessage(msg, { ring: new KeyRing([k.record]), leakDate: Date.parse('2017-05-05') });
    assert.equal(r.verdict, 'authentic');
    assert.deepEqual(codes(r), ['private-key-published']);
    assert.match(r.flags[0].reason, /before this message was dated/);
    // Published only after the leak: no flag.
    const r2 = await verifyMessage(msg, {
      ring: new KeyRing([k.record]),
      leakDate: Date.parse('2016-01-01'),
    });
    assert.deepEqual(codes(r2), []);
  });

  test('Subject outside h= is flagged as changeable', async () => {
    const r = await verifyMessage(await signWith(buildMessage(base), key, { headerList: 'from:date:to' }), {
      ring: ring(),
    });
    assert.equal(r.verdict, 'authentic');
    assert.deepEqual(codes(r), ['key-header-unsigned']);
  });
});

describe('DKIM conformance on ../shared/data/mail/dkim', () => {
  const present = existsSync(DKIM_DIR);
  const load = (f: string) => readFileSync(join(DKIM_DIR, f));
  const gmailRing = () =>
    new KeyRing(keysFromJson(load('gmail-20120113.dns.json').toString(), 'gmail-20120113.dns.json').keys);

  test('the 2013 Gmail message passes with the archived key; From not aligned', async (t) => {
    if (!present) return t.skip(`reference data not found at ${DKIM_DIR}`);
    const r = await verifyMessage(load('dkimpy-gmail-2013-test2.eml'), { ring: gmailRing() });
    assert.equal(r.verdict, 'authentic');
    assert.equal(r.signatures[0].key?.bits, 2048);
    assert.ok(codes(r).includes('from-not-aligned'));
  });

  test('…with its body edited: headers authentic, body altered', async (t) => {
    if (!present) return t.skip(`reference data not found at ${DKIM_DIR}`);
    const msg = load('dkimpy-gmail-2013-test2.eml')
      .toString('latin1')
      .replace('Hello, DKIM', 'Hello, forged DKIM');
    const r = await verifyMessage(Buffer.from(msg, 'latin1'), { ring: gmailRing() });
    assert.equal(r.verdict, 'body-altered');
  });

  test('…with its Subject or Date edited: forged', async (t) => {
    if (!present) return t.skip(`reference data not found at ${DKIM_DIR}`);
    const raw = load('dkimpy-gmail-2013-test2.eml').toString('latin1');
    for (const edited of [
      raw.replace('DKIM test mail #1', 'DKIM test mail #2'),
      raw.replace('11:37:02 +0200', '11:38:02 +0200'),
    ]) {
      const r = await verifyMessage(Buffer.from(edited, 'latin1'), { ring: gmailRing() });
      assert.equal(r.verdict, 'forged');
    }
  });

  test('…without the archived key: key unavailable', async (t) => {
    if (!present) return t.skip(`reference data not found at ${DKIM_DIR}`);
    const r = await verifyMessage(load('dkimpy-gmail-2013-test2.eml'), { ring: new KeyRing() });
    assert.equal(r.verdict, 'key-unavailable');
  });

  test('the Google ARC message offline: key unavailable, never authentic or forged', async (t) => {
    if (!present) return t.skip(`reference data not found at ${DKIM_DIR}`);
    const r = await verifyMessage(load('mailauth-arc-pass-gmail.eml'), { ring: new KeyRing() });
    assert.equal(r.verdict, 'key-unavailable');
    assert.equal(r.arc.status, 'key-unavailable');
    assert.equal(r.arc.instances, 2);
  });

  for (const f of ['dkimpy-rfc8463-signed.eml', 'mailauth-ec-signed.eml']) {
    test(`RFC 8463 ed25519 + rsa message ${f} passes with its DNS json`, async (t) => {
      if (!present) return t.skip(`reference data not found at ${DKIM_DIR}`);
      const { keys } = keysFromJson(load('mailauth-ec-dns.json').toString(), 'mailauth-ec-dns.json');
      assert.equal(keys.length, 2);
      const r = await verifyMessage(load(f), { ring: new KeyRing(keys) });
      assert.equal(r.verdict, 'authentic');
      assert.deepEqual(r.signatures.map((s) => `${s.algorithm}:${s.verdict}`).sort(), [
        'ed25519-sha256:authentic',
        'rsa-sha256:authentic',
      ]);
    });
  }
});
