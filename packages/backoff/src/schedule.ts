import { ValidationError } from '@lab/core';

/** An exponential schedule: `initialDelayMs × factor^n`, capped at `maxDelayMs`. */
export interface BackoffSchedule {
  /** First delay. Default 5000 ms. */
  initialDelayMs?: number;
  /** Growth per attempt. Default 1.5. */
  factor?: number;
  /** Ceiling for any delay. Default 30000 ms. */
  maxDelayMs?: number;
  /**
   * Fraction of each delay that may be removed at random, 0 (none, the default) to 1. A delay
   * `d` becomes a value in `[d × (1 − jitter), d]`: jitter spreads callers out and never
   * lengthens the schedule.
   */
  jitter?: number;
}

/** The lab's status-check schedule (pattern 4): 5 s, ×1.5, capped at 30 s. */
export const DEFAULT_SCHEDULE: Required<BackoffSchedule> = {
  initialDelayMs: 5000,
  factor: 1.5,
  maxDelayMs: 30000,
  jitter: 0,
};

/** Fills the gaps of `schedule` from `defaults` and validates the result. */
export function resolveSchedule(
  schedule: BackoffSchedule = {},
  defaults: Required<BackoffSchedule> = DEFAULT_SCHEDULE,
): Required<BackoffSchedule> {
  const resolved = {
    initialDelayMs: schedule.initialDelayMs ?? defaults.initialDelayMs,
    factor: schedule.factor ?? defaults.factor,
    maxDelayMs: schedule.maxDelayMs ?? defaults.maxDelayMs,
    jitter: schedule.jitter ?? defaults.jitter,
  };
  const problems: string[] = [];
  if (!(resolved.initialDelayMs >= 0) || !Number.isFinite(resolved.initialDelayMs)) {
    problems.push(`initialDelayMs must be a finite number ≥ 0, got ${resolved.initialDelayMs}`);
  }
  if (!(resolved.factor >= 1) || !Number.isFinite(resolved.factor)) {
    problems.push(`factor must be a finite number ≥ 1, got ${resolved.factor}`);
  }
  if (!(resolved.maxDelayMs >= resolved.initialDelayMs)) {
    problems.push(`maxDelayMs must be ≥ initialDelayMs, got ${resolved.maxDelayMs}`);
  }
  if (!(resolved.jitter >= 0 && resolved.jitter <= 1)) {
    problems.push(`jitter must be between 0 and 1, got ${resolved.jitter}`);
  }
  if (problems.length > 0) {
    throw new ValidationError(
      'Invalid backoff schedule',
      problems.map((message) => ({ path: 'schedule', message })),
    );
  }
  return resolved;
}

/** The delay after the `retry`-th failed check (0-based), without jitter, for a resolved schedule. */
export function delayFor(retry: number, schedule: Required<BackoffSchedule>): number {
  return Math.min(schedule.maxDelayMs, schedule.initialDelayMs * schedule.factor ** retry);
}

/** Applies the schedule's jitter to `delayMs` using `random` in [0, 1). */
export function jittered(delayMs: number, jitter: number, random: () => number): number {
  return jitter === 0 ? delayMs : delayMs * (1 - jitter * random());
}

/** The first `count` delays of a schedule, without jitter — handy for documentation and tests. */
export function scheduleDelays(count: number, schedule: BackoffSchedule = {}): number[] {
  const resolved = resolveSchedule(schedule);
  return Array.from({ length: count }, (_, retry) => delayFor(retry, resolved));
}
