import { isTransientAwsError, pollUntil } from '@lab/backoff';
import { awsErrorCode } from '@lab/core';
import { describeCommand, isNotYetVisible, listInvocations, type SsmCallContext } from './api.js';
import { SsmApiError } from './errors.js';
import { DEFAULT_POLL_SCHEDULE, type RunCommandOptions } from './options.js';
import { fetchOutputs } from './output.js';
import type { Plan } from './plan.js';
import { type InstanceStates, markMissing, observeInvocation, type TrackedCommand } from './state.js';
import { isFinalCommandStatus, isFinalStatus } from './status.js';

/** What one runCommand's polling works on. */
export interface PollRun {
  context: SsmCallContext;
  options: RunCommandOptions;
  plan: Plan;
  states: InstanceStates;
  tracked: readonly TrackedCommand[];
  /** Absolute clock time at which polling gives up. */
  deadline: number;
  /** How long an instance may stay unlisted after SendCommand (ms). */
  consistencyWindowMs: number;
}

/**
 * Polls until every command is done and every finished instance has its output: each round one
 * ListCommandInvocations per unfinished command, then the output still missing. Rejects with
 * PollTimeoutError at the deadline, or with the first error that retrying cannot fix.
 */
export async function pollToCompletion(run: PollRun): Promise<void> {
  const { context, options, plan, states, tracked } = run;
  const settled = (): boolean =>
    tracked.every((command) => command.done) &&
    [...states.values()].every((state) => !isFinalStatus(state.status) || state.outputDone);

  await pollUntil(
    async ({ attempt }) => {
      // Nothing finishes in the milliseconds after SendCommand: the first look comes one delay later.
      if (attempt === 1) return false;
      await Promise.all(tracked.filter((command) => !command.done).map((command) => refresh(run, command)));
      await fetchOutputs(context, states, options);
      return settled();
    },
    {
      until: (done) => done,
      deadline: run.deadline,
      ...DEFAULT_POLL_SCHEDULE,
      ...options.poll,
      isTransientError: isTransientAwsError,
      clock: context.clock,
      sleep: context.sleep,
      ...(options.random === undefined ? {} : { random: options.random }),
      ...(context.signal === undefined ? {} : { signal: context.signal }),
      description: plan.description,
    },
  );
}

/** One look at one command: its invocations, and whether it is done. */
async function refresh(run: PollRun, command: TrackedCommand): Promise<void> {
  const { context, states } = run;
  const window = run.consistencyWindowMs;
  try {
    const invocations = await listInvocations(context, command.commandId);
    for (const invocation of invocations) observeInvocation(states, command, invocation, context.emitter);
    if (command.instanceIds !== undefined) {
      const pending = command.instanceIds.filter((id) => !isFinalStatus(states.get(id)?.status));
      if (pending.length === 0) {
        command.done = true;
        return;
      }
      const unlisted = pending.filter((id) => states.get(id)?.status === undefined);
      // Everything SSM lists is final, yet some instances never appeared: once the
      // consistency window has passed, ask whether the command itself has finished.
      if (unlisted.length === pending.length && context.clock.now() - command.sentAt >= window) {
        const described = await describeCommand(context, command.commandId);
        if (isFinalCommandStatus(described.Status)) {
          for (const id of unlisted) markMissing(states.get(id)!);
          command.done = true;
        }
      }
      return;
    }
    // Tag targets: only SSM knows how many instances matched.
    if (invocations.every((invocation) => isFinalStatus(invocation.Status))) {
      const described = await describeCommand(context, command.commandId);
      if (isFinalCommandStatus(described.Status) && invocations.length >= (described.TargetCount ?? 0)) {
        command.done = true;
      }
    }
  } catch (error) {
    if (isNotYetVisible(error)) {
      if (context.clock.now() - command.sentAt < window) return;
      throw error instanceof SsmApiError
        ? error
        : new SsmApiError(
            'ListCommandInvocations',
            `command ${command.commandId}`,
            awsErrorCode(error),
            error,
          );
    }
    throw error;
  }
}
