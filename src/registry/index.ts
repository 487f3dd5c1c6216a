/**
 * State-media and known-operation registry, and news look-alikes: the API other channels
 * (narratives, the demo) use. See docs/registry.md.
 */
export {
  loadRegistry,
  matchDomain,
  cachedMatcher,
  buildRegistry,
  parseRegistryFile,
  registryErrors,
  REGISTRY_COLUMNS,
  REGISTRY_KINDS,
  DEFAULT_REGISTRY_FILE,
  type Registry,
  type RegistryEntry,
  type RegistryMatch,
  type RegistryKind,
  type LoadRegistryOptions,
  type LoadedRegistry,
  type FileLoad,
  type RowError,
} from './registry.js';
export { normaliseHost, hostChain } from './hosts.js';
export { loadReferenceRegistries, resolveReferenceDir, SITES_OF_CONCERN_STATE_SOURCES } from './reference.js';
export {
  loadProtectedOutlets,
  checkNewsLookalike,
  findNewsLookalikes,
  type ProtectedOutlet,
  type ProtectedOutlets,
  type LoadProtectedOptions,
} from './protected.js';
export { stateMediaDetector, STATE_MEDIA_DEFAULTS, matchWorkspaceHosts } from './detector.js';
export {
  newsLookalikeDetector,
  NEWS_LOOKALIKE_DEFAULTS,
  NEWS_LOOKALIKE_TECHNIQUES,
} from './lookalike-detector.js';
