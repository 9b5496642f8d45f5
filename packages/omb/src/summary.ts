import type { LatencyStat, LatencyStats, OmbResult } from './results.js';
import { SAMPLE_INTERVAL_SECONDS } from './results.js';

export type BacklogTrend = 'flat' | 'growing' | 'shrinking' | 'unknown';

export interface Throughput {
  /** Mean over the samples, msg/s. */
  msgPerSec: number | undefined;
  /** MiB/s, as OMB prints "MB/s": msg/s × message size ÷ 1024². */
  mbPerSec: number | undefined;
}

export interface RunSummary {
  workload: string | undefined;
  samples: number;
  durationSeconds: number;
  messageSize: number | undefined;
  publish: Throughput;
  consume: Throughput;
  /** ms: p50, p99, p99.9, max (and the rest when the file has them). */
  publishLatencyMs: LatencyStats;
  /** ms; empty when the file has no end-to-end latency. */
  endToEndLatencyMs: LatencyStats;
  /**
   * ms (OMB records µs): how late messages were sent against the intended schedule. Large values
   * mean the producer fell behind and the latencies above understate what a client would see.
   * Empty when the file has no publish delay (older releases).
   */
  publishDelayLatencyMs: LatencyStats;
  /** Mean publish errors per second, when the file records them. */
  errorsPerSec: number | undefined;
  /** Errors ÷ (messages published + errors), 0–1. */
  errorRate: number | undefined;
  backlog: {
    trend: BacklogTrend;
    start: number | undefined;
    end: number | undefined;
    /** Least-squares slope, messages per second. */
    slopePerSec: number | undefined;
    verdict: string;
  };
  target: {
    rate: number | undefined;
    /** achieved ÷ target. */
    achievedRatio: number | undefined;
    /** Achieved within `allowedDeviation` of the target. */
    met: boolean | undefined;
  };
  /** Things a report should show next to the numbers. */
  warnings: string[];
}

export interface SummarizeOptions {
  /** The run's target rate (msg/s); omit for max-rate runs. */
  targetRate?: number | undefined;
  /** Bytes per message; defaults to the result's `messageSize`. */
  messageSize?: number | undefined;
  /** A run meets its target when achieved ≥ target × (1 − allowedDeviation). Default 0.05. */
  allowedDeviation?: number;
  /** A backlog run grows its backlog on purpose while it builds. */
  backlogExpected?: boolean;
}

const mean = (values: readonly number[] | undefined): number | undefined => {
  const finite = (values ?? []).filter(Number.isFinite);
  return finite.length === 0 ? undefined : finite.reduce((sum, value) => sum + value, 0) / finite.length;
};

/** Least-squares slope of `values` sampled every `interval` seconds. */
function slope(values: readonly number[], interval: number): number {
  const n = values.length;
  const meanX = ((n - 1) * interval) / 2;
  const meanY = values.reduce((sum, value) => sum + value, 0) / n;
  let numerator = 0;
  let denominator = 0;
  values.forEach((value, index) => {
    const dx = index * interval - meanX;
    numerator += dx * (value - meanY);
    denominator += dx * dx;
  });
  return denominator === 0 ? 0 : numerator / denominator;
}

const PERCENTILE_OF: Partial<Record<LatencyStat, number>> = {
  p50: 50,
  p75: 75,
  p95: 95,
  p99: 99,
  p999: 99.9,
  p9999: 99.99,
};

/** Aggregated latency; missing statistics filled from the quantile map when the file has one. */
function latency(
  aggregated: LatencyStats,
  quantiles: Array<[number, number]> | undefined,
  series: Partial<Record<LatencyStat, number[]>>,
): { stats: LatencyStats; source: 'aggregated' | 'quantiles' | 'samples' | 'none' } {
  const stats: LatencyStats = { ...aggregated };
  let source: 'aggregated' | 'quantiles' | 'samples' | 'none' =
    Object.keys(aggregated).length > 0 ? 'aggregated' : 'none';
  for (const [stat, percentile] of Object.entries(PERCENTILE_OF) as Array<[LatencyStat, number]>) {
    if (stats[stat] !== undefined || quantiles === undefined || quantiles.length === 0) continue;
    const found = quantiles.find(([p]) => p >= percentile - 1e-9) ?? quantiles.at(-1)!;
    stats[stat] = found[1];
    if (source === 'none') source = 'quantiles';
  }
  if (stats.max === undefined && quantiles !== undefined && quantiles.length > 0)
    stats.max = quantiles.at(-1)![1];
  if (stats.max === undefined && series.max !== undefined && series.max.length > 0) {
    // The largest per-sample maximum is the run's maximum.
    stats.max = Math.max(...series.max);
    if (source === 'none') source = 'samples';
  }
  return { stats, source };
}

const microsToMillis = (stats: LatencyStats): LatencyStats =>
  Object.fromEntries(Object.entries(stats).map(([stat, value]) => [stat, value / 1000]));

/**
 * Summarises one OMB run: throughput in msg/s and MB/s, latency percentiles, error rate, the
 * backlog trend (a growing backlog means consumers did not keep up) and achieved vs target.
 */
export function summarizeRun(result: OmbResult, options: SummarizeOptions = {}): RunSummary {
  const warnings: string[] = [];
  const messageSize = options.messageSize ?? result.messageSize;
  const allowedDeviation = options.allowedDeviation ?? 0.05;
  const mb = (rate: number | undefined) =>
    rate === undefined || messageSize === undefined ? undefined : (rate * messageSize) / (1024 * 1024);
  const publishRate = mean(result.series.publishRate);
  const consumeRate = mean(result.series.consumeRate);
  if (result.samples === 0)
    warnings.push('the result has no samples: the run ended before its first 10 s period');
  if (messageSize === undefined) warnings.push('message size unknown: MB/s cannot be computed');

  const publishLatency = latency(
    result.aggregated.publishLatency,
    result.quantiles.publishLatency,
    result.series.publishLatency,
  );
  const endToEnd = latency(
    result.aggregated.endToEndLatency,
    result.quantiles.endToEndLatency,
    result.series.endToEndLatency,
  );
  if (publishLatency.source === 'none') warnings.push('no publish latency in the result');
  if (publishLatency.source === 'samples')
    warnings.push('publish latency percentiles unavailable: only per-sample maxima');
  if (endToEnd.source === 'none') warnings.push('no end-to-end latency in the result');
  const publishDelay = latency(
    result.aggregated.publishDelayLatency,
    result.quantiles.publishDelayLatency,
    result.series.publishDelayLatency,
  );
  if (publishDelay.source === 'none')
    warnings.push('no publish delay in the result: whether the producer kept its schedule is unknown');

  const errorsPerSec = mean(result.series.publishErrorRate);
  const errorRate =
    errorsPerSec === undefined || publishRate === undefined
      ? undefined
      : errorsPerSec + publishRate === 0
        ? 0
        : errorsPerSec / (errorsPerSec + publishRate);
  if (errorRate !== undefined && errorRate > 0) {
    warnings.push(`${(errorRate * 100).toFixed(3)} % of publish attempts failed`);
  }

  const backlog = backlogVerdict(result, publishRate, options.backlogExpected === true);
  if (backlog.trend === 'growing' && options.backlogExpected !== true) warnings.push(backlog.verdict);

  const target = options.targetRate;
  const achievedRatio =
    target === undefined || target <= 0 || publishRate === undefined ? undefined : publishRate / target;
  const met = achievedRatio === undefined ? undefined : achievedRatio >= 1 - allowedDeviation;
  if (met === false) {
    warnings.push(
      `published ${Math.round(publishRate ?? 0)} msg/s of the ${target} msg/s target (${((achievedRatio ?? 0) * 100).toFixed(1)} %)`,
    );
  }
  return {
    workload: result.workload,
    samples: result.samples,
    durationSeconds: result.samples * SAMPLE_INTERVAL_SECONDS,
    messageSize,
    publish: { msgPerSec: publishRate, mbPerSec: mb(publishRate) },
    consume: { msgPerSec: consumeRate, mbPerSec: mb(consumeRate) },
    publishLatencyMs: publishLatency.stats,
    endToEndLatencyMs: endToEnd.stats,
    publishDelayLatencyMs: microsToMillis(publishDelay.stats),
    errorsPerSec,
    errorRate,
    backlog,
    target: { rate: target, achievedRatio, met },
    warnings,
  };
}

function backlogVerdict(
  result: OmbResult,
  publishRate: number | undefined,
  expected: boolean,
): RunSummary['backlog'] {
  const values = (result.series.backlog ?? []).filter(Number.isFinite);
  if (values.length < 3) {
    return {
      trend: 'unknown',
      start: values[0],
      end: values.at(-1),
      slopePerSec: undefined,
      verdict: 'not enough backlog samples to judge the trend',
    };
  }
  const perSecond = slope(values, SAMPLE_INTERVAL_SECONDS);
  const start = values[0]!;
  const end = values.at(-1)!;
  // A healthy run's backlog wobbles around the messages in flight. It is a trend when it moves by
  // more than 1 % of the publish rate per second and by more than 100 messages overall.
  const threshold = Math.max(0.01 * (publishRate ?? 0), 0.01);
  const netChange = end - start;
  let trend: BacklogTrend = 'flat';
  if (perSecond > threshold && netChange > 100) trend = 'growing';
  else if (perSecond < -threshold && netChange < -100) trend = 'shrinking';
  const rate = `${perSecond >= 0 ? '+' : ''}${perSecond.toFixed(1)} msg/s`;
  const verdict =
    trend === 'growing'
      ? expected
        ? `backlog grew from ${start} to ${end} messages (${rate}), as a backlog run does while it builds`
        : `backlog grew from ${start} to ${end} messages (${rate}): consumers did not keep up`
      : trend === 'shrinking'
        ? `backlog shrank from ${start} to ${end} messages (${rate}): consumers were catching up`
        : `backlog stayed flat (${start} → ${end} messages)`;
  return { trend, start, end, slopePerSec: perSecond, verdict };
}
