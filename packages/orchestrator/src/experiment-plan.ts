import { join } from 'node:path';
import type { PriceTable } from '@lab/cost';
import type { Experiment, Target } from '@lab/experiment-store';
import { type PlanConfig, storedConfig, storedOutputs } from './common.js';
import type { OrchestratorDeps } from './deps.js';
import { type ExperimentPlan, planExperiment } from './plan.js';
import type { PlatformContext } from './platform.js';
import { platformFor } from './platforms.js';

/** Which experiment a plan is for: its id, where its files live, when it was created, where it runs. */
export interface PlanSubject {
  experimentId: string;
  /** The experiment's directory in the store (its Terraform files go under `terraform/`). */
  root: string;
  createdAtMs: number;
  target: Target;
}

export interface PlanExtras {
  /** The AMI once resolved (the manifest keeps it). */
  amiId?: string | undefined;
  /** Broker and client addresses once the cluster exists; placeholders otherwise. */
  hosts?: { brokers: readonly string[]; clients: readonly string[] } | undefined;
  costThresholdUsd?: number | undefined;
  prices?: PriceTable | undefined;
  /** Setup: the platform may look things up (the AMI). Without it no call is made. */
  live?: PlatformContext | undefined;
}

/**
 * The one way an experiment's plan is made — for a new experiment (a dry run, setup's estimate),
 * during setup, for each later phase, and for their dry runs: the platform's inputs, then
 * `planExperiment`. Returns the AMI the platform resolved too.
 */
export async function experimentPlan(
  deps: OrchestratorDeps,
  resolved: PlanConfig,
  subject: PlanSubject,
  extras: PlanExtras = {},
): Promise<{ plan: ExperimentPlan; amiId: string | undefined }> {
  const input = await platformFor(deps, subject.target).planInput({
    experimentId: subject.experimentId,
    experimentRoot: subject.root,
    config: resolved.config,
    live: extras.live,
  });
  const amiId = input.amiId ?? extras.amiId;
  const plan = planExperiment({
    resolved,
    experimentId: subject.experimentId,
    createdAtMs: subject.createdAtMs,
    terraform: {
      moduleDir: deps.terraform.moduleDir,
      workDir: join(subject.root, 'terraform'),
      binary: deps.terraform.binary,
    },
    hosts: extras.hosts,
    costThresholdUsd: extras.costThresholdUsd,
    prices: extras.prices,
    ...input,
    amiId,
  });
  return { plan, amiId };
}

/**
 * The plan of an existing experiment: its stored configuration (or `resolved`, e.g. another test
 * plan for `run --test-plan`), its creation time, its AMI, and the cluster's addresses when
 * given or — `storedHosts` — when its Terraform outputs are stored (a dry run of a later phase).
 */
export async function existingExperimentPlan(
  deps: OrchestratorDeps,
  experiment: Experiment,
  options: {
    resolved?: PlanConfig | undefined;
    hosts?: PlanExtras['hosts'];
    storedHosts?: boolean | undefined;
  } = {},
): Promise<ExperimentPlan> {
  const manifest = await experiment.readManifest();
  const resolved = options.resolved ?? (await storedConfig(experiment));
  let hosts = options.hosts;
  if (hosts === undefined && options.storedHosts === true && manifest.target === 'aws') {
    const outputs = await storedOutputs(experiment).catch(() => undefined);
    if (outputs !== undefined) {
      hosts = { brokers: outputs.roles.broker.privateIps, clients: outputs.roles.client.privateIps };
    }
  }
  const { plan } = await experimentPlan(
    deps,
    resolved,
    {
      experimentId: experiment.id,
      root: experiment.paths.root,
      createdAtMs: Date.parse(manifest.createdAt),
      target: manifest.target,
    },
    {
      amiId: typeof manifest.details.amiId === 'string' ? manifest.details.amiId : undefined,
      hosts,
    },
  );
  return plan;
}
