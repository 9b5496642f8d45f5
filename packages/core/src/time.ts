import { AbortedError } from './errors.js';

/** Where time comes from. Inject a virtual clock in tests and benchmarks. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** Waits `ms` milliseconds; rejects with AbortedError when `signal` aborts. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const systemClock: Clock = { now: () => Date.now() };

export const realSleep: Sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** The error to reject with when `signal` has aborted: the reason if it is an Error, else AbortedError. */
export function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof AbortedError) return reason;
  return new AbortedError(reason instanceof Error ? reason.message : 'The operation was aborted', {
    cause: reason,
  });
}

/**
 * A clock and sleep that advance only when slept on: every sleep moves time forward at once.
 * Code under test runs as fast as the CPU allows while observing realistic timestamps.
 */
export interface VirtualTime {
  clock: Clock;
  sleep: Sleep;
  /** Moves time forward without sleeping (e.g. to simulate API latency). */
  advance(ms: number): void;
  /** Every sleep requested so far, in milliseconds. */
  readonly sleeps: readonly number[];
}

export function createVirtualTime(startMs = Date.UTC(2026, 0, 1)): VirtualTime {
  let now = startMs;
  const sleeps: number[] = [];
  return {
    clock: { now: () => now },
    sleep: async (ms, signal) => {
      if (signal?.aborted) throw abortReason(signal);
      sleeps.push(ms);
      now += Math.max(0, ms);
      await Promise.resolve();
      if (signal?.aborted) throw abortReason(signal);
    },
    advance: (ms) => {
      now += ms;
    },
    sleeps,
  };
}
