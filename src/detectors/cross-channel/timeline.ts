/**
 * One timeline of every channel: post volume per bin, findings (at the time of what they
 * describe), leak publications, attack alerts. `vigie timeline` prints it; the report can
 * draw it.
 */
import type { Store } from '../../store/store.js';
import type { Finding } from '../../findings/finding.js';

export interface TimelineEvent {
  /** ISO-8601 */
  time: string;
  channel: Finding['channel'] | 'posts';
  kind: 'volume' | 'finding' | 'leak-publication' | 'attack-alert';
  title: string;
  /** Finding id, dump id or alert id; the bin start for volume. */
  ref: string;
  severity?: string;
  /** Posts in the bin, events of an alert. */
  count?: number;
}

function findingTime(f: Finding): number {
  const d = (f.details ?? {}) as Record<string, unknown>;
  for (const k of ['firstTime', 'firstSeen', 'first', 'start', 'leakDate']) {
    const v = d[k];
    const t = typeof v === 'number' ? v : typeof v === 'string' ? Date.parse(v) : NaN;
    if (Number.isFinite(t)) return t;
  }
  return Date.parse(f.createdAt);
}

/** Every event of the workspace in time order (events without a valid time are left out). */
export async function buildTimeline(store: Store, binMs = 3600_000): Promise<TimelineEvent[]> {
  const ev: { t: number; e: TimelineEvent }[] = [];
  const push = (t: number, e: Omit<TimelineEvent, 'time'>) => {
    if (Number.isFinite(t)) ev.push({ t, e: { time: new Date(t).toISOString(), ...e } });
  };
  for (const b of await store.interchange().postVolume(binMs))
    push(b.start, {
      channel: 'posts',
      kind: 'volume',
      title: `${b.posts} posts by ${b.accounts} accounts`,
      ref: String(b.start),
      count: b.posts,
    });
  for (const f of await store.listFindings())
    push(findingTime(f), {
      channel: f.channel,
      kind: 'finding',
      title: f.title,
      ref: f.id,
      severity: f.severity,
    });
  for (const d of await store.leaks().listDumps())
    if (d.leakDate !== null)
      push(d.leakDate, {
        channel: 'leaks',
        kind: 'leak-publication',
        title: `${d.label} published`,
        ref: d.dumpId,
      });
  for (const a of await store.attacks().listAlerts())
    push(a.firstTime, {
      channel: 'infrastructure',
      kind: 'attack-alert',
      title: `${a.scenario}: ${a.key}`,
      ref: a.alertId,
      severity: a.severity,
      count: a.events,
    });
  const order = { 'leak-publication': 0, 'attack-alert': 1, volume: 2, finding: 3 };
  ev.sort((a, b) => a.t - b.t || order[a.e.kind] - order[b.e.kind] || (a.e.ref < b.e.ref ? -1 : 1));
  return ev.map((x) => x.e);
}
