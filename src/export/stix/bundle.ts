/**
 * Findings to a STIX 2.1 bundle.
 *
 * Mapping (docs/stix.md has the full table):
 * - the producing organisation -> `identity` (created_by_ref of everything);
 * - each finding -> `note` (title, summary, confidence, method, evidence keys) and a second
 *   `note` with its caveats; `observed-data` with its SCOs (domain-name, url, ipv4/6-addr,
 *   user-account) when it names any;
 * - each distinct domain, URL or address -> one `indicator` (valid STIX pattern), `based-on`
 *   the observed-data of the findings naming it;
 * - DISARM and ATT&CK technique ids -> `attack-pattern` (DISARM's own STIX ids), which the
 *   indicators `indicate`;
 * - `campaign` and `threat-actor` only when the user asserts them (flags); `attributed-to` only
 *   between those asserted objects;
 * - cross-channel findings -> `related-to` between the observed-data of the findings they link;
 * - optional OpenCTI `narrative` / `channel` custom SDOs (`opencti: true`);
 * - one `report` holding every object.
 * Ids are UUIDv5 of content and timestamps come from the findings, so the same findings always
 * give the same bundle, byte for byte.
 */
import type { Finding } from '../../findings/finding.js';
import { VIGIE_VERSION } from '../../version.js';
import { scoId, sdoId } from './ids.js';
import { accountsOf, observablesOf, patternOf, type Observable } from './observables.js';
import { frameworkOf, techniques } from './frameworks.js';
import type { StixObject } from './validate.js';

/** OpenCTI's extension-definition for its own SDO types (narrative, channel). */
export const OPENCTI_EXTENSION = 'extension-definition--ea279b3e-5c71-4632-ac08-831c66a786ba';

export interface StixOptions {
  /** The producing organisation (identity name). */
  identity: string;
  /** A campaign the user asserts the findings belong to. */
  campaign?: string;
  /** A threat actor the user asserts is behind the activity. */
  threatActor?: string;
  /** Emit OpenCTI narrative and channel objects. */
  opencti?: boolean;
  /** At most this many accounts per finding become user-account SCOs (and channels). */
  maxAccounts?: number;
}

export interface StixResult {
  bundle: { type: 'bundle'; id: string; objects: StixObject[] };
  stats: Record<string, number>;
  messages: string[];
}

const EPOCH = '1970-01-01T00:00:00.000Z';

/** A valid STIX timestamp from whatever a finding holds, or null. */
function ts(v: unknown): string | null {
  if (typeof v !== 'string' && typeof v !== 'number') return null;
  const t = typeof v === 'number' ? v : Date.parse(v);
  return Number.isFinite(t) && t >= 0 && t < 253402300800000 ? new Date(t).toISOString() : null;
}

function span(f: Finding): { first: string; last: string } {
  const d = (f.details ?? {}) as Record<string, unknown>;
  const created = ts(f.createdAt) ?? EPOCH;
  const first = ts(d.firstTime) ?? ts(d.first) ?? ts(d.start) ?? ts(d.firstSeen) ?? created;
  let last = ts(d.lastTime) ?? ts(d.last) ?? ts(d.end) ?? ts(d.lastSeen) ?? first;
  if (last < first) last = first;
  return { first, last };
}

function countOf(f: Finding): number {
  const d = (f.details ?? {}) as Record<string, unknown>;
  const n = [d.events, d.posts, d.count].find((x) => typeof x === 'number' && Number.isFinite(x)) as
    number | undefined;
  return Math.min(999_999_999, Math.max(1, Math.round(n ?? f.evidence.length ?? 1)));
}

const min = (a: string, b: string) => (a < b ? a : b);

/** Build the bundle. Pure: same findings and options, same bundle. */
export function buildBundle(findingsIn: Finding[], o: StixOptions): StixResult {
  const findings = [...findingsIn].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const messages: string[] = [];
  const stats: Record<string, number> = { findings: findings.length, skippedValues: 0, unknownTechniques: 0 };
  const objects = new Map<string, StixObject>();
  const add = (x: StixObject) => {
    objects.set(x.id, x);
    return x.id;
  };
  const earliest = findings.reduce(
    (m, f) => min(m, ts(f.createdAt) ?? EPOCH),
    ts(findings[0]?.createdAt) ?? EPOCH,
  );
  const latest = findings.reduce(
    (m, f) => ((ts(f.createdAt) ?? EPOCH) > m ? (ts(f.createdAt) ?? EPOCH) : m),
    EPOCH,
  );
  const common = (type: string, key: string, at: string) => ({
    type,
    spec_version: '2.1',
    id: sdoId(type, key),
    created_by_ref: identityId,
    created: at,
    modified: at,
  });

  const identityId = sdoId('identity', o.identity);
  add({
    type: 'identity',
    spec_version: '2.1',
    id: identityId,
    created: earliest,
    modified: earliest,
    name: o.identity,
    identity_class: 'organization',
    description: `Producer of this bundle (exported by vigie ${VIGIE_VERSION}).`,
  });
  const relationship = (type: string, source: string, target: string, at: string, description?: string) =>
    add({
      ...common('relationship', `${type}|${source}|${target}`, at),
      relationship_type: type,
      source_ref: source,
      target_ref: target,
      ...(description ? { description } : {}),
    });

  const campaignId = o.campaign
    ? add({
        ...common('campaign', o.campaign, earliest),
        name: o.campaign,
        description: 'Asserted by the producer when exporting (vigie --campaign), not inferred by vigie.',
      })
    : null;
  const actorId = o.threatActor
    ? add({
        ...common('threat-actor', o.threatActor, earliest),
        name: o.threatActor,
        description: 'Asserted by the producer when exporting (vigie --threat-actor), not inferred by vigie.',
      })
    : null;
  if (campaignId && actorId)
    relationship('attributed-to', campaignId, actorId, earliest, 'Attribution asserted by the producer.');

  // Attack patterns, one per technique id met.
  const known = techniques();
  const patternIds = new Map<string, string>();
  const attackPattern = (tid: string): string | null => {
    if (patternIds.has(tid)) return patternIds.get(tid)!;
    const fw = frameworkOf(tid);
    if (!fw) return null;
    const t = known.get(tid);
    if (!t) {
      stats.unknownTechniques++;
      messages.push(
        `${tid}: not in data/frameworks (re-run src/export/stix/extract-disarm.ts); exported by id only`,
      );
    }
    const url =
      t?.url ??
      (fw === 'mitre-attack'
        ? `https://attack.mitre.org/techniques/${tid.replace('.', '/')}/`
        : `https://github.com/DISARMFoundation/DISARMframeworks/blob/main/generated_pages/techniques/${tid}.md`);
    const id = t?.stixId ?? sdoId('attack-pattern', `${fw}:${tid}`);
    add({
      type: 'attack-pattern',
      spec_version: '2.1',
      id,
      // DISARM's objects keep DISARM's id; vigie does not claim to have created them.
      ...(t?.stixId ? {} : { created_by_ref: identityId }),
      created: earliest,
      modified: earliest,
      name: t?.name ?? tid,
      external_references: [{ source_name: fw, external_id: tid, url }],
      ...(t?.phase ? { kill_chain_phases: [{ kill_chain_name: 'disarm', phase_name: t.phase }] } : {}),
      x_mitre_id: tid,
    });
    patternIds.set(tid, id);
    if (campaignId) relationship('uses', campaignId, id, earliest);
    else if (actorId) relationship('uses', actorId, id, earliest);
    return id;
  };

  // Observables and indicators.
  interface IndicatorAcc {
    o: Observable;
    first: string;
    created: string;
    findings: Set<string>;
    techniques: Set<string>;
    confidence: number;
  }
  const indicators = new Map<string, IndicatorAcc>();
  const observedOf = new Map<string, string>();
  const maxAccounts = o.maxAccounts ?? 500;

  for (const f of findings) {
    const at = ts(f.createdAt) ?? EPOCH;
    const { first, last } = span(f);
    const { observables, skipped } = observablesOf(f);
    stats.skippedValues += skipped;
    const scoIds: string[] = [];
    for (const ob of observables) {
      const id = scoId(ob.kind, { value: ob.value });
      add({ type: ob.kind, spec_version: '2.1', id, value: ob.value });
      scoIds.push(id);
      const key = `${ob.kind}\u0000${ob.value}`;
      const acc = indicators.get(key) ?? {
        o: ob,
        first,
        created: at,
        findings: new Set<string>(),
        techniques: new Set<string>(),
        confidence: 0,
      };
      acc.first = min(acc.first, first);
      acc.created = min(acc.created, at);
      acc.findings.add(f.id);
      for (const t of f.techniques) acc.techniques.add(t);
      acc.confidence = Math.max(acc.confidence, f.confidence);
      indicators.set(key, acc);
    }
    const accounts = accountsOf(f, maxAccounts);
    for (const a of accounts) {
      const props = {
        account_type: a.platform === 'x' ? 'twitter' : a.platform.toLowerCase(),
        user_id: a.accountId,
      };
      const id = scoId('user-account', props);
      add({ type: 'user-account', spec_version: '2.1', id, ...props });
      scoIds.push(id);
      if (o.opencti) {
        const ch = add({
          ...common('channel', `${a.platform}:${a.accountId}`, at),
          name: `${a.platform}:${a.accountId}`,
          channel_types: [a.platform],
          extensions: { [OPENCTI_EXTENSION]: { extension_type: 'new-sdo' } },
        });
        relationship('related-to', ch, id, at, 'The platform account this channel is.');
      }
    }
    const refs: string[] = [];
    if (scoIds.length) {
      const od = add({
        ...common('observed-data', f.id, at),
        first_observed: first,
        last_observed: last,
        number_observed: countOf(f),
        object_refs: [...new Set(scoIds)],
      });
      observedOf.set(f.id, od);
      refs.push(od);
    }
    for (const t of f.techniques) {
      const id = attackPattern(t);
      if (id) refs.push(id);
    }
    if (o.opencti && f.channel === 'narratives') {
      const d = (f.details ?? {}) as Record<string, unknown>;
      const name = typeof d.narrative === 'string' && d.narrative ? d.narrative.slice(0, 250) : f.title;
      refs.push(
        add({
          ...common('narrative', `${f.detector.name}:${f.id}`, at),
          name,
          description: f.summary,
          extensions: { [OPENCTI_EXTENSION]: { extension_type: 'new-sdo' } },
        }),
      );
    }
    if (!refs.length) refs.push(campaignId ?? identityId);
    const evidence = f.evidence
      .slice(0, 50)
      .map(
        (e) =>
          `- ${e.table}/${e.key}${e.contentHash ? ` sha256:${e.contentHash}` : ''}${e.role ? ` (${e.role})` : ''}`,
      );
    const noteId = add({
      ...common('note', `finding:${f.id}`, at),
      abstract: f.title,
      content: [
        f.summary,
        '',
        `Finding ${f.id} (${f.channel}/${f.kind}), severity ${f.severity}, confidence ${f.confidence}.`,
        `Confidence method: ${f.confidenceMethod}`,
        `Detector: ${f.detector.name} ${f.detector.version}.`,
        `Evidence (${f.evidence.length} stored rows${f.evidence.length > 50 ? ', first 50' : ''}):`,
        ...evidence,
      ].join('\n'),
      authors: [`vigie ${f.detector.name}`],
      confidence: Math.round(f.confidence * 100),
      object_refs: [...new Set(refs)],
      labels: [`vigie-${f.channel}`, `vigie-${f.kind}`].map((l) =>
        l.toLowerCase().replace(/[^a-z0-9-]/g, '-'),
      ),
      external_references: [
        { source_name: 'vigie', external_id: f.id, description: `vigie finding ${f.id}` },
      ],
    });
    add({
      ...common('note', `caveats:${f.id}`, at),
      abstract: `What this does not prove: ${f.title}`.slice(0, 500),
      content: f.caveats.map((c) => `- ${c}`).join('\n') || '- (no caveats recorded)',
      authors: [`vigie ${f.detector.name}`],
      object_refs: [noteId, ...new Set(refs)],
      labels: ['vigie-caveats'],
    });
  }

  // Indicators, after every finding has contributed its first-seen time.
  for (const acc of [...indicators.values()].sort((a, b) =>
    a.o.kind + a.o.value < b.o.kind + b.o.value ? -1 : 1,
  )) {
    const pattern = patternOf(acc.o);
    const id = add({
      ...common('indicator', pattern, acc.created),
      name: `${acc.o.kind} ${acc.o.value}`.slice(0, 300),
      description: `Named by ${acc.findings.size} vigie finding(s): ${[...acc.findings].sort().join(', ')}. Anomalous, not proven malicious: see the findings' caveats.`,
      indicator_types: ['anomalous-activity'],
      pattern,
      pattern_type: 'stix',
      pattern_version: '2.1',
      valid_from: acc.first,
      confidence: Math.round(acc.confidence * 100),
    });
    for (const fid of [...acc.findings].sort()) {
      const od = observedOf.get(fid);
      if (od) relationship('based-on', id, od, acc.created);
    }
    for (const t of [...acc.techniques].sort()) {
      const ap = attackPattern(t);
      if (ap) relationship('indicates', id, ap, acc.created);
    }
    if (campaignId) relationship('indicates', id, campaignId, acc.created);
  }

  // Cross-channel links: both sides' observed data are related.
  for (const f of findings) {
    const linked = (f.details as Record<string, unknown> | undefined)?.linkedFindings;
    const od = observedOf.get(f.id);
    if (!od || !Array.isArray(linked)) continue;
    for (const other of linked) {
      const tgt = typeof other === 'string' ? observedOf.get(other) : undefined;
      if (tgt && tgt !== od)
        relationship('related-to', od, tgt, ts(f.createdAt) ?? EPOCH, `vigie cross-channel link ${f.id}`);
    }
  }

  const all = [...objects.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const reportRefs = all.filter((x) => x.type !== 'identity' || x.id !== identityId).map((x) => x.id);
  const published = latest;
  const report = {
    ...common('report', reportRefs.join(','), published),
    name: o.campaign ? `vigie findings: ${o.campaign}` : 'vigie findings',
    description: `${findings.length} findings exported by vigie ${VIGIE_VERSION}. Findings are evidence-backed observations with stated confidence and caveats; attribution appears only where the producer asserted it.`,
    report_types: ['threat-report'],
    published,
    object_refs: reportRefs.length ? reportRefs : [identityId],
  };
  const out = [...all, report as StixObject];
  for (const x of out) stats[x.type] = (stats[x.type] ?? 0) + 1;
  return {
    bundle: { type: 'bundle', id: sdoId('bundle', out.map((x) => x.id).join(',')), objects: out },
    stats,
    messages: [...new Set(messages)],
  };
}
