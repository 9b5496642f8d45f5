import { type BackoffSchedule, delayFor, resolveSchedule } from '@lab/backoff';
import {
  abortReason,
  type Clock,
  createEmitter,
  type Emitter,
  type EventSink,
  errorMessage,
  realSleep,
  type Sleep,
  systemClock,
} from '@lab/core';
import type { KeptResource } from './keep.js';
import type { Resource } from './model.js';
import type { Plan, PlanStep } from './plan.js';

export const SOURCE = '@lab/tag-cleanup';

/** What happened to one resource in one attempt. */
export type DeleteOutcome =
  | { key: string; status: 'deleted' | 'gone' }
  | { key: string; status: 'failed'; error: unknown };

export interface DeleteContext {
  /** Absolute clock time by which waits must end. */
  deadline: number;
  signal?: AbortSignal | undefined;
  /** 1 for the first round. */
  round: number;
}

/**
 * Deletes resources. The executor calls `deleteBatch` with resources of ONE type in ONE region;
 * the implementation batches where the API allows, waits for asynchronous deletions, and
 * returns one outcome per resource: `gone` when it was already deleted (NotFound), `failed`
 * with the error otherwise (it will be retried in a later round).
 */
export interface Deleter {
  deleteBatch(resources: readonly Resource[], context: DeleteContext): Promise<DeleteOutcome[]>;
}

export interface ExecuteOptions {
  /** Absolute clock time after which no new round starts. */
  deadline: number;
  /** Rounds in a row without any resource deleted before giving up (the fixed point). Default 3. */
  maxIdleRounds?: number;
  /** Wait between rounds, growing while rounds make no progress. Default 2 s ×2 ≤ 30 s. */
  roundDelay?: BackoffSchedule;
  /** Most resources per `deleteBatch` call. Default: all of a type in a region. */
  maxBatch?: number;
  /** Run the batches of one level in parallel (default) or one after the other. */
  parallel?: boolean;
  signal?: AbortSignal;
  events?: EventSink;
  clock?: Clock;
  sleep?: Sleep;
}

export interface RemainingResource {
  resource: Resource;
  /** The last error deleting it, why it was never attempted, or why it is kept. */
  message: string;
  error?: unknown;
  /** Set when cleanup left it alone on purpose (an image without `includeImages` …). */
  kept?: Omit<KeptResource, 'resource' | 'message'>;
}

export interface ExecutionResult {
  deleted: Resource[];
  remaining: RemainingResource[];
  rounds: number;
  /** `done`: nothing left; `fixed-point`: rounds stopped making progress; `deadline`: out of time. */
  stoppedBy: 'done' | 'fixed-point' | 'deadline';
}

const DEFAULT_ROUND_DELAY: Required<BackoffSchedule> = {
  initialDelayMs: 2000,
  factor: 2,
  maxDelayMs: 30_000,
  jitter: 0,
};

const chunk = <T>(items: readonly T[], size: number): T[][] => {
  const chunks: T[][] = [];
  for (let index = 0; index < items.length; index += size) chunks.push(items.slice(index, index + size));
  return chunks;
};

/**
 * Executes a plan in rounds. Each round walks the levels in order and, within a level, deletes
 * every remaining resource whose dependencies are gone — grouped by type and region, groups in
 * parallel. Failures (DependencyViolation, throttling that outlasted its retries, resources
 * still in use) are retried in the next round; nothing is skipped. It stops when everything is
 * gone, when `maxIdleRounds` rounds in a row deleted nothing (the fixed point), or at the deadline.
 */
export async function executePlan(
  plan: Plan,
  deleter: Deleter,
  options: ExecuteOptions,
): Promise<ExecutionResult> {
  const clock = options.clock ?? systemClock;
  const sleep = options.sleep ?? realSleep;
  const emitter: Emitter = createEmitter({ source: SOURCE, sink: options.events, clock }).child('execute');
  const maxIdleRounds = options.maxIdleRounds ?? 3;
  const roundDelay = resolveSchedule(options.roundDelay, DEFAULT_ROUND_DELAY);
  const maxBatch = options.maxBatch ?? Number.POSITIVE_INFINITY;
  const total = plan.steps.length;

  const remaining = new Map<string, PlanStep>(plan.steps.map((step) => [step.key, step]));
  const lastError = new Map<string, unknown>();
  const deleted: Resource[] = [];
  let rounds = 0;
  let idle = 0;
  let stoppedBy: ExecutionResult['stoppedBy'] = 'done';

  const attempt = async (group: PlanStep[], round: number): Promise<number> => {
    const resources = group.map((step) => step.resource);
    let outcomes: DeleteOutcome[];
    try {
      outcomes = await deleter.deleteBatch(resources, {
        deadline: options.deadline,
        signal: options.signal,
        round,
      });
    } catch (error) {
      if (options.signal?.aborted) throw abortReason(options.signal);
      outcomes = group.map((step) => ({ key: step.key, status: 'failed', error }));
    }
    let done = 0;
    const byKey = new Map(outcomes.map((outcome) => [outcome.key, outcome]));
    for (const step of group) {
      const outcome = byKey.get(step.key);
      if (outcome === undefined) {
        lastError.set(step.key, new Error('the deleter reported nothing for this resource'));
        continue;
      }
      if (outcome.status === 'failed') {
        lastError.set(step.key, outcome.error);
        emitter.emit(
          'resource.failed',
          `${step.resource.type} ${step.resource.id}: ${errorMessage(outcome.error)} (will retry)`,
          { key: step.key, round },
          'debug',
        );
        continue;
      }
      remaining.delete(step.key);
      lastError.delete(step.key);
      deleted.push(step.resource);
      done += 1;
      emitter.emit(
        'resource.deleted',
        `${outcome.status === 'gone' ? 'Already gone' : 'Deleted'}: ${step.resource.type} ${step.resource.id} (${step.resource.region})`,
        {
          key: step.key,
          status: outcome.status,
          progress: { done: deleted.length, total, label: 'deleted' },
        },
      );
    }
    return done;
  };

  while (remaining.size > 0) {
    if (options.signal?.aborted) throw abortReason(options.signal);
    if (clock.now() >= options.deadline) {
      stoppedBy = 'deadline';
      break;
    }
    rounds += 1;
    emitter.emit('round.started', `Round ${rounds}: ${remaining.size} resource(s) left`, {
      round: rounds,
      remaining: remaining.size,
    });
    let progress = 0;
    for (let level = 0; level < plan.levels; level += 1) {
      if (clock.now() >= options.deadline) break;
      const ready = [...remaining.values()].filter(
        (step) => step.level === level && step.waitsFor.every((key) => !remaining.has(key)),
      );
      if (ready.length === 0) continue;
      const groups = new Map<string, PlanStep[]>();
      for (const step of ready) {
        const groupKey = `${step.resource.type}:${step.resource.region}`;
        groups.set(groupKey, [...(groups.get(groupKey) ?? []), step]);
      }
      const batches = [...groups.values()].flatMap((group) => chunk(group, maxBatch));
      if (options.parallel === false) {
        for (const batch of batches) progress += await attempt(batch, rounds);
      } else {
        const counts = await Promise.all(batches.map((batch) => attempt(batch, rounds)));
        progress += counts.reduce((sum, count) => sum + count, 0);
      }
    }
    if (remaining.size === 0) break;
    idle = progress > 0 ? 0 : idle + 1;
    if (idle >= maxIdleRounds) {
      stoppedBy = 'fixed-point';
      break;
    }
    const delay = Math.min(
      delayFor(Math.max(0, idle - 1), roundDelay),
      Math.max(0, options.deadline - clock.now()),
    );
    if (delay > 0) await sleep(delay, options.signal);
  }
  if (remaining.size > 0 && stoppedBy === 'done') stoppedBy = 'deadline';

  const remainingList: RemainingResource[] = [...remaining.values()].map((step) => {
    const error = lastError.get(step.key);
    if (error !== undefined) return { resource: step.resource, message: errorMessage(error), error };
    const blockers = step.waitsFor.filter((key) => remaining.has(key));
    return {
      resource: step.resource,
      message:
        blockers.length > 0
          ? `not attempted: waits for ${blockers.length} resource(s) that remain`
          : 'not attempted before the deadline',
    };
  });
  emitter.emit(
    'finished',
    `Deleted ${deleted.length} of ${total} in ${rounds} round(s)${remainingList.length > 0 ? `; ${remainingList.length} remain (${stoppedBy})` : ''}`,
    { deleted: deleted.length, remaining: remainingList.length, rounds, stoppedBy },
    remainingList.length > 0 ? 'warn' : 'info',
  );
  return { deleted, remaining: remainingList, rounds, stoppedBy };
}
