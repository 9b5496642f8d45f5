import type { TagMap } from '@lab/core';
import type { AmiImage } from './images.js';

/** An entry as an {@link ImageListingCache} returns it. */
export interface ImageListingCacheEntry {
  /** What was stored, after a JSON round trip; validated here before use. */
  value: unknown;
  /** When it was stored (ISO-8601): the time the listing was fetched from EC2. */
  storedAt: string;
  expiresAt: string;
}

/**
 * Where a listing holds: the account the credentials belong to, the region, and the endpoint
 * override (moto, a private endpoint) when there is one. Images are private to an account, so a
 * listing is never shared across accounts, regions or endpoints.
 */
export interface ImageListingScope {
  /** The 12-digit AWS account id (STS GetCallerIdentity). */
  accountId: string;
  region: string;
  /** The endpoint override the EC2 client uses; undefined for AWS's own endpoints. */
  endpoint?: string | undefined;
}

/**
 * Where `listImages` keeps each scope's image listing: a JSON value per scope and key, with a
 * time-to-live. `store.amiCache` of `@lab/experiment-store` satisfies it as it is (this package
 * does not depend on the store); so does any small key-value store that honours `ttlMs`.
 */
export interface ImageListingCache {
  /** The entry, or undefined when it is missing or expired. */
  get(scope: ImageListingScope, key: string): Promise<ImageListingCacheEntry | undefined>;
  set(scope: ImageListingScope, key: string, value: unknown, options?: { ttlMs?: number }): Promise<unknown>;
  /** Removes `key` from the scope (without a key: everything of the scope). */
  invalidate(scope: ImageListingScope, key?: string): Promise<void>;
}

/** The key under which a scope's listing of `pulsar-base-*` images is kept. */
export const IMAGE_LISTING_CACHE_KEY = 'pulsar-base-images';
/** How long a cached listing is used before EC2 is asked again. */
export const DEFAULT_LISTING_TTL_MS = 10 * 60_000;

/** The cached value: `{ images }`, each image an {@link AmiImage} without its undefined fields. */
export interface CachedImageListing {
  images: AmiImage[];
}

/** Reads a cached value back into images, or undefined when it is not a listing this package wrote. */
export function parseCachedListing(value: unknown): AmiImage[] | undefined {
  if (!isRecord(value) || !Array.isArray(value.images)) return undefined;
  const images: AmiImage[] = [];
  for (const item of value.images) {
    const image = parseImage(item);
    if (image === undefined) return undefined;
    images.push(image);
  }
  return images;
}

function parseImage(value: unknown): AmiImage | undefined {
  if (!isRecord(value)) return undefined;
  const { imageId, name, state, creationDate, snapshotIds, tags } = value;
  if (
    typeof imageId !== 'string' ||
    typeof name !== 'string' ||
    typeof state !== 'string' ||
    typeof creationDate !== 'string' ||
    !Array.isArray(snapshotIds) ||
    !snapshotIds.every((id) => typeof id === 'string') ||
    !isRecord(tags) ||
    !Object.values(tags).every((tag) => typeof tag === 'string')
  ) {
    return undefined;
  }
  const optional = (field: unknown): string | undefined | false =>
    field === undefined || typeof field === 'string' ? field : false;
  const pulsarVersion = optional(value.pulsarVersion);
  const ombCommit = optional(value.ombCommit);
  const javaVersion = optional(value.javaVersion);
  const buildDate = optional(value.buildDate);
  if (pulsarVersion === false || ombCommit === false || javaVersion === false || buildDate === false) {
    return undefined;
  }
  return {
    imageId,
    name,
    state,
    creationDate,
    pulsarVersion,
    ombCommit,
    javaVersion,
    buildDate,
    snapshotIds: snapshotIds as string[],
    tags: tags as TagMap,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
