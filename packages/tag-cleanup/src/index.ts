export {
  assertComplete,
  CleanupIncompleteError,
  type CleanupOptions,
  type CleanupProvider,
  type CleanupResult,
  cleanup,
  DEFAULT_TIMEOUT_MS,
  type DiscoverRequest,
  describeSelector,
} from './cleanup.js';
export {
  type DeleteContext,
  type DeleteOutcome,
  type Deleter,
  type ExecuteOptions,
  type ExecutionResult,
  executePlan,
  type RemainingResource,
  SOURCE,
} from './execute.js';
export type { KeepReason, KeptResource } from './keep.js';
export {
  type DiscoveryProblem,
  type DiscoveryResult,
  GLOBAL_REGION,
  LINEAR_ORDER,
  RESOURCE_TYPES,
  type Resource,
  type ResourceType,
  resourceKey,
  TYPE_DEPENDENCIES,
} from './model.js';
export { buildPlan, type Plan, type PlanOptions, type PlanRow, type PlanStep, planRows } from './plan.js';
export {
  assertSelector,
  decideSweep,
  matchesSelector,
  type Selector,
  type SweepDecision,
  type SweepOptions,
  selectorTagFilters,
} from './select.js';
