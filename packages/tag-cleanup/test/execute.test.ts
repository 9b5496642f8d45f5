import { collectEvents, createVirtualTime } from '@lab/core';
import { describe, expect, it } from 'vitest';
import {
  buildPlan,
  type DeleteOutcome,
  type Deleter,
  executePlan,
  type Resource,
  resourceKey,
} from '../src/index.js';
import { resource } from './fixtures.js';

const dependencyViolation = () =>
  Object.assign(new Error('has dependencies'), { name: 'DependencyViolation' });

/** A deleter that fails each id the given number of times, then succeeds; records every call. */
function scriptedDeleter(failures: Record<string, number>): Deleter & { calls: string[][] } {
  const left = { ...failures };
  const calls: string[][] = [];
  return {
    calls,
    deleteBatch: async (resources: readonly Resource[]) => {
      calls.push(resources.map((r) => r.id));
      return resources.map((r): DeleteOutcome => {
        if ((left[r.id] ?? 0) > 0) {
          left[r.id]! -= 1;
          return { key: resourceKey(r), status: 'failed', error: dependencyViolation() };
        }
        return { key: resourceKey(r), status: 'deleted' };
      });
    },
  };
}

const vpcTopology = [
  resource('instance', 'i-1', { vpcId: 'vpc-1' }),
  resource('instance', 'i-2', { vpcId: 'vpc-1' }),
  resource('security-group', 'sg-1', { vpcId: 'vpc-1' }),
  resource('subnet', 'subnet-1', { vpcId: 'vpc-1' }),
  resource('vpc', 'vpc-1', { vpcId: 'vpc-1' }),
];

describe('executePlan', () => {
  it('deletes level by level, a batch per type and region', async () => {
    const time = createVirtualTime();
    const deleter = scriptedDeleter({});
    const result = await executePlan(buildPlan(vpcTopology), deleter, {
      deadline: time.clock.now() + 60_000,
      ...time,
    });
    expect(deleter.calls).toEqual([['i-1', 'i-2'], ['sg-1'], ['subnet-1'], ['vpc-1']]);
    expect(result).toMatchObject({ stoppedBy: 'done', rounds: 1, remaining: [] });
  });

  it('retries DependencyViolation in later rounds until everything is gone', async () => {
    const time = createVirtualTime();
    const deleter = scriptedDeleter({ 'sg-1': 2, 'vpc-1': 1 });
    const result = await executePlan(buildPlan(vpcTopology), deleter, {
      deadline: time.clock.now() + 600_000,
      ...time,
    });
    expect(result.stoppedBy).toBe('done');
    expect(result.deleted.map((r) => r.id).sort()).toEqual(['i-1', 'i-2', 'sg-1', 'subnet-1', 'vpc-1']);
    // The VPC was not even tried while its security group remained.
    expect(deleter.calls.filter((ids) => ids.includes('vpc-1'))).toHaveLength(2);
    expect(result.rounds).toBe(4);
  });

  it('stops at the fixed point and reports each remaining resource with its last error', async () => {
    const time = createVirtualTime();
    const { sink, events } = collectEvents();
    const deleter = scriptedDeleter({ 'sg-1': 1000 });
    const result = await executePlan(buildPlan(vpcTopology), deleter, {
      deadline: time.clock.now() + 3_600_000,
      maxIdleRounds: 3,
      events: sink,
      ...time,
    });
    expect(result.stoppedBy).toBe('fixed-point');
    expect(result.remaining.map((entry) => [entry.resource.id, entry.message])).toEqual([
      ['sg-1', 'has dependencies'],
      ['vpc-1', 'not attempted: waits for 1 resource(s) that remain'],
    ]);
    // Round 1 made progress; rounds 2–4 did not: three idle rounds, growing waits between them.
    expect(result.rounds).toBe(4);
    expect(time.sleeps).toEqual([2000, 2000, 4000]);
    expect(events.at(-1)).toMatchObject({ level: 'warn', type: 'execute.finished' });
  });

  it('stops at the deadline', async () => {
    const time = createVirtualTime();
    const deleter = scriptedDeleter({ 'sg-1': 1000 });
    const result = await executePlan(buildPlan(vpcTopology), deleter, {
      deadline: time.clock.now() + 5000,
      maxIdleRounds: 100,
      ...time,
    });
    expect(result.stoppedBy).toBe('deadline');
    expect(time.clock.now()).toBeLessThanOrEqual(Date.UTC(2026, 0, 1) + 5000);
  });

  it('treats a thrown batch as a failure of each resource in it, and "gone" as success', async () => {
    const time = createVirtualTime();
    let first = true;
    const deleter: Deleter = {
      deleteBatch: async (resources) => {
        if (first) {
          first = false;
          throw Object.assign(new Error('slow down'), { name: 'RequestLimitExceeded' });
        }
        return resources.map((r) => ({ key: resourceKey(r), status: 'gone' as const }));
      },
    };
    const result = await executePlan(
      buildPlan([resource('bucket', 'b1'), resource('bucket', 'b2')]),
      deleter,
      {
        deadline: time.clock.now() + 60_000,
        ...time,
      },
    );
    expect(result).toMatchObject({ stoppedBy: 'done', rounds: 2 });
    expect(result.deleted).toHaveLength(2);
  });

  it('runs batches one at a time with parallel: false and maxBatch: 1 (the baseline)', async () => {
    const time = createVirtualTime();
    const deleter = scriptedDeleter({});
    await executePlan(buildPlan(vpcTopology), deleter, {
      deadline: time.clock.now() + 60_000,
      parallel: false,
      maxBatch: 1,
      ...time,
    });
    expect(deleter.calls).toEqual([['i-1'], ['i-2'], ['sg-1'], ['subnet-1'], ['vpc-1']]);
  });
});
