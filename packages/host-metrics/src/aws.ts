import type {
  CloudWatchClient,
  GetMetricDataCommandInput,
  GetMetricDataCommandOutput,
  MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import { withContext } from '@lab/core';

/** GetMetricData's limit of queries per request. */
export const MAX_QUERIES_PER_REQUEST = 500;

/** CPUCreditBalance is published every 5 minutes. */
const PERIOD_SECONDS = 300;

export interface CpuCreditsOptions {
  cloudwatch: CloudWatchClient;
  /** Burstable instances of the run; any number (batched 500 per request). */
  instanceIds: readonly string[];
  from: Date;
  to: Date;
  /** A minimum balance at or below this many credits counts as exhausted. Default 1 (one vCPU-minute). */
  exhaustedAtOrBelow?: number;
  signal?: AbortSignal;
}

export interface CpuCreditStatus {
  /** The lowest CPUCreditBalance reported during the run. */
  minBalance: number;
  exhausted: boolean;
}

/**
 * Whether each burstable instance ran out of CPU credits during [from, to]: the minimum of
 * `AWS/EC2 CPUCreditBalance` (5-minute periods, window widened to whole periods) at or below
 * `exhaustedAtOrBelow`. Instances CloudWatch has no datapoint for (not burstable, or too new)
 * are absent from the map. Needs `cloudwatch:GetMetricData`.
 */
export async function cpuCreditsExhausted(options: CpuCreditsOptions): Promise<Map<string, CpuCreditStatus>> {
  const threshold = options.exhaustedAtOrBelow ?? 1;
  const ids = [...new Set(options.instanceIds)];
  const periodMs = PERIOD_SECONDS * 1000;
  const start = new Date(Math.floor(options.from.getTime() / periodMs) * periodMs);
  const end = new Date(Math.ceil(options.to.getTime() / periodMs) * periodMs + periodMs);
  const minimum = new Map<string, number>();

  for (let offset = 0; offset < ids.length; offset += MAX_QUERIES_PER_REQUEST) {
    const batch = ids.slice(offset, offset + MAX_QUERIES_PER_REQUEST);
    const queries: MetricDataQuery[] = batch.map((instanceId, index) => ({
      Id: `i${index}`,
      MetricStat: {
        Metric: {
          Namespace: 'AWS/EC2',
          MetricName: 'CPUCreditBalance',
          Dimensions: [{ Name: 'InstanceId', Value: instanceId }],
        },
        Period: PERIOD_SECONDS,
        Stat: 'Minimum',
      },
      ReturnData: true,
    }));
    let nextToken: string | undefined;
    do {
      const response = await readBatch(options, {
        MetricDataQueries: queries,
        StartTime: start,
        EndTime: end,
        ...(nextToken === undefined ? {} : { NextToken: nextToken }),
      });
      for (const result of response.MetricDataResults ?? []) {
        const instanceId = batch[Number(result.Id?.slice(1))];
        if (instanceId === undefined) continue;
        for (const value of result.Values ?? []) {
          minimum.set(instanceId, Math.min(value, minimum.get(instanceId) ?? Number.POSITIVE_INFINITY));
        }
      }
      nextToken = response.NextToken;
    } while (nextToken !== undefined);
  }

  return new Map(
    [...minimum].map(([instanceId, minBalance]) => [
      instanceId,
      { minBalance, exhausted: minBalance <= threshold },
    ]),
  );
}

async function readBatch(
  options: CpuCreditsOptions,
  input: GetMetricDataCommandInput,
): Promise<GetMetricDataCommandOutput> {
  const { GetMetricDataCommand } = await import('@aws-sdk/client-cloudwatch');
  try {
    return await options.cloudwatch.send(
      new GetMetricDataCommand(input),
      options.signal === undefined ? {} : { abortSignal: options.signal },
    );
  } catch (error) {
    throw withContext(
      error,
      `Reading CPUCreditBalance of ${input.MetricDataQueries?.length ?? 0} instance(s) from CloudWatch`,
      { hint: 'The caller needs cloudwatch:GetMetricData.' },
    );
  }
}
