// What of a topology exists, and in what state, read with the plain SDK — independent of the
// code under test: which resources survived a cleanup, and whether a decoy was changed.
import {
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
  type IpPermission,
} from '@aws-sdk/client-ec2';
import {
  GetInstanceProfileCommand,
  GetPolicyCommand,
  GetRoleCommand,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
} from '@aws-sdk/client-iam';
import { GetBucketTaggingCommand, HeadBucketCommand, ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import type { Topology, TopologyClients } from './topology.js';

type Tags = Array<{ Key?: string | undefined; Value?: string | undefined }> | undefined;

/** Tags as a sorted plain object, so that two readings compare equal. */
const tagsOf = (tags: Tags) =>
  Object.fromEntries(
    (tags ?? [])
      .map((tag) => [tag.Key ?? '', tag.Value ?? ''] as const)
      .sort(([a], [b]) => a.localeCompare(b)),
  );

const rules = (permissions: IpPermission[] | undefined) =>
  (permissions ?? [])
    .map((permission) =>
      JSON.stringify([
        permission.IpProtocol,
        permission.FromPort,
        permission.ToPort,
        (permission.UserIdGroupPairs ?? []).map((pair) => pair.GroupId).sort(),
        (permission.IpRanges ?? []).map((range) => range.CidrIp).sort(),
      ]),
    )
    .sort();

const isGone = (error: unknown): boolean => {
  const code = (error as { name?: string }).name ?? '';
  return (
    /NotFound|NoSuch|Unavailable/.test(code) ||
    (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404
  );
};

/** A description of one resource, or undefined when it does not exist (any more). */
type Describer = (clients: TopologyClients, id: string) => Promise<unknown>;

const first = <T>(items: T[] | undefined): T | undefined => items?.[0];

const DESCRIBERS: Record<keyof Topology, Describer> = {
  vpcs: async ({ ec2 }, id) => {
    const vpc = first((await ec2.send(new DescribeVpcsCommand({ VpcIds: [id] }))).Vpcs);
    return vpc && { tags: tagsOf(vpc.Tags), cidr: vpc.CidrBlock };
  },
  subnets: async ({ ec2 }, id) => {
    const subnet = first((await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [id] }))).Subnets);
    return subnet && { tags: tagsOf(subnet.Tags), vpc: subnet.VpcId, cidr: subnet.CidrBlock };
  },
  internetGateways: async ({ ec2 }, id) => {
    const gateway = first(
      (await ec2.send(new DescribeInternetGatewaysCommand({ InternetGatewayIds: [id] }))).InternetGateways,
    );
    return (
      gateway && { tags: tagsOf(gateway.Tags), attachedTo: (gateway.Attachments ?? []).map((a) => a.VpcId) }
    );
  },
  routeTables: async ({ ec2 }, id) => {
    const table = first(
      (await ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [id] }))).RouteTables,
    );
    return (
      table && {
        tags: tagsOf(table.Tags),
        vpc: table.VpcId,
        routes: (table.Routes ?? []).map((route) => [route.DestinationCidrBlock, route.GatewayId]).sort(),
        subnets: (table.Associations ?? []).map((association) => association.SubnetId ?? 'main').sort(),
      }
    );
  },
  securityGroups: async ({ ec2 }, id) => {
    const group = first(
      (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [id] }))).SecurityGroups,
    );
    return (
      group && {
        tags: tagsOf(group.Tags),
        vpc: group.VpcId,
        name: group.GroupName,
        ingress: rules(group.IpPermissions),
        egress: rules(group.IpPermissionsEgress),
      }
    );
  },
  instances: async ({ ec2 }, id) => {
    const instance = first(
      (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations?.[0]?.Instances,
    );
    if (instance === undefined || instance.State?.Name === 'terminated') return undefined;
    return {
      tags: tagsOf(instance.Tags),
      state: instance.State?.Name,
      subnet: instance.SubnetId,
      groups: (instance.SecurityGroups ?? []).map((group) => group.GroupId).sort(),
    };
  },
  volumes: async ({ ec2 }, id) => {
    const volume = first((await ec2.send(new DescribeVolumesCommand({ VolumeIds: [id] }))).Volumes);
    return (
      volume && {
        tags: tagsOf(volume.Tags),
        state: volume.State,
        attachedTo: (volume.Attachments ?? []).map((attachment) => attachment.InstanceId),
      }
    );
  },
  networkInterfaces: async ({ ec2 }, id) => {
    const eni = first(
      (await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [id] }))).NetworkInterfaces,
    );
    return eni && { tags: tagsOf(eni.TagSet), subnet: eni.SubnetId, attachedTo: eni.Attachment?.InstanceId };
  },
  elasticIps: async ({ ec2 }, id) => {
    const address = first((await ec2.send(new DescribeAddressesCommand({ AllocationIds: [id] }))).Addresses);
    return (
      address && { tags: tagsOf(address.Tags), instance: address.InstanceId, eni: address.NetworkInterfaceId }
    );
  },
  natGateways: async ({ ec2 }, id) => {
    const gateway = first(
      (await ec2.send(new DescribeNatGatewaysCommand({ NatGatewayIds: [id] }))).NatGateways,
    );
    return gateway && gateway.State !== 'deleted'
      ? { tags: tagsOf(gateway.Tags), state: gateway.State }
      : undefined;
  },
  vpcEndpoints: async ({ ec2 }, id) => {
    const endpoint = first(
      (await ec2.send(new DescribeVpcEndpointsCommand({ VpcEndpointIds: [id] }))).VpcEndpoints,
    );
    return endpoint && endpoint.State?.toLowerCase() !== 'deleted'
      ? { tags: tagsOf(endpoint.Tags), state: endpoint.State }
      : undefined;
  },
  // moto ignores KeyPairIds and lists every key pair: match the id here.
  keyPairs: async ({ ec2 }, id) => {
    const pair = ((await ec2.send(new DescribeKeyPairsCommand({}))).KeyPairs ?? []).find(
      (p) => p.KeyPairId === id,
    );
    return pair && { tags: tagsOf(pair.Tags), name: pair.KeyName };
  },
  launchTemplates: async ({ ec2 }, id) => {
    const template = first(
      (await ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateIds: [id] }))).LaunchTemplates,
    );
    return template && { tags: tagsOf(template.Tags), name: template.LaunchTemplateName };
  },
  images: async ({ ec2 }, id) => {
    const image = first((await ec2.send(new DescribeImagesCommand({ ImageIds: [id] }))).Images);
    return image && { tags: tagsOf(image.Tags), state: image.State };
  },
  snapshots: async ({ ec2 }, id) => {
    const snapshot = first((await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [id] }))).Snapshots);
    return snapshot && { tags: tagsOf(snapshot.Tags), volume: snapshot.VolumeId };
  },
  roles: async ({ iam }, id) => {
    const role = (await iam.send(new GetRoleCommand({ RoleName: id }))).Role;
    if (role === undefined) return undefined;
    const attached =
      (await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: id }))).AttachedPolicies ?? [];
    const inline = (await iam.send(new ListRolePoliciesCommand({ RoleName: id }))).PolicyNames ?? [];
    return {
      tags: tagsOf(role.Tags),
      attached: attached.map((p) => p.PolicyArn).sort(),
      inline: [...inline].sort(),
    };
  },
  instanceProfiles: async ({ iam }, id) => {
    const profile = (await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: id })))
      .InstanceProfile;
    return (
      profile && { tags: tagsOf(profile.Tags), roles: (profile.Roles ?? []).map((r) => r.RoleName).sort() }
    );
  },
  policies: async ({ iam }, id) => {
    const policy = (await iam.send(new GetPolicyCommand({ PolicyArn: id }))).Policy;
    return policy && { attachments: policy.AttachmentCount, version: policy.DefaultVersionId };
  },
  buckets: async ({ s3 }, id) => {
    await s3.send(new HeadBucketCommand({ Bucket: id }));
    const tags = await s3
      .send(new GetBucketTaggingCommand({ Bucket: id }))
      .then((answer) => tagsOf(answer.TagSet))
      .catch(() => ({}));
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: id }));
    return { tags, objects: (versions.Versions ?? []).length + (versions.DeleteMarkers ?? []).length };
  },
};

/** Every resource of `topology` that exists, as id → a description of its state (JSON). */
export async function describeResources(
  clients: TopologyClients,
  topology: Topology,
): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const [kind, ids] of Object.entries(topology) as Array<[keyof Topology, string[]]>) {
    for (const id of ids) {
      try {
        const description = await DESCRIBERS[kind](clients, id);
        if (description !== undefined) found.set(id, JSON.stringify(description));
      } catch (error) {
        if (!isGone(error)) throw error;
      }
    }
  }
  return found;
}

/** Which of `topology`'s resources still exist (terminated instances and deleted NATs do not). */
export async function survivors(clients: TopologyClients, topology: Topology): Promise<string[]> {
  return [...(await describeResources(clients, topology)).keys()];
}
