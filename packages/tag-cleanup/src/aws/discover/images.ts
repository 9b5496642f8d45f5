import { DescribeImagesCommand, DescribeSnapshotsCommand, type Image } from '@aws-sdk/client-ec2';
import { fromAwsTags, TAG_KEYS } from '@lab/core';
import type { Resource, ResourceType } from '../../model.js';
import { matchesSelector, type Selector } from '../../select.js';
import type { AwsContext } from '../context.js';
import { date, describe, describeAll, nameOf, tagFilters } from './common.js';

const snapshotsOf = (image: Image): string[] =>
  (image.BlockDeviceMappings ?? [])
    .map((mapping) => mapping.Ebs?.SnapshotId)
    .filter((id): id is string => id !== undefined);

/**
 * The account's own images and snapshots that carry the selector's tags, in one region. Each
 * snapshot records in `details.usedBy` the images (of anyone's experiment) that use it, so that
 * cleanup deletes a snapshot that belongs to no image and keeps one an image still needs. With
 * `includeImages`, the untagged snapshots of the experiment's images are found through them
 * (builders do not always tag them) and carry the image's tags.
 */
export async function listImagesAndSnapshots(
  context: AwsContext,
  region: string,
  selector: Selector,
  types: readonly ResourceType[],
  includeImages: boolean,
  signal?: AbortSignal,
): Promise<Resource[]> {
  const tagged = types.includes('snapshot')
    ? await describeAll(
        context,
        region,
        signal,
        'DescribeSnapshots',
        (ec2, NextToken, abortSignal) =>
          ec2.send(
            new DescribeSnapshotsCommand({ OwnerIds: ['self'], Filters: tagFilters(selector), NextToken }),
            { abortSignal },
          ),
        (page) => page.Snapshots,
      )
    : [];
  // Which images use the tagged snapshots is a question about every image of the account (EC2's
  // `block-device-mapping.snapshot-id` filter would answer it, but moto lacks it); without tagged
  // snapshots only the experiment's images matter and the API filters them.
  const needAll = tagged.length > 0;
  if (!needAll && !types.includes('image')) return [];
  const images = (
    await describeAll(
      context,
      region,
      signal,
      'DescribeImages',
      (ec2, NextToken, abortSignal) =>
        ec2.send(
          new DescribeImagesCommand({
            Owners: ['self'],
            ...(needAll ? {} : { Filters: tagFilters(selector) }),
            NextToken,
          }),
          { abortSignal },
        ),
      (page) => page.Images,
    )
  ).filter((image) => image.State !== 'deregistered');
  const usedBy = new Map<string, string[]>();
  for (const image of images) {
    for (const id of snapshotsOf(image)) usedBy.set(id, [...(usedBy.get(id) ?? []), image.ImageId!]);
  }
  const experimentImages = images
    .filter((image) => matchesSelector(fromAwsTags(image.Tags), selector))
    .map((image) =>
      describe('image', image.ImageId!, region, fromAwsTags(image.Tags), {
        name: nameOf(fromAwsTags(image.Tags)) ?? image.Name,
        createdAt: date(image.CreationDate),
        related: snapshotsOf(image),
      }),
    );
  const result: Resource[] = types.includes('image') ? [...experimentImages] : [];
  const seen = new Set<string>();
  for (const snapshot of tagged) {
    seen.add(snapshot.SnapshotId!);
    result.push(
      describe('snapshot', snapshot.SnapshotId!, region, fromAwsTags(snapshot.Tags), {
        createdAt: date(snapshot.StartTime),
        details: { usedBy: usedBy.get(snapshot.SnapshotId!) ?? [] },
      }),
    );
  }
  if (!includeImages || !types.includes('snapshot') || !types.includes('image')) return result;
  const children = new Map<string, Resource>();
  for (const image of experimentImages) {
    for (const id of image.related ?? []) if (!seen.has(id)) children.set(id, image);
  }
  if (children.size === 0) return result;
  const { ec2 } = context.clientsFor(region);
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
          details: {
            foundThrough: parent.id,
            inheritedTags: true,
            usedBy: usedBy.get(snapshot.SnapshotId!) ?? [parent.id],
          },
        },
      ),
    );
  }
  return result;
}
