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
  DescribeImagesCommand,
  DescribeVolumesCommand,
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
  type IAMClient,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import {
  CreateBucketCommand,
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

// moto lists its whole catalogue of public images for `Owners: ['amazon']` (about a second);
// the catalogue is the same in every account of a region, so one look per region is enough.
const publicImages = new Map<string, Promise<string>>();

/** An AMI to launch instances from: one of moto's public images. */
export async function publicImage(ec2: EC2Client): Promise<string> {
  const endpoint = await ec2.config.endpoint?.();
  const key = `${endpoint?.hostname}:${endpoint?.port}/${await ec2.config.region()}`;
  let image = publicImages.get(key);
  if (image === undefined) {
    image = ec2
      .send(new DescribeImagesCommand({ Owners: ['amazon'], MaxResults: 5 }))
      .then((answer) => answer.Images![0]!.ImageId!);
    publicImages.set(key, image);
  }
  return image;
}

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
  const image = { ImageId: await publicImage(ec2) };
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
