import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { withContext } from '@lab/core';
import {
  type OmbResult,
  parseOmbResult,
  type RunSummary,
  SAMPLE_INTERVAL_SECONDS,
  sanitizeName,
  summarizeRun,
} from '@lab/omb';
import type { ReportRun } from './model.js';

export interface ReportRunOptions {
  id: string;
  label: string;
  /** 1-based repetition number when the run is one of several with the same label. */
  repetition?: number;
  experimentId?: string;
  /** The run's intended rate (msg/s, 0 = max-rate search) when the summary does not know it. */
  targetRate?: number;
  /** Experiment cost attributed to this run, for cost per million messages. */
  costUsd?: number;
  ramp?: ReportRun['ramp'];
}

const optional = <K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> =>
  value === undefined ? {} : ({ [key]: value } as Record<K, V>);

const toMillis = (values: readonly number[] | undefined) => values?.map((value) => value / 1000);

/** Maps a parsed OMB result and its summary to what the report shows; unknown stays undefined. */
export function reportRunFromOmb(
  result: OmbResult,
  summary: RunSummary,
  options: ReportRunOptions,
): ReportRun {
  const warnings = [...summary.warnings];
  if (result.missingFields.length > 0) {
    warnings.push(
      `result file lacks ${result.missingFields.length} field(s) of the current OMB schema: ${result.missingFields.slice(0, 6).join(', ')}${result.missingFields.length > 6 ? ', …' : ''}`,
    );
  }
  const messagesSent =
    summary.publish.msgPerSec === undefined ? undefined : summary.publish.msgPerSec * summary.durationSeconds;
  const quantiles = (kind: 'publishLatency' | 'endToEndLatency') => result.quantiles[kind] ?? [];
  const delayQuantiles = result.quantiles.publishDelayLatency?.map(
    ([percentile, micros]): [number, number] => [percentile, micros / 1000],
  );
  const delayP99 = toMillis(result.series.publishDelayLatency.p99);
  return {
    id: options.id,
    label: options.label,
    ...optional('repetition', options.repetition),
    ...optional('experimentId', options.experimentId),
    ...optional('workload', summary.workload),
    ...optional('messageSize', summary.messageSize),
    ...optional('targetRate', summary.target.rate ?? options.targetRate),
    ...optional('publishRate', summary.publish.msgPerSec),
    ...optional('consumeRate', summary.consume.msgPerSec),
    ...optional('publishMBps', summary.publish.mbPerSec),
    ...optional('consumeMBps', summary.consume.mbPerSec),
    publishLatencyMs: pick(summary.publishLatencyMs),
    endToEndLatencyMs: pick(summary.endToEndLatencyMs),
    publishDelayLatencyMs: pick(summary.publishDelayLatencyMs),
    ...optional('publishErrorRate', summary.errorsPerSec),
    backlog: summary.backlog.trend,
    ...optional('messagesSent', messagesSent),
    ...(options.costUsd === undefined || messagesSent === undefined || messagesSent === 0
      ? {}
      : { costPerMillionMessages: (options.costUsd / messagesSent) * 1_000_000 }),
    warnings,
    series: {
      intervalSeconds: SAMPLE_INTERVAL_SECONDS,
      publishRate: result.series.publishRate,
      consumeRate: result.series.consumeRate ?? [],
      backlog: result.series.backlog ?? [],
      publishLatencyP99: result.series.publishLatency.p99 ?? [],
      endToEndLatencyP99: result.series.endToEndLatency.p99 ?? [],
      ...optional('publishDelayP99', delayP99),
    },
    quantiles: {
      publish: quantiles('publishLatency'),
      endToEnd: quantiles('endToEndLatency'),
      ...optional('publishDelay', delayQuantiles),
    },
    ...optional('ramp', options.ramp),
  };
}

const pick = (stats: RunSummary['publishLatencyMs']) => ({
  ...optional('p50', stats.p50),
  ...optional('p99', stats.p99),
  ...optional('p999', stats.p999),
  ...optional('max', stats.max),
});

// `name.rep-2.json`: the lab's repetitions. `workload-driver-2026-11-30-09-54-42.json`: OMB's
// own output name when no --output is given; several of one label are repetitions in time order.
const REPETITION_NAME = /^(?<label>.+)\.rep-(?<repetition>\d+)$/;
const OMB_OUTPUT_NAME = /^(?<label>.+)-(?<time>\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2})$/;

/** Label and repetition number of each result file, from its name. */
export function repetitionsFromNames(
  files: readonly string[],
): Array<{ file: string; label: string; repetition?: number }> {
  const named = files.map((file) => {
    const name = basename(file, '.json');
    const lab = REPETITION_NAME.exec(name)?.groups;
    if (lab !== undefined)
      return { file, label: lab.label!, repetition: Number(lab.repetition), time: undefined };
    const omb = OMB_OUTPUT_NAME.exec(name)?.groups;
    if (omb !== undefined) return { file, label: omb.label!, repetition: undefined, time: omb.time! };
    return { file, label: name, repetition: undefined, time: undefined };
  });
  return named.map(({ file, label, repetition, time }) => {
    if (repetition !== undefined) return { file, label, repetition };
    if (time === undefined) return { file, label };
    const times = named
      .filter((other) => other.label === label && other.time !== undefined)
      .map((other) => other.time!)
      .sort();
    return times.length > 1 ? { file, label, repetition: times.indexOf(time) + 1 } : { file, label };
  });
}

/**
 * Reads OMB result files — any, not only the lab's own — given as files and/or directories
 * (every `*.json` inside, sorted by name). Files named `<label>.rep-<k>.json`, or several with
 * OMB's default name `<workload>-<driver>-<date>.json`, are repetitions of `<label>`. A file that
 * is not an OMB result stops with a ValidationError naming it: a report silently missing a run
 * would mislead.
 */
export async function loadOmbResults(
  paths: readonly string[],
  options: { experimentId?: string } = {},
): Promise<ReportRun[]> {
  const files: string[] = [];
  for (const path of paths) {
    const info = await stat(path).catch((error: unknown) => {
      throw withContext(error, `Reading results from ${path}`, {
        hint: 'Pass OMB result files or directories that contain them.',
      });
    });
    if (info.isDirectory()) {
      const names = (await readdir(path)).filter((name) => name.endsWith('.json')).sort();
      files.push(...names.map((name) => join(path, name)));
    } else {
      files.push(path);
    }
  }
  const runs: ReportRun[] = [];
  const used = new Set<string>();
  for (const { file, label, repetition } of repetitionsFromNames(files)) {
    const result = parseOmbResult(await readFile(file, 'utf8'), { file });
    const base = sanitizeName(basename(file, '.json')) || 'run';
    let id = base;
    for (let n = 2; used.has(id); n += 1) id = `${base}-${n}`;
    used.add(id);
    runs.push(
      reportRunFromOmb(result, summarizeRun(result), {
        id,
        label,
        ...optional('repetition', repetition),
        ...optional('experimentId', options.experimentId),
      }),
    );
  }
  return runs;
}
