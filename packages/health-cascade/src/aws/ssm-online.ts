import {
  DescribeInstanceInformationCommand,
  type DescribeInstanceInformationCommandOutput,
  type InstanceInformation,
  type InstanceInformationStringFilter,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import type { Observation, Stage } from '../types.js';
import { type AwsStageOptions, chunk, type InstanceTarget, isTransientStageError } from './common.js';

/** DescribeInstanceInformation returns at most 50 items per page. */
const PAGE_SIZE = 50;
/** Instance ids per `InstanceIds` filter, kept at the page size so one id list is one request. */
const IDS_PER_QUERY = 50;

export interface SsmOnlineOptions extends AwsStageOptions {
  ssm: SSMClient;
  /**
   * Query with these filters (e.g. `[{ Key: 'tag:ExperimentID', Values: [id] }]`) instead of
   * by the targets' ids.
   */
  filters?: InstanceInformationStringFilter[];
}

/**
 * Stage 2: the SSM agent of every instance is registered with `PingStatus=Online` — before
 * that, SendCommand fails with InvalidInstanceId. DescribeInstanceInformation with an
 * `InstanceIds` filter (≤ 50 ids per query) or the given filters, following every page.
 */
export function ssmOnlineStage(options: SsmOnlineOptions): Stage<InstanceTarget> {
  const name = options.name ?? 'SSM agent online';
  return {
    name,
    progressLabel: options.name ?? 'SSM online',
    timeoutMs: options.timeoutMs ?? 10 * 60_000,
    ...(options.schedule === undefined ? {} : { schedule: options.schedule }),
    isTransientError: isTransientStageError,
    hint: 'An agent that never comes online usually means a missing instance profile (AmazonSSMManagedInstanceCore) or no route to the SSM endpoints (NAT gateway or VPC endpoints).',
    async observe(targets, context) {
      const ids = targets.map((target) => target.id);
      const queries =
        options.filters === undefined
          ? chunk(ids, IDS_PER_QUERY).map((part) => [{ Key: 'InstanceIds', Values: part }])
          : [options.filters];
      const byId = new Map<string, InstanceInformation>();
      for (const filters of queries) {
        for (const info of await describeAll(options.ssm, filters, context.signal)) {
          if (info.InstanceId !== undefined) byId.set(info.InstanceId, info);
        }
      }
      return new Map(ids.map((id): [string, Observation] => [id, observe(byId.get(id))]));
    },
  };
}

async function describeAll(
  ssm: SSMClient,
  filters: InstanceInformationStringFilter[],
  signal: AbortSignal | undefined,
): Promise<InstanceInformation[]> {
  const items: InstanceInformation[] = [];
  let nextToken: string | undefined;
  do {
    const page: DescribeInstanceInformationCommandOutput = await ssm.send(
      new DescribeInstanceInformationCommand({
        Filters: filters,
        MaxResults: PAGE_SIZE,
        ...(nextToken === undefined ? {} : { NextToken: nextToken }),
      }),
      signal === undefined ? {} : { abortSignal: signal },
    );
    items.push(...(page.InstanceInformationList ?? []));
    nextToken = page.NextToken || undefined;
  } while (nextToken !== undefined);
  return items;
}

function observe(info: InstanceInformation | undefined): Observation {
  if (info === undefined) {
    return { ready: false, detail: 'SSM agent not registered yet' };
  }
  const ping = info.PingStatus ?? 'unknown';
  const data = {
    pingStatus: ping,
    ...(info.AgentVersion === undefined ? {} : { agentVersion: info.AgentVersion }),
    ...(info.LastPingDateTime === undefined ? {} : { lastPing: info.LastPingDateTime.toISOString() }),
  };
  if (ping === 'Online') {
    return { ready: true, detail: `Online (agent ${info.AgentVersion ?? 'unknown version'})`, data };
  }
  const since =
    info.LastPingDateTime === undefined ? '' : `, last ping ${info.LastPingDateTime.toISOString()}`;
  return { ready: false, detail: `PingStatus ${ping}${since}`, data };
}
