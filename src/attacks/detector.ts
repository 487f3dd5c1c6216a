/**
 * The `attack-triage` detector: the alerts stored by `vigie attacks ingest`, grouped into
 * incidents and turned into findings (one per incident, one per alert), each with its
 * evidence lines, ATT&CK techniques, reasons and caveats.
 */
import { readFileSync } from 'node:fs';
import type { Detector, DetectResult } from '../detectors/types.js';
import { findingId, type EvidenceRef, type Finding } from '../findings/finding.js';
import type { StoredAlert } from '../store/attacks.js';
import { ORIGIN_CAVEAT } from './enrich.js';
import { triage, TRIAGE_DEFAULTS, type Incident } from './triage.js';

export interface AttackTriageOptions {
  /** File of real staff/mailbox names (one a line) used to score targeting. */
  staffFile: string | null;
  /** File of campaign-specific path prefixes (one a line). */
  pathsFile: string | null;
  /** At most this many alert findings (incidents are always all written). */
  maxAlertFindings: number;
  netGapMinutes: number;
  targetedScore: number;
}

export const ATTACK_TRIAGE_DEFAULTS: AttackTriageOptions = {
  staffFile: null,
  pathsFile: null,
  maxAlertFindings: 5000,
  netGapMinutes: TRIAGE_DEFAULTS.netGap / 60_000,
  targetedScore: TRIAGE_DEFAULTS.targetedScore,
};

const VERSION = '0.1.0';

/** One name a line; # comments and blank lines ignored. */
export function readList(path: string | null): string[] {
  if (!path) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean);
}

function evidenceOf(a: StoredAlert, max: number): EvidenceRef[] {
  return a.evidence.slice(0, max).map((l) => ({
    table: 'attack_lines',
    key: `${l.sourceId}:${l.line}`,
    contentHash: l.sha256,
    role: 'log line',
    note: `alert ${a.alertId} (${a.scenario})`,
  }));
}

const COMMON_CAVEATS = [
  ORIGIN_CAVEAT,
  'addresses can be shared (NAT, proxies, VPN exits, cloud hosts) or spoofed at the application layer (X-Forwarded-For)',
  'a matched pattern is not proof of intent: security scanners, misconfigured clients and researchers produce the same lines',
];

function iso(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : '';
}

/** Findings for incidents and alerts. Pure: the same alerts and options give the same findings. */
export function attackFindings(
  alerts: StoredAlert[],
  incidents: Incident[],
  o: AttackTriageOptions,
  now: string,
): Finding[] {
  const params = { ...o } as unknown as Record<string, unknown>;
  const out: Finding[] = [];
  for (const inc of incidents) {
    const evidence: EvidenceRef[] = [];
    for (const a of inc.alerts) {
      evidence.push({ table: 'attack_alerts', key: a.alertId, role: 'alert', note: a.scenario });
      evidence.push(...evidenceOf(a, 3));
      if (evidence.length > 60) break;
    }
    const where = inc.countries.length ? ` from ${inc.countries.join(', ')}` : '';
    out.push({
      id: findingId('attack-triage', 'attack-incident', inc.id),
      kind: 'attack-incident',
      channel: 'infrastructure',
      title: `${inc.class} incident: ${inc.scenarios.join(', ')} from ${inc.ips.length} address(es)${where}`,
      summary:
        `${inc.events} events between ${iso(inc.firstTime)} and ${iso(inc.lastTime)}; score ${inc.score} (${inc.class}). ` +
        inc.reasons.map((r) => `${r.points > 0 ? '+' : ''}${r.points} ${r.text}`).join('; '),
      severity: inc.severity,
      confidence: Number(inc.confidence.toFixed(3)),
      confidenceMethod:
        "probability that at least one of the incident's alerts is hostile activity, 1 - prod(1 - c) over the scenarios' stated confidences (expert priors, not calibrated on labelled data)",
      detector: { name: 'attack-triage', version: VERSION, parameters: params },
      evidence,
      techniques: inc.techniques,
      caveats: [
        ...COMMON_CAVEATS,
        'grouping by network, autonomous system and tooling may join unrelated actors who share a provider or a tool',
        ...(inc.class === 'targeted'
          ? ['targeted is a triage score from the reasons listed, not an attribution']
          : []),
      ],
      details: {
        class: inc.class,
        score: inc.score,
        reasons: inc.reasons,
        ips: inc.ips,
        networks: inc.networks,
        asns: inc.asns,
        countries: inc.countries,
        scenarios: inc.scenarios,
        users: inc.users.slice(0, 100),
        staffNamesTried: inc.staffHit,
        firstTime: iso(inc.firstTime),
        lastTime: iso(inc.lastTime),
        events: inc.events,
        alerts: inc.alerts.map((a) => a.alertId),
      },
      createdAt: now,
    });
  }
  for (const a of alerts.slice(0, o.maxAlertFindings)) {
    out.push({
      id: findingId('attack-triage', 'attack-alert', a.alertId),
      kind: 'attack-alert',
      channel: 'infrastructure',
      title: `${a.scenario}: ${a.key}${a.country ? ` (${a.country}${a.asn ? `, AS${a.asn}` : ''})` : ''}`,
      summary: `${a.events} matching events from ${iso(a.firstTime)} to ${iso(a.lastTime)}${a.suppressed ? `, then ${a.suppressed} more until ${iso(a.lastActivity)}` : ''}.`,
      severity: a.severity,
      confidence: a.confidence,
      confidenceMethod:
        "the scenario's stated confidence (an expert prior recorded in rules/scenarios, not calibrated)",
      detector: { name: 'attack-triage', version: VERSION, parameters: { scenario: a.scenario } },
      evidence: [{ table: 'attack_alerts', key: a.alertId, role: 'alert' }, ...evidenceOf(a, 20)],
      techniques: a.techniques,
      caveats: COMMON_CAVEATS,
      details: {
        scenario: a.scenario,
        groupby: a.groupby,
        key: a.key,
        ips: a.ips,
        users: a.users,
        values: a.values,
        paths: a.paths,
        uas: a.uas,
        country: a.country,
        asn: a.asn,
        org: a.org,
        hosting: a.hosting,
        tor: a.tor,
      },
      createdAt: now,
    });
  }
  return out;
}

export const attackTriageDetector: Detector<AttackTriageOptions> = {
  name: 'attack-triage',
  version: VERSION,
  channel: 'infrastructure',
  description: 'groups server-log alerts (vigie attacks ingest) into incidents, scored targeted vs commodity',
  defaults: ATTACK_TRIAGE_DEFAULTS,
  async detect(ctx, options = {}): Promise<DetectResult> {
    const o = { ...ATTACK_TRIAGE_DEFAULTS, ...options };
    const alerts = await ctx.store.attacks().listAlerts();
    if (alerts.length === 0)
      return {
        findings: [],
        messages: ['no attack alerts in this workspace (run `vigie attacks ingest LOGS`)'],
        stats: {},
      };
    const incidents = triage(alerts, {
      staff: readList(o.staffFile),
      protectedPaths: readList(o.pathsFile),
      netGap: o.netGapMinutes * 60_000,
      targetedScore: o.targetedScore,
    });
    // Findings carry the latest alert time, not the wall clock, so re-runs give identical output.
    const now = iso(
      alerts.reduce((m, a) => Math.max(m, Number.isFinite(a.lastActivity) ? a.lastActivity : 0), 0),
    );
    const findings = attackFindings(alerts, incidents, o, now || new Date(0).toISOString());
    const messages =
      alerts.length > o.maxAlertFindings
        ? [`${alerts.length - o.maxAlertFindings} alerts not written as findings (maxAlertFindings)`]
        : [];
    return {
      findings,
      messages,
      stats: {
        alerts: alerts.length,
        incidents: incidents.length,
        targeted: incidents.filter((i) => i.class === 'targeted').length,
      },
    };
  },
};
