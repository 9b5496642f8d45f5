export { createAwsClients } from './aws-clients.js';
export type {
  CleanupByTags,
  CleanupByTagsRequest,
  CleanupByTagsResult,
  RemainingResource,
} from './cleanup-port.js';
export { type PlanConfig, storedConfig, storedOutputs } from './common.js';
export {
  type ExperimentConfigOptions,
  loadExperimentConfig,
  TARGET_PROFILES,
  withTestPlan,
} from './config.js';
export type {
  AwsClientsFactory,
  LifecycleStep,
  OrchestratorDeps,
  RegionClients,
  RemoteOps,
  TerraformSettings,
} from './deps.js';
export { type DryRunScope, dryRunFiles, writeDryRun } from './dry-run.js';
export {
  existingExperimentPlan,
  experimentPlan,
  type PlanExtras,
  type PlanSubject,
} from './experiment-plan.js';
export {
  experimentStatus,
  type FullResult,
  full,
  listExperiments,
  type StatusResult,
} from './full.js';
export {
  CASCADE_TIMEOUTS_MINUTES,
  type ExperimentPlan,
  formatCost,
  type LocalImagePlan,
  type LocalPlanInput,
  type PlanExperimentOptions,
  planExperiment,
} from './plan.js';
export type { ClusterAccess, DestroyOutcome, Platform, PlatformContext } from './platform.js';
export { LOCAL_NODES_DIR, type LocalTargetSettings } from './platform-local.js';
export { platformFor } from './platforms.js';
export {
  type PollState,
  parsePollOutput,
  type RemoteRun,
  remoteRun,
} from './remote.js';
export {
  compareReport,
  type ReportOptions,
  type ReportResult,
  report,
  reportExperiment,
  reportFromResults,
} from './report.js';
export {
  type RunOptions,
  type RunPhaseResult,
  type RunRecord,
  RunsFailedError,
  run,
  runExperiment,
} from './run.js';
export {
  createExperimentFor,
  prepareSetup,
  type SetupOptions,
  type SetupResult,
  setup,
  setupExperiment,
} from './setup.js';
export { type ShippedPlan, shippedPlans } from './shipped-plans.js';
export { type TagCleanupOptions, tagCleanup } from './tag-cleanup.js';
export {
  TeardownIncompleteError,
  type TeardownOutcome,
  teardown,
  teardownExperiment,
} from './teardown.js';
export {
  createTerraform,
  type Terraform,
  TerraformError,
  type TerraformOptions,
} from './terraform.js';
export { terraformVariablesFor, type VariablesInput } from './variables.js';
