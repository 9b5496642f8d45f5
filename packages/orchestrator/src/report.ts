import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Clock, errorMessage, systemClock, withContext } from '@lab/core';
import { formatUsd } from '@lab/cost';
import type { ActualCost } from '@lab/cost/aws';
import type { Experiment, Manifest } from '@lab/experiment-store';
import { detectPlateau, parseOmbResult, summarizeRun } from '@lab/omb';
import {
  type HostMetricsSeries,
  loadOmbResults,
  type Provenance,
  type ReportRun,
  reportRunFromOmb,
  type WrittenReport,
  writeReport,
} from '@lab/report';
import { experimentEmitter, type PlanConfig, storedConfig } from './common.js';
import { markCpuCredits } from './cpu-credits.js';
import { type OrchestratorDeps, type ResolvedDeps, step, withDefaults } from './deps.js';
import { existingExperimentPlan } from './experiment-plan.js';
import { type ExperimentPlan, hourlyCost } from './plan.js';
import type { RunRecord } from './run.js';

export interface ReportResult {
  directory: string;
  runs: number;
  htmlBytes: number;
  /** US$ per hour used for cost per million messages, and where it came from. */
  hourlyUsd: number;
  costSource: 'actual' | 'estimate';
  actualCost?: ActualCost;
}

export interface ReportOptions {
  /** Ask Cost Explorer for the actual cost (default true). Never fails the report. */
  actualCost?: boolean;
}

/**
 * The report phase: one report of every stored result (`report/index.html`, `summary.csv`,
 * `summary.json`), with target vs achieved rate, ramp plateaus and cost per million messages —
 * from Cost Explorer's actual cost when it has the experiment's tag, else from the estimate.
 */
export async function reportExperiment(
  deps: ResolvedDeps,
  experiment: Experiment,
  options: ReportOptions = {},
): Promise<ReportResult> {
  const events = experimentEmitter(deps, experiment).child('report');
  await experiment.startPhase('report');
  try {
    const manifest = await experiment.readManifest();
    let actual: ActualCost | undefined;
    // Cost Explorer knows only what ran in AWS regions; a local experiment has none.
    if (options.actualCost !== false && manifest.regions.length > 0) {
      step(events, 'report', 'actual cost');
      actual = await actualCostOf(deps, manifest);
      events.emit(
        'cost',
        actual.status === 'available'
          ? `Actual cost so far (Cost Explorer): ${formatUsd(actual.total)}`
          : `Actual cost not available: ${actual.message} ${actual.hint}`,
        { status: actual.status },
        actual.status === 'available' ? 'info' : 'warn',
      );
      await experiment.updateManifest((draft) => {
        draft.details.actualCost = actual;
      });
    }
    step(events, 'report', 'write report');
    const { runs, hourlyUsd, costSource, notes, provenance } = await experimentReportRuns(
      deps,
      experiment,
      manifest,
      actual,
    );
    const written = await writeReport(experiment.paths.report, {
      title: `${experiment.id} — ${manifest.name}`,
      generatedAt: new Date(deps.clock.now()).toISOString(),
      runs,
      notes,
      provenance,
    });
    await experiment.endPhase('report', 'succeeded');
    events.emit('written', `Report of ${runs.length} run(s): ${written.html}`, {
      directory: written.directory,
    });
    return {
      directory: written.directory,
      runs: runs.length,
      htmlBytes: written.htmlBytes,
      hourlyUsd,
      costSource,
      ...(actual === undefined ? {} : { actualCost: actual }),
    };
  } catch (error) {
    await experiment.endPhase('report', 'failed', error);
    throw withContext(error, `Writing the report of ${experiment.id}`);
  }
}

/** `lab-orchestrate report --experiment-id …`. */
export async function report(
  input: OrchestratorDeps,
  options: ReportOptions & { experiment: string },
): Promise<ReportResult> {
  const deps = withDefaults(input);
  const experiment = await deps.store.open(options.experiment, {
    lock: true,
    purpose: 'lab-orchestrate report',
  });
  try {
    return await reportExperiment(deps, experiment, options);
  } finally {
    await experiment.release();
  }
}

/** `lab-orchestrate report --results <files or dirs>`: any OMB result files. */
export async function reportFromResults(options: {
  paths: readonly string[];
  out: string;
  title?: string;
  clock?: Clock;
}): Promise<WrittenReport & { runs: number }> {
  const runs = await loadOmbResults(options.paths);
  const written = await writeReport(options.out, {
    title: options.title ?? `OMB results: ${options.paths.join(', ')}`,
    generatedAt: new Date((options.clock ?? systemClock).now()).toISOString(),
    runs,
  });
  return { ...written, runs: runs.length };
}

/** `lab-orchestrate report --compare exp-a exp-b …`: the runs of several experiments side by side. */
export async function compareReport(
  input: OrchestratorDeps,
  options: { experiments: readonly string[]; out: string },
): Promise<WrittenReport & { runs: number; experiments: string[] }> {
  const deps = withDefaults(input);
  const runs: ReportRun[] = [];
  const ids: string[] = [];
  for (const ref of options.experiments) {
    const experiment = await deps.store.open(ref);
    const manifest = await experiment.readManifest();
    const actual = manifest.details.actualCost as ActualCost | undefined;
    runs.push(...(await experimentReportRuns(deps, experiment, manifest, actual)).runs);
    ids.push(experiment.id);
  }
  const written = await writeReport(options.out, {
    title: `Comparison: ${ids.join(' vs ')}`,
    generatedAt: new Date(deps.clock.now()).toISOString(),
    runs,
    notes: [`Runs are matched by name across ${ids.join(', ')}; deltas are relative to ${ids[0]}.`],
  });
  return { ...written, runs: runs.length, experiments: ids };
}

async function experimentReportRuns(
  deps: ResolvedDeps,
  experiment: Experiment,
  manifest: Manifest,
  actual: ActualCost | undefined,
): Promise<{
  runs: ReportRun[];
  hourlyUsd: number;
  costSource: 'actual' | 'estimate';
  notes: string[];
  provenance: Provenance;
}> {
  const resolved = await storedConfig(experiment);
  const plan = await existingExperimentPlan(deps, experiment, { resolved });
  const records = (Array.isArray(manifest.details.runs) ? manifest.details.runs : []) as RunRecord[];
  const endMs = Date.parse(manifest.phases.teardown?.endedAt ?? new Date(deps.clock.now()).toISOString());
  const lifetimeHours = Math.max(1 / 60, (endMs - Date.parse(manifest.createdAt)) / 3_600_000);
  const costSource = actual?.status === 'available' && actual.total > 0 ? 'actual' : 'estimate';
  const hourlyUsd =
    actual?.status === 'available' && actual.total > 0 ? actual.total / lifetimeHours : hourlyCost(plan);

  const runs: ReportRun[] = [];
  const rampSteps = new Map<string, Array<{ target: number; achieved: number }>>();
  const notes = [
    `${manifest.name} in ${manifest.regions.length === 0 ? 'this machine (--target local)' : manifest.regions.join(', ')}; ${plan.config.infrastructure.roles.bookkeeper.count} bookies (${plan.config.infrastructure.roles.bookkeeper.instanceType}), ${plan.config.infrastructure.roles.broker.count} brokers, ${plan.config.infrastructure.roles.client.count} clients; Pulsar ${plan.config.infrastructure.pulsarVersion}.`,
    manifest.regions.length === 0
      ? 'Ran on this machine: no AWS cost, and numbers that say little about AWS hardware (a rehearsal).'
      : costSource === 'actual'
        ? `Cost per million messages from Cost Explorer's actual cost (${formatUsd(hourlyUsd)}/h over the experiment's life).`
        : `Cost per million messages from the on-demand estimate (${formatUsd(hourlyUsd)}/h, price table of ${plan.cost.estimate.priceTableDate}).`,
  ];
  for (const record of records) {
    if (record.status !== 'succeeded') {
      notes.push(`${record.id}: ${record.status}${record.reason === undefined ? '' : ` — ${record.reason}`}`);
      continue;
    }
    const planned = plan.runs.find((entry) => entry.run.id === record.id)?.run;
    const file = join(experiment.paths.root, record.resultFile ?? `benchmark_results/${record.id}.json`);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      notes.push(`${record.id}: result file unreadable (${errorMessage(error)})`);
      continue;
    }
    const result = parseOmbResult(text, { file });
    const summary = summarizeRun(result, {
      ...(planned?.targetRate === undefined ? {} : { targetRate: planned.targetRate }),
      ...(planned === undefined ? {} : { messageSize: planned.messageSize }),
    });
    const runMs =
      record.startedAt !== undefined && record.endedAt !== undefined
        ? Date.parse(record.endedAt) - Date.parse(record.startedAt)
        : (planned?.expectedDurationMinutes ?? 0) * 60_000;
    let ramp: ReportRun['ramp'];
    if (planned?.ramp !== undefined) {
      const steps = rampSteps.get(planned.ramp.group) ?? [];
      steps.push({ target: planned.targetRate ?? 0, achieved: summary.publish.msgPerSec ?? 0 });
      rampSteps.set(planned.ramp.group, steps);
      const verdict = detectPlateau(
        steps.map((entry) => ({ targetRate: entry.target, achievedRate: entry.achieved })),
        { allowedDeviation: planned.ramp.allowedDeviation, consecutiveSteps: planned.ramp.consecutiveSteps },
      );
      ramp = {
        steps: [...steps],
        ...(verdict.firstShortStep === undefined ? {} : { plateauStep: verdict.firstShortStep }),
      };
    }
    const hostMetrics = await storedHostMetrics(experiment, record, notes);
    if (hostMetrics !== undefined) {
      const credits = await markCpuCredits(deps, experiment, manifest, record, hostMetrics.series);
      if (credits !== undefined) notes.push(credits);
    }
    runs.push({
      ...reportRunFromOmb(result, summary, {
        id: record.id,
        // Repetitions of one run share its label; the report aggregates them.
        label: planned?.baseId ?? record.id,
        ...(planned !== undefined && planned.repetitions > 1 ? { repetition: planned.repetition } : {}),
        experimentId: experiment.id,
        // A planned run without a rate is OMB's max-rate search (0); without a plan it is unknown.
        ...(planned === undefined ? {} : { targetRate: planned.targetRate ?? 0 }),
        ...(hourlyUsd > 0 ? { costUsd: (hourlyUsd * runMs) / 3_600_000 } : {}),
        ...(ramp === undefined ? {} : { ramp }),
      }),
      ...(hostMetrics === undefined ? {} : { hosts: hostMetrics.series, bottleneck: hostMetrics.bottleneck }),
    });
  }
  // The kernel the sampler's header named (every node runs the same image).
  const kernel = runs.flatMap((run) => run.hosts ?? []).find((host) => host.kernel !== undefined)?.kernel;
  return { runs, hourlyUsd, costSource, notes, provenance: provenanceOf(plan, manifest, resolved, kernel) };
}

async function actualCostOf(deps: ResolvedDeps, manifest: Manifest): Promise<ActualCost> {
  try {
    const { actualCost } = await import('@lab/cost/aws');
    const ce = await deps.aws(manifest.regions[0] ?? 'us-east-1').costExplorer();
    return await actualCost({
      ce,
      experimentId: manifest.id,
      start: new Date(manifest.createdAt),
      end: new Date(deps.clock.now()),
      clock: deps.clock,
      sleep: deps.sleep,
    });
  } catch (error) {
    return {
      status: 'unavailable',
      message: `Cost Explorer could not be asked: ${errorMessage(error)}`,
      hint: 'The report uses the local estimate; actual cost is an enhancement.',
    };
  }
}

/** What produced an experiment's numbers, as far as the lab knows it ("–" in the report otherwise). */
function provenanceOf(
  plan: ExperimentPlan,
  manifest: Manifest,
  resolved: PlanConfig,
  kernel: string | undefined,
): Provenance {
  const roles = plan.config.infrastructure.roles;
  const amiId = typeof manifest.details.amiId === 'string' ? manifest.details.amiId : undefined;
  const testPlan = plan.config.testPlan;
  return {
    target: manifest.target,
    pulsarVersion: plan.config.infrastructure.pulsarVersion,
    ...(plan.local === undefined ? {} : { omb: { commit: plan.local.image.ombCommit } }),
    ...(amiId === undefined ? {} : { amiId }),
    ...(manifest.target === 'aws'
      ? {
          instanceTypes: {
            zookeeper: roles.zookeeper.instanceType,
            bookkeeper: roles.bookkeeper.instanceType,
            broker: roles.broker.instanceType,
            client: roles.client.instanceType,
          },
        }
      : {}),
    ...(kernel === undefined ? {} : { kernel }),
    configDigest: resolved.digest,
    ...(testPlan === undefined ? {} : { testPlan: { name: testPlan.name } }),
  };
}

/** A run's host metrics (`<run>.hosts.json`), when its sampling produced any. */
async function storedHostMetrics(
  experiment: Experiment,
  record: RunRecord,
  notes: string[],
): Promise<{ series: HostMetricsSeries[]; bottleneck: ReportRun['bottleneck'] } | undefined> {
  if (record.hostMetricsFile === undefined) return undefined;
  try {
    const stored = JSON.parse(
      await readFile(join(experiment.paths.root, record.hostMetricsFile), 'utf8'),
    ) as {
      series: HostMetricsSeries[];
      bottleneck: ReportRun['bottleneck'];
    };
    return { series: stored.series, bottleneck: stored.bottleneck };
  } catch (error) {
    notes.push(`${record.id}: host metrics unreadable (${errorMessage(error)})`);
    return undefined;
  }
}
