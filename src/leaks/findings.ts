/**
 * Findings of one dump (channel `leaks`): counts per DKIM verdict with the timeline of
 * authentic messages, altered and forged messages, authentic messages whose key anyone could
 * have used, documents by handling trace, and files with no cryptographic anchor.
 * Every finding says in plain words what it does not prove.
 */
import { findingId, type EvidenceRef, type Finding, type Severity } from '../findings/finding.js';
import type { LeakStore } from '../store/leaks.js';
import { VIGIE_VERSION } from '../version.js';
import { HANDLING_TRACE_CAVEAT, type DocFlag } from './documents/types.js';
import { VERDICTS, VERDICT_LABELS, type Verdict } from './types.js';

const DETECTOR = { name: 'leaks', version: VIGIE_VERSION };
const MAX_EVIDENCE = 50;

export const DKIM_CAVEATS = [
  'DKIM proves which domain signed a message, not which person wrote it: anyone with access to the sending account or server could have sent it.',
  'Authentic does not mean complete or representative: leakers choose what to publish and may leave out the context that changes a message’s meaning.',
  '"Key unavailable" and "unsigned" are not evidence of forgery: many genuine messages were never signed, and keys rotate out of DNS.',
  '"Forged or headers altered" and "body altered" can also come from mail systems or export tools that rewrite messages (mailing lists, re-encoding, archive exports).',
];

const DOC_FLAG_INFO: Record<DocFlag['code'], { title: string; severity: Severity; innocent: string }> = {
  'edits-clustered': {
    title: 'edited in one short burst across many files',
    severity: 'medium',
    innocent:
      'A bulk conversion, antivirus scan, sync client or "save all" by the owner also re-saves many files at once.',
  },
  'foreign-script': {
    title: 'authored or last saved under a name in a foreign script',
    severity: 'medium',
    innocent:
      'Staff, contractors or translators may use names in other scripts; a planted name is trivial to set.',
  },
  'modified-after-theft': {
    title: 'modified after the claimed theft date',
    severity: 'medium',
    innocent: 'A wrong clock, a time zone, or an inaccurate claimed theft date can explain it.',
  },
  'editing-time-inconsistent': {
    title: 'editing time inconsistent with created and modified dates',
    severity: 'low',
    innocent: 'Documents made from a template or copied from an older file carry over their editing counter.',
  },
  'modified-before-created': {
    title: 'modified before it was created',
    severity: 'low',
    innocent: 'Copying a file between machines with different clocks can invert the dates.',
  },
  're-zipped': {
    title: 're-packed after the application saved it',
    severity: 'low',
    innocent:
      'Document management systems, mail gateways and some sync tools re-pack office files without changing content.',
  },
  'pdf-appended-edits': {
    title: 'PDF with appended edits',
    severity: 'low',
    innocent: 'Filling forms, signing or annotating a PDF appends revisions as well.',
  },
  encrypted: {
    title: 'encrypted PDF (metadata unreadable)',
    severity: 'info',
    innocent: 'Encryption is common for legitimate documents.',
  },
  'xml-doctype': {
    title: 'XML with a DOCTYPE declaration (crafted file)',
    severity: 'medium',
    innocent: 'Some non-office generators write DOCTYPEs; it is still not what office applications produce.',
  },
  'decoy-match': {
    title: 'matches a decoy planted by the victim',
    severity: 'high',
    innocent: 'A decoy can also reach a dump through a legitimate recipient who forwarded it.',
  },
  'altered-copy': {
    title: 'near-duplicate of another document with lines changed',
    severity: 'high',
    innocent: 'Successive drafts of the same document differ in the same way.',
  },
};

/** Build the findings of one dump from the store. */
export async function dumpFindings(leaks: LeakStore, dumpId: string): Promise<Finding[]> {
  const dump = await leaks.getDump(dumpId);
  if (!dump) return [];
  const now = new Date().toISOString();
  const counts = await leaks.verdictCounts(dumpId);
  const total = VERDICTS.reduce((a, v) => a + counts[v], 0);
  const timeline = await leaks.authenticTimeline(dumpId);
  const messages = await leaks.messages(dumpId);
  const ev = (v: Verdict | null, role: string): EvidenceRef[] =>
    messages
      .filter((m) => v === null || m.verdict === v)
      .slice(0, MAX_EVIDENCE)
      .map((m) => ({ table: 'leak_messages', key: `${dumpId}:${m.msgKey}`, contentHash: m.sha256, role }));
  const base = (kind: string, subject: string, techniques = ['T0089']) => ({
    id: findingId(DETECTOR.name, kind, `${dumpId}:${subject}`),
    kind,
    channel: 'leaks' as const,
    detector: { ...DETECTOR, parameters: { dumpId, leakDate: dump.leakDate, theftDate: dump.theftDate } },
    techniques,
    createdAt: now,
  });
  const out: Finding[] = [];
  if (total > 0) {
    out.push({
      ...base('dump-authentication', 'verdicts', ['T0089.001']),
      title: `${dump.label}: ${counts.authentic} of ${total} messages DKIM-authentic`,
      summary: VERDICTS.map((v) => `${VERDICT_LABELS[v]}: ${counts[v]}`).join('; ') + '.',
      severity: 'info',
      confidence: 1,
      confidenceMethod:
        'Cryptographic: each count is the number of messages whose DKIM signatures verify (or not) with the keys in the offline key store; exact, not estimated.',
      evidence: ev('authentic', 'authentic message').slice(0, 20),
      caveats: DKIM_CAVEATS,
      details: { counts, timeline, keys: (await leaks.listKeys()).length },
    });
  }
  const altered = messages.filter((m) => m.verdict === 'body-altered' || m.verdict === 'forged');
  if (altered.length) {
    out.push({
      ...base('altered-messages', 'altered', ['T0089.003']),
      title: `${dump.label}: ${counts['body-altered']} messages with altered body, ${counts.forged} forged or with altered headers`,
      summary: `Messages whose signature no longer matches: ${altered
        .slice(0, 5)
        .map((m) => `"${m.subject ?? m.msgKey}" (${VERDICT_LABELS[m.verdict]})`)
        .join(
          ', ',
        )}${altered.length > 5 ? '…' : ''}. Compare them with authentic copies before quoting them.`,
      severity: 'high',
      confidence: 1,
      confidenceMethod:
        'Cryptographic: the signature or body hash fails with the signing domain’s key from the key store.',
      evidence: [
        ...ev('body-altered', 'body altered after signing'),
        ...ev('forged', 'signature does not verify'),
      ].slice(0, MAX_EVIDENCE),
      caveats: [
        DKIM_CAVEATS[3],
        'An alteration shows the message changed after it was signed, not who changed it or why.',
      ],
      details: {
        messages: altered.slice(0, 500).map((m) => ({
          key: m.msgKey,
          verdict: m.verdict,
          subject: m.subject,
          explanation: m.explanation,
        })),
      },
    });
  }
  const weak = messages.filter(
    (m) =>
      m.verdict === 'authentic' &&
      m.flags.some((f) => f.code === 'weak-key' || f.code === 'private-key-published'),
  );
  if (weak.length) {
    out.push({
      ...base('forgeable-signatures', 'weak'),
      title: `${dump.label}: ${weak.length} authentic messages signed with a key anyone could have used`,
      summary:
        'These signatures verify, but the key was too short or its private half had been published: they prove nothing about the sender.',
      severity: 'high',
      confidence: 1,
      confidenceMethod:
        'Key size from the public key; publication dates from the key store’s list of published private keys.',
      evidence: weak.slice(0, MAX_EVIDENCE).map((m) => ({
        table: 'leak_messages',
        key: `${dumpId}:${m.msgKey}`,
        contentHash: m.sha256,
        role: 'forgeable signature',
      })),
      caveats: ['The message may still be genuine; the signature just cannot tell.', DKIM_CAVEATS[0]],
      details: { messages: weak.slice(0, 500).map((m) => ({ key: m.msgKey, flags: m.flags })) },
    });
  }
  const docs = await leaks.documents(dumpId);
  const byCode = new Map<DocFlag['code'], { path: string; sha256: string; reason: string }[]>();
  for (const d of docs)
    for (const f of d.flags) {
      const list = byCode.get(f.code) ?? [];
      // One entry per document: several flags of one kind (two altered copies) share it.
      const same = list.find((x) => x.path === d.path);
      if (same) same.reason += `; ${f.reason}`;
      else list.push({ path: d.path, sha256: d.sha256, reason: f.reason });
      byCode.set(f.code, list);
    }
  for (const [code, list] of [...byCode].sort((a, b) => a[0].localeCompare(b[0]))) {
    const info = DOC_FLAG_INFO[code];
    out.push({
      ...base(`document-${code}`, code, code === 'altered-copy' ? ['T0089.003'] : ['T0089']),
      title: `${dump.label}: ${list.length} document(s) ${info.title}`,
      summary:
        list
          .slice(0, 3)
          .map((x) => `${x.path}: ${x.reason}`)
          .join(' | ') + (list.length > 3 ? ' …' : ''),
      severity: info.severity,
      confidence: 0.5,
      confidenceMethod:
        'Rule-based reading of document metadata and container structure; the trace is certain to be present, its meaning is not (see caveats).',
      evidence: list.slice(0, MAX_EVIDENCE).map((x) => ({
        table: 'leak_documents',
        key: `${dumpId}:${x.path}`,
        contentHash: x.sha256,
        role: code,
        note: x.reason.slice(0, 300),
      })),
      caveats: [HANDLING_TRACE_CAVEAT, info.innocent],
      details: { documents: list.slice(0, 500) },
    });
  }
  const files = await leaks.files(dumpId);
  const loose = files.filter(
    (f) =>
      !f.parentMessage &&
      f.status === 'ok' &&
      f.kind !== 'message' &&
      f.kind !== 'mbox' &&
      f.kind !== 'archive',
  );
  const unanchored = loose.filter((f) => f.anchor === 'none');
  if (loose.length) {
    out.push({
      ...base('file-anchors', 'anchors'),
      title: `${dump.label}: ${unanchored.length} of ${loose.length} loose files have no cryptographic anchor`,
      summary: `${loose.length - unanchored.length} loose files have the SHA-256 of an attachment of a DKIM-authentic message and inherit its authenticity; the others cannot be checked cryptographically.`,
      severity: 'info',
      confidence: 1,
      confidenceMethod: 'Exact SHA-256 equality with attachments covered by a verified DKIM body hash.',
      evidence: unanchored.slice(0, MAX_EVIDENCE).map((f) => ({
        table: 'leak_files',
        key: `${dumpId}:${f.path}`,
        contentHash: f.sha256,
        role: 'no cryptographic anchor',
      })),
      caveats: [
        'No anchor is not evidence of forgery: most genuine files were never attached to a signed message.',
        DKIM_CAVEATS[0],
      ],
      details: { anchored: loose.length - unanchored.length, unanchored: unanchored.length },
    });
  }
  return out;
}
