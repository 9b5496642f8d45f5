import { AbortedError, createVirtualTime } from '@lab/core';
import { describe, expect, it } from 'vitest';
import { type AttemptInfo, PollTimeoutError, pollUntil, scheduleDelays } from '../src/index.js';

describe('default schedule', () => {
  it('is 5 s, ×1.5, capped at 30 s', () => {
    expect(scheduleDelays(9)).toEqual([5000, 7500, 11250, 16875, 25312.5, 30000, 30000, 30000, 30000]);
  });

  it('is what pollUntil sleeps between checks', async () => {
    const time = createVirtualTime();
    let checks = 0;
    await pollUntil(() => ++checks, { until: (n) => n === 8, timeoutMs: 3_600_000, ...time });
    expect(time.sleeps).toEqual([5000, 7500, 11250, 16875, 25312.5, 30000, 30000]);
  });
});

describe('pollUntil', () => {
  it('checks at once and resolves with the observed value without sleeping', async () => {
    const time = createVirtualTime();
    const value = await pollUntil(() => ({ state: 'running' }), {
      until: (v) => v.state === 'running',
      timeoutMs: 1000,
      ...time,
    });
    expect(value).toEqual({ state: 'running' });
    expect(time.sleeps).toEqual([]);
  });

  it('never sleeps past the deadline and checks one last time at it', async () => {
    const time = createVirtualTime();
    const start = time.clock.now();
    const checkedAt: number[] = [];
    const error = await pollUntil(
      () => {
        checkedAt.push(time.clock.now() - start);
        return 'pending';
      },
      { until: (v) => v === 'done', timeoutMs: 20_000, description: 'the stack', ...time },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PollTimeoutError);
    expect(checkedAt).toEqual([0, 5000, 12500, 20000]);
    expect(time.sleeps).toEqual([5000, 7500, 7500]);
    expect(time.clock.now() - start).toBe(20_000);
    const timeout = error as PollTimeoutError<string>;
    expect(timeout.code).toBe('POLL_TIMEOUT');
    expect(timeout.lastValue).toBe('pending');
    expect(timeout.attempts).toBe(4);
    expect(timeout.message).toContain('waiting for the stack');
  });

  it('succeeds when the last check at the deadline sees the condition', async () => {
    const time = createVirtualTime();
    const start = time.clock.now();
    const value = await pollUntil(() => time.clock.now() - start, {
      until: (elapsed) => elapsed >= 20_000,
      timeoutMs: 20_000,
      ...time,
    });
    expect(value).toBe(20_000);
  });

  it('honours an absolute deadline earlier than timeoutMs', async () => {
    const time = createVirtualTime();
    const start = time.clock.now();
    await expect(
      pollUntil(() => false, { until: Boolean, timeoutMs: 60_000, deadline: start + 6000, ...time }),
    ).rejects.toBeInstanceOf(PollTimeoutError);
    expect(time.clock.now() - start).toBe(6000);
  });

  it('counts the time a slow check takes against the deadline', async () => {
    const time = createVirtualTime();
    const start = time.clock.now();
    await expect(
      pollUntil(
        () => {
          time.advance(4000);
          return false;
        },
        { until: Boolean, timeoutMs: 10_000, ...time },
      ),
    ).rejects.toBeInstanceOf(PollTimeoutError);
    // checks at 0–4 s and 9–13 s; the second ends past the deadline, so it was the last
    expect(time.sleeps).toEqual([5000]);
    expect(time.clock.now() - start).toBe(13_000);
  });

  it('rejects when aborted during a sleep, and does not check again', async () => {
    const time = createVirtualTime();
    const controller = new AbortController();
    let checks = 0;
    const promise = pollUntil(
      () => {
        checks += 1;
        if (checks === 2) controller.abort();
        return false;
      },
      { until: Boolean, timeoutMs: 60_000, signal: controller.signal, ...time },
    );
    await expect(promise).rejects.toBeInstanceOf(AbortedError);
    expect(checks).toBe(2);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('user pressed Ctrl-C'));
    let checks = 0;
    await expect(
      pollUntil(() => ++checks, { until: () => true, timeoutMs: 1000, signal: controller.signal }),
    ).rejects.toThrow('user pressed Ctrl-C');
    expect(checks).toBe(0);
  });

  it('reports every attempt with the next delay', async () => {
    const time = createVirtualTime();
    const seen: AttemptInfo<number>[] = [];
    let n = 0;
    await pollUntil(() => ++n, {
      until: (v) => v === 3,
      timeoutMs: 60_000,
      onAttempt: (i) => seen.push(i),
      ...time,
    });
    expect(
      seen.map(({ attempt, done, value, nextDelayMs }) => ({ attempt, done, value, nextDelayMs })),
    ).toEqual([
      { attempt: 1, done: false, value: 1, nextDelayMs: 5000 },
      { attempt: 2, done: false, value: 2, nextDelayMs: 7500 },
      { attempt: 3, done: true, value: 3, nextDelayMs: undefined },
    ]);
  });

  it('treats transient errors as not ready and keeps the last one on timeout', async () => {
    const time = createVirtualTime();
    const notFound = Object.assign(new Error('not yet'), { name: 'InvalidInstanceID.NotFound' });
    let n = 0;
    const value = await pollUntil(
      () => {
        n += 1;
        if (n < 3) throw notFound;
        return 'running';
      },
      {
        until: (v) => v === 'running',
        timeoutMs: 60_000,
        isTransientError: (e) => (e as Error).name === 'InvalidInstanceID.NotFound',
        ...time,
      },
    );
    expect(value).toBe('running');

    const timeout = await pollUntil(
      () => {
        throw notFound;
      },
      { until: () => true, timeoutMs: 1000, isTransientError: () => true, ...time },
    ).catch((e: unknown) => e as PollTimeoutError);
    expect(timeout).toBeInstanceOf(PollTimeoutError);
    expect(timeout.lastError).toBe(notFound);
    expect(timeout.cause).toBe(notFound);
  });

  it('rethrows errors that are not transient', async () => {
    const boom = new Error('AccessDenied');
    await expect(
      pollUntil(
        () => {
          throw boom;
        },
        { until: () => true, timeoutMs: 1000, isTransientError: () => false },
      ),
    ).rejects.toBe(boom);
  });

  it('keeps jittered delays within [d × (1 − jitter), d]', async () => {
    for (const random of [0, 0.25, 0.999999]) {
      const time = createVirtualTime();
      let n = 0;
      await pollUntil(() => ++n, {
        until: (v) => v === 7,
        timeoutMs: 3_600_000,
        jitter: 0.4,
        random: () => random,
        ...time,
      });
      const base = scheduleDelays(6);
      time.sleeps.forEach((slept, i) => {
        expect(slept).toBeLessThanOrEqual(base[i]!);
        expect(slept).toBeGreaterThanOrEqual(base[i]! * 0.6);
        expect(slept).toBeCloseTo(base[i]! * (1 - 0.4 * random));
      });
    }
  });

  it('refuses to poll without a deadline and rejects bad schedules', async () => {
    await expect(pollUntil(() => 1, { until: () => true })).rejects.toMatchObject({
      code: 'POLL_NO_DEADLINE',
    });
    await expect(pollUntil(() => 1, { until: () => true, timeoutMs: 1, factor: 0.5 })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    await expect(pollUntil(() => 1, { until: () => true, timeoutMs: 1, jitter: 2 })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
  });

  it('uses a short custom schedule for fast checks', async () => {
    const time = createVirtualTime();
    let n = 0;
    await pollUntil(() => ++n, {
      until: (v) => v === 6,
      timeoutMs: 60_000,
      initialDelayMs: 250,
      factor: 2,
      maxDelayMs: 2000,
      ...time,
    });
    expect(time.sleeps).toEqual([250, 500, 1000, 2000, 2000]);
  });
});
