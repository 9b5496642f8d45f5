import {
  DescribeInstancesCommand,
  type DescribeInstancesCommandOutput,
  type EC2Client,
  type Filter,
  type Instance,
} from '@aws-sdk/client-ec2';
import {
  awsErrorCode,
  COMPONENTS,
  type Component,
  fromAwsTags,
  isComponent,
  PROJECT,
  TAG_KEYS,
} from '@lab/core';
import type { Observation, Stage } from '../types.js';
import { type AwsStageOptions, type InstanceTarget, isTransientStageError } from './common.js';

/** EC2 states an instance of a new cluster never comes back from by itself. */
export const TERMINAL_INSTANCE_STATES: ReadonlySet<string> = new Set([
  'shutting-down',
  'terminated',
  'stopping',
  'stopped',
]);

export interface InstancesRunningOptions extends AwsStageOptions {
  ec2: EC2Client;
  /**
   * Query by these filters (e.g. the experiment's tags) instead of by the targets' ids. A
   * filtered query never fails with `InvalidInstanceID.NotFound`; targets it does not return
   * yet are "not visible yet".
   */
  filters?: Filter[];
}

/**
 * Stage 1: every instance is `running`. DescribeInstances by the targets' ids (default) or by
 * filters, following every page. `InvalidInstanceID.NotFound` right after launch is eventual
 * consistency and means "keep waiting"; `shutting-down`, `terminated`, `stopping` and `stopped`
 * fail the stage at once, with EC2's state reason as the detail.
 */
export function instancesRunningStage(options: InstancesRunningOptions): Stage<InstanceTarget> {
  const name = options.name ?? 'instances running';
  return {
    name,
    progressLabel: options.name ?? 'running',
    timeoutMs: options.timeoutMs ?? 10 * 60_000,
    ...(options.schedule === undefined ? {} : { schedule: options.schedule }),
    isTransientError: isTransientStageError,
    hint: 'Look at the instances in the EC2 console (state reason, system log); capacity and quota errors show up as a state reason.',
    async observe(targets, context) {
      const ids = targets.map((target) => target.id);
      let instances: Instance[];
      try {
        instances = await describeInstances(options.ec2, options.filters, ids, context.signal);
      } catch (error) {
        // Rethrown as is so the stage can classify it by its AWS code (throttling → next round);
        // the cascade wraps anything fatal in a CascadeStageError naming this stage.
        if (awsErrorCode(error) !== 'InvalidInstanceID.NotFound') throw error;
        return notFoundObservations(ids, error);
      }
      const byId = new Map(instances.map((instance) => [instance.InstanceId, instance]));
      return new Map(
        ids.map((id): [string, Observation] => {
          const instance = byId.get(id);
          return [id, instance === undefined ? notVisible(options.filters) : observeInstance(instance)];
        }),
      );
    },
  };
}

async function describeInstances(
  ec2: EC2Client,
  filters: Filter[] | undefined,
  ids: readonly string[],
  signal: AbortSignal | undefined,
): Promise<Instance[]> {
  const instances: Instance[] = [];
  let nextToken: string | undefined;
  do {
    const page: DescribeInstancesCommandOutput = await ec2.send(
      new DescribeInstancesCommand(
        filters === undefined
          ? { InstanceIds: [...ids], ...(nextToken === undefined ? {} : { NextToken: nextToken }) }
          : {
              Filters: filters,
              MaxResults: 1000,
              ...(nextToken === undefined ? {} : { NextToken: nextToken }),
            },
      ),
      signal === undefined ? {} : { abortSignal: signal },
    );
    for (const reservation of page.Reservations ?? []) instances.push(...(reservation.Instances ?? []));
    nextToken = page.NextToken || undefined;
  } while (nextToken !== undefined);
  return instances;
}

function observeInstance(instance: Instance): Observation {
  const state = instance.State?.Name ?? 'unknown';
  const reason = instance.StateReason?.Message ?? instance.StateTransitionReason;
  const data = { state, ...(reason ? { reason } : {}) };
  if (state === 'running') return { ready: true, detail: 'running', data };
  if (TERMINAL_INSTANCE_STATES.has(state)) {
    return { ready: false, terminal: true, detail: reason ? `${state}: ${reason}` : state, data };
  }
  return { ready: false, detail: state, data };
}

function notVisible(filters: Filter[] | undefined): Observation {
  return {
    ready: false,
    detail:
      filters === undefined
        ? 'not visible to DescribeInstances yet'
        : 'not returned by the filtered DescribeInstances yet (or its tags do not match the filters)',
  };
}

/** EC2 names the missing ids in the message; the others were simply not described this round. */
function notFoundObservations(ids: readonly string[], error: unknown): Map<string, Observation> {
  const message = error instanceof Error ? error.message : '';
  const missing = new Set(message.match(/i-[0-9a-f]+/g) ?? []);
  return new Map(
    ids.map((id): [string, Observation] => [
      id,
      missing.size === 0 || missing.has(id)
        ? { ready: false, detail: 'InvalidInstanceID.NotFound (new instances take a moment to appear)' }
        : { ready: false, detail: 'not described this round: another instance id was not found yet' },
    ]),
  );
}

export interface DiscoverInstancesOptions {
  ec2: EC2Client;
  experimentId: string;
  signal?: AbortSignal;
}

/**
 * The experiment's instances as cascade targets, found by tag (`Project`, `ExperimentID`) and
 * excluding terminated ones; `role` comes from the `Component` tag and the label is
 * `<role>-<n>`. Ordered by role (zookeeper, bookkeeper, broker, client), then launch time, then id.
 */
export async function discoverInstanceTargets(options: DiscoverInstancesOptions): Promise<InstanceTarget[]> {
  const instances = await describeInstances(
    options.ec2,
    [
      { Name: `tag:${TAG_KEYS.project}`, Values: [PROJECT] },
      { Name: `tag:${TAG_KEYS.experimentId}`, Values: [options.experimentId] },
      { Name: 'instance-state-name', Values: ['pending', 'running'] },
    ],
    [],
    options.signal,
  );
  const roleOf = (instance: Instance): Component | undefined => {
    const component = fromAwsTags(instance.Tags)[TAG_KEYS.component];
    return component !== undefined && isComponent(component) ? component : undefined;
  };
  const rank = (instance: Instance) => {
    const role = roleOf(instance);
    return role === undefined ? COMPONENTS.length : COMPONENTS.indexOf(role);
  };
  const sorted = [...instances].sort(
    (a, b) =>
      rank(a) - rank(b) ||
      (a.LaunchTime?.getTime() ?? 0) - (b.LaunchTime?.getTime() ?? 0) ||
      (a.InstanceId ?? '').localeCompare(b.InstanceId ?? ''),
  );
  const counts = new Map<string, number>();
  const targets: InstanceTarget[] = [];
  for (const instance of sorted) {
    if (instance.InstanceId === undefined) continue;
    const role = roleOf(instance);
    const key = role ?? 'instance';
    const count = (counts.get(key) ?? 0) + 1;
    counts.set(key, count);
    targets.push({
      id: instance.InstanceId,
      label: `${key}-${count}`,
      ...(role === undefined ? {} : { role }),
    });
  }
  return targets;
}
