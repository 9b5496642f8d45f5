import {
  CancelSpotInstanceRequestsCommand,
  DeleteKeyPairCommand,
  DeleteLaunchTemplateCommand,
  DeletePlacementGroupCommand,
  DeleteSnapshotCommand,
  DeleteVolumeCommand,
  DeregisterImageCommand,
  DescribeInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import type { DeleteOutcome } from '../../execute.js';
import { resourceKey } from '../../model.js';
import { isNotFound } from '../context.js';
import { batchOrEach, chunk, confirmGone, each, ec2For, type TypeDeleter } from './common.js';

const TERMINATE_BATCH = 1000;
const DESCRIBE_BATCH = 200;

export const terminateInstances: TypeDeleter = async (context, resources, run) => {
  const ec2 = ec2For(context, resources[0]!);
  const outcomes: DeleteOutcome[] = [];
  for (const part of chunk(resources, TERMINATE_BATCH)) {
    outcomes.push(
      ...(await batchOrEach(
        part,
        (ids) =>
          context.call(
            'TerminateInstances',
            (abortSignal) => ec2.send(new TerminateInstancesCommand({ InstanceIds: ids }), { abortSignal }),
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
            (abortSignal) => ec2.send(new DescribeInstancesCommand({ InstanceIds: part }), { abortSignal }),
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

export const cancelSpotRequests: TypeDeleter = async (context, resources, run) => {
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
        context.map,
      )),
    );
  }
  return outcomes;
};

export const deleteVolumes = each((context, resource, run) =>
  context.call(
    'DeleteVolume',
    (abortSignal) =>
      ec2For(context, resource).send(new DeleteVolumeCommand({ VolumeId: resource.id }), { abortSignal }),
    run.signal,
    { dependent: true },
  ),
);

export const deleteKeyPairs = each((context, resource, run) =>
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
);

export const deletePlacementGroups = each((context, resource, run) =>
  context.call(
    'DeletePlacementGroup',
    (abortSignal) =>
      ec2For(context, resource).send(new DeletePlacementGroupCommand({ GroupName: resource.id }), {
        abortSignal,
      }),
    run.signal,
  ),
);

export const deleteLaunchTemplates = each((context, resource, run) =>
  context.call(
    'DeleteLaunchTemplate',
    (abortSignal) =>
      ec2For(context, resource).send(new DeleteLaunchTemplateCommand({ LaunchTemplateId: resource.id }), {
        abortSignal,
      }),
    run.signal,
  ),
);

export const deregisterImages = each((context, resource, run) =>
  context.call(
    'DeregisterImage',
    (abortSignal) =>
      ec2For(context, resource).send(new DeregisterImageCommand({ ImageId: resource.id }), { abortSignal }),
    run.signal,
  ),
);

export const deleteSnapshots = each((context, resource, run) =>
  context.call(
    'DeleteSnapshot',
    (abortSignal) =>
      ec2For(context, resource).send(new DeleteSnapshotCommand({ SnapshotId: resource.id }), { abortSignal }),
    run.signal,
  ),
);
