import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { DuckDBStore } from '../store/duckdb/DuckDBStore.js';
import type { Store } from '../store/store.js';
import { ingestDump } from './ingest.js';
import { dumpFindings } from './findings.js';
import { buildMessage, makeTestKey, signWith } from './fixtures.js';
import { makeZip } from './test-zip.js';
import { decoyOf } from './similar.js';
import { validateFinding } from '../findings/finding.js';

const key = makeTestKey('campaign.example', 'mail2017');
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const docx = makeZip(
  [
    { name: '[Content_Types].xml', data: '<Types/>' },
    {
      name: 'docProps/core.xml',
      data: '<cp:coreProperties xmlns:cp="x" xmlns:dc="y" xmlns:dcterms="z"><dc:creator>Jean</dc:creator><dcterms:modified>2017-04-20T10:00:00Z</dcterms:modified></cp:coreProperties>',
    },
    {
      name: 'word/document.xml',
      data: `<w:document><w:body>${Array.from({ length: 12 }, (_, i) => `<w:p><w:r><w:t>Line ${i} of the plan for the campaign meeting</w:t></w:r></w:p>`).join('')}</w:body></w:document>`,
    },
  ],
  { dosDate: '1980-01-01T00:00:00' },
);
const msg = (
  subject: string,
  body: string,
  attachments: { filename: string; contentType: string; content: Buffer }[] = [],
) =>
  buildMessage({
    from: 'Jean <jean@campaign.example>',
    to: 'team@campaign.example',
    subject,
    date: 'Tue, 2 May 2017 09:00:00 +0200',
    body,
    attachments,
  });

function tarOf(
  entries: { name: string; data?: Buffer; type?: 'file' | 'symlink'; linkname?: string }[],
): Promise<Buffer> {
  const pack = tar.pack();
  const add = pack.entry.bind(pack) as (h: object, d?: Buffer) => void;
  for (const e of entries)
    add(
      { name: e.name, type: e.type ?? 'file', linkname: e.linkname, mtime: new Date('2017-05-04T20:00:00Z') },
      e.data,
    );
  pack.finalize();
  const parts: Buffer[] = [];
  return new Promise((res, rej) => {
    pack.on('data', (c: unknown) => void parts.push(c as Buffer));
    pack.on('end', () => res(Buffer.concat(parts)));
    pack.on('error', rej);
  });
}

describe('dump ingest', () => {
  let dir: string;
  let store: Store;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigie-dump-'));
    store = await DuckDBStore.open(':memory:');
    await store.leaks().upsertKeys([key.record]);
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a folder of eml, mbox and loose files: verdicts, manifest, anchors, findings; re-run is idempotent', async () => {
    const d = join(dir, 'dump1');
    mkdirSync(join(d, 'mail'), { recursive: true });
    const authentic = await signWith(
      msg('Plan', 'The plan is attached.\n', [
        {
          filename: 'plan.docx',
          contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
          content: docx,
        },
      ]),
      key,
    );
    writeFileSync(join(d, 'mail/1.eml'), authentic);
    const altered = (await signWith(msg('Money', 'Pay 100 euros.\n'), key))
      .toString('latin1')
      // The body's words, not a bare '100': that can also occur in the signature's t= or b=,
      // which would make the message forged rather than body-altered on some runs.
      .replace('Pay 100 euros', 'Pay 900 euros');
    writeFileSync(join(d, 'mail/2.eml'), altered, 'latin1');
    writeFileSync(join(d, 'mail/3.eml'), msg('Unsigned', 'hello\n'));
    // mbox: the second message has a body line starting with "From " that the writer escaped.
    const m1 = await signWith(msg('Mbox one', 'first\n'), key);
    const m2 = await signWith(msg('Mbox two', 'Hello\r\nFrom here on we win.\r\n'), key);
    const esc = (b: Buffer) =>
      b
        .toString('latin1')
        .replace(/\r\n/g, '\n')
        .replace(/^From /gm, '>From ');
    writeFileSync(
      join(d, 'archive.mbox'),
      `From jean@campaign.example Tue May  2 09:00:00 2017\n${esc(m1)}\n\nFrom jean@campaign.example Tue May  2 09:01:00 2017\n${esc(m2)}\n`,
      'latin1',
    );
    writeFileSync(join(d, 'plan-copy.docx'), docx);
    writeFileSync(join(d, 'notes.txt'), 'not anchored');
    const leaks = store.leaks();
    const r = await ingestDump(leaks, [d], { dumpId: 'd1', label: 'dump one' });
    assert.equal(r.stats.messages, 5);
    assert.deepEqual(await leaks.verdictCounts('d1'), {
      authentic: 3,
      'body-altered': 1,
      forged: 0,
      'key-unavailable': 0,
      unsigned: 1,
    });
    const files = await leaks.files('d1');
    const byPath = new Map(files.map((f) => [f.path, f]));
    assert.equal(byPath.get('dump1/mail/1.eml')?.sha256, sha(authentic));
    assert.equal(byPath.get('dump1/plan-copy.docx')?.anchor, 'same-hash-as-signed-attachment');
    assert.equal(byPath.get('dump1/notes.txt')?.anchor, 'none');
    const att = files.find((f) => f.parentMessage === 'dump1/mail/1.eml');
    assert.equal(att?.sha256, sha(docx));
    assert.equal(att?.anchor, 'signed-attachment');
    assert.ok((await leaks.documents('d1')).some((x) => x.path === att!.path));
    const fs = await dumpFindings(leaks, 'd1');
    for (const f of fs) assert.deepEqual(validateFinding(f), []);
    const summary = fs.find((f) => f.kind === 'dump-authentication')!;
    assert.match(summary.title, /3 of 5 messages DKIM-authentic/);
    assert.ok(summary.caveats.some((c) => /not which person/.test(c)));
    assert.ok(fs.some((f) => f.kind === 'altered-messages'));
    assert.match(
      fs.find((f) => f.kind === 'file-anchors')!.title,
      /1 of 2 loose files have no cryptographic anchor/,
    );
    // Idempotent: a second run of the same dump id replaces the first.
    await ingestDump(leaks, [d], { dumpId: 'd1', label: 'dump one' });
    assert.equal((await leaks.files('d1')).length, files.length);
    assert.equal((await leaks.messages('d1')).length, 5);
  });

  test('hostile zip: zip-slip, symlink, bomb and encrypted members are refused with reasons; the rest is read', async () => {
    const good = await signWith(msg('Inside zip', 'ok\n'), key);
    const zip = makeZip([
      { name: '../../etc/evil.eml', data: good },
      { name: '/abs/path.txt', data: 'x' },
      { name: 'link', data: '/etc/passwd', mode: 0o120777 },
      { name: 'bomb.bin', data: Buffer.alloc(64 * 1024 * 1024) },
      { name: 'mail/good.eml', data: good },
    ]);
    const p = join(dir, 'hostile.zip');
    writeFileSync(p, zip);
    const r = await ingestDump(store.leaks(), [p], { dumpId: 'z', label: 'z' });
    const reasons = Object.fromEntries(r.refused.map((x) => [x.path.replace('hostile.zip!/', ''), x.reason]));
    assert.match(reasons['../../etc/evil.eml'], /zip-slip/);
    assert.match(reasons['/abs/path.txt'], /absolute path/);
    assert.match(reasons['link'], /symbolic link/);
    assert.match(reasons['bomb.bin'], /zip bomb/);
    assert.deepEqual(await store.leaks().verdictCounts('z'), {
      authentic: 1,
      'body-altered': 0,
      forged: 0,
      'key-unavailable': 0,
      unsigned: 0,
    });
  });

  test('tar.gz with links and traversal; a gzip bomb stops with a clear reason', async () => {
    const good = await signWith(msg('Inside tar', 'ok\n'), key);
    const t = await tarOf([
      { name: 'a/../../escape.eml', data: good },
      { name: 'a/link', type: 'symlink', linkname: '/etc/shadow' },
      { name: 'a/inner.tar.gz', data: gzipSync(await tarOf([{ name: 'deep.eml', data: good }])) },
      { name: 'a/ok.eml', data: good },
    ]);
    const p = join(dir, 'dump.tar.gz');
    writeFileSync(p, gzipSync(t));
    const bomb = join(dir, 'bomb.gz');
    writeFileSync(bomb, gzipSync(Buffer.alloc(32 * 1024 * 1024)));
    const r = await ingestDump(store.leaks(), [p, bomb], { dumpId: 't', label: 't', maxGunzipRatio: 100 });
    const reasons = r.refused.map((x) => `${x.path} :: ${x.reason}`).join('\n');
    assert.match(reasons, /escape\.eml :: .*zip-slip/);
    assert.match(reasons, /a\/link :: symbolic link to "\/etc\/shadow"/);
    assert.match(reasons, /bomb\.gz.* :: .*gzip bomb/);
    const msgs = await store.leaks().messages('t');
    assert.deepEqual(msgs.map((m) => m.msgKey.replace(/^.*dump\.tar\.gz!\//, '')).sort(), [
      'dump.tar!/a/inner.tar.gz!/inner.tar!/deep.eml',
      'dump.tar!/a/ok.eml',
    ]);
    assert.ok(msgs.every((m) => m.verdict === 'authentic'));
  });

  test('malformed MIME and a large attachment streamed past the in-memory limit', async () => {
    const d = join(dir, 'dump3');
    mkdirSync(d);
    writeFileSync(
      join(d, 'broken.eml'),
      'From: x@y.z\r\nSubject: broken\r\nContent-Type: multipart/mixed; boundary="zz"\r\n\r\n--zz\r\nContent-Type: application/pdf; name="a.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n%%%not base64\r\n--zz\r\nContent-Type: multipart/alternative\r\n\r\nno boundary here\r\n',
    );
    writeFileSync(join(d, 'headers-only.eml'), 'From: x@y.z\r\nSubject: no body');
    const big = Buffer.alloc(6 * 1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7919) & 0xff;
    const signed = await signWith(
      msg('Big', 'see attachment\n', [
        { filename: 'big.bin', contentType: 'application/octet-stream', content: big },
      ]),
      key,
    );
    writeFileSync(join(d, 'big.eml'), signed);
    const r = await ingestDump(store.leaks(), [d], {
      dumpId: 'm',
      label: 'm',
      maxBufferedMessage: 256 * 1024,
    });
    assert.equal(r.stats.errors, 0);
    const msgs = new Map((await store.leaks().messages('m')).map((x) => [x.msgKey, x]));
    assert.equal(msgs.get('dump3/big.eml')?.verdict, 'authentic');
    assert.ok(
      msgs
        .get('dump3/broken.eml')
        ?.flags.some((f) => f.code === 'malformed-mime' && /unterminated multipart/.test(f.reason)),
    );
    assert.equal(msgs.get('dump3/headers-only.eml')?.verdict, 'unsigned');
    const att = (await store.leaks().files('m')).find((f) => f.parentMessage === 'dump3/big.eml');
    assert.equal(att?.sha256, sha(big));
    assert.equal(att?.size, big.length);
  });

  test('registered decoys and altered copies are flagged', async () => {
    const d = join(dir, 'dump4');
    mkdirSync(d);
    const lines = Array.from(
      { length: 20 },
      (_, i) => `Paragraph ${i}: the finance committee approved the spending for region ${i}.`,
    );
    const mk = (ls: string[]) =>
      makeZip(
        [
          { name: '[Content_Types].xml', data: '<Types/>' },
          {
            name: 'word/document.xml',
            data: `<w:document>${ls.map((l) => `<w:p><w:t>${l}</w:t></w:p>`).join('')}</w:document>`,
          },
        ],
        { dosDate: '1980-01-01T00:00:00' },
      );
    const original = mk(lines);
    const alteredLines = [...lines];
    alteredLines[7] = 'Paragraph 7: the finance committee approved a secret transfer to an offshore account.';
    writeFileSync(join(d, 'budget.docx'), original);
    writeFileSync(join(d, 'budget-v2.docx'), mk(alteredLines));
    const decoy = mk(lines.map((l) => l.replace('finance', 'FINANCE')));
    writeFileSync(join(d, 'honeypot.docx'), decoy);
    await store.leaks().addDecoys([decoyOf(decoy, 'planted-2017-04')]);
    await ingestDump(store.leaks(), [d], { dumpId: 'dd', label: 'dd' });
    const docs = new Map((await store.leaks().documents('dd')).map((x) => [x.path, x]));
    assert.ok(
      docs
        .get('dump4/honeypot.docx')!
        .flags.some((f) => f.code === 'decoy-match' && /planted-2017-04/.test(f.reason)),
    );
    const pairs = await store.leaks().pairs('dd');
    const p = pairs.find((x) => x.pathA === 'dump4/budget-v2.docx' && x.pathB === 'dump4/budget.docx');
    assert.ok(p, JSON.stringify(pairs.map((x) => [x.pathA, x.pathB])));
    assert.deepEqual(p.removed, [alteredLines[7]]);
    assert.deepEqual(p.added, [lines[7]]);
    assert.ok(docs.get('dump4/budget.docx')!.flags.some((f) => f.code === 'altered-copy'));
  });

  test('a symbolic link in the dump folder is refused, not followed', async (t) => {
    const d = join(dir, 'dump5');
    mkdirSync(d);
    try {
      symlinkSync('/etc/passwd', join(d, 'passwd'));
    } catch {
      return t.skip('cannot create symlinks here');
    }
    const r = await ingestDump(store.leaks(), [d], { dumpId: 's', label: 's' });
    assert.match(r.refused[0].reason, /symbolic link/);
  });
});
