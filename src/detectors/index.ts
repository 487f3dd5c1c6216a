/**
 * The detector registry: `vigie analyze` and `vigie detect` run these in order.
 * Built-in detectors register here exactly as a plugin would.
 */
import type { Detector } from './types.js';
import { coordinationDetector } from './coordination/index.js';
import { nearDupDetector } from './near-dup/index.js';
import { attackTriageDetector } from '../attacks/detector.js';
import { crossChannelDetector } from './cross-channel/index.js';
import { stateMediaDetector } from '../registry/detector.js';
import { newsLookalikeDetector } from '../registry/lookalike-detector.js';
import { narrativesDetector } from '../narratives/detector.js';
import { accountSignalsDetector } from '../signals/detector.js';

// near-dup first: it writes the near-duplicate groups the coordination detector's co-text layer reads.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- detectors have different option types
export const DETECTORS: Detector<any>[] = [
  nearDupDetector,
  coordinationDetector,
  attackTriageDetector,
  narrativesDetector, // after coordination: names the clusters that carry each narrative
  stateMediaDetector, // after coordination: reads its clusters
  newsLookalikeDetector, // after coordination and narratives: links clones to both
  accountSignalsDetector, // after coordination: creation bursts inside clusters
  crossChannelDetector, // last: links the other detectors' findings
];
