/** The key of the daily count an event adds to: UTC day, family, kind, source country. */
import type { LogEvent } from '../logs/event.js';
import type { Enricher } from './enrich.js';

const DAY = 86_400_000;

/** `YYYY-MM-DD\0family\0kind\0country` (day 1970-01-01 for lines without a time). */
export function dailyKey(e: LogEvent, enricher: Enricher | null): string {
  const day = Number.isNaN(e.time)
    ? '1970-01-01'
    : new Date(e.time - (((e.time % DAY) + DAY) % DAY)).toISOString().slice(0, 10);
  const country = e.ip && enricher ? enricher.info(e.ip).country : '';
  return `${day}\u0000${e.family}\u0000${e.kind}\u0000${country}`;
}
