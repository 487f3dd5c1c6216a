/**
 * The daily digest: per day, how many events and alerts, from which countries, for which
 * scenarios, and the few incidents that matter ("312 today, of which these 5 matter").
 */
import type { DailyCount, StoredAlert } from '../store/attacks.js';
import type { Incident } from './triage.js';
import { ORIGIN_CAVEAT } from './enrich.js';

export interface DigestIncident {
  id: string;
  class: Incident['class'];
  severity: Incident['severity'];
  score: number;
  ips: string[];
  countries: string[];
  asns: string[];
  scenarios: string[];
  events: number;
  first: string;
  last: string;
  reasons: string[];
}

export interface DigestDay {
  day: string;
  events: number;
  byFamily: Record<string, number>;
  alerts: number;
  incidents: number;
  targeted: number;
  byScenario: { scenario: string; alerts: number }[];
  byCountry: { country: string; events: number; alerts: number }[];
  top: DigestIncident[];
}

export interface Digest {
  days: DigestDay[];
  dataVersion: string;
  caveats: string[];
}

const DAY = 86_400_000;

function dayOf(ms: number): string {
  return Number.isFinite(ms)
    ? new Date(ms - (((ms % DAY) + DAY) % DAY)).toISOString().slice(0, 10)
    : '1970-01-01';
}

function iso(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString().replace('.000Z', 'Z') : '';
}

/** A short, printable summary of an incident. */
export function summariseIncident(i: Incident): DigestIncident {
  return {
    id: i.id,
    class: i.class,
    severity: i.severity,
    score: i.score,
    ips: i.ips.slice(0, 10),
    countries: i.countries,
    asns: i.asns.map((a) => `AS${a.asn} ${a.org}`.trim()),
    scenarios: i.scenarios,
    events: i.events,
    first: iso(i.firstTime),
    last: iso(i.lastTime),
    reasons: i.reasons.map((r) => `${r.points > 0 ? '+' : ''}${r.points} ${r.text}`),
  };
}

/** Build the digest from daily counts, alerts and triaged incidents; `day` keeps one day. */
export function buildDigest(
  daily: DailyCount[],
  alerts: StoredAlert[],
  incidents: Incident[],
  o: { day?: string; top?: number; dataVersion?: string } = {},
): Digest {
  const top = o.top ?? 5;
  const days = new Map<string, DigestDay>();
  const get = (d: string) => {
    let x = days.get(d);
    if (!x) {
      x = {
        day: d,
        events: 0,
        byFamily: {},
        alerts: 0,
        incidents: 0,
        targeted: 0,
        byScenario: [],
        byCountry: [],
        top: [],
      };
      days.set(d, x);
    }
    return x;
  };
  const countries = new Map<string, Map<string, { events: number; alerts: number }>>();
  const cget = (d: string, c: string) => {
    let m = countries.get(d);
    if (!m) countries.set(d, (m = new Map()));
    let v = m.get(c);
    if (!v) m.set(c, (v = { events: 0, alerts: 0 }));
    return v;
  };
  for (const r of daily) {
    const d = get(r.day);
    d.events += r.events;
    d.byFamily[r.family] = (d.byFamily[r.family] ?? 0) + r.events;
    cget(r.day, r.country || '??').events += r.events;
  }
  const scen = new Map<string, Map<string, number>>();
  for (const a of alerts) {
    const day = dayOf(a.firstTime);
    get(day).alerts++;
    let m = scen.get(day);
    if (!m) scen.set(day, (m = new Map()));
    m.set(a.scenario, (m.get(a.scenario) ?? 0) + 1);
    cget(day, a.country || '??').alerts++;
  }
  for (const [day, d] of days) {
    d.byScenario = [...(scen.get(day) ?? new Map<string, number>())]
      .map(([scenario, n]) => ({ scenario, alerts: n }))
      .sort((a, b) => b.alerts - a.alerts || a.scenario.localeCompare(b.scenario));
    d.byCountry = [...(countries.get(day) ?? new Map())]
      .map(([country, v]) => ({ country, ...v }))
      .sort((a, b) => b.alerts - a.alerts || b.events - a.events || a.country.localeCompare(b.country));
    const start = Date.parse(day + 'T00:00:00Z');
    const active = incidents.filter((i) => i.firstTime < start + DAY && i.lastTime >= start);
    d.incidents = active.length;
    d.targeted = active.filter((i) => i.class === 'targeted').length;
    // Incidents arrive ranked; keep that order.
    d.top = active.slice(0, top).map(summariseIncident);
  }
  let out = [...days.values()].sort((a, b) => a.day.localeCompare(b.day));
  if (o.day) out = out.filter((d) => d.day === o.day);
  return {
    days: out,
    dataVersion: o.dataVersion ?? 'none',
    caveats: [
      ORIGIN_CAVEAT,
      'an alert is a pattern in the logs, not proof of intent; a targeted score is a reason to look first, not an attribution',
    ],
  };
}
