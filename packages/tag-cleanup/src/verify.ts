import { delayFor, resolveSchedule } from '@lab/backoff';
import { type Clock, type Emitter, realSleep } from '@lab/core';
import type { CleanupOptions } from './cleanup.js';
import { type Deleter, type ExecutionResult, executePlan, type RemainingResource } from './execute.js';
import { type KeptResource, keptAsRemaining, partitionKept } from './keep.js';
import { type DiscoveryProblem, type DiscoveryResult, type Resource, resourceKey } from './model.js';
import { buildPlan, type Plan } from './plan.js';

export interface VerifyInput {
  plan: Plan;
  deleter: Deleter;
  discover: () => Promise<DiscoveryResult>;
  inScope: (resource: Resource) => boolean;
  includeImages: boolean;
  options: CleanupOptions;
  clock: Clock;
  emitter: Emitter;
}

export interface VerifyOutcome {
  execution: ExecutionResult;
  kept: KeptResource[];
  remaining: RemainingResource[];
  /** Problems of the last listing. */
  problems: DiscoveryProblem[];
}

export const DEFAULT_TIMEOUT_MS = 30 * 60_000;

const DEFAULT_PASS_DELAY = { initialDelayMs: 2000, factor: 2, maxDelayMs: 30_000, jitter: 0 };

/**
 * Executes the plan, then lists everything again. While that listing still shows planned
 * resources whose deletion succeeded (eventual consistency) or that were never attempted, and
 * passes are left, it waits and runs another pass over just those (the plan was confirmed; what
 * appeared meanwhile is reported, not deleted). Whatever the last listing finds is `remaining`.
 */
export async function executeAndVerify(input: VerifyInput): Promise<VerifyOutcome> {
  const { options, clock, emitter } = input;
  const deadline = clock.now() + (options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const maxPasses = Math.max(1, options.maxPasses ?? 5);
  const passDelay = resolveSchedule(options.roundDelay, DEFAULT_PASS_DELAY);
  const planned = new Set(input.plan.steps.map((step) => step.key));
  const execute = (plan: Plan) =>
    executePlan(plan, input.deleter, {
      deadline,
      ...(options.maxIdleRounds === undefined ? {} : { maxIdleRounds: options.maxIdleRounds }),
      ...(options.roundDelay === undefined ? {} : { roundDelay: options.roundDelay }),
      ...(options.maxBatch === undefined ? {} : { maxBatch: options.maxBatch }),
      ...(options.parallel === undefined ? {} : { parallel: options.parallel }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.events === undefined ? {} : { events: options.events }),
      clock,
      ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
    });

  let execution = await execute(input.plan);
  for (let pass = 1; ; pass += 1) {
    emitter.emit(
      'verify.started',
      pass === 1 ? 'Verifying: discovering again' : `Verifying again (pass ${pass})`,
    );
    const listing = await input.discover();
    const { toDelete, kept } = partitionKept(listing.resources.filter(input.inScope), {
      includeImages: input.includeImages,
    });
    const failed = new Map(execution.remaining.map((entry) => [resourceKey(entry.resource), entry]));
    // Planned, still listed, and not stuck on an error of its own: another pass may finish it.
    const again = toDelete.filter((resource) => {
      const key = resourceKey(resource);
      return planned.has(key) && failed.get(key)?.error === undefined;
    });
    const stuck = toDelete.some((resource) => failed.get(resourceKey(resource))?.error !== undefined);
    if (
      again.length > 0 &&
      !stuck &&
      pass < maxPasses &&
      clock.now() < deadline &&
      options.signal?.aborted !== true
    ) {
      emitter.emit(
        'verify.again',
        `${again.length} planned resource(s) still listed; another pass in a moment (eventual consistency)`,
        { left: again.length, pass },
      );
      const delay = Math.min(delayFor(pass - 1, passDelay), Math.max(0, deadline - clock.now()));
      if (delay > 0) await (options.sleep ?? realSleep)(delay, options.signal);
      const next = await execute(
        buildPlan(
          toDelete.filter((r) => planned.has(resourceKey(r))),
          options.planOptions,
        ),
      );
      const counted = new Set(execution.deleted.map(resourceKey));
      execution = {
        // A resource deleted in one pass is "already gone" in the next: count it once.
        deleted: [...execution.deleted, ...next.deleted.filter((r) => !counted.has(resourceKey(r)))],
        remaining: next.remaining,
        rounds: execution.rounds + next.rounds,
        stoppedBy: next.stoppedBy,
      };
      continue;
    }
    const deletedKeys = new Set(execution.deleted.map(resourceKey));
    const leftovers: RemainingResource[] = toDelete.map((resource) => {
      const key = resourceKey(resource);
      const known = failed.get(key);
      if (known !== undefined) return { ...known, resource };
      return {
        resource,
        message: !planned.has(key)
          ? 'appeared during cleanup; run again'
          : deletedKeys.has(key)
            ? 'still present although its deletion succeeded (eventual consistency?); run again'
            : 'not attempted; run again',
      };
    });
    return {
      execution,
      kept,
      remaining: [...leftovers, ...keptAsRemaining(kept)],
      problems: listing.problems,
    };
  }
}
