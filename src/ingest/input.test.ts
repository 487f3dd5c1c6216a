import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { createGzip, gzipSync } from 'node:zlib';
import { InputFile, type LineItem } from './input.js';
import { isVigieError } from '../util/errors.js';

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigie-input-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function lines(path: string, limits = {}): Promise<LineItem[]> {
  const out: LineItem[] = [];
  for await (const l of (await InputFile.open(path, limits)).lines()) out.push(l);
  return out;
}

/** Write `n` blocks of `block` through `through` (e.g. gzip) to `path`, with back-pressure. */
async function writeBlocks(path: string, blocks: Iterable<Buffer>, gzip = false): Promise<void> {
  const file = createWriteStream(path);
  const sink = gzip ? createGzip() : file;
  if (gzip) (sink as ReturnType<typeof createGzip>).pipe(file);
  for (const b of blocks) if (!sink.write(b)) await once(sink, 'drain');
  sink.end();
  await once(file, 'finish');
}

function* repeat(b: Buffer, n: number): Generator<Buffer> {
  for (let i = 0; i < n; i++) yield b;
}

describe('InputFile', () => {
  test('gzip is read transparently, with the same lines and positions as the plain file', async () => {
    const text = 'first line\nsecond, with é\n\nfourth\n';
    writeFileSync(join(dir, 'a.txt'), text);
    writeFileSync(join(dir, 'a.txt.gz'), gzipSync(text));
    const plain = await lines(join(dir, 'a.txt'));
    const gz = await lines(join(dir, 'a.txt.gz'));
    assert.equal((await InputFile.open(join(dir, 'a.txt.gz'))).compression, 'gzip');
    assert.equal((await InputFile.open(join(dir, 'a.txt'))).compression, null);
    assert.deepEqual(gz, plain);
    assert.deepEqual(
      plain.map((l) => [l.line, l.offset, l.text]),
      [
        [1, 0, 'first line'],
        [2, 11, 'second, with é'],
        [4, 28, 'fourth'],
      ],
    );
  });

  test('a gzip bomb (2 GiB of zeros in ~2 MB) stops with ERR_DECOMPRESSION_LIMIT, memory bounded', async () => {
    const bomb = join(dir, 'bomb.gz');
    // Streamed: the 2 GiB never exist anywhere, only their compressed form.
    await writeBlocks(bomb, repeat(Buffer.alloc(1 << 20), 2048), true);
    const input = await InputFile.open(bomb);
    assert.ok(input.size < 12 * 1024 * 1024, `bomb file is ${input.size} bytes`);
    const rss0 = process.memoryUsage().rss;
    let peak = 0;
    let err: unknown = null;
    let decompressed = 0;
    try {
      for await (const c of input.byteStream() as AsyncIterable<Buffer>) {
        decompressed += c.length;
        peak = Math.max(peak, process.memoryUsage().rss - rss0);
      }
    } catch (e) {
      err = e;
    }
    assert.ok(
      isVigieError(err, 'ERR_DECOMPRESSION_LIMIT'),
      `expected ERR_DECOMPRESSION_LIMIT, got ${String(err)}`,
    );
    // It stops soon after the 64 MiB grace, long before 2 GiB.
    assert.ok(decompressed < 256 * 1024 * 1024, `decompressed ${decompressed} bytes before stopping`);
    assert.ok(peak < 256 * 1024 * 1024, `rss grew by ${peak} bytes`);
    // And through line framing too (no newline in zeros: must not buffer them either).
    await assert.rejects(lines(bomb), (e: unknown) => isVigieError(e, 'ERR_DECOMPRESSION_LIMIT'));
  });

  test('the decompressed-size limit applies whatever the ratio', async () => {
    const p = join(dir, 'limit.gz');
    writeFileSync(p, gzipSync(Buffer.from('x\n'.repeat(50_000))));
    await assert.rejects(lines(p, { maxDecompressedBytes: 10_000 }), (e: unknown) =>
      isVigieError(e, 'ERR_DECOMPRESSION_LIMIT'),
    );
  });

  test('a truncated gzip file gives a clear ERR_INPUT naming the file', async () => {
    const full = gzipSync(Buffer.from('line\n'.repeat(100_000)));
    const p = join(dir, 'trunc.gz');
    writeFileSync(p, full.subarray(0, Math.floor(full.length / 2)));
    await assert.rejects(lines(p), (e: unknown) => {
      assert.ok(isVigieError(e, 'ERR_INPUT'), String(e));
      assert.match((e as Error).message, /trunc\.gz/);
      assert.match((e as Error).message, /gzip/);
      return true;
    });
  });

  test('a single 100 MB line is rejected with its line number, not buffered, and reading goes on', async () => {
    const p = join(dir, 'long.txt');
    const mb = Buffer.alloc(1 << 20, 0x78); // 'x'
    await writeBlocks(p, [Buffer.from('before\n'), ...repeat(mb, 100), Buffer.from('\nafter 1\nafter 2\n')]);
    const input = await InputFile.open(p);
    const heap0 = process.memoryUsage();
    let peak = 0;
    const out: LineItem[] = [];
    for await (const l of input.lines()) {
      out.push(l);
      const m = process.memoryUsage();
      peak = Math.max(peak, m.heapUsed + m.arrayBuffers - heap0.heapUsed - heap0.arrayBuffers);
    }
    assert.deepEqual(
      out.map((l) => [l.line, l.text ?? 'REJECT']),
      [
        [1, 'before'],
        [2, 'REJECT'],
        [3, 'after 1'],
        [4, 'after 2'],
      ],
    );
    const rej = out[1].reject!;
    assert.equal(out[1].offset, 7);
    assert.match(rej.reason, /longer than/);
    assert.ok(rej.excerpt.length <= 200);
    assert.equal(out[2].offset, 7 + 100 * (1 << 20) + 1);
    // The limit is 16 MiB: a buffered line would show as >= 100 MB here.
    assert.ok(peak < 48 * 1024 * 1024, `memory grew by ${peak} bytes while reading`);
  });

  test('an invalid UTF-8 line is rejected with its line and offset; its neighbours are kept', async () => {
    const p = join(dir, 'utf8.txt');
    writeFileSync(
      p,
      Buffer.concat([Buffer.from('ok\nbad '), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('\nfine é\n')]),
    );
    const out = await lines(p);
    assert.deepEqual(
      out.map((l) => [l.line, l.offset, l.text ?? `REJECT ${l.reject?.reason}`]),
      [
        [1, 0, 'ok'],
        [2, 3, 'REJECT invalid UTF-8'],
        [3, 11, 'fine é'],
      ],
    );
  });

  test('CRLF line ends are stripped; a BOM is removed from the first line only', async () => {
    const p = join(dir, 'crlf.txt');
    writeFileSync(p, '\uFEFFone\r\ntwo\r\n\uFEFFthree\r\n');
    const out = await lines(p);
    assert.deepEqual(
      out.map((l) => l.text),
      ['one', 'two', '\uFEFFthree'],
    );
    assert.equal(await (await InputFile.open(p)).head(), 'one\r\ntwo\r\n\uFEFFthree\r\n');
  });

  test('the last line may lack its newline', async () => {
    const p = join(dir, 'nonl.txt');
    writeFileSync(p, 'a\nb');
    assert.deepEqual(
      (await lines(p)).map((l) => l.text),
      ['a', 'b'],
    );
  });

  test('an empty file opens, has size 0 and yields no lines', async () => {
    const p = join(dir, 'empty.txt');
    writeFileSync(p, '');
    const input = await InputFile.open(p);
    assert.equal(input.size, 0);
    assert.equal(input.compression, null);
    assert.deepEqual(await lines(p), []);
    assert.equal(await input.head(), '');
  });

  test('a missing path or a directory is ERR_INPUT', async () => {
    await assert.rejects(InputFile.open(join(dir, 'nope')), (e: unknown) => isVigieError(e, 'ERR_INPUT'));
    await assert.rejects(InputFile.open(dir), (e: unknown) => isVigieError(e, 'ERR_INPUT'));
  });
});
