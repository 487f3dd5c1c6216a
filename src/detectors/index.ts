/**
 * The detector registry: `vigie analyze` and `vigie detect` run these in order.
 * Built-in detectors register here exactly as a plugin would.
 */
import type { Detector } from './types.js';
import { coordinationDetector } from './coordination/index.js';
import { nearDupDetector } from './near-dup/index.js';
import { attackTriageDetector } from '../attacks/detector.js';
import { accountSignalsDetector } from '../signals/detector.js';

// near-dup first: it writes the near-duplicate groups the coordination detector's co-text layer reads.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- detectors have different option types
export const DETECTORS: Detector<any>[] = [nearDupDetector, coordinationDetector, attackTriageDetector, accountSignalsDetector];
