import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  type Clock,
  createEmitter,
  type EventSink,
  systemClock,
  ValidationError,
  withContext,
} from '@lab/core';
import type { AmiImage } from './images.js';

export interface AmiCacheOptions {
  /** Home directory holding `.pulsar-aws-lab/`. Default: the user's home. */
  homeDir?: string | undefined;
  /** How long a listing stays fresh. Default 10 minutes. */
  ttlMs?: number | undefined;
  clock?: Clock | undefined;
  events?: EventSink | undefined;
}

export interface CachedListing {
  region: string;
  /** Clock milliseconds when the listing was fetched from EC2. */
  fetchedAt: number;
  images: AmiImage[];
}

/**
 * The image catalogue of each region, kept in `~/.pulsar-aws-lab/ami-cache/<region>.images.json`
 * (beside the experiment store's own `<region>.json` of resolved AMI ids).
 */
export interface AmiCache {
  /** Where the listing of `region` is kept. */
  path(region: string): string;
  /** The fresh listing of `region`, or undefined when there is none, it expired or is unreadable. */
  read(region: string): Promise<CachedListing | undefined>;
  write(region: string, images: AmiImage[]): Promise<CachedListing>;
  invalidate(region: string): Promise<void>;
}

const FORMAT = 1;
export const DEFAULT_CACHE_TTL_MS = 10 * 60_000;
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d+$/;

export function createAmiCache(options: AmiCacheOptions = {}): AmiCache {
  const clock = options.clock ?? systemClock;
  const ttlMs = options.ttlMs ?? DEFAULT_CACHE_TTL_MS;
  const events = createEmitter({ source: '@lab/ami-builder', sink: options.events, clock });
  const directory = join(options.homeDir ?? homedir(), '.pulsar-aws-lab', 'ami-cache');

  const path = (region: string): string => {
    // The region becomes a file name: refuse anything that is not a region.
    if (!REGION.test(region)) {
      throw new ValidationError(`Not an AWS region: ${JSON.stringify(region)}`, [
        { path: 'region', message: 'not an AWS region name', expected: 'e.g. us-east-1', received: region },
      ]);
    }
    return join(directory, `${region}.images.json`);
  };

  return {
    path,
    async read(region) {
      const file = path(region);
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        if ((error as { code?: unknown }).code === 'ENOENT') return undefined;
        throw withContext(error, `Reading the AMI cache ${file}`);
      }
      const listing = parseListing(text, region);
      if (listing === undefined) {
        events.emit(
          'cache.unreadable',
          `Ignoring the unreadable AMI cache ${file}; listing from EC2`,
          { file },
          'warn',
        );
        return undefined;
      }
      const age = clock.now() - listing.fetchedAt;
      if (age < 0 || age >= ttlMs) {
        events.emit(
          'cache.expired',
          `AMI cache for ${region} expired; listing from EC2`,
          { file, age },
          'debug',
        );
        return undefined;
      }
      events.emit(
        'cache.hit',
        `Using the AMI cache for ${region} (${Math.round(age / 1000)} s old)`,
        { file, age },
        'debug',
      );
      return listing;
    },
    async write(region, images) {
      const file = path(region);
      const listing: CachedListing = { region, fetchedAt: clock.now(), images };
      try {
        await mkdir(directory, { recursive: true });
        // Write then rename, so a reader never sees half a file.
        const temporary = `${file}.${process.pid}.tmp`;
        await writeFile(temporary, `${JSON.stringify({ format: FORMAT, ...listing }, null, 2)}\n`);
        await rename(temporary, file);
      } catch (error) {
        throw withContext(error, `Writing the AMI cache ${file}`);
      }
      return listing;
    },
    async invalidate(region) {
      const file = path(region);
      try {
        await rm(file, { force: true });
      } catch (error) {
        throw withContext(error, `Removing the AMI cache ${file}`);
      }
    },
  };
}

function parseListing(text: string, region: string): CachedListing | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // Unparseable cache: treated as a miss (the caller says so and lists from EC2).
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  if (
    record.format !== FORMAT ||
    record.region !== region ||
    typeof record.fetchedAt !== 'number' ||
    !Array.isArray(record.images) ||
    !record.images.every(isImage)
  ) {
    return undefined;
  }
  return { region, fetchedAt: record.fetchedAt, images: record.images as AmiImage[] };
}

function isImage(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const image = value as Record<string, unknown>;
  return (
    typeof image.imageId === 'string' &&
    typeof image.name === 'string' &&
    typeof image.state === 'string' &&
    typeof image.creationDate === 'string' &&
    Array.isArray(image.snapshotIds) &&
    typeof image.tags === 'object'
  );
}
