/**
 * Everything the briefing shows, gathered from the store into one plain object. The HTML is a
 * pure function of this object (and the language), so golden tests compare the numbers here
 * with the store and with the rendered file, and two runs on the same workspace give the
 * same report.
 */
import { createHash } from 'node:crypto';
import { SEVERITIES, type Finding, type Severity } from '../findings/finding.js';
import type { SourceRow, Store, WorkspaceCounts } from '../store/store.js';
import {
  evidenceKey,
  type AttackBreakdown,
  type EvidenceRecord,
  type FindingCountRow,
  type RunRow,
  type VolumeBin,
} from '../store/report.js';
import { VERDICTS, type Verdict } from '../leaks/types.js';
import { layoutNetwork, type NetEdge, type NetNode } from './svg.js';
import { collectVersions, type Versions } from './versions.js';

/** Channels in the order the briefing presents them; others follow alphabetically. */
export const CHANNEL_ORDER = [
  'coordination',
  'narratives',
  'leaks',
  'infrastructure',
  'cross-channel',
  'ingest',
];

export interface ReportOptions {
  title?: string;
  /** Findings per channel shown as cards with their evidence (default 5). */
  cardsPerChannel?: number;
  /** Evidence rows shown per card (default 15). */
  evidencePerCard?: number;
  /** Findings per channel listed in the summary table (default 200). */
  rowsPerChannel?: number;
  /** Clusters drawn in the network (default 5). */
  clusters?: number;
  /** Fixed generation time (tests); default now. */
  generatedAt?: string;
}

export interface ChannelData {
  channel: string;
  findings: number;
  bySeverity: Record<Severity, number>;
  detectors: string[];
  /** The findings listed (most severe first, capped at `rowsPerChannel`). */
  rows: Finding[];
  /** The first `cardsPerChannel` of `rows`, shown with their evidence. */
  cards: Finding[];
}

export interface ClusterView {
  findingId: string;
  group: number;
  title: string;
  members: number;
  confidence: number;
}

export interface NetworkData {
  clusters: ClusterView[];
  nodes: NetNode[];
  edges: NetEdge[];
  positions: Record<string, { x: number; y: number }>;
}

export interface DumpData {
  dumpId: string;
  label: string;
  status: string;
  verdicts: Record<Verdict, number>;
  messages: number;
}

export interface DetectorData {
  name: string;
  version: string;
  findings: number;
  /** Distinct parameter sets used (normally one). */
  parameters: Record<string, unknown>[];
  confidenceMethods: string[];
}

export interface VolumeMarker {
  /** the number shown on the chart */
  n: number;
  findingId: string;
  time: number;
  title: string;
}

export interface ReportData {
  title: string | null;
  generatedAt: string;
  workspace: string;
  counts: WorkspaceCounts;
  findingCounts: FindingCountRow[];
  channels: ChannelData[];
  /** Highest-severity, most confident findings across channels. */
  top: Finding[];
  /** Findings with confidence >= 0.9, in [0.5, 0.9), below 0.5 (all findings, not only those listed). */
  confidenceBands: { hi: number; mid: number; lo: number };
  caveats: { text: string; findings: number }[];
  evidence: Record<string, EvidenceRecord>;
  volume: { binSeconds: number; bins: VolumeBin[]; markers: VolumeMarker[] };
  network: NetworkData;
  dumps: DumpData[];
  attacks: AttackBreakdown;
  runs: RunRow[];
  detectors: DetectorData[];
  sources: SourceRow[];
  versions: Versions;
}

const BINS = [60, 300, 900, 3600, 3 * 3600, 6 * 3600, 86_400, 7 * 86_400];

/** The smallest bin width that keeps the volume chart under ~400 bars. */
export function volumeBin(first: string | null, last: string | null): number {
  if (!first || !last) return 3600;
  const span = (Date.parse(last) - Date.parse(first)) / 1000;
  return BINS.find((b) => span / b <= 400) ?? BINS[BINS.length - 1];
}

function channelRank(c: string): number {
  const i = CHANNEL_ORDER.indexOf(c);
  return i < 0 ? CHANNEL_ORDER.length : i;
}

export function sortChannels(cs: string[]): string[] {
  return [...cs].sort((a, b) => channelRank(a) - channelRank(b) || a.localeCompare(b));
}

/** Member account keys of a cluster-like finding (any detector with `details.members`). */
export function membersOf(f: Finding): string[] | null {
  const m = f.details?.members;
  if (!Array.isArray(m) || m.length === 0) return null;
  return m
    .map((x) =>
      typeof x === 'object' && x !== null ? String((x as { account?: unknown }).account ?? '') : String(x),
    )
    .filter(Boolean);
}

function timeOf(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v > 1e11 ? v : v * 1000;
  if (typeof v === 'string') {
    const t = Date.parse(v);
    return Number.isFinite(t) ? t : null;
  }
  return null;
}

/** When a finding happened, if its details say: the first shared object of a cluster, or a first/start time. */
export function findingTime(f: Finding): number | null {
  const so = f.details?.sharedObjects;
  if (so && typeof so === 'object') {
    let min: number | null = null;
    for (const list of Object.values(so as Record<string, unknown>))
      if (Array.isArray(list))
        for (const o of list) {
          const t = timeOf((o as { first?: unknown })?.first);
          if (t !== null && (min === null || t < min)) min = t;
        }
    if (min !== null) return min;
  }
  for (const k of ['firstTime', 'first', 'start', 'firstSeen', 'firstPost', 'firstAppearance', 'time']) {
    const t = timeOf(f.details?.[k]);
    if (t !== null) return t;
  }
  return null;
}

/** Co-action edges of a cluster: members that acted on the same shared object, weighted by objects shared. */
function clusterEdges(f: Finding, members: Set<string>): NetEdge[] {
  const w = new Map<string, number>();
  const so = f.details?.sharedObjects;
  if (so && typeof so === 'object')
    for (const list of Object.values(so as Record<string, unknown>))
      if (Array.isArray(list))
        for (const o of list) {
          const accts = [
            ...new Set(
              ((o as { actions?: { account?: unknown }[] })?.actions ?? [])
                .map((a) => String(a?.account ?? ''))
                .filter((a) => members.has(a)),
            ),
          ].sort();
          for (let i = 0; i < accts.length; i++)
            for (let j = i + 1; j < accts.length; j++) {
              const k = `${accts[i]}\u0000${accts[j]}`;
              w.set(k, (w.get(k) ?? 0) + 1);
            }
        }
  const strong = new Set<string>();
  const sp = f.details?.strongestPairs;
  if (Array.isArray(sp))
    for (const p of sp) {
      const a = String((p as { a?: unknown })?.a ?? '');
      const b = String((p as { b?: unknown })?.b ?? '');
      if (!members.has(a) || !members.has(b) || a === b) continue;
      const k = a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`;
      strong.add(k);
      if (!w.has(k)) w.set(k, 1);
    }
  return [...w.entries()]
    .sort((x, y) => (x[0] < y[0] ? -1 : 1))
    .map(([k, weight]) => {
      const [a, b] = k.split('\u0000');
      return { a, b, weight, strong: strong.has(k) };
    });
}

function network(findings: Finding[], maxClusters: number): NetworkData {
  const clusters: ClusterView[] = [];
  const nodes: NetNode[] = [];
  const edges: NetEdge[] = [];
  const seen = new Set<string>();
  for (const f of findings) {
    if (clusters.length >= maxClusters) break;
    const m = membersOf(f);
    if (!m) continue;
    const group = clusters.length;
    // A drawing of hundreds of accounts is unreadable: members beyond 80 stay in the tables.
    const shown = m.slice(0, 80);
    clusters.push({ findingId: f.id, group, title: f.title, members: m.length, confidence: f.confidence });
    const set = new Set(shown);
    for (const a of shown) {
      if (seen.has(a)) continue; // an account in two clusters is drawn once, in the first
      seen.add(a);
      nodes.push({ id: a, group, title: `${a} — ${f.title}` });
    }
    edges.push(...clusterEdges(f, set));
  }
  const pos = layoutNetwork(nodes, edges, 1);
  return { clusters, nodes, edges, positions: Object.fromEntries(pos) };
}

function distinctJson<T>(xs: T[]): T[] {
  const m = new Map<string, T>();
  for (const x of xs) m.set(JSON.stringify(x), x);
  return [...m.values()];
}

export async function buildReportData(store: Store, o: ReportOptions = {}): Promise<ReportData> {
  const cardsPer = o.cardsPerChannel ?? 5;
  const evidencePer = o.evidencePerCard ?? 15;
  const rowsPer = o.rowsPerChannel ?? 200;
  const rep = store.report();
  const counts = await store.counts();
  const findings = await store.listFindings();
  const findingCounts = await rep.findingCounts();
  const dumpRows = await store.leaks().listDumps();
  const attacks = await rep.attackBreakdown();

  const dumps: DumpData[] = [];
  for (const d of dumpRows) {
    const v = await store.leaks().verdictCounts(d.dumpId);
    const verdicts = Object.fromEntries(VERDICTS.map((k) => [k, v[k] ?? 0])) as Record<Verdict, number>;
    dumps.push({
      dumpId: d.dumpId,
      label: d.label,
      status: d.status,
      verdicts,
      messages: VERDICTS.reduce((s, k) => s + verdicts[k], 0),
    });
  }

  const channelNames = new Set(findings.map((f) => f.channel as string));
  if (dumps.length) channelNames.add('leaks');
  if (attacks.alerts) channelNames.add('infrastructure');
  if (counts.posts) channelNames.add('coordination');
  const channels: ChannelData[] = sortChannels([...channelNames]).map((channel) => {
    const of = findings.filter((f) => f.channel === channel);
    const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
    for (const f of of) bySeverity[f.severity]++;
    const rows = of.slice(0, rowsPer);
    return {
      channel,
      findings: of.length,
      bySeverity,
      detectors: [...new Set(of.map((f) => f.detector.name))].sort(),
      rows,
      cards: rows.slice(0, cardsPer),
    };
  });

  // listFindings is ordered most severe, then most confident, then id: a stable "top".
  const top = findings.slice(0, 8);

  const confidenceBands = { hi: 0, mid: 0, lo: 0 };
  for (const f of findings)
    confidenceBands[f.confidence >= 0.9 ? 'hi' : f.confidence >= 0.5 ? 'mid' : 'lo']++;

  const caveatCount = new Map<string, number>();
  for (const f of findings)
    for (const c of new Set(f.caveats)) caveatCount.set(c, (caveatCount.get(c) ?? 0) + 1);
  const caveats = [...caveatCount.entries()]
    .map(([text, n]) => ({ text, findings: n }))
    .sort((a, b) => b.findings - a.findings || a.text.localeCompare(b.text));

  const refs = channels.flatMap((c) => c.cards.flatMap((f) => f.evidence.slice(0, evidencePer)));
  const resolved = await rep.resolveEvidence(refs);
  const evidence: Record<string, EvidenceRecord> = {};
  for (const r of refs) {
    const k = evidenceKey(r.table, r.key);
    const rec = resolved.get(k);
    if (rec) evidence[k] = rec;
  }

  const binSeconds = volumeBin(counts.firstPost, counts.lastPost);
  const bins = counts.posts ? await rep.postVolume(binSeconds) : [];
  const markers: VolumeMarker[] = [];
  if (bins.length) {
    const t0 = bins[0].start;
    const t1 = bins[bins.length - 1].start + binSeconds * 1000;
    for (const f of findings) {
      const t = findingTime(f);
      if (t === null || t < t0 || t > t1) continue;
      markers.push({ n: markers.length + 1, findingId: f.id, time: t, title: f.title });
      if (markers.length >= 12) break;
    }
  }

  const byDetector = new Map<string, Finding[]>();
  for (const f of findings) {
    const k = `${f.detector.name}\u0000${f.detector.version}`;
    if (!byDetector.has(k)) byDetector.set(k, []);
    byDetector.get(k)!.push(f);
  }
  const detectors: DetectorData[] = [...byDetector.entries()]
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .map(([, fs]) => ({
      name: fs[0].detector.name,
      version: fs[0].detector.version,
      findings: fs.length,
      parameters: distinctJson(fs.map((f) => f.detector.parameters)),
      confidenceMethods: [...new Set(fs.map((f) => f.confidenceMethod))].sort(),
    }));

  return {
    title: o.title ?? null,
    generatedAt: o.generatedAt ?? new Date().toISOString(),
    workspace: store.location,
    counts,
    findingCounts,
    channels,
    top,
    confidenceBands,
    caveats,
    evidence,
    volume: { binSeconds, bins, markers },
    network: network(
      findings.filter((f) => membersOf(f)),
      o.clusters ?? 5,
    ),
    dumps,
    attacks,
    runs: await rep.runs(),
    detectors,
    sources: await store.listSources(),
    versions: await collectVersions(store, { attacks: attacks.alerts > 0 }),
  };
}

/** A short stable digest of any JSON value (for ids in the page). */
export function shortHash(v: unknown): string {
  return createHash('sha256').update(JSON.stringify(v)).digest('hex').slice(0, 12);
}
