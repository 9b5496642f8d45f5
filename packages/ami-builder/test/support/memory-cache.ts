import { type Clock, systemClock } from '@lab/core';
import type { ImageListingCache, ImageListingCacheEntry } from '../../src/index.js';

/**
 * An in-memory `ImageListingCache` that behaves like the experiment store's `amiCache`: values
 * go through JSON (undefined properties are dropped) and expire after `ttlMs`.
 */
export function memoryCache(clock: Clock = systemClock, defaultTtlMs = 24 * 3600_000) {
  const entries = new Map<string, ImageListingCacheEntry>();
  const id = (region: string, key: string) => `${region}/${key}`;
  const cache = {
    calls: [] as string[],
    entries,
    async get(region: string, key: string) {
      cache.calls.push(`get ${region} ${key}`);
      const entry = entries.get(id(region, key));
      return entry !== undefined && Date.parse(entry.expiresAt) > clock.now() ? entry : undefined;
    },
    async set(region: string, key: string, value: unknown, options: { ttlMs?: number } = {}) {
      cache.calls.push(`set ${region} ${key} ${options.ttlMs}`);
      const now = clock.now();
      const entry = {
        value: JSON.parse(JSON.stringify(value)) as unknown,
        storedAt: new Date(now).toISOString(),
        expiresAt: new Date(now + (options.ttlMs ?? defaultTtlMs)).toISOString(),
      };
      entries.set(id(region, key), entry);
      return entry;
    },
    async invalidate(region: string, key?: string) {
      cache.calls.push(`invalidate ${region} ${key}`);
      for (const name of [...entries.keys()]) {
        if (key === undefined ? name.startsWith(`${region}/`) : name === id(region, key))
          entries.delete(name);
      }
    },
  } satisfies ImageListingCache & Record<string, unknown>;
  return cache;
}
