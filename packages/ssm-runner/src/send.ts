import type { SendCommandCommandInput } from '@aws-sdk/client-ssm';
import { AbortedError, awsErrorCode, isLabError } from '@lab/core';
import { cancelCommand, type SsmCallContext, sendCommand } from './api.js';
import {
  SsmAbortedError,
  SsmApiError,
  SsmInstanceNotRegisteredError,
  type StoppedCommandState,
} from './errors.js';
import type { RunCommandOptions } from './options.js';
import type { Plan } from './plan.js';
import { type InstanceStates, instanceResult, newState, type TrackedCommand } from './state.js';
import { isFinalStatus } from './status.js';

/**
 * Sends the plan: one SendCommand per batch of instances (in parallel) or one for tag targets.
 * When some batches are refused, the accepted ones are cancelled before it rejects, so that half
 * a fleet never runs the command.
 */
export async function sendAll(
  context: SsmCallContext,
  options: RunCommandOptions,
  plan: Plan,
  states: InstanceStates,
): Promise<TrackedCommand[]> {
  const base: SendCommandCommandInput = {
    DocumentName: 'AWS-RunShellScript',
    Parameters: {
      commands: plan.commands,
      executionTimeout: [String(plan.executionTimeoutSeconds)],
      ...(options.workingDirectory === undefined ? {} : { workingDirectory: [options.workingDirectory] }),
    },
    TimeoutSeconds: plan.deliveryTimeoutSeconds,
    ...(options.comment === undefined ? {} : { Comment: options.comment }),
    ...(options.maxConcurrency === undefined ? {} : { MaxConcurrency: String(options.maxConcurrency) }),
    ...(options.maxErrors === undefined ? {} : { MaxErrors: String(options.maxErrors) }),
  };
  const requests: Array<{ input: SendCommandCommandInput; instanceIds: string[] | undefined; what: string }> =
    plan.batches !== undefined
      ? plan.batches.map((batch) => ({
          input: { ...base, InstanceIds: batch },
          instanceIds: batch,
          what: `${plan.description} on ${batch.length} instance(s) (${batch[0]}…)`,
        }))
      : [
          {
            input: { ...base, Targets: plan.targets },
            instanceIds: undefined,
            what: `${plan.description} on tag targets`,
          },
        ];

  const outcomes = await Promise.allSettled(
    requests.map(async (request) => {
      const command = await sendCommand(context, request.input, request.what);
      const tracked: TrackedCommand = {
        commandId: command.CommandId,
        instanceIds: request.instanceIds,
        sentAt: context.clock.now(),
        done: false,
      };
      for (const id of request.instanceIds ?? []) states.set(id, newState(id, command.CommandId));
      context.emitter.emit(
        'ssm.command.sent',
        `${plan.description}: sent command ${command.CommandId} to ${request.instanceIds === undefined ? 'tag targets' : `${request.instanceIds.length} instance(s)`}`,
        {
          commandId: command.CommandId,
          description: plan.description,
          ...(request.instanceIds === undefined
            ? { targets: plan.targets }
            : { instanceIds: request.instanceIds }),
        },
      );
      return tracked;
    }),
  );
  const sent = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
  const failures = outcomes.flatMap((outcome) =>
    outcome.status === 'rejected' ? [outcome.reason as unknown] : [],
  );
  if (failures.length === 0) return sent;

  // Some batches were accepted and others not: do not leave half a fleet running the command.
  const state = await stopCommands(context, sent, states, plan);
  const notRegistered = failures.filter(
    (failure): failure is SsmInstanceNotRegisteredError => failure instanceof SsmInstanceNotRegisteredError,
  );
  if (notRegistered.length > 0) {
    throw new SsmInstanceNotRegisteredError(
      notRegistered.flatMap((failure) => failure.instanceIds),
      notRegistered[0]!.cause,
    );
  }
  const first = failures[0];
  if (first instanceof AbortedError || context.signal?.aborted)
    throw new SsmAbortedError(plan.description, state, first);
  if (isLabError(first)) throw first;
  throw new SsmApiError('SendCommand', plan.description, awsErrorCode(first), first);
}

/** Cancels every unfinished command and reports what was still running. */
export async function stopCommands(
  context: SsmCallContext,
  tracked: readonly TrackedCommand[],
  states: InstanceStates,
  plan: Plan,
): Promise<StoppedCommandState> {
  const unfinished = tracked.filter((command) => !command.done);
  const failures: unknown[] = [];
  await Promise.all(
    unfinished.map(async (command) => {
      try {
        await cancelCommand(context, command.commandId);
        context.emitter.emit(
          'ssm.command.cancelled',
          `${plan.description}: cancelled command ${command.commandId}`,
          { commandId: command.commandId },
          'warn',
        );
      } catch (error) {
        failures.push(error);
        context.emitter.emit(
          'ssm.command.cancel-failed',
          `${plan.description}: could not cancel command ${command.commandId}: ${error instanceof Error ? error.message : String(error)}`,
          { commandId: command.commandId },
          'error',
        );
      }
    }),
  );
  const all = [...states.values()];
  return {
    commandIds: tracked.map((command) => command.commandId),
    running: all.filter((state) => !isFinalStatus(state.status)).map((state) => state.instanceId),
    results: all.map((state) => instanceResult(state, plan)),
    cancelled: failures.length === 0,
    ...(failures.length === 0 ? {} : { cancelError: failures[0] }),
  };
}
