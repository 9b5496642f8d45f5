import { describe, expect, it, vi } from 'vitest';
import {
  type AwsClientConfig,
  awsClientConfig,
  createAwsClient,
  isAwsRegion,
  lazyRegionalClients,
  resolveRegion,
} from '../src/aws.js';
import { awsErrorCode, awsHttpStatus, lazy } from '../src/index.js';

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

describe('AWS_REGION_PATTERN', () => {
  it('accepts commercial, GovCloud and ISO regions and nothing else', () => {
    for (const region of [
      'us-east-1',
      'eu-central-2',
      'ap-southeast-4',
      'us-gov-west-1',
      'us-iso-east-1',
      'us-isob-east-1',
    ]) {
      expect(isAwsRegion(region), region).toBe(true);
    }
    for (const value of ['europe', 'us-east', 'US-EAST-1', 'us_east_1', 'us-east-1a', '']) {
      expect(isAwsRegion(value), value).toBe(false);
    }
  });
});

describe('resolveRegion', () => {
  const profile = (region: string | undefined) => async () => region;

  it('takes the flag, then AWS_REGION, then AWS_DEFAULT_REGION, then the profile', async () => {
    const env = { AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'eu-west-2' };
    await expect(
      resolveRegion({ flag: 'us-west-2', env, profileRegion: profile('ap-south-1') }),
    ).resolves.toEqual({
      region: 'us-west-2',
      source: 'flag',
    });
    await expect(resolveRegion({ env, profileRegion: profile('ap-south-1') })).resolves.toEqual({
      region: 'eu-west-1',
      source: 'AWS_REGION',
    });
    await expect(
      resolveRegion({
        env: { AWS_REGION: '', AWS_DEFAULT_REGION: 'eu-west-2' },
        profileRegion: profile('ap-south-1'),
      }),
    ).resolves.toEqual({ region: 'eu-west-2', source: 'AWS_DEFAULT_REGION' });
    await expect(resolveRegion({ env: {}, profileRegion: profile('ap-south-1') })).resolves.toEqual({
      region: 'ap-south-1',
      source: 'profile',
    });
  });

  it('asks the profile only when nothing else names a region', async () => {
    const profileRegion = vi.fn(async () => 'ap-south-1');
    await resolveRegion({ flag: 'us-west-2', profileRegion });
    expect(profileRegion).not.toHaveBeenCalled();
  });

  it('names where a malformed region came from', async () => {
    await expect(resolveRegion({ env: { AWS_REGION: 'Frankfurt' } })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      issues: [expect.objectContaining({ path: 'AWS_REGION', received: 'Frankfurt' })],
    });
    await expect(resolveRegion({ flag: 'eu' })).rejects.toMatchObject({
      issues: [expect.objectContaining({ path: 'region' })],
    });
  });

  it('fails with NO_REGION when nothing names one, also when the SDK chain throws', async () => {
    await expect(resolveRegion({ env: {} })).rejects.toMatchObject({ code: 'NO_REGION' });
    await expect(
      resolveRegion({
        env: {},
        profileRegion: async () => {
          throw new Error('Region is missing');
        },
      }),
    ).rejects.toMatchObject({ code: 'NO_REGION', hint: expect.stringContaining('--region') });
  });
});

describe('lazyRegionalClients', () => {
  class FakeClient {
    constructor(readonly config: AwsClientConfig) {}
  }

  it('creates each client once per region, on first use, with a pinned region where asked', async () => {
    const load = vi.fn(async () => FakeClient);
    const clientsFor = lazyRegionalClients(
      { profile: 'lab' },
      { ec2: load, global: { load, region: 'us-east-1' } },
    );
    const euWest = clientsFor('eu-west-1');
    expect(load).not.toHaveBeenCalled();
    const first = await euWest.ec2();
    expect(await clientsFor('eu-west-1').ec2()).toBe(first);
    expect(first.config).toMatchObject({ region: 'eu-west-1', profile: 'lab' });
    expect((await euWest.global()).config.region).toBe('us-east-1');
    expect((await clientsFor('ap-south-1').ec2()).config.region).toBe('ap-south-1');
    expect(load).toHaveBeenCalledTimes(3);
  });
});

describe('lazy', () => {
  it('calls create once and shares its promise', async () => {
    const create = vi.fn(async () => ({}));
    const get = lazy(create);
    const [a, b] = await Promise.all([get(), get()]);
    expect(a).toBe(b);
    expect(create).toHaveBeenCalledTimes(1);
  });
});
