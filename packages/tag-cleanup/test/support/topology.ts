// Builds an experiment's full topology in moto with the real SDK, as the lab's Terraform would
// tag it, and checks afterwards what of it still exists. Shared by the integration tests of
// @lab/tag-cleanup and lab-cleanup and by the benchmark.
import { randomBytes } from 'node:crypto';
import {
  AllocateAddressCommand,
  AssociateAddressCommand,
  AssociateRouteTableCommand,
  AttachInternetGatewayCommand,
  AttachNetworkInterfaceCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateImageCommand,
  CreateInternetGatewayCommand,
  CreateKeyPairCommand,
  CreateLaunchTemplateCommand,
  CreateNatGatewayCommand,
  CreateNetworkInterfaceCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSecurityGroupCommand,
  CreateSnapshotCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  CreateVpcEndpointCommand,
  DescribeAddressesCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeInternetGatewaysCommand,
  DescribeKeyPairsCommand,
  DescribeLaunchTemplatesCommand,
  DescribeNatGatewaysCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSnapshotsCommand,
  DescribeSubnetsCommand,
  DescribeVolumesCommand,
  DescribeVpcEndpointsCommand,
  DescribeVpcsCommand,
  type EC2Client,
  type ResourceType as Ec2ResourceType,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import {
  AddRoleToInstanceProfileCommand,
  AttachRolePolicyCommand,
  CreateInstanceProfileCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  GetInstanceProfileCommand,
  GetPolicyCommand,
  GetRoleCommand,
  type IAMClient,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import {
  CreateBucketCommand,
  HeadBucketCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';

export interface TopologyClients {
  ec2: EC2Client;
  iam: IAMClient;
  s3: S3Client;
}

export interface TopologyOptions {
  /** Instances (each with an extra, non-delete-on-termination volume). Default 2. */
  instances?: number;
  /** Subnets. Default 2. */
  subnets?: number;
  /** Security groups (they reference each other in a ring). Default 2. */
  securityGroups?: number;
  /** Extra ENIs (the first attached to an instance). Default 1. */
  networkInterfaces?: number;
  /** S3 objects in the bucket. Default 3. */
  objects?: number;
  /** With an AMI and its snapshots. Default true. */
  ami?: boolean;
  /** With a NAT gateway, VPC endpoint and launch template. Default true. */
  extras?: boolean;
  /** Tags instead of the lab's (decoys). */
  tags?: Record<string, string>;
  cidr?: string;
}

/** Every resource created, by kind: what must be gone (or untouched) afterwards. */
export interface Topology {
  vpcs: string[];
  subnets: string[];
  internetGateways: string[];
  routeTables: string[];
  securityGroups: string[];
  instances: string[];
  volumes: string[];
  networkInterfaces: string[];
  elasticIps: string[];
  natGateways: string[];
  vpcEndpoints: string[];
  keyPairs: string[];
  launchTemplates: string[];
  images: string[];
  snapshots: string[];
  roles: string[];
  instanceProfiles: string[];
  policies: string[];
  buckets: string[];
}

export const labTagsFor = (experimentId: string): Record<string, string> => ({
  Project: 'pulsar-aws-lab',
  ExperimentID: experimentId,
  ManagedBy: 'terraform',
});

const emptyTopology = (): Topology => ({
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

export const countResources = (topology: Topology): number =>
  Object.values(topology).reduce((sum, ids: string[]) => sum + ids.length, 0);

const suffix = () => randomBytes(4).toString('hex');

export async function buildTopology(
  clients: TopologyClients,
  name: string,
  options: TopologyOptions = {},
): Promise<Topology> {
  const { ec2, iam, s3 } = clients;
  const tagMap = options.tags ?? labTagsFor(name);
  const tags = Object.entries(tagMap).map(([Key, Value]) => ({ Key, Value }));
  const spec = (type: string, extra: Record<string, string> = {}) => [
    {
      ResourceType: type as Ec2ResourceType,
      Tags: [...tags, ...Object.entries(extra).map(([Key, Value]) => ({ Key, Value }))],
    },
  ];
  const t = emptyTopology();
  const cidr = options.cidr ?? '10.0.0.0/16';
  const prefix = cidr.split('.').slice(0, 2).join('.');

  const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: cidr, TagSpecifications: spec('vpc') })))
    .Vpc!;
  t.vpcs.push(vpc.VpcId!);
  for (let index = 0; index < (options.subnets ?? 2); index += 1) {
    const subnet = await ec2.send(
      new CreateSubnetCommand({
        VpcId: vpc.VpcId,
        CidrBlock: `${prefix}.${index}.0/24`,
        TagSpecifications: spec('subnet', { Name: `${name}-subnet-${index}` }),
      }),
    );
    t.subnets.push(subnet.Subnet!.SubnetId!);
  }
  const igw = (
    await ec2.send(new CreateInternetGatewayCommand({ TagSpecifications: spec('internet-gateway') }))
  ).InternetGateway!;
  t.internetGateways.push(igw.InternetGatewayId!);
  await ec2.send(
    new AttachInternetGatewayCommand({ InternetGatewayId: igw.InternetGatewayId, VpcId: vpc.VpcId }),
  );
  const table = (
    await ec2.send(new CreateRouteTableCommand({ VpcId: vpc.VpcId, TagSpecifications: spec('route-table') }))
  ).RouteTable!;
  t.routeTables.push(table.RouteTableId!);
  await ec2.send(
    new CreateRouteCommand({
      RouteTableId: table.RouteTableId,
      DestinationCidrBlock: '0.0.0.0/0',
      GatewayId: igw.InternetGatewayId,
    }),
  );
  for (const subnetId of t.subnets) {
    await ec2.send(new AssociateRouteTableCommand({ RouteTableId: table.RouteTableId, SubnetId: subnetId }));
  }
  for (let index = 0; index < (options.securityGroups ?? 2); index += 1) {
    const group = await ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: `${name}-sg-${index}-${suffix()}`,
        Description: 'lab test',
        VpcId: vpc.VpcId,
        TagSpecifications: spec('security-group'),
      }),
    );
    t.securityGroups.push(group.GroupId!);
  }
  // Each group admits the next one: a ring of cross-references that must be revoked first.
  for (const [index, groupId] of t.securityGroups.entries()) {
    const other = t.securityGroups[(index + 1) % t.securityGroups.length]!;
    if (other === groupId) continue;
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: groupId,
        IpPermissions: [
          { IpProtocol: 'tcp', FromPort: 6650, ToPort: 6650, UserIdGroupPairs: [{ GroupId: other }] },
        ],
      }),
    );
  }
  const image = (await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'], MaxResults: 5 })))
    .Images![0]!;
  const count = options.instances ?? 2;
  let launched = 0;
  while (launched < count) {
    const batch = Math.min(50, count - launched);
    const run = await ec2.send(
      new RunInstancesCommand({
        ImageId: image.ImageId,
        InstanceType: 't3.micro',
        MinCount: batch,
        MaxCount: batch,
        SubnetId: t.subnets[launched % t.subnets.length],
        SecurityGroupIds: [t.securityGroups[0]!],
        BlockDeviceMappings: [
          { DeviceName: '/dev/sdf', Ebs: { VolumeSize: 10, DeleteOnTermination: false } },
        ],
        TagSpecifications: [...spec('instance', { Component: 'bookkeeper' }), ...spec('volume')],
      }),
    );
    t.instances.push(...run.Instances!.map((instance) => instance.InstanceId!));
    launched += batch;
  }
  const volumes = await ec2.send(
    new DescribeVolumesCommand({ Filters: [{ Name: 'attachment.instance-id', Values: t.instances }] }),
  );
  // Root volumes go with their instance; only the extra ones outlive it.
  t.volumes.push(
    ...(volumes.Volumes ?? [])
      .filter((volume) => volume.Attachments?.some((attachment) => attachment.Device === '/dev/sdf'))
      .map((volume) => volume.VolumeId!),
  );
  for (let index = 0; index < (options.networkInterfaces ?? 1); index += 1) {
    const eni = await ec2.send(
      new CreateNetworkInterfaceCommand({
        SubnetId: t.subnets[0],
        Groups: [t.securityGroups[t.securityGroups.length - 1]!],
        TagSpecifications: spec('network-interface'),
      }),
    );
    t.networkInterfaces.push(eni.NetworkInterface!.NetworkInterfaceId!);
    if (index === 0 && t.instances.length > 0) {
      await ec2.send(
        new AttachNetworkInterfaceCommand({
          NetworkInterfaceId: eni.NetworkInterface!.NetworkInterfaceId,
          InstanceId: t.instances[0],
          DeviceIndex: 1,
        }),
      );
    }
  }
  if (t.instances.length > 0) {
    const address = await ec2.send(
      new AllocateAddressCommand({ Domain: 'vpc', TagSpecifications: spec('elastic-ip') }),
    );
    t.elasticIps.push(address.AllocationId!);
    await ec2.send(
      new AssociateAddressCommand({ AllocationId: address.AllocationId, InstanceId: t.instances[0] }),
    );
  }
  const key = await ec2.send(
    new CreateKeyPairCommand({ KeyName: `${name}-key-${suffix()}`, TagSpecifications: spec('key-pair') }),
  );
  t.keyPairs.push(key.KeyPairId!);
  if (options.extras !== false) {
    const natAddress = await ec2.send(
      new AllocateAddressCommand({ Domain: 'vpc', TagSpecifications: spec('elastic-ip') }),
    );
    t.elasticIps.push(natAddress.AllocationId!);
    const nat = await ec2.send(
      new CreateNatGatewayCommand({
        SubnetId: t.subnets[0],
        AllocationId: natAddress.AllocationId,
        TagSpecifications: spec('natgateway'),
      }),
    );
    t.natGateways.push(nat.NatGateway!.NatGatewayId!);
    const endpoint = await ec2.send(
      new CreateVpcEndpointCommand({
        VpcId: vpc.VpcId,
        ServiceName: 'com.amazonaws.us-east-1.s3',
        // moto 5.2.1 crashes deleting an endpoint created without a type.
        VpcEndpointType: 'Gateway',
        RouteTableIds: [table.RouteTableId!],
        TagSpecifications: spec('vpc-endpoint'),
      }),
    );
    t.vpcEndpoints.push(endpoint.VpcEndpoint!.VpcEndpointId!);
    const template = await ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: `${name}-lt-${suffix()}`,
        LaunchTemplateData: { ImageId: image.ImageId },
        TagSpecifications: spec('launch-template'),
      }),
    );
    t.launchTemplates.push(template.LaunchTemplate!.LaunchTemplateId!);
  }
  if (options.ami !== false && t.instances.length > 0) {
    // moto can't tag an AMI's snapshots at creation: its snapshot is found through the AMI.
    const ami = await ec2.send(
      new CreateImageCommand({
        InstanceId: t.instances[0],
        Name: `${name}-ami-${suffix()}`,
        TagSpecifications: spec('image'),
      }),
    );
    t.images.push(ami.ImageId!);
    const described = await ec2.send(new DescribeImagesCommand({ ImageIds: [ami.ImageId!] }));
    t.snapshots.push(
      ...(described.Images?.[0]?.BlockDeviceMappings ?? [])
        .map((mapping) => mapping.Ebs?.SnapshotId)
        .filter((id): id is string => id !== undefined),
    );
    if (t.volumes.length > 0) {
      const snapshot = await ec2.send(
        new CreateSnapshotCommand({ VolumeId: t.volumes[0], TagSpecifications: spec('snapshot') }),
      );
      t.snapshots.push(snapshot.SnapshotId!);
    }
  }
  const roleName = `${name}-role-${suffix()}`;
  await iam.send(
    new CreateRoleCommand({
      RoleName: roleName,
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      }),
      Tags: tags,
    }),
  );
  t.roles.push(roleName);
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: roleName,
      PolicyName: 'inline',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
      }),
    }),
  );
  const policy = await iam.send(
    new CreatePolicyCommand({
      PolicyName: `${name}-policy-${suffix()}`,
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'ssm:UpdateInstanceInformation', Resource: '*' }],
      }),
      Tags: tags,
    }),
  );
  t.policies.push(policy.Policy!.Arn!);
  await iam.send(new AttachRolePolicyCommand({ RoleName: roleName, PolicyArn: policy.Policy!.Arn }));
  const profileName = `${name}-profile-${suffix()}`;
  await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: profileName, Tags: tags }));
  await iam.send(
    new AddRoleToInstanceProfileCommand({ InstanceProfileName: profileName, RoleName: roleName }),
  );
  t.instanceProfiles.push(profileName);
  // moto's bucket names are global across its accounts: make them unique.
  const bucket = `${name}-results-${suffix()}`.toLowerCase().slice(0, 63);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(
    new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }),
  );
  await s3.send(new PutBucketTaggingCommand({ Bucket: bucket, Tagging: { TagSet: tags } }));
  for (let index = 0; index < (options.objects ?? 3); index += 1) {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `results/${index}.json`, Body: '{}' }));
  }
  t.buckets.push(bucket);
  return t;
}

const exists = async (probe: () => Promise<boolean>): Promise<boolean> => {
  try {
    return await probe();
  } catch (error) {
    const code = (error as { name?: string }).name ?? '';
    if (
      /NotFound|NoSuch|Unavailable/.test(code) ||
      (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404
    ) {
      return false;
    }
    throw error;
  }
};

/** Which of `topology`'s resources still exist (terminated instances and deleted NATs do not). */
export async function survivors(clients: TopologyClients, topology: Topology): Promise<string[]> {
  const { ec2, iam, s3 } = clients;
  const alive: string[] = [];
  const check = async (ids: string[], probe: (id: string) => Promise<boolean>) => {
    for (const id of ids) if (await exists(() => probe(id))) alive.push(id);
  };
  await check(
    topology.vpcs,
    async (id) => ((await ec2.send(new DescribeVpcsCommand({ VpcIds: [id] }))).Vpcs ?? []).length > 0,
  );
  await check(
    topology.subnets,
    async (id) =>
      ((await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [id] }))).Subnets ?? []).length > 0,
  );
  await check(
    topology.internetGateways,
    async (id) =>
      (
        (await ec2.send(new DescribeInternetGatewaysCommand({ InternetGatewayIds: [id] })))
          .InternetGateways ?? []
      ).length > 0,
  );
  await check(
    topology.routeTables,
    async (id) =>
      ((await ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [id] }))).RouteTables ?? []).length >
      0,
  );
  await check(
    topology.securityGroups,
    async (id) =>
      ((await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [id] }))).SecurityGroups ?? []).length >
      0,
  );
  await check(topology.instances, async (id) => {
    const answer = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
    const instance = answer.Reservations?.[0]?.Instances?.[0];
    return instance !== undefined && instance.State?.Name !== 'terminated';
  });
  await check(
    topology.volumes,
    async (id) =>
      ((await ec2.send(new DescribeVolumesCommand({ VolumeIds: [id] }))).Volumes ?? []).length > 0,
  );
  await check(
    topology.networkInterfaces,
    async (id) =>
      (
        (await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [id] })))
          .NetworkInterfaces ?? []
      ).length > 0,
  );
  await check(
    topology.elasticIps,
    async (id) =>
      ((await ec2.send(new DescribeAddressesCommand({ AllocationIds: [id] }))).Addresses ?? []).length > 0,
  );
  await check(topology.natGateways, async (id) => {
    const answer = await ec2.send(new DescribeNatGatewaysCommand({ NatGatewayIds: [id] }));
    return (answer.NatGateways ?? []).some((gateway) => gateway.State !== 'deleted');
  });
  await check(topology.vpcEndpoints, async (id) => {
    const answer = await ec2.send(new DescribeVpcEndpointsCommand({ VpcEndpointIds: [id] }));
    return (answer.VpcEndpoints ?? []).some((endpoint) => endpoint.State?.toLowerCase() !== 'deleted');
  });
  // moto ignores KeyPairIds and lists every key pair: match the id here.
  await check(topology.keyPairs, async (id) =>
    ((await ec2.send(new DescribeKeyPairsCommand({}))).KeyPairs ?? []).some((pair) => pair.KeyPairId === id),
  );
  await check(
    topology.launchTemplates,
    async (id) =>
      (
        (await ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateIds: [id] }))).LaunchTemplates ??
        []
      ).length > 0,
  );
  await check(
    topology.images,
    async (id) => ((await ec2.send(new DescribeImagesCommand({ ImageIds: [id] }))).Images ?? []).length > 0,
  );
  await check(
    topology.snapshots,
    async (id) =>
      ((await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [id] }))).Snapshots ?? []).length > 0,
  );
  await check(
    topology.roles,
    async (id) => (await iam.send(new GetRoleCommand({ RoleName: id }))).Role !== undefined,
  );
  await check(
    topology.instanceProfiles,
    async (id) =>
      (await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: id }))).InstanceProfile !==
      undefined,
  );
  await check(
    topology.policies,
    async (id) => (await iam.send(new GetPolicyCommand({ PolicyArn: id }))).Policy !== undefined,
  );
  await check(topology.buckets, async (id) => {
    await s3.send(new HeadBucketCommand({ Bucket: id }));
    return true;
  });
  return alive;
}
