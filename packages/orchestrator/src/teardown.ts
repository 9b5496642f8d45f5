import { LabError } from '@lab/core';
import type { Experiment } from '@lab/experiment-store';
import type { RemainingResource } from './cleanup-port.js';
import { experimentEmitter, experimentSink } from './common.js';
import { type OrchestratorDeps, type ResolvedDeps, withDefaults } from './deps.js';
import { platformFor } from './platforms.js';

export interface TeardownOutcome {
  experimentId: string;
  regions: string[];
  /** AWS: terraform destroy (`skipped` without local state: tags alone were used); local: stopping the units. */
  destroy: { status: 'succeeded' | 'failed' | 'skipped'; message?: string };
  /** What the verification still found after cleanup (resources by tag; local processes and listeners). */
  remaining: RemainingResource[];
  problems: Array<{ region: string; type: string; message: string }>;
  notes: string[];
  /** True when everything is verifiably gone. */
  complete: boolean;
  /** The command that finishes the job by hand. */
  finishCommand: string;
}

/** Teardown finished but resources remain (or could not be verified gone): exit code 3. */
export class TeardownIncompleteError extends LabError {
  readonly outcome: TeardownOutcome;

  constructor(outcome: TeardownOutcome) {
    const parts = [
      outcome.destroy.status === 'failed'
        ? `the destroy step failed (${outcome.destroy.message ?? 'see the log'})`
        : '',
      outcome.remaining.length > 0
        ? `${outcome.remaining.length} resource(s) still exist: ${outcome.remaining
            .slice(0, 6)
            .map((resource) => `${resource.type} ${resource.id} (${resource.region})`)
            .join(', ')}${outcome.remaining.length > 6 ? ', …' : ''}`
        : '',
      outcome.problems.length > 0
        ? `the check could not list ${outcome.problems.map((problem) => `${problem.type} in ${problem.region}`).join(', ')}`
        : '',
    ].filter((part) => part !== '');
    super(
      'INCOMPLETE',
      `TEARDOWN INCOMPLETE for ${outcome.experimentId}: ${parts.join('; ')}. ${outcome.regions.length === 0 ? 'Processes may still be running on this machine.' : 'Resources may still be running and costing money.'}`,
      {
        hint: `Finish the job with: ${outcome.finishCommand}`,
        details: {
          experimentId: outcome.experimentId,
          remaining: outcome.remaining,
          problems: outcome.problems,
          finishCommand: outcome.finishCommand,
        },
      },
    );
    this.outcome = outcome;
  }
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
  const platform = platformFor(deps, manifest.target);
  await experiment.startPhase('teardown');
  const destroyed = await platform.destroy({
    deps,
    experiment,
    sink: experimentSink(deps, experiment),
    events: experimentEmitter(deps, experiment),
    signal,
  });
  const outcome: TeardownOutcome = {
    experimentId: experiment.id,
    regions: [...manifest.regions],
    ...destroyed,
    complete: destroyed.remaining.length === 0 && destroyed.problems.length === 0,
    finishCommand: platform.finishCommand(experiment.id, manifest.regions),
  };
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
      { finishCommand: outcome.finishCommand },
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
