import { DescribeImagesCommand, type EC2Client, type Image } from '@aws-sdk/client-ec2';
import { retry } from '@lab/backoff';
import { type Clock, createEmitter, type EventSink, fromAwsTags, systemClock, withContext } from '@lab/core';
import type { AmiCache } from '../cache.js';
import { AMI_NAME_PREFIX, type AmiImage, IMAGE_TAG_KEYS, selectLatest, sortImages } from '../images.js';

export interface CatalogOptions {
  ec2: EC2Client;
  /** The region the client talks to; names the cache file. Default: asked from the client. */
  region?: string | undefined;
  /** Read and refresh this cache. Without it every call asks EC2. */
  cache?: AmiCache | undefined;
  /** Ask EC2 even when the cache is fresh (and refresh the cache). */
  noCache?: boolean | undefined;
  /** DescribeImages page size. Default 100. */
  pageSize?: number | undefined;
  signal?: AbortSignal | undefined;
  events?: EventSink | undefined;
  clock?: Clock | undefined;
}

export interface ImageListing {
  region: string;
  images: AmiImage[];
  /** Whether the listing came from the cache. */
  cached: boolean;
  /** When the listing was fetched from EC2 (clock ms). */
  fetchedAt: number;
}

/** Converts an EC2 image to the catalogue's shape. */
export function toAmiImage(image: Image): AmiImage {
  const tags = fromAwsTags(image.Tags);
  return {
    imageId: image.ImageId ?? '',
    name: image.Name ?? '',
    state: image.State ?? 'unknown',
    creationDate: image.CreationDate ?? '',
    pulsarVersion: tags[IMAGE_TAG_KEYS.pulsarVersion],
    ombCommit: tags[IMAGE_TAG_KEYS.ombCommit],
    javaVersion: tags[IMAGE_TAG_KEYS.javaVersion],
    buildDate: tags[IMAGE_TAG_KEYS.buildDate],
    snapshotIds: (image.BlockDeviceMappings ?? [])
      .map((mapping) => mapping.Ebs?.SnapshotId)
      .filter((id): id is string => id !== undefined),
    tags,
  };
}

/** Every `pulsar-base-*` image this account owns, all pages, throttling retried. */
export async function describeLabImages(
  ec2: EC2Client,
  options: { pageSize?: number | undefined; signal?: AbortSignal | undefined; imageIds?: string[] } = {},
): Promise<AmiImage[]> {
  const images: AmiImage[] = [];
  let nextToken: string | undefined;
  do {
    const token = nextToken;
    const page = await retry(
      () =>
        ec2.send(
          new DescribeImagesCommand({
            Owners: ['self'],
            ...(options.imageIds === undefined
              ? {
                  Filters: [{ Name: 'name', Values: [`${AMI_NAME_PREFIX}*`] }],
                  MaxResults: options.pageSize ?? 100,
                }
              : { ImageIds: options.imageIds }),
            ...(token === undefined ? {} : { NextToken: token }),
          }),
          options.signal === undefined ? {} : { abortSignal: options.signal },
        ),
      options.signal === undefined ? {} : { signal: options.signal },
    ).catch((error: unknown) => {
      throw withContext(error, 'Listing the lab AMIs (DescribeImages)');
    });
    images.push(...(page.Images ?? []).map(toAmiImage));
    nextToken = page.NextToken || undefined;
  } while (nextToken !== undefined);
  return images;
}

/** The region an SDK client talks to. */
export async function clientRegion(ec2: EC2Client): Promise<string> {
  return ec2.config.region();
}

/**
 * The lab's images in a region — version from the PulsarVersion tag — from the cache when it is
 * fresh, otherwise from EC2 (and then cached).
 */
export async function listImages(options: CatalogOptions): Promise<ImageListing> {
  const clock = options.clock ?? systemClock;
  const events = createEmitter({ source: '@lab/ami-builder', sink: options.events, clock });
  const region = options.region ?? (await clientRegion(options.ec2));
  if (options.cache !== undefined && options.noCache !== true) {
    const cached = await options.cache.read(region);
    if (cached !== undefined) {
      return { region, images: sortImages(cached.images), cached: true, fetchedAt: cached.fetchedAt };
    }
  }
  events.emit('images.listing', `Listing pulsar-base AMIs in ${region}`, { region }, 'debug');
  const images = sortImages(
    await describeLabImages(options.ec2, { pageSize: options.pageSize, signal: options.signal }),
  );
  const fetchedAt = clock.now();
  if (options.cache !== undefined) await options.cache.write(region, images);
  events.emit('images.listed', `Found ${images.length} pulsar-base AMI(s) in ${region}`, {
    region,
    count: images.length,
  });
  return { region, images, cached: false, fetchedAt };
}

/** The newest available image of `version` (or of the highest version), or undefined. */
export async function findLatestImage(
  options: CatalogOptions & { version?: string | undefined },
): Promise<{ image: AmiImage | undefined; listing: ImageListing }> {
  const listing = await listImages(options);
  return { image: selectLatest(listing.images, options.version), listing };
}
