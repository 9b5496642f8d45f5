import { AbortedError, createVirtualTime } from '@lab/core';
import { describe, expect, it } from 'vitest';
import { classifyAwsError, isTransientAwsError, type RetryInfo, retry } from '../src/index.js';

const awsError = (code: string, status = 400) =>
  Object.assign(new Error(code), { name: code, $metadata: { httpStatusCode: status } });

describe('classifyAwsError', () => {
  it.each([
    ['ThrottlingException', 400, 'throttling'],
    ['RequestLimitExceeded', 503, 'throttling'],
    ['Throttling', 400, 'throttling'],
    ['TooManyRequestsException', 400, 'throttling'],
    ['RequestThrottled', 400, 'throttling'],
    ['EC2ThrottledException', 400, 'throttling'],
    ['PriorRequestNotComplete', 400, 'throttling'],
    ['SlowDown', 503, 'throttling'],
    ['Whatever', 429, 'throttling'],
    ['InternalError', 500, 'server'],
    ['BadGateway', 502, 'server'],
    ['ServiceUnavailable', 503, 'server'],
    ['GatewayTimeout', 504, 'server'],
  ])('%s (HTTP %i) is %s', (code, status, kind) => {
    expect(classifyAwsError(awsError(code, status))).toBe(kind);
  });

  it.each([
    ['AccessDenied', 403],
    ['InvalidInstanceId', 400],
    ['DependencyViolation', 400],
    ['ValidationException', 400],
    ['NotImplemented', 501],
  ])('%s (HTTP %i) is not transient', (code, status) => {
    expect(isTransientAwsError(awsError(code, status))).toBe(false);
  });

  it('recognises network failures and ignores non-errors', () => {
    expect(classifyAwsError(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBe('network');
    expect(classifyAwsError(Object.assign(new Error('t'), { name: 'TimeoutError' }))).toBe('network');
    expect(classifyAwsError('RequestLimitExceeded')).toBeUndefined();
    expect(classifyAwsError(null)).toBeUndefined();
    expect(classifyAwsError(new Error('plain'))).toBeUndefined();
  });
});

describe('retry', () => {
  it('retries throttling with growing delays and returns the result', async () => {
    const time = createVirtualTime();
    const seen: RetryInfo[] = [];
    let calls = 0;
    const result = await retry(
      async () => {
        calls += 1;
        if (calls < 4) throw awsError('RequestLimitExceeded', 503);
        return 'ok';
      },
      { ...time, jitter: 0, onRetry: (info) => seen.push(info) },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(4);
    expect(time.sleeps).toEqual([500, 1000, 2000]);
    expect(seen.map((info) => [info.attempt, info.delayMs])).toEqual([
      [1, 500],
      [2, 1000],
      [3, 2000],
    ]);
  });

  it('rethrows a non-transient error at once, unchanged', async () => {
    const denied = awsError('AccessDenied', 403);
    let calls = 0;
    const time = createVirtualTime();
    await expect(
      retry(async () => {
        calls += 1;
        throw denied;
      }, time),
    ).rejects.toBe(denied);
    expect(calls).toBe(1);
    expect(time.sleeps).toEqual([]);
  });

  it('gives up after the configured retries with the last error', async () => {
    const time = createVirtualTime();
    let calls = 0;
    await expect(
      retry(
        async () => {
          calls += 1;
          throw awsError('Throttling');
        },
        { ...time, retries: 2 },
      ),
    ).rejects.toMatchObject({ name: 'Throttling' });
    expect(calls).toBe(3);
  });

  it('uses a custom classifier', async () => {
    const time = createVirtualTime();
    let calls = 0;
    const result = await retry(
      async () => {
        calls += 1;
        if (calls === 1) throw awsError('DependencyViolation');
        return calls;
      },
      { ...time, shouldRetry: (e) => (e as Error).name === 'DependencyViolation' },
    );
    expect(result).toBe(2);
  });

  it('stops when the next delay would pass the deadline', async () => {
    const time = createVirtualTime();
    const deadline = time.clock.now() + 1200;
    let calls = 0;
    await expect(
      retry(
        async () => {
          calls += 1;
          throw awsError('Throttling');
        },
        { ...time, jitter: 0, deadline },
      ),
    ).rejects.toMatchObject({ name: 'Throttling' });
    expect(time.sleeps).toEqual([500]);
    expect(calls).toBe(2);
  });

  it('keeps jittered delays within bounds', async () => {
    const time = createVirtualTime();
    let calls = 0;
    await retry(
      async () => {
        calls += 1;
        if (calls < 6) throw awsError('Throttling');
        return true;
      },
      { ...time, jitter: 0.5, random: () => 0.999 },
    );
    [500, 1000, 2000, 4000, 8000].forEach((base, i) => {
      expect(time.sleeps[i]).toBeGreaterThanOrEqual(base * 0.5);
      expect(time.sleeps[i]).toBeLessThanOrEqual(base);
    });
  });

  it('stops on abort', async () => {
    const time = createVirtualTime();
    const controller = new AbortController();
    let calls = 0;
    await expect(
      retry(
        async () => {
          calls += 1;
          controller.abort();
          throw awsError('Throttling');
        },
        { ...time, signal: controller.signal },
      ),
    ).rejects.toBeInstanceOf(AbortedError);
    expect(calls).toBe(1);
  });
});
