import type { ReportRun } from '../../src/index.js';

/** A deterministic synthetic run: `samples` ten-second samples around `rate` msg/s. */
export function syntheticRun(
  index: number,
  options: { samples?: number; experimentId?: string; growing?: boolean } = {},
): ReportRun {
  const samples = options.samples ?? 30;
  const rate = 10_000 * (index + 1);
  let seed = index + 1;
  const noise = () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647 - 0.5;
  };
  const publishRate = Array.from({ length: samples }, () => rate * (1 + 0.02 * noise()));
  const consumeRate = publishRate.map(
    (value) => value * (options.growing === true ? 0.8 : 1 + 0.01 * noise()),
  );
  let backlog = 0;
  const backlogSeries = publishRate.map((value, i) => {
    backlog = Math.max(0, backlog + (value - consumeRate[i]!) * 10);
    return backlog;
  });
  return {
    id: `run-${index}`,
    label: `fixed-${rate}`,
    ...(options.experimentId === undefined ? {} : { experimentId: options.experimentId }),
    workload: `1-topic-16-partitions-1kb-${rate}`,
    messageSize: 1024,
    targetRate: rate,
    publishRate: rate * 0.99,
    consumeRate: rate * (options.growing === true ? 0.8 : 0.99),
    publishMBps: (rate * 0.99 * 1024) / 1_048_576,
    consumeMBps: (rate * 0.99 * 1024) / 1_048_576,
    publishLatencyMs: { p50: 2.1, p99: 8.4 + index, p999: 21, max: 88 },
    endToEndLatencyMs: { p50: 3.2, p99: 12 + index, p999: 35, max: 120 },
    publishDelayLatencyMs: { p50: 0.08, p99: 2 + index, p999: 6, max: 9 },
    publishErrorRate: 0,
    backlog: options.growing === true ? 'growing' : 'flat',
    messagesSent: rate * samples * 10,
    costPerMillionMessages: 0.0123,
    warnings: options.growing === true ? ['backlog grows: consumers did not keep up'] : [],
    series: {
      intervalSeconds: 10,
      publishRate,
      consumeRate,
      backlog: backlogSeries,
      publishLatencyP99: publishRate.map((_, i) => 8 + Math.abs(noise()) * 4 + i * 0.01),
      endToEndLatencyP99: publishRate.map(() => 12 + Math.abs(noise()) * 6),
      publishDelayP99: publishRate.map(() => 2 + Math.abs(noise())),
    },
    quantiles: {
      publish: [50, 75, 90, 95, 99, 99.9, 99.99, 99.999].map((p, i) => [p, 2 + i * i]),
      endToEnd: [50, 75, 90, 95, 99, 99.9, 99.99, 99.999].map((p, i) => [p, 3 + i * i * 1.5]),
      publishDelay: [50, 75, 90, 95, 99, 99.9, 99.99].map((p, i) => [p, 0.08 + i * 0.5]),
    },
  };
}
