/** SSM's invocation statuses, plus `Missing` (the lab's: SSM never listed an invocation). */
export type InvocationStatus =
  | 'Pending'
  | 'InProgress'
  | 'Delayed'
  | 'Cancelling'
  | 'Success'
  | 'Failed'
  | 'TimedOut'
  | 'Cancelled'
  | 'Missing';

/**
 * What happened on one instance, in one word:
 * - `success` — the script ran and exited 0;
 * - `failed` — the script ran and exited non-zero (see `responseCode`);
 * - `execution-timed-out` — the script ran longer than `executionTimeoutSeconds` and was stopped;
 * - `delivery-timed-out` — the agent never picked the command up within `deliveryTimeoutSeconds`;
 * - `undeliverable` — SSM could not deliver it (instance gone, stopped or agent not responding);
 * - `terminated` — not run because the command exceeded `maxErrors`;
 * - `cancelled` — cancelled (by this library at a deadline/abort, or by someone else);
 * - `not-started` — failed before the script started (response code −1);
 * - `missing` — SSM finished the command without ever reporting this instance;
 * - `unfinished` — still running when the runner stopped waiting (deadline or abort; only in
 *   the `results` of SsmDeadlineError / SsmAbortedError).
 */
export type InvocationOutcome =
  | 'success'
  | 'failed'
  | 'execution-timed-out'
  | 'delivery-timed-out'
  | 'undeliverable'
  | 'terminated'
  | 'cancelled'
  | 'not-started'
  | 'missing'
  | 'unfinished';

/** One instance's result. */
export interface InstanceResult {
  instanceId: string;
  commandId: string;
  /** SSM's status (`Missing` when SSM never reported the instance). */
  status: InvocationStatus;
  /** SSM's detailed status, e.g. `Success`, `Failed`, `Delivery Timed Out`, `Undeliverable`. */
  statusDetails: string;
  /** What happened, normalised from status, details and response code. */
  outcome: InvocationOutcome;
  /** One readable sentence about the outcome. */
  message: string;
  /** The script's exit code; −1 when it never started; undefined when SSM did not say. */
  responseCode: number | undefined;
  /** The first 24,000 characters of stdout (SSM's limit). */
  stdout: string;
  /** The first 8,000 characters of stderr (SSM's limit). */
  stderr: string;
  /** stdout reached SSM's limit, so more may have been written than is shown. */
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  startedAt: Date | undefined;
  endedAt: Date | undefined;
  /** `status` is Success and `responseCode` is 0. */
  ok: boolean;
}

/** SSM's output limits for GetCommandInvocation, in characters. */
export const SSM_STDOUT_LIMIT = 24_000;
export const SSM_STDERR_LIMIT = 8_000;
/** ListCommandInvocations' per-plugin `Output` (stdout and stderr mixed) holds at most this much. */
export const SSM_PLUGIN_OUTPUT_LIMIT = 2_500;
/** SendCommand accepts at most this many instance ids. */
export const SSM_MAX_INSTANCE_IDS = 50;
/**
 * SSM documents, together with the parameter values given at run time, may not exceed 64 KB
 * (MaxDocumentSizeExceeded). The runner keeps each command's script under this many bytes,
 * leaving room for the AWS-RunShellScript document itself.
 */
export const DEFAULT_MAX_SCRIPT_BYTES = 48 * 1024;
