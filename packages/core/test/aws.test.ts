import { describe, expect, it } from 'vitest';
import { awsClientConfig, createAwsClient } from '../src/aws.js';
import { awsErrorCode, awsHttpStatus } from '../src/index.js';

describe('awsClientConfig', () => {
  it('uses adaptive retries and leaves unset values to the SDK chain', () => {
    expect(awsClientConfig()).toEqual({ retryMode: 'adaptive', maxAttempts: 5 });
  });

  it('passes region, profile and endpoint through; endpoints get path-style S3', () => {
    expect(
      awsClientConfig({
        region: 'eu-west-1',
        profile: 'lab',
        endpoint: 'http://127.0.0.1:5000',
        maxAttempts: 2,
      }),
    ).toEqual({
      region: 'eu-west-1',
      profile: 'lab',
      endpoint: 'http://127.0.0.1:5000',
      forcePathStyle: true,
      retryMode: 'adaptive',
      maxAttempts: 2,
    });
  });

  it('rejects a bad region, endpoint and attempt count with every problem listed', () => {
    expect(() => awsClientConfig({ region: 'europe', endpoint: 'ftp://x', maxAttempts: 0 })).toThrow(
      expect.objectContaining({
        code: 'VALIDATION_FAILED',
        issues: [
          expect.objectContaining({ path: 'region' }),
          expect.objectContaining({ path: 'endpoint' }),
          expect.objectContaining({ path: 'maxAttempts' }),
        ],
      }),
    );
  });

  it('constructs any client class with that configuration', () => {
    class FakeClient {
      constructor(readonly config: unknown) {}
    }
    const client = createAwsClient(FakeClient, { region: 'us-east-2' });
    expect(client.config).toEqual({ region: 'us-east-2', retryMode: 'adaptive', maxAttempts: 5 });
  });
});

describe('error shape helpers', () => {
  it('read codes and statuses of SDK errors', () => {
    const error = Object.assign(new Error('x'), {
      name: 'DependencyViolation',
      $metadata: { httpStatusCode: 400 },
    });
    expect(awsErrorCode(error)).toBe('DependencyViolation');
    expect(awsHttpStatus(error)).toBe(400);
    expect(awsErrorCode({ Code: 'InvalidInstanceID.NotFound' })).toBe('InvalidInstanceID.NotFound');
    expect(awsErrorCode(new Error('plain'))).toBeUndefined();
    expect(awsHttpStatus('nope')).toBeUndefined();
  });
});
