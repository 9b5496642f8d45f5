// Faults a real AWS account produces and moto does not, injected through an SDK middleware into
// the clients of the cleanup under test, decided from a seed so that a trial can be replayed.
import { awsError, type InterceptedCall, interceptCalls, type MiddlewareClient } from '@lab/test-support';

/** How likely each fault is, per call (or per deleted resource). 0 turns a fault off. */
export interface FaultPlan {
  /** A call is throttled for a burst of 1–3 attempts (RequestLimitExceeded, Throttling, SlowDown). */
  throttling: number;
  /** A call fails with a 500 or 503 for a burst of 1–3 attempts. */
  serverErrors: number;
  /** A deletion is refused 1–3 times (DependencyViolation; IAM: DeleteConflict), as eventual consistency does. */
  dependencyViolations: number;
  /** A deleted resource is still listed by the next 1–3 listings of its type. */
  staleListings: number;
  /** A deletion is done by "another run" just before ours: ours gets NotFound. */
  concurrentDeletes: number;
}

export const NO_FAULTS: FaultPlan = {
  throttling: 0,
  serverErrors: 0,
  dependencyViolations: 0,
  staleListings: 0,
  concurrentDeletes: 0,
};

/** FNV-1a: a stable 32-bit hash of a string. */
function hash(text: string): number {
  let value = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    value ^= text.charCodeAt(index);
    value = Math.imul(value, 0x01000193);
  }
  return value >>> 0;
}

/** mulberry32: a small, good-enough PRNG for trials (not for anything secret). */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Deletions the faults know: the input field with the id, and the NotFound code AWS sends. */
const DELETES: Record<string, { field: string; listing?: string; notFound: string }> = {
  DeleteVpcCommand: { field: 'VpcId', listing: 'DescribeVpcsCommand', notFound: 'InvalidVpcID.NotFound' },
  DeleteSubnetCommand: {
    field: 'SubnetId',
    listing: 'DescribeSubnetsCommand',
    notFound: 'InvalidSubnetID.NotFound',
  },
  DeleteSecurityGroupCommand: {
    field: 'GroupId',
    listing: 'DescribeSecurityGroupsCommand',
    notFound: 'InvalidGroup.NotFound',
  },
  DeleteInternetGatewayCommand: {
    field: 'InternetGatewayId',
    listing: 'DescribeInternetGatewaysCommand',
    notFound: 'InvalidInternetGatewayID.NotFound',
  },
  DeleteRouteTableCommand: {
    field: 'RouteTableId',
    listing: 'DescribeRouteTablesCommand',
    notFound: 'InvalidRouteTableID.NotFound',
  },
  DeleteVolumeCommand: {
    field: 'VolumeId',
    listing: 'DescribeVolumesCommand',
    notFound: 'InvalidVolume.NotFound',
  },
  DeleteNetworkInterfaceCommand: {
    field: 'NetworkInterfaceId',
    listing: 'DescribeNetworkInterfacesCommand',
    notFound: 'InvalidNetworkInterfaceID.NotFound',
  },
  DeleteSnapshotCommand: {
    field: 'SnapshotId',
    listing: 'DescribeSnapshotsCommand',
    notFound: 'InvalidSnapshot.NotFound',
  },
  DeleteLaunchTemplateCommand: {
    field: 'LaunchTemplateId',
    listing: 'DescribeLaunchTemplatesCommand',
    notFound: 'InvalidLaunchTemplateId.NotFound',
  },
  ReleaseAddressCommand: { field: 'AllocationId', notFound: 'InvalidAllocationID.NotFound' },
  DeleteKeyPairCommand: { field: 'KeyName', notFound: 'InvalidKeyPair.NotFound' },
  DeregisterImageCommand: { field: 'ImageId', notFound: 'InvalidAMIID.NotFound' },
  DeleteRoleCommand: { field: 'RoleName', notFound: 'NoSuchEntity' },
  DeleteInstanceProfileCommand: { field: 'InstanceProfileName', notFound: 'NoSuchEntity' },
  DeletePolicyCommand: { field: 'PolicyArn', notFound: 'NoSuchEntity' },
  DeleteBucketCommand: { field: 'Bucket', notFound: 'NoSuchBucket' },
};

/** Deletions AWS refuses while a dependency is being released; the code it refuses with. */
const REFUSALS: Record<string, string> = {
  DeleteVpcCommand: 'DependencyViolation',
  DeleteSubnetCommand: 'DependencyViolation',
  DeleteSecurityGroupCommand: 'DependencyViolation',
  DeleteInternetGatewayCommand: 'DependencyViolation',
  DetachInternetGatewayCommand: 'DependencyViolation',
  DeleteNetworkInterfaceCommand: 'InvalidNetworkInterface.InUse',
  ReleaseAddressCommand: 'InvalidIPAddress.InUse',
  DeleteRoleCommand: 'DeleteConflict',
  DeleteInstanceProfileCommand: 'DeleteConflict',
};

/** Where each listing keeps its items and their ids. */
const LISTINGS: Record<string, { items: string; id: string; ids: string; tags: string }> = {
  DescribeVpcsCommand: { items: 'Vpcs', id: 'VpcId', ids: 'VpcIds', tags: 'Tags' },
  DescribeSubnetsCommand: { items: 'Subnets', id: 'SubnetId', ids: 'SubnetIds', tags: 'Tags' },
  DescribeSecurityGroupsCommand: { items: 'SecurityGroups', id: 'GroupId', ids: 'GroupIds', tags: 'Tags' },
  DescribeInternetGatewaysCommand: {
    items: 'InternetGateways',
    id: 'InternetGatewayId',
    ids: 'InternetGatewayIds',
    tags: 'Tags',
  },
  DescribeRouteTablesCommand: {
    items: 'RouteTables',
    id: 'RouteTableId',
    ids: 'RouteTableIds',
    tags: 'Tags',
  },
  DescribeVolumesCommand: { items: 'Volumes', id: 'VolumeId', ids: 'VolumeIds', tags: 'Tags' },
  DescribeNetworkInterfacesCommand: {
    items: 'NetworkInterfaces',
    id: 'NetworkInterfaceId',
    ids: 'NetworkInterfaceIds',
    tags: 'TagSet',
  },
  DescribeSnapshotsCommand: { items: 'Snapshots', id: 'SnapshotId', ids: 'SnapshotIds', tags: 'Tags' },
  DescribeLaunchTemplatesCommand: {
    items: 'LaunchTemplates',
    id: 'LaunchTemplateId',
    ids: 'LaunchTemplateIds',
    tags: 'Tags',
  },
};

/** Which kinds of fault fired, and how often. */
export type FaultCounts = Record<keyof FaultPlan, number>;

type Item = Record<string, unknown>;

/** Whether `item` passes the request's `tag:` filters and id list (a stale item must fit the query). */
function fits(item: Item, input: Record<string, unknown>, where: (typeof LISTINGS)[string]): boolean {
  const ids = input[where.ids] as string[] | undefined;
  if (ids !== undefined && !ids.includes(item[where.id] as string)) return false;
  const tags = new Map(
    ((item[where.tags] ?? []) as Array<{ Key?: string; Value?: string }>).map((tag) => [tag.Key, tag.Value]),
  );
  const filters = (
    (input.Filters ?? input.Filter ?? []) as Array<{ Name?: string; Values?: string[] }>
  ).filter((filter) => filter.Name?.startsWith('tag:'));
  return filters.every((filter) =>
    (filter.Values ?? []).includes(tags.get(filter.Name!.slice(4)) ?? '\u0000'),
  );
}

/**
 * Makes the faults of `plan` happen to the calls of `clients`, decided per call from `seed` (the
 * same seed and calls give the same faults). Returns the counts of what fired.
 */
export function unleash(seed: number, plan: FaultPlan, clients: MiddlewareClient[]): FaultCounts {
  const counts: FaultCounts = { ...NO_FAULTS };
  const attempts = new Map<string, number>();
  const cached = new Map<string, Map<string, Item>>();
  const stale = new Map<string, Map<string, number>>();
  const roll = (kind: string, key: string) => prng(hash(`${seed}:${kind}:${key}`))();
  const burst = (kind: string, key: string) => 1 + Math.floor(roll(`${kind}-length`, key) * 3);

  const keyOf = (call: InterceptedCall) => {
    const deletion = DELETES[call.command];
    const id = deletion === undefined ? undefined : call.input[deletion.field];
    return `${call.command}:${typeof id === 'string' ? id : JSON.stringify(call.input)}`;
  };

  const intercept = async (call: InterceptedCall, send: () => Promise<Item>): Promise<Item> => {
    const key = keyOf(call);
    const attempt = attempts.get(key) ?? 0;
    attempts.set(key, attempt + 1);
    if (roll('throttle', key) < plan.throttling && attempt < burst('throttle', key)) {
      counts.throttling += 1;
      const code = ['RequestLimitExceeded', 'Throttling', 'SlowDown'][
        Math.floor(roll('throttle-code', key) * 3)
      ]!;
      throw awsError({ code, status: code === 'SlowDown' ? 503 : 400 });
    }
    if (roll('5xx', key) < plan.serverErrors && attempt < burst('5xx', key)) {
      counts.serverErrors += 1;
      throw roll('5xx-code', key) < 0.5
        ? awsError({ code: 'InternalError', status: 500 })
        : awsError({ code: 'ServiceUnavailable', status: 503 });
    }
    const refusal = REFUSALS[call.command];
    if (
      refusal !== undefined &&
      roll('refuse', key) < plan.dependencyViolations &&
      attempt < burst('refuse', key)
    ) {
      counts.dependencyViolations += 1;
      throw awsError({ code: refusal, message: `Injected ${refusal}: a dependency is still being released` });
    }
    const deletion = DELETES[call.command];
    if (deletion !== undefined && attempt === 0 && roll('race', key) < plan.concurrentDeletes) {
      // The other run's call reaches AWS first; ours then finds nothing to delete.
      await send();
      counts.concurrentDeletes += 1;
      throw awsError({ code: deletion.notFound, message: 'Injected: deleted by a concurrent run' });
    }
    const output = await send();
    const listing = LISTINGS[call.command];
    if (listing !== undefined) {
      const items = (output[listing.items] ?? []) as Item[];
      const known = cached.get(call.command) ?? new Map<string, Item>();
      cached.set(call.command, known);
      for (const item of items) known.set(item[listing.id] as string, item);
      const ghosts = stale.get(call.command) ?? new Map<string, number>();
      for (const [id, left] of ghosts) {
        const ghost = known.get(id);
        if (
          ghost === undefined ||
          items.some((item) => item[listing.id] === id) ||
          !fits(ghost, call.input, listing)
        ) {
          continue;
        }
        items.push(ghost);
        if (left <= 1) ghosts.delete(id);
        else ghosts.set(id, left - 1);
      }
      return { ...output, [listing.items]: items };
    }
    if (deletion?.listing !== undefined && roll('stale', key) < plan.staleListings) {
      const id = call.input[deletion.field] as string;
      const ghosts = stale.get(deletion.listing) ?? new Map<string, number>();
      stale.set(deletion.listing, ghosts);
      ghosts.set(id, burst('stale', key));
      counts.staleListings += 1;
    }
    return output;
  };
  for (const client of clients) interceptCalls(client, intercept);
  return counts;
}
