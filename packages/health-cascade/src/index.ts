export { type CascadeOptions, EVENT_SOURCE, FAST_SCHEDULE, runCascade } from './cascade.js';
export { CascadeStageError, type CascadeStageErrorState, type StageFailureReason } from './errors.js';
export {
  type ParsedProbeOutput,
  type ProbeCheck,
  type ProbeReport,
  parseProbeOutput,
} from './probe-output.js';
export {
  bindRunCommand,
  type CommandResult,
  DEFAULT_PROBE_PATH,
  endpointsHealthyStage,
  isTransientRunnerError,
  PROBE_COMMAND_POLL,
  PROBE_SCHEDULE,
  type ProbeStageOptions,
  type ProbeTarget,
  probeScript,
  type RunCommand,
  type RunCommandRequest,
  servicesActiveStage,
} from './probe-stages.js';
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
