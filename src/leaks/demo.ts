/**
 * A small demo dump, in the shape of an eve-of-election leak: authentic messages, one with its
 * body altered, one with its Subject forged, unsigned ones, one signed by a key that has left
 * DNS, an mbox, and an archive of documents in which a planted batch was re-saved within
 * minutes under a Cyrillic name after the theft, plus an altered copy of a signed attachment.
 *
 * Content is seeded; the signing key is generated fresh each run (node:crypto keys cannot be
 * seeded), which does not change any verdict. The key file (DNS-cache JSON) holds the key
 * of campagne.example but not the rotated one.
 *
 * @example
 * const d = await writeLeakDemo('/tmp/demo');
 * // vigie leaks ingest d.dumpDir --keys d.keysFile --theft-date 2017-04-28 --leak-date 2017-05-05
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildMessage, makeTestKey, signWith, type TestMessage } from './fixtures.js';
import { makeZip } from './test-zip.js';
import type { Verdict } from './types.js';
import { mulberry32 as rng } from '../util/rng.js';

/** What the demo wrote, and what an ingest of it must find. */
export interface LeakDemo {
  dumpDir: string;
  keysFile: string;
  theftDate: string;
  leakDate: string;
  expected: Record<Verdict, number>;
  /** Paths (relative to the dump's parent) of documents that must be flagged, with the flag. */
  plantedDocuments: { path: string; flag: string }[];
}

const PEOPLE = [
  'Claire Martin',
  'Hugo Bernard',
  'Léa Dubois',
  'Nathan Moreau',
  'Chloé Laurent',
  'Louis Simon',
];
const TOPICS = [
  'meeting agenda',
  'press release draft',
  'rally logistics',
  'donor list',
  'polling update',
  'travel plan',
];

function xml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
}

/** A DOCX as Word writes it (entries dated 1980-01-01), or re-packed (`repack`). */
function docx(o: {
  creator: string;
  lastBy: string;
  created: string;
  modified: string;
  minutes: number;
  lines: string[];
  repack?: string;
}): Buffer {
  const core = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"><dc:creator>${xml(o.creator)}</dc:creator><cp:lastModifiedBy>${xml(o.lastBy)}</cp:lastModifiedBy><dcterms:created>${o.created}</dcterms:created><dcterms:modified>${o.modified}</dcterms:modified></cp:coreProperties>`;
  const app = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>Microsoft Office Word</Application><TotalTime>${o.minutes}</TotalTime><Company>Campagne</Company></Properties>`;
  const body = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${o.lines.map((l) => `<w:p><w:r><w:t>${xml(l)}</w:t></w:r></w:p>`).join('')}</w:body></w:document>`;
  const members = [
    ...(o.repack
      ? [
          { name: 'docProps/', data: '' },
          { name: 'word/', data: '' },
        ]
      : []),
    {
      name: '[Content_Types].xml',
      data: '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
    },
    { name: 'docProps/core.xml', data: core },
    { name: 'docProps/app.xml', data: app },
    { name: 'word/document.xml', data: body },
  ];
  return makeZip(
    members,
    o.repack
      ? { dosDate: o.repack, host: 3, version: 30 }
      : { dosDate: '1980-01-01T00:00:00', host: 0, version: 45 },
  );
}

/**
 * Write the demo dump under `dir` (created if needed).
 */
export async function writeLeakDemo(dir: string, seed = 2017): Promise<LeakDemo> {
  const r = rng(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  const dumpDir = join(dir, 'campagne-leak');
  mkdirSync(join(dumpDir, 'mail'), { recursive: true });
  mkdirSync(join(dumpDir, 'documents'), { recursive: true });
  const key = makeTestKey('campagne.example', 'mail2017');
  const rotated = makeTestKey('campagne.example', 'mail2016');
  const keysFile = join(dir, 'campagne-keys.dns.json');
  writeFileSync(
    keysFile,
    JSON.stringify({ 'mail2017._domainkey.campagne.example': { TXT: [[key.txt]] } }, null, 2),
  );

  const mk = (i: number, extra: Partial<TestMessage> = {}): TestMessage => {
    const from = pick(PEOPLE);
    const topic = pick(TOPICS);
    return {
      from: `${from} <${from
        .toLowerCase()
        .normalize('NFD')
        .replace(/[^a-z ]/g, '')
        .replace(' ', '.')}@campagne.example>`,
      to: 'equipe@campagne.example',
      subject: `${topic[0].toUpperCase()}${topic.slice(1)} (${i})`,
      date: new Date(
        Date.UTC(2017, 3, 10 + (i % 18), 8 + Math.floor(r() * 10), Math.floor(r() * 60)),
      ).toUTCString(),
      body: `Bonjour,\n\nHere is the ${topic} for next week. Budget line ${Math.floor(r() * 900) + 100} is unchanged.\n\n${from}\n`,
      ...extra,
    };
  };
  const planLines = Array.from(
    { length: 14 },
    (_, i) =>
      `Item ${i + 1}: ${pick(TOPICS)} handled by ${pick(PEOPLE)}, budget ${Math.floor(r() * 9000) + 1000} EUR.`,
  );
  const plan = docx({
    creator: 'Claire Martin',
    lastBy: 'Claire Martin',
    created: '2017-04-02T09:00:00Z',
    modified: '2017-04-03T16:20:00Z',
    minutes: 95,
    lines: planLines,
  });
  const expected: Record<Verdict, number> = {
    authentic: 0,
    'body-altered': 0,
    forged: 0,
    'key-unavailable': 0,
    unsigned: 0,
  };

  // Authentic messages, one carrying the campaign plan.
  for (let i = 0; i < 8; i++) {
    const m = mk(
      i,
      i === 0
        ? {
            subject: 'Campaign plan (final)',
            attachments: [
              {
                filename: 'plan.docx',
                contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
                content: plan,
              },
            ],
          }
        : {},
    );
    writeFileSync(
      join(dumpDir, 'mail', `${String(i).padStart(3, '0')}.eml`),
      await signWith(buildMessage(m), key, { signTime: new Date(Date.parse(m.date)) }),
    );
    expected.authentic++;
  }
  // Body altered after signing.
  const money = mk(20, {
    subject: 'Payment instructions',
    body: 'Please pay the printer 1,200 EUR by Friday.\n',
  });
  writeFileSync(
    join(dumpDir, 'mail', '020.eml'),
    (await signWith(buildMessage(money), key, { signTime: new Date(Date.parse(money.date)) }))
      .toString('latin1')
      .replace('1,200 EUR', '120,000 EUR to the Cyprus account'),
    'latin1',
  );
  expected['body-altered']++;
  // Subject forged.
  const subj = mk(21, { subject: 'Weekly staff lunch' });
  writeFileSync(
    join(dumpDir, 'mail', '021.eml'),
    (await signWith(buildMessage(subj), key, { signTime: new Date(Date.parse(subj.date)) }))
      .toString('latin1')
      .replace('Subject: Weekly staff lunch', 'Subject: Offshore accounts - delete after reading'),
    'latin1',
  );
  expected.forged++;
  // Signed with a key that has left DNS and is not in the key file.
  const old = mk(22);
  writeFileSync(
    join(dumpDir, 'mail', '022.eml'),
    await signWith(buildMessage(old), rotated, { signTime: new Date(Date.parse(old.date)) }),
  );
  expected['key-unavailable']++;
  // Unsigned, in an mbox with one more authentic message.
  const mbox: string[] = [];
  for (let i = 30; i < 33; i++) {
    const m = mk(i);
    const signed =
      i === 30
        ? await signWith(buildMessage(m), key, { signTime: new Date(Date.parse(m.date)) })
        : buildMessage(m);
    if (i === 30) expected.authentic++;
    else expected.unsigned++;
    mbox.push(
      `From ${m.from.replace(/.*</, '').replace('>', '')} ${new Date(Date.parse(m.date)).toUTCString()}\n${signed
        .toString('latin1')
        .replace(/\r\n/g, '\n')
        .replace(/^From /gm, '>From ')}\n`,
    );
  }
  writeFileSync(join(dumpDir, 'mail', 'inbox.mbox'), mbox.join('\n'), 'latin1');

  // Documents: a genuine folder, a copy of the signed attachment, an altered copy, and a
  // planted batch re-saved within 4 minutes after the theft, half under a Cyrillic name.
  writeFileSync(join(dumpDir, 'documents', 'plan.docx'), plan);
  const altered = [...planLines];
  altered[5] = 'Item 6: cash payments to be kept off the books, approved by the treasurer.';
  writeFileSync(
    join(dumpDir, 'documents', 'plan-v2.docx'),
    docx({
      creator: 'Claire Martin',
      lastBy: 'Claire Martin',
      created: '2017-04-02T09:00:00Z',
      modified: '2017-04-03T16:20:00Z',
      minutes: 95,
      lines: altered,
    }),
  );
  const planted: { path: string; flag: string }[] = [
    { path: 'campagne-leak/documents/plan-v2.docx', flag: 'altered-copy' },
  ];
  const batch: { name: string; data: Buffer }[] = [];
  for (let i = 0; i < 6; i++) {
    const modified = `2017-05-03T21:${String(10 + Math.floor(i * 0.7)).padStart(2, '0')}:00Z`;
    const lastBy = i % 2 ? 'Георгий Петровский' : pick(PEOPLE);
    const lines = Array.from({ length: 6 }, (_, j) => `Note ${i}.${j}: ${pick(TOPICS)} — ${pick(PEOPLE)}.`);
    batch.push({
      name: `notes/note-${i}.docx`,
      data: docx({
        creator: pick(PEOPLE),
        lastBy,
        created: '2017-03-20T10:00:00Z',
        modified,
        minutes: 3 + i,
        lines,
        repack: '2017-05-03T23:15:00',
      }),
    });
    planted.push({
      path: `campagne-leak/documents/finances.zip!/notes/note-${i}.docx`,
      flag: 'edits-clustered',
    });
  }
  writeFileSync(
    join(dumpDir, 'documents', 'finances.zip'),
    makeZip(
      batch.map((b) => ({ name: b.name, data: b.data, store: true })),
      { dosDate: '2017-05-03T23:16:00', host: 3 },
    ),
  );
  return {
    dumpDir,
    keysFile,
    theftDate: '2017-04-28',
    leakDate: '2017-05-05',
    expected,
    plantedDocuments: planted,
  };
}
