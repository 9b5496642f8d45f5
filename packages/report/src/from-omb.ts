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
  experimentId?: string;
  /** Experiment cost attributed to this run, for cost per million messages. */
  costUsd?: number;
  ramp?: ReportRun['ramp'];
}

/** Maps a parsed OMB result and its summary to what the report shows. */
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
  return {
    id: options.id,
    label: options.label,
    ...(options.experimentId === undefined ? {} : { experimentId: options.experimentId }),
    ...(summary.workload === undefined ? {} : { workload: summary.workload }),
    ...(summary.messageSize === undefined ? {} : { messageSize: summary.messageSize }),
    ...(summary.target.rate === undefined ? {} : { targetRate: summary.target.rate }),
    publishRate: summary.publish.msgPerSec ?? 0,
    consumeRate: summary.consume.msgPerSec ?? 0,
    publishMBps: summary.publish.mbPerSec ?? 0,
    consumeMBps: summary.consume.mbPerSec ?? 0,
    publishLatencyMs: pick(summary.publishLatencyMs),
    endToEndLatencyMs: pick(summary.endToEndLatencyMs),
    ...(summary.errorsPerSec === undefined ? {} : { publishErrorRate: summary.errorsPerSec }),
    backlog: summary.backlog.trend,
    ...(messagesSent === undefined ? {} : { messagesSent }),
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
    },
    quantiles: { publish: quantiles('publishLatency'), endToEnd: quantiles('endToEndLatency') },
    ...(options.ramp === undefined ? {} : { ramp: options.ramp }),
  };
}

const pick = (stats: RunSummary['publishLatencyMs']) => ({
  ...(stats.p50 === undefined ? {} : { p50: stats.p50 }),
  ...(stats.p99 === undefined ? {} : { p99: stats.p99 }),
  ...(stats.p999 === undefined ? {} : { p999: stats.p999 }),
  ...(stats.max === undefined ? {} : { max: stats.max }),
});

/**
 * Reads OMB result files — any, not only the lab's own — given as files and/or directories
 * (every `*.json` inside, sorted by name). A file that is not an OMB result stops with a
 * ValidationError naming it: a report silently missing a run would mislead.
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
  for (const file of files) {
    const result = parseOmbResult(await readFile(file, 'utf8'), { file });
    const label = basename(file, '.json');
    let id = sanitizeName(label) || 'run';
    for (let n = 2; used.has(id); n += 1) id = `${sanitizeName(label)}-${n}`;
    used.add(id);
    runs.push(
      reportRunFromOmb(result, summarizeRun(result), {
        id,
        label,
        ...(options.experimentId === undefined ? {} : { experimentId: options.experimentId }),
      }),
    );
  }
  return runs;
}
