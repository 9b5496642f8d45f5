import { type BackoffSchedule, isTransientAwsError } from '@lab/backoff';
import { awsErrorCode, type Component } from '@lab/core';
import type { Target } from '../types.js';

/** An EC2 instance of the lab: its id is the target id; `role` is its `Component` tag. */
export interface InstanceTarget extends Target {
  /** The instance id, `i-…`. */
  id: string;
  /** What the instance is for; the probe stages check that the instance reports the same role. */
  role?: Component;
}

/** Options every AWS stage takes. */
export interface AwsStageOptions {
  /** Overrides the stage's name (and its progress label). */
  name?: string;
  /** How long the stage may take. */
  timeoutMs?: number;
  /** Polling schedule; default the cascade's (1 s ×1.5 ≤ 2 s). */
  schedule?: BackoffSchedule;
}

/** AWS throttling, 5xx and network failures: the round counts as "not ready yet". */
export function isTransientStageError(error: unknown): boolean {
  return isTransientAwsError(error);
}

/** Splits `items` into chunks of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let index = 0; index < items.length; index += size) chunks.push(items.slice(index, index + size));
  return chunks;
}

/** `Code: message` of an AWS error, for observation details. */
export function describeAwsError(error: unknown): string {
  const code = awsErrorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  return code === undefined || message.startsWith(code) ? message : `${code}: ${message}`;
}
