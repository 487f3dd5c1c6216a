/**
 * The store operations of the hack-and-leak channel (reached through `Store.leaks()`): the
 * offline DKIM key store, registered decoys, and per-dump manifests, message verdicts,
 * document forensics and near-duplicate pairs.
 *
 * Kept apart from `store.ts` so the leaks seam reads as one unit; every backend implements it.
 */
import type { DkimKeyRecord } from '../leaks/keys.js';
import type { Anchor, FileKind, MessageFlag, SignatureCheck, Verdict, ArcStatus } from '../leaks/types.js';
import type { DocFlag, DocumentMeta } from '../leaks/documents/types.js';

/** One ingested dump. */
export interface DumpRow {
  dumpId: string;
  label: string;
  inputs: string[];
  /** When the dump was published (epoch ms), for the published-private-key check. */
  leakDate: number | null;
  /** Claimed theft date (epoch ms), for documents modified after it. */
  theftDate: number | null;
  startedAt: string;
  finishedAt: string | null;
  status: 'running' | 'done' | 'failed';
  stats: Record<string, number>;
  error: string | null;
}

/** One file of a dump (a manifest row): files as received, archive members, attachments. */
export interface LeakFileRow {
  path: string;
  size: number;
  sha256: string;
  mtime: number | null;
  kind: FileKind;
  status: 'ok' | 'refused' | 'error';
  note: string | null;
  /** For attachments: the key of the message that carried it. */
  parentMessage: string | null;
  anchor: Anchor;
  /** TLSH of the content (documents), for decoy matching. */
  tlsh: string | null;
}

/** One message of a dump with its verdict. */
export interface LeakMessageRow {
  /** `path` for a lone message, `path#n` for the n-th message of an mbox. */
  msgKey: string;
  sha256: string;
  size: number;
  date: number | null;
  from: string | null;
  fromDomain: string | null;
  to: string | null;
  subject: string | null;
  messageId: string | null;
  verdict: Verdict;
  explanation: string;
  signatures: SignatureCheck[];
  flags: MessageFlag[];
  arcStatus: ArcStatus;
  arcReason: string;
  verifiedAsOf: number;
}

/** Forensics of one document of a dump. */
export interface LeakDocumentRow {
  path: string;
  sha256: string;
  format: string;
  meta: DocumentMeta;
  flags: DocFlag[];
  /** Visible text, capped (near-duplicate pairing and diffs). */
  text: string | null;
  problems: string[];
}

/** Rows written in one transaction during a dump's ingest. */
export interface LeakBatch {
  dumpId: string;
  files: LeakFileRow[];
  messages: LeakMessageRow[];
  documents: LeakDocumentRow[];
}

/** A planted decoy registered by the victim. */
export interface DecoyRow {
  sha256: string | null;
  tlsh: string | null;
  label: string;
  note: string | null;
  addedAt: number;
}

/** Two documents that are near-duplicates, with what changed. */
export interface NearDupRow {
  pathA: string;
  pathB: string;
  shaA: string;
  shaB: string;
  /** 0..1 similarity of visible text. */
  similarity: number;
  /** Lines removed from A and added in B (capped). */
  removed: string[];
  added: string[];
}

export interface LeakStore {
  /** Insert or update keys (by domain, selector, fingerprint); returns how many were new. */
  upsertKeys(keys: DkimKeyRecord[]): Promise<number>;
  listKeys(): Promise<DkimKeyRecord[]>;

  addDecoys(decoys: DecoyRow[]): Promise<number>;
  listDecoys(): Promise<DecoyRow[]>;

  getDump(dumpId: string): Promise<DumpRow | null>;
  listDumps(): Promise<DumpRow[]>;
  /** Register a dump (status running), deleting whatever an earlier run with this id left. */
  beginDump(d: Pick<DumpRow, 'dumpId' | 'label' | 'inputs' | 'leakDate' | 'theftDate'>): Promise<void>;
  /** Commit a batch of rows atomically. */
  writeBatch(b: LeakBatch): Promise<void>;
  finishDump(
    dumpId: string,
    status: DumpRow['status'],
    stats: Record<string, number>,
    error?: string | null,
  ): Promise<void>;
  /** Delete a dump and all its rows. */
  discardDump(dumpId: string): Promise<void>;

  /**
   * Carry authenticity to files, in the engine: attachments of authentic messages are
   * `signed-attachment`; any other file with the same SHA-256 is `same-hash-as-signed-attachment`.
   */
  anchorFiles(dumpId: string): Promise<Record<Anchor, number>>;
  /** Replace document flags computed at dump level (cross-file, decoys, near-duplicates). */
  addDocumentFlags(dumpId: string, flags: Map<string, DocFlag[]>): Promise<void>;

  files(dumpId: string, filter?: { kind?: FileKind; limit?: number }): Promise<LeakFileRow[]>;
  messages(dumpId: string, filter?: { verdict?: Verdict; limit?: number }): Promise<LeakMessageRow[]>;
  documents(dumpId: string): Promise<LeakDocumentRow[]>;
  verdictCounts(dumpId: string): Promise<Record<Verdict, number>>;
  /** Authentic messages per day (UTC). */
  authenticTimeline(dumpId: string): Promise<{ day: string; messages: number }[]>;
  savePairs(dumpId: string, pairs: NearDupRow[]): Promise<void>;
  pairs(dumpId: string): Promise<NearDupRow[]>;
}
