import { GetBucketLocationCommand, GetBucketTaggingCommand, ListBucketsCommand } from '@aws-sdk/client-s3';
import { awsErrorCode, fromAwsTags } from '@lab/core';
import type { Resource } from '../../model.js';
import { matchesSelector, type Selector } from '../../select.js';
import { type AwsContext, allPages } from '../context.js';
import { type AwsTags, date, describe } from './common.js';

/** `GetBucketLocation`'s answer as a region name (null/empty means us-east-1, `EU` eu-west-1). */
export function bucketRegion(constraint: string | undefined | null): string {
  if (constraint === undefined || constraint === null || constraint === '') return 'us-east-1';
  if (constraint === 'EU') return 'eu-west-1';
  return constraint;
}

/**
 * Buckets are listed account-wide; each one's region comes from `BucketRegion` (or
 * `GetBucketLocation`) and its tags are read through that region's client. `NoSuchTagSet` is an
 * untagged bucket; `NoSuchBucket` one deleted meanwhile.
 */
export async function listBuckets(
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
