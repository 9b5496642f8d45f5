export { type CascadeOptions, EVENT_SOURCE, FAST_SCHEDULE, runCascade } from './cascade.js';
export { CascadeStageError, type CascadeStageErrorState, type StageFailureReason } from './errors.js';
export type {
  CascadeReport,
  NotReadyTarget,
  Observation,
  Observations,
  ObserveContext,
  Stage,
  StageReport,
  Target,
} from './types.js';
