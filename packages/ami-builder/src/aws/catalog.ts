import { DescribeImagesCommand, type EC2Client, type Image } from '@aws-sdk/client-ec2';
import { retry } from '@lab/backoff';
import {
  type Clock,
  createEmitter,
  type Emitter,
  type EventSink,
  errorMessage,
  fromAwsTags,
  systemClock,
  withContext,
} from '@lab/core';
import { AMI_NAME_PREFIX, type AmiImage, IMAGE_TAG_KEYS, selectLatest, sortImages } from '../images.js';
import {
  type CachedImageListing,
  DEFAULT_LISTING_TTL_MS,
  IMAGE_LISTING_CACHE_KEY,
  type ImageListingCache,
  type ImageListingScope,
  parseCachedListing,
} from '../listing-cache.js';
import { listingScope } from './scope.js';

export interface CatalogOptions {
  ec2: EC2Client;
  /** The region the client talks to. Default: asked from the client. */
  region?: string | undefined;
  /**
   * Read and refresh this cache (e.g. `store.amiCache`), kept per account, region and endpoint
   * override (the client's). Without it every call asks EC2.
   */
  cache?: ImageListingCache | undefined;
  /**
   * The account the client's credentials belong to, asked only when `cache` is used. Default:
   * STS GetCallerIdentity with the client's credentials, once per client (`clientAccountId`).
   */
  accountId?: (() => Promise<string>) | undefined;
  /** Ask EC2 even when the cache is fresh (and refresh the cache). */
  noCache?: boolean | undefined;
  /** How long a listing written to the cache stays fresh. Default 10 minutes. */
  cacheTtlMs?: number | undefined;
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
  const scope =
    options.cache === undefined
      ? undefined
      : await listingScope({ ec2: options.ec2, region, accountId: options.accountId });
  if (options.cache !== undefined && scope !== undefined && options.noCache !== true) {
    const cached = await readCachedListing(options.cache, scope, events, clock);
    if (cached !== undefined) return cached;
  }
  events.emit('images.listing', `Listing pulsar-base AMIs in ${region}`, { region }, 'debug');
  const images = sortImages(
    await describeLabImages(options.ec2, { pageSize: options.pageSize, signal: options.signal }),
  );
  const fetchedAt = clock.now();
  if (options.cache !== undefined && scope !== undefined) {
    const value: CachedImageListing = { images };
    try {
      await options.cache.set(scope, IMAGE_LISTING_CACHE_KEY, value, {
        ttlMs: options.cacheTtlMs ?? DEFAULT_LISTING_TTL_MS,
      });
    } catch (error) {
      // The listing itself is good; a cache that cannot be written only costs the next call.
      events.emit(
        'cache.write-failed',
        `Could not cache the AMI listing of ${region}: ${errorMessage(error)}`,
        { region },
        'warn',
      );
    }
  }
  events.emit('images.listed', `Found ${images.length} pulsar-base AMI(s) in ${region}`, {
    region,
    count: images.length,
  });
  return { region, images, cached: false, fetchedAt };
}

async function readCachedListing(
  cache: ImageListingCache,
  scope: ImageListingScope,
  events: Emitter,
  clock: Clock,
): Promise<ImageListing | undefined> {
  const { region } = scope;
  const entry = await cache.get(scope, IMAGE_LISTING_CACHE_KEY);
  if (entry === undefined) return undefined;
  const images = parseCachedListing(entry.value);
  const fetchedAt = Date.parse(entry.storedAt);
  if (images === undefined || Number.isNaN(fetchedAt)) {
    events.emit(
      'cache.unreadable',
      `Ignoring the unreadable cached AMI listing of ${region}; listing from EC2`,
      { region },
      'warn',
    );
    return undefined;
  }
  const age = Math.max(0, clock.now() - fetchedAt);
  events.emit(
    'cache.hit',
    `Using the cached AMI listing of ${region} in account ${scope.accountId} (${Math.round(age / 1000)} s old)`,
    { ...scope, age },
    'debug',
  );
  return { region, images: sortImages(images), cached: true, fetchedAt };
}

/**
 * The newest available image of `version` (or of the highest version), or undefined. A cached
 * listing without such an image is never the last word: EC2 is asked once more (an image built
 * elsewhere since the listing was cached is found).
 */
export async function findLatestImage(
  options: CatalogOptions & { version?: string | undefined },
): Promise<{ image: AmiImage | undefined; listing: ImageListing }> {
  const listing = await listImages(options);
  const image = selectLatest(listing.images, options.version);
  if (image !== undefined || !listing.cached) return { image, listing };
  createEmitter({
    source: '@lab/ami-builder',
    sink: options.events,
    clock: options.clock ?? systemClock,
  }).emit(
    'cache.no-match',
    `The cached AMI listing of ${listing.region} has no available image${options.version === undefined ? '' : ` of Pulsar ${options.version}`}; asking EC2`,
    { region: listing.region, version: options.version },
    'debug',
  );
  const fresh = await listImages({ ...options, region: listing.region, noCache: true });
  return { image: selectLatest(fresh.images, options.version), listing: fresh };
}
