import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyseDocument, crossFileFlags, type DocumentReport } from './index.js';
import { pdfDate } from './pdf.js';
import { makeZip } from '../test-zip.js';

const here = dirname(fileURLToPath(import.meta.url));
const candidates = [
  process.env.VIGIE_REFERENCE_DATA,
  resolve(here, '../../../../shared/data'),
  resolve(here, '../../../../../shared/data'),
];
const REF = candidates.find((p): p is string => !!p && existsSync(p)) ?? candidates[1]!;
const DOCS = join(REF, 'documents');

/** ExifTool's golden lines: `[Group, Sub, Cat] Tag - Description: value`. */
function golden(): { group: string; sub: string; tag: string; value: string }[] {
  return readFileSync(join(DOCS, 'exiftool-PDF_2.out.txt'), 'utf8')
    .split('\n')
    .map((l) => /^\[(\w+), ([\w-]+), \w+\] (\S+) - [^:]+: (.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => !!m)
    .map((m) => ({ group: m[1], sub: m[2], tag: m[3], value: m[4].trimEnd() }));
}

const exifDate = (iso: string) =>
  iso.replace(/^(\d{4})-(\d\d)-(\d\d)T/, '$1:$2:$3 ').replace(/^(\d{4})-(\d\d)-(\d\d)$/, '$1:$2:$3');

describe('document forensics conformance on ../shared/data/documents (ExifTool t/images)', () => {
  test('PDF: Info and XMP fields match ExifTool 12.42 golden output', async (t) => {
    if (!existsSync(DOCS)) return t.skip(`reference data not found at ${DOCS}`);
    const r = (await analyseDocument(readFileSync(join(DOCS, 'exiftool-PDF.pdf'))))!;
    assert.equal(r.format, 'pdf');
    const pdf = r.meta.pdf!;
    const g = golden();
    let checked = 0;
    for (const line of g.filter((x) => x.group === 'PDF')) {
      const ours: Record<string, string | undefined> = {
        Version: pdf.version ?? undefined,
        _linearized: pdf.linearized ? 'Yes' : 'No',
        Creator: pdf.info.Creator,
        Producer: pdf.info.Producer,
        CreationDate: pdf.info.CreationDate && exifDate(pdfDate(pdf.info.CreationDate)!),
        ModDate: pdf.info.ModDate && exifDate(pdfDate(pdf.info.ModDate)!),
        Count: pdf.pages === null ? undefined : String(pdf.pages),
      };
      assert.equal(ours[line.tag], line.value, `PDF ${line.tag}`);
      checked++;
    }
    // ExifTool print-converts a few XMP values; compare those on the raw value.
    const printConv: Record<string, string> = { Urgency: '8', DateCreated: '2004-02-26' };
    for (const line of g.filter((x) => x.group === 'XMP')) {
      const key = `${line.sub}:${line.tag}`;
      const expected = printConv[line.tag] ?? line.value;
      assert.equal(pdf.xmp[key], expected, key);
      checked++;
    }
    assert.ok(checked >= 25, `checked ${checked} fields`);
    assert.equal(pdf.incrementalUpdates, 0);
    assert.deepEqual(r.flags, []);
  });

  test('DOCX: properties read, flagged re-zipped with reasons', async (t) => {
    if (!existsSync(DOCS)) return t.skip(`reference data not found at ${DOCS}`);
    const r = (await analyseDocument(readFileSync(join(DOCS, 'exiftool-OOXML.docx'))))!;
    assert.equal(r.format, 'docx');
    assert.equal(r.meta.creator, 'Author: Jeff');
    assert.equal(r.meta.lastModifiedBy, 'Jeff');
    assert.equal(r.meta.revision, '3');
    assert.equal(r.meta.created, '2009-10-24T01:41:00.000Z');
    assert.equal(r.meta.modified, '2009-10-24T01:48:00.000Z');
    assert.equal(r.meta.application, 'Microsoft Macintosh Word');
    assert.equal(r.meta.company, 'Company - ExifTool');
    assert.equal(r.meta.editMinutes, 7);
    assert.equal(r.meta.custom['A Custom Field'], 'A Custom field contents');
    assert.equal(r.meta.rsids?.root, '00AB6AD5');
    assert.deepEqual(r.meta.zip?.hosts, ['Unix']);
    assert.deepEqual(r.meta.zip?.versionsMadeBy, ['0x317']);
    const rz = r.flags.find((f) => f.code === 're-zipped');
    assert.ok(rz, 'docx must be flagged re-zipped');
    assert.match(rz.reason, /directory entries/);
    assert.match(rz.reason, /1980-01-01/);
    assert.ok(
      !r.flags.some((f) => f.code === 'editing-time-inconsistent'),
      '7 min of editing within 7 min is consistent',
    );
  });

  test('ODS: meta.xml read, not flagged re-zipped', async (t) => {
    if (!existsSync(DOCS)) return t.skip(`reference data not found at ${DOCS}`);
    const r = (await analyseDocument(readFileSync(join(DOCS, 'exiftool-OpenDoc.ods'))))!;
    assert.equal(r.format, 'ods');
    assert.equal(r.meta.creator, 'IDHW IDHW Informatica');
    assert.equal(r.meta.application, 'OpenOffice.org/3.2$Win32 OpenOffice.org_project/320m12$Build-9483');
    assert.ok(Math.abs(r.meta.editMinutes! - 77 / 60) < 1e-9);
    assert.equal(r.meta.custom.License, 'test');
    assert.deepEqual(r.flags, []);
  });
});

const CT =
  '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>';
const core = (creator: string, modified: string, extra = '') =>
  `<?xml version="1.0"?>${extra}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"><dc:creator>${creator}</dc:creator><cp:lastModifiedBy>${creator}</cp:lastModifiedBy><dcterms:created>2017-04-20T10:00:00Z</dcterms:created><dcterms:modified>${modified}</dcterms:modified></cp:coreProperties>`;
const app = (minutes: number) =>
  `<?xml version="1.0"?><Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>Microsoft Excel</Application><TotalTime>${minutes}</TotalTime></Properties>`;

/** An OOXML file as Office writes it: every entry dated 1980-01-01, no directories. */
function officeXlsx(
  creator: string,
  modified: string,
  opts: { minutes?: number; coreExtra?: string } = {},
): Buffer {
  return makeZip(
    [
      { name: '[Content_Types].xml', data: CT },
      { name: 'docProps/core.xml', data: core(creator, modified, opts.coreExtra) },
      { name: 'docProps/app.xml', data: app(opts.minutes ?? 1) },
      {
        name: 'xl/sharedStrings.xml',
        data: '<sst><si><t>Budget 2017</t></si><si><t>Total &amp; more</t></si></sst>',
      },
    ],
    { dosDate: '1980-01-01T00:00:00' },
  );
}

describe('document flags on generated files', () => {
  test('an Office-written file is not re-zipped; the same content zipped with other dates is', async () => {
    const ok = (await analyseDocument(officeXlsx('Alice', '2017-04-28T10:00:00Z')))!;
    assert.equal(ok.format, 'xlsx');
    assert.deepEqual(ok.flags, []);
    assert.equal(ok.text, 'Budget 2017\nTotal & more');
    const repacked = makeZip(
      [
        { name: 'docProps/', data: '' },
        { name: '[Content_Types].xml', data: CT },
        { name: 'docProps/core.xml', data: core('Alice', '2017-04-28T10:00:00Z') },
        { name: 'docProps/app.xml', data: app(1) },
      ],
      { dosDate: '2017-05-04T22:10:00', host: 3 },
    );
    const r = (await analyseDocument(repacked))!;
    assert.deepEqual(
      r.flags.map((f) => f.code),
      ['re-zipped'],
    );
  });

  test('editing time longer than created→modified, modified after the theft date', async () => {
    const r = (await analyseDocument(officeXlsx('Alice', '2017-04-20T10:30:00Z', { minutes: 600 }), {
      theftDate: Date.parse('2017-04-15'),
    }))!;
    assert.deepEqual(r.flags.map((f) => f.code).sort(), [
      'editing-time-inconsistent',
      'modified-after-theft',
    ]);
  });

  test('XXE: an external entity in core.xml is never resolved and the file is flagged', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigie-xxe-'));
    const secret = join(dir, 'secret.txt');
    writeFileSync(secret, 'TOP-SECRET-CONTENT');
    const doctype = `<!DOCTYPE x [<!ENTITY xxe SYSTEM "file://${secret}"><!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>`;
    const buf = makeZip(
      [
        { name: '[Content_Types].xml', data: CT },
        { name: 'docProps/core.xml', data: core('&xxe;&b;', '2017-04-28T10:00:00Z', doctype) },
        {
          name: 'word/document.xml',
          data: `<?xml version="1.0"?>${doctype}<w:document><w:body><w:p><w:r><w:t>&xxe;</w:t></w:r></w:p></w:body></w:document>`,
        },
      ],
      { dosDate: '1980-01-01T00:00:00' },
    );
    const r = (await analyseDocument(buf))!;
    const all = JSON.stringify(r);
    assert.ok(!all.includes('TOP-SECRET'), 'no local file content may appear');
    assert.ok(!all.includes('aaaaaaaaaaaaaaaaaaaa'), 'no entity expansion');
    assert.ok(r.flags.some((f) => f.code === 'xml-doctype'));
  });

  test('a zip bomb part inside a docx is refused, not inflated', async () => {
    const buf = makeZip(
      [
        { name: '[Content_Types].xml', data: CT },
        { name: 'word/document.xml', data: Buffer.alloc(40 * 1024 * 1024, 0x20) },
      ],
      { dosDate: '1980-01-01T00:00:00' },
    );
    assert.ok(buf.length < 200_000);
    const r = (await analyseDocument(buf))!;
    assert.ok(
      r.problems.some((p) => /word\/document\.xml: .*(limit|bomb)/.test(p)),
      r.problems.join('; '),
    );
  });

  test('PDF with an appended revision and an encrypted PDF', async () => {
    const base =
      "%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 3 >>\nendobj\n3 0 obj\n<< /Author (Alice) /CreationDate (D:20170420100000+02'00') /ModDate (D:20170420100000+02'00') >>\nendobj\nxref\n0 4\ntrailer\n<< /Size 4 /Root 1 0 R /Info 3 0 R >>\nstartxref\n200\n%%EOF\n";
    const update =
      '3 0 obj\n<< /Author <FEFF041F0435044204400020> /ModDate (D:20170504220000Z) >>\nendobj\nxref\n3 1\ntrailer\n<< /Size 4 /Root 1 0 R /Info 3 0 R /Prev 200 >>\nstartxref\n400\n%%EOF\n';
    const r = (await analyseDocument(Buffer.from(base + update, 'latin1')))!;
    assert.equal(r.meta.pdf?.incrementalUpdates, 1);
    assert.equal(r.meta.creator, 'Петр ');
    assert.equal(r.meta.modified, '2017-05-04T22:00:00Z');
    assert.equal(r.meta.pdf?.pages, 3);
    assert.deepEqual(
      r.flags.map((f) => f.code),
      ['pdf-appended-edits'],
    );
    const enc = base.replace('/Info 3 0 R', '/Info 3 0 R /Encrypt 9 0 R');
    const e = (await analyseDocument(Buffer.from(enc, 'latin1')))!;
    assert.equal(e.meta.pdf?.encrypted, true);
    assert.equal(e.meta.pdf?.info.Author, '(encrypted)');
    assert.deepEqual(
      e.flags.map((f) => f.code),
      ['encrypted'],
    );
  });

  test('garbage and truncated files are not documents and never throw', async () => {
    assert.equal(await analyseDocument(Buffer.from('hello')), null);
    assert.equal(await analyseDocument(Buffer.from('PK\u0003\u0004garbage')), null);
    const r = await analyseDocument(
      Buffer.from(
        '%PDF-1.7\n1 0 obj << /Type /ObjStm /N 5 /First 10 /Filter /FlateDecode >>\nstream\nnot zlib\nendstream',
      ),
    );
    assert.ok(r);
  });
});

describe('cross-file flags', () => {
  const doc = (creator: string, modified: string): DocumentReport => ({
    format: 'xlsx',
    meta: { custom: {}, creator, lastModifiedBy: creator, modified },
    flags: [],
    text: null,
    problems: [],
  });

  test('edits clustered within minutes across an archive, with names in a foreign script', () => {
    const docs = [
      ...Array.from({ length: 6 }, (_, i) => ({
        path: `leak.zip!/f${i}.xlsx`,
        container: 'leak.zip',
        report: doc(i % 2 ? 'Георгий' : 'Jean Dupont', `2017-05-04T22:0${i}:00Z`),
      })),
      ...Array.from({ length: 8 }, (_, i) => ({
        path: `mail/d${i}.docx`,
        container: 'mail',
        report: doc('Marie Curie', `2017-0${(i % 4) + 1}-1${i}T10:00:00Z`),
      })),
    ];
    const flags = crossFileFlags(docs);
    const clustered = [...flags]
      .filter(([, fs]) => fs.some((f) => f.code === 'edits-clustered'))
      .map(([p]) => p)
      .sort();
    assert.deepEqual(
      clustered,
      docs
        .slice(0, 6)
        .map((d) => d.path)
        .sort(),
    );
    assert.match(
      flags.get('leak.zip!/f0.xlsx')![0].reason,
      /6 of 6 documents in leak.zip were last modified within 5 min \(.*\), 3 of them by a name in a foreign script/,
    );
    const foreign = [...flags]
      .filter(([, fs]) => fs.some((f) => f.code === 'foreign-script'))
      .map(([p]) => p)
      .sort();
    assert.deepEqual(foreign, ['leak.zip!/f1.xlsx', 'leak.zip!/f3.xlsx', 'leak.zip!/f5.xlsx']);
  });
});
