import {
  AbortedError,
  createEmitter,
  type Emitter,
  errorMessage,
  formatExperimentId,
  LabError,
  withContext,
} from '@lab/core';
import type { Experiment } from '@lab/experiment-store';
import { parseTerraformOutputs, type TerraformOutputs } from '@lab/infra';
import { labCleanupCommand } from './cleanup-port.js';
import {
  EVENT_SOURCE,
  EXPERIMENT_FILES,
  experimentEmitter,
  experimentSink,
  experimentTerraform,
  minutes,
  type PlanConfig,
} from './common.js';
import { type OrchestratorDeps, type ResolvedDeps, remoteOps, withDefaults } from './deps.js';
import { CASCADE_TIMEOUTS_MINUTES, type ExperimentPlan, planExperiment } from './plan.js';
import { livePriceTable } from './prices.js';
import { TeardownIncompleteError, type TeardownOutcome, teardownExperiment } from './teardown.js';

export interface SetupOptions {
  resolved: PlanConfig;
  /** A user-chosen experiment id; default: generated `exp-YYYYMMDD-HHMMSS`. */
  experimentId?: string | undefined;
  costThresholdUsd?: number | undefined;
  /** Price the estimate with the AWS Pricing API (falls back to the shipped table). */
  livePrices?: boolean | undefined;
  /**
   * Called when the estimate is above the threshold (or incomplete), before anything exists;
   * throw to stop. Without it such a setup is refused (`CONFIRMATION_REQUIRED`).
   */
  confirmCost?: ((plan: ExperimentPlan) => Promise<void>) | undefined;
  /** Called with the plan (and its cost estimate) before anything is created. */
  onPlan?: ((plan: ExperimentPlan) => void) | undefined;
  /** Called as soon as the experiment exists (a CLI puts its id into the Ctrl-C message). */
  onCreated?: ((experimentId: string) => void) | undefined;
}

export interface SetupResult {
  experimentId: string;
  amiId: string;
  plan: ExperimentPlan;
  outputs: TerraformOutputs;
}

/**
 * Validates everything and estimates the cost — no AWS call — then asks `confirmCost` when the
 * estimate is above the threshold. Returns the plan made with a provisional experiment id.
 */
export async function prepareSetup(deps: ResolvedDeps, options: SetupOptions): Promise<ExperimentPlan> {
  const infra = options.resolved.config.infrastructure;
  const prices =
    options.livePrices === true
      ? await livePriceTable({
          pricing: () => deps.aws(infra.region).pricing(),
          region: infra.region,
          instanceTypes: Object.values(infra.roles).map((role) => role.instanceType),
          events: createEmitter({ source: EVENT_SOURCE, sink: deps.events, clock: deps.clock }),
          clock: deps.clock,
        })
      : undefined;
  const plan = planExperiment({
    resolved: options.resolved,
    experimentId: options.experimentId ?? formatExperimentId(new Date(deps.clock.now())),
    createdAtMs: deps.clock.now(),
    terraform: {
      moduleDir: deps.terraform.moduleDir,
      workDir: '(experiment)/terraform',
      binary: deps.terraform.binary,
    },
    costThresholdUsd: options.costThresholdUsd,
    prices,
  });
  options.onPlan?.(plan);
  if (plan.cost.needsConfirmation) {
    if (options.confirmCost === undefined) {
      throw new LabError(
        'CONFIRMATION_REQUIRED',
        `The estimated cost (${plan.cost.estimate.total.toFixed(2)} USD) is above the ${plan.cost.thresholdUsd} USD threshold`,
        { hint: 'Confirm with --yes, or raise the threshold' },
      );
    }
    await options.confirmCost(plan);
  }
  return plan;
}

/** Creates the experiment (locked: the caller releases it) and stores its configuration. */
export async function createExperimentFor(
  deps: ResolvedDeps,
  options: SetupOptions,
  plan: ExperimentPlan,
): Promise<Experiment> {
  const infra = options.resolved.config.infrastructure;
  const experiment = await deps.store.create({
    name: infra.name,
    regions: [infra.region],
    configDigest: options.resolved.digest,
    tags: { ...infra.tags },
    ...(options.experimentId === undefined ? {} : { id: options.experimentId }),
    purpose: 'lab-orchestrate setup',
    details: {
      pulsarVersion: infra.pulsarVersion,
      ...(options.resolved.config.testPlan === undefined
        ? {}
        : { testPlan: options.resolved.config.testPlan.name }),
      costEstimate: {
        totalUsd: Number(plan.cost.estimate.total.toFixed(4)),
        durationHours: Number(plan.cost.durationHours.toFixed(4)),
        priceTableDate: plan.cost.estimate.priceTableDate,
      },
    },
  });
  try {
    await experiment.writeFileAtomic(
      EXPERIMENT_FILES.config,
      `${JSON.stringify(options.resolved.config, null, 2)}\n`,
    );
    await experiment.writeFileAtomic(EXPERIMENT_FILES.explain, `${options.resolved.explain().trimEnd()}\n`);
  } catch (error) {
    await experiment.release();
    throw withContext(error, `Storing the configuration of ${experiment.id}`);
  }
  options.onCreated?.(experiment.id);
  return experiment;
}

/**
 * The setup phase on a locked, freshly created experiment: resolve the AMI, write the Terraform
 * variables, `init` / `plan -out` / `apply` of that plan, store the outputs, run the health
 * cascade. On any failure or abort after `apply` may have created something, the teardown runs
 * at once (destroy, then tag-based verification) and the original error is rethrown with what
 * the cleanup did; the manifest records every step.
 */
export async function setupExperiment(
  deps: ResolvedDeps,
  experiment: Experiment,
  options: SetupOptions,
): Promise<SetupResult> {
  const resolved = options.resolved;
  const infra = resolved.config.infrastructure;
  const region = infra.region;
  const sink = experimentSink(deps, experiment);
  const events = experimentEmitter(deps, experiment);
  const signal = deps.signal;
  let applyStarted = false;
  const createdAtMs = Date.parse((await experiment.readManifest()).createdAt);

  await experiment.startPhase('setup');
  try {
    signal?.throwIfAborted();
    step(events, 'setup', 'resolve AMI');
    const amiId = await resolveAmi(deps, infra, events, signal);
    await experiment.updateManifest((draft) => {
      draft.details.amiId = amiId;
    });
    const plan = planExperiment({
      resolved,
      experimentId: experiment.id,
      createdAtMs,
      amiId,
      terraform: {
        moduleDir: deps.terraform.moduleDir,
        workDir: experiment.paths.terraformDir,
        binary: deps.terraform.binary,
      },
      costThresholdUsd: options.costThresholdUsd,
    });
    await experiment.writeTerraformVars(plan.terraform.variables);

    const terraform = experimentTerraform(deps, experiment, sink, signal);
    step(events, 'setup', 'terraform init');
    await terraform.init();
    step(events, 'setup', 'terraform plan');
    await terraform.plan();
    step(events, 'setup', 'terraform apply');
    applyStarted = true;
    await terraform.apply();
    const raw = await terraform.output();
    const outputs = parseTerraformOutputs(raw, { file: 'terraform output -json' });
    await experiment.writeFileAtomic(EXPERIMENT_FILES.outputs, `${JSON.stringify(raw, null, 2)}\n`);
    await experiment.recordResources(region, 'vpc', [outputs.vpcId]);
    await experiment.recordResources(
      region,
      'instance',
      outputs.instances.map((instance) => instance.instanceId),
    );
    events.emit(
      'setup.applied',
      `Terraform created ${outputs.instances.length} instance(s) in ${outputs.vpcId}`,
      {
        vpcId: outputs.vpcId,
        instances: outputs.instances.length,
      },
    );

    step(events, 'setup', 'health cascade');
    await waitHealthy(deps, outputs, region, sink, signal);

    await experiment.updateManifest((draft) => {
      draft.details.ready = true;
      draft.details.cluster = {
        serviceUrl: outputs.cluster.serviceUrl,
        webServiceUrl: outputs.cluster.webServiceUrl,
        brokers: outputs.roles.broker.privateIps,
        clients: outputs.roles.client.instanceIds,
      };
    });
    await experiment.endPhase('setup', 'succeeded');
    events.emit('setup.ready', `${experiment.id} is ready: every instance healthy`);
    return { experimentId: experiment.id, amiId, plan, outputs };
  } catch (error) {
    throw await failSetup(deps, experiment, error, applyStarted);
  }
}

/** `lab-orchestrate setup`: plan and confirm, create, set up; releases the experiment. */
export async function setup(input: OrchestratorDeps, options: SetupOptions): Promise<SetupResult> {
  const deps = withDefaults(input);
  const plan = await prepareSetup(deps, options);
  const experiment = await createExperimentFor(deps, options, plan);
  try {
    return await setupExperiment(deps, experiment, options);
  } finally {
    await experiment.release();
  }
}

async function failSetup(
  deps: ResolvedDeps,
  experiment: Experiment,
  error: unknown,
  applyStarted: boolean,
): Promise<Error> {
  const events = experimentEmitter(deps, experiment);
  const aborted = error instanceof AbortedError || deps.signal?.aborted === true;
  await experiment.endPhase('setup', 'failed', error).catch((recordError: unknown) => {
    events.emit(
      'manifest.write-failed',
      `Could not record the failed setup: ${errorMessage(recordError)}`,
      {},
      'error',
    );
  });
  if (!applyStarted) {
    // Nothing in the cloud was created before `terraform apply` started.
    await experiment.markResourcesGone('lab-orchestrate setup (failed before terraform apply)');
    await experiment.finish(aborted ? 'aborted' : 'failed', {
      error,
      message: 'setup failed; nothing was created',
    });
    return withContext(error, `Setup of ${experiment.id} failed; nothing was created`);
  }
  events.emit(
    'setup.cleanup',
    `${aborted ? 'Interrupted' : 'Setup failed'}: cleaning up ${experiment.id} (terraform destroy, then tag-based verification)`,
    {},
    'warn',
  );
  step(events, 'cleanup', 'terraform destroy');
  // The caller's signal may be the very abort that got us here: cleanup must not be cut short
  // by it. A second Ctrl-C exits the process (the CLI prints the cleanup command).
  let outcome: TeardownOutcome;
  try {
    outcome = await teardownExperiment(deps, experiment, undefined);
  } catch (cleanupError) {
    await experiment.finish(aborted ? 'aborted' : 'failed', { error });
    return new LabError(
      'INCOMPLETE',
      `Setup of ${experiment.id} failed: ${errorMessage(error)}\nAutomatic cleanup failed too: ${errorMessage(cleanupError)}`,
      {
        cause: error,
        hint: `Finish the cleanup with: ${labCleanupCommand(experiment.id, (await experiment.readManifest()).regions)}`,
      },
    );
  }
  await experiment.finish(aborted ? 'aborted' : 'failed', {
    error,
    message: outcome.complete ? 'setup failed; cleaned up' : 'setup failed; cleanup incomplete',
  });
  if (!outcome.complete) {
    const incomplete = new TeardownIncompleteError(outcome);
    return new LabError(
      'INCOMPLETE',
      `Setup of ${experiment.id} failed: ${errorMessage(error)}\n${incomplete.message}`,
      {
        cause: error,
        hint: incomplete.hint ?? `Finish the job with: ${outcome.labCleanup}`,
        details: incomplete.details ?? {},
      },
    );
  }
  const cleaned =
    outcome.destroy.status === 'succeeded'
      ? 'cleaned up: terraform destroy succeeded and nothing is left (verified by tag)'
      : 'cleaned up: nothing is left (verified by tag)';
  return withContext(error, `Setup of ${experiment.id} ${aborted ? 'interrupted' : 'failed'}; ${cleaned}`);
}

async function resolveAmi(
  deps: ResolvedDeps,
  infra: PlanConfig['config']['infrastructure'],
  events: Emitter,
  signal: AbortSignal | undefined,
): Promise<string> {
  if (infra.amiId !== undefined) {
    events.emit('ami.configured', `Using ${infra.amiId} (infrastructure.amiId)`);
    return infra.amiId;
  }
  const { findLatestImage } = await import('@lab/ami-builder/aws');
  const ec2 = await deps.aws(infra.region).ec2();
  // The listing is cached in the store's ami-cache/ (shared with lab-ami) for 10 minutes; a
  // version missing from a cached listing is looked up in EC2 again.
  const { image, listing } = await findLatestImage({
    ec2,
    region: infra.region,
    cache: deps.store.amiCache,
    version: infra.pulsarVersion,
    signal,
    clock: deps.clock,
    ...(deps.events === undefined ? {} : { events: deps.events }),
  });
  if (image === undefined) {
    throw new LabError(
      'AMI_NOT_FOUND',
      `No available lab AMI of Pulsar ${infra.pulsarVersion} in ${infra.region} (${listing.images.length} pulsar-base image(s) found, none of that version and available)`,
      {
        hint: `Build one with \`lab-ami build --pulsar-version ${infra.pulsarVersion} --region ${infra.region}\`, or set infrastructure.amiId`,
        details: { region: infra.region, pulsarVersion: infra.pulsarVersion },
      },
    );
  }
  events.emit(
    'ami.resolved',
    `Using ${image.imageId} (${image.name}), the newest AMI of Pulsar ${infra.pulsarVersion}`,
    {
      amiId: image.imageId,
    },
  );
  return image.imageId;
}

async function waitHealthy(
  deps: ResolvedDeps,
  outputs: TerraformOutputs,
  region: string,
  sink: ReturnType<typeof experimentSink>,
  signal: AbortSignal | undefined,
): Promise<void> {
  const [{ runCascade }, { bindRunCommand, labHealthStages, PROBE_COMMAND_POLL }] = await Promise.all([
    import('@lab/health-cascade'),
    import('@lab/health-cascade/aws'),
  ]);
  const clients = deps.aws(region);
  const [ec2, ssm] = await Promise.all([clients.ec2(), clients.ssm()]);
  const remote = await remoteOps(deps);
  const targets = outputs.instances.map((instance) => ({
    id: instance.instanceId,
    label: `${instance.role}-${instance.index + 1}`,
    role: instance.role,
  }));
  const ms = (value: number) => value * 60_000;
  const started = deps.clock.now();
  await runCascade({
    stages: labHealthStages({
      ec2,
      ssm,
      runCommand: bindRunCommand(remote.runCommand, {
        ssm,
        poll: PROBE_COMMAND_POLL,
        events: sink,
        clock: deps.clock,
        sleep: deps.sleep,
      }),
      targets,
      timeouts: {
        instancesRunning: ms(CASCADE_TIMEOUTS_MINUTES.instancesRunning),
        ssmOnline: ms(CASCADE_TIMEOUTS_MINUTES.ssmOnline),
        servicesActive: ms(CASCADE_TIMEOUTS_MINUTES.servicesActive),
        endpointsHealthy: ms(CASCADE_TIMEOUTS_MINUTES.endpointsHealthy),
      },
    }),
    targets,
    events: sink,
    clock: deps.clock,
    sleep: deps.sleep,
    ...(signal === undefined ? {} : { signal }),
  });
  createEmitter({ source: EVENT_SOURCE, sink, clock: deps.clock }).emit(
    'cascade.done',
    `Cluster healthy after ${minutes(deps.clock.now() - started)}`,
  );
}

/** A step of a phase, for the live view (`setup: terraform apply`). */
export function step(events: Emitter, phase: string, name: string): void {
  events.emit('step', `${phase}: ${name}`, { phase, step: name });
}
