/**
 * Extra edge layers for the combined graph (synchronised activity, ...), registered here
 * exactly as a plugin would: one line each. Each returns all the pairs it tested, with
 * p-values; the coordination detector applies the false-discovery control and combines them.
 */
import type { EdgeProvider } from './types.js';
import { syncProvider } from '../sync/index.js';

export const EDGE_PROVIDERS: EdgeProvider[] = [syncProvider];
