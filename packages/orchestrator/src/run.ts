import { isTransientAwsError, PollTimeoutError, pollUntil } from '@lab/backoff';
import { AbortedError, type Emitter, errorMessage, isLabError, LabError, withContext } from '@lab/core';
import type { Experiment } from '@lab/experiment-store';
import { detectPlateau, parseOmbResult, type RampStep, summarizeRun } from '@lab/omb';
import { errorCode, experimentEmitter, experimentSink, type PlanConfig, storedConfig } from './common.js';
import { type OrchestratorDeps, type ResolvedDeps, step, withDefaults } from './deps.js';
import { existingExperimentPlan } from './experiment-plan.js';
import { collectSampling, installSampler, type SampledNode, startSampling } from './host-sampling.js';
import type { ExperimentPlan, PlannedRemoteRun } from './plan.js';
import type { ClusterAccess } from './platform.js';
import { platformFor } from './platforms.js';
import { parsePollOutput } from './remote.js';
import { type RunPhaseResult, type RunRecord, RunsFailedError } from './run-records.js';

/** How often a running benchmark is looked at (OMB prints a sample every 10 s). */
export const RUN_POLL_MS = 10_000;
/** Bound of each short SSM command (start, poll, stop). */
const SHORT_COMMAND_MS = 90_000;
/** Bound of each file transfer. */
const TRANSFER_MS = 5 * 60_000;

export { type RunPhaseResult, type RunRecord, type RunStatus, RunsFailedError } from './run-records.js';

export interface RunOptions {
  /** Use this test plan instead of the one stored at setup. */
  resolved?: PlanConfig | undefined;
  /** Stop at the first failed run (the rest are recorded as skipped). */
  failFast?: boolean | undefined;
}

/**
 * The run phase on a locked, set-up experiment: for each planned run, upload its workload and
 * the driver with `putFile`, start OMB detached on the first client (distributed over every
 * client's worker when there are two or more), poll its log for the achieved rate, stop it at
 * its timeout, fetch the result with `fetchFile` and check that it parses (OMB's exit code does
 * not say whether a workload failed), store it under `benchmark_results/`. A failed run is
 * recorded and the plan continues unless `failFast`; a ramp stops at its plateau.
 */
export async function runExperiment(
  deps: ResolvedDeps,
  experiment: Experiment,
  options: RunOptions = {},
): Promise<RunPhaseResult> {
  const resolved = options.resolved ?? (await storedConfig(experiment));
  const manifest = await experiment.readManifest();
  const platform = platformFor(deps, manifest.target);
  const sink = experimentSink(deps, experiment);
  const platformContext = {
    deps,
    experiment,
    sink,
    events: experimentEmitter(deps, experiment),
    signal: deps.signal,
  };
  const cluster = await platform.access(platformContext, resolved);
  const plan = await existingExperimentPlan(deps, experiment, {
    resolved,
    hosts: { brokers: cluster.brokers, clients: cluster.clients },
  });
  if (plan.runs.length === 0) {
    throw new LabError('NO_TEST_PLAN', `${experiment.id} has no test plan to run`, {
      hint: 'Pass --test-plan configs/test-plans/<plan>.yaml',
    });
  }
  const events = experimentEmitter(deps, experiment).child('run');
  const context: RunContext = { deps, experiment, plan, cluster, events };

  await experiment.startPhase('run');
  const records: RunRecord[] = plan.runs.map(({ run }) => ({
    id: run.id,
    type: run.type,
    ...(run.repetitions > 1
      ? { baseId: run.baseId, repetition: run.repetition, repetitions: run.repetitions }
      : {}),
    status: 'skipped',
    ...(run.targetRate === undefined ? {} : { targetRate: run.targetRate }),
    reason: 'not run',
  }));
  try {
    step(events, 'run', 'upload driver');
    await cluster.putFile({
      host: cluster.driver,
      path: plan.runs[0]!.remote.driverFile,
      content: plan.files['omb/driver.yaml'] ?? '',
      timeoutMs: TRANSFER_MS,
      signal: deps.signal,
    });
    step(events, 'run', 'create the OMB tenant');
    const tenant = await cluster.run({
      host: cluster.driver,
      script: plan.ombTenantScript,
      description: "create OMB's tenant",
      timeoutMs: SHORT_COMMAND_MS,
      signal: deps.signal,
    });
    if (!tenant.ok) {
      throw new LabError(
        'OMB_TENANT_FAILED',
        `Creating OMB's Pulsar tenant failed: ${tenant.message} ${tenant.stderr.trim()}`.trim(),
        {
          hint: "The first broker's web service did not accept it; see the broker's log on its node",
        },
      );
    }
    const sampling = { cluster, experiment, events, signal: deps.signal };
    step(events, 'run', 'install the host sampler');
    const sampled = await installSampler(sampling, cluster.sampledNodes);
    const rampSteps = new Map<string, RampStep[]>();
    const plateaued = new Map<string, string>();
    let stopAfterFailure = false;
    for (const [index, entry] of plan.runs.entries()) {
      const record = records[index]!;
      const group = entry.run.ramp?.group;
      if (group !== undefined && plateaued.has(group)) {
        record.reason = `ramp reached its plateau: ${plateaued.get(group)}`;
        events.emit('skipped', `${entry.run.id} skipped: ${record.reason}`, { run: entry.run.id });
        await recordRuns(experiment, records);
        continue;
      }
      if (stopAfterFailure) {
        record.reason = 'an earlier run failed (--fail-fast)';
        await recordRuns(experiment, records);
        continue;
      }
      step(events, 'run', `${entry.run.id} (${index + 1}/${plan.runs.length})`);
      const samplingNodes = await startSampling(sampling, sampled, entry.run.id);
      Object.assign(record, await runOne(context, entry));
      Object.assign(record, await hostMetricsOf(sampling, samplingNodes, record));
      await recordRuns(experiment, records);
      if (record.status === 'failed' && options.failFast === true) stopAfterFailure = true;
      if (group !== undefined && entry.run.ramp !== undefined) {
        const steps = rampSteps.get(group) ?? [];
        steps.push({
          targetRate: entry.run.targetRate ?? 0,
          achievedRate: record.achievedRate ?? Number.NaN,
        });
        rampSteps.set(group, steps);
        const verdict = detectPlateau(steps, {
          allowedDeviation: entry.run.ramp.allowedDeviation,
          consecutiveSteps: entry.run.ramp.consecutiveSteps,
        });
        if (verdict.plateaued) {
          plateaued.set(group, verdict.verdict);
          events.emit('ramp.plateau', `Ramp ${group}: ${verdict.verdict}`, { group, ...verdict });
        }
      }
    }
  } catch (error) {
    await recordRuns(experiment, records).catch(() => undefined);
    await experiment.endPhase('run', 'failed', error);
    throw withContext(error, `Run phase of ${experiment.id} stopped`);
  }
  const failed = records.filter((record) => record.status === 'failed').length;
  if (failed > 0) {
    const error = new RunsFailedError(experiment.id, records);
    await experiment.endPhase('run', 'failed', error);
    throw error;
  }
  await experiment.endPhase('run', 'succeeded');
  events.emit(
    'finished',
    `All ${records.filter((record) => record.status === 'succeeded').length} run(s) of ${experiment.id} stored`,
  );
  return { experimentId: experiment.id, runs: records, failed };
}

/** Host metrics of a finished run, for its record; sampling problems are warnings, never a failed run. */
async function hostMetricsOf(
  sampling: Parameters<typeof collectSampling>[0],
  nodes: readonly SampledNode[],
  record: RunRecord,
): Promise<Pick<RunRecord, 'bottleneck' | 'hostMetricsFile'>> {
  if (nodes.length === 0 || record.startedAt === undefined) return {};
  try {
    const metrics = await collectSampling(sampling, nodes, record.id, {
      startedAtMs: Date.parse(record.startedAt),
      endedAtMs: Date.parse(record.endedAt ?? record.startedAt),
    });
    if (metrics === undefined) return {};
    return {
      hostMetricsFile: `benchmark_results/${record.id}.hosts.json`,
      ...(metrics.bottleneck === null ? {} : { bottleneck: metrics.bottleneck.message }),
    };
  } catch (error) {
    if (isAbort(error, sampling.signal)) throw error;
    sampling.events.emit(
      'sampler.failed',
      `No host metrics for ${record.id}: ${errorMessage(error)}`,
      {},
      'warn',
    );
    return {};
  }
}

/** `lab-orchestrate run`: locks the experiment, runs its plan, releases it. */
export async function run(
  input: OrchestratorDeps,
  options: RunOptions & { experiment: string },
): Promise<RunPhaseResult> {
  const deps = withDefaults(input);
  const experiment = await deps.store.open(options.experiment, {
    lock: true,
    purpose: 'lab-orchestrate run',
  });
  try {
    return await runExperiment(deps, experiment, options);
  } finally {
    await experiment.release();
  }
}

interface RunContext {
  deps: ResolvedDeps;
  experiment: Experiment;
  plan: ExperimentPlan;
  cluster: ClusterAccess;
  events: Emitter;
}

async function runOne(context: RunContext, entry: PlannedRemoteRun): Promise<Partial<RunRecord>> {
  const { deps, experiment, cluster, events, plan } = context;
  const client = cluster.driver;
  const { run } = entry;
  const now = () => new Date(deps.clock.now()).toISOString();
  const startedAt = now();
  const failed = (reason: string, error?: unknown): Partial<RunRecord> => {
    events.emit('failed', `${run.id} failed: ${reason}`, { run: run.id }, 'error');
    return {
      status: 'failed',
      startedAt,
      endedAt: now(),
      reason,
      ...(error === undefined ? {} : { error: { code: errorCode(error), message: errorMessage(error) } }),
    };
  };

  try {
    await cluster.putFile({
      host: client,
      path: entry.remote.workloadFile,
      content: plan.files[entry.workloadPath] ?? '',
      timeoutMs: TRANSFER_MS,
      signal: deps.signal,
    });
    const result = await cluster.run({
      host: client,
      script: entry.remote.startScript,
      description: `start OMB for ${run.id}`,
      timeoutMs: SHORT_COMMAND_MS,
      signal: deps.signal,
    });
    if (!result.ok) {
      return failed(`OMB did not start: ${result.message} ${result.stderr.trim()}`.trim());
    }
  } catch (error) {
    if (isAbort(error, deps.signal)) throw error;
    return failed(`could not start: ${errorMessage(error)}`, error);
  }
  events.emit(
    'started',
    `${run.id} started on ${client}: ${run.type}${run.targetRate === undefined ? '' : ` at ${run.targetRate} msg/s`}, timeout ${run.timeoutMinutes} min`,
    {
      run: run.id,
      progress: { done: 0, total: run.expectedDurationMinutes, label: `${run.id} min` },
    },
  );

  const startedMs = deps.clock.now();
  let exitCode: number | undefined;
  try {
    const state = await pollUntil(
      async () => {
        const polled = await cluster.run({
          host: client,
          script: entry.remote.pollScript,
          description: `poll OMB ${run.id}`,
          timeoutMs: SHORT_COMMAND_MS,
          fullOutput: true,
          signal: deps.signal,
        });
        const observed = parsePollOutput(polled.stdout);
        const elapsedMinutes = Math.floor((deps.clock.now() - startedMs) / 60_000);
        events.emit(
          'progress',
          observed.publishRate === undefined
            ? `${run.id}: ${observed.state}, ${elapsedMinutes}/${run.expectedDurationMinutes} min`
            : `${run.id}: publishing ${Math.round(observed.publishRate)} msg/s, consuming ${Math.round(observed.consumeRate ?? 0)} msg/s${run.targetRate === undefined ? '' : ` (target ${run.targetRate})`}`,
          {
            run: run.id,
            state: observed.state,
            ...(observed.publishRate === undefined ? {} : { publishRate: observed.publishRate }),
            progress: {
              done: Math.min(elapsedMinutes, run.expectedDurationMinutes),
              total: run.expectedDurationMinutes,
              label: `${run.id} min`,
            },
          },
          'debug',
        );
        return observed;
      },
      {
        until: (observed) => observed.state === 'exited' || observed.state === 'vanished',
        timeoutMs: run.timeoutMinutes * 60_000,
        initialDelayMs: RUN_POLL_MS,
        factor: 1,
        maxDelayMs: RUN_POLL_MS,
        isTransientError: (error) =>
          isTransientAwsError(error) || (isLabError(error) && error.code.endsWith('DEADLINE_EXCEEDED')),
        description: `OMB run ${run.id}`,
        clock: deps.clock,
        sleep: deps.sleep,
        ...(deps.signal === undefined ? {} : { signal: deps.signal }),
      },
    );
    if (state.state === 'vanished') {
      await storeLog(context, entry);
      return failed('the OMB process disappeared without an exit code (instance rebooted or process killed)');
    }
    exitCode = state.exitCode;
  } catch (error) {
    await stopOmb(context, entry);
    if (isAbort(error, deps.signal)) throw error;
    await storeLog(context, entry);
    if (error instanceof PollTimeoutError) {
      return failed(
        `timed out after ${run.timeoutMinutes} min (warm-up + duration + margin); OMB was stopped`,
        error,
      );
    }
    return failed(`lost track of OMB: ${errorMessage(error)}`, error);
  }

  await storeLog(context, entry);
  let content: Buffer;
  try {
    content = await cluster.fetchFile({
      host: client,
      path: entry.remote.resultFile,
      timeoutMs: TRANSFER_MS,
      signal: deps.signal,
    });
  } catch (error) {
    if (isAbort(error, deps.signal)) throw error;
    const missing = isLabError(error) && error.code === 'REMOTE_FILE_NOT_FOUND';
    return failed(
      missing
        ? `OMB wrote no result (exit code ${exitCode ?? '?'}): the workload failed — see benchmark_results/${run.id}.log`
        : `could not fetch the result: ${errorMessage(error)}`,
      error,
    );
  }
  const relative = `benchmark_results/${run.id}.json`;
  let achievedRate: number | undefined;
  try {
    const parsed = parseOmbResult(content.toString('utf8'), { file: relative });
    const summary = summarizeRun(parsed, { targetRate: run.targetRate, messageSize: run.messageSize });
    achievedRate = summary.publish.msgPerSec;
  } catch (error) {
    await experiment.writeFileAtomic(`benchmark_results/${run.id}.invalid`, content);
    return failed(`the result is not a valid OMB result: ${errorMessage(error)}`, error);
  }
  await experiment.writeFileAtomic(relative, content);
  events.emit(
    'succeeded',
    `${run.id} done: ${achievedRate === undefined ? 'no rate' : `${Math.round(achievedRate)} msg/s`}${run.targetRate === undefined ? '' : ` (target ${run.targetRate})`}; stored ${relative}`,
    { run: run.id, achievedRate, resultFile: relative },
  );
  return {
    status: 'succeeded',
    startedAt,
    endedAt: now(),
    resultFile: relative,
    ...(achievedRate === undefined ? {} : { achievedRate }),
    reason: undefined,
  };
}

/** Stops OMB on the client; never throws (it is called while something else already failed). */
async function stopOmb(context: RunContext, entry: PlannedRemoteRun): Promise<void> {
  try {
    // Not the caller's signal: on Ctrl-C the benchmark must still be stopped.
    await context.cluster.run({
      host: context.cluster.driver,
      script: entry.remote.stopScript,
      description: `stop OMB ${entry.run.id}`,
      timeoutMs: SHORT_COMMAND_MS,
    });
    context.events.emit('stopped', `Stopped OMB for ${entry.run.id}`, { run: entry.run.id });
  } catch (error) {
    context.events.emit(
      'stop-failed',
      `Could not stop OMB for ${entry.run.id}: ${errorMessage(error)}`,
      {},
      'warn',
    );
  }
}

/** Keeps OMB's log next to the result; a missing log is only a warning. */
async function storeLog(context: RunContext, entry: PlannedRemoteRun): Promise<void> {
  try {
    const log = await context.cluster.fetchFile({
      host: context.cluster.driver,
      path: entry.remote.logFile,
      timeoutMs: TRANSFER_MS,
    });
    await context.experiment.writeFileAtomic(`benchmark_results/${entry.run.id}.log`, log);
  } catch (error) {
    context.events.emit('log-missing', `No OMB log for ${entry.run.id}: ${errorMessage(error)}`, {}, 'warn');
  }
}

async function recordRuns(experiment: Experiment, records: readonly RunRecord[]): Promise<void> {
  await experiment.updateManifest((draft) => {
    draft.details.runs = records.map((record) =>
      Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)),
    );
  });
}

function isAbort(error: unknown, signal: AbortSignal | undefined): boolean {
  return (
    error instanceof AbortedError ||
    (isLabError(error) && error.code === 'ABORTED') ||
    signal?.aborted === true
  );
}
