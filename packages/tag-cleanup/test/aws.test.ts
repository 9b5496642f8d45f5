import {
  DeleteSecurityGroupCommand,
  DeleteSubnetCommand,
  DeleteVpcCommand,
  DescribeInstancesCommand,
  DescribePlacementGroupsCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
  RevokeSecurityGroupIngressCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { IAMClient, ListRolesCommand, ListRoleTagsCommand } from '@aws-sdk/client-iam';
import {
  GetBucketLocationCommand,
  GetBucketTaggingCommand,
  ListBucketsCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { createVirtualTime, type VirtualTime } from '@lab/core';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { createAwsProvider } from '../src/aws/index.js';
import { cleanup, RESOURCE_TYPES, type Resource, resourceKey } from '../src/index.js';
import { EXP, labTags } from './fixtures.js';

const awsError = (code: string, status = 400) =>
  Object.assign(new Error(code), { name: code, $metadata: { httpStatusCode: status } });
const tagList = (tags: Record<string, string>) =>
  Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

const ec2 = mockClient(EC2Client);
const iam = mockClient(IAMClient);
const s3 = mockClient(S3Client);
const sts = mockClient(STSClient);
const credentials = { accessKeyId: 'x', secretAccessKey: 'y' };
const s3Regions: string[] = [];

let time: VirtualTime;
const provider = () =>
  createAwsProvider({
    homeRegion: 'us-east-1',
    clients: (region) => {
      s3Regions.push(region);
      return {
        ec2: new EC2Client({ region, credentials }),
        iam: new IAMClient({ region, credentials }),
        s3: new S3Client({ region, credentials }),
        sts: new STSClient({ region, credentials }),
      };
    },
    clock: time.clock,
    sleep: time.sleep,
    retry: { jitter: 0 },
  });

const EC2_ONLY = RESOURCE_TYPES.filter(
  (type) => !['role', 'instance-profile', 'policy', 'bucket'].includes(type),
);

beforeEach(() => {
  ec2.reset().onAnyCommand().resolves({});
  iam.reset().onAnyCommand().resolves({});
  s3.reset().onAnyCommand().resolves({});
  sts.reset().onAnyCommand().resolves({});
  s3Regions.length = 0;
  time = createVirtualTime();
});

describe('discovery', () => {
  it('asks EC2 for the exact tags, paginates, and re-checks the tags itself', async () => {
    ec2
      .on(DescribeVpcsCommand)
      .resolvesOnce({ Vpcs: [{ VpcId: 'vpc-1', Tags: tagList(labTags()) }], NextToken: 'page-2' })
      .resolvesOnce({
        Vpcs: [
          { VpcId: 'vpc-2', Tags: tagList(labTags()) },
          // An API that ignored the filter must not make cleanup select someone else's VPC.
          { VpcId: 'vpc-other', Tags: tagList({ Project: 'pulsar-aws-lab', ExperimentID: `${EXP}-2` }) },
          { VpcId: 'vpc-default', IsDefault: true, Tags: tagList(labTags()) },
        ],
      });
    ec2.on(DescribeSecurityGroupsCommand).resolves({
      SecurityGroups: [
        { GroupId: 'sg-default', GroupName: 'default', VpcId: 'vpc-1', Tags: tagList(labTags()) },
        { GroupId: 'sg-1', GroupName: 'brokers', VpcId: 'vpc-1', Tags: tagList(labTags()) },
      ],
    });
    ec2.on(DescribeRouteTablesCommand).resolves({
      RouteTables: [
        {
          RouteTableId: 'rtb-main',
          VpcId: 'vpc-1',
          Associations: [{ Main: true }],
          Tags: tagList(labTags()),
        },
        {
          RouteTableId: 'rtb-1',
          VpcId: 'vpc-1',
          Associations: [{ Main: false, RouteTableAssociationId: 'a-1' }],
          Tags: tagList(labTags()),
        },
      ],
    });
    ec2.on(DescribeSubnetsCommand).resolves({
      Subnets: [{ SubnetId: 'subnet-default', DefaultForAz: true, VpcId: 'vpc-1', Tags: tagList(labTags()) }],
    });
    const result = await provider().discover({
      selector: { kind: 'experiment', experimentId: EXP },
      regions: ['us-east-1'],
      types: EC2_ONLY,
    });
    expect(result.problems).toEqual([]);
    expect(result.resources.map((r) => r.id).sort()).toEqual(['rtb-1', 'sg-1', 'vpc-1', 'vpc-2']);
    expect(ec2).toHaveReceivedCommandWith(DescribeVpcsCommand, {
      Filters: [
        { Name: 'tag:Project', Values: ['pulsar-aws-lab'] },
        { Name: 'tag:ExperimentID', Values: [EXP] },
      ],
      NextToken: 'page-2',
    });
    expect(ec2).toHaveReceivedCommandTimes(DescribeVpcsCommand, 2);
  });

  it('reads IAM tags per role and bucket tags through the bucket region, tolerating NoSuchTagSet', async () => {
    iam.on(ListRolesCommand).resolves({
      Roles: [
        { RoleName: 'lab-role', Path: '/', Arn: 'a', RoleId: 'r', CreateDate: new Date() },
        { RoleName: 'someone-else', Path: '/', Arn: 'b', RoleId: 's', CreateDate: new Date() },
        {
          RoleName: 'AWSServiceRoleForX',
          Path: '/aws-service-role/x/',
          Arn: 'c',
          RoleId: 't',
          CreateDate: new Date(),
        },
      ],
    });
    iam.on(ListRoleTagsCommand, { RoleName: 'lab-role' }).resolves({ Tags: tagList(labTags()) });
    iam.on(ListRoleTagsCommand, { RoleName: 'someone-else' }).resolves({ Tags: tagList({ Project: 'x' }) });
    s3.on(ListBucketsCommand).resolves({
      Buckets: [
        { Name: 'lab-results' },
        { Name: 'untagged' },
        { Name: 'eu-bucket', BucketRegion: 'eu-west-1' },
      ],
    });
    s3.on(GetBucketLocationCommand).resolves({});
    s3.on(GetBucketTaggingCommand, { Bucket: 'lab-results' }).resolves({ TagSet: tagList(labTags()) });
    s3.on(GetBucketTaggingCommand, { Bucket: 'untagged' }).rejects(awsError('NoSuchTagSet', 404));
    s3.on(GetBucketTaggingCommand, { Bucket: 'eu-bucket' }).resolves({ TagSet: tagList(labTags()) });
    const result = await provider().discover({
      selector: { kind: 'experiment', experimentId: EXP },
      regions: ['us-east-1'],
      types: ['role', 'bucket'],
    });
    expect(result.problems).toEqual([]);
    expect(result.resources.map((r) => [r.type, r.id, r.region]).sort()).toEqual([
      ['bucket', 'eu-bucket', 'eu-west-1'],
      ['bucket', 'lab-results', 'us-east-1'],
      ['role', 'lab-role', 'global'],
    ]);
    expect(iam).not.toHaveReceivedCommandWith(ListRoleTagsCommand, { RoleName: 'AWSServiceRoleForX' });
    expect(s3Regions).toContain('eu-west-1');
  });

  it('reports a type it cannot list instead of hiding it, naming the call', async () => {
    ec2.on(DescribeVpcsCommand).rejects(awsError('Throttling', 400));
    const result = await provider().discover({
      selector: { kind: 'experiment', experimentId: EXP },
      regions: ['us-east-1'],
      types: ['vpc'],
    });
    expect(result.problems).toMatchObject([
      { type: 'vpc', region: 'us-east-1', message: 'DescribeVpcs: Throttling' },
    ]);
    // Throttling is retried (6 times) before it becomes a problem.
    expect(ec2).toHaveReceivedCommandTimes(DescribeVpcsCommand, 7);
  });

  // Errors that cannot succeed on retry end that listing at once, in the API's own words: no
  // backoff sleep at all, one call, and the other listings carry on.
  it.each([
    [
      'an answer that cannot be read (moto answers DescribePlacementGroups with an HTML page)',
      Object.assign(
        new Error(
          '@aws-sdk XML parse error: mismatched tags <html> and </title>.\n  Deserialization error: to see the raw response, inspect the hidden field {error}.$response on this object.',
        ),
        {
          $metadata: { httpStatusCode: 500 },
          $responseBodyText:
            '<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n<h1>Internal Server Error</h1>\n',
        },
      ),
      'DescribePlacementGroups: the answer could not be read (HTTP 500), not retried: 500 Internal Server Error Internal Server Error',
    ],
    [
      'UnauthorizedOperation',
      Object.assign(awsError('UnauthorizedOperation', 403), {
        message: 'You are not authorized to perform this operation.',
      }),
      'DescribePlacementGroups: access denied (HTTP 403), not retried: UnauthorizedOperation: You are not authorized to perform this operation.',
    ],
    [
      'an operation the endpoint does not offer',
      Object.assign(awsError('InvalidAction', 400), {
        message: 'The action DescribePlacementGroups is not valid for this web service.',
      }),
      'DescribePlacementGroups: the endpoint does not offer this operation (HTTP 400), not retried: InvalidAction: The action DescribePlacementGroups is not valid for this web service.',
    ],
  ])('%s ends the listing at once, without a backoff sleep', async (_name, failure, message) => {
    ec2.on(DescribePlacementGroupsCommand).rejects(failure);
    ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [{ VpcId: 'vpc-1', Tags: tagList(labTags()) }] });
    const result = await provider().discover({
      selector: { kind: 'experiment', experimentId: EXP },
      regions: ['us-east-1'],
      types: ['placement-group', 'vpc'],
    });
    expect(result.problems).toEqual([
      { type: 'placement-group', region: 'us-east-1', message, error: failure },
    ]);
    expect(result.resources.map((resource) => resource.id)).toEqual(['vpc-1']);
    expect(ec2).toHaveReceivedCommandTimes(DescribePlacementGroupsCommand, 1);
    expect(time.sleeps).toEqual([]);
  });
});

const instance = (id: string): Resource => ({
  type: 'instance',
  id,
  region: 'us-east-1',
  tags: labTags(),
  state: 'present',
  vpcId: 'vpc-1',
});

describe('deleters', () => {
  it('terminates many instances in one call and waits until they are terminated', async () => {
    const ids = Array.from({ length: 250 }, (_, index) => `i-${String(index).padStart(4, '0')}`);
    ec2
      .on(DescribeInstancesCommand)
      .resolvesOnce({
        Reservations: [
          { Instances: ids.map((InstanceId) => ({ InstanceId, State: { Name: 'shutting-down' } })) },
        ],
      })
      .resolves({
        Reservations: [
          { Instances: ids.map((InstanceId) => ({ InstanceId, State: { Name: 'terminated' } })) },
        ],
      });
    const outcomes = await provider().deleter.deleteBatch(ids.map(instance), {
      deadline: time.clock.now() + 600_000,
      round: 1,
    });
    expect(outcomes.every((outcome) => outcome.status === 'deleted')).toBe(true);
    expect(ec2).toHaveReceivedCommandTimes(TerminateInstancesCommand, 1);
    expect(ec2).toHaveReceivedCommandWith(TerminateInstancesCommand, { InstanceIds: ids });
    // 250 ids are described 200 at a time: two calls per check, two checks.
    expect(ec2).toHaveReceivedCommandTimes(DescribeInstancesCommand, 4);
    expect(time.sleeps).toEqual([2000]);
  });

  it('isolates an unknown id when it fails the whole batch: that one is already gone', async () => {
    ec2
      .on(TerminateInstancesCommand, { InstanceIds: ['i-1', 'i-gone'] })
      .rejects(awsError('InvalidInstanceID.NotFound'));
    ec2
      .on(TerminateInstancesCommand, { InstanceIds: ['i-gone'] })
      .rejects(awsError('InvalidInstanceID.NotFound'));
    ec2
      .on(DescribeInstancesCommand)
      .resolves({ Reservations: [{ Instances: [{ InstanceId: 'i-1', State: { Name: 'terminated' } }] }] });
    const outcomes = await provider().deleter.deleteBatch([instance('i-1'), instance('i-gone')], {
      deadline: time.clock.now() + 60_000,
      round: 1,
    });
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['deleted', 'gone']);
  });

  it('retries throttling within a call and reports DependencyViolation for the next round', async () => {
    ec2
      .on(DeleteSubnetCommand)
      .rejectsOnce(awsError('RequestLimitExceeded', 503))
      .rejectsOnce(awsError('Throttling'))
      .resolves({});
    ec2.on(DeleteVpcCommand).rejects(awsError('DependencyViolation'));
    const p = provider();
    const subnet = await p.deleter.deleteBatch(
      [{ type: 'subnet', id: 'subnet-1', region: 'us-east-1', tags: labTags(), state: 'present' }],
      { deadline: time.clock.now() + 60_000, round: 1 },
    );
    expect(subnet[0]!.status).toBe('deleted');
    expect(p.stats.byOperation.DeleteSubnet).toBe(3);
    const vpc = await p.deleter.deleteBatch(
      [{ type: 'vpc', id: 'vpc-1', region: 'us-east-1', tags: labTags(), state: 'present' }],
      { deadline: time.clock.now() + 60_000, round: 1 },
    );
    expect(vpc[0]).toMatchObject({ status: 'failed', error: { name: 'DependencyViolation' } });
  });

  it('revokes cross-references of every group before deleting any; NotFound is success', async () => {
    const group = (id: string, other: string): Resource => ({
      type: 'security-group',
      id,
      region: 'us-east-1',
      tags: labTags(),
      state: 'present',
      details: {
        ingress: [{ IpProtocol: 'tcp', FromPort: 1, ToPort: 2, UserIdGroupPairs: [{ GroupId: other }] }],
        egress: [],
      },
    });
    ec2.on(DeleteSecurityGroupCommand, { GroupId: 'sg-b' }).rejects(awsError('InvalidGroup.NotFound'));
    const outcomes = await provider().deleter.deleteBatch([group('sg-a', 'sg-b'), group('sg-b', 'sg-a')], {
      deadline: time.clock.now() + 60_000,
      round: 1,
    });
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['deleted', 'gone']);
    const calls = ec2.calls().map((call) => call.args[0].constructor.name);
    expect(calls).toEqual([
      'RevokeSecurityGroupIngressCommand',
      'RevokeSecurityGroupIngressCommand',
      'DeleteSecurityGroupCommand',
      'DeleteSecurityGroupCommand',
    ]);
    expect(ec2).toHaveReceivedCommandWith(RevokeSecurityGroupIngressCommand, { GroupId: 'sg-a' });
  });
});

describe('cleanup with a mocked AWS', () => {
  const world = () => {
    const vpcTags = tagList(labTags());
    let deleted = new Set<string>();
    ec2.on(DescribeInstancesCommand).callsFake((input: { InstanceIds?: string[] }) => ({
      Reservations: [
        {
          Instances: [
            {
              InstanceId: 'i-1',
              VpcId: 'vpc-1',
              Tags: vpcTags,
              State: { Name: deleted.has('i-1') ? 'terminated' : 'running' },
            },
          ],
        },
      ].filter(() => input.InstanceIds === undefined || input.InstanceIds.includes('i-1')),
    }));
    ec2.on(TerminateInstancesCommand).callsFake(() => {
      deleted.add('i-1');
      return {};
    });
    ec2.on(DescribeSecurityGroupsCommand).callsFake(() => ({
      SecurityGroups: deleted.has('sg-1')
        ? []
        : [{ GroupId: 'sg-1', GroupName: 'lab', VpcId: 'vpc-1', Tags: vpcTags }],
    }));
    ec2.on(DeleteSecurityGroupCommand).callsFake(() => {
      deleted.add('sg-1');
      return {};
    });
    ec2.on(DescribeVpcsCommand).callsFake(() => ({
      Vpcs: deleted.has('vpc-1') ? [] : [{ VpcId: 'vpc-1', Tags: vpcTags }],
    }));
    let vpcAttempts = 0;
    ec2.on(DeleteVpcCommand).callsFake(() => {
      vpcAttempts += 1;
      // Eventual consistency: the group is gone but EC2 doesn't know yet.
      if (vpcAttempts === 1) throw awsError('DependencyViolation');
      deleted.add('vpc-1');
      return {};
    });
    return { reset: () => (deleted = new Set()) };
  };

  it('a dry run only lists', async () => {
    world();
    const result = await cleanup({
      provider: provider(),
      selector: { kind: 'experiment', experimentId: EXP },
      regions: ['us-east-1'],
      clock: time.clock,
      sleep: time.sleep,
    });
    expect(result.mode).toBe('dry-run');
    expect(result.plan.steps.map((step) => step.key)).toEqual([
      resourceKey({ type: 'instance', region: 'us-east-1', id: 'i-1' }),
      resourceKey({ type: 'security-group', region: 'us-east-1', id: 'sg-1' }),
      resourceKey({ type: 'vpc', region: 'us-east-1', id: 'vpc-1' }),
    ]);
    expect(ec2).not.toHaveReceivedCommand(TerminateInstancesCommand);
    expect(ec2).not.toHaveReceivedCommand(DeleteVpcCommand);
  });

  it('deletes in order, retries the VPC refused for a moment (DependencyViolation), and verifies by discovering again', async () => {
    world();
    const result = await cleanup({
      provider: provider(),
      selector: { kind: 'experiment', experimentId: EXP },
      regions: ['us-east-1'],
      execute: true,
      clock: time.clock,
      sleep: time.sleep,
    });
    expect(result.complete).toBe(true);
    // The refusal is retried within the call (eventual consistency), so one round does it all.
    expect(result.execution).toMatchObject({ rounds: 1, stoppedBy: 'done' });
    const order = ec2
      .calls()
      .map((call) => call.args[0].constructor.name)
      .filter((name) => /^(Terminate|Delete)/.test(name));
    expect(order).toEqual([
      'TerminateInstancesCommand',
      'DeleteSecurityGroupCommand',
      'DeleteVpcCommand',
      'DeleteVpcCommand',
    ]);
  });

  it('refuses to run in an account outside the allow-list before any discovery', async () => {
    sts.on(GetCallerIdentityCommand).resolves({ Account: '111111111111' });
    await expect(
      cleanup({
        provider: provider(),
        selector: { kind: 'experiment', experimentId: EXP },
        regions: ['us-east-1'],
        allowedAccounts: ['222222222222'],
        execute: true,
      }),
    ).rejects.toMatchObject({ code: 'ACCOUNT_NOT_ALLOWED' });
    expect(ec2.calls()).toHaveLength(0);
  });
});
