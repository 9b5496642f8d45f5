import { DescribeImagesCommand, DescribeSnapshotsCommand } from '@aws-sdk/client-ec2';
import { fromAwsTags, TAG_KEYS } from '@lab/core';
import type { Resource, ResourceType } from '../../model.js';
import type { Selector } from '../../select.js';
import type { AwsContext } from '../context.js';
import { date, describe, describeAll, nameOf, tagFilters } from './common.js';

export async function listImagesAndSnapshots(
  context: AwsContext,
  region: string,
  selector: Selector,
  types: readonly ResourceType[],
  signal?: AbortSignal,
): Promise<Resource[]> {
  const { ec2 } = context.clientsFor(region);
  const images = await describeAll(
    context,
    region,
    signal,
    'DescribeImages',
    (client, NextToken, abortSignal) =>
      client.send(new DescribeImagesCommand({ Owners: ['self'], Filters: tagFilters(selector), NextToken }), {
        abortSignal,
      }),
    (page) => page.Images,
  );
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
  const tagged = await describeAll(
    context,
    region,
    signal,
    'DescribeSnapshots',
    (client, NextToken, abortSignal) =>
      client.send(
        new DescribeSnapshotsCommand({ OwnerIds: ['self'], Filters: tagFilters(selector), NextToken }),
        { abortSignal },
      ),
    (page) => page.Snapshots,
  );
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
