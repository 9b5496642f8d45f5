import {
  CancelCommandCommand,
  type Command,
  type CommandInvocation,
  GetCommandInvocationCommand,
  type GetCommandInvocationCommandOutput,
  ListCommandInvocationsCommand,
  ListCommandsCommand,
  SendCommandCommand,
  type SendCommandCommandInput,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import { classifyAwsError, isTransientAwsError, retry } from '@lab/backoff';
import { AbortedError, awsErrorCode, type Clock, type Emitter, type Sleep } from '@lab/core';
import { SsmApiError, SsmInstanceNotRegisteredError } from './errors.js';

/** What every SSM call needs: the client, time, cancellation, and somewhere to count calls. */
export interface SsmCallContext {
  ssm: SSMClient;
  clock: Clock;
  sleep: Sleep;
  random?: (() => number) | undefined;
  signal?: AbortSignal | undefined;
  /** Retries stop when the next delay would pass this absolute time. */
  deadline?: number | undefined;
  emitter: Emitter;
  /** API calls made, by operation name (e.g. `SendCommand`), including retries. */
  calls: Record<string, number>;
}

interface CallOptions {
  /** Which failures to retry; default: throttling, 5xx and network errors. */
  shouldRetry?: (error: unknown) => boolean;
  /** Ignore the caller's signal (CancelCommand must still go out after an abort). */
  ignoreSignal?: boolean;
  deadline?: number;
}

/**
 * Sends one SSM request, retrying transient failures with `retry` from @lab/backoff, counting
 * attempts, and wrapping anything else in an SsmApiError that says what was being done.
 */
async function call<T>(
  context: SsmCallContext,
  operation: string,
  what: string,
  send: (abortSignal: AbortSignal | undefined) => Promise<T>,
  options: CallOptions = {},
): Promise<T> {
  const signal = options.ignoreSignal ? undefined : context.signal;
  const deadline = options.deadline ?? context.deadline;
  try {
    return await retry(
      () => {
        context.calls[operation] = (context.calls[operation] ?? 0) + 1;
        return send(signal);
      },
      {
        shouldRetry: options.shouldRetry ?? isTransientAwsError,
        clock: context.clock,
        sleep: context.sleep,
        ...(context.random === undefined ? {} : { random: context.random }),
        ...(signal === undefined ? {} : { signal }),
        ...(deadline === undefined ? {} : { deadline }),
        onRetry: ({ error, attempt, delayMs }) =>
          context.emitter.emit(
            'ssm.api.retry',
            `${operation} (${what}) failed with ${awsErrorCode(error) ?? 'an error'}; retry ${attempt} in ${Math.round(delayMs)} ms`,
            { operation, code: awsErrorCode(error), attempt, delayMs },
            'debug',
          ),
      },
    );
  } catch (error) {
    if (error instanceof AbortedError || signal?.aborted) throw error;
    // Transient errors that outlived their retries stay as they are: the poller treats them as
    // "not ready yet" until its deadline.
    if (isTransientAwsError(error)) throw error;
    throw new SsmApiError(operation, what, awsErrorCode(error), error);
  }
}

/** SSM errors that only mean "not visible yet" right after SendCommand (eventual consistency). */
export function isNotYetVisible(error: unknown): boolean {
  const code = error instanceof SsmApiError ? error.awsCode : awsErrorCode(error);
  return code === 'InvocationDoesNotExist' || code === 'InvalidCommandId';
}

/**
 * SendCommand. Only throttling is retried: a 5xx or a timeout may mean the command was accepted,
 * and sending it twice would run it twice. InvalidInstanceId becomes SsmInstanceNotRegisteredError.
 */
export async function sendCommand(
  context: SsmCallContext,
  input: SendCommandCommandInput,
  what: string,
): Promise<Command & { CommandId: string }> {
  try {
    const output = await call(
      context,
      'SendCommand',
      what,
      (abortSignal) => context.ssm.send(new SendCommandCommand(input), { abortSignal }),
      { shouldRetry: (error) => classifyAwsError(error) === 'throttling' },
    );
    const command = output.Command;
    if (command?.CommandId === undefined) {
      throw new SsmApiError('SendCommand', what, undefined, new Error('the response carries no CommandId'));
    }
    return command as Command & { CommandId: string };
  } catch (error) {
    const code = error instanceof SsmApiError ? error.awsCode : awsErrorCode(error);
    if (code === 'InvalidInstanceId') {
      throw new SsmInstanceNotRegisteredError(input.InstanceIds ?? [], error);
    }
    throw error;
  }
}

/**
 * Every invocation of one command with its status and plugin details — one
 * ListCommandInvocations request per page of 50. Right after SendCommand the list may be empty.
 */
export async function listInvocations(
  context: SsmCallContext,
  commandId: string,
): Promise<CommandInvocation[]> {
  const invocations: CommandInvocation[] = [];
  let nextToken: string | undefined;
  do {
    const token = nextToken;
    const page = await call(context, 'ListCommandInvocations', `command ${commandId}`, (abortSignal) =>
      context.ssm.send(
        new ListCommandInvocationsCommand({
          CommandId: commandId,
          Details: true,
          MaxResults: 50,
          ...(token === undefined ? {} : { NextToken: token }),
        }),
        { abortSignal },
      ),
    );
    invocations.push(...(page.CommandInvocations ?? []));
    nextToken = page.NextToken === '' ? undefined : page.NextToken;
  } while (nextToken !== undefined);
  return invocations;
}

/** The command itself (ListCommands): status, target count, parameters as SSM stored them. */
export async function describeCommand(context: SsmCallContext, commandId: string): Promise<Command> {
  const output = await call(context, 'ListCommands', `command ${commandId}`, (abortSignal) =>
    context.ssm.send(new ListCommandsCommand({ CommandId: commandId }), { abortSignal }),
  );
  const command = output.Commands?.find((candidate) => candidate.CommandId === commandId);
  if (command === undefined) {
    throw Object.assign(new Error(`ListCommands did not return command ${commandId}`), {
      name: 'InvalidCommandId',
    });
  }
  return command;
}

/**
 * One invocation's full output (GetCommandInvocation): the first 24,000 characters of stdout and
 * 8,000 of stderr. InvocationDoesNotExist right after the command became visible elsewhere is
 * retried like throttling.
 */
export function getInvocation(
  context: SsmCallContext,
  commandId: string,
  instanceId: string,
): Promise<GetCommandInvocationCommandOutput> {
  return call(
    context,
    'GetCommandInvocation',
    `command ${commandId} on ${instanceId}`,
    (abortSignal) =>
      context.ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }), {
        abortSignal,
      }),
    { shouldRetry: (error) => isTransientAwsError(error) || isNotYetVisible(error) },
  );
}

/** CancelCommand, sent even after the caller aborted, bounded by its own short deadline. */
export async function cancelCommand(context: SsmCallContext, commandId: string): Promise<void> {
  await call(
    context,
    'CancelCommand',
    `command ${commandId}`,
    () => context.ssm.send(new CancelCommandCommand({ CommandId: commandId })),
    { ignoreSignal: true, deadline: context.clock.now() + 30_000 },
  );
}
