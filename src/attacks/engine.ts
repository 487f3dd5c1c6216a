/**
 * The scenario engine: every event is offered to every scenario of its family; matching
 * events are poured into a bucket keyed by the scenario's `groupby`, and a bucket that
 * overflows becomes an alert carrying its raw lines as evidence.
 *
 * Leaky buckets follow CrowdSec's semantics (pkg/leakybucket), replayed on the logs' own
 * timestamps as CrowdSec's time-machine mode does:
 * - a bucket holds at most `capacity` events and leaks one every `leakspeed`; the event
 *   that finds it full (the capacity+1-th in a burst) makes it overflow. CrowdSec implements
 *   this with a token-bucket limiter of burst `capacity` refilled every `leakspeed`; so does
 *   this engine, with fractional refill between events;
 * - `distinct`: an event whose value of that field is already in the bucket is dropped;
 * - `blackhole`: after an overflow, the same group cannot overflow again for that long
 *   (CrowdSec drops those events; vigie counts them in `suppressed` so triage sees the
 *   activity went on);
 * - a bucket that has fully leaked is forgotten (CrowdSec's garbage collection), and a
 *   bucket is destroyed on overflow.
 * Differences: CrowdSec keys buckets by a free `groupby` expression; here it is one of a few
 * fixed keys, including /24 and autonomous system. `trigger` scenarios overflow on every
 * matching event (CrowdSec's trigger buckets). `window` (a sliding window with thresholds on
 * events and distinct values) and `sequence` (an event preceded by N others of the same
 * group) are vigie's own types, for low-and-slow attacks and success-after-failures.
 *
 * @see https://docs.crowdsec.net/docs/scenarios/format (type, capacity, leakspeed, distinct, blackhole)
 */
import type { LogEvent } from '../logs/event.js';
import { fieldOf } from '../logs/event.js';
import type { Enricher, IpInfo } from './enrich.js';
import { networkOf } from './ip.js';
import type { Scenario } from './scenario.js';
import type { AlertSummary } from '../store/attacks.js';

/** One line supporting an alert. */
export interface AlertEvidence {
  file: number;
  line: number;
  offset: number;
  time: number;
  raw: string;
}

/** An alert as the engine raises it; the store keeps the same summary with its evidence hashed. */
export interface Alert extends AlertSummary {
  groupby: Scenario['groupby'];
  evidence: AlertEvidence[];
}

const EVIDENCE_HEAD = 5;
const EVIDENCE_TAIL = 15;
const SET_CAP = 50;

/**
 * A bucket keeps references to the events it holds (the first few and the latest few) rather
 * than copies: events are not changed after parsing, and allocating per poured event is
 * what would cost most at hundreds of thousands of lines per second.
 */
class Bucket {
  tokens: number;
  last: number;
  first: number;
  n = 0;
  head: LogEvent[] = [];
  tail: LogEvent[] = [];
  tailPos = 0;
  distinct: Set<string> | null;
  firstIp = '';
  // window type
  times: number[] = [];
  timesHead = 0;
  values: Map<string, number> | null = null;
  // blackhole
  blackholeUntil = -Infinity;
  alert: Alert | null = null;

  constructor(capacity: number, t: number, distinct: boolean) {
    this.tokens = capacity;
    this.last = t;
    this.first = t;
    this.distinct = distinct ? new Set() : null;
  }

  keep(e: LogEvent): void {
    if (this.head.length < EVIDENCE_HEAD) {
      this.head.push(e);
      if (!this.firstIp) this.firstIp = e.ip;
    } else if (this.tail.length < EVIDENCE_TAIL) this.tail.push(e);
    else {
      this.tail[this.tailPos] = e;
      this.tailPos = this.tailPos + 1 === EVIDENCE_TAIL ? 0 : this.tailPos + 1;
    }
  }

  events(): LogEvent[] {
    return [...this.head, ...this.tail.slice(this.tailPos), ...this.tail.slice(0, this.tailPos)];
  }
}

function collect(
  events: LogEvent[],
  get: (e: LogEvent) => string,
  cap: number,
  extra: Iterable<string> = [],
): string[] {
  const s = new Set<string>();
  for (const v of extra) if (v && s.size < cap) s.add(v);
  for (const e of events) {
    const v = get(e);
    if (v && s.size < cap) s.add(v);
  }
  return [...s];
}

export interface EngineStats {
  events: number;
  matched: number;
  alerts: number;
  buckets: number;
}

/** Runs scenarios over a stream of events; `alerts` fills as buckets overflow. */
export class ScenarioEngine {
  readonly alerts: Alert[] = [];
  readonly stats: EngineStats = { events: 0, matched: 0, alerts: 0, buckets: 0 };
  private readonly byFamily = new Map<string, Scenario[]>();
  private readonly state: Map<string, Bucket>[];
  private readonly index = new Map<Scenario, number>();
  private readonly needsInfo: boolean;
  private clock = 0;
  private sincePrune = 0;

  constructor(
    readonly scenarios: Scenario[],
    private readonly enricher: Enricher | null = null,
  ) {
    scenarios.forEach((s, i) => this.index.set(s, i));
    this.state = scenarios.map(() => new Map());
    for (const fam of ['http', 'ssh', 'mail', 'ids', 'generic']) {
      this.byFamily.set(
        fam,
        scenarios.filter((s) => s.family === fam || s.family === 'any'),
      );
    }
    this.needsInfo = enricher !== null && scenarios.some((s) => s.groupby === 'asn');
  }

  private key(s: Scenario, e: LogEvent, info: IpInfo | null): string {
    switch (s.groupby) {
      case 'ip':
        return e.ip;
      case 'net24':
        return e.ip ? networkOf(e.ip) : '';
      case 'asn':
        return info && info.asn ? `AS${info.asn}` : '';
      case 'user':
        return e.user;
      case 'ip_user':
        return e.ip && e.user ? `${e.ip} ${e.user}` : '';
      case 'vhost':
        return e.vhost;
      case 'global':
        return '*';
    }
  }

  /** Offer one event to every scenario of its family. */
  push(e: LogEvent): void {
    this.stats.events++;
    const list = this.byFamily.get(e.family);
    if (!list || list.length === 0) return;
    const t = Number.isNaN(e.time) ? this.clock : e.time;
    if (t > this.clock) this.clock = t;
    let info: IpInfo | null = null;
    let infoDone = false;
    for (let i = 0; i < list.length; i++) {
      const s = list[i];
      const main = s.match(e);
      const pre = s.after !== null && !main && s.after.match(e);
      if (!main && !pre) continue;
      this.stats.matched++;
      if (this.needsInfo && !infoDone && s.groupby === 'asn') {
        info = e.ip ? this.enricher!.info(e.ip) : null;
        infoDone = true;
      }
      const key = this.key(s, e, info);
      if (!key) continue;
      const states = this.state[this.index.get(s)!];
      switch (s.type) {
        case 'trigger':
          this.trigger(s, states, key, e, t);
          break;
        case 'leaky':
          this.leaky(s, states, key, e, t);
          break;
        case 'window':
          this.window(s, states, key, e, t);
          break;
        case 'sequence':
          this.sequence(s, states, key, e, t, main);
          break;
      }
    }
    // Often enough that events held by idle buckets die young (cheap to collect).
    if (++this.sincePrune >= 10_000) this.prune();
  }

  private blackholed(b: Bucket | undefined, t: number, n: number): boolean {
    if (b && t < b.blackholeUntil) {
      if (b.alert) {
        b.alert.suppressed += n;
        if (t > b.alert.lastActivity) b.alert.lastActivity = t;
      }
      return true;
    }
    return false;
  }

  private trigger(s: Scenario, states: Map<string, Bucket>, key: string, e: LogEvent, t: number): void {
    const old = states.get(key);
    if (this.blackholed(old, t, e.count)) return;
    const b = new Bucket(0, t, false);
    b.n = e.count;
    b.keep(e);
    this.overflow(s, states, key, b, t);
  }

  private leaky(s: Scenario, states: Map<string, Bucket>, key: string, e: LogEvent, t: number): void {
    let b = states.get(key);
    if (this.blackholed(b, t, e.count)) return;
    if (b && b.alert) b = undefined; // the blackhole is over: a fresh bucket
    if (!b) {
      b = new Bucket(s.capacity, t, s.distinct !== null);
      states.set(key, b);
      this.stats.buckets++;
    } else {
      const refill = (t - b.last) / s.leakspeed;
      if (refill > 0) {
        b.tokens = Math.min(s.capacity, b.tokens + refill);
        if (b.tokens >= s.capacity) {
          // Fully leaked: CrowdSec would have garbage-collected it; start over.
          b = new Bucket(s.capacity, t, s.distinct !== null);
          states.set(key, b);
        }
      }
    }
    if (b.distinct) {
      const v = String(fieldOf(e, s.distinct!));
      if (b.distinct.has(v)) return;
      b.distinct.add(v);
    }
    b.last = t > b.last ? t : b.last;
    b.keep(e);
    for (let k = 0; k < e.count; k++) {
      b.n++;
      if (b.tokens >= 1) b.tokens -= 1;
      else {
        this.overflow(s, states, key, b, t);
        return;
      }
    }
  }

  private window(s: Scenario, states: Map<string, Bucket>, key: string, e: LogEvent, t: number): void {
    let b = states.get(key);
    if (this.blackholed(b, t, e.count)) return;
    if (b && b.alert) b = undefined;
    if (!b) {
      b = new Bucket(0, t, false);
      if (s.distinct) b.values = new Map();
      states.set(key, b);
      this.stats.buckets++;
    }
    const from = t - s.window;
    for (let k = 0; k < e.count; k++) b.times.push(t);
    while (b.timesHead < b.times.length && b.times[b.timesHead] < from) b.timesHead++;
    if (b.timesHead > 1024 && b.timesHead * 2 > b.times.length) {
      b.times = b.times.slice(b.timesHead);
      b.timesHead = 0;
    }
    if (b.timesHead === b.times.length - e.count) b.first = t;
    b.last = t;
    b.n = b.times.length - b.timesHead;
    if (b.values) {
      const v = String(fieldOf(e, s.distinct!));
      if (b.values.size < 100_000 || b.values.has(v)) b.values.set(v, t);
    }
    b.keep(e);
    const events = b.n;
    let distinct = events;
    if (b.values) {
      if (b.values.size < s.threshold) return;
      for (const [v, lt] of b.values) if (lt < from) b.values.delete(v);
      distinct = b.values.size;
    }
    if (distinct < s.threshold) return;
    if (s.maxPerValue > 0 && events / distinct > s.maxPerValue) return;
    this.overflow(s, states, key, b, t, s.blackhole || s.window);
  }

  private sequence(
    s: Scenario,
    states: Map<string, Bucket>,
    key: string,
    e: LogEvent,
    t: number,
    main: boolean,
  ): void {
    let b = states.get(key);
    if (!main) {
      if (b && b.alert) {
        if (t < b.blackholeUntil) return;
        b = undefined;
      }
      if (!b) {
        b = new Bucket(0, t, false);
        states.set(key, b);
        this.stats.buckets++;
      }
      for (let k = 0; k < e.count; k++) b.times.push(t);
      if (b.times.length - b.timesHead > 10_000) b.timesHead = b.times.length - 10_000;
      b.last = t;
      b.keep(e);
      return;
    }
    if (!b || b.alert) {
      this.blackholed(b, t, e.count);
      return;
    }
    const from = t - s.after!.within;
    while (b.timesHead < b.times.length && b.times[b.timesHead] < from) b.timesHead++;
    const before = b.times.length - b.timesHead;
    if (before < s.after!.min) return;
    b.n = before + e.count;
    b.keep(e);
    b.last = t;
    this.overflow(s, states, key, b, t);
  }

  private overflow(
    s: Scenario,
    states: Map<string, Bucket>,
    key: string,
    b: Bucket,
    t: number,
    blackhole = s.blackhole,
  ): void {
    const info = this.enricher && b.firstIp ? this.enricher.info(b.firstIp) : null;
    const evs = b.events();
    const values = b.distinct
      ? [...b.distinct].slice(0, SET_CAP)
      : b.values
        ? [...b.values.keys()].slice(0, SET_CAP)
        : [];
    const alert: Alert = {
      scenario: s.name,
      groupby: s.groupby,
      key,
      ip: b.firstIp,
      ips: collect(evs, (e) => e.ip, SET_CAP, s.distinct === 'ip' ? values : []),
      users: collect(evs, (e) => e.user, SET_CAP, s.distinct === 'user' ? values : []),
      values,
      uas: collect(evs, (e) => e.ua, 5),
      paths: collect(evs, (e) => e.path, 20, s.distinct === 'path' ? values : []),
      services: collect(evs, (e) => e.service, 5),
      firstTime: b.first,
      lastTime: t,
      events: b.n,
      suppressed: 0,
      lastActivity: t,
      evidence: evs.map((e) => ({ file: e.file, line: e.line, offset: e.offset, time: e.time, raw: e.raw })),
      severity: s.severity,
      confidence: s.confidence,
      techniques: s.techniques,
      traits: s.traits,
      country: info?.country ?? '',
      asn: info?.asn ?? 0,
      org: info?.org ?? '',
      hosting: info?.hosting ?? false,
      tor: info?.tor ?? false,
    };
    this.alerts.push(alert);
    this.stats.alerts++;
    const hole = new Bucket(0, t, false);
    hole.blackholeUntil = t + blackhole;
    hole.alert = alert;
    states.set(key, hole);
  }

  /** Forget buckets that have fully leaked or whose window and blackhole are over. */
  private prune(): void {
    this.sincePrune = 0;
    const now = this.clock;
    this.scenarios.forEach((s, i) => {
      const horizon =
        s.type === 'leaky'
          ? s.capacity * s.leakspeed
          : s.type === 'trigger'
            ? 0
            : Math.max(s.window, s.after?.within ?? 0);
      for (const [k, b] of this.state[i]) {
        if (now >= b.blackholeUntil && now - b.last > horizon) this.state[i].delete(k);
      }
    });
  }
}
