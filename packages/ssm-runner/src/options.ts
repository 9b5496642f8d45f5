import type { SSMClient } from '@aws-sdk/client-ssm';
import type { Clock, EventSink, Sleep } from '@lab/core';
import type { InstanceResult } from './types.js';

/** How often to look at progress: `initialDelayMs × factor^n`, capped at `maxDelayMs`. */
export interface PollSchedule {
  initialDelayMs?: number;
  factor?: number;
  maxDelayMs?: number;
  /** Fraction (0–1) of each delay taken off at random. */
  jitter?: number;
}

/** Short, because most commands finish in seconds: 250 ms, ×1.5, capped at 3 s. */
export const DEFAULT_POLL_SCHEDULE: Required<PollSchedule> = {
  initialDelayMs: 250,
  factor: 1.5,
  maxDelayMs: 3000,
  jitter: 0,
};

/** SSM's tag/resource targets, e.g. `{ Key: 'tag:Component', Values: ['broker'] }`. */
export interface CommandTarget {
  Key: string;
  Values: string[];
}

/** Options shared by `runCommand`, `fetchFile` and `putFile`. */
export interface SsmCallOptions {
  /** The SSM client to use; this library never creates one. */
  ssm: SSMClient;
  /** Give up (cancel, then reject) this many milliseconds after the call starts. */
  timeoutMs?: number;
  /** Give up at this absolute time (clock milliseconds). The earlier of the two wins. */
  deadline?: number;
  /** Aborting cancels the command on the instances, then rejects with SsmAbortedError. */
  signal?: AbortSignal;
  /** Receives `ssm.*` progress events. */
  events?: EventSink;
  clock?: Clock;
  sleep?: Sleep;
  random?: () => number;
  /** Progress polling schedule; default DEFAULT_POLL_SCHEDULE. */
  poll?: PollSchedule;
  /** Execution timeout on the instance (document parameter `executionTimeout`). Default 3600 s, max 172800 s. */
  executionTimeoutSeconds?: number;
  /** Delivery timeout (SendCommand `TimeoutSeconds`): how long SSM tries to reach the agent. Default 600 s. */
  deliveryTimeoutSeconds?: number;
  /** Shown in the SSM console and command history (at most 100 characters). */
  comment?: string;
  /**
   * How long an instance may stay unlisted after SendCommand before the runner asks SSM whether
   * the command has finished without it. Default 30 s.
   */
  consistencyWindowMs?: number;
}

export interface RunCommandOptions extends SsmCallOptions {
  /** Instances to run on; sent in batches of 50 (SendCommand's limit), in parallel. */
  instanceIds?: readonly string[];
  /** Or tag targets (`tag:Key`), resolved by SSM; one SendCommand. */
  targets?: readonly CommandTarget[];
  /** A bash script. */
  script?: string;
  /** Or a command as an argument vector; every element is quoted. */
  argv?: readonly string[];
  /** Directory the script starts in (document parameter `workingDirectory`). */
  workingDirectory?: string;
  /** SendCommand `MaxConcurrency` (e.g. 10 or `'25%'`); applies to each batch of 50. */
  maxConcurrency?: number | string;
  /** SendCommand `MaxErrors` (e.g. 0 or `'10%'`); applies to each batch of 50. */
  maxErrors?: number | string;
  /**
   * `full` (default): every instance's stdout and stderr, up to 24,000/8,000 characters. Output
   * that ListCommandInvocations already holds whole (under its 2,500-character cut, nothing on
   * stderr) costs no further call; anything else one GetCommandInvocation per instance.
   * `none`: statuses and exit codes only.
   */
  output?: 'full' | 'none';
  /** GetCommandInvocation calls in flight at once. Default 8. */
  outputConcurrency?: number;
  /** Refuse scripts larger than this many bytes. Default 48 KiB (SSM: document + parameters ≤ 64 KB). */
  maxScriptBytes?: number;
  /** What the command does, for messages and events ("start bookies"). */
  description?: string;
}

export interface RunCommandResult {
  description: string;
  commandIds: string[];
  /** One per instance: in the order given for `instanceIds`, sorted by id for `targets`. */
  results: InstanceResult[];
  /** Every instance succeeded (and there was at least one). */
  ok: boolean;
  elapsedMs: number;
  /** SSM API requests made, by operation, including retries. */
  apiCalls: Record<string, number>;
}

/** Tag targets for SendCommand: `{ Component: 'broker' }` → `[{ Key: 'tag:Component', Values: ['broker'] }]`. */
export function tagTargets(tags: Readonly<Record<string, string | readonly string[]>>): CommandTarget[] {
  return Object.entries(tags).map(([key, value]) => ({
    Key: `tag:${key}`,
    Values: typeof value === 'string' ? [value] : [...value],
  }));
}
