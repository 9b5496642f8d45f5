import { AbortedError, createVirtualTime } from '@lab/core';
import { describe, expect, it } from 'vitest';
import {
  classifyAwsError,
  classifyPermanentAwsError,
  isTransientAwsError,
  type RetryInfo,
  retry,
} from '../src/index.js';

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
    expect(classifyPermanentAwsError(new Error('plain'))).toBeUndefined();
    expect(classifyAwsError(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBe('network');
    expect(classifyAwsError(Object.assign(new Error('t'), { name: 'TimeoutError' }))).toBe('network');
    expect(classifyAwsError('RequestLimitExceeded')).toBeUndefined();
    expect(classifyAwsError(null)).toBeUndefined();
    expect(classifyAwsError(new Error('plain'))).toBeUndefined();
  });
});

// What the SDK throws when moto answers an action it does not implement with an HTML error page
// (DescribePlacementGroups on moto 5.2.1), as captured from the real SDK.
const unreadable = (status: number) =>
  Object.assign(
    new Error(
      '@aws-sdk XML parse error: mismatched tags <html> and </title>.\n  Deserialization error: to see the raw response, inspect the hidden field {error}.$response on this object.',
    ),
    { $metadata: { httpStatusCode: status, attempts: 1, totalRetryDelay: 0 } },
  );

describe('classifyPermanentAwsError', () => {
  it.each([
    ['UnsupportedOperation', 400, 'unsupported'],
    ['UnknownOperationException', 400, 'unsupported'],
    ['InvalidAction', 400, 'unsupported'],
    ['NotImplemented', 501, 'unsupported'],
    ['Anything', 501, 'unsupported'],
    ['AccessDenied', 403, 'denied'],
    ['AccessDeniedException', 400, 'denied'],
    ['UnauthorizedOperation', 400, 'denied'],
    ['AuthFailure', 401, 'denied'],
    ['Forbidden', 403, 'denied'],
  ])('%s (HTTP %i) is %s and never transient', (code, status, kind) => {
    const error = awsError(code, status);
    expect(classifyPermanentAwsError(error)).toBe(kind);
    expect(isTransientAwsError(error)).toBe(false);
  });

  it('an answer the SDK cannot read is malformed, also on a 500, and is not retried', () => {
    expect(classifyPermanentAwsError(unreadable(500))).toBe('malformed');
    expect(classifyAwsError(unreadable(500))).toBeUndefined();
    expect(classifyPermanentAwsError(unreadable(200))).toBe('malformed');
    const json = Object.assign(new SyntaxError('Unexpected token < in JSON at position 0'), {
      $metadata: { httpStatusCode: 500 },
    });
    expect(classifyPermanentAwsError(json)).toBe('malformed');
  });

  it('an unreadable page from a gateway (502/503/504) stays a transient server error', () => {
    for (const status of [502, 503, 504]) {
      expect(classifyPermanentAwsError(unreadable(status))).toBeUndefined();
      expect(classifyAwsError(unreadable(status))).toBe('server');
    }
  });

  it('throttling wins over anything else', () => {
    expect(classifyPermanentAwsError(awsError('SlowDown', 403))).toBeUndefined();
    expect(classifyAwsError(awsError('RequestLimitExceeded', 403))).toBe('throttling');
  });
});

describe('retry', () => {
  it.each([
    ['an unreadable answer (HTTP 500)', unreadable(500)],
    ['UnauthorizedOperation', awsError('UnauthorizedOperation', 403)],
    ['UnknownOperationException', awsError('UnknownOperationException', 400)],
  ])('gives up on %s at once: one attempt, no sleep', async (_name, failure) => {
    const time = createVirtualTime();
    let calls = 0;
    await expect(
      retry(async () => {
        calls += 1;
        throw failure;
      }, time),
    ).rejects.toBe(failure);
    expect(calls).toBe(1);
    expect(time.sleeps).toEqual([]);
  });

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
