/**
 * Throughput of the `x-v1` reader alone (no store), on generated v1.1 tweets:
 * `npx tsx src/readers/twitter-v1/bench.ts [tweets] [escaped|utf8]`. Prints, for the same file,
 * the cost of line framing, of `JSON.parse` on top of it, and of the whole reader, in tweets
 * per second. `escaped` (default) writes JSON as X's API did (non-ASCII as `\uXXXX`); `utf8`
 * writes raw UTF-8, which costs several microseconds more per tweet to decode.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputFile } from '../../ingest/input.js';
import { twitterV1Reader } from './index.js';
import { v1Tweets } from './fixtures.js';

/**
 * Wall-clock rate, and the rate per CPU-second of this process (what a quiet core would give;
 * the wall rate drops when other processes share the machine).
 */
async function time(label: string, n: number, bytes: number, f: () => Promise<number>): Promise<void> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const got = await f();
  const s = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const cpu = (c.user + c.system) / 1e6;
  const fmt = (x: number) => Math.round(x).toString().padStart(8);
  console.log(
    `${label.padEnd(26)} wall ${fmt(n / s)} tweets/s ${(bytes / s / 1e6).toFixed(0).padStart(4)} MB/s | per CPU-s ${fmt(n / cpu)} tweets/s  (${got} items)`,
  );
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 50_000);
  const encoding = process.argv[3] === 'utf8' ? 'utf8' : 'escaped';
  const dir = mkdtempSync(join(tmpdir(), 'vigie-bench-v1-'));
  try {
    const { lines } = v1Tweets(n, 7, encoding);
    const body = lines.join('\n') + '\n';
    const path = join(dir, 'tweets.jsonl');
    writeFileSync(path, body);
    const bytes = Buffer.byteLength(body);
    console.log(`${n} tweets (${encoding}), ${(bytes / n).toFixed(0)} bytes each on average`);
    for (let round = 0; round < 3; round++) {
      const input = await InputFile.open(path);
      await time('framing (input.lines)', n, bytes, async () => {
        let k = 0;
        for await (const l of input.lines()) if (l.text) k++;
        return k;
      });
      await time('framing + JSON.parse', n, bytes, async () => {
        let k = 0;
        for await (const l of input.lines()) if (l.text && JSON.parse(l.text)) k++;
        return k;
      });
      await time('x-v1 reader, end to end', n, bytes, async () => {
        let k = 0;
        for await (const r of twitterV1Reader.read(input, {})) if (r.posts) k += r.posts.length;
        return k;
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
