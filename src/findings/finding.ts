/**
 * Findings: the single currency between detectors and every output (CLI, report, exports,
 * dashboard). A finding must be defensible in public, so it always carries its evidence,
 * method, confidence and caveats.
 */
import { createHash } from 'node:crypto';

export type Channel = 'coordination' | 'narratives' | 'leaks' | 'infrastructure' | 'ingest' | 'cross-channel';
export type Severity = 'info' | 'low' | 'medium' | 'high' | 'critical';
export const SEVERITIES: readonly Severity[] = ['info', 'low', 'medium', 'high', 'critical'];

/** A pointer to a stored row that supports a finding. */
export interface EvidenceRef {
  /** Store table: `posts`, `accounts`, `sources`, `rejects`, ... */
  table: string;
  /** The row's key within the table, e.g. `x:1234567890` for a post (platform:post_id). */
  key: string;
  /** SHA-256 of the row's canonical content when the finding was made (filled by the store). */
  contentHash?: string | null;
  /** What this row shows, e.g. `shared object`, `sample post`, `member`. */
  role?: string;
  note?: string;
}

export interface Finding {
  /** Deterministic id: hash of detector, kind and the finding's subject (see `findingId`). */
  id: string;
  kind: string;
  channel: Channel;
  title: string;
  summary: string;
  severity: Severity;
  /** 0..1 */
  confidence: number;
  /** How `confidence` was obtained and calibrated, in words. */
  confidenceMethod: string;
  detector: { name: string; version: string; parameters: Record<string, unknown> };
  evidence: EvidenceRef[];
  /** DISARM ids (T0049...) for information operations, MITRE ATT&CK ids (T1110...) for intrusions. */
  techniques: string[];
  /** Innocent explanations considered, and what the finding does not prove. */
  caveats: string[];
  /** Detector-specific structured details (counts, member lists, time spans...). */
  details?: Record<string, unknown>;
  /** ISO-8601 */
  createdAt: string;
}

/**
 * Stable finding id from the detector name, kind and a subject key, so re-running on the same
 * input gives the same ids (reproducibility) and annotations stay attached.
 *
 * @example findingId('coordination', 'cluster', 'x:acc1,x:acc2')
 */
export function findingId(detector: string, kind: string, subject: string): string {
  return createHash('sha256').update(`${detector}\u0000${kind}\u0000${subject}`).digest('hex').slice(0, 24);
}

/** Checks a finding's shape before it is stored; returns the problems found. */
export function validateFinding(f: Finding): string[] {
  const errs: string[] = [];
  if (!f.id) errs.push('missing id');
  if (!f.kind) errs.push('missing kind');
  if (!f.title) errs.push('missing title');
  if (!(f.confidence >= 0 && f.confidence <= 1)) errs.push(`confidence ${f.confidence} outside 0..1`);
  if (!SEVERITIES.includes(f.severity)) errs.push(`unknown severity ${f.severity}`);
  if (!f.confidenceMethod) errs.push('missing confidence method');
  if (!f.detector?.name || !f.detector?.version) errs.push('missing detector name or version');
  if (f.caveats.length === 0) errs.push('no caveats: every finding states what it does not prove');
  return errs;
}
