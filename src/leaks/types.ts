/**
 * Domain types of the hack-and-leak channel: DKIM verdicts of messages, the dump's file
 * manifest, document forensics and decoys. Shared by the verifier, the ingest, the store
 * (src/store/leaks.ts) and the CLI.
 */

/**
 * One verdict per message. The order is the strength of the claim the signature supports,
 * best first; a message with several signatures takes the best one.
 */
export const VERDICTS = ['authentic', 'body-altered', 'forged', 'key-unavailable', 'unsigned'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** Plain-words name of each verdict, for tables and findings. */
export const VERDICT_LABELS: Record<Verdict, string> = {
  authentic: 'authentic',
  'body-altered': 'headers authentic, body altered',
  forged: 'forged or headers altered',
  'key-unavailable': 'key unavailable',
  unsigned: 'unsigned',
};

export type MessageFlagCode =
  | 'body-length-limit'
  | 'unsigned-duplicate-header'
  | 'from-not-aligned'
  | 'weak-key'
  | 'private-key-published'
  | 'key-outside-known-window'
  | 'key-header-unsigned'
  | 'malformed-signature'
  | 'malformed-mime'
  | 'mbox-escaping-variant';

/** A caveat on a verdict, with the reason in plain words. */
export interface MessageFlag {
  code: MessageFlagCode;
  reason: string;
}

/** The outcome of one DKIM-Signature (or ARC-Message-Signature) header. */
export interface SignatureCheck {
  /** `authentic` | `body-altered` | `forged` | `key-unavailable`: this signature alone. */
  verdict: Exclude<Verdict, 'unsigned'>;
  domain: string;
  selector: string;
  algorithm: string;
  canonicalization: string;
  /** Header names listed in h=, in order, as written (repeats kept: over-signing). */
  signedHeaders: string[];
  /** t= as ISO-8601, when present. */
  signedAt: string | null;
  /** x= as ISO-8601, when present. */
  expiresAt: string | null;
  bodyHashMatches: boolean;
  /** l= value when present. */
  bodyLengthLimit: number | null;
  /** Canonical body bytes after the l= limit, not covered by the signature. */
  unsignedBodyBytes: number;
  /** The key that verified (or was tried): fingerprint, size and where it came from. */
  key: { fingerprint: string; bits: number | null; type: string; source: string } | null;
  /** Why this signature got its verdict, in plain words. */
  reason: string;
}

/** ARC chain status, informational only: ARC records what intermediaries saw. */
export type ArcStatus = 'none' | 'pass' | 'fail' | 'key-unavailable';

/** Everything the verifier says about one message. */
export interface MessageReport {
  verdict: Verdict;
  /** Plain words: what is proven and what is not. */
  explanation: string;
  signatures: SignatureCheck[];
  flags: MessageFlag[];
  arc: { status: ArcStatus; instances: number; reason: string };
  /** Header fields, decoded for display; stored verbatim otherwise. */
  from: string | null;
  fromDomain: string | null;
  to: string | null;
  subject: string | null;
  messageId: string | null;
  /** Date header, epoch ms (null when absent or unparseable). */
  date: number | null;
  /** The instant the keys were chosen for: t= of the deciding signature, else Date, else now. */
  verifiedAsOf: number;
  attachments: AttachmentInfo[];
}

/** A leaf MIME part carried as a file. */
export interface AttachmentInfo {
  /** Position in the MIME tree, e.g. `1.2`. */
  part: string;
  filename: string | null;
  contentType: string;
  size: number;
  sha256: string;
  /** Decoded bytes, kept only for documents under the forensics size cap. */
  content?: Buffer;
}

/** Kind of a file in a dump. */
export type FileKind = 'message' | 'mbox' | 'archive' | 'document' | 'outlook' | 'other';

/** Whether a file's authenticity is anchored by a verified signature. */
export type Anchor = 'signed-attachment' | 'same-hash-as-signed-attachment' | 'none';

/** One row of the dump's manifest. */
export interface ManifestEntry {
  /** Path as received: archive members are `archive.zip!/dir/file`. */
  path: string;
  size: number;
  sha256: string;
  /** Modification time as recorded by the file system or the archive (epoch ms). */
  mtime: number | null;
  kind: FileKind;
  /** `ok`, or `refused` with the reason in `note` (links, traversal, bombs...). */
  status: 'ok' | 'refused' | 'error';
  note: string | null;
  /** For attachments: the message key they came from; null for files of the dump. */
  parentMessage: string | null;
  anchor: Anchor;
}
