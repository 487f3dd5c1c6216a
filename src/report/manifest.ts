/**
 * The reproducibility manifest (`vigie report --manifest`): input hashes, detector parameters,
 * tool and reference-data versions, and a digest of the findings in canonical form, so two
 * people can check they ran the same thing on the same data and got the same result.
 */
import { createHash } from 'node:crypto';
import type { Finding } from '../findings/finding.js';
import type { Store } from '../store/store.js';
import type { RunRow } from '../store/report.js';
import { collectVersions, type Versions } from './versions.js';

export const MANIFEST_VERSION = 1;

/** JSON with object keys sorted at every level: the same value always gives the same text. */
export function stableStringify(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${stableStringify(o[k])}`)
    .join(',')}}`;
}

/**
 * A finding without what legitimately differs between two runs on the same inputs: its
 * creation time. Everything else — id, evidence (with content hashes), confidence, details,
 * parameters — must be identical. (Run ids are not part of a finding.)
 */
export function canonicalFinding(f: Finding): Omit<Finding, 'createdAt'> {
  const { createdAt: _createdAt, ...rest } = f;
  void _createdAt;
  return rest;
}

/** Findings in canonical form, ordered by id, as one stable JSON text. */
export function canonicalFindings(fs: Finding[]): string {
  return stableStringify(
    [...fs].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map(canonicalFinding),
  );
}

export function findingsDigest(fs: Finding[]): string {
  return createHash('sha256').update(canonicalFindings(fs)).digest('hex');
}

export interface Manifest {
  manifestVersion: number;
  generatedAt: string;
  workspace: string;
  schemaVersion: number;
  inputs: {
    sources: {
      sourceId: number;
      path: string;
      size: number;
      sha256: string;
      format: string;
      compression: string | null;
      status: string;
      accepted: number;
      rejected: number;
      duplicates: number;
    }[];
    leakDumps: {
      dumpId: string;
      label: string;
      inputs: string[];
      files: number;
      /** SHA-256 over the sorted SHA-256s of the dump's readable files */
      filesDigest: string;
      leakDate: string | null;
      theftDate: string | null;
    }[];
  };
  parameters: {
    detectors: {
      name: string;
      version: string;
      findings: number;
      parameters: Record<string, unknown>[];
    }[];
    runs: RunRow[];
  };
  versions: Versions;
  results: {
    findings: number;
    perChannel: Record<string, number>;
    /** SHA-256 of the findings in canonical form (see `canonicalFindings`) */
    findingsDigest: string;
    /** the same, per detector: compare a re-run of one detector */
    perDetectorDigest: Record<string, string>;
  };
}

function isoOrNull(ms: number | null): string | null {
  return ms === null || !Number.isFinite(ms) ? null : new Date(ms).toISOString();
}

export async function buildManifest(store: Store, o: { generatedAt?: string } = {}): Promise<Manifest> {
  const findings = await store.listFindings();
  const dumps = await store.leaks().listDumps();
  const attacks = await store.report().attackBreakdown();
  const leakDumps: Manifest['inputs']['leakDumps'] = [];
  for (const d of dumps) {
    const files = (await store.leaks().files(d.dumpId)).filter((f) => f.status === 'ok' && f.sha256);
    leakDumps.push({
      dumpId: d.dumpId,
      label: d.label,
      inputs: d.inputs,
      files: files.length,
      filesDigest: createHash('sha256')
        .update(
          files
            .map((f) => f.sha256)
            .sort()
            .join('\n'),
        )
        .digest('hex'),
      leakDate: isoOrNull(d.leakDate),
      theftDate: isoOrNull(d.theftDate),
    });
  }
  const byDet = new Map<string, Finding[]>();
  for (const f of findings) {
    if (!byDet.has(f.detector.name)) byDet.set(f.detector.name, []);
    byDet.get(f.detector.name)!.push(f);
  }
  const perChannel: Record<string, number> = {};
  for (const f of findings) perChannel[f.channel] = (perChannel[f.channel] ?? 0) + 1;
  const detectors = [...byDet.entries()]
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .map(([name, fs]) => ({
      name,
      version: fs[0].detector.version,
      findings: fs.length,
      parameters: [
        ...new Map(fs.map((f) => [stableStringify(f.detector.parameters), f.detector.parameters])).values(),
      ],
    }));
  return {
    manifestVersion: MANIFEST_VERSION,
    generatedAt: o.generatedAt ?? new Date().toISOString(),
    workspace: store.location,
    schemaVersion: await store.schemaVersion(),
    inputs: {
      sources: (await store.listSources()).map((s) => ({
        sourceId: s.sourceId,
        path: s.path,
        size: s.size,
        sha256: s.sha256,
        format: s.format,
        compression: s.compression,
        status: s.status,
        accepted: s.accepted,
        rejected: s.rejected,
        duplicates: s.duplicates,
      })),
      leakDumps,
    },
    parameters: { detectors, runs: await store.report().runs() },
    versions: await collectVersions(store, { attacks: attacks.alerts > 0 }),
    results: {
      findings: findings.length,
      perChannel: Object.fromEntries(Object.entries(perChannel).sort()),
      findingsDigest: findingsDigest(findings),
      perDetectorDigest: Object.fromEntries(
        detectors.map((d) => [d.name, findingsDigest(byDet.get(d.name)!)]),
      ),
    },
  };
}
