import { abortReason, type Clock, realSleep, type Sleep, systemClock } from '@lab/core';
import pRetry from 'p-retry';
import { isTransientAwsError } from './classify.js';
import { type BackoffSchedule, delayFor, jittered, resolveSchedule } from './schedule.js';

export interface RetryInfo {
  error: unknown;
  /** The attempt that just failed, 1-based. */
  attempt: number;
  retriesLeft: number;
  delayMs: number;
}

export interface RetryOptions extends BackoffSchedule {
  /** Retries after the first attempt. Default 6. */
  retries?: number;
  /** Which errors to retry. Default: AWS throttling, 5xx and network errors. */
  shouldRetry?: (error: unknown) => boolean;
  /** Stop retrying when the next delay would end past this absolute time (clock milliseconds). */
  deadline?: number;
  onRetry?: (info: RetryInfo) => void;
  signal?: AbortSignal;
  clock?: Clock;
  sleep?: Sleep;
  random?: () => number;
}

/** Retry's own default schedule: quick, because a throttled call usually succeeds within seconds. */
export const DEFAULT_RETRY_SCHEDULE: Required<BackoffSchedule> = {
  initialDelayMs: 500,
  factor: 2,
  maxDelayMs: 20000,
  jitter: 0.5,
};

/**
 * Runs `operation` and retries it on transient failures with exponential backoff and jitter.
 * Built on p-retry; the waiting goes through the injectable `sleep`. A failure that is not
 * transient, or the last one, is rethrown unchanged so callers can still inspect its code.
 */
export async function retry<T>(
  operation: (attempt: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const schedule = resolveSchedule(options, DEFAULT_RETRY_SCHEDULE);
  const sleep = options.sleep ?? realSleep;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const shouldRetry = options.shouldRetry ?? isTransientAwsError;
  const signal = options.signal;
  if (signal?.aborted) throw abortReason(signal);

  return pRetry(operation, {
    retries: options.retries ?? 6,
    // p-retry's own timer is disabled; the delay happens in shouldRetry through `sleep`.
    minTimeout: 0,
    maxTimeout: 0,
    randomize: false,
    ...(signal === undefined ? {} : { signal }),
    shouldRetry: async ({ error, attemptNumber, retriesLeft }) => {
      if (!shouldRetry(error)) return false;
      const base = delayFor(attemptNumber - 1, schedule);
      const delayMs = jittered(base, schedule.jitter, random);
      if (options.deadline !== undefined && clock.now() + delayMs > options.deadline) return false;
      options.onRetry?.({ error, attempt: attemptNumber, retriesLeft, delayMs });
      await sleep(delayMs, signal);
      return true;
    },
  });
}
