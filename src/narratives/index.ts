/**
 * Narratives channel: user-defined narratives (YAML) matched across languages, discovery of
 * candidate narratives from near-duplicate groups, per-narrative reports and the
 * `narratives` detector. See docs/narratives.md.
 */
export { guardRegex, loadNarrativeFile, parseNarratives, REGEX_LIMITS } from './definition.js';
export type { NarrativeDefinition, NarrativeExample, NarrativeFile } from './definition.js';
export {
  NarrativeMatcher,
  normaliseNarrativeText,
  narrativeWords,
  foldPattern,
  MAX_MATCH_CHARS,
} from './matcher.js';
export type { NarrativeHit, ExampleFailure } from './matcher.js';
export { matchWorkspace, matchPostChunks, toStored, fromStored, MATCH_DEFAULTS } from './match.js';
export type { MatchRunStats, MatchOptions } from './match.js';
export { ParallelNarrativeMatcher, defaultStreamWorkers, defaultWorkers } from './parallel.js';
export { narrativeReport, coordinationClusters, REPORT_DEFAULTS } from './report.js';
export type { NarrativeReport, CarryingCluster } from './report.js';
export { discoverNarratives, candidatesYaml, DISCOVER_DEFAULTS } from './discover.js';
export type { NarrativeCandidate, DiscoverOptions } from './discover.js';
export {
  narrativesDetector,
  narrativeFinding,
  NARRATIVES_DETECTOR_DEFAULTS,
  NARRATIVE_TECHNIQUES,
  NARRATIVE_CAVEATS,
} from './detector.js';
