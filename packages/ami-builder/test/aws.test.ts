import { fileURLToPath } from 'node:url';
import {
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
  type Image,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { IAMClient } from '@aws-sdk/client-iam';
import { DescribeInstanceInformationCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { Clock, EventSink, Sleep } from '@lab/core';
import { AbortedError, collectEvents, createVirtualTime, LabError } from '@lab/core';
import { awsError } from '@lab/test-support';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  buildPulsarAmi,
  deleteImage,
  discoverDefaultSubnet,
  executePrune,
  findLatestImage,
  listImages,
  planImagePrune,
  type RunCommand,
  type RunCommandInstanceResult,
  validateAmi,
} from '../src/aws.js';
import { expectedCheckNames } from '../src/index.js';
import { memoryCache } from './support/memory-cache.js';

const TEMPLATE = fileURLToPath(new URL('../../../packer/pulsar-base.pkr.hcl', import.meta.url));

const ec2Mock = mockClient(EC2Client);
const ssmMock = mockClient(SSMClient);
const iamMock = mockClient(IAMClient);
// Every STS client: the listing cache asks GetCallerIdentity through the EC2 client's credentials.
const stsMock = mockClient(STSClient);
const ACCOUNT = '123456789012';
const SCOPE = { accountId: ACCOUNT, region: 'us-east-1' };
const ec2 = new EC2Client({ region: 'us-east-1' });
const ssm = new SSMClient({ region: 'us-east-1' });

const labImage = (id: string, version: string | undefined, created: string, state = 'available'): Image => ({
  ImageId: id,
  Name: `pulsar-base-${version ?? 'x'}-${created.slice(0, 10).replace(/-/g, '')}-000000`,
  State: state as Image['State'],
  CreationDate: created,
  BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: `snap-${id.slice(4)}` } }],
  Tags: [
    { Key: 'Project', Value: 'pulsar-aws-lab' },
    { Key: 'ManagedBy', Value: 'lab-ami' },
    ...(version === undefined ? [] : [{ Key: 'PulsarVersion', Value: version }]),
    { Key: 'OmbCommit', Value: 'a'.repeat(40) },
    { Key: 'JavaVersion', Value: '21' },
  ],
});

beforeEach(() => {
  ec2Mock.reset();
  ssmMock.reset();
  iamMock.reset();
  stsMock.reset();
  stsMock.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT });
});

describe('listImages / findLatestImage', () => {
  it('asks for self-owned pulsar-base-* images, follows every page and sorts by version', async () => {
    ec2Mock
      .on(DescribeImagesCommand)
      .resolvesOnce({
        Images: [labImage('ami-00000001', '3.3.2', '2026-01-01T00:00:00.000Z')],
        NextToken: 'p2',
      })
      .resolvesOnce({
        Images: [
          labImage('ami-00000002', '4.0.10', '2026-01-02T00:00:00.000Z'),
          labImage('ami-00000003', '4.0.9', '2026-01-03T00:00:00.000Z'),
        ],
      });
    const listing = await listImages({ ec2, region: 'us-east-1' });
    expect(listing.images.map((image) => image.imageId)).toEqual([
      'ami-00000002',
      'ami-00000003',
      'ami-00000001',
    ]);
    expect(listing.images[0]).toMatchObject({ pulsarVersion: '4.0.10', snapshotIds: ['snap-00000002'] });
    expect(ec2Mock).toHaveReceivedCommandTimes(DescribeImagesCommand, 2);
    expect(ec2Mock).toHaveReceivedNthCommandWith(DescribeImagesCommand, 1, {
      Owners: ['self'],
      Filters: [{ Name: 'name', Values: ['pulsar-base-*'] }],
    });
    expect(ec2Mock).toHaveReceivedNthCommandWith(DescribeImagesCommand, 2, { NextToken: 'p2' });
  });

  it('serves a fresh cache without calling EC2, refreshes after the TTL or with noCache', async () => {
    const time = createVirtualTime(Date.UTC(2026, 0, 1));
    const cache = memoryCache(time.clock);
    ec2Mock
      .on(DescribeImagesCommand)
      .resolves({ Images: [labImage('ami-00000001', '4.0.4', '2026-01-01T00:00:00.000Z')] });
    const first = await listImages({
      ec2,
      region: 'us-east-1',
      cache,
      clock: time.clock,
      cacheTtlMs: 60_000,
    });
    expect(first.cached).toBe(false);
    expect(cache.calls).toEqual([
      'get 123456789012/us-east-1 pulsar-base-images',
      'set 123456789012/us-east-1 pulsar-base-images 60000',
    ]);
    time.advance(5_000);
    const second = await listImages({ ec2, region: 'us-east-1', cache, clock: time.clock });
    expect(second.cached).toBe(true);
    expect(second.fetchedAt).toBe(first.fetchedAt);
    expect(second.images).toEqual(first.images);
    expect(ec2Mock).toHaveReceivedCommandTimes(DescribeImagesCommand, 1);
    await listImages({ ec2, region: 'us-east-1', cache, clock: time.clock, noCache: true });
    expect(ec2Mock).toHaveReceivedCommandTimes(DescribeImagesCommand, 2);
    // The noCache listing refreshed the entry with the default TTL of 10 minutes.
    time.advance(10 * 60_000 - 1);
    expect((await listImages({ ec2, region: 'us-east-1', cache, clock: time.clock })).cached).toBe(true);
    time.advance(1);
    expect((await listImages({ ec2, region: 'us-east-1', cache, clock: time.clock })).cached).toBe(false);
    expect(ec2Mock).toHaveReceivedCommandTimes(DescribeImagesCommand, 3);
  });

  it("keeps the listing per account and endpoint: another profile never sees this one's images", async () => {
    const cache = memoryCache();
    ec2Mock.on(DescribeImagesCommand).resolves({
      Images: [labImage('ami-00000001', '4.0.4', '2026-01-01T00:00:00.000Z')],
    });
    const first = await listImages({
      ec2,
      region: 'us-east-1',
      cache,
      accountId: async () => '111111111111',
    });
    const same = await listImages({ ec2, region: 'us-east-1', cache, accountId: async () => '111111111111' });
    ec2Mock.on(DescribeImagesCommand).resolves({ Images: [] });
    const other = await listImages({
      ec2,
      region: 'us-east-1',
      cache,
      accountId: async () => '222222222222',
    });
    expect([first.cached, same.cached, other.cached]).toEqual([false, true, false]);
    expect(other.images).toEqual([]);
    // A client with an endpoint override (moto, a private endpoint) has a scope of its own.
    const emulated = new EC2Client({ region: 'us-east-1', endpoint: 'http://127.0.0.1:5000' });
    const viaEmulator = await listImages({
      ec2: emulated,
      region: 'us-east-1',
      cache,
      accountId: async () => '111111111111',
    });
    expect(viaEmulator.cached).toBe(false);
    expect([...cache.entries.keys()].sort()).toEqual([
      '111111111111/us-east-1/pulsar-base-images',
      '111111111111/us-east-1@http://127.0.0.1:5000/pulsar-base-images',
      '222222222222/us-east-1/pulsar-base-images',
    ]);
    expect(stsMock).toHaveReceivedCommandTimes(GetCallerIdentityCommand, 0);
  });

  it("asks STS for the account only when a cache is used, once per client, with the client's endpoint", async () => {
    ec2Mock.on(DescribeImagesCommand).resolves({ Images: [] });
    stsMock.on(GetCallerIdentityCommand).resolves({ Account: '333333333333' });
    const client = new EC2Client({
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:5000',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    });
    await listImages({ ec2: client });
    expect(stsMock).toHaveReceivedCommandTimes(GetCallerIdentityCommand, 0);
    const cache = memoryCache();
    await listImages({ ec2: client, cache });
    await listImages({ ec2: client, cache, noCache: true });
    await findLatestImage({ ec2: client, cache, version: '4.0.4' });
    expect(stsMock).toHaveReceivedCommandTimes(GetCallerIdentityCommand, 1);
    const sts = stsMock.call(0).thisValue as STSClient;
    expect(await sts.config.region()).toBe('eu-west-1');
    expect(await sts.config.endpoint?.()).toMatchObject({ hostname: '127.0.0.1', port: 5000 });
    expect([...cache.entries.keys()]).toEqual([
      '333333333333/eu-west-1@http://127.0.0.1:5000/pulsar-base-images',
    ]);
  });

  it('says which call failed when STS cannot tell the account', async () => {
    stsMock
      .on(GetCallerIdentityCommand)
      .rejects(awsError({ code: 'ExpiredToken', message: 'The token expired' }));
    const client = new EC2Client({
      region: 'us-east-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    });
    const error = await listImages({ ec2: client, cache: memoryCache() }).catch((caught: unknown) => caught);
    expect(String((error as Error).message)).toContain('GetCallerIdentity');
    expect(ec2Mock).toHaveReceivedCommandTimes(DescribeImagesCommand, 0);
    // Not remembered: the next call asks again.
    stsMock.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT });
    ec2Mock.on(DescribeImagesCommand).resolves({ Images: [] });
    expect((await listImages({ ec2: client, cache: memoryCache() })).images).toEqual([]);
  });

  it('lists from EC2 with a warning when the cached value is not a listing or cannot be written', async () => {
    const { sink, events } = collectEvents();
    const cache = memoryCache();
    await cache.set(SCOPE, 'pulsar-base-images', { images: [{ imageId: 42 }] });
    ec2Mock
      .on(DescribeImagesCommand)
      .resolves({ Images: [labImage('ami-00000001', '4.0.4', '2026-01-01T00:00:00.000Z')] });
    const listing = await listImages({ ec2, region: 'us-east-1', cache, events: sink });
    expect(listing.cached).toBe(false);
    expect(listing.images).toHaveLength(1);
    expect(events.filter((event) => event.level === 'warn').map((event) => event.type)).toEqual([
      'cache.unreadable',
    ]);
    const failing = {
      ...memoryCache(),
      set: async () => {
        throw new LabError('AMI_CACHE_TOO_NEW', 'AMI cache eu-west-1.json has schema version 9');
      },
    };
    const again = await listImages({ ec2, region: 'us-east-1', cache: failing, events: sink });
    expect(again.images).toEqual(listing.images);
    expect(events.at(-2)).toMatchObject({
      type: 'cache.write-failed',
      level: 'warn',
      message: expect.stringContaining('schema version 9'),
    });
  });

  it('asks EC2 again when the cached listing has no image of the version', async () => {
    const { sink, events } = collectEvents();
    const cache = memoryCache();
    ec2Mock
      .on(DescribeImagesCommand)
      .resolvesOnce({ Images: [labImage('ami-00000001', '4.0.4', '2026-01-01T00:00:00.000Z')] })
      .resolves({
        Images: [
          labImage('ami-00000001', '4.0.4', '2026-01-01T00:00:00.000Z'),
          labImage('ami-00000002', '4.1.0', '2026-01-02T00:00:00.000Z'),
        ],
      });
    expect(
      (await findLatestImage({ ec2, region: 'us-east-1', cache, version: '4.0.4' })).image?.imageId,
    ).toBe('ami-00000001');
    expect(
      (await findLatestImage({ ec2, region: 'us-east-1', cache, version: '4.0.4' })).listing.cached,
    ).toBe(true);
    expect(ec2Mock).toHaveReceivedCommandTimes(DescribeImagesCommand, 1);
    const found = await findLatestImage({ ec2, region: 'us-east-1', cache, version: '4.1.0', events: sink });
    expect(found.image?.imageId).toBe('ami-00000002');
    expect(found.listing.cached).toBe(false);
    expect(ec2Mock).toHaveReceivedCommandTimes(DescribeImagesCommand, 2);
    expect(events.map((event) => event.type)).toContain('cache.no-match');
    // The refreshed listing is cached: the next lookup of 4.1.0 needs no EC2 call.
    expect(
      (await findLatestImage({ ec2, region: 'us-east-1', cache, version: '4.1.0' })).listing.cached,
    ).toBe(true);
    // A version that does not exist at all costs one EC2 call per lookup, never more.
    expect(
      (await findLatestImage({ ec2, region: 'us-east-1', cache, version: '9.9.9' })).image,
    ).toBeUndefined();
    expect(ec2Mock).toHaveReceivedCommandTimes(DescribeImagesCommand, 3);
  });

  it('retries throttling', async () => {
    ec2Mock
      .on(DescribeImagesCommand)
      .rejectsOnce(awsError({ code: 'RequestLimitExceeded', status: 503 }))
      .resolves({ Images: [] });
    const listing = await listImages({ ec2, region: 'us-east-1' });
    expect(listing.images).toEqual([]);
  });

  it('picks the newest available image of the highest version, or of a given version', async () => {
    ec2Mock.on(DescribeImagesCommand).resolves({
      Images: [
        labImage('ami-00000001', '4.0.4', '2026-01-01T00:00:00.000Z'),
        labImage('ami-00000002', '4.0.4', '2026-01-05T00:00:00.000Z'),
        labImage('ami-00000003', '4.0.4', '2026-01-09T00:00:00.000Z', 'pending'),
        labImage('ami-00000004', '3.3.2', '2026-01-10T00:00:00.000Z'),
        labImage('ami-00000005', undefined, '2026-01-11T00:00:00.000Z'),
      ],
    });
    expect((await findLatestImage({ ec2, region: 'us-east-1' })).image?.imageId).toBe('ami-00000002');
    expect((await findLatestImage({ ec2, region: 'us-east-1', version: '3.3.2' })).image?.imageId).toBe(
      'ami-00000004',
    );
    expect((await findLatestImage({ ec2, region: 'us-east-1', version: '9.9.9' })).image).toBeUndefined();
  });
});

describe('deleteImage', () => {
  it('deregisters the image and deletes its snapshots, retrying a snapshot still in use', async () => {
    const time = createVirtualTime();
    ec2Mock
      .on(DescribeImagesCommand)
      .resolves({ Images: [labImage('ami-00000001', '4.0.4', '2026-01-01T00:00:00.000Z')] });
    ec2Mock.on(DeregisterImageCommand).resolves({});
    ec2Mock
      .on(DeleteSnapshotCommand)
      .rejectsOnce(awsError({ code: 'InvalidSnapshot.InUse' }))
      .resolves({});
    const cache = memoryCache(time.clock);
    await cache.set(SCOPE, 'pulsar-base-images', { images: [] });
    await cache.set(SCOPE, 'something-else', 1);
    const result = await deleteImage({
      ec2,
      imageId: 'ami-00000001',
      region: 'us-east-1',
      cache,
      clock: time.clock,
      sleep: time.sleep,
    });
    expect(result).toMatchObject({ deregistered: true, deletedSnapshots: ['snap-00000001'] });
    expect([...cache.entries.keys()]).toEqual(['123456789012/us-east-1/something-else']);
    expect(ec2Mock).toHaveReceivedCommandWith(DeregisterImageCommand, { ImageId: 'ami-00000001' });
    expect(ec2Mock).toHaveReceivedCommandTimes(DeleteSnapshotCommand, 2);
  });

  it('changes nothing in a dry run', async () => {
    ec2Mock
      .on(DescribeImagesCommand)
      .resolves({ Images: [labImage('ami-00000001', '4.0.4', '2026-01-01T00:00:00.000Z')] });
    const result = await deleteImage({ ec2, imageId: 'ami-00000001', dryRun: true });
    expect(result.dryRun).toBe(true);
    expect(ec2Mock).not.toHaveReceivedCommand(DeregisterImageCommand);
  });

  it('refuses images the lab did not make and unknown ids', async () => {
    ec2Mock.on(DescribeImagesCommand, { ImageIds: ['ami-0000000f'] }).resolves({
      Images: [{ ImageId: 'ami-0000000f', Name: 'pulsar-base-mine', State: 'available', Tags: [] }],
    });
    ec2Mock.on(DescribeImagesCommand, { ImageIds: ['ami-0000000e'] }).resolves({ Images: [] });
    await expect(deleteImage({ ec2, imageId: 'ami-0000000f' })).rejects.toMatchObject({
      code: 'AMI_NOT_MANAGED',
    });
    await expect(deleteImage({ ec2, imageId: 'ami-0000000e' })).rejects.toMatchObject({
      code: 'AMI_NOT_FOUND',
    });
    expect(ec2Mock).not.toHaveReceivedCommand(DeregisterImageCommand);
  });

  it('reports snapshots it could not delete as INCOMPLETE', async () => {
    ec2Mock
      .on(DescribeImagesCommand)
      .resolves({ Images: [labImage('ami-00000001', '4.0.4', '2026-01-01T00:00:00.000Z')] });
    ec2Mock.on(DeregisterImageCommand).resolves({});
    ec2Mock.on(DeleteSnapshotCommand).rejects(awsError({ code: 'UnauthorizedOperation' }));
    const error = await deleteImage({ ec2, imageId: 'ami-00000001', region: 'us-east-1' }).catch(
      (e: unknown) => e,
    );
    expect((error as LabError).code).toBe('INCOMPLETE');
    expect((error as LabError).message).toContain('snap-00000001');
  });
});

describe('prune', () => {
  it('keeps the newest N available images per version and deletes the rest and failed ones', async () => {
    ec2Mock.on(DescribeImagesCommand).resolves({
      Images: [
        labImage('ami-00000001', '4.0.4', '2026-01-01T00:00:00.000Z'),
        labImage('ami-00000002', '4.0.4', '2026-01-02T00:00:00.000Z'),
        labImage('ami-00000003', '4.0.4', '2026-01-03T00:00:00.000Z'),
        labImage('ami-00000004', '3.3.2', '2026-01-01T00:00:00.000Z'),
        labImage('ami-00000005', '3.3.2', '2026-01-04T00:00:00.000Z', 'failed'),
        labImage('ami-00000006', '4.0.4', '2026-01-05T00:00:00.000Z', 'pending'),
      ],
    });
    const plan = await planImagePrune({ ec2, keep: 2 });
    expect(plan.keep.map((image) => image.imageId).sort()).toEqual([
      'ami-00000002',
      'ami-00000003',
      'ami-00000004',
    ]);
    expect(plan.remove.map((image) => image.imageId).sort()).toEqual(['ami-00000001', 'ami-00000005']);
    expect(plan.skipped.map((entry) => entry.image.imageId)).toEqual(['ami-00000006']);

    const dry = await executePrune({ ec2, plan, dryRun: true });
    expect(dry.executed).toBe(false);
    expect(ec2Mock).not.toHaveReceivedCommand(DeregisterImageCommand);

    ec2Mock.on(DeregisterImageCommand).resolves({});
    ec2Mock.on(DeleteSnapshotCommand).resolves({});
    const done = await executePrune({ ec2, plan, region: 'us-east-1' });
    expect(done.deleted.map((result) => result.imageId).sort()).toEqual(['ami-00000001', 'ami-00000005']);
    expect(ec2Mock).toHaveReceivedCommandTimes(DeregisterImageCommand, 2);
  });

  it('refuses --keep below 1', async () => {
    await expect(planImagePrune({ ec2, keep: 0 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});

describe('discovery', () => {
  it('finds a default subnet of the default VPC', async () => {
    ec2Mock.on(DescribeVpcsCommand).resolves({ Vpcs: [{ VpcId: 'vpc-1' }] });
    ec2Mock.on(DescribeSubnetsCommand).resolves({
      Subnets: [
        { SubnetId: 'subnet-b', AvailabilityZone: 'us-east-1b', State: 'available' },
        { SubnetId: 'subnet-a', AvailabilityZone: 'us-east-1a', State: 'available' },
      ],
    });
    expect(await discoverDefaultSubnet(ec2)).toBe('subnet-a');
    ec2Mock.on(DescribeVpcsCommand).resolves({ Vpcs: [] });
    await expect(discoverDefaultSubnet(ec2)).rejects.toMatchObject({ code: 'NO_SUBNET' });
  });
});

describe('validateAmi (mocked SDK)', () => {
  const allOk = (instanceId: string): RunCommandInstanceResult => ({
    instanceId,
    ok: true,
    status: 'Success',
    responseCode: 0,
    stdout: expectedCheckNames()
      .map((name) => `LAB-CHECK\t${name}\tok\tx\tx`)
      .join('\n'),
    stderr: '',
  });

  function setUp(states: string[] = ['pending', 'running']) {
    ec2Mock
      .on(DescribeImagesCommand)
      .resolves({ Images: [labImage('ami-00000001', '4.0.4', '2026-01-01T00:00:00.000Z')] });
    ec2Mock.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: 'i-0validate' }] });
    const describe = ec2Mock.on(DescribeInstancesCommand);
    describe.rejectsOnce(awsError({ code: 'InvalidInstanceID.NotFound' }));
    for (const state of states) {
      describe.resolvesOnce({
        Reservations: [{ Instances: [{ InstanceId: 'i-0validate', State: { Name: state as never } }] }],
      });
    }
    describe.resolves({
      Reservations: [{ Instances: [{ InstanceId: 'i-0validate', State: { Name: 'terminated' } }] }],
    });
    ec2Mock.on(TerminateInstancesCommand).resolves({});
    ssmMock
      .on(DescribeInstanceInformationCommand)
      .resolvesOnce({ InstanceInformationList: [] })
      .resolves({ InstanceInformationList: [{ InstanceId: 'i-0validate', PingStatus: 'Online' }] });
  }

  const base = (
    runCommand: RunCommand,
    extra: { signal?: AbortSignal; events?: EventSink; clock?: Clock; sleep?: Sleep } = {},
  ) => {
    const time = createVirtualTime(Date.UTC(2026, 0, 1, 12, 0, 0));
    return {
      ec2,
      ssm,
      runCommand,
      imageId: 'ami-00000001',
      subnetId: 'subnet-a',
      instanceProfile: 'pulsar-aws-lab-ssm',
      clock: time.clock,
      sleep: time.sleep,
      ...extra,
    };
  };

  it('launches a tagged IMDSv2 instance, waits for running and SSM, checks against the tags, terminates', async () => {
    setUp();
    const calls: Array<Parameters<RunCommand>[0]> = [];
    const runCommand: RunCommand = async (options) => {
      calls.push(options);
      return { commandIds: ['c-1'], results: [allOk('i-0validate')] };
    };
    const result = await validateAmi(base(runCommand));
    expect(result.ok).toBe(true);
    expect(result.validationId).toBe('ami-validate-20260101-120000');
    expect(ec2Mock).toHaveReceivedCommandWith(RunInstancesCommand, {
      ImageId: 'ami-00000001',
      SubnetId: 'subnet-a',
      IamInstanceProfile: { Name: 'pulsar-aws-lab-ssm' },
      MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled' },
    });
    const tags = ec2Mock.commandCalls(RunInstancesCommand)[0]!.args[0].input.TagSpecifications![0]!.Tags;
    expect(tags).toEqual(
      expect.arrayContaining([
        { Key: 'Project', Value: 'pulsar-aws-lab' },
        { Key: 'ExperimentID', Value: 'ami-validate-20260101-120000' },
        { Key: 'ManagedBy', Value: 'lab-ami' },
      ]),
    );
    expect(calls[0]!.instanceIds).toEqual(['i-0validate']);
    expect(calls[0]!.script).toContain("export EXPECTED_PULSAR='4.0.4'");
    expect(calls[0]!.script).toContain(`export EXPECTED_OMB='${'a'.repeat(40)}'`);
    expect(ec2Mock).toHaveReceivedCommandWith(TerminateInstancesCommand, { InstanceIds: ['i-0validate'] });
  });

  it('terminates and waits when a check fails', async () => {
    setUp();
    const runCommand: RunCommand = async () => ({
      commandIds: ['c-1'],
      results: [{ ...allOk('i-0validate'), stdout: 'LAB-CHECK\tpulsar.version\tfail\t4.0.4\t4.0.3\n' }],
    });
    const result = await validateAmi(base(runCommand));
    expect(result.ok).toBe(false);
    expect(result.checks.find((check) => check.name === 'pulsar.version')).toMatchObject({
      ok: false,
      actual: '4.0.3',
    });
    expect(result.checks.find((check) => check.name === 'tools')).toMatchObject({
      ok: false,
      actual: 'no result',
    });
    expect(ec2Mock).toHaveReceivedCommandTimes(TerminateInstancesCommand, 1);
  });

  it('terminates and waits when the runner throws, and rethrows', async () => {
    setUp();
    const runCommand: RunCommand = async () => {
      throw new LabError('SSM_TIMEOUT', 'command timed out');
    };
    await expect(validateAmi(base(runCommand))).rejects.toMatchObject({ code: 'SSM_TIMEOUT' });
    expect(ec2Mock).toHaveReceivedCommandTimes(TerminateInstancesCommand, 1);
    const last = ec2Mock.commandCalls(DescribeInstancesCommand).at(-1);
    expect(last).toBeDefined();
  });

  it('terminates and waits when aborted while waiting for SSM', async () => {
    setUp();
    ssmMock.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [] });
    const controller = new AbortController();
    const { sink, events } = collectEvents();
    const runCommand: RunCommand = async () => ({ commandIds: [], results: [] });
    const error = await validateAmi(
      base(runCommand, {
        signal: controller.signal,
        events: (event) => {
          sink(event);
          if (event.type === 'validate.wait.ssm') controller.abort();
        },
      }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortedError);
    expect(ec2Mock).toHaveReceivedCommandTimes(TerminateInstancesCommand, 1);
    expect(events.map((event) => event.type)).toContain('validate.terminated');
  });

  it('fails at once when the instance terminates instead of running, and still terminates it', async () => {
    setUp(['pending', 'shutting-down']);
    const runCommand: RunCommand = async () => ({ commandIds: [], results: [] });
    await expect(validateAmi(base(runCommand))).rejects.toMatchObject({ code: 'INSTANCE_NOT_RUNNING' });
    expect(ec2Mock).toHaveReceivedCommandTimes(TerminateInstancesCommand, 1);
  });

  it('says INCOMPLETE with the ExperimentID when termination cannot be confirmed', async () => {
    setUp();
    ec2Mock.on(TerminateInstancesCommand).rejects(awsError({ code: 'UnauthorizedOperation' }));
    const runCommand: RunCommand = async () => ({ commandIds: ['c'], results: [allOk('i-0validate')] });
    const error = await validateAmi(base(runCommand)).catch((e: unknown) => e);
    expect((error as LabError).code).toBe('INCOMPLETE');
    expect((error as LabError).hint).toContain('ExperimentID=ami-validate-20260101-120000');
  });

  it('launches nothing for an image without the lab tags', async () => {
    ec2Mock.on(DescribeImagesCommand).resolves({
      Images: [{ ...labImage('ami-00000001', undefined, '2026-01-01T00:00:00.000Z') }],
    });
    await expect(validateAmi(base(async () => ({ commandIds: [], results: [] })))).rejects.toMatchObject({
      code: 'AMI_NOT_VALIDATABLE',
    });
    expect(ec2Mock).not.toHaveReceivedCommand(RunInstancesCommand);
  });
});

describe('buildPulsarAmi', () => {
  it('refuses a version that already has an image unless forced', async () => {
    ec2Mock
      .on(DescribeImagesCommand)
      .resolves({ Images: [labImage('ami-00000001', '4.0.4', '2026-01-01T00:00:00.000Z')] });
    const error = await buildPulsarAmi({
      ec2,
      region: 'us-east-1',
      template: TEMPLATE,
      pulsarVersion: '4.0.4',
      instanceProfile: 'p',
      packerBinary: '/nonexistent/packer',
    }).catch((e: unknown) => e);
    expect((error as LabError).code).toBe('AMI_VERSION_EXISTS');
    expect((error as LabError).hint).toContain('--force');
    const forced = await buildPulsarAmi({
      ec2,
      region: 'us-east-1',
      template: TEMPLATE,
      pulsarVersion: '4.0.4',
      instanceProfile: 'p',
      force: true,
      packerBinary: '/nonexistent/packer',
    }).catch((e: unknown) => e);
    // Forced past the check, it got as far as starting Packer.
    expect((forced as LabError).code).toBe('PACKER_NOT_FOUND');
  });
});
