import { AbortedError, errorMessage, isLabError, LabError } from '@lab/core';
import type { ExperimentRow, Manifest } from '@lab/experiment-store';
import type { RemainingResource } from './cleanup-port.js';
import { experimentEmitter } from './common.js';
import { type OrchestratorDeps, step, withDefaults } from './deps.js';
import { platformFor } from './platforms.js';
import { type ReportOptions, type ReportResult, reportExperiment } from './report.js';
import { type RunOptions, type RunPhaseResult, runExperiment } from './run.js';
import {
  createExperimentFor,
  prepareSetup,
  type SetupOptions,
  type SetupResult,
  setupExperiment,
} from './setup.js';
import { TeardownIncompleteError, type TeardownOutcome, teardownExperiment } from './teardown.js';

export interface FullResult {
  experimentId: string;
  setup: SetupResult;
  run?: RunPhaseResult;
  report?: ReportResult;
  teardown: TeardownOutcome;
}

/**
 * `lab-orchestrate full`: setup → run → report → teardown, with teardown always (setup cleans up
 * after itself when it fails). A failed run still gets its report and the teardown; a teardown
 * that leaves anything is the loudest error (`INCOMPLETE`, with the `lab-cleanup` command).
 */
export async function full(
  input: OrchestratorDeps,
  options: SetupOptions & Omit<RunOptions, 'resolved'> & ReportOptions,
): Promise<FullResult> {
  const deps = withDefaults(input);
  const plan = await prepareSetup(deps, options);
  const experiment = await createExperimentFor(deps, { purpose: 'lab-orchestrate full', ...options }, plan);
  try {
    const setupResult = await setupExperiment(deps, experiment, options);
    const manifest = await experiment.readManifest();
    const events = experimentEmitter(deps, experiment);
    let runResult: RunPhaseResult | undefined;
    let reportResult: ReportResult | undefined;
    let failure: unknown;
    try {
      runResult = await runExperiment(deps, experiment, { failFast: options.failFast });
    } catch (error) {
      failure = error;
      events.emit(
        'full.run-failed',
        `Run phase: ${errorMessage(error)}; continuing with the report and teardown`,
        {},
        'error',
      );
    }
    const aborted = deps.signal?.aborted === true;
    if (!aborted) {
      try {
        reportResult = await reportExperiment(deps, experiment, options);
      } catch (error) {
        failure ??= error;
        events.emit('full.report-failed', `Report: ${errorMessage(error)}; tearing down anyway`, {}, 'error');
      }
    } else {
      await experiment.endPhase('report', 'skipped').catch(() => undefined);
    }
    step(events, 'teardown', manifest.target === 'aws' ? 'terraform destroy' : 'stop every process');
    // Teardown always runs to the end, even after Ctrl-C (a second one exits the process).
    const teardown = await teardownExperiment(deps, experiment, undefined);
    const result = aborted ? 'aborted' : failure === undefined && teardown.complete ? 'succeeded' : 'failed';
    await experiment.finish(result, {
      ...(failure === undefined ? {} : { error: failure }),
      message: teardown.complete ? 'torn down; nothing left' : 'TEARDOWN INCOMPLETE',
    });
    if (!teardown.complete) {
      const incomplete = new TeardownIncompleteError(teardown);
      if (failure === undefined) throw incomplete;
      throw new LabError('INCOMPLETE', `${incomplete.message}\nEarlier: ${errorMessage(failure)}`, {
        cause: failure,
        ...(incomplete.hint === undefined ? {} : { hint: incomplete.hint }),
        details: incomplete.details ?? {},
      });
    }
    if (failure !== undefined) {
      if (
        aborted &&
        !(failure instanceof AbortedError) &&
        !(isLabError(failure) && failure.code === 'ABORTED')
      ) {
        throw new AbortedError(`Interrupted; ${experiment.id} was torn down (nothing left)`, {
          cause: failure,
        });
      }
      throw failure;
    }
    return {
      experimentId: experiment.id,
      setup: setupResult,
      ...(runResult === undefined ? {} : { run: runResult }),
      ...(reportResult === undefined ? {} : { report: reportResult }),
      teardown,
    };
  } finally {
    await experiment.release();
  }
}

export interface StatusResult {
  row: ExperimentRow;
  manifest: Manifest;
  /** What the tag-based check found alive (skipped when `checkResources` is false). */
  resources?: {
    remaining: RemainingResource[];
    problems: Array<{ region: string; type: string; message: string }>;
    error?: string;
  };
}

/** `lab-orchestrate list`: the store's rows, newest first. */
export async function listExperiments(input: OrchestratorDeps) {
  return input.store.list();
}

/**
 * `lab-orchestrate status`: the manifest, the store's view (running, interrupted …) and — by
 * tag, not from Terraform state — which of the experiment's resources are still alive.
 */
export async function experimentStatus(
  input: OrchestratorDeps,
  options: { experiment: string; checkResources?: boolean },
): Promise<StatusResult> {
  const deps = withDefaults(input);
  const id = await deps.store.resolve(options.experiment);
  const experiment = await deps.store.open(id);
  const manifest = await experiment.readManifest();
  const row = (await deps.store.list()).find((entry) => entry.id === id);
  if (row === undefined) {
    throw new LabError('EXPERIMENT_NOT_FOUND', `${id} disappeared while reading its status`);
  }
  if (options.checkResources === false) return { row, manifest };
  try {
    const found = await platformFor(deps, manifest.target).leftovers({
      deps,
      experiment,
      sink: deps.events ?? (() => undefined),
      signal: deps.signal,
    });
    return { row, manifest, resources: found };
  } catch (error) {
    return { row, manifest, resources: { remaining: [], problems: [], error: errorMessage(error) } };
  }
}
