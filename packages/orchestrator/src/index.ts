export { createAwsClients } from './aws-clients.js';
export {
  type CleanupByTags,
  type CleanupByTagsRequest,
  type CleanupByTagsResult,
  labCleanupCommand,
  type RemainingResource,
} from './cleanup-port.js';
export { EXPERIMENT_FILES, type PlanConfig, storedConfig, storedOutputs } from './common.js';
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
export { type DryRunScope, dryRunFiles, formatPlan, writeDryRun } from './dry-run.js';
export {
  experimentStatus,
  type FullResult,
  full,
  listExperiments,
  type StatusResult,
} from './full.js';
export {
  CASCADE_TIMEOUTS_MINUTES,
  type CascadeStagePlan,
  DEFAULT_COST_THRESHOLD_USD,
  type ExperimentPlan,
  fleetOf,
  formatCost,
  hourlyCost,
  type LocalImagePlan,
  type LocalPlanInput,
  PLACEHOLDER_HOSTS,
  type PlanExperimentOptions,
  type PlannedRemoteRun,
  planExperiment,
  type RepeatedRun,
  repeatRuns,
} from './plan.js';
export type { ClusterAccess, DestroyOutcome, Platform, PlatformContext } from './platform.js';
export { LOCAL_NODES_DIR, type LocalTargetSettings } from './platform-local.js';
export { platformFor } from './platforms.js';
export {
  OMB_HOME,
  type PollState,
  parsePollOutput,
  REMOTE_ROOT,
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
  RUN_POLL_MS,
  type RunOptions,
  type RunPhaseResult,
  type RunRecord,
  type RunStatus,
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
  type TerraformPaths,
  terraformPaths,
} from './terraform.js';
export { isPlanName, shippedPlanNames } from './test-plan-names.js';
export { AMI_PLACEHOLDER, terraformVariablesFor, type VariablesInput } from './variables.js';
