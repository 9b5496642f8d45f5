import { PollTimeoutError } from '@lab/backoff';
import {
  AbortedError,
  abortReason,
  awsErrorCode,
  createEmitter,
  isLabError,
  realSleep,
  systemClock,
} from '@lab/core';
import type { SsmCallContext } from './api.js';
import { SsmAbortedError, SsmApiError, SsmDeadlineError } from './errors.js';
import type { RunCommandOptions, RunCommandResult } from './options.js';
import { planCommand, resolveDeadline } from './plan.js';
import { pollToCompletion } from './poll.js';
import { sendAll, stopCommands } from './send.js';
import { type InstanceStates, orderedResults } from './state.js';

const SOURCE = '@lab/ssm-runner';

/**
 * Runs a script (or an argument vector) on many instances through SSM Run Command and resolves
 * with one result per instance. Instances that fail do not make it reject: check `ok`, or call
 * `assertAllSucceeded`. Rejects with ValidationError (before any call), SsmInstanceNotRegisteredError,
 * SsmDeadlineError / SsmAbortedError (after CancelCommand), or SsmApiError.
 */
export async function runCommand(options: RunCommandOptions): Promise<RunCommandResult> {
  const plan = planCommand(options);
  const clock = options.clock ?? systemClock;
  const sleep = options.sleep ?? realSleep;
  const signal = options.signal;
  const start = clock.now();
  const deadline = resolveDeadline(start, options, plan);
  const emitter = createEmitter({ source: SOURCE, sink: options.events, clock });
  const context: SsmCallContext = {
    ssm: options.ssm,
    clock,
    sleep,
    random: options.random,
    signal,
    deadline,
    emitter,
    calls: {},
  };
  if (signal?.aborted) throw abortReason(signal);

  const states: InstanceStates = new Map();
  const tracked = await sendAll(context, options, plan, states);
  try {
    await pollToCompletion({
      context,
      options,
      plan,
      states,
      tracked,
      deadline,
      consistencyWindowMs: options.consistencyWindowMs ?? 30_000,
    });
  } catch (error) {
    const state = await stopCommands(context, tracked, states, plan);
    if (error instanceof PollTimeoutError) {
      const lastError = error.lastError;
      throw new SsmDeadlineError(plan.description, clock.now() - start, state, lastError ?? error);
    }
    if (error instanceof AbortedError || signal?.aborted)
      throw new SsmAbortedError(plan.description, state, error);
    if (isLabError(error)) throw error;
    throw new SsmApiError('Run Command', plan.description, awsErrorCode(error), error);
  }

  const results = orderedResults(states, plan);
  const elapsedMs = clock.now() - start;
  const succeeded = results.filter((result) => result.ok).length;
  const byOutcome: Record<string, number> = {};
  for (const result of results) byOutcome[result.outcome] = (byOutcome[result.outcome] ?? 0) + 1;
  emitter.emit(
    'ssm.command.finished',
    `${plan.description}: ${succeeded}/${results.length} instance(s) succeeded in ${(elapsedMs / 1000).toFixed(1)} s`,
    {
      commandIds: tracked.map((command) => command.commandId),
      outcomes: byOutcome,
      elapsedMs,
      apiCalls: context.calls,
    },
    succeeded === results.length && results.length > 0 ? 'info' : 'warn',
  );
  return {
    description: plan.description,
    commandIds: tracked.map((command) => command.commandId),
    results,
    ok: results.length > 0 && succeeded === results.length,
    elapsedMs,
    apiCalls: context.calls,
  };
}
