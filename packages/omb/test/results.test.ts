import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ValidationError } from '@lab/core';
import { describe, expect, it } from 'vitest';
import { CURRENT_RESULT_FIELDS, parseOmbResult, summarizeRun } from '../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixture = (name: string) => readFile(join(here, 'fixtures', 'results', name), 'utf8');

describe('parseOmbResult: current schema', async () => {
  const result = parseOmbResult(await fixture('omb-current-fixed-rate.json'), { file: 'current.json' });

  it('reads every field and misses none', () => {
    expect(result.missingFields).toEqual([]);
    expect(result.extraFields).toEqual([]);
    expect(result).toMatchObject({
      workload: 'fixed-rate-10k',
      driver: 'Pulsar',
      messageSize: 1024,
      partitions: 16,
    });
    expect(result.samples).toBe(6);
    expect(result.series.publishDelayLatency.p99).toHaveLength(6);
    expect(result.aggregated.publishLatency).toMatchObject({ p50: 2.1, p99: 5.8, p999: 12.7, max: 41.9 });
    expect(result.quantiles.endToEndLatency?.at(-1)).toEqual([100, 63]);
  });

  it('summarises a healthy fixed-rate run', () => {
    const summary = summarizeRun(result, { targetRate: 10_000 });
    expect(summary.publish.msgPerSec).toBeCloseTo(10_001.43, 1);
    expect(summary.publish.mbPerSec).toBeCloseTo((10_001.43 * 1024) / 1024 / 1024, 2);
    expect(summary.consume.msgPerSec).toBeCloseTo(10_001.17, 1);
    expect(summary.publishLatencyMs).toMatchObject({ p50: 2.1, p99: 5.8, p999: 12.7, max: 41.9 });
    expect(summary.endToEndLatencyMs).toMatchObject({ p50: 3.15, p99: 8.7, max: 62.85 });
    expect(summary.errorsPerSec).toBeCloseTo(0.1 / 6, 5);
    expect(summary.errorRate).toBeGreaterThan(0);
    expect(summary.errorRate).toBeLessThan(1e-5);
    expect(summary.backlog.trend).toBe('flat');
    expect(summary.target).toMatchObject({ rate: 10_000, met: true });
    expect(summary.target.achievedRatio).toBeCloseTo(1, 3);
    expect(summary.durationSeconds).toBe(60);
  });
});

describe('parseOmbResult: older schema', async () => {
  const result = parseOmbResult(await fixture('omb-older-max-rate.json'), { file: 'older.json' });

  it('lists what is missing and what is extra', () => {
    expect(result.missingFields).toEqual(
      expect.arrayContaining([
        'messageSize',
        'topics',
        'publishErrorRate',
        'publishDelayLatency99pct',
        'aggregatedEndToEndLatency99pct',
        'aggregatedEndToEndLatencyQuantiles',
      ]),
    );
    expect(result.missingFields).not.toContain('publishRate');
    expect(result.extraFields).toEqual(['messagesSent', 'messagesReceived']);
    expect(result.messageSize).toBeUndefined();
  });

  it('reads "NaN" samples as NaN and leaves them out of means', () => {
    expect(Number.isNaN(result.series.publishRate[2])).toBe(true);
    const summary = summarizeRun(result, { messageSize: 1024 });
    expect(summary.publish.msgPerSec).toBeCloseTo((52_000.5 + 61_000.2 + 64_000 + 63_900.1) / 4, 3);
    expect(summary.publish.mbPerSec).toBeCloseTo((summary.publish.msgPerSec! * 1024) / 1048576, 6);
  });

  it('fills end-to-end latency from the per-sample maxima and says so', () => {
    const summary = summarizeRun(result);
    expect(summary.endToEndLatencyMs.max).toBe(Math.max(...result.series.endToEndLatency.max!));
    expect(summary.endToEndLatencyMs.p99).toBeUndefined();
    expect(summary.errorRate).toBeUndefined();
    expect(summary.target).toEqual({ rate: undefined, achievedRatio: undefined, met: undefined });
    expect(summary.warnings).toContain('message size unknown: MB/s cannot be computed');
  });
});

describe('parseOmbResult: the real 2021 fork result', async () => {
  const text = await fixture('omb-pulsar-legacy-2021.json');
  const result = parseOmbResult(text, { file: 'omb-pulsar-legacy-2021.json' });

  it('accepts it and names the differences', () => {
    expect(result.workload).toBe('1 producer / 1 consumers on 1 topic');
    expect(result.samples).toBe(12);
    expect(result.missingFields).toEqual(
      expect.arrayContaining([
        'messageSize',
        'publishErrorRate',
        'publishDelayLatency50pct',
        'aggregatedPublishDelayLatencyMax',
      ]),
    );
    expect(result.extraFields).toEqual(
      expect.arrayContaining([
        'messagesSent',
        'messagesReceived',
        'subscriptionChangeLatencyAvg',
        'aggregatedsubscriptionChangeLatencyMax',
      ]),
    );
    expect(result.aggregated.endToEndLatency.p99).toBe(53_430.015);
    expect(result.quantiles.publishLatency?.length).toBe(611);
  });

  it('flags its growing backlog: the consumers did not keep up', () => {
    const summary = summarizeRun(result, { targetRate: 30, messageSize: 1024 });
    expect(summary.backlog.trend).toBe('growing');
    expect(summary.backlog).toMatchObject({ start: 965, end: 3739 });
    expect(summary.backlog.slopePerSec).toBeGreaterThan(20);
    expect(summary.backlog.verdict).toContain('consumers did not keep up');
    expect(summary.warnings).toContain(summary.backlog.verdict);
    expect(summary.consume.msgPerSec).toBeLessThan(summary.publish.msgPerSec! / 4);
    expect(summary.target.met).toBe(true);
    expect(summary.publishLatencyMs.p99).toBe(23.559);
    expect(summary.publishDelayLatencyMs).toEqual({});
    expect(summary.warnings).toContain(
      'no publish delay in the result: whether the producer kept its schedule is unknown',
    );
  });

  it('does not warn about the backlog of a backlog run', () => {
    const summary = summarizeRun(result, { backlogExpected: true });
    expect(summary.backlog.trend).toBe('growing');
    expect(summary.backlog.verdict).toContain('as a backlog run does');
    expect(summary.warnings).not.toContain(summary.backlog.verdict);
  });
});

describe('parseOmbResult: what is not an OMB result', () => {
  const reject = (input: unknown) => {
    try {
      parseOmbResult(input, { file: 'x.json' });
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      return error as ValidationError;
    }
    throw new Error('accepted');
  };

  it('rejects invalid JSON with its position', () => {
    const error = reject('{\n  "publishRate": [1, 2,\n}');
    expect(error.message).toMatch(/^x\.json is not an OMB result: not valid JSON/);
    expect(error.issues[0]).toMatchObject({ file: 'x.json', line: 3 });
  });

  it('rejects an empty file, an array and unrelated JSON', () => {
    expect(reject('').issues[0]!.message).toBe('the file is empty');
    expect(reject('[1, 2]').message).toContain('expected a JSON object, got an array');
    const unrelated = reject('{"name": "my-app", "version": "1.0.0"}');
    expect(unrelated.message).toContain('neither publishRate');
    expect(unrelated.issues[0]!.received).toBe('keys name, version');
  });

  it('rejects known fields of the wrong type, all at once', () => {
    const error = reject({ publishRate: [1, 'fast'], consumeRate: 5, workload: 3 });
    expect(error.issues.map((issue) => issue.path).sort()).toEqual([
      'consumeRate',
      'publishRate.1',
      'workload',
    ]);
  });

  it('accepts bare NaN tokens some writers emit', () => {
    const result = parseOmbResult('{"publishRate": [NaN, 5], "consumeRate": [Infinity, 5]}');
    expect(result.series.consumeRate?.[0]).toBe(Number.POSITIVE_INFINITY);
    expect(result.missingFields.length).toBe(CURRENT_RESULT_FIELDS.length - 2);
  });
});

describe('summarizeRun edge cases', () => {
  it('reports a missed target and a shrinking backlog', () => {
    const result = parseOmbResult({
      publishRate: [8000, 8000, 8000, 8000],
      consumeRate: [9000, 9000, 9000, 9000],
      backlog: [30_000, 20_000, 10_000, 0],
      aggregatedPublishLatency99pct: 10,
    });
    const summary = summarizeRun(result, { targetRate: 10_000, messageSize: 100 });
    expect(summary.target).toMatchObject({ met: false, achievedRatio: 0.8 });
    expect(summary.warnings).toContain('published 8000 msg/s of the 10000 msg/s target (80.0 %)');
    expect(summary.backlog.trend).toBe('shrinking');
    expect(summary.backlog.slopePerSec).toBeCloseTo(-1000, 6);
  });

  it('says when there are too few samples to judge', () => {
    const summary = summarizeRun(parseOmbResult({ publishRate: [], consumeRate: [] }));
    expect(summary.backlog.trend).toBe('unknown');
    expect(summary.publish.msgPerSec).toBeUndefined();
    expect(summary.warnings[0]).toContain('no samples');
  });

  it('takes latency percentiles from the quantile map when aggregates are missing', () => {
    const result = parseOmbResult({
      publishRate: [1],
      consumeRate: [1],
      aggregatedPublishLatencyQuantiles: { '50.0': 1, '99.0': 7, '99.9': 9, '100.0': 20 },
    });
    expect(summarizeRun(result).publishLatencyMs).toMatchObject({ p50: 1, p99: 7, p999: 9, max: 20 });
  });
});

describe('parseOmbResult: a real result of OMB 00502be against Pulsar 4.0.4 (the local target)', async () => {
  const text = await fixture('omb-pulsar-4.0.4-local.json');
  const result = parseOmbResult(text, { file: 'omb-pulsar-4.0.4-local.json' });

  it('has every field of the current schema, publish delay included, and nothing unknown', () => {
    expect(result.missingFields).toEqual([]);
    expect(result.extraFields).toEqual([]);
    expect(result.workload).toBe('fixed-1k');
    expect(result.messageSize).toBe(1024);
    expect(result.samples).toBeGreaterThanOrEqual(5);
  });

  it('summarizes to the rate it was asked for, without warnings', () => {
    const summary = summarizeRun(result, { targetRate: 1000, messageSize: 1024 });
    expect(summary.publish.msgPerSec).toBeGreaterThan(950);
    expect(summary.publish.msgPerSec).toBeLessThan(1050);
    expect(summary.target.met).toBe(true);
    expect(summary.warnings).toEqual([]);
  });

  it('reports the publish delay in ms (OMB records µs): aggregatedPublishDelayLatency99pct 5744 µs', () => {
    const summary = summarizeRun(result);
    expect(summary.publishDelayLatencyMs).toMatchObject({ p50: 0.072, p99: 5.744, p999: 26.099, max: 43.64 });
  });
});
