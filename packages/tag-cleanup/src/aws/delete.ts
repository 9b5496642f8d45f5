import {
  CancelSpotInstanceRequestsCommand,
  DeleteInternetGatewayCommand,
  DeleteKeyPairCommand,
  DeleteLaunchTemplateCommand,
  DeleteNatGatewayCommand,
  DeleteNetworkInterfaceCommand,
  DeletePlacementGroupCommand,
  DeleteRouteTableCommand,
  DeleteSecurityGroupCommand,
  DeleteSnapshotCommand,
  DeleteSubnetCommand,
  DeleteVolumeCommand,
  DeleteVpcCommand,
  DeleteVpcEndpointsCommand,
  DeregisterImageCommand,
  DescribeInstancesCommand,
  DescribeNatGatewaysCommand,
  DescribeVpcEndpointsCommand,
  DetachInternetGatewayCommand,
  DetachNetworkInterfaceCommand,
  DisassociateAddressCommand,
  DisassociateRouteTableCommand,
  type IpPermission,
  ReleaseAddressCommand,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import {
  DeleteInstanceProfileCommand,
  DeletePolicyCommand,
  DeletePolicyVersionCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachGroupPolicyCommand,
  DetachRolePolicyCommand,
  DetachUserPolicyCommand,
  GetInstanceProfileCommand,
  ListAttachedRolePoliciesCommand,
  ListEntitiesForPolicyCommand,
  ListInstanceProfilesForRoleCommand,
  ListPolicyVersionsCommand,
  ListRolePoliciesCommand,
  RemoveRoleFromInstanceProfileCommand,
} from '@aws-sdk/client-iam';
import {
  AbortMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
} from '@aws-sdk/client-s3';
import { PollTimeoutError, pollUntil } from '@lab/backoff';
import { awsErrorCode, LabError, withChildSignal } from '@lab/core';
import type { DeleteContext, DeleteOutcome, Deleter } from '../execute.js';
import { type Resource, type ResourceType, resourceKey } from '../model.js';
import { type AwsContext, allPages, ignoreNotFound, isNotFound } from './context.js';

type TypeDeleter = (
  context: AwsContext,
  resources: readonly Resource[],
  run: DeleteContext,
) => Promise<DeleteOutcome[]>;

const TERMINATE_BATCH = 1000;
const DESCRIBE_BATCH = 200;
const VPC_ENDPOINT_BATCH = 25;
const S3_DELETE_BATCH = 1000;

const chunk = <T>(items: readonly T[], size: number): T[][] => {
  const chunks: T[][] = [];
  for (let index = 0; index < items.length; index += size) chunks.push(items.slice(index, index + size));
  return chunks;
};

/** Turns the result of deleting one resource into an outcome: NotFound means it is already gone. */
async function outcomeOf(resource: Resource, work: () => Promise<unknown>): Promise<DeleteOutcome> {
  const key = resourceKey(resource);
  try {
    await work();
    return { key, status: 'deleted' };
  } catch (error) {
    if (isNotFound(error)) return { key, status: 'gone' };
    return { key, status: 'failed', error };
  }
}

/** One call per resource, `concurrency` at a time: for APIs without a batch form. */
const each =
  (work: (context: AwsContext, resource: Resource, run: DeleteContext) => Promise<unknown>): TypeDeleter =>
  (context, resources, run) =>
    context.map(resources, (resource) => outcomeOf(resource, () => work(context, resource, run)));

const ec2For = (context: AwsContext, resource: Resource) => context.clientsFor(resource.region).ec2;
const iamOf = (context: AwsContext) => context.clientsFor(context.homeRegion).iam;

/** Waits until `pending` ids are gone; returns the ids still pending at the deadline, with the timeout. */
async function waitGone(
  context: AwsContext,
  run: DeleteContext,
  description: string,
  pending: readonly string[],
  check: (ids: readonly string[]) => Promise<Set<string>>,
): Promise<{ stillThere: Set<string>; error?: PollTimeoutError }> {
  if (pending.length === 0) return { stillThere: new Set() };
  let stillThere = new Set(pending);
  try {
    // Waits of several types run at once: each polls under a child of the run's signal.
    await withChildSignal(run.signal, (signal) =>
      pollUntil(
        async () => {
          stillThere = await check([...stillThere]);
          return stillThere.size;
        },
        {
          until: (left) => left === 0,
          deadline: run.deadline,
          description,
          ...context.waitSchedule,
          clock: context.clock,
          sleep: context.sleep,
          ...(signal === undefined ? {} : { signal }),
          onAttempt: (info) => {
            if (!info.done && info.nextDelayMs !== undefined) {
              context.emitter.emit(
                'wait',
                `Waiting for ${description}: ${stillThere.size} left`,
                {
                  left: stillThere.size,
                },
                'debug',
              );
            }
          },
        },
      ),
    );
    return { stillThere };
  } catch (error) {
    if (error instanceof PollTimeoutError) return { stillThere, error };
    throw error;
  }
}

/**
 * Waits for every resource whose deletion was accepted (`deleted`) to be really gone, and turns
 * those still there at the deadline into failures carrying `stillMessage` (or the timeout).
 */
async function confirmGone(
  context: AwsContext,
  run: DeleteContext,
  description: (count: number) => string,
  entries: ReadonlyArray<{ id: string; outcome: DeleteOutcome }>,
  check: (ids: readonly string[]) => Promise<Set<string>>,
  stillMessage: string,
): Promise<DeleteOutcome[]> {
  const pending = entries.filter((entry) => entry.outcome.status === 'deleted').map((entry) => entry.id);
  const { stillThere, error } = await waitGone(context, run, description(pending.length), pending, check);
  return entries.map(({ id, outcome }) =>
    outcome.status === 'deleted' && stillThere.has(id)
      ? { key: outcome.key, status: 'failed', error: error ?? new Error(stillMessage) }
      : outcome,
  );
}

/** Batch call with a fallback: when one id makes the whole call fail, isolate it id by id. */
async function batchOrEach(
  resources: readonly Resource[],
  batch: (ids: string[]) => Promise<unknown>,
  single: (resource: Resource) => Promise<unknown>,
  map: AwsContext['map'],
): Promise<DeleteOutcome[]> {
  try {
    await batch(resources.map((resource) => resource.id));
    return resources.map((resource) => ({ key: resourceKey(resource), status: 'deleted' as const }));
  } catch (error) {
    if (resources.length === 1) {
      return [
        isNotFound(error)
          ? { key: resourceKey(resources[0]!), status: 'gone' }
          : { key: resourceKey(resources[0]!), status: 'failed', error },
      ];
    }
    return map(resources, (resource) => outcomeOf(resource, () => single(resource)));
  }
}

const terminateInstances: TypeDeleter = async (context, resources, run) => {
  const outcomes: DeleteOutcome[] = [];
  const regionClients = ec2For(context, resources[0]!);
  for (const part of chunk(resources, TERMINATE_BATCH)) {
    outcomes.push(
      ...(await batchOrEach(
        part,
        (ids) =>
          context.call(
            'TerminateInstances',
            (abortSignal) =>
              regionClients.send(new TerminateInstancesCommand({ InstanceIds: ids }), { abortSignal }),
            run.signal,
          ),
        (resource) =>
          context.call(
            'TerminateInstances',
            (abortSignal) =>
              regionClients.send(new TerminateInstancesCommand({ InstanceIds: [resource.id] }), {
                abortSignal,
              }),
            run.signal,
          ),
        context.map,
      )),
    );
  }
  // Terminated (or already gone) is the end state; shutting-down ones are waited for.
  const idOf = new Map(resources.map((resource) => [resourceKey(resource), resource.id]));
  return confirmGone(
    context,
    run,
    (count) => `${count} instance(s) to terminate`,
    outcomes.map((outcome) => ({ id: idOf.get(outcome.key)!, outcome })),
    async (ids) => {
      const left = new Set<string>();
      for (const part of chunk(ids, DESCRIBE_BATCH)) {
        const answer = await context
          .call(
            'DescribeInstances',
            (abortSignal) =>
              regionClients.send(new DescribeInstancesCommand({ InstanceIds: part }), { abortSignal }),
            run.signal,
          )
          .catch((failure: unknown) => {
            // One unknown id fails the call; an instance that vanished is terminated.
            if (isNotFound(failure)) return { Reservations: [] };
            throw failure;
          });
        for (const instance of (answer.Reservations ?? []).flatMap(
          (reservation) => reservation.Instances ?? [],
        )) {
          if (instance.State?.Name !== 'terminated') left.add(instance.InstanceId!);
        }
      }
      return left;
    },
    'not terminated yet',
  );
};

const cancelSpotRequests: TypeDeleter = async (context, resources, run) => {
  const ec2 = ec2For(context, resources[0]!);
  const outcomes: DeleteOutcome[] = [];
  for (const part of chunk(resources, TERMINATE_BATCH)) {
    outcomes.push(
      ...(await batchOrEach(
        part,
        (ids) =>
          context.call(
            'CancelSpotInstanceRequests',
            (abortSignal) =>
              ec2.send(new CancelSpotInstanceRequestsCommand({ SpotInstanceRequestIds: ids }), {
                abortSignal,
              }),
            run.signal,
          ),
        (resource) =>
          context.call(
            'CancelSpotInstanceRequests',
            (abortSignal) =>
              ec2.send(new CancelSpotInstanceRequestsCommand({ SpotInstanceRequestIds: [resource.id] }), {
                abortSignal,
              }),
            run.signal,
          ),
        context.map,
      )),
    );
  }
  return outcomes;
};

const deleteNatGateways: TypeDeleter = async (context, resources, run) => {
  const ec2 = ec2For(context, resources[0]!);
  const outcomes = await context.map(resources, (resource) =>
    resource.state === 'deleting'
      ? Promise.resolve<DeleteOutcome>({ key: resourceKey(resource), status: 'deleted' })
      : outcomeOf(resource, () =>
          context.call(
            'DeleteNatGateway',
            (abortSignal) =>
              ec2.send(new DeleteNatGatewayCommand({ NatGatewayId: resource.id }), { abortSignal }),
            run.signal,
          ),
        ),
  );
  return confirmGone(
    context,
    run,
    (count) => `${count} NAT gateway(s) to be deleted`,
    resources.map((resource, index) => ({ id: resource.id, outcome: outcomes[index]! })),
    async (ids) => {
      const answer = await context
        .call(
          'DescribeNatGateways',
          (abortSignal) =>
            ec2.send(new DescribeNatGatewaysCommand({ NatGatewayIds: [...ids] }), { abortSignal }),
          run.signal,
        )
        .catch((failure: unknown) => {
          if (isNotFound(failure)) return { NatGateways: [] };
          throw failure;
        });
      return new Set(
        (answer.NatGateways ?? [])
          .filter((gateway) => gateway.State !== 'deleted')
          .map((gateway) => gateway.NatGatewayId!),
      );
    },
    'still deleting',
  );
};

const deleteVpcEndpoints: TypeDeleter = async (context, resources, run) => {
  const ec2 = ec2For(context, resources[0]!);
  const outcomes = new Map<string, DeleteOutcome>();
  const toDelete = resources.filter((resource) => resource.state !== 'deleting');
  for (const resource of resources) {
    if (resource.state === 'deleting')
      outcomes.set(resource.id, { key: resourceKey(resource), status: 'deleted' });
  }
  for (const part of chunk(toDelete, VPC_ENDPOINT_BATCH)) {
    try {
      const answer = await context.call(
        'DeleteVpcEndpoints',
        (abortSignal) =>
          ec2.send(new DeleteVpcEndpointsCommand({ VpcEndpointIds: part.map((r) => r.id) }), { abortSignal }),
        run.signal,
      );
      const failed = new Map((answer.Unsuccessful ?? []).map((item) => [item.ResourceId, item.Error]));
      for (const resource of part) {
        const failure = failed.get(resource.id);
        const key = resourceKey(resource);
        if (failure === undefined) outcomes.set(resource.id, { key, status: 'deleted' });
        else if (/NotFound/.test(failure.Code ?? '')) outcomes.set(resource.id, { key, status: 'gone' });
        else {
          outcomes.set(resource.id, {
            key,
            status: 'failed',
            error: new LabError(failure.Code ?? 'UNKNOWN', failure.Message ?? 'DeleteVpcEndpoints failed'),
          });
        }
      }
    } catch (error) {
      for (const resource of part) {
        outcomes.set(resource.id, { key: resourceKey(resource), status: 'failed', error });
      }
    }
  }
  return confirmGone(
    context,
    run,
    (count) => `${count} VPC endpoint(s) to be deleted`,
    resources.map((resource) => ({ id: resource.id, outcome: outcomes.get(resource.id)! })),
    async (ids) => {
      const answer = await context
        .call(
          'DescribeVpcEndpoints',
          (abortSignal) =>
            ec2.send(new DescribeVpcEndpointsCommand({ VpcEndpointIds: [...ids] }), { abortSignal }),
          run.signal,
        )
        .catch((failure: unknown) => {
          if (isNotFound(failure)) return { VpcEndpoints: [] };
          throw failure;
        });
      return new Set(
        (answer.VpcEndpoints ?? [])
          .filter((endpoint) => endpoint.State?.toLowerCase() !== 'deleted')
          .map((endpoint) => endpoint.VpcEndpointId!),
      );
    },
    'still deleting',
  );
};

const revokeReferences = async (context: AwsContext, resource: Resource, run: DeleteContext) => {
  const ec2 = ec2For(context, resource);
  const ingress = (resource.details?.ingress ?? []) as IpPermission[];
  const egress = (resource.details?.egress ?? []) as IpPermission[];
  const tolerate = (error: unknown) => {
    if (isNotFound(error) || awsErrorCode(error) === 'InvalidPermission.NotFound') return;
    throw error;
  };
  if (ingress.length > 0) {
    await context
      .call(
        'RevokeSecurityGroupIngress',
        (abortSignal) =>
          ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: resource.id, IpPermissions: ingress }), {
            abortSignal,
          }),
        run.signal,
      )
      .catch(tolerate);
  }
  if (egress.length > 0) {
    await context
      .call(
        'RevokeSecurityGroupEgress',
        (abortSignal) =>
          ec2.send(new RevokeSecurityGroupEgressCommand({ GroupId: resource.id, IpPermissions: egress }), {
            abortSignal,
          }),
        run.signal,
      )
      .catch(tolerate);
  }
};

const deleteSecurityGroups: TypeDeleter = async (context, resources, run) => {
  // Every group's cross-references first, so groups that reference each other can all go.
  const revoked = await context.map(resources, (resource) =>
    outcomeOf(resource, () => revokeReferences(context, resource, run)),
  );
  const ready = resources.filter((_, index) => revoked[index]!.status !== 'failed');
  const deleted = await context.map(ready, (resource) =>
    outcomeOf(resource, () =>
      context.call(
        'DeleteSecurityGroup',
        (abortSignal) =>
          ec2For(context, resource).send(new DeleteSecurityGroupCommand({ GroupId: resource.id }), {
            abortSignal,
          }),
        run.signal,
      ),
    ),
  );
  const byKey = new Map(deleted.map((outcome) => [outcome.key, outcome]));
  return revoked.map((outcome) => byKey.get(outcome.key) ?? outcome);
};

const TYPE_DELETERS: Record<ResourceType, TypeDeleter> = {
  'spot-request': cancelSpotRequests,
  instance: terminateInstances,
  'nat-gateway': deleteNatGateways,
  'vpc-endpoint': deleteVpcEndpoints,
  volume: each((context, resource, run) =>
    context.call(
      'DeleteVolume',
      (abortSignal) =>
        ec2For(context, resource).send(new DeleteVolumeCommand({ VolumeId: resource.id }), { abortSignal }),
      run.signal,
    ),
  ),
  'elastic-ip': each(async (context, resource, run) => {
    const ec2 = ec2For(context, resource);
    const associationId = resource.details?.associationId as string | undefined;
    if (associationId !== undefined) {
      await context
        .call(
          'DisassociateAddress',
          (abortSignal) =>
            ec2.send(new DisassociateAddressCommand({ AssociationId: associationId }), { abortSignal }),
          run.signal,
        )
        .catch(ignoreNotFound);
    }
    return context.call(
      'ReleaseAddress',
      (abortSignal) => ec2.send(new ReleaseAddressCommand({ AllocationId: resource.id }), { abortSignal }),
      run.signal,
    );
  }),
  'network-interface': each(async (context, resource, run) => {
    const ec2 = ec2For(context, resource);
    const attachmentId = resource.details?.attachmentId as string | undefined;
    // The primary interface of an instance goes with the instance; a secondary one is detached.
    if (attachmentId !== undefined && run.round === 1) {
      await context
        .call(
          'DetachNetworkInterface',
          (abortSignal) =>
            ec2.send(new DetachNetworkInterfaceCommand({ AttachmentId: attachmentId, Force: true }), {
              abortSignal,
            }),
          run.signal,
        )
        .catch(ignoreNotFound);
    }
    return context.call(
      'DeleteNetworkInterface',
      (abortSignal) =>
        ec2.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: resource.id }), { abortSignal }),
      run.signal,
    );
  }),
  'security-group': deleteSecurityGroups,
  'route-table': each(async (context, resource, run) => {
    const ec2 = ec2For(context, resource);
    for (const associationId of (resource.details?.associations ?? []) as string[]) {
      await context
        .call(
          'DisassociateRouteTable',
          (abortSignal) =>
            ec2.send(new DisassociateRouteTableCommand({ AssociationId: associationId }), { abortSignal }),
          run.signal,
        )
        .catch(ignoreNotFound);
    }
    return context.call(
      'DeleteRouteTable',
      (abortSignal) => ec2.send(new DeleteRouteTableCommand({ RouteTableId: resource.id }), { abortSignal }),
      run.signal,
    );
  }),
  subnet: each((context, resource, run) =>
    context.call(
      'DeleteSubnet',
      (abortSignal) =>
        ec2For(context, resource).send(new DeleteSubnetCommand({ SubnetId: resource.id }), { abortSignal }),
      run.signal,
    ),
  ),
  'internet-gateway': each(async (context, resource, run) => {
    const ec2 = ec2For(context, resource);
    for (const vpcId of (resource.details?.attachedTo ?? []) as string[]) {
      await context
        .call(
          'DetachInternetGateway',
          (abortSignal) =>
            ec2.send(new DetachInternetGatewayCommand({ InternetGatewayId: resource.id, VpcId: vpcId }), {
              abortSignal,
            }),
          run.signal,
        )
        .catch((error: unknown) => {
          if (isNotFound(error) || awsErrorCode(error) === 'Gateway.NotAttached') return;
          throw error;
        });
    }
    return context.call(
      'DeleteInternetGateway',
      (abortSignal) =>
        ec2.send(new DeleteInternetGatewayCommand({ InternetGatewayId: resource.id }), { abortSignal }),
      run.signal,
    );
  }),
  vpc: each((context, resource, run) =>
    context.call(
      'DeleteVpc',
      (abortSignal) =>
        ec2For(context, resource).send(new DeleteVpcCommand({ VpcId: resource.id }), { abortSignal }),
      run.signal,
    ),
  ),
  'key-pair': each((context, resource, run) =>
    context.call(
      'DeleteKeyPair',
      (abortSignal) => {
        // By name when known: every EC2 implementation accepts it (moto ignores KeyPairId).
        const keyName = resource.details?.keyName as string | undefined;
        const input = keyName === undefined ? { KeyPairId: resource.id } : { KeyName: keyName };
        return ec2For(context, resource).send(new DeleteKeyPairCommand(input), { abortSignal });
      },
      run.signal,
    ),
  ),
  'placement-group': each((context, resource, run) =>
    context.call(
      'DeletePlacementGroup',
      (abortSignal) =>
        ec2For(context, resource).send(new DeletePlacementGroupCommand({ GroupName: resource.id }), {
          abortSignal,
        }),
      run.signal,
    ),
  ),
  'launch-template': each((context, resource, run) =>
    context.call(
      'DeleteLaunchTemplate',
      (abortSignal) =>
        ec2For(context, resource).send(new DeleteLaunchTemplateCommand({ LaunchTemplateId: resource.id }), {
          abortSignal,
        }),
      run.signal,
    ),
  ),
  image: each((context, resource, run) =>
    context.call(
      'DeregisterImage',
      (abortSignal) =>
        ec2For(context, resource).send(new DeregisterImageCommand({ ImageId: resource.id }), { abortSignal }),
      run.signal,
    ),
  ),
  snapshot: each((context, resource, run) =>
    context.call(
      'DeleteSnapshot',
      (abortSignal) =>
        ec2For(context, resource).send(new DeleteSnapshotCommand({ SnapshotId: resource.id }), {
          abortSignal,
        }),
      run.signal,
    ),
  ),
  'instance-profile': each(async (context, resource, run) => {
    const iam = iamOf(context);
    // The roles as they are now: an earlier round may have removed some already.
    const current = await context.call(
      'GetInstanceProfile',
      (abortSignal) =>
        iam.send(new GetInstanceProfileCommand({ InstanceProfileName: resource.id }), { abortSignal }),
      run.signal,
    );
    for (const role of current.InstanceProfile?.Roles ?? []) {
      await context
        .call(
          'RemoveRoleFromInstanceProfile',
          (abortSignal) =>
            iam.send(
              new RemoveRoleFromInstanceProfileCommand({
                InstanceProfileName: resource.id,
                RoleName: role.RoleName,
              }),
              { abortSignal },
            ),
          run.signal,
        )
        .catch(ignoreNotFound);
    }
    return context.call(
      'DeleteInstanceProfile',
      (abortSignal) =>
        iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: resource.id }), { abortSignal }),
      run.signal,
    );
  }),
  role: each(async (context, resource, run) => {
    const iam = iamOf(context);
    const RoleName = resource.id;
    const profiles = await allPages(async (Marker) => {
      const page = await context.call(
        'ListInstanceProfilesForRole',
        (abortSignal) =>
          iam.send(new ListInstanceProfilesForRoleCommand({ RoleName, Marker }), { abortSignal }),
        run.signal,
      );
      return { items: page.InstanceProfiles, next: page.IsTruncated ? page.Marker : undefined };
    });
    for (const profile of profiles) {
      await context
        .call(
          'RemoveRoleFromInstanceProfile',
          (abortSignal) =>
            iam.send(
              new RemoveRoleFromInstanceProfileCommand({
                InstanceProfileName: profile.InstanceProfileName,
                RoleName,
              }),
              { abortSignal },
            ),
          run.signal,
        )
        .catch(ignoreNotFound);
    }
    const attached = await allPages(async (Marker) => {
      const page = await context.call(
        'ListAttachedRolePolicies',
        (abortSignal) => iam.send(new ListAttachedRolePoliciesCommand({ RoleName, Marker }), { abortSignal }),
        run.signal,
      );
      return { items: page.AttachedPolicies, next: page.IsTruncated ? page.Marker : undefined };
    });
    for (const policy of attached) {
      await context
        .call(
          'DetachRolePolicy',
          (abortSignal) =>
            iam.send(new DetachRolePolicyCommand({ RoleName, PolicyArn: policy.PolicyArn }), { abortSignal }),
          run.signal,
        )
        .catch(ignoreNotFound);
    }
    const inline = await allPages(async (Marker) => {
      const page = await context.call(
        'ListRolePolicies',
        (abortSignal) => iam.send(new ListRolePoliciesCommand({ RoleName, Marker }), { abortSignal }),
        run.signal,
      );
      return { items: page.PolicyNames, next: page.IsTruncated ? page.Marker : undefined };
    });
    for (const PolicyName of inline) {
      await context
        .call(
          'DeleteRolePolicy',
          (abortSignal) => iam.send(new DeleteRolePolicyCommand({ RoleName, PolicyName }), { abortSignal }),
          run.signal,
        )
        .catch(ignoreNotFound);
    }
    return context.call(
      'DeleteRole',
      (abortSignal) => iam.send(new DeleteRoleCommand({ RoleName }), { abortSignal }),
      run.signal,
    );
  }),
  policy: each(async (context, resource, run) => {
    const iam = iamOf(context);
    const PolicyArn = resource.id;
    const entities = await context.call(
      'ListEntitiesForPolicy',
      (abortSignal) => iam.send(new ListEntitiesForPolicyCommand({ PolicyArn }), { abortSignal }),
      run.signal,
    );
    for (const role of entities.PolicyRoles ?? []) {
      await context
        .call(
          'DetachRolePolicy',
          (abortSignal) =>
            iam.send(new DetachRolePolicyCommand({ PolicyArn, RoleName: role.RoleName }), { abortSignal }),
          run.signal,
        )
        .catch(ignoreNotFound);
    }
    for (const user of entities.PolicyUsers ?? []) {
      await context
        .call(
          'DetachUserPolicy',
          (abortSignal) =>
            iam.send(new DetachUserPolicyCommand({ PolicyArn, UserName: user.UserName }), { abortSignal }),
          run.signal,
        )
        .catch(ignoreNotFound);
    }
    for (const group of entities.PolicyGroups ?? []) {
      await context
        .call(
          'DetachGroupPolicy',
          (abortSignal) =>
            iam.send(new DetachGroupPolicyCommand({ PolicyArn, GroupName: group.GroupName }), {
              abortSignal,
            }),
          run.signal,
        )
        .catch(ignoreNotFound);
    }
    const versions = await context.call(
      'ListPolicyVersions',
      (abortSignal) => iam.send(new ListPolicyVersionsCommand({ PolicyArn }), { abortSignal }),
      run.signal,
    );
    for (const version of (versions.Versions ?? []).filter((v) => v.IsDefaultVersion !== true)) {
      await context
        .call(
          'DeletePolicyVersion',
          (abortSignal) =>
            iam.send(new DeletePolicyVersionCommand({ PolicyArn, VersionId: version.VersionId }), {
              abortSignal,
            }),
          run.signal,
        )
        .catch(ignoreNotFound);
    }
    return context.call(
      'DeletePolicy',
      (abortSignal) => iam.send(new DeletePolicyCommand({ PolicyArn }), { abortSignal }),
      run.signal,
    );
  }),
  bucket: each(async (context, resource, run) => {
    const s3 = context.clientsFor(resource.region).s3;
    const Bucket = resource.id;
    // Every version and delete marker, 1,000 per DeleteObjects call.
    let KeyMarker: string | undefined;
    let VersionIdMarker: string | undefined;
    do {
      const page = await context.call(
        'ListObjectVersions',
        (abortSignal) =>
          s3.send(new ListObjectVersionsCommand({ Bucket, KeyMarker, VersionIdMarker }), { abortSignal }),
        run.signal,
      );
      const objects = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map((item) => ({
        Key: item.Key!,
        ...(item.VersionId === undefined ? {} : { VersionId: item.VersionId }),
      }));
      for (const part of chunk(objects, S3_DELETE_BATCH)) {
        const answer = await context.call(
          'DeleteObjects',
          (abortSignal) =>
            s3.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: part, Quiet: true } }), {
              abortSignal,
            }),
          run.signal,
        );
        const failed = answer.Errors ?? [];
        if (failed.length > 0) {
          throw new LabError(
            failed[0]!.Code ?? 'S3_DELETE_FAILED',
            `${failed.length} object(s) could not be deleted from ${Bucket}: ${failed[0]!.Message ?? ''}`,
          );
        }
      }
      KeyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      VersionIdMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
    } while (KeyMarker !== undefined);
    const uploads = await context.call(
      'ListMultipartUploads',
      (abortSignal) => s3.send(new ListMultipartUploadsCommand({ Bucket }), { abortSignal }),
      run.signal,
    );
    for (const upload of uploads.Uploads ?? []) {
      await context
        .call(
          'AbortMultipartUpload',
          (abortSignal) =>
            s3.send(new AbortMultipartUploadCommand({ Bucket, Key: upload.Key, UploadId: upload.UploadId }), {
              abortSignal,
            }),
          run.signal,
        )
        .catch(ignoreNotFound);
    }
    return context.call(
      'DeleteBucket',
      (abortSignal) => s3.send(new DeleteBucketCommand({ Bucket }), { abortSignal }),
      run.signal,
    );
  }),
};

/** The executor's view of AWS: one type in one region per call, dispatched to the type's deleter. */
export function createAwsDeleter(context: AwsContext): Deleter {
  return {
    deleteBatch: async (resources, run) => {
      if (resources.length === 0) return [];
      return TYPE_DELETERS[resources[0]!.type](context, resources, run);
    },
  };
}
