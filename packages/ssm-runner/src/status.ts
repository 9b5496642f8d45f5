import type { InvocationOutcome, InvocationStatus } from './types.js';

const FINAL: ReadonlySet<string> = new Set(['Success', 'Failed', 'TimedOut', 'Cancelled']);
const COMMAND_FINAL: ReadonlySet<string> = new Set(['Success', 'Failed', 'TimedOut', 'Cancelled']);

/**
 * Whether an invocation status is final. Pending, InProgress, Delayed (target unavailable, SSM
 * retries) and Cancelling are not; neither is a status this library does not know — waiting for
 * the deadline is safer than reporting an unknown state as a result.
 */
export function isFinalStatus(status: string | undefined): boolean {
  return status !== undefined && FINAL.has(status);
}

/** Whether a command (ListCommands) has finished on every target. */
export function isFinalCommandStatus(status: string | undefined): boolean {
  return status !== undefined && COMMAND_FINAL.has(status);
}

const squash = (text: string | undefined): string => (text ?? '').replace(/[\s_-]+/g, '').toLowerCase();

/** Normalises SSM's status, status details and response code into one outcome. */
export function invocationOutcome(
  status: InvocationStatus,
  statusDetails: string | undefined,
  responseCode: number | undefined,
): InvocationOutcome {
  if (status === 'Missing') return 'missing';
  switch (squash(statusDetails)) {
    case 'deliverytimedout':
      return 'delivery-timed-out';
    case 'executiontimedout':
      return 'execution-timed-out';
    case 'undeliverable':
      return 'undeliverable';
    case 'terminated':
      return 'terminated';
  }
  switch (status) {
    case 'Success':
      return responseCode === undefined || responseCode === 0 ? 'success' : 'failed';
    case 'Cancelled':
      return 'cancelled';
    case 'TimedOut':
      return responseCode === -1 || responseCode === undefined ? 'delivery-timed-out' : 'execution-timed-out';
    default:
      return responseCode === -1 ? 'not-started' : 'failed';
  }
}

/** One sentence describing an outcome. */
export function describeOutcome(
  outcome: InvocationOutcome,
  responseCode: number | undefined,
  timeouts: { executionTimeoutSeconds?: number; deliveryTimeoutSeconds?: number } = {},
): string {
  switch (outcome) {
    case 'success':
      return 'succeeded';
    case 'failed':
      return responseCode === undefined ? 'failed' : `exited with code ${responseCode}`;
    case 'execution-timed-out':
      return `ran longer than the execution timeout${seconds(timeouts.executionTimeoutSeconds)} and was stopped`;
    case 'delivery-timed-out':
      return `was not picked up by the SSM agent within the delivery timeout${seconds(timeouts.deliveryTimeoutSeconds)} (instance stopped or agent offline?)`;
    case 'undeliverable':
      return 'could not be delivered: the instance may be gone or stopped, or its SSM agent is not responding';
    case 'terminated':
      return 'was not run because the command exceeded its MaxErrors limit';
    case 'cancelled':
      return 'was cancelled';
    case 'not-started':
      return 'failed before the script started (response code -1)';
    case 'missing':
      return 'was never reported by SSM although the command finished';
    case 'unfinished':
      return 'had not finished when the runner stopped waiting';
  }
}

const seconds = (value: number | undefined): string => (value === undefined ? '' : ` (${value} s)`);
