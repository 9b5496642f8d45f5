// One randomized fault trial against moto: a random experiment and random decoys, a cleanup (or
// two at once) under random faults, and a verdict from the trial's own listing — nothing of the
// experiment left but what must be (kept images, a VPC a decoy still uses), nothing else changed,
// and the cleanup's own account of it true. Everything follows from one 32-bit seed.
import {
  type _InstanceType,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateTagsCommand,
  CreateVpcCommand,
  DescribeImagesCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeVpcsCommand,
  EC2Client,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { CreateInstanceProfileCommand, CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import {
  buildTopology,
  countResources,
  describeResources,
  labTagsFor,
  type MotoAccount,
  motoAccount,
  publicImage,
  type Topology,
  type TopologyOptions,
} from '@lab/test-support';
import { createAwsProvider } from '../../src/aws/index.js';
import { type CleanupResult, cleanup } from '../../src/index.js';
import { type FaultCounts, type FaultPlan, NO_FAULTS, prng, unleash } from './chaos.js';

export const TARGET = 'exp-20260101-000001';
const OTHER = 'exp-20260101-000002';
const NEAR_MISS = `${TARGET}-2`;

/** Everything a trial does, derived from its seed (`trialSpec`). */
export interface TrialSpec {
  seed: number;
  topology: TopologyOptions;
  includeImages: boolean;
  faults: FaultPlan;
  /** A second cleanup of the same experiment starts this many ms after the first, or none. */
  secondRunAfterMs: number | undefined;
  decoys: {
    otherExperiment: boolean;
    otherProject: boolean;
    nearMiss: boolean;
    untagged: boolean;
    /** Untagged and other-experiment resources inside the experiment's own VPC. */
    inVpc: boolean;
    /** The default VPC, its default group and main route table, tagged with the experiment. */
    defaults: boolean;
  };
}

export interface TrialOutcome {
  spec: TrialSpec;
  resources: number;
  decoys: number;
  /** Resources of the experiment still there that should be gone. */
  leaks: string[];
  /** Decoys changed or gone, and resources deleted that had to stay (images not asked for …). */
  collateral: string[];
  /** A run said "complete" while something of the experiment is left. */
  falseVerified: boolean;
  /** Resources of the experiment left that a run did not report as remaining. */
  unreported: string[];
  /** Runs that said "incomplete" although nothing was left (pessimistic, not wrong). */
  pessimistic: number;
  /** What each run reported as remaining: `type id: why`. */
  reports: string[][];
  cleanupMs: number;
  faults: FaultCounts;
  error?: string;
}

export const failed = (outcome: TrialOutcome): boolean =>
  outcome.leaks.length > 0 ||
  outcome.collateral.length > 0 ||
  outcome.falseVerified ||
  outcome.unreported.length > 0 ||
  outcome.error !== undefined;

/** The trial a seed stands for. */
export function trialSpec(seed: number): TrialSpec {
  const random = prng(seed);
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const chance = (p: number) => random() < p;
  const level = () => (chance(0.6) ? [0.05, 0.15, 0.3][int(0, 2)]! : 0);
  return {
    seed,
    topology: {
      instances: int(0, 4),
      subnets: int(1, 3),
      securityGroups: int(1, 4),
      networkInterfaces: int(0, 2),
      objects: int(0, 5),
      ami: chance(0.5),
      extras: chance(0.5),
    },
    includeImages: chance(0.5),
    faults: {
      throttling: level(),
      serverErrors: level(),
      dependencyViolations: level() * 2,
      staleListings: level() * 2,
      concurrentDeletes: level(),
    },
    secondRunAfterMs: chance(0.3) ? int(0, 400) : undefined,
    decoys: {
      otherExperiment: chance(0.7),
      otherProject: chance(0.5),
      nearMiss: chance(0.5),
      untagged: chance(0.6),
      inVpc: chance(0.3),
      defaults: chance(0.5),
    },
  };
}

const SMALL: TopologyOptions = {
  instances: 1,
  subnets: 1,
  securityGroups: 1,
  networkInterfaces: 0,
  objects: 1,
  ami: false,
  extras: false,
};

const empty = (): Topology => ({
  vpcs: [],
  subnets: [],
  internetGateways: [],
  routeTables: [],
  securityGroups: [],
  instances: [],
  volumes: [],
  networkInterfaces: [],
  elasticIps: [],
  natGateways: [],
  vpcEndpoints: [],
  keyPairs: [],
  launchTemplates: [],
  images: [],
  snapshots: [],
  roles: [],
  instanceProfiles: [],
  policies: [],
  buckets: [],
});

const merge = (into: Topology, from: Topology) => {
  for (const key of Object.keys(into) as Array<keyof Topology>) into[key].push(...from[key]);
};

/** The decoys of `spec` in `account`, around the experiment `target`. */
async function buildDecoys(account: MotoAccount, spec: TrialSpec, target: Topology): Promise<Topology> {
  const { ec2, iam, s3 } = account;
  const decoys = empty();
  const { decoys: want } = spec;
  if (want.otherExperiment)
    merge(decoys, await buildTopology(account, OTHER, { ...SMALL, cidr: '10.1.0.0/16' }));
  if (want.otherProject) {
    const tags = { Project: 'other-project', ExperimentID: TARGET };
    merge(decoys, await buildTopology(account, 'other', { ...SMALL, cidr: '10.2.0.0/16', tags }));
  }
  if (want.nearMiss)
    merge(decoys, await buildTopology(account, NEAR_MISS, { ...SMALL, cidr: '10.3.0.0/16' }));
  const image = { ImageId: await publicImage(ec2) };
  const launch = async (subnet: string | undefined, group: string | undefined) =>
    (
      await ec2.send(
        new RunInstancesCommand({
          ImageId: image.ImageId,
          InstanceType: 't3.micro' as _InstanceType,
          MinCount: 1,
          MaxCount: 1,
          ...(subnet === undefined ? {} : { SubnetId: subnet }),
          ...(group === undefined ? {} : { SecurityGroupIds: [group] }),
        }),
      )
    ).Instances![0]!.InstanceId!;
  if (want.untagged) {
    const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.4.0.0/16' }))).Vpc!.VpcId!;
    const group = (
      await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'untagged', Description: 'x', VpcId: vpc }))
    ).GroupId!;
    const bucket = `untagged-${account.accountId}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await iam.send(new CreateRoleCommand({ RoleName: 'untagged-role', AssumeRolePolicyDocument: '{}' }));
    await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'untagged-profile' }));
    merge(decoys, {
      ...empty(),
      vpcs: [vpc],
      securityGroups: [group],
      instances: [await launch(undefined, undefined)],
      buckets: [bucket],
      roles: ['untagged-role'],
      instanceProfiles: ['untagged-profile'],
    });
  }
  if (want.inVpc && target.vpcs.length > 0) {
    // Someone launched into the experiment's VPC: its subnet, group and instance are not the
    // experiment's, so the VPC cannot go either — and cleanup must say so, not delete them.
    const vpc = target.vpcs[0]!;
    const subnet = (await ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: '10.0.200.0/24' })))
      .Subnet!.SubnetId!;
    const group = (
      await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'squatter', Description: 'x', VpcId: vpc }))
    ).GroupId!;
    const foreign = (
      await ec2.send(
        new CreateSecurityGroupCommand({
          GroupName: 'other-experiment',
          Description: 'x',
          VpcId: vpc,
          TagSpecifications: [
            {
              ResourceType: 'security-group',
              Tags: Object.entries(labTagsFor(OTHER)).map(([Key, Value]) => ({ Key, Value })),
            },
          ],
        }),
      )
    ).GroupId!;
    merge(decoys, {
      ...empty(),
      subnets: [subnet],
      securityGroups: [group, foreign],
      instances: [await launch(subnet, group)],
    });
  }
  if (want.defaults) {
    const vpc = (
      await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }))
    ).Vpcs![0]!.VpcId!;
    const group = (
      await ec2.send(
        new DescribeSecurityGroupsCommand({
          Filters: [
            { Name: 'vpc-id', Values: [vpc] },
            { Name: 'group-name', Values: ['default'] },
          ],
        }),
      )
    ).SecurityGroups![0]!.GroupId!;
    const table = (
      await ec2.send(
        new DescribeRouteTablesCommand({
          Filters: [
            { Name: 'vpc-id', Values: [vpc] },
            { Name: 'association.main', Values: ['true'] },
          ],
        }),
      )
    ).RouteTables![0]!.RouteTableId!;
    await ec2.send(
      new CreateTagsCommand({
        Resources: [vpc, group, table],
        Tags: Object.entries(labTagsFor(TARGET)).map(([Key, Value]) => ({ Key, Value })),
      }),
    );
    merge(decoys, { ...empty(), vpcs: [vpc], securityGroups: [group], routeTables: [table] });
  }
  return decoys;
}

/** Runs the trial `spec` in a fresh moto account. */
export async function runTrial(spec: TrialSpec): Promise<TrialOutcome> {
  const outcome: TrialOutcome = {
    spec,
    resources: 0,
    decoys: 0,
    leaks: [],
    collateral: [],
    falseVerified: false,
    unreported: [],
    pessimistic: 0,
    reports: [],
    cleanupMs: 0,
    faults: { ...NO_FAULTS },
  };
  try {
    const account = await motoAccount();
    const target = await buildTopology(account, TARGET, spec.topology);
    const decoys = await buildDecoys(account, spec, target);
    outcome.resources = countResources(target);
    outcome.decoys = countResources(decoys);
    // The image's own snapshots carry no tags (moto cannot tag them at creation): they stay
    // with a kept image and are never "reported".
    const imageSnapshots = target.images.length
      ? (
          (await account.ec2.send(new DescribeImagesCommand({ ImageIds: target.images }))).Images ?? []
        ).flatMap((image) =>
          (image.BlockDeviceMappings ?? []).map((mapping) => mapping.Ebs?.SnapshotId ?? ''),
        )
      : [];
    const mustStay = new Set<string>([
      ...(spec.includeImages ? [] : [...target.images, ...imageSnapshots]),
      ...(spec.decoys.inVpc ? target.vpcs : []),
    ]);
    const before = await describeResources(account, decoys);

    const run = (index: number) => {
      const connection = { ...account.connection, region: account.region };
      const clients = {
        ec2: new EC2Client(connection),
        iam: new IAMClient(connection),
        s3: new S3Client(connection),
      };
      const fired = unleash(spec.seed + index, spec.faults, [clients.ec2, clients.iam, clients.s3]);
      const provider = createAwsProvider({
        homeRegion: account.region,
        clients: () => clients,
        waitSchedule: { initialDelayMs: 50, factor: 1.5, maxDelayMs: 500 },
        retry: { initialDelayMs: 20, factor: 2, maxDelayMs: 400, jitter: 0.5 },
      });
      return {
        fired,
        result: cleanup({
          provider,
          selector: { kind: 'experiment', experimentId: TARGET },
          regions: [account.region],
          excludeTypes: ['placement-group'],
          includeImages: spec.includeImages,
          execute: true,
          roundDelay: { initialDelayMs: 50, factor: 2, maxDelayMs: 400 },
          timeoutMs: 120_000,
        }),
      };
    };
    const started = Date.now();
    const runs = [run(0)];
    if (spec.secondRunAfterMs !== undefined) {
      await new Promise((resolve) => setTimeout(resolve, spec.secondRunAfterMs));
      runs.push(run(1));
    }
    const results: CleanupResult[] = await Promise.all(runs.map((entry) => entry.result));
    outcome.cleanupMs = Date.now() - started;
    for (const { fired } of runs) {
      for (const kind of Object.keys(fired) as Array<keyof FaultCounts>) outcome.faults[kind] += fired[kind];
    }

    const left = [...(await describeResources(account, target)).keys()];
    const after = await describeResources(account, decoys);
    outcome.leaks = left.filter((id) => !mustStay.has(id));
    outcome.collateral = [
      ...[...before]
        .filter(([id, state]) => after.get(id) !== state)
        .map(([id]) => `decoy ${id} changed or gone`),
      ...[...mustStay]
        .filter((id) => !left.includes(id))
        .map((id) => `${id} deleted although it had to stay`),
    ];
    const tagged = left.filter((id) => !imageSnapshots.includes(id));
    outcome.falseVerified = tagged.length > 0 && results.some((result) => result.complete);
    outcome.unreported = [
      ...new Set(
        results.flatMap((result) => {
          const reported = new Set(result.remaining.map((entry) => entry.resource.id));
          return tagged.filter((id) => !reported.has(id));
        }),
      ),
    ];
    outcome.reports = results.map((result) => [
      ...result.remaining.map((entry) => `${entry.resource.type} ${entry.resource.id}: ${entry.message}`),
      ...result.problems.map((problem) => `listing ${problem.type} ${problem.region}: ${problem.message}`),
    ]);
    outcome.pessimistic = results.filter(
      (result) => !result.complete && tagged.length === 0 && result.problems.length === 0,
    ).length;
  } catch (error) {
    outcome.error = error instanceof Error ? (error.stack ?? error.message) : String(error);
  }
  return outcome;
}
