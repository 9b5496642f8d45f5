import { AbortedError, LabError } from '@lab/core';
import type { InstanceResult } from './types.js';

/** Facts shared by the errors that stop a running command. */
export interface StoppedCommandState {
  commandIds: readonly string[];
  /** Instances whose invocation had not reached a final status. */
  running: readonly string[];
  /** What was known about every instance when the command was stopped. */
  results: readonly InstanceResult[];
  /** Whether CancelCommand succeeded for every unfinished command. */
  cancelled: boolean;
  /** Why cancelling failed, when it did. */
  cancelError?: unknown;
}

const cancelNote = (state: StoppedCommandState): string =>
  state.running.length === 0
    ? ''
    : state.cancelled
      ? '; the command was cancelled'
      : '; CancelCommand FAILED, the command may still be running';

const cancelHint = (state: StoppedCommandState): string | undefined =>
  state.cancelled || state.running.length === 0
    ? undefined
    : `Cancel it by hand: ${state.commandIds.map((id) => `aws ssm cancel-command --command-id ${id}`).join('; ')}`;

/** The caller's deadline passed before every instance finished; unfinished commands were cancelled. */
export class SsmDeadlineError extends LabError implements StoppedCommandState {
  readonly commandIds: readonly string[];
  readonly running: readonly string[];
  readonly results: readonly InstanceResult[];
  readonly cancelled: boolean;
  readonly cancelError: unknown;

  constructor(description: string, elapsedMs: number, state: StoppedCommandState, cause?: unknown) {
    super(
      'SSM_DEADLINE_EXCEEDED',
      `${description}: deadline passed after ${Math.round(elapsedMs / 100) / 10} s with ${state.running.length} instance(s) still running (${listIds(state.running)})${cancelNote(state)}`,
      {
        hint:
          cancelHint(state) ??
          'Give the command more time (timeoutMs/deadline), or look at the instances: a stopped agent or a hung script never finishes.',
        ...(cause === undefined ? {} : { cause }),
        details: stateDetails(state),
      },
    );
    this.commandIds = state.commandIds;
    this.running = state.running;
    this.results = state.results;
    this.cancelled = state.cancelled;
    this.cancelError = state.cancelError;
  }
}

/** The caller aborted (AbortSignal); unfinished commands were cancelled. Code `ABORTED`. */
export class SsmAbortedError extends AbortedError implements StoppedCommandState {
  readonly commandIds: readonly string[];
  readonly running: readonly string[];
  readonly results: readonly InstanceResult[];
  readonly cancelled: boolean;
  readonly cancelError: unknown;

  constructor(description: string, state: StoppedCommandState, cause?: unknown) {
    super(
      `${description}: aborted with ${state.running.length} instance(s) still running (${listIds(state.running)})${cancelNote(state)}`,
      {
        ...(cancelHint(state) === undefined ? {} : { hint: cancelHint(state) }),
        ...(cause === undefined ? {} : { cause }),
        details: stateDetails(state),
      },
    );
    this.commandIds = state.commandIds;
    this.running = state.running;
    this.results = state.results;
    this.cancelled = state.cancelled;
    this.cancelError = state.cancelError;
  }
}

/** SendCommand named an instance whose SSM agent has not registered (yet), or that is gone. */
export class SsmInstanceNotRegisteredError extends LabError {
  readonly instanceIds: readonly string[];

  constructor(instanceIds: readonly string[], cause: unknown) {
    super(
      'SSM_INSTANCE_NOT_REGISTERED',
      `SSM rejected the command (InvalidInstanceId): at least one of these instances is not a registered, running managed node: ${listIds(instanceIds)}`,
      {
        hint: 'The SSM agent registers a minute or two after boot: wait until DescribeInstanceInformation reports PingStatus=Online for every instance (the health cascade does), and check that the instance profile allows SSM.',
        cause,
        details: { instanceIds },
      },
    );
    this.instanceIds = instanceIds;
  }
}

/** An SSM API call failed for a reason retrying does not fix (permissions, bad input, …). */
export class SsmApiError extends LabError {
  readonly operation: string;
  readonly awsCode: string | undefined;

  constructor(operation: string, context: string, awsCode: string | undefined, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super('SSM_API_ERROR', `${context}: ${operation} failed: ${awsCode ?? 'error'}: ${reason}`, {
      hint:
        awsCode === 'AccessDeniedException'
          ? `Allow ssm:${operation} for the credentials in use.`
          : 'See the AWS error code; throttling and 5xx errors were already retried.',
      cause,
      details: { operation, awsCode },
    });
    this.operation = operation;
    this.awsCode = awsCode;
  }
}

/** Thrown by `assertAllSucceeded`: some instances did not succeed. */
export class SsmCommandFailedError extends LabError {
  readonly failed: readonly InstanceResult[];
  readonly commandIds: readonly string[];

  constructor(
    description: string,
    commandIds: readonly string[],
    failed: readonly InstanceResult[],
    lines: string,
  ) {
    super(
      'SSM_COMMAND_FAILED',
      failed.length === 0
        ? `${description}: no instance ran the command (the targets matched nothing)`
        : `${description}: failed on ${failed.length} instance(s):\n${lines}`,
      {
        hint:
          failed.length === 0
            ? 'Check the tag targets: no managed instance carries them.'
            : `Full output: aws ssm get-command-invocation --command-id ${commandIds[0] ?? '<id>'} --instance-id <instance>`,
        details: {
          commandIds,
          failed: failed.map((result) => ({
            instanceId: result.instanceId,
            outcome: result.outcome,
            responseCode: result.responseCode,
          })),
        },
      },
    );
    this.failed = failed;
    this.commandIds = commandIds;
  }
}

/** `fetchFile` was asked for a file that does not exist on the instance. */
export class RemoteFileNotFoundError extends LabError {
  constructor(instanceId: string, remotePath: string) {
    super('REMOTE_FILE_NOT_FOUND', `${remotePath} does not exist on ${instanceId}`, {
      hint: 'Check the path, and that whatever should have written the file ran and succeeded.',
      details: { instanceId, remotePath },
    });
  }
}

/** The bytes that arrived are not the bytes that were sent. */
export class TransferChecksumError extends LabError {
  constructor(what: string, expected: string, actual: string, details: Record<string, unknown> = {}) {
    super(
      'TRANSFER_CHECKSUM_MISMATCH',
      `${what}: checksum mismatch (expected sha256 ${expected}, got ${actual})`,
      {
        hint: 'The data was corrupted or cut in transit; retry the transfer.',
        details: { expected, actual, ...details },
      },
    );
  }
}

/** A file transfer step failed on the instance. */
export class TransferError extends LabError {
  constructor(message: string, details: Record<string, unknown>, cause?: unknown) {
    super('TRANSFER_FAILED', message, {
      hint: 'See the remote stderr in the message; check disk space and permissions on the instance.',
      ...(cause === undefined ? {} : { cause }),
      details,
    });
  }
}

function listIds(ids: readonly string[]): string {
  if (ids.length === 0) return 'none';
  return ids.length <= 10 ? ids.join(', ') : `${ids.slice(0, 10).join(', ')} and ${ids.length - 10} more`;
}

function stateDetails(state: StoppedCommandState): Record<string, unknown> {
  return {
    commandIds: state.commandIds,
    running: state.running,
    cancelled: state.cancelled,
    ...(state.cancelError === undefined ? {} : { cancelError: String(state.cancelError) }),
  };
}
