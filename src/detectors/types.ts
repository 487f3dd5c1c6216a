/**
 * The detector contract. Every detector (coordination, narratives, leaks, attacks...) has:
 * typed options with documented `DEFAULTS`, deterministic output for the same input and
 * seed, and findings whose evidence points back to stored rows.
 *
 * @see HOUSE_STYLE.md, datasette facets: one base contract for every detector.
 */
import type { Finding } from '../findings/finding.js';
import type { Store } from '../store/store.js';

export interface DetectorContext {
  store: Store;
  /** Id of the current run (findings carry it). */
  runId: string;
  /** Seed for any randomness; the same seed gives the same findings. */
  seed: number;
  /** Progress and notes for the user (stderr); never findings. */
  log: (message: string) => void;
}

export interface DetectResult {
  findings: Finding[];
  /** Messages for the user: edge cases met, caps applied, nothing to do... */
  messages: string[];
  /** Numbers worth printing in the summary (pairs tested, edges kept...). */
  stats: Record<string, number>;
}

export interface Detector<O extends object = Record<string, unknown>> {
  readonly name: string;
  readonly version: string;
  readonly channel: Finding['channel'];
  /** One line for `vigie detect --list`. */
  readonly description: string;
  readonly defaults: O;
  /** Run on the workspace. Must handle an empty workspace with a message, not an error. */
  detect(ctx: DetectorContext, options?: Partial<O>): Promise<DetectResult>;
}
