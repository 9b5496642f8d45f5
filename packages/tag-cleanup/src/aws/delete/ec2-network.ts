import {
  DeleteInternetGatewayCommand,
  DeleteNatGatewayCommand,
  DeleteNetworkInterfaceCommand,
  DeleteRouteTableCommand,
  DeleteSecurityGroupCommand,
  DeleteSubnetCommand,
  DeleteVpcCommand,
  DeleteVpcEndpointsCommand,
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
} from '@aws-sdk/client-ec2';
import { awsErrorCode, LabError } from '@lab/core';
import type { DeleteContext, DeleteOutcome } from '../../execute.js';
import { type Resource, resourceKey } from '../../model.js';
import { type AwsContext, ignoreNotFound, isNotFound } from '../context.js';
import { chunk, confirmGone, each, ec2For, outcomeOf, type TypeDeleter } from './common.js';

const VPC_ENDPOINT_BATCH = 25;

export const deleteNatGateways: TypeDeleter = async (context, resources, run) => {
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

export const deleteVpcEndpoints: TypeDeleter = async (context, resources, run) => {
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

export const releaseAddresses = each(async (context, resource, run) => {
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
    { dependent: true },
  );
});

export const deleteNetworkInterfaces = each(async (context, resource, run) => {
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
    { dependent: true },
  );
});

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

export const deleteSecurityGroups: TypeDeleter = async (context, resources, run) => {
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
        { dependent: true },
      ),
    ),
  );
  const byKey = new Map(deleted.map((outcome) => [outcome.key, outcome]));
  return revoked.map((outcome) => byKey.get(outcome.key) ?? outcome);
};

export const deleteRouteTables = each(async (context, resource, run) => {
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
    { dependent: true },
  );
});

export const deleteSubnets = each((context, resource, run) =>
  context.call(
    'DeleteSubnet',
    (abortSignal) =>
      ec2For(context, resource).send(new DeleteSubnetCommand({ SubnetId: resource.id }), { abortSignal }),
    run.signal,
    { dependent: true },
  ),
);

export const deleteInternetGateways = each(async (context, resource, run) => {
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
        { dependent: true },
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
    { dependent: true },
  );
});

export const deleteVpcs = each((context, resource, run) =>
  context.call(
    'DeleteVpc',
    (abortSignal) =>
      ec2For(context, resource).send(new DeleteVpcCommand({ VpcId: resource.id }), { abortSignal }),
    run.signal,
    { dependent: true },
  ),
);
