import { join } from 'node:path';
import {
  AbortedError,
  createEmitter,
  errorMessage,
  formatExperimentId,
  LabError,
  withContext,
} from '@lab/core';
import type { Experiment, Target } from '@lab/experiment-store';
import {
  EVENT_SOURCE,
  EXPERIMENT_FILES,
  experimentEmitter,
  experimentSink,
  type PlanConfig,
} from './common.js';
import { type OrchestratorDeps, type ResolvedDeps, step, withDefaults } from './deps.js';
import { experimentPlan } from './experiment-plan.js';
import type { ExperimentPlan } from './plan.js';
import type { Platform } from './platform.js';
import { platformFor } from './platforms.js';
import { livePriceTable } from './prices.js';
import { TeardownIncompleteError, type TeardownOutcome, teardownExperiment } from './teardown.js';

export interface SetupOptions {
  resolved: PlanConfig;
  /** Where the cluster lives; default `aws`. */
  target?: Target | undefined;
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
  /** Shown to another process that finds the experiment locked. Default `lab-orchestrate setup`. */
  purpose?: string | undefined;
  /** Called as soon as the experiment exists (a CLI puts its id into the Ctrl-C message). */
  onCreated?: ((experimentId: string) => void) | undefined;
}

export interface SetupResult {
  experimentId: string;
  /** The AMI the instances run (AWS only). */
  amiId?: string;
  plan: ExperimentPlan;
}

/**
 * Validates everything and estimates the cost — no AWS call — then asks `confirmCost` when the
 * estimate is above the threshold. Returns the plan made with a provisional experiment id.
 */
export async function prepareSetup(deps: ResolvedDeps, options: SetupOptions): Promise<ExperimentPlan> {
  const infra = options.resolved.config.infrastructure;
  const platform = platformFor(deps, options.target ?? 'aws');
  const prices =
    options.livePrices === true && platform.target === 'aws'
      ? await livePriceTable({
          pricing: () => deps.aws(infra.region).pricing(),
          region: infra.region,
          instanceTypes: Object.values(infra.roles).map((role) => role.instanceType),
          events: createEmitter({ source: EVENT_SOURCE, sink: deps.events, clock: deps.clock }),
          clock: deps.clock,
        })
      : undefined;
  const experimentId = options.experimentId ?? formatExperimentId(new Date(deps.clock.now()));
  const { plan } = await experimentPlan(
    deps,
    options.resolved,
    {
      experimentId,
      root: join(deps.store.home, experimentId),
      createdAtMs: deps.clock.now(),
      target: platform.target,
    },
    { costThresholdUsd: options.costThresholdUsd, prices },
  );
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
  const platform = platformFor(deps, options.target ?? 'aws');
  const experiment = await deps.store.create({
    name: infra.name,
    target: platform.target,
    regions: platform.regions(options.resolved.config),
    configDigest: options.resolved.digest,
    tags: { ...infra.tags },
    ...(options.experimentId === undefined ? {} : { id: options.experimentId }),
    purpose: options.purpose ?? 'lab-orchestrate setup',
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
 * The setup phase on a locked, freshly created experiment: the platform creates the cluster of
 * the experiment's plan (AWS: resolve the AMI, `terraform init/plan/apply` with its own state;
 * local: install, create the nodes, bootstrap) and waits for the health cascade. On any failure
 * or abort after something may exist, the teardown runs at once and the original error is
 * rethrown with what the cleanup did; the manifest records every step.
 */
export async function setupExperiment(
  deps: ResolvedDeps,
  experiment: Experiment,
  options: SetupOptions,
): Promise<SetupResult> {
  const resolved = options.resolved;
  const manifest = await experiment.readManifest();
  const platform = platformFor(deps, manifest.target);
  const sink = experimentSink(deps, experiment);
  const events = experimentEmitter(deps, experiment);
  const context = { deps, experiment, sink, events, signal: deps.signal };
  let started = false;

  await experiment.startPhase('setup');
  try {
    deps.signal?.throwIfAborted();
    const { plan, amiId } = await experimentPlan(
      deps,
      resolved,
      {
        experimentId: experiment.id,
        root: experiment.paths.root,
        createdAtMs: Date.parse(manifest.createdAt),
        target: manifest.target,
      },
      { costThresholdUsd: options.costThresholdUsd, live: context },
    );
    if (amiId !== undefined) {
      await experiment.updateManifest((draft) => {
        draft.details.amiId = amiId;
      });
    }
    const provisioned = await platform.provision(context, plan, () => {
      started = true;
    });
    await experiment.updateManifest((draft) => {
      draft.details.ready = true;
      Object.assign(draft.details, provisioned.details);
    });
    await experiment.endPhase('setup', 'succeeded');
    events.emit('setup.ready', `${experiment.id} is ready: every node healthy`);
    return {
      experimentId: experiment.id,
      ...(amiId === undefined ? {} : { amiId }),
      plan,
    };
  } catch (error) {
    throw await failSetup(deps, experiment, platform, error, started);
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
  platform: Platform,
  error: unknown,
  started: boolean,
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
  if (!started) {
    // Nothing was created yet (no `terraform apply`, no local node).
    await experiment.markResourcesGone('lab-orchestrate setup (failed before anything was created)');
    await experiment.finish(aborted ? 'aborted' : 'failed', {
      error,
      message: 'setup failed; nothing was created',
    });
    return withContext(error, `Setup of ${experiment.id} failed; nothing was created`);
  }
  events.emit(
    'setup.cleanup',
    `${aborted ? 'Interrupted' : 'Setup failed'}: cleaning up ${experiment.id}`,
    {},
    'warn',
  );
  step(events, 'cleanup', platform.target === 'aws' ? 'terraform destroy' : 'stop every process');
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
        hint: `Finish the cleanup with: ${platform.finishCommand(experiment.id, (await experiment.readManifest()).regions)}`,
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
        hint: incomplete.hint ?? `Finish the job with: ${outcome.finishCommand}`,
        details: incomplete.details ?? {},
      },
    );
  }
  const cleaned =
    platform.target === 'local'
      ? 'cleaned up: no process of it runs and nothing of it listens (verified)'
      : outcome.destroy.status === 'succeeded'
        ? 'cleaned up: terraform destroy succeeded and nothing is left (verified by tag)'
        : 'cleaned up: nothing is left (verified by tag)';
  return withContext(error, `Setup of ${experiment.id} ${aborted ? 'interrupted' : 'failed'}; ${cleaned}`);
}

/** A step of a phase, for the live view (`setup: terraform apply`). */
