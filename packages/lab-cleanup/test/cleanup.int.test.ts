// lab-cleanup end to end against moto: the real CLI entry (`main` with argv), real SDK clients
// created by the CLI from --endpoint-url and credentials in the environment.
//
// What moto 5.2.1 lacks, checked by hand and covered by the unit tests instead:
// - placement groups are not implemented (every call is an HTTP 500): `--exclude-type placement-group`;
// - DeleteSecurityGroup, DeleteSubnet, DetachInternetGateway and DeleteNetworkInterface never
//   refuse with DependencyViolation (real EC2 does); only DeleteVpc does. The fault-injection
//   run adds the DependencyViolations real AWS would send;
// - CreateImage cannot tag snapshots: the AMI's snapshot is found through the AMI;
// - ListInstanceProfileTags is not implemented: profiles' tags come from GetInstanceProfile.
import {
  CreateSecurityGroupCommand,
  CreateTagsCommand,
  CreateVpcCommand,
  DescribeImagesCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeVpcsCommand,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { CreateRoleCommand } from '@aws-sdk/client-iam';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import {
  describeWithMoto,
  type FaultInjector,
  injectFaults,
  type MotoAccount,
  motoAccount,
} from '@lab/test-support';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildTopology,
  countResources,
  labTagsFor,
  survivors,
  type Topology,
} from '../../tag-cleanup/test/support/topology.js';
import { main } from '../src/index.js';

const A = 'exp-20260101-000001';
const B = 'exp-20260101-000002';
const NEAR_MISS = 'exp-20260101-000001-2';

const capture = () => {
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

interface World {
  account: MotoAccount;
  a: Topology;
  b: Topology;
  decoys: Topology[];
  protectedIds: string[];
}

/** Two experiments plus decoys: untagged, another project with A's id, a near-miss id, and A-tagged defaults. */
async function buildWorld(): Promise<World> {
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
  const image = (await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'], MaxResults: 5 })))
    .Images![0]!;
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

function emptyLike(topology: Topology): Topology {
  return Object.fromEntries(Object.keys(topology).map((key) => [key, []])) as unknown as Topology;
}

function useCredentials(account: MotoAccount): void {
  // The CLI uses the SDK's default credential chain, as it would against AWS.
  process.env.AWS_ACCESS_KEY_ID = account.connection.credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = account.connection.credentials.secretAccessKey;
  process.env.AWS_SESSION_TOKEN = account.connection.credentials.sessionToken ?? '';
  process.env.AWS_REGION = account.region;
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
}

const baseArgs = (account: MotoAccount) => [
  '--region',
  account.region,
  '--endpoint-url',
  account.connection.endpoint,
  '--exclude-type',
  'placement-group',
  '--include-amis',
];

async function expectUntouched(world: World): Promise<void> {
  expect(await survivors(world.account, world.b)).toHaveLength(countResources(world.b));
  for (const decoy of world.decoys) {
    expect(await survivors(world.account, decoy)).toHaveLength(countResources(decoy));
  }
}

describeWithMoto('lab-cleanup against moto', () => {
  describe('without faults', () => {
    let world: World;
    beforeAll(async () => {
      world = await buildWorld();
      useCredentials(world.account);
    });

    it('prints the plan in a dry run and changes nothing', async () => {
      const out = capture();
      const err = capture();
      const code = await main([A, ...baseArgs(world.account)], { stdout: out.stream, stderr: err.stream });
      expect(code, err.text()).toBe(0);
      expect(err.text()).toMatch(/type\s+id\s+region\s+name\s+waits for/);
      expect(err.text()).toContain('Dry run: nothing was deleted');
      expect(err.text()).toContain(world.a.vpcs[0]!);
      expect(err.text()).not.toContain(world.b.vpcs[0]!);
      expect(await survivors(world.account, world.a)).toHaveLength(countResources(world.a));
    });

    it('--execute --yes deletes exactly experiment A and verifies it', async () => {
      const out = capture();
      const err = capture();
      const code = await main([A, ...baseArgs(world.account), '--execute', '--yes', '--json'], {
        stdout: out.stream,
        stderr: err.stream,
      });
      expect(code, out.text() + err.text()).toBe(0);
      const lines = out
        .text()
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { type: string; data?: Record<string, unknown> });
      const result = lines.find((line) => line.type === 'result')!.data!;
      expect(result.complete).toBe(true);
      expect(result.deleted).toHaveLength(countResources(world.a));
      expect(await survivors(world.account, world.a)).toEqual([]);
      await expectUntouched(world);
    });

    it('is idempotent: a second run finds nothing and succeeds', async () => {
      const err = capture();
      const code = await main([A, ...baseArgs(world.account), '--execute', '--yes'], {
        stdout: capture().stream,
        stderr: err.stream,
      });
      expect(code).toBe(0);
      expect(err.text()).toContain('Nothing to delete');
      await expectUntouched(world);
    });
  });

  describe('with throttling and DependencyViolation injected', () => {
    it('retries until everything of A is gone and leaves the rest alone', async () => {
      const world = await buildWorld();
      useCredentials(world.account);
      const injectors: FaultInjector[] = [];
      const code = await main([A, ...baseArgs(world.account), '--execute', '--yes'], {
        stdout: capture().stream,
        stderr: capture().stream,
        instrument: (clients) => {
          injectors.push(
            injectFaults(clients.ec2, [
              { command: 'DescribeInstancesCommand', code: 'RequestLimitExceeded', status: 503, times: 2 },
              { command: 'TerminateInstancesCommand', code: 'RequestLimitExceeded', status: 503 },
              { command: 'DeleteVolumeCommand', code: 'Throttling', times: 2 },
              { command: 'DeleteSecurityGroupCommand', code: 'DependencyViolation', times: 2 },
              { command: 'DeleteSubnetCommand', code: 'DependencyViolation' },
              { command: 'DeleteInternetGatewayCommand', code: 'DependencyViolation' },
              { command: 'DeleteVpcCommand', code: 'DependencyViolation', times: 2 },
            ]),
            injectFaults(clients.iam, [
              { command: 'DeleteRoleCommand', code: 'Throttling' },
              { command: 'DeleteInstanceProfileCommand', code: 'DeleteConflict' },
            ]),
            injectFaults(clients.s3, [{ command: 'DeleteObjectsCommand', code: 'SlowDown', status: 503 }]),
          );
        },
      });
      expect(code).toBe(0);
      const fired = injectors.flatMap((injector) => injector.injected.map((fault) => fault.code));
      expect(fired.filter((code) => code === 'DependencyViolation')).toHaveLength(6);
      expect(fired.length).toBeGreaterThanOrEqual(14);
      expect(await survivors(world.account, world.a)).toEqual([]);
      await expectUntouched(world);
    });

    it('exits 3 naming each remaining resource and its last error when a dependency never clears', async () => {
      const world = await buildWorld();
      useCredentials(world.account);
      const err = capture();
      const code = await main([A, ...baseArgs(world.account), '--execute', '--yes'], {
        stdout: capture().stream,
        stderr: err.stream,
        instrument: (clients) => {
          injectFaults(clients.ec2, [
            {
              command: 'DeleteVpcCommand',
              code: 'DependencyViolation',
              message: 'The vpc has dependencies and cannot be deleted.',
              times: 1000,
            },
          ]);
        },
      });
      expect(code).toBe(3);
      expect(err.text()).toMatch(
        new RegExp(`vpc\\s+${world.a.vpcs[0]}\\s+us-east-1\\s+The vpc has dependencies`),
      );
      expect(err.text()).toContain('Cleanup incomplete: 1 resource(s) remain');
      expect(await survivors(world.account, world.a)).toEqual(world.a.vpcs);
      await expectUntouched(world);
    });
  });

  describe('two runs at once', () => {
    it('do not fight: both finish, everything of A is gone, nothing else is touched', async () => {
      const world = await buildWorld();
      useCredentials(world.account);
      const run = () => {
        const err = capture();
        return main([A, ...baseArgs(world.account), '--execute', '--yes'], {
          stdout: capture().stream,
          stderr: err.stream,
        }).then((code) => ({ code, err: err.text() }));
      };
      const [first, second] = await Promise.all([run(), run()]);
      expect(first.code, first.err).toBe(0);
      expect(second.code, second.err).toBe(0);
      expect(await survivors(world.account, world.a)).toEqual([]);
      await expectUntouched(world);
    });
  });

  describe('--sweep', () => {
    it('deletes only lab experiments past their age or expiry, and nothing of other projects', async () => {
      const account = await motoAccount();
      useCredentials(account);
      const now = Date.now();
      const iso = (ms: number) => new Date(ms).toISOString();
      const old = await buildTopology(account, 'sweep-old', {
        tags: { ...labTagsFor('sweep-old'), CreatedAt: iso(now - 2 * 86_400_000) },
        ami: false,
        extras: false,
      });
      const expired = await buildTopology(account, 'sweep-expired', {
        cidr: '10.1.0.0/16',
        tags: {
          ...labTagsFor('sweep-expired'),
          CreatedAt: iso(now - 3_600_000),
          ExpiresAt: iso(now - 60_000),
        },
        ami: false,
        extras: false,
      });
      const young = await buildTopology(account, 'sweep-young', {
        cidr: '10.2.0.0/16',
        tags: {
          ...labTagsFor('sweep-young'),
          CreatedAt: iso(now - 3_600_000),
          ExpiresAt: iso(now + 86_400_000),
        },
        ami: false,
        extras: false,
      });
      const otherProject = await buildTopology(account, 'sweep-other', {
        cidr: '10.3.0.0/16',
        tags: { Project: 'other-project', ExperimentID: 'sweep-other', CreatedAt: iso(now - 5 * 86_400_000) },
        ami: false,
        extras: false,
      });
      const err = capture();
      const code = await main(['--sweep', '--older-than', '6h', ...baseArgs(account), '--execute', '--yes'], {
        stdout: capture().stream,
        stderr: err.stream,
      });
      expect(code, err.text()).toBe(0);
      expect(await survivors(account, old)).toEqual([]);
      expect(await survivors(account, expired)).toEqual([]);
      expect(await survivors(account, young)).toHaveLength(countResources(young));
      expect(await survivors(account, otherProject)).toHaveLength(countResources(otherProject));
    });
  });
});
