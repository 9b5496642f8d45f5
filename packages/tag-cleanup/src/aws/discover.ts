import {
  DescribeAddressesCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeInternetGatewaysCommand,
  DescribeKeyPairsCommand,
  DescribeLaunchTemplatesCommand,
  DescribeNatGatewaysCommand,
  DescribeNetworkInterfacesCommand,
  DescribePlacementGroupsCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSnapshotsCommand,
  DescribeSpotInstanceRequestsCommand,
  DescribeSubnetsCommand,
  DescribeVolumesCommand,
  DescribeVpcEndpointsCommand,
  DescribeVpcsCommand,
  type Filter,
  type IpPermission,
} from '@aws-sdk/client-ec2';
import {
  GetInstanceProfileCommand,
  type Tag as IamTag,
  ListInstanceProfilesCommand,
  ListPoliciesCommand,
  ListPolicyTagsCommand,
  ListRolesCommand,
  ListRoleTagsCommand,
} from '@aws-sdk/client-iam';
import { GetBucketLocationCommand, GetBucketTaggingCommand, ListBucketsCommand } from '@aws-sdk/client-s3';
import { awsErrorCode, errorMessage, fromAwsTags, TAG_KEYS, type TagMap } from '@lab/core';
import type { DiscoverRequest } from '../cleanup.js';
import {
  type DiscoveryProblem,
  type DiscoveryResult,
  GLOBAL_REGION,
  type Resource,
  type ResourceType,
} from '../model.js';
import { matchesSelector, type Selector, selectorTagFilters } from '../select.js';
import { type AwsContext, allPages, isNotFound } from './context.js';

type AwsTags = Array<{ Key?: string | undefined; Value?: string | undefined }> | undefined;

const nameOf = (tags: TagMap): string | undefined => tags.Name;

const date = (value: Date | string | undefined): Date | undefined => {
  if (value === undefined) return undefined;
  const parsed = value instanceof Date ? value : new Date(value);
  return Number.isNaN(parsed.getTime()) ? undefined : parsed;
};

/** Builds a descriptor; optional fields only when known. */
function describe(
  type: ResourceType,
  id: string,
  region: string,
  tags: TagMap,
  extra: Partial<Omit<Resource, 'type' | 'id' | 'region' | 'tags'>> = {},
): Resource {
  const name = extra.name ?? nameOf(tags);
  return {
    type,
    id,
    region,
    tags,
    state: extra.state ?? 'present',
    ...(name === undefined ? {} : { name }),
    ...(extra.vpcId === undefined ? {} : { vpcId: extra.vpcId }),
    ...(extra.createdAt === undefined ? {} : { createdAt: extra.createdAt }),
    ...(extra.related === undefined ? {} : { related: extra.related }),
    ...(extra.details === undefined ? {} : { details: extra.details }),
  };
}

type Lister = (
  context: AwsContext,
  region: string,
  selector: Selector,
  signal?: AbortSignal,
) => Promise<Resource[]>;

const tagFilters = (selector: Selector): Filter[] =>
  Object.entries(selectorTagFilters(selector)).map(([key, value]) => ({
    Name: `tag:${key}`,
    Values: [value],
  }));

/** Only what AWS still holds: gone states are left out, in-progress deletions are `deleting`. */
const EC2_LISTERS: Partial<Record<ResourceType, Lister>> = {
  'spot-request': async (context, region, selector, signal) => {
    const { ec2 } = context.clientsFor(region);
    const requests = await allPages(async (NextToken) => {
      const page = await context.call(
        'DescribeSpotInstanceRequests',
        (abortSignal) =>
          ec2.send(
            new DescribeSpotInstanceRequestsCommand({
              Filters: [...tagFilters(selector), { Name: 'state', Values: ['open', 'active'] }],
              NextToken,
            }),
            { abortSignal },
          ),
        signal,
      );
      return { items: page.SpotInstanceRequests, next: page.NextToken };
    });
    return requests.map((request) =>
      describe('spot-request', request.SpotInstanceRequestId!, region, fromAwsTags(request.Tags), {
        createdAt: date(request.CreateTime),
      }),
    );
  },
  instance: async (context, region, selector, signal) => {
    const { ec2 } = context.clientsFor(region);
    const reservations = await allPages(async (NextToken) => {
      const page = await context.call(
        'DescribeInstances',
        (abortSignal) =>
          ec2.send(
            new DescribeInstancesCommand({
              Filters: [
                ...tagFilters(selector),
                {
                  Name: 'instance-state-name',
                  Values: ['pending', 'running', 'shutting-down', 'stopping', 'stopped'],
                },
              ],
              NextToken,
            }),
            { abortSignal },
          ),
        signal,
      );
      return { items: page.Reservations, next: page.NextToken };
    });
    return reservations
      .flatMap((reservation) => reservation.Instances ?? [])
      .filter((instance) => instance.State?.Name !== 'terminated')
      .map((instance) =>
        describe('instance', instance.InstanceId!, region, fromAwsTags(instance.Tags), {
          vpcId: instance.VpcId,
          createdAt: date(instance.LaunchTime),
          state: instance.State?.Name === 'shutting-down' ? 'deleting' : 'present',
        }),
      );
  },
  'nat-gateway': async (context, region, selector, signal) => {
    const { ec2 } = context.clientsFor(region);
    const gateways = await allPages(async (NextToken) => {
      const page = await context.call(
        'DescribeNatGateways',
        (abortSignal) =>
          ec2.send(new DescribeNatGatewaysCommand({ Filter: tagFilters(selector), NextToken }), {
            abortSignal,
          }),
        signal,
      );
      return { items: page.NatGateways, next: page.NextToken };
    });
    return gateways
      .filter((gateway) => gateway.State !== 'deleted')
      .map((gateway) =>
        describe('nat-gateway', gateway.NatGatewayId!, region, fromAwsTags(gateway.Tags), {
          vpcId: gateway.VpcId,
          createdAt: date(gateway.CreateTime),
          state: gateway.State === 'deleting' ? 'deleting' : 'present',
        }),
      );
  },
  'vpc-endpoint': async (context, region, selector, signal) => {
    const { ec2 } = context.clientsFor(region);
    const endpoints = await allPages(async (NextToken) => {
      const page = await context.call(
        'DescribeVpcEndpoints',
        (abortSignal) =>
          ec2.send(new DescribeVpcEndpointsCommand({ Filters: tagFilters(selector), NextToken }), {
            abortSignal,
          }),
        signal,
      );
      return { items: page.VpcEndpoints, next: page.NextToken };
    });
    return endpoints
      .filter((endpoint) => endpoint.State?.toLowerCase() !== 'deleted')
      .map((endpoint) =>
        describe('vpc-endpoint', endpoint.VpcEndpointId!, region, fromAwsTags(endpoint.Tags), {
          vpcId: endpoint.VpcId,
          createdAt: date(endpoint.CreationTimestamp),
          state: endpoint.State?.toLowerCase() === 'deleting' ? 'deleting' : 'present',
        }),
      );
  },
  volume: async (context, region, selector, signal) => {
    const { ec2 } = context.clientsFor(region);
    const volumes = await allPages(async (NextToken) => {
      const page = await context.call(
        'DescribeVolumes',
        (abortSignal) =>
          ec2.send(new DescribeVolumesCommand({ Filters: tagFilters(selector), NextToken }), { abortSignal }),
        signal,
      );
      return { items: page.Volumes, next: page.NextToken };
    });
    return volumes
      .filter((volume) => volume.State !== 'deleted')
      .map((volume) =>
        describe('volume', volume.VolumeId!, region, fromAwsTags(volume.Tags), {
          createdAt: date(volume.CreateTime),
          state: volume.State === 'deleting' ? 'deleting' : 'present',
          details: { attachedTo: (volume.Attachments ?? []).map((attachment) => attachment.InstanceId) },
        }),
      );
  },
  'elastic-ip': async (context, region, selector, signal) => {
    const { ec2 } = context.clientsFor(region);
    const page = await context.call(
      'DescribeAddresses',
      (abortSignal) =>
        ec2.send(new DescribeAddressesCommand({ Filters: tagFilters(selector) }), { abortSignal }),
      signal,
    );
    return (page.Addresses ?? [])
      .filter((address) => address.AllocationId !== undefined)
      .map((address) =>
        describe('elastic-ip', address.AllocationId!, region, fromAwsTags(address.Tags), {
          name: nameOf(fromAwsTags(address.Tags)) ?? address.PublicIp,
          details: { associationId: address.AssociationId },
        }),
      );
  },
  'network-interface': async (context, region, selector, signal) => {
    const { ec2 } = context.clientsFor(region);
    const interfaces = await allPages(async (NextToken) => {
      const page = await context.call(
        'DescribeNetworkInterfaces',
        (abortSignal) =>
          ec2.send(new DescribeNetworkInterfacesCommand({ Filters: tagFilters(selector), NextToken }), {
            abortSignal,
          }),
        signal,
      );
      return { items: page.NetworkInterfaces, next: page.NextToken };
    });
    return interfaces.map((eni) =>
      describe('network-interface', eni.NetworkInterfaceId!, region, fromAwsTags(eni.TagSet), {
        vpcId: eni.VpcId,
        details: {
          attachmentId: eni.Attachment?.AttachmentId,
          attachedTo: eni.Attachment?.InstanceId,
          requesterManaged: eni.RequesterManaged === true,
        },
      }),
    );
  },
  'security-group': async (context, region, selector, signal) => {
    const { ec2 } = context.clientsFor(region);
    const groups = await allPages(async (NextToken) => {
      const page = await context.call(
        'DescribeSecurityGroups',
        (abortSignal) =>
          ec2.send(new DescribeSecurityGroupsCommand({ Filters: tagFilters(selector), NextToken }), {
            abortSignal,
          }),
        signal,
      );
      return { items: page.SecurityGroups, next: page.NextToken };
    });
    const referencing = (permissions: IpPermission[] | undefined) =>
      (permissions ?? []).filter((permission) => (permission.UserIdGroupPairs ?? []).length > 0);
    return (
      groups
        // The default group of a VPC can't be deleted and is never the lab's to touch.
        .filter((group) => group.GroupName !== 'default')
        .map((group) =>
          describe('security-group', group.GroupId!, region, fromAwsTags(group.Tags), {
            name: nameOf(fromAwsTags(group.Tags)) ?? group.GroupName,
            vpcId: group.VpcId,
            details: {
              // Rules that reference other groups: found through their parent, revoked before deletion.
              ingress: referencing(group.IpPermissions),
              egress: referencing(group.IpPermissionsEgress),
            },
          }),
        )
    );
  },
  'route-table': async (context, region, selector, signal) => {
    const { ec2 } = context.clientsFor(region);
    const tables = await allPages(async (NextToken) => {
      const page = await context.call(
        'DescribeRouteTables',
        (abortSignal) =>
          ec2.send(new DescribeRouteTablesCommand({ Filters: tagFilters(selector), NextToken }), {
            abortSignal,
          }),
        signal,
      );
      return { items: page.RouteTables, next: page.NextToken };
    });
    return (
      tables
        // A VPC's main route table goes with the VPC; it is never deleted on its own.
        .filter((table) => !(table.Associations ?? []).some((association) => association.Main === true))
        .map((table) =>
          describe('route-table', table.RouteTableId!, region, fromAwsTags(table.Tags), {
            vpcId: table.VpcId,
            details: {
              associations: (table.Associations ?? [])
                .map((association) => association.RouteTableAssociationId)
                .filter((id) => id !== undefined),
            },
          }),
        )
    );
  },
  subnet: async (context, region, selector, signal) => {
    const { ec2 } = context.clientsFor(region);
    const subnets = await allPages(async (NextToken) => {
      const page = await context.call(
        'DescribeSubnets',
        (abortSignal) =>
          ec2.send(new DescribeSubnetsCommand({ Filters: tagFilters(selector), NextToken }), { abortSignal }),
        signal,
      );
      return { items: page.Subnets, next: page.NextToken };
    });
    return subnets
      .filter((subnet) => subnet.DefaultForAz !== true)
      .map((subnet) =>
        describe('subnet', subnet.SubnetId!, region, fromAwsTags(subnet.Tags), { vpcId: subnet.VpcId }),
      );
  },
  'internet-gateway': async (context, region, selector, signal) => {
    const { ec2 } = context.clientsFor(region);
    const gateways = await allPages(async (NextToken) => {
      const page = await context.call(
        'DescribeInternetGateways',
        (abortSignal) =>
          ec2.send(new DescribeInternetGatewaysCommand({ Filters: tagFilters(selector), NextToken }), {
            abortSignal,
          }),
        signal,
      );
      return { items: page.InternetGateways, next: page.NextToken };
    });
    return gateways.map((gateway) => {
      const attachedTo = (gateway.Attachments ?? []).map((attachment) => attachment.VpcId).filter((id) => id);
      return describe('internet-gateway', gateway.InternetGatewayId!, region, fromAwsTags(gateway.Tags), {
        ...(attachedTo.length === 1 ? { vpcId: attachedTo[0]! } : {}),
        details: { attachedTo },
      });
    });
  },
  vpc: async (context, region, selector, signal) => {
    const { ec2 } = context.clientsFor(region);
    const vpcs = await allPages(async (NextToken) => {
      const page = await context.call(
        'DescribeVpcs',
        (abortSignal) =>
          ec2.send(new DescribeVpcsCommand({ Filters: tagFilters(selector), NextToken }), { abortSignal }),
        signal,
      );
      return { items: page.Vpcs, next: page.NextToken };
    });
    return vpcs
      .filter((vpc) => vpc.IsDefault !== true)
      .map((vpc) => describe('vpc', vpc.VpcId!, region, fromAwsTags(vpc.Tags), { vpcId: vpc.VpcId }));
  },
  'key-pair': async (context, region, selector, signal) => {
    const { ec2 } = context.clientsFor(region);
    const page = await context.call(
      'DescribeKeyPairs',
      (abortSignal) =>
        ec2.send(new DescribeKeyPairsCommand({ Filters: tagFilters(selector) }), { abortSignal }),
      signal,
    );
    return (page.KeyPairs ?? []).map((pair) =>
      describe('key-pair', pair.KeyPairId!, region, fromAwsTags(pair.Tags), {
        name: pair.KeyName,
        createdAt: date(pair.CreateTime),
        details: { keyName: pair.KeyName },
      }),
    );
  },
  'placement-group': async (context, region, selector, signal) => {
    const { ec2 } = context.clientsFor(region);
    const page = await context.call(
      'DescribePlacementGroups',
      (abortSignal) =>
        ec2.send(new DescribePlacementGroupsCommand({ Filters: tagFilters(selector) }), { abortSignal }),
      signal,
    );
    return (page.PlacementGroups ?? [])
      .filter((group) => group.State !== 'deleted')
      .map((group) =>
        describe('placement-group', group.GroupName!, region, fromAwsTags(group.Tags), {
          state: group.State === 'deleting' ? 'deleting' : 'present',
        }),
      );
  },
  'launch-template': async (context, region, selector, signal) => {
    const { ec2 } = context.clientsFor(region);
    const templates = await allPages(async (NextToken) => {
      const page = await context.call(
        'DescribeLaunchTemplates',
        (abortSignal) =>
          ec2.send(new DescribeLaunchTemplatesCommand({ Filters: tagFilters(selector), NextToken }), {
            abortSignal,
          }),
        signal,
      );
      return { items: page.LaunchTemplates, next: page.NextToken };
    });
    return templates.map((template) =>
      describe('launch-template', template.LaunchTemplateId!, region, fromAwsTags(template.Tags), {
        name: template.LaunchTemplateName,
        createdAt: date(template.CreateTime),
      }),
    );
  },
};

async function listImagesAndSnapshots(
  context: AwsContext,
  region: string,
  selector: Selector,
  types: readonly ResourceType[],
  signal?: AbortSignal,
): Promise<Resource[]> {
  const { ec2 } = context.clientsFor(region);
  const images = await allPages(async (NextToken) => {
    const page = await context.call(
      'DescribeImages',
      (abortSignal) =>
        ec2.send(new DescribeImagesCommand({ Owners: ['self'], Filters: tagFilters(selector), NextToken }), {
          abortSignal,
        }),
      signal,
    );
    return { items: page.Images, next: page.NextToken };
  });
  const imageResources = images
    .filter((image) => image.State !== 'deregistered')
    .map((image) => {
      const snapshots = (image.BlockDeviceMappings ?? [])
        .map((mapping) => mapping.Ebs?.SnapshotId)
        .filter((id): id is string => id !== undefined);
      return describe('image', image.ImageId!, region, fromAwsTags(image.Tags), {
        name: nameOf(fromAwsTags(image.Tags)) ?? image.Name,
        createdAt: date(image.CreationDate),
        related: snapshots,
      });
    });
  const result: Resource[] = types.includes('image') ? [...imageResources] : [];
  if (!types.includes('snapshot')) return result;
  const tagged = await allPages(async (NextToken) => {
    const page = await context.call(
      'DescribeSnapshots',
      (abortSignal) =>
        ec2.send(
          new DescribeSnapshotsCommand({ OwnerIds: ['self'], Filters: tagFilters(selector), NextToken }),
          {
            abortSignal,
          },
        ),
      signal,
    );
    return { items: page.Snapshots, next: page.NextToken };
  });
  const seen = new Set<string>();
  for (const snapshot of tagged) {
    seen.add(snapshot.SnapshotId!);
    result.push(
      describe('snapshot', snapshot.SnapshotId!, region, fromAwsTags(snapshot.Tags), {
        createdAt: date(snapshot.StartTime),
      }),
    );
  }
  // An AMI's snapshots are found through the AMI: builders do not always tag them.
  const children = new Map<string, Resource>();
  for (const image of imageResources) {
    for (const id of image.related ?? []) if (!seen.has(id)) children.set(id, image);
  }
  if (children.size > 0) {
    const owned = await context.call(
      'DescribeSnapshots',
      (abortSignal) =>
        ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'], SnapshotIds: [...children.keys()] }), {
          abortSignal,
        }),
      signal,
    );
    for (const snapshot of owned.Snapshots ?? []) {
      const parent = children.get(snapshot.SnapshotId!)!;
      const own = fromAwsTags(snapshot.Tags);
      // A snapshot that says it belongs elsewhere is not taken along with the AMI.
      if (own[TAG_KEYS.project] !== undefined || own[TAG_KEYS.experimentId] !== undefined) continue;
      result.push(
        describe(
          'snapshot',
          snapshot.SnapshotId!,
          region,
          {
            ...own,
            [TAG_KEYS.project]: parent.tags[TAG_KEYS.project]!,
            [TAG_KEYS.experimentId]: parent.tags[TAG_KEYS.experimentId]!,
          },
          {
            createdAt: date(snapshot.StartTime),
            details: { foundThrough: parent.id, inheritedTags: true },
          },
        ),
      );
    }
  }
  return result;
}

const IAM_TYPES: readonly ResourceType[] = ['instance-profile', 'role', 'policy'];

async function listIam(
  context: AwsContext,
  selector: Selector,
  types: readonly ResourceType[],
  signal?: AbortSignal,
): Promise<{ resources: Resource[]; problems: DiscoveryProblem[] }> {
  const { iam } = context.clientsFor(context.homeRegion);
  const resources: Resource[] = [];
  const problems: DiscoveryProblem[] = [];
  const attempt = async (type: ResourceType, work: () => Promise<Resource[]>) => {
    if (!types.includes(type)) return;
    try {
      resources.push(...(await work()));
    } catch (error) {
      if (signal?.aborted) throw error;
      problems.push({ type, region: GLOBAL_REGION, message: errorMessage(error), error });
    }
  };
  // IAM's list calls carry no tags and take no tag filter: one tag call per entity.
  await Promise.all([
    attempt('role', async () => {
      const roles = await allPages(async (Marker) => {
        const page = await context.call(
          'ListRoles',
          (abortSignal) => iam.send(new ListRolesCommand({ Marker }), { abortSignal }),
          signal,
        );
        return { items: page.Roles, next: page.IsTruncated ? page.Marker : undefined };
      });
      const candidates = roles.filter((role) => !(role.Path ?? '/').startsWith('/aws-service-role/'));
      const tagged = await context.map(candidates, async (role) => {
        const tags = await allPages<IamTag>(async (Marker) => {
          const page = await context
            .call(
              'ListRoleTags',
              (abortSignal) =>
                iam.send(new ListRoleTagsCommand({ RoleName: role.RoleName, Marker }), { abortSignal }),
              signal,
            )
            .catch((error: unknown) => {
              if (isNotFound(error)) return { Tags: [] as IamTag[], IsTruncated: false, Marker: undefined };
              throw error;
            });
          return { items: page.Tags, next: page.IsTruncated ? page.Marker : undefined };
        });
        return describe('role', role.RoleName!, GLOBAL_REGION, fromAwsTags(tags), {
          name: role.RoleName,
          createdAt: date(role.CreateDate),
        });
      });
      return tagged.filter((resource) => matchesSelector(resource.tags, selector));
    }),
    attempt('instance-profile', async () => {
      const profiles = await allPages(async (Marker) => {
        const page = await context.call(
          'ListInstanceProfiles',
          (abortSignal) => iam.send(new ListInstanceProfilesCommand({ Marker }), { abortSignal }),
          signal,
        );
        return { items: page.InstanceProfiles, next: page.IsTruncated ? page.Marker : undefined };
      });
      // GetInstanceProfile returns the profile's tags (moto lacks ListInstanceProfileTags).
      const described = await context.map(profiles, async (profile) => {
        const full = await context
          .call(
            'GetInstanceProfile',
            (abortSignal) =>
              iam.send(new GetInstanceProfileCommand({ InstanceProfileName: profile.InstanceProfileName }), {
                abortSignal,
              }),
            signal,
          )
          .catch((error: unknown) => {
            if (isNotFound(error)) return undefined;
            throw error;
          });
        const current = full?.InstanceProfile;
        if (current === undefined) return undefined;
        return describe(
          'instance-profile',
          current.InstanceProfileName!,
          GLOBAL_REGION,
          fromAwsTags(current.Tags),
          {
            name: current.InstanceProfileName,
            createdAt: date(current.CreateDate),
            related: (current.Roles ?? []).map((role) => role.RoleName!).filter((name) => name !== undefined),
          },
        );
      });
      return described.filter(
        (resource): resource is Resource =>
          resource !== undefined && matchesSelector(resource.tags, selector),
      );
    }),
    attempt('policy', async () => {
      const policies = await allPages(async (Marker) => {
        const page = await context.call(
          'ListPolicies',
          (abortSignal) => iam.send(new ListPoliciesCommand({ Scope: 'Local', Marker }), { abortSignal }),
          signal,
        );
        return { items: page.Policies, next: page.IsTruncated ? page.Marker : undefined };
      });
      const tagged = await context.map(policies, async (policy) => {
        const tags = await allPages<IamTag>(async (Marker) => {
          const page = await context
            .call(
              'ListPolicyTags',
              (abortSignal) =>
                iam.send(new ListPolicyTagsCommand({ PolicyArn: policy.Arn, Marker }), { abortSignal }),
              signal,
            )
            .catch((error: unknown) => {
              if (isNotFound(error)) return { Tags: [] as IamTag[], IsTruncated: false, Marker: undefined };
              throw error;
            });
          return { items: page.Tags, next: page.IsTruncated ? page.Marker : undefined };
        });
        return describe('policy', policy.Arn!, GLOBAL_REGION, fromAwsTags(tags), {
          name: policy.PolicyName,
          createdAt: date(policy.CreateDate),
        });
      });
      return tagged.filter((resource) => matchesSelector(resource.tags, selector));
    }),
  ]);
  return { resources, problems };
}

/** `GetBucketLocation`'s answer as a region name (null/empty means us-east-1, `EU` eu-west-1). */
export function bucketRegion(constraint: string | undefined | null): string {
  if (constraint === undefined || constraint === null || constraint === '') return 'us-east-1';
  if (constraint === 'EU') return 'eu-west-1';
  return constraint;
}

async function listBuckets(
  context: AwsContext,
  selector: Selector,
  signal?: AbortSignal,
): Promise<Resource[]> {
  const { s3 } = context.clientsFor(context.homeRegion);
  const buckets = await allPages(async (ContinuationToken) => {
    const page = await context.call(
      'ListBuckets',
      (abortSignal) => s3.send(new ListBucketsCommand({ ContinuationToken }), { abortSignal }),
      signal,
    );
    return { items: page.Buckets, next: page.ContinuationToken };
  });
  const described = await context.map(buckets, async (bucket) => {
    const name = bucket.Name!;
    try {
      const region =
        bucket.BucketRegion ??
        bucketRegion(
          (
            await context.call(
              'GetBucketLocation',
              (abortSignal) => s3.send(new GetBucketLocationCommand({ Bucket: name }), { abortSignal }),
              signal,
            )
          ).LocationConstraint,
        );
      // Tagging must be read through the bucket's own region (other regions redirect).
      const regional = context.clientsFor(region).s3;
      const tags: AwsTags = await context
        .call(
          'GetBucketTagging',
          (abortSignal) => regional.send(new GetBucketTaggingCommand({ Bucket: name }), { abortSignal }),
          signal,
        )
        .then((answer) => answer.TagSet)
        .catch((error: unknown) => {
          if (awsErrorCode(error) === 'NoSuchTagSet') return [];
          throw error;
        });
      return describe('bucket', name, region, fromAwsTags(tags), {
        name,
        createdAt: date(bucket.CreationDate),
      });
    } catch (error) {
      if (awsErrorCode(error) === 'NoSuchBucket') return undefined;
      throw error;
    }
  });
  return described.filter(
    (resource): resource is Resource => resource !== undefined && matchesSelector(resource.tags, selector),
  );
}

/**
 * Lists the selected resources: EC2 types per region (in parallel, tag-filtered by the API and
 * checked again here), IAM and S3 once. A type that cannot be listed becomes a problem, never a
 * silent gap.
 */
export async function discoverAws(context: AwsContext, request: DiscoverRequest): Promise<DiscoveryResult> {
  const { selector, regions, types, signal } = request;
  const resources: Resource[] = [];
  const problems: DiscoveryProblem[] = [];
  const run = async (type: ResourceType, region: string, work: () => Promise<Resource[]>) => {
    try {
      resources.push(...(await work()));
    } catch (error) {
      if (signal?.aborted) throw error;
      problems.push({ type, region, message: errorMessage(error), error });
    }
  };
  const tasks: Array<Promise<void>> = [];
  for (const region of regions) {
    for (const [type, lister] of Object.entries(EC2_LISTERS) as Array<[ResourceType, Lister]>) {
      if (types.includes(type))
        tasks.push(run(type, region, () => lister(context, region, selector, signal)));
    }
    if (types.includes('image') || types.includes('snapshot')) {
      tasks.push(
        run(types.includes('image') ? 'image' : 'snapshot', region, () =>
          listImagesAndSnapshots(context, region, selector, types, signal),
        ),
      );
    }
  }
  if (IAM_TYPES.some((type) => types.includes(type))) {
    tasks.push(
      listIam(context, selector, types, signal).then((answer) => {
        resources.push(...answer.resources);
        problems.push(...answer.problems);
      }),
    );
  }
  if (types.includes('bucket'))
    tasks.push(run('bucket', GLOBAL_REGION, () => listBuckets(context, selector, signal)));
  await Promise.all(tasks);
  return {
    resources: resources.filter((resource) => matchesSelector(resource.tags, selector)),
    problems,
  };
}
