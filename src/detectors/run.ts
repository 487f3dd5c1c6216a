/**
 * Running detectors over a workspace: each in turn, its old findings replaced by fresh
 * ones, every finding validated before it is stored.
 */
import { randomUUID } from 'node:crypto';
import type { Store } from '../store/store.js';
import { validateFinding } from '../findings/finding.js';
import { VigieError, isVigieError } from '../util/errors.js';
import { VIGIE_VERSION } from '../version.js';
import { DETECTORS } from './index.js';
import type { DetectResult, Detector } from './types.js';

export interface RunDetectorsOptions {
  /** Detector names to run (default: all). */
  only?: string[];
  seed?: number;
  /** Per-detector option overrides, keyed by detector name. */
  options?: Record<string, Record<string, unknown>>;
  log?: (m: string) => void;
  command?: string;
}

export interface DetectorRun {
  detector: string;
  version: string;
  result: DetectResult;
  seconds: number;
}

/** A detector left out because the workspace's backend lacks what it needs. */
export interface SkippedDetector {
  detector: string;
  reason: string;
}

export function selectDetectors(only?: string[]): Detector[] {
  if (!only || only.length === 0) return DETECTORS;
  const unknown = only.filter((n) => !DETECTORS.some((d) => d.name === n));
  if (unknown.length)
    throw new VigieError(
      'ERR_USAGE',
      `unknown detector ${unknown.join(', ')}; available: ${DETECTORS.map((d) => d.name).join(', ') || '(none)'}`,
    );
  return DETECTORS.filter((d) => only.includes(d.name));
}

export async function runDetectors(
  store: Store,
  o: RunDetectorsOptions = {},
): Promise<{ runId: string; runs: DetectorRun[]; skipped: SkippedDetector[] }> {
  const runId = randomUUID();
  const seed = o.seed ?? 1;
  const log = o.log ?? (() => undefined);
  const detectors = selectDetectors(o.only);
  await store.beginRun(
    runId,
    o.command ?? 'detect',
    { seed, only: o.only ?? null, options: o.options ?? {} },
    VIGIE_VERSION,
  );
  const runs: DetectorRun[] = [];
  const skipped: SkippedDetector[] = [];
  const named = (o.only?.length ?? 0) > 0;
  for (const d of detectors) {
    const t0 = performance.now();
    log(`running ${d.name} ${d.version}...`);
    let result: DetectResult;
    try {
      result = await d.detect({ store, runId, seed, log }, o.options?.[d.name] ?? {});
    } catch (e) {
      // A scale-out workspace (ClickHouse) holds the channels it implements; running "every
      // detector" there should run those and say which were left out, not stop at the first
      // missing sub-store after the expensive ones already ran. A detector the user named
      // still fails loudly.
      if (named || !isVigieError(e, 'ERR_UNSUPPORTED_BACKEND')) throw e;
      log(`skipped ${d.name}: ${e.message}`);
      skipped.push({ detector: d.name, reason: e.message });
      continue;
    }
    for (const f of result.findings) {
      const errs = validateFinding(f);
      if (errs.length)
        throw new VigieError(
          'ERR_STORE',
          `detector ${d.name} produced an invalid finding ${f.id}: ${errs.join('; ')}`,
        );
    }
    await store.clearFindings(d.name);
    await store.saveFindings(result.findings, runId);
    runs.push({ detector: d.name, version: d.version, result, seconds: (performance.now() - t0) / 1000 });
  }
  await store.finishRun(runId);
  return { runId, runs, skipped };
}
