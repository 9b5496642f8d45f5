export {
  AMI_CACHE_SCHEMA_VERSION,
  type AmiCache,
  type AmiCacheEntry,
  type AmiCacheScope,
  DEFAULT_AMI_CACHE_TTL_MS,
  type JsonValue,
} from './ami-cache.js';
export { type AtomicData, writeFileAtomic } from './atomic.js';
export {
  AmbiguousExperimentError,
  ExperimentExistsError,
  ExperimentLockedError,
  ExperimentNotFoundError,
  type LockHolder,
  ManifestCorruptError,
  ManifestTooNewError,
} from './errors.js';
export {
  type EventSinkOptions,
  Experiment,
  type ExperimentPaths,
  experimentPaths,
  type LockRequest,
  type PhaseEnd,
} from './experiment.js';
export { inspectLock, type LockState } from './lock.js';
export {
  DEFAULT_PHASES,
  type ErrorRecord,
  type ExperimentStatus,
  MANIFEST_MIGRATIONS,
  MANIFEST_SCHEMA_VERSION,
  type Manifest,
  type ManifestMigration,
  OUTCOME_RESULTS,
  type Outcome,
  type OutcomeResult,
  PHASE_STATUSES,
  type PhaseRecord,
  type PhaseStatus,
  parseManifest,
  resourcesMayBeAlive,
  TARGETS,
  type Target,
} from './manifest.js';
export {
  AMI_CACHE_DIR,
  type CreateExperimentInput,
  compareIdsNewestFirst,
  defaultHome,
  type ExperimentRow,
  type ExperimentStore,
  type GcEntry,
  type GcOptions,
  type GcPlan,
  HOME_ENV,
  LATEST,
  type OpenOptions,
  openStore,
  RESERVED_NAMES,
  type StoreOptions,
} from './store.js';
