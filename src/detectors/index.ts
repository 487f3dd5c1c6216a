/**
 * The detector registry: `vigie analyze` and `vigie detect` run these in order.
 * Built-in detectors register here exactly as a plugin would.
 */
import type { Detector } from './types.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const DETECTORS: Detector<any>[] = [];
