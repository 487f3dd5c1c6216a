/**
 * Types of document forensics: metadata read from office files and PDFs, the ZIP container's
 * traces, and flags that each state their reason.
 */

export type DocFlagCode =
  | 're-zipped'
  | 'pdf-appended-edits'
  | 'editing-time-inconsistent'
  | 'modified-before-created'
  | 'modified-after-theft'
  | 'edits-clustered'
  | 'foreign-script'
  | 'encrypted'
  | 'xml-doctype'
  | 'decoy-match'
  | 'altered-copy';

/** A handling trace on a document, with its reason in plain words. */
export interface DocFlag {
  code: DocFlagCode;
  reason: string;
}

/** Traces left by whatever wrote the ZIP container of an OOXML or ODF file. */
export interface ContainerInfo {
  entries: number;
  /** Distinct host systems in version-made-by (`Unix`, `MS-DOS/FAT`...). */
  hosts: string[];
  /** Distinct version-made-by values, hex (`0x317`). */
  versionsMadeBy: string[];
  directoryEntries: number;
  /** DOS timestamps (writer's local time, no zone): earliest, latest, how many distinct. */
  earliest: string | null;
  latest: string | null;
  distinctTimes: number;
  /** Entries dated 1980-01-01 00:00, as Microsoft Office writes them. */
  dos1980: number;
  firstEntry: string | null;
  firstEntryStored: boolean;
}

/** Metadata of one document, normalised across formats (absent fields are omitted). */
export interface DocumentMeta {
  title?: string;
  subject?: string;
  description?: string;
  keywords?: string;
  creator?: string;
  lastModifiedBy?: string;
  /** ISO-8601. */
  created?: string;
  modified?: string;
  printed?: string;
  revision?: string;
  language?: string;
  application?: string;
  appVersion?: string;
  company?: string;
  manager?: string;
  template?: string;
  /** OOXML TotalTime / ODF editing-duration, in minutes. */
  editMinutes?: number;
  editingCycles?: number;
  /** User-defined properties (OOXML custom.xml, ODF meta:user-defined). */
  custom: Record<string, string>;
  /** Word revision-save ids: one per editing session. */
  rsids?: { root: string | null; count: number };
  /** Authors of tracked insertions and deletions, with counts. */
  trackedChangeAuthors?: Record<string, number>;
  commentAuthors?: Record<string, number>;
  pdf?: {
    version: string | null;
    linearized: boolean;
    encrypted: boolean;
    pages: number | null;
    /** Revisions appended after the first save (each adds a startxref). */
    incrementalUpdates: number;
    info: Record<string, string>;
    /** XMP properties keyed like ExifTool (`XMP-dc:creator`). */
    xmp: Record<string, string>;
  };
  zip?: ContainerInfo;
}

export interface DocumentReport {
  /** docx, xlsx, pptx, ooxml, odt, ods, odp, odf, pdf */
  format: string;
  meta: DocumentMeta;
  flags: DocFlag[];
  /** Visible text (for near-duplicate pairing), capped; null when none could be read. */
  text: string | null;
  problems: string[];
}

/** Said in every document finding: metadata is a trace, never a signature. */
export const HANDLING_TRACE_CAVEAT =
  'Metadata and container traces are handling traces: anyone who held the file could edit or plant them. They are never attribution.';
