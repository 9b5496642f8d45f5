import type { LabConfig, TestPlan } from '@lab/config';
import { PROJECT, TAG_KEYS } from '@lab/core';
import {
  type CostEstimate,
  estimateCost,
  type FleetGroup,
  formatUsd,
  needsConfirmation,
  type PriceTable,
} from '@lab/cost';
import type { Target } from '@lab/experiment-store';
import { burstableWarning } from '@lab/host-metrics';
import { OMB_WORKERS_PATH, type TerraformVariables } from '@lab/infra';
import type { LocalClusterLayout } from '@lab/local-cluster';
import { expandTestPlan, ombWorkloadYaml, type PlannedRun, pulsarDriverYaml } from '@lab/omb';
import { labCleanupCommand } from './cleanup-port.js';
import type { PlanConfig } from './common.js';
import { type LocalCleanupPlan, localCascade, localCleanup, localCost } from './local-plan.js';
import { jvmOptions, OMB_HOME, ombTenantScript, REMOTE_ROOT, type RemoteRun, remoteRun } from './remote.js';
import { createTerraform } from './terraform.js';
import { AMI_PLACEHOLDER, terraformVariablesFor } from './variables.js';

/** Per-stage timeouts of the health cascade (minutes); setup passes the same to the cascade. */
export const CASCADE_TIMEOUTS_MINUTES = {
  instancesRunning: 10,
  ssmOnline: 10,
  servicesActive: 10,
  endpointsHealthy: 15,
} as const;

/** Minutes the cost estimate adds around the runs: apply + cascade, and destroy. */
export const SETUP_MINUTES = 20;
export const TEARDOWN_MINUTES = 10;
/** Per run: uploads, start, result transfer. */
export const RUN_OVERHEAD_MINUTES = 1;
/** Setup asks before spending more than this (US$) unless `--yes`. */
export const DEFAULT_COST_THRESHOLD_USD = 5;
/** Without a test plan, the estimate assumes the cluster lives this long. */
const DEFAULT_CLUSTER_HOURS = 1;

/** Host names standing in for the brokers and clients in a dry run (`.invalid` never resolves). */
export const PLACEHOLDER_HOSTS = {
  broker: (index: number) => `broker-${index + 1}.lab.invalid`,
  client: (index: number) => `client-${index + 1}.lab.invalid`,
};

export interface PlanExperimentOptions {
  resolved: PlanConfig;
  experimentId: string;
  /** Creation time (ms) for `created_at`. */
  createdAtMs: number;
  /** The AMI when known (setup after resolving it); otherwise the plan describes the lookup. */
  amiId?: string | undefined;
  /** Broker and client private IPs (after apply); placeholders otherwise. */
  hosts?: { brokers: readonly string[]; clients: readonly string[] } | undefined;
  terraform: { moduleDir: string; workDir: string; binary?: string | undefined };
  costThresholdUsd?: number | undefined;
  /** Prices for the estimate; default the table shipped with `@lab/cost`. */
  prices?: PriceTable | undefined;
  /** A rehearsal on this machine (`--target local`): where its nodes live and what they run. */
  local?: LocalPlanInput | undefined;
}

/** What a local experiment's plan needs beyond the configuration. */
export interface LocalPlanInput {
  layout: LocalClusterLayout;
  image: LocalImagePlan;
}

/** The software of a local cluster, installed by the AMI's own scripts into the store's cache. */
export interface LocalImagePlan {
  pulsarVersion: string;
  ombCommit: string;
  /** `--pulsar-tarball`; absent: downloaded by install-pulsar.sh. */
  pulsarTarball?: string | undefined;
  /** `--omb-source`; absent: OMB's git repository. */
  ombSource?: string | undefined;
  cacheDir: string;
}

/**
 * One repetition of a planned run. `id` names the repetition (`<baseId>.rep-<k>` when the run
 * repeats, else `baseId` itself), `index` is its position in the interleaved execution order and
 * a ramp's `group` is per repetition, so a plateau in one repetition does not cut the next.
 */
export interface RepeatedRun extends PlannedRun {
  /** 1-based. */
  repetition: number;
  /** How many times this run is measured (the run's `repeat`, else the plan's). */
  repetitions: number;
  /** The id every repetition of this run shares: what a report groups repetitions by. */
  baseId: string;
}

export interface PlannedRemoteRun {
  run: RepeatedRun;
  remote: RemoteRun;
  /** Relative path of the workload file in the plan's files (shared by a run's repetitions). */
  workloadPath: string;
}

export interface CascadeStagePlan {
  name: string;
  timeoutMinutes: number;
  checks: string;
}

/** Everything an experiment will do, computed without any AWS call. */
export interface ExperimentPlan {
  experimentId: string;
  /** Where the cluster lives. */
  target: Target;
  /** A local experiment's nodes and image. */
  local?: {
    image: LocalImagePlan;
    nodes: LocalClusterLayout['hosts'];
    ombWorkers: LocalClusterLayout['ombWorkers'];
  };
  name: string;
  region: string;
  config: LabConfig;
  configDigest: string;
  /** The provenance table (`config --explain`). */
  explain: string;
  terraform: { variables: TerraformVariables; commands: string[]; workDir: string; moduleDir: string };
  ami:
    | { source: 'config'; amiId: string }
    | { source: 'resolved'; amiId: string; pulsarVersion: string }
    | {
        source: 'lookup';
        pulsarVersion: string;
        filter: { owners: string[]; name: string; tags: Record<string, string>; state: string };
        hint: string;
      };
  cascade: CascadeStagePlan[];
  /** Placeholders unless the plan was made after apply. */
  hosts: { brokers: string[]; clients: string[]; placeholders: boolean };
  distributed: boolean;
  runs: PlannedRemoteRun[];
  /** Run once on the driving client before the first run: creates OMB's Pulsar tenant. */
  ombTenantScript: string;
  /** Generated files by relative path: the driver and one workload per run. */
  files: Record<string, string>;
  /** AWS: destroy, then tag-based cleanup; local: stop every process of the experiment. */
  cleanup:
    | { terraformDestroy: string; tagFilters: Record<string, string>; labCleanup: string }
    | LocalCleanupPlan;
  cost: {
    estimate: CostEstimate;
    durationHours: number;
    thresholdUsd: number;
    needsConfirmation: boolean;
  };
  expectedMinutes: number;
}

/**
 * Plans an experiment: validates the Terraform variables, expands the test plan, generates the
 * OMB driver and workload files and the remote commands, describes the cascade and the cleanup,
 * and estimates the cost. No AWS call: this is the dry run, and `setup` starts with it so that
 * bad input fails before anything is created.
 */
export function planExperiment(options: PlanExperimentOptions): ExperimentPlan {
  const { config } = options.resolved;
  const infra = config.infrastructure;
  const variables = terraformVariablesFor({
    experimentId: options.experimentId,
    amiId: options.amiId ?? AMI_PLACEHOLDER,
    createdAtMs: options.createdAtMs,
    infrastructure: infra,
    cluster: config.cluster,
  });
  const terraform = createTerraform({
    moduleDir: options.terraform.moduleDir,
    workDir: options.terraform.workDir,
    ...(options.terraform.binary === undefined ? {} : { binary: options.terraform.binary }),
  });

  const local = options.local;
  const localAddresses = (role: 'broker' | 'client') =>
    local?.layout.hosts.filter((host) => host.role === role).map((host) => host.address);
  const placeholders = options.hosts === undefined && local === undefined;
  const brokers =
    options.hosts?.brokers ??
    localAddresses('broker') ??
    range(infra.roles.broker.count).map(PLACEHOLDER_HOSTS.broker);
  const clients =
    options.hosts?.clients ??
    localAddresses('client') ??
    range(infra.roles.client.count).map(PLACEHOLDER_HOSTS.client);
  const distributed = clients.length >= 2;
  // On the local target a node's files are under its root; on an instance under /.
  const driverRoot = local?.layout.hosts.find((host) => host.role === 'client')?.root ?? '';

  const files: Record<string, string> = {};
  const runs: PlannedRemoteRun[] = [];
  const plan = config.testPlan;
  if (plan !== undefined) {
    files['omb/driver.yaml'] = pulsarDriverYaml({ brokers, cluster: config.cluster, driver: plan.driver });
    for (const run of repeatRuns(plan, expandTestPlan(plan))) {
      const workloadPath = `omb/workloads/${run.baseId}.yaml`;
      files[workloadPath] = ombWorkloadYaml(run.workload);
      runs.push({
        run,
        workloadPath,
        remote: remoteRun({
          experimentId: options.experimentId,
          runId: run.id,
          distributed,
          root: `${driverRoot}${REMOTE_ROOT}`,
          ombHome: `${driverRoot}${OMB_HOME}`,
          workersFile: `${driverRoot}${OMB_WORKERS_PATH}`,
          heapOptions: jvmOptions(config.cluster.client),
        }),
      });
    }
  }

  const runMinutes = runs.reduce(
    (sum, entry) => sum + entry.run.expectedDurationMinutes + RUN_OVERHEAD_MINUTES,
    0,
  );
  const durationHours =
    plan === undefined ? DEFAULT_CLUSTER_HOURS : (SETUP_MINUTES + runMinutes + TEARDOWN_MINUTES) / 60;
  const priced =
    local === undefined
      ? estimateCost({
          region: infra.region,
          fleet: fleetOf(config),
          durationHours,
          network: { publicIps: infra.network.publicIps, availabilityZones: infra.network.availabilityZones },
          ...(options.prices === undefined ? {} : { prices: options.prices }),
        })
      : localCost(durationHours);
  // Said before the run, with the cost: burstable instances change speed as their credits go.
  const burstable =
    local === undefined
      ? burstableWarning(Object.values(infra.roles).map((role) => role.instanceType))
      : undefined;
  const estimate = burstable === undefined ? priced : { ...priced, notes: [...priced.notes, burstable] };
  const thresholdUsd = options.costThresholdUsd ?? DEFAULT_COST_THRESHOLD_USD;

  const ami: ExperimentPlan['ami'] =
    infra.amiId !== undefined
      ? { source: 'config', amiId: infra.amiId }
      : options.amiId !== undefined
        ? { source: 'resolved', amiId: options.amiId, pulsarVersion: infra.pulsarVersion }
        : {
            source: 'lookup',
            pulsarVersion: infra.pulsarVersion,
            filter: {
              owners: ['self'],
              name: 'pulsar-base-*',
              tags: { PulsarVersion: infra.pulsarVersion },
              state: 'available',
            },
            hint: `the newest available image; build one with \`lab-ami build --pulsar-version ${infra.pulsarVersion} --region ${infra.region}\``,
          };

  return {
    experimentId: options.experimentId,
    target: local === undefined ? 'aws' : 'local',
    ...(local === undefined
      ? {}
      : { local: { image: local.image, nodes: local.layout.hosts, ombWorkers: local.layout.ombWorkers } }),
    name: infra.name,
    region: local === undefined ? infra.region : 'this machine',
    config,
    configDigest: options.resolved.digest,
    explain: options.resolved.explain(),
    terraform: {
      variables,
      commands: terraform.describe().filter((line) => !line.includes(' destroy ')),
      workDir: options.terraform.workDir,
      moduleDir: options.terraform.moduleDir,
    },
    ami,
    cascade:
      local !== undefined
        ? localCascade(infra.roles.zookeeper.count)
        : [
            {
              name: 'instances running',
              timeoutMinutes: CASCADE_TIMEOUTS_MINUTES.instancesRunning,
              checks: 'EC2 DescribeInstances: every instance running',
            },
            {
              name: 'SSM agent online',
              timeoutMinutes: CASCADE_TIMEOUTS_MINUTES.ssmOnline,
              checks: 'SSM DescribeInstanceInformation: PingStatus Online',
            },
            {
              name: 'services active',
              timeoutMinutes: CASCADE_TIMEOUTS_MINUTES.servicesActive,
              checks: '/opt/lab/bin/lab-health-probe --check services (one SSM command for all instances)',
            },
            {
              name: 'endpoints healthy',
              timeoutMinutes: CASCADE_TIMEOUTS_MINUTES.endpointsHealthy,
              checks: `/opt/lab/bin/lab-health-probe --check endpoints --zk-ensemble-size ${infra.roles.zookeeper.count}`,
            },
          ],
    hosts: { brokers: [...brokers], clients: [...clients], placeholders },
    distributed,
    runs,
    ombTenantScript: ombTenantScript({
      webServiceUrl: `http://${brokers[0] ?? PLACEHOLDER_HOSTS.broker(0)}:8080`,
      tenant: (plan?.driver.namespacePrefix ?? 'benchmark/ns').split('/')[0] ?? 'benchmark',
      cluster: config.cluster.clusterName,
    }),
    files,
    cleanup:
      local !== undefined
        ? localCleanup(options.experimentId)
        : {
            terraformDestroy: terraform.describe().find((line) => line.includes(' destroy ')) ?? '',
            tagFilters: { [TAG_KEYS.project]: PROJECT, [TAG_KEYS.experimentId]: options.experimentId },
            labCleanup: labCleanupCommand(options.experimentId, [infra.region]),
          },
    cost: {
      estimate,
      durationHours,
      thresholdUsd,
      needsConfirmation: needsConfirmation(estimate, thresholdUsd),
    },
    expectedMinutes: runMinutes,
  };
}

/**
 * The execution order of a plan's runs with their repetitions, interleaved round by round: with
 * runs a and b repeated 3 times, a#1 b#1 a#2 b#2 a#3 b#3, so drift over the cluster's life (warm
 * caches, compaction, a noisy neighbour) does not favour one run. A run repeated fewer times than
 * the others leaves the later rounds early. Ids are unchanged for a run measured once.
 */
export function repeatRuns(
  plan: Pick<TestPlan, 'repeat' | 'runs'>,
  runs: readonly PlannedRun[],
): RepeatedRun[] {
  const repetitionsOf = (run: PlannedRun) => plan.runs[run.planRunIndex]?.repeat ?? plan.repeat ?? 1;
  const rounds = Math.max(0, ...runs.map(repetitionsOf));
  const ordered: RepeatedRun[] = [];
  for (let repetition = 1; repetition <= rounds; repetition++) {
    for (const run of runs) {
      const repetitions = repetitionsOf(run);
      if (repetition > repetitions) continue;
      const suffix = repetitions > 1 ? `.rep-${repetition}` : '';
      ordered.push({
        ...run,
        index: ordered.length,
        id: `${run.id}${suffix}`,
        ...(run.ramp === undefined ? {} : { ramp: { ...run.ramp, group: `${run.ramp.group}${suffix}` } }),
        repetition,
        repetitions,
        baseId: run.id,
      });
    }
  }
  return ordered;
}

/** The fleet of a configuration, as `@lab/cost` prices it. */
export function fleetOf(config: LabConfig): FleetGroup[] {
  const { roles, spot } = config.infrastructure;
  const volume = (spec: { sizeGb: number; iops: number; throughputMBps: number }) => ({
    sizeGb: spec.sizeGb,
    iops: spec.iops,
    throughputMBps: spec.throughputMBps,
  });
  return [
    { name: 'zookeeper', ...roles.zookeeper, spot },
    {
      name: 'bookkeeper',
      count: roles.bookkeeper.count,
      instanceType: roles.bookkeeper.instanceType,
      rootVolumeGb: roles.bookkeeper.rootVolumeGb,
      volumes: [volume(roles.bookkeeper.journal), volume(roles.bookkeeper.ledgers)],
      spot,
    },
    { name: 'broker', ...roles.broker, spot },
    { name: 'client', ...roles.client, spot },
  ];
}

/** US$ per hour of the whole fleet, from an estimate. */
export function hourlyCost(plan: Pick<ExperimentPlan, 'cost'>): number {
  return plan.cost.durationHours > 0 ? plan.cost.estimate.total / plan.cost.durationHours : 0;
}

export function formatCost(plan: Pick<ExperimentPlan, 'cost'>): string {
  const { estimate, durationHours, thresholdUsd } = plan.cost;
  const lines = [
    `Estimated ${formatUsd(estimate.total)} for ${Number(durationHours.toFixed(2))} h in ${estimate.region} (on-demand prices as of ${estimate.priceTableDate}; ${formatUsd(hourlyCost(plan))}/h)`,
    ...estimate.lines.map(
      (line) =>
        `  ${line.group.padEnd(11)} ${line.item.padEnd(10)} ${formatUsd(line.cost, 4).padStart(10)}  ${line.description}`,
    ),
    ...estimate.notes.map((note) => `  note: ${note}`),
    plan.cost.needsConfirmation
      ? `  setup asks for confirmation: above the ${formatUsd(thresholdUsd)} threshold${estimate.complete ? '' : ' or incomplete'} (--yes skips the question)`
      : `  below the ${formatUsd(thresholdUsd)} confirmation threshold`,
  ];
  return `${lines.join('\n')}\n`;
}

function range(count: number): number[] {
  return Array.from({ length: count }, (_, index) => index);
}
