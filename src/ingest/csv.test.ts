import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CsvParser, csvBatches, csvRows, type CsvItem } from './csv.js';
import { InputFile } from './input.js';
import { isVigieError } from '../util/errors.js';
import { mulberry32 as rng } from '../util/rng.js';

/** Parse `text` fed in chunks of 1..maxStep bytes (seeded), as the stream would. */
function parse(text: string | Buffer, maxRecordBytes = 1 << 20, seed = 1, maxStep = 7): CsvItem[] {
  const b = typeof text === 'string' ? Buffer.from(text) : text;
  const p = new CsvParser(',', maxRecordBytes);
  const out: CsvItem[] = [];
  const r = rng(seed);
  for (let i = 0; i < b.length;) {
    const n = 1 + Math.floor(r() * maxStep);
    p.push(b.subarray(i, i + n), out);
    i += n;
  }
  p.end(out);
  return out;
}

const show = (items: CsvItem[]) =>
  items.map((i) => [i.line, i.offset, i.fields ?? `REJECT ${i.reject.reason}`]);

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigie-csv-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('CsvParser', () => {
  test('RFC 4180: quoted delimiters, doubled quotes, newlines and CRLF inside quotes', () => {
    const text = 'a,b,c\r\n1,"x, y","say ""hi"""\r\n2,"multi\r\nline\nfield",\r\n3,,""\r\n';
    for (let seed = 1; seed <= 20; seed++) {
      assert.deepEqual(show(parse(text, 1 << 20, seed)), [
        [1, 0, ['a', 'b', 'c']],
        [2, 7, ['1', 'x, y', 'say "hi"']],
        [3, 30, ['2', 'multi\r\nline\nfield', '']],
        [6, 54, ['3', '', '']],
      ]);
    }
  });

  test('agrees with a straightforward RFC 4180 writer on random fields and random chunking', () => {
    const r = rng(42);
    const alphabet = ['a', 'b', ',', '"', '\n', '\r\n', 'é', ' ', '€', '\t'];
    for (let iter = 0; iter < 500; iter++) {
      const rows: string[][] = [];
      const ncols = 1 + Math.floor(r() * 4);
      for (let i = 0; i < 1 + Math.floor(r() * 6); i++) {
        const row: string[] = [];
        for (let j = 0; j < ncols; j++)
          row.push(
            Array.from(
              { length: Math.floor(r() * 6) },
              () => alphabet[Math.floor(r() * alphabet.length)],
            ).join(''),
          );
        // A row holding one empty unquoted field is a blank line, which CSV readers skip.
        if (!(ncols === 1 && row[0] === '')) rows.push(row);
      }
      const eol = r() < 0.5 ? '\n' : '\r\n';
      const text = rows
        .map((row) =>
          row.map((f) => (/[",\r\n]/.test(f) || r() < 0.2 ? `"${f.replace(/"/g, '""')}"` : f)).join(','),
        )
        .join(eol);
      const got = parse(text + (r() < 0.5 ? eol : ''), 1 << 20, iter).map((i) => i.fields ?? ['REJECT']);
      assert.deepEqual(got, rows, JSON.stringify(text));
    }
  });

  test('bad quoting is a reject on its line and the next lines are read', () => {
    assert.deepEqual(show(parse('a,b"c,d\nx,y\n"abc"x,d\nz,w\n')), [
      [1, 0, 'REJECT bad CSV quoting: quote inside an unquoted field (byte 3 of the record)'],
      [2, 8, ['x', 'y']],
      [3, 12, 'REJECT bad CSV quoting: unexpected character after a closing quote (byte 5 of the record)'],
      [4, 21, ['z', 'w']],
    ]);
  });

  test('a quote never closed costs its line only, at end of file or past the record limit', () => {
    assert.deepEqual(show(parse('"abc,d\nx,y\n')), [
      [1, 0, 'REJECT bad CSV quoting: quoted field never closed (opened at byte 0 of the record)'],
      [2, 7, ['x', 'y']],
    ]);
    const items = parse('h1,h2\n"abc,d\n' + 'k,l\n'.repeat(20), 30);
    assert.equal(items[1].line, 2);
    assert.match(items[1].reject!.reason, /not closed within 30 bytes/);
    assert.deepEqual(items[2].fields, ['k', 'l']);
    assert.equal(items.length, 22);
  });

  test('a record longer than the limit is skipped as it streams by, with its line and length', () => {
    const long = 'x'.repeat(5000);
    const items = parse(`a,b\n${long}\nc,d\n"${long}"\ne,f`, 1000, 3, 300);
    assert.deepEqual(
      items.map((i) => [i.line, i.fields ?? i.reject.reason]),
      [
        [1, ['a', 'b']],
        [2, 'record longer than 1000 bytes (5000 bytes); skipped'],
        [3, ['c', 'd']],
        [4, 'record longer than 1000 bytes (5002 bytes); skipped'],
        [5, ['e', 'f']],
      ],
    );
    assert.ok(items[1].reject!.excerpt.length <= 200);
  });

  test('invalid UTF-8 is rejected with the byte where it starts; BOM and blank lines are skipped', () => {
    const b = Buffer.concat([
      Buffer.from('\uFEFFa,b\n\n1,'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from(',2\n3,"é"\n'),
    ]);
    assert.deepEqual(show(parse(b)), [
      [1, 3, ['a', 'b']],
      [3, 8, 'REJECT invalid UTF-8 at byte 2 of the record (file offset 10)'],
      [4, 15, ['3', 'é']],
    ]);
  });

  test('refuses a delimiter it cannot frame', () => {
    assert.throws(
      () => new CsvParser('"'),
      (e: unknown) => isVigieError(e, 'ERR_USAGE'),
    );
  });
});

describe('csvBatches / csvRows', () => {
  test('header, column-count rejects with line numbers, gzip', async () => {
    const text = 'id,name,n\n1,a,10\n2,b\n3,c,30,extra\n4,"d\nd",40\n';
    writeFileSync(join(dir, 'cols.csv.gz'), gzipSync(text));
    const { header, rows } = await csvRows(await InputFile.open(join(dir, 'cols.csv.gz')));
    assert.deepEqual(header, ['id', 'name', 'n']);
    const items: CsvItem[] = [];
    for await (const r of rows) items.push(r);
    assert.deepEqual(
      items.map((i) => [i.line, i.fields ?? i.reject.reason]),
      [
        [2, ['1', 'a', '10']],
        [3, 'expected 3 columns, found 2'],
        [4, 'expected 3 columns, found 4'],
        [5, ['4', 'd\nd', '40']],
      ],
    );
  });

  test('batches hold every record once, in order, on a file of many chunks', async () => {
    const n = 60_000;
    const p = join(dir, 'many.csv');
    writeFileSync(
      p,
      'k,v\n' +
        Array.from({ length: n }, (_, i) => (i % 7 === 0 ? `${i},"q,${i}"` : `${i},v${i}`)).join('\n'),
    );
    const { batches } = await csvBatches(await InputFile.open(p));
    let next = 0;
    let count = 0;
    for await (const b of batches) {
      count++;
      for (const r of b) {
        assert.equal(r.fields![0], String(next));
        assert.equal(r.line, next + 2);
        next++;
      }
    }
    assert.equal(next, n);
    assert.ok(count > 1);
  });

  test('an unreadable header is ERR_INPUT; a header-only or empty file has no rows', async () => {
    writeFileSync(join(dir, 'badhead.csv'), 'a,"b\n');
    await assert.rejects(csvRows(await InputFile.open(join(dir, 'badhead.csv'))), (e: unknown) =>
      isVigieError(e, 'ERR_INPUT'),
    );
    writeFileSync(join(dir, 'head.csv'), 'a,b\n');
    const h = await csvRows(await InputFile.open(join(dir, 'head.csv')));
    assert.deepEqual(h.header, ['a', 'b']);
    assert.equal((await h.rows.next()).done, true);
    writeFileSync(join(dir, 'none.csv'), '');
    const e = await csvRows(await InputFile.open(join(dir, 'none.csv')));
    assert.deepEqual(e.header, []);
    assert.equal((await e.rows.next()).done, true);
  });
});
