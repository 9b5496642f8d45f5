import type { EC2Client } from '@aws-sdk/client-ec2';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { BackoffSchedule } from '@lab/backoff';
import type { InstanceTarget } from './aws/common.js';
import { instancesRunningStage } from './aws/instances.js';
import { ssmOnlineStage } from './aws/ssm-online.js';
import { endpointsHealthyStage, type RunCommand, servicesActiveStage } from './probe-stages.js';
import type { Stage } from './types.js';

export { type AwsStageOptions, type InstanceTarget, isTransientStageError } from './aws/common.js';
export {
  type DiscoverInstancesOptions,
  discoverInstanceTargets,
  type InstancesRunningOptions,
  instancesRunningStage,
  TERMINAL_INSTANCE_STATES,
} from './aws/instances.js';
export { type SsmOnlineOptions, ssmOnlineStage } from './aws/ssm-online.js';

/** Per-stage timeouts of the lab's cascade, in milliseconds. */
export interface LabStageTimeouts {
  instancesRunning?: number;
  ssmOnline?: number;
  servicesActive?: number;
  endpointsHealthy?: number;
}

export interface LabHealthStagesOptions {
  ec2: EC2Client;
  ssm: SSMClient;
  runCommand: RunCommand;
  /** The cluster's instances; the number with role `zookeeper` becomes the expected ensemble size. */
  targets: readonly InstanceTarget[];
  timeouts?: LabStageTimeouts;
  schedule?: BackoffSchedule;
}

/**
 * The lab's four stages (pattern 7): instances running → SSM agent online → systemd services
 * active → service endpoints healthy. Pass them to `runCascade` with the same targets.
 */
export function labHealthStages(options: LabHealthStagesOptions): Stage<InstanceTarget>[] {
  const timeouts = options.timeouts ?? {};
  const zookeepers = options.targets.filter((target) => target.role === 'zookeeper').length;
  const schedule = options.schedule === undefined ? {} : { schedule: options.schedule };
  const probe = {
    runCommand: options.runCommand,
    ...(zookeepers === 0 ? {} : { zookeeperEnsembleSize: zookeepers }),
    ...schedule,
  };
  return [
    instancesRunningStage({
      ec2: options.ec2,
      timeoutMs: timeouts.instancesRunning ?? 10 * 60_000,
      ...schedule,
    }),
    ssmOnlineStage({ ssm: options.ssm, timeoutMs: timeouts.ssmOnline ?? 10 * 60_000, ...schedule }),
    servicesActiveStage({ ...probe, timeoutMs: timeouts.servicesActive ?? 10 * 60_000 }),
    endpointsHealthyStage({ ...probe, timeoutMs: timeouts.endpointsHealthy ?? 15 * 60_000 }),
  ];
}
