// A world of two experiments and decoys in one fresh moto account, and what lab-cleanup's
// integration tests need to run the real CLI entry against it.
import {
  CreateSecurityGroupCommand,
  CreateTagsCommand,
  CreateVpcCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeVpcsCommand,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { CreateRoleCommand } from '@aws-sdk/client-iam';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import {
  buildTopology,
  countResources,
  type MotoAccount,
  motoAccount,
  publicImage,
  survivors,
  type Topology,
} from '@lab/test-support';
import { expect } from 'vitest';

export const A = 'exp-20260101-000001';
export const B = 'exp-20260101-000002';
export const NEAR_MISS = 'exp-20260101-000001-2';

export const capture = () => {
  let text = '';
  return {
    stream: {
      write: (chunk: string) => {
        text += chunk;
        return true;
      },
      isTTY: false,
    },
    text: () => text,
  };
};

export interface World {
  account: MotoAccount;
  a: Topology;
  b: Topology;
  decoys: Topology[];
  protectedIds: string[];
}

/** Two experiments plus decoys: untagged, another project with A's id, a near-miss id, and A-tagged defaults. */
export async function buildWorld(): Promise<World> {
  const account = await motoAccount();
  const a = await buildTopology(account, A);
  const b = await buildTopology(account, B, { cidr: '10.1.0.0/16' });
  const otherProject = await buildTopology(account, 'other', {
    cidr: '10.2.0.0/16',
    tags: { Project: 'other-project', ExperimentID: A },
    ami: false,
  });
  const nearMiss = await buildTopology(account, NEAR_MISS, {
    cidr: '10.3.0.0/16',
    ami: false,
    extras: false,
  });
  const { ec2, iam, s3 } = account;
  const untaggedVpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.4.0.0/16' }))).Vpc!.VpcId!;
  const untaggedGroup = (
    await ec2.send(
      new CreateSecurityGroupCommand({ GroupName: 'untagged', Description: 'x', VpcId: untaggedVpc }),
    )
  ).GroupId!;
  const image = { ImageId: await publicImage(ec2) };
  const untaggedInstance = (
    await ec2.send(new RunInstancesCommand({ ImageId: image.ImageId, MinCount: 1, MaxCount: 1 }))
  ).Instances![0]!.InstanceId!;
  const untaggedBucket = `untagged-${account.accountId}`;
  await s3.send(new CreateBucketCommand({ Bucket: untaggedBucket }));
  await iam.send(new CreateRoleCommand({ RoleName: 'untagged-role', AssumeRolePolicyDocument: '{}' }));
  const untagged: Topology = {
    ...emptyLike(a),
    vpcs: [untaggedVpc],
    securityGroups: [untaggedGroup],
    instances: [untaggedInstance],
    buckets: [untaggedBucket],
    roles: ['untagged-role'],
  };
  // The default VPC, its default group and A's main route table carry A's tags: never deleted.
  const defaultVpc = (
    await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }))
  ).Vpcs![0]!.VpcId!;
  const defaultGroup = (
    await ec2.send(
      new DescribeSecurityGroupsCommand({
        Filters: [
          { Name: 'vpc-id', Values: [defaultVpc] },
          { Name: 'group-name', Values: ['default'] },
        ],
      }),
    )
  ).SecurityGroups![0]!.GroupId!;
  const mainTable = (
    await ec2.send(
      new DescribeRouteTablesCommand({
        Filters: [
          { Name: 'vpc-id', Values: [defaultVpc] },
          { Name: 'association.main', Values: ['true'] },
        ],
      }),
    )
  ).RouteTables![0]!.RouteTableId!;
  await ec2.send(
    new CreateTagsCommand({
      Resources: [defaultVpc, defaultGroup, mainTable],
      Tags: [
        { Key: 'Project', Value: 'pulsar-aws-lab' },
        { Key: 'ExperimentID', Value: A },
      ],
    }),
  );
  const defaults: Topology = {
    ...emptyLike(a),
    vpcs: [defaultVpc],
    securityGroups: [defaultGroup],
    routeTables: [mainTable],
  };
  return { account, a, b, decoys: [otherProject, nearMiss, untagged, defaults], protectedIds: [defaultVpc] };
}

export function emptyLike(topology: Topology): Topology {
  return Object.fromEntries(Object.keys(topology).map((key) => [key, []])) as unknown as Topology;
}

export function useCredentials(account: MotoAccount): void {
  // The CLI uses the SDK's default credential chain, as it would against AWS.
  process.env.AWS_ACCESS_KEY_ID = account.connection.credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = account.connection.credentials.secretAccessKey;
  process.env.AWS_SESSION_TOKEN = account.connection.credentials.sessionToken ?? '';
  process.env.AWS_REGION = account.region;
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
}

export const baseArgs = (account: MotoAccount) => [
  '--region',
  account.region,
  '--endpoint-url',
  account.connection.endpoint,
  '--exclude-type',
  'placement-group',
  '--include-amis',
];

export async function expectUntouched(world: World): Promise<void> {
  expect(await survivors(world.account, world.b)).toHaveLength(countResources(world.b));
  for (const decoy of world.decoys) {
    expect(await survivors(world.account, decoy)).toHaveLength(countResources(decoy));
  }
}
