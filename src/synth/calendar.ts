/**
 * Time in the synthetic week: Europe/Paris wall clock, the daily rhythm of French and English
 * speaking users, and the week's events (a televised debate, a leak, election night) that
 * raise activity for a few hours.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * Paris offset from UTC in minutes at `utcMs`: +120 in summer time (last Sunday of March
 * 01:00 UTC to last Sunday of October 01:00 UTC, the EU rule since 1996), +60 otherwise.
 * Written out so the output never depends on the host's time-zone database.
 */
export function parisOffsetMinutes(utcMs: number): number {
  const y = new Date(utcMs).getUTCFullYear();
  const lastSunday = (month: number) => {
    const d = new Date(Date.UTC(y, month + 1, 0)); // last day of month
    return Date.UTC(y, month, d.getUTCDate() - d.getUTCDay(), 1);
  };
  return utcMs >= lastSunday(2) && utcMs < lastSunday(9) ? 120 : 60;
}

/**
 * Relative activity by local hour, French-speaking Twitter: a trough at 4-5 am, a morning rise,
 * a lunch plateau and the evening peak at 21-22 h (television and phones in hand).
 */
export const DIURNAL = [
  0.42, 0.27, 0.16, 0.1, 0.08, 0.1, 0.22, 0.48, 0.74, 0.85, 0.9, 0.95, 1.0, 0.98, 0.92, 0.9, 0.93, 1.0, 1.08,
  1.2, 1.35, 1.45, 1.32, 0.85,
];

/** Diurnal weight at a fractional local hour (linear between hour midpoints). */
export function diurnalAt(hour: number): number {
  const h = (((hour - 0.5) % 24) + 24) % 24;
  const i = Math.floor(h);
  const f = h - i;
  return DIURNAL[i] * (1 - f) + DIURNAL[(i + 1) % 24] * f;
}

/** An event of the week: activity rises for both language communities and some hashtags trend. */
export interface WeekEvent {
  name: string;
  title: string;
  /** Epoch ms, UTC. */
  start: number;
  end: number;
  /** Multipliers of the usual activity at the event's peak. */
  frBoost: number;
  enBoost: number;
  /** Hashtags that trend during the event (as typed, without `#`). */
  hashtags: string[];
}

/** Event definition relative to the week's first local midnight. */
interface EventDef {
  name: string;
  title: string;
  day: number;
  /** Local time of day, hours. */
  from: number;
  to: number;
  frBoost: number;
  enBoost: number;
  hashtags: string[];
}

/**
 * The default week follows the second round of the 2017 French presidential election
 * (Monday 1 to Sunday 7 May): May Day marches, the televised debate on Wednesday evening, the
 * leak of a campaign's emails on Friday evening just before the campaign silence, election
 * night on Sunday. Days count from the week's start, so another start date keeps the rhythm.
 */
export const DEFAULT_EVENTS: readonly EventDef[] = [
  {
    name: 'may-day',
    title: 'May Day marches and rallies',
    day: 0,
    from: 10,
    to: 14,
    frBoost: 1.4,
    enBoost: 1.0,
    hashtags: ['1erMai', 'FeteDuTravail'],
  },
  {
    name: 'debate',
    title: 'Televised debate between the two finalists',
    day: 2,
    from: 21,
    to: 23.7,
    frBoost: 3.5,
    enBoost: 1.6,
    hashtags: ['2017LeDebat', 'debat', 'DebatPresidentiel', 'FrenchDebate'],
  },
  {
    name: 'leak',
    title: 'Campaign e-mails dumped online on the eve of the campaign silence',
    day: 4,
    from: 20.6,
    to: 26,
    frBoost: 1.6,
    enBoost: 2.6,
    hashtags: ['MacronLeaks', 'MacronGate'],
  },
  {
    name: 'vote',
    title: 'Polling day',
    day: 6,
    from: 8,
    to: 19.9,
    frBoost: 1.2,
    enBoost: 1.1,
    hashtags: ['JeVote', 'AVote', '7mai'],
  },
  {
    name: 'results',
    title: 'Election night: first results at 20:00',
    day: 6,
    from: 19.9,
    to: 23,
    frBoost: 5,
    enBoost: 3,
    hashtags: ['Presidentielle2017', 'Resultats', 'FrenchElection', '7mai'],
  },
];

/** Per-minute intensity of posting, for both communities, over the generated period. */
export interface Calendar {
  start: number;
  end: number;
  minutes: number;
  fr: Float64Array;
  en: Float64Array;
  /** cum[m] = total intensity before minute m (fr + en). */
  cum: Float64Array;
  events: WeekEvent[];
  /** Index into `events` of the event active at each minute, -1 for none. */
  eventAt: Int16Array;
}

/** Local midnight (Paris) on or before `utcMs`. */
export function parisMidnight(utcMs: number): number {
  const off = parisOffsetMinutes(utcMs) * MINUTE;
  const local = utcMs + off;
  const mid = local - (((local % (24 * HOUR)) + 24 * HOUR) % (24 * HOUR));
  return mid - parisOffsetMinutes(mid - off) * MINUTE;
}

function eventShape(t: number, start: number, end: number): number {
  const ramp = 10 * MINUTE;
  if (t < start - ramp || t > end + 4 * HOUR) return 0;
  if (t < start) return (t - (start - ramp)) / ramp;
  if (t <= end) return 1;
  return Math.exp(-(t - end) / (40 * MINUTE)); // people keep talking after the show ends
}

/**
 * Build the minute-by-minute intensity for `days` days from `start` (epoch ms).
 * `englishShare` is the share of activity from English-speaking users (UK and US clocks).
 */
export function buildCalendar(
  start: number,
  days: number,
  englishShare: number,
  withEvents: boolean,
): Calendar {
  const minutes = Math.round(days * 1440);
  const end = start + minutes * MINUTE;
  const firstMidnight = parisMidnight(start);
  const events: WeekEvent[] = withEvents
    ? DEFAULT_EVENTS.map((d) => {
        const midnight = firstMidnight + d.day * 24 * HOUR;
        // Local hour to UTC using the offset that holds on that day.
        const off = parisOffsetMinutes(midnight + 12 * HOUR) - parisOffsetMinutes(firstMidnight + 12 * HOUR);
        return {
          name: d.name,
          title: d.title,
          start: midnight + d.from * HOUR - off * MINUTE,
          end: midnight + d.to * HOUR - off * MINUTE,
          frBoost: d.frBoost,
          enBoost: d.enBoost,
          hashtags: d.hashtags,
        };
      }).filter((e) => e.start < end && e.end > start)
    : [];
  const fr = new Float64Array(minutes);
  const en = new Float64Array(minutes);
  const cum = new Float64Array(minutes + 1);
  const eventAt = new Int16Array(minutes).fill(-1);
  let offset = parisOffsetMinutes(start);
  for (let m = 0; m < minutes; m++) {
    const t = start + m * MINUTE + MINUTE / 2;
    if (m % 60 === 0) offset = parisOffsetMinutes(t);
    const localHour = (((t / HOUR + offset / 60) % 24) + 24) % 24;
    const localDay = Math.floor((t + offset * MINUTE) / (24 * HOUR));
    const weekend = (((localDay + 4) % 7) + 7) % 7 >= 5; // 1970-01-01 was a Thursday
    // Weekend mornings start later.
    let f = diurnalAt(weekend && localHour < 11 ? Math.max(0, localHour - 1) : localHour);
    // English speakers: 60 % on the London clock (Paris - 1 h), 40 % on New York's (Paris - 6 h).
    let e = 0.6 * diurnalAt(localHour - 1) + 0.4 * diurnalAt(localHour - 6);
    let best = 0;
    for (let i = 0; i < events.length; i++) {
      const s = eventShape(t, events[i].start, events[i].end);
      if (s <= 0) continue;
      f *= 1 + (events[i].frBoost - 1) * s;
      e *= 1 + (events[i].enBoost - 1) * s;
      if (s > best && t >= events[i].start - 10 * MINUTE && t <= events[i].end + HOUR) {
        best = s;
        eventAt[m] = i;
      }
    }
    fr[m] = f * (1 - englishShare);
    en[m] = e * englishShare;
    cum[m + 1] = cum[m] + fr[m] + en[m];
  }
  return { start, end, minutes, fr, en, cum, events, eventAt };
}

/** Minute index of `t` in the calendar, clamped. */
export function minuteOf(cal: Calendar, t: number): number {
  const m = Math.floor((t - cal.start) / MINUTE);
  return m < 0 ? 0 : m >= cal.minutes ? cal.minutes - 1 : m;
}

/**
 * A time drawn from the activity curve between `from` and `to` (epoch ms), by inverting the
 * cumulative intensity with a binary search.
 */
export function timeFromCurve(cal: Calendar, from: number, to: number, u: number): number {
  const m0 = minuteOf(cal, from);
  const m1 = Math.min(cal.minutes, Math.ceil((to - cal.start) / MINUTE));
  const lo = cal.cum[m0];
  const hi = cal.cum[m1];
  const target = lo + u * (hi - lo);
  let a = m0;
  let b = m1 - 1;
  while (a < b) {
    const mid = (a + b + 1) >> 1;
    if (cal.cum[mid] <= target) a = mid;
    else b = mid - 1;
  }
  const w = cal.cum[a + 1] - cal.cum[a];
  const frac = w > 0 ? (target - cal.cum[a]) / w : 0;
  return Math.min(to - 1, Math.max(from, cal.start + Math.floor((a + Math.min(1, frac)) * MINUTE)));
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

let cachedDay = NaN;
let cachedPrefix = '';
let cachedSuffix = '';

function pad2(n: number): string {
  return n < 10 ? '0' + n : '' + n;
}

/** Twitter's v1.1 date format, `Wed May 03 19:12:45 +0000 2017`, cached per day for speed. */
export function twitterDate(ms: number): string {
  const day = Math.floor(ms / 86_400_000);
  if (day !== cachedDay) {
    const d = new Date(day * 86_400_000);
    cachedDay = day;
    cachedPrefix = `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${pad2(d.getUTCDate())} `;
    cachedSuffix = ` +0000 ${d.getUTCFullYear()}`;
  }
  const s = Math.floor((ms - day * 86_400_000) / 1000);
  return (
    cachedPrefix +
    pad2(Math.floor(s / 3600)) +
    ':' +
    pad2(Math.floor(s / 60) % 60) +
    ':' +
    pad2(s % 60) +
    cachedSuffix
  );
}
