import {
  CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { cpuCreditsExhausted, MAX_QUERIES_PER_REQUEST } from '../src/aws.js';

const cloudwatchMock = mockClient(CloudWatchClient);
const cloudwatch = new CloudWatchClient({ region: 'us-east-1' });
const from = new Date('2026-11-30T10:02:30Z');
const to = new Date('2026-11-30T10:21:10Z');

beforeEach(() => {
  cloudwatchMock.reset();
});

/** Answers each query with the values `balances` gives its instance (none: no datapoints). */
function answer(balances: (instanceId: string) => number[]) {
  cloudwatchMock.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => ({
    MetricDataResults: (input.MetricDataQueries ?? []).map(
      (query): MetricDataResult => ({
        Id: query.Id,
        Values: balances(query.MetricStat?.Metric?.Dimensions?.[0]?.Value ?? ''),
        StatusCode: 'Complete',
      }),
    ),
  }));
}

describe('cpuCreditsExhausted', () => {
  it('asks for the minimum CPUCreditBalance per instance over whole 5-minute periods of the run', async () => {
    answer((id) => ({ 'i-a': [140, 12.5, 0.2], 'i-b': [300, 288] })[id] ?? []);
    const result = await cpuCreditsExhausted({ cloudwatch, instanceIds: ['i-a', 'i-b', 'i-none'], from, to });
    expect(result.get('i-a')).toEqual({ minBalance: 0.2, exhausted: true });
    expect(result.get('i-b')).toEqual({ minBalance: 288, exhausted: false });
    expect(result.has('i-none')).toBe(false);
    expect(cloudwatchMock).toHaveReceivedCommandTimes(GetMetricDataCommand, 1);
    expect(cloudwatchMock).toHaveReceivedCommandWith(GetMetricDataCommand, {
      StartTime: new Date('2026-11-30T10:00:00Z'),
      EndTime: new Date('2026-11-30T10:30:00Z'),
      MetricDataQueries: [
        {
          Id: 'i0',
          MetricStat: {
            Metric: {
              Namespace: 'AWS/EC2',
              MetricName: 'CPUCreditBalance',
              Dimensions: [{ Name: 'InstanceId', Value: 'i-a' }],
            },
            Period: 300,
            Stat: 'Minimum',
          },
          ReturnData: true,
        },
        expect.objectContaining({ Id: 'i1' }),
        expect.objectContaining({ Id: 'i2' }),
      ],
    });
  });

  it('takes another exhaustion threshold', async () => {
    answer(() => [30, 4]);
    const result = await cpuCreditsExhausted({
      cloudwatch,
      instanceIds: ['i-a'],
      from,
      to,
      exhaustedAtOrBelow: 5,
    });
    expect(result.get('i-a')).toEqual({ minBalance: 4, exhausted: true });
  });

  it('batches 500 instances per request and asks once per distinct id', async () => {
    const ids = Array.from({ length: 1001 }, (_, index) => `i-${index.toString(16).padStart(17, '0')}`);
    answer((id) => [id === ids[1000] ? 0 : 50]);
    const result = await cpuCreditsExhausted({ cloudwatch, instanceIds: [...ids, ids[0]!], from, to });
    const sizes = cloudwatchMock
      .commandCalls(GetMetricDataCommand)
      .map((call) => call.args[0].input.MetricDataQueries?.length);
    expect(sizes).toEqual([MAX_QUERIES_PER_REQUEST, MAX_QUERIES_PER_REQUEST, 1]);
    expect(result.size).toBe(1001);
    expect([...result].filter(([, status]) => status.exhausted).map(([id]) => id)).toEqual([ids[1000]]);
  });

  it('follows NextToken and keeps the minimum across pages', async () => {
    cloudwatchMock
      .on(GetMetricDataCommand)
      .resolvesOnce({ MetricDataResults: [{ Id: 'i0', Values: [20, 15] }], NextToken: 'page-2' })
      .resolvesOnce({ MetricDataResults: [{ Id: 'i0', Values: [0] }] });
    const result = await cpuCreditsExhausted({ cloudwatch, instanceIds: ['i-a'], from, to });
    expect(result.get('i-a')).toEqual({ minBalance: 0, exhausted: true });
    expect(cloudwatchMock).toHaveReceivedNthCommandWith(GetMetricDataCommand, 2, { NextToken: 'page-2' });
  });

  it('says what it was doing when CloudWatch refuses', async () => {
    cloudwatchMock
      .on(GetMetricDataCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }));
    await expect(
      cpuCreditsExhausted({ cloudwatch, instanceIds: ['i-a', 'i-b'], from, to }),
    ).rejects.toMatchObject({
      message: 'Reading CPUCreditBalance of 2 instance(s) from CloudWatch: not authorized',
      hint: 'The caller needs cloudwatch:GetMetricData.',
    });
  });

  it('makes no request without instances', async () => {
    expect((await cpuCreditsExhausted({ cloudwatch, instanceIds: [], from, to })).size).toBe(0);
    expect(cloudwatchMock).toHaveReceivedCommandTimes(GetMetricDataCommand, 0);
  });
});
