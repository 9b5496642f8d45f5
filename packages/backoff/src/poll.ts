import {
  AbortedError,
  abortReason,
  type Clock,
  LabError,
  realSleep,
  type Sleep,
  systemClock,
} from '@lab/core';
import { type BackoffSchedule, delayFor, jittered, resolveSchedule } from './schedule.js';

/** What a check sees about the attempt it serves. */
export interface AttemptContext {
  /** 1 for the first check. */
  attempt: number;
  /** Milliseconds since polling started. */
  elapsedMs: number;
  /** Aborts when the caller aborts; pass it to the API call. */
  signal: AbortSignal | undefined;
}

/** Reported after every check. */
export interface AttemptInfo<T> {
  attempt: number;
  elapsedMs: number;
  /** Whether the observation satisfied `until`. */
  done: boolean;
  /** The observation, when the check returned one. */
  value?: T;
  /** The transient error the check threw, when it did. */
  error?: unknown;
  /** How long polling will wait before the next check; undefined when done or out of time. */
  nextDelayMs: number | undefined;
}

export interface PollOptions<T> extends BackoffSchedule {
  /** Whether an observation means "ready". */
  until: (value: T) => boolean;
  /** Give up this many milliseconds after the first check. Required unless `deadline` is set. */
  timeoutMs?: number;
  /** Give up at this absolute time (clock milliseconds). The earlier of the two wins. */
  deadline?: number;
  /** Errors for which this returns true count as "not ready yet" instead of failing the poll. */
  isTransientError?: (error: unknown) => boolean;
  signal?: AbortSignal;
  onAttempt?: (info: AttemptInfo<T>) => void;
  /** What is being waited for, used in the timeout message ("instances running"). */
  description?: string;
  clock?: Clock;
  sleep?: Sleep;
  /** Source of randomness for jitter, values in [0, 1). */
  random?: () => number;
}

/** Polling ran out of time. Carries what the last check saw. */
export class PollTimeoutError<T = unknown> extends LabError {
  readonly attempts: number;
  readonly elapsedMs: number;
  readonly lastValue: T | undefined;
  readonly lastError: unknown;

  constructor(
    description: string,
    state: { attempts: number; elapsedMs: number; lastValue?: T; lastError?: unknown },
  ) {
    super(
      'POLL_TIMEOUT',
      `Timed out after ${formatDuration(state.elapsedMs)} waiting for ${description} (${state.attempts} checks)`,
      {
        ...(state.lastError === undefined ? {} : { cause: state.lastError }),
        details: { attempts: state.attempts, elapsedMs: state.elapsedMs, lastValue: state.lastValue },
      },
    );
    this.attempts = state.attempts;
    this.elapsedMs = state.elapsedMs;
    this.lastValue = state.lastValue;
    this.lastError = state.lastError;
  }
}

/**
 * Checks immediately, then after each delay of the schedule, until `until(value)` holds, and
 * resolves with that value. Never sleeps past the deadline: the last sleep is shortened so that
 * one final check happens exactly at it. Rejects with PollTimeoutError (carrying the last
 * observation), AbortedError, or the first non-transient error the check throws.
 */
export async function pollUntil<T>(
  check: (context: AttemptContext) => T | Promise<T>,
  options: PollOptions<T>,
): Promise<T> {
  const schedule = resolveSchedule(options);
  const clock = options.clock ?? systemClock;
  const sleep = options.sleep ?? realSleep;
  const random = options.random ?? Math.random;
  const description = options.description ?? 'the condition';
  const start = clock.now();
  const deadline = resolveDeadline(start, options);

  let attempt = 0;
  let lastValue: T | undefined;
  let lastError: unknown;
  for (;;) {
    if (options.signal?.aborted) throw abortReason(options.signal);
    attempt += 1;
    let done = false;
    let observed = false;
    try {
      lastValue = await check({ attempt, elapsedMs: clock.now() - start, signal: options.signal });
      observed = true;
      lastError = undefined;
      done = options.until(lastValue);
    } catch (error) {
      if (error instanceof AbortedError || !(options.isTransientError?.(error) ?? false)) throw error;
      lastError = error;
    }
    const now = clock.now();
    const baseDelay = delayFor(attempt - 1, schedule);
    const delay = jittered(baseDelay, schedule.jitter, random);
    const remaining = deadline - now;
    const nextDelayMs = done || remaining <= 0 ? undefined : Math.min(delay, remaining);
    options.onAttempt?.({
      attempt,
      elapsedMs: now - start,
      done,
      ...(observed ? { value: lastValue as T } : {}),
      ...(lastError === undefined ? {} : { error: lastError }),
      nextDelayMs,
    });
    if (done) return lastValue as T;
    if (nextDelayMs === undefined) {
      throw new PollTimeoutError<T>(description, {
        attempts: attempt,
        elapsedMs: now - start,
        ...(observed ? { lastValue: lastValue as T } : {}),
        ...(lastError === undefined ? {} : { lastError }),
      });
    }
    await sleep(nextDelayMs, options.signal);
  }
}

function resolveDeadline(start: number, options: { timeoutMs?: number; deadline?: number }): number {
  const candidates = [
    options.timeoutMs === undefined ? Number.POSITIVE_INFINITY : start + options.timeoutMs,
    options.deadline ?? Number.POSITIVE_INFINITY,
  ];
  const deadline = Math.min(...candidates);
  if (!Number.isFinite(deadline)) {
    throw new LabError('POLL_NO_DEADLINE', 'pollUntil needs timeoutMs or deadline', {
      hint: 'An unbounded wait hangs forever when the condition never holds; pass timeoutMs.',
    });
  }
  return deadline;
}

/** `95 s`, `2 min 5 s`, `250 ms`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  return rest === 0 ? `${minutes} min` : `${minutes} min ${rest} s`;
}
