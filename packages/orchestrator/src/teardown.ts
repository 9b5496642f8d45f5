import { existsSync } from 'node:fs';
import { errorMessage, LabError } from '@lab/core';
import type { Experiment } from '@lab/experiment-store';
import { labCleanupCommand, type RemainingResource } from './cleanup-port.js';
import { experimentEmitter, experimentSink, experimentTerraform } from './common.js';
import { type OrchestratorDeps, type ResolvedDeps, withDefaults } from './deps.js';

export interface TeardownOutcome {
  experimentId: string;
  regions: string[];
  /** `skipped`: no local Terraform state (lost or never written); tags alone were used. */
  destroy: { status: 'succeeded' | 'failed' | 'skipped'; message?: string };
  /** What the tag-based verification still found after cleanup. */
  remaining: RemainingResource[];
  problems: Array<{ region: string; type: string; message: string }>;
  notes: string[];
  /** True when everything is verifiably gone. */
  complete: boolean;
  /** The command that finishes the job by hand. */
  labCleanup: string;
}

/** Teardown finished but resources remain (or could not be verified gone): exit code 3. */
export class TeardownIncompleteError extends LabError {
  readonly outcome: TeardownOutcome;

  constructor(outcome: TeardownOutcome) {
    const parts = [
      outcome.destroy.status === 'failed'
        ? `terraform destroy failed (${outcome.destroy.message ?? 'see the log'})`
        : '',
      outcome.remaining.length > 0
        ? `${outcome.remaining.length} resource(s) still exist: ${outcome.remaining
            .slice(0, 6)
            .map((resource) => `${resource.type} ${resource.id} (${resource.region})`)
            .join(', ')}${outcome.remaining.length > 6 ? ', …' : ''}`
        : '',
      outcome.problems.length > 0
        ? `the tag-based check could not list ${outcome.problems.map((problem) => `${problem.type} in ${problem.region}`).join(', ')}`
        : '',
    ].filter((part) => part !== '');
    super(
      'INCOMPLETE',
      `TEARDOWN INCOMPLETE for ${outcome.experimentId}: ${parts.join('; ')}. Resources may still be running and costing money.`,
      {
        hint: `Finish the job with: ${outcome.labCleanup}`,
        details: {
          experimentId: outcome.experimentId,
          remaining: outcome.remaining,
          problems: outcome.problems,
          labCleanup: outcome.labCleanup,
        },
      },
    );
    this.outcome = outcome;
  }
}

/**
 * `terraform destroy` with the experiment's own state (skipped when the state is gone), then
 * tag-based cleanup and verification of whatever is left. Never throws for a failed step: the
 * outcome says what happened.
 */
export async function destroyAndVerify(
  deps: ResolvedDeps,
  experiment: Experiment,
  regions: readonly string[],
  signal: AbortSignal | undefined,
): Promise<TeardownOutcome> {
  const sink = experimentSink(deps, experiment);
  const events = experimentEmitter(deps, experiment).child('teardown');
  const labCleanup = labCleanupCommand(experiment.id, regions);
  let destroy: TeardownOutcome['destroy'];
  if (existsSync(experiment.paths.terraformState) && existsSync(experiment.paths.terraformVars)) {
    events.emit('destroy.started', `terraform destroy of ${experiment.id}`);
    try {
      const terraform = experimentTerraform(deps, experiment, sink, signal);
      await terraform.init();
      await terraform.destroy();
      destroy = { status: 'succeeded' };
      events.emit('destroy.succeeded', `terraform destroy of ${experiment.id} finished`);
    } catch (error) {
      destroy = { status: 'failed', message: errorMessage(error).split('\n')[0] ?? '' };
      events.emit(
        'destroy.failed',
        `terraform destroy of ${experiment.id} failed: ${errorMessage(error)}; continuing with tag-based cleanup`,
        {},
        'error',
      );
    }
  } else {
    destroy = { status: 'skipped', message: 'no local Terraform state' };
    events.emit(
      'destroy.skipped',
      `No local Terraform state for ${experiment.id}: finding its resources by tag alone`,
      {},
      'warn',
    );
  }

  let remaining: RemainingResource[] = [];
  let problems: TeardownOutcome['problems'] = [];
  let notes: string[] = [];
  events.emit(
    'verify.started',
    `Checking by tag that nothing of ${experiment.id} is left in ${regions.join(', ')}`,
  );
  try {
    const result = await deps.cleanupByTags({
      experimentId: experiment.id,
      regions,
      execute: true,
      signal,
      events: sink,
    });
    remaining = result.remaining;
    problems = result.problems ?? [];
    notes = result.notes ?? [];
  } catch (error) {
    problems = regions.map((region) => ({ region, type: 'all', message: errorMessage(error) }));
    events.emit(
      'verify.failed',
      `Tag-based cleanup of ${experiment.id} failed: ${errorMessage(error)}`,
      {},
      'error',
    );
  }
  const complete = remaining.length === 0 && problems.length === 0;
  return {
    experimentId: experiment.id,
    regions: [...regions],
    destroy,
    remaining,
    problems,
    notes,
    complete,
    labCleanup,
  };
}

/**
 * The teardown phase on a locked experiment: destroy, verify by tag, record the outcome
 * (`resourcesGone` when verified). Returns the outcome; the caller decides whether an
 * incomplete one is an error (it is, for the CLI: `TeardownIncompleteError`).
 */
export async function teardownExperiment(
  deps: ResolvedDeps,
  experiment: Experiment,
  signal: AbortSignal | undefined,
): Promise<TeardownOutcome> {
  const manifest = await experiment.readManifest();
  await experiment.startPhase('teardown');
  const outcome = await destroyAndVerify(deps, experiment, manifest.regions, signal);
  await experiment.updateManifest((draft) => {
    draft.details.teardown = {
      destroy: outcome.destroy,
      remaining: outcome.remaining,
      problems: outcome.problems,
      notes: outcome.notes,
      complete: outcome.complete,
    };
  });
  if (outcome.complete) {
    await experiment.markResourcesGone('lab-orchestrate teardown');
    await experiment.endPhase('teardown', 'succeeded');
  } else {
    const error = new TeardownIncompleteError(outcome);
    await experiment.endPhase('teardown', 'failed', error);
    experimentEmitter(deps, experiment).emit(
      'teardown.incomplete',
      error.message,
      { labCleanup: outcome.labCleanup },
      'error',
    );
  }
  return outcome;
}

/** `lab-orchestrate teardown`: works from tags alone when the local state is gone. */
export async function teardown(
  input: OrchestratorDeps,
  options: { experiment: string },
): Promise<TeardownOutcome> {
  const deps = withDefaults(input);
  const experiment = await deps.store.open(options.experiment, {
    lock: true,
    purpose: 'lab-orchestrate teardown',
  });
  try {
    const outcome = await teardownExperiment(deps, experiment, deps.signal);
    if (!outcome.complete) throw new TeardownIncompleteError(outcome);
    const manifest = await experiment.readManifest();
    if (manifest.outcome === null) await experiment.finish('succeeded', { message: 'torn down' });
    return outcome;
  } finally {
    await experiment.release();
  }
}
