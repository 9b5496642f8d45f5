export { awsErrorCode, awsHttpStatus } from './error-shape.js';
export {
  AbortedError,
  errorMessage,
  formatIssue,
  isLabError,
  LabError,
  type LabErrorOptions,
  ValidationError,
  type ValidationIssue,
  withContext,
} from './errors.js';
export {
  collectEvents,
  createEmitter,
  type Emitter,
  type EmitterOptions,
  type EventSink,
  fanOut,
  formatEventJson,
  formatEventLine,
  type LabEvent,
  type LabEventLevel,
  nullSink,
} from './events.js';
export {
  assertExperimentId,
  formatExperimentId,
  isExperimentId,
  type ParsedExperimentId,
  parseExperimentId,
  RESERVED_EXPERIMENT_NAMES,
} from './experiment-id.js';
export { lazy } from './lazy.js';
export { withChildSignal } from './signals.js';
export {
  assertValidTags,
  belongsToExperiment,
  COMPONENTS,
  type Component,
  DEFAULT_MANAGED_BY,
  fromAwsTags,
  isComponent,
  type LabTagOptions,
  LIFECYCLE_TAG_KEYS,
  labTags,
  PROJECT,
  TAG_KEYS,
  TAG_LIMITS,
  type Tag,
  type TagMap,
  tagIssues,
  toAwsTags,
} from './tags.js';
export {
  abortReason,
  type Clock,
  createVirtualTime,
  realSleep,
  type Sleep,
  systemClock,
  type VirtualTime,
} from './time.js';
