/**
 * `vigie leaks ...`: hack-and-leak authentication. Ingest a dump (DKIM verdicts offline,
 * manifest, document forensics), report it, export its manifest, and manage the offline DKIM
 * key store and the victim's registered decoys.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { Command, Option } from 'commander';
import type { Store } from '../../store/store.js';
import type { DumpRow } from '../../store/leaks.js';
import { VigieError } from '../../util/errors.js';
import { VIGIE_VERSION } from '../../version.js';
import { ingestDump } from '../../leaks/ingest.js';
import { dumpFindings } from '../../leaks/findings.js';
import { keyFromTxt, keysFromJson, type DkimKeyRecord } from '../../leaks/keys.js';
import { decoyOf } from '../../leaks/similar.js';
import { writeLeakDemo } from '../../leaks/demo.js';
import { VERDICTS, VERDICT_LABELS, type Verdict } from '../../leaks/types.js';
import { collect, intArg, withStore } from '../context.js';
import { safeText, table, toCsv, toJson } from '../output.js';

function dateArg(v: string): number {
  const t = Date.parse(v);
  if (!Number.isFinite(t))
    throw new VigieError('ERR_USAGE', `expected a date (YYYY-MM-DD or ISO-8601), got "${v}"`);
  return t;
}

function day(ms: number | null): string {
  return ms === null ? '' : new Date(ms).toISOString().slice(0, 10);
}

/** Keys from key files given on the command line (`--keys`, `keys add`). */
export function readKeyFiles(
  paths: string[],
  meta: { privatePublishedAt?: number | null; privatePublishedSource?: string | null } = {},
): { keys: DkimKeyRecord[]; problems: string[] } {
  const keys: DkimKeyRecord[] = [];
  const problems: string[] = [];
  for (const p of paths) {
    let text: string;
    try {
      text = readFileSync(p, 'utf8');
    } catch (e) {
      throw new VigieError('ERR_INPUT', `${p}: cannot read (${(e as Error).message})`, { cause: e });
    }
    const r = keysFromJson(text, basename(p));
    keys.push(
      ...r.keys.map((k) => ({
        ...k,
        privatePublishedAt: meta.privatePublishedAt ?? k.privatePublishedAt,
        privatePublishedSource: meta.privatePublishedSource ?? k.privatePublishedSource,
      })),
    );
    problems.push(...r.problems);
  }
  return { keys, problems };
}

/** The dump a command is about: `--dump`, or the only one in the workspace. */
async function pickDump(store: Store, id: string | undefined): Promise<DumpRow> {
  const dumps = await store.leaks().listDumps();
  if (id) {
    const d = dumps.find((x) => x.dumpId === id || x.label === id);
    if (!d)
      throw new VigieError(
        'ERR_NOT_FOUND',
        `no dump "${id}" in this workspace (have: ${dumps.map((x) => x.dumpId).join(', ') || 'none'})`,
      );
    return d;
  }
  if (dumps.length === 1) return dumps[0];
  if (dumps.length === 0)
    throw new VigieError(
      'ERR_NOT_FOUND',
      'no dump in this workspace: run `vigie leaks ingest <paths...>` first',
    );
  throw new VigieError(
    'ERR_USAGE',
    `several dumps in this workspace: choose one with --dump (${dumps.map((x) => x.dumpId).join(', ')})`,
  );
}

/** Default dump id: readable and stable for the same inputs, so a re-run replaces the earlier one. */
export function defaultDumpId(paths: string[]): string {
  const abs = paths.map((p) => resolve(p)).sort();
  const slug =
    basename(abs[0])
      .replace(/[^A-Za-z0-9_-]+/g, '-')
      .slice(0, 40) || 'dump';
  return `${slug}-${createHash('sha256').update(abs.join('\u0000')).digest('hex').slice(0, 8)}`;
}

interface IngestOpts {
  keys: string[];
  liveDns?: boolean;
  dump?: string;
  label?: string;
  leakDate?: number;
  theftDate?: number;
  orgScript: string[];
  maxBufferedMessage?: number;
  quiet?: boolean;
}

async function runIngest(paths: string[], o: IngestOpts, cmd: Command): Promise<void> {
  await withStore(cmd, async (store) => {
    const leaks = store.leaks();
    if (o.keys.length) {
      const { keys, problems } = readKeyFiles(o.keys);
      const added = await leaks.upsertKeys(keys);
      process.stderr.write(
        `keys: ${keys.length} read from ${o.keys.length} file(s), ${added} new in the key store\n`,
      );
      for (const p of problems) process.stderr.write(`keys: ${safeText(p)}\n`);
    }
    const dumpId = o.dump ?? defaultDumpId(paths);
    const runId = `leaks-${dumpId}-${Date.now()}`;
    await store.beginRun(runId, 'leaks ingest', { paths, ...o }, VIGIE_VERSION);
    const r = await ingestDump(leaks, paths, {
      dumpId,
      label: o.label ?? basename(resolve(paths[0])),
      leakDate: o.leakDate ?? null,
      theftDate: o.theftDate ?? null,
      liveDns: !!o.liveDns,
      orgScripts: o.orgScript.length ? o.orgScript : null,
      ...(o.maxBufferedMessage ? { maxBufferedMessage: o.maxBufferedMessage } : {}),
      onProgress: o.quiet
        ? undefined
        : (p) =>
            process.stderr.write(
              `\r${p.files} files, ${p.messages} messages, ${(p.bytes / 1e6).toFixed(1)} MB`,
            ),
    });
    if (!o.quiet) process.stderr.write('\n');
    const findings = await dumpFindings(leaks, dumpId);
    await store.saveFindings(findings, runId);
    await store.finishRun(runId);
    const s = r.stats;
    console.log(
      `dump ${dumpId}: ${s.files} files (${(s.bytes / 1e6).toFixed(1)} MB), ${s.messages} messages, ${s.attachments} attachments, ${s.documents} documents in ${r.seconds.toFixed(1)} s`,
    );
    console.log(table(VERDICTS.map((v) => ({ verdict: VERDICT_LABELS[v], messages: s[v] }))));
    console.log(
      `files anchored by a signature: ${s.anchoredFiles}; without cryptographic anchor: ${s.unanchoredFiles}; flagged documents: ${s.flaggedDocuments}; near-duplicate pairs: ${s.nearDuplicatePairs}`,
    );
    if (r.refused.length) {
      console.log(`refused or unreadable: ${r.refused.length}`);
      for (const x of r.refused.slice(0, 20)) console.log(`  ${safeText(x.path)}: ${safeText(x.reason)}`);
      if (r.refused.length > 20) console.log(`  … see \`vigie leaks manifest --dump ${dumpId} --csv\``);
    }
    for (const n of r.notes) console.log(`note: ${safeText(n)}`);
    console.log(
      `${findings.length} findings saved; \`vigie leaks report --dump ${dumpId}\` lists the messages`,
    );
  });
}

function messageRows(
  ms: Awaited<ReturnType<ReturnType<Store['leaks']>['messages']>>,
): Record<string, unknown>[] {
  return ms.map((m) => ({
    message: m.msgKey,
    date: m.date === null ? '' : new Date(m.date).toISOString(),
    from: m.from ?? '',
    subject: m.subject ?? '',
    verdict: VERDICT_LABELS[m.verdict],
    signed_by: [...new Set(m.signatures.map((s) => s.domain))].join(' '),
    flags: m.flags.map((f) => f.code).join(' '),
    arc: m.arcStatus,
    sha256: m.sha256,
  }));
}

/** Register `vigie leaks` and its subcommands. */
export function register(program: Command): void {
  const leaks = program
    .command('leaks')
    .description('hack-and-leak authentication: DKIM verdicts offline, manifest, document forensics, decoys');

  leaks
    .command('ingest')
    .description(
      'ingest a dump (.eml, mbox, Maildir, folders, .zip/.tar/.tar.gz archives): verify every message, hash every file, analyse documents',
    )
    .argument('<paths...>', 'files or folders of the dump')
    .option(
      '--keys <file>',
      'archived DKIM keys (JSON: {"sel._domainkey.dom": {"TXT": [[...]]}} or vigie\'s key list); repeatable',
      collect,
      [],
    )
    .option(
      '--live-dns',
      "look up keys missing from the key store in live DNS (off by default: today's DNS says little about old mail)",
    )
    .option('--dump <id>', 'dump id (default: from the input paths; the same id replaces an earlier run)')
    .option('--label <text>', 'dump label for reports')
    .option(
      '--leak-date <date>',
      'when the dump was published: keys whose private half was out before it are flagged',
      dateArg,
    )
    .option('--theft-date <date>', 'claimed theft date: documents modified after it are flagged', dateArg)
    .option(
      '--org-script <script>',
      "writing system of the organisation's names (Latin, Cyrillic...); repeatable; default: the dump's majority",
      collect,
      [],
    )
    .option(
      '--max-buffered-message <bytes>',
      'messages above this size are verified streaming (default 32 MiB)',
      intArg,
    )
    .option('--quiet', 'no progress line')
    .action(async (paths: string[], o: IngestOpts, cmd: Command) => runIngest(paths, o, cmd));

  leaks
    .command('report')
    .description('messages of a dump with their verdicts (or its documents with --documents)')
    .option('--dump <id>', 'dump id or label (default: the only dump)')
    .addOption(new Option('--verdict <verdict>', 'only messages with this verdict').choices([...VERDICTS]))
    .option('--documents', 'list documents and their forensic flags instead of messages')
    .option('--json', 'JSON output (full rows, with signatures and explanations)')
    .option('--csv', 'CSV output')
    .option('--limit <n>', 'rows to show in the table', intArg, 50)
    .action(
      async (
        o: {
          dump?: string;
          verdict?: Verdict;
          documents?: boolean;
          json?: boolean;
          csv?: boolean;
          limit: number;
        },
        cmd: Command,
      ) => {
        await withStore(cmd, async (store) => {
          const d = await pickDump(store, o.dump);
          const ls = store.leaks();
          if (o.documents) {
            const docs = await ls.documents(d.dumpId);
            if (o.json) return void console.log(toJson(docs.map(({ text: _t, ...x }) => x)));
            const rows = docs.map((x) => ({
              document: x.path,
              format: x.format,
              creator: x.meta.creator ?? '',
              last_modified_by: x.meta.lastModifiedBy ?? '',
              modified: x.meta.modified ?? '',
              application: x.meta.application ?? '',
              flags: x.flags.map((f) => f.code).join(' '),
              reasons: x.flags.map((f) => f.reason).join(' | '),
            }));
            if (o.csv) return void process.stdout.write(toCsv(rows));
            return void console.log(
              table(rows.slice(0, o.limit), [
                'document',
                'format',
                'creator',
                'last_modified_by',
                'modified',
                'flags',
              ]),
            );
          }
          const ms = await ls.messages(d.dumpId, { verdict: o.verdict });
          if (o.json) {
            const counts = await ls.verdictCounts(d.dumpId);
            return void console.log(
              toJson({ dump: d, counts, timeline: await ls.authenticTimeline(d.dumpId), messages: ms }),
            );
          }
          const rows = messageRows(ms);
          if (o.csv) return void process.stdout.write(toCsv(rows, Object.keys(rows[0] ?? { message: '' })));
          const counts = await ls.verdictCounts(d.dumpId);
          console.log(
            `dump ${d.dumpId} (${safeText(d.label)}), ${d.status}; ${VERDICTS.map((v) => `${VERDICT_LABELS[v]} ${counts[v]}`).join(', ')}`,
          );
          console.log(
            table(rows.slice(0, o.limit), [
              'message',
              'date',
              'from',
              'subject',
              'verdict',
              'signed_by',
              'flags',
            ]),
          );
          if (rows.length > o.limit)
            console.log(`… ${rows.length - o.limit} more (--limit, --json or --csv)`);
        });
      },
    );

  leaks
    .command('manifest')
    .description(
      "the dump's manifest: SHA-256, size and time of every file as received, archive members and attachments included",
    )
    .option('--dump <id>', 'dump id or label (default: the only dump)')
    .addOption(
      new Option('--format <f>', 'output format').choices(['sha256sum', 'csv', 'json']).default('sha256sum'),
    )
    .option('--csv', 'same as --format csv')
    .option('--json', 'same as --format json')
    .action(async (o: { dump?: string; format: string; csv?: boolean; json?: boolean }, cmd: Command) => {
      await withStore(cmd, async (store) => {
        const d = await pickDump(store, o.dump);
        const files = await store.leaks().files(d.dumpId);
        const format = o.json ? 'json' : o.csv ? 'csv' : o.format;
        const rows = files.map((f) => ({
          path: f.path,
          size: f.size,
          sha256: f.sha256,
          mtime: f.mtime === null ? '' : new Date(f.mtime).toISOString(),
          kind: f.kind,
          status: f.status,
          note: f.note ?? '',
          parent_message: f.parentMessage ?? '',
          anchor: f.anchor,
        }));
        if (format === 'json')
          return void console.log(toJson({ dump: d.dumpId, inputs: d.inputs, files: rows }));
        if (format === 'csv')
          return void process.stdout.write(toCsv(rows, Object.keys(rows[0] ?? { path: '' })));
        // sha256sum-compatible lines (refused members have no hash and are commented out).
        for (const r of rows)
          console.log(
            r.status === 'ok'
              ? `${r.sha256}  ${safeText(r.path)}`
              : `# ${r.status}: ${safeText(r.path)}: ${safeText(r.note)}`,
          );
      });
    });

  leaks
    .command('demo')
    .description(
      'write a small demo dump (authentic, altered, forged, unsigned messages; planted documents) and ingest it',
    )
    .option('--dir <path>', 'where to write the demo dump', 'vigie-leaks-demo')
    .option('--seed <n>', 'content seed', intArg, 2017)
    .action(async (o: { dir: string; seed: number }, cmd: Command) => {
      const d = await writeLeakDemo(o.dir, o.seed);
      console.log(`demo dump written to ${d.dumpDir} (key file ${d.keysFile})`);
      await runIngest(
        [d.dumpDir],
        {
          keys: [d.keysFile],
          orgScript: [],
          leakDate: Date.parse(d.leakDate),
          theftDate: Date.parse(d.theftDate),
          dump: 'leaks-demo',
          label: 'demo leak',
          quiet: true,
        },
        cmd,
      );
      console.log(
        'next: vigie leaks report --dump leaks-demo; vigie leaks report --dump leaks-demo --documents; vigie findings',
      );
    });

  const keys = leaks.command('keys').description('the offline DKIM key store');
  keys
    .command('add')
    .description(
      'add public keys from key files, or one key with --domain/--selector/--txt; mark keys whose private half was published',
    )
    .argument('[files...]', 'key files (JSON, DNS-cache or vigie form)')
    .option('--domain <d>')
    .option('--selector <s>')
    .option('--txt <record>', 'the TXT record, e.g. "v=DKIM1; k=rsa; p=MIIB..."')
    .option('--first-seen <date>', 'first date the key was seen published', dateArg)
    .option('--last-seen <date>', 'last date the key was seen published', dateArg)
    .option('--source <text>', 'where the key comes from (archive, passive DNS...)')
    .option(
      '--private-published <date>',
      'the private half of these keys was published on this date',
      dateArg,
    )
    .option('--private-source <text>', 'where the private key was published')
    .action(
      async (
        files: string[],
        o: {
          domain?: string;
          selector?: string;
          txt?: string;
          firstSeen?: number;
          lastSeen?: number;
          source?: string;
          privatePublished?: number;
          privateSource?: string;
        },
        cmd: Command,
      ) => {
        const meta = {
          privatePublishedAt: o.privatePublished ?? null,
          privatePublishedSource: o.privateSource ?? null,
        };
        const { keys: list, problems } = readKeyFiles(files, meta);
        if (o.txt || o.domain || o.selector) {
          if (!o.txt || !o.domain || !o.selector)
            throw new VigieError('ERR_USAGE', '--domain, --selector and --txt go together');
          const k = keyFromTxt(o.domain, o.selector, o.txt, {
            source: o.source ?? 'manual',
            firstSeen: o.firstSeen ?? null,
            lastSeen: o.lastSeen ?? null,
            ...meta,
          });
          if (!k)
            throw new VigieError(
              'ERR_USAGE',
              'the record has an empty p=: a revoked key cannot verify anything',
            );
          list.push(k);
        }
        for (const k of list) {
          if (o.firstSeen !== undefined) k.firstSeen = o.firstSeen;
          if (o.lastSeen !== undefined) k.lastSeen = o.lastSeen;
          if (o.source) k.source = o.source;
        }
        if (!list.length)
          throw new VigieError('ERR_USAGE', 'no keys given (key files, or --domain --selector --txt)');
        await withStore(cmd, async (store) => {
          const added = await store.leaks().upsertKeys(list);
          console.log(`${list.length} keys read, ${added} new in the key store`);
          for (const p of problems) console.log(`note: ${safeText(p)}`);
        });
      },
    );
  keys
    .command('list')
    .description('keys in the store')
    .option('--json', 'JSON output (vigie key list form, accepted by `keys add` and `--keys`)')
    .action(async (o: { json?: boolean }, cmd: Command) => {
      await withStore(cmd, async (store) => {
        const ks = await store.leaks().listKeys();
        if (o.json)
          return void console.log(
            toJson(
              ks.map((k) => ({
                domain: k.domain,
                selector: k.selector,
                record: k.record,
                firstSeen: k.firstSeen && new Date(k.firstSeen).toISOString(),
                lastSeen: k.lastSeen && new Date(k.lastSeen).toISOString(),
                source: k.source,
                privatePublishedAt: k.privatePublishedAt && new Date(k.privatePublishedAt).toISOString(),
                privatePublishedSource: k.privatePublishedSource,
                bits: k.bits,
                fingerprint: k.fingerprint,
              })),
            ),
          );
        console.log(
          table(
            ks.map((k) => ({
              name: `${k.selector}._domainkey.${k.domain}`,
              type: k.keyType,
              bits: k.bits,
              first_seen: day(k.firstSeen),
              last_seen: day(k.lastSeen),
              source: k.source,
              private_published: day(k.privatePublishedAt),
              fingerprint: k.fingerprint.slice(0, 16),
            })),
          ),
        );
      });
    });

  const decoys = leaks
    .command('decoys')
    .description('decoys the victim planted (SHA-256 and TLSH): matches in a dump are flagged');
  decoys
    .command('add')
    .description('register decoy files (their SHA-256 and TLSH), or hashes with --sha256/--tlsh')
    .argument('[files...]', 'decoy files')
    .option('--label <text>', 'label (default: the file name)')
    .option('--note <text>', 'where and when it was planted')
    .option('--sha256 <hash>', 'a decoy by SHA-256')
    .option('--tlsh <hash>', 'a decoy by TLSH')
    .action(
      async (
        files: string[],
        o: { label?: string; note?: string; sha256?: string; tlsh?: string },
        cmd: Command,
      ) => {
        const rows = files.map((f) => decoyOf(readFileSync(f), o.label ?? basename(f), o.note ?? null));
        if (o.sha256 || o.tlsh) {
          if (o.sha256 && !/^[0-9a-f]{64}$/i.test(o.sha256))
            throw new VigieError('ERR_USAGE', '--sha256 expects 64 hex digits');
          rows.push({
            sha256: o.sha256?.toLowerCase() ?? null,
            tlsh: o.tlsh?.toUpperCase() ?? null,
            label: o.label ?? 'decoy',
            note: o.note ?? null,
            addedAt: Date.now(),
          });
        }
        if (!rows.length) throw new VigieError('ERR_USAGE', 'no decoys given (files, --sha256 or --tlsh)');
        await withStore(cmd, async (store) => {
          const n = await store.leaks().addDecoys(rows);
          console.log(
            `${n} decoys registered (${rows.length - n} already known); re-run \`vigie leaks ingest\` to match them`,
          );
        });
      },
    );
  decoys
    .command('list')
    .description('registered decoys')
    .action(async (_o: unknown, cmd: Command) => {
      await withStore(cmd, async (store) => {
        console.log(
          table(
            (await store.leaks().listDecoys()).map((d) => ({
              label: d.label,
              sha256: d.sha256 ?? '',
              tlsh: d.tlsh ?? '',
              note: d.note ?? '',
            })),
          ),
        );
      });
    });
}
