import { type Clock, systemClock } from '@lab/core';
import type { ImageListingCache, ImageListingCacheEntry, ImageListingScope } from '../../src/index.js';

/** `123456789012/us-east-1` (`@endpoint` appended when there is one): how the memory cache names a scope. */
export const scopeName = (scope: ImageListingScope) =>
  `${scope.accountId}/${scope.region}${scope.endpoint === undefined ? '' : `@${scope.endpoint}`}`;

/**
 * An in-memory `ImageListingCache` that behaves like the experiment store's `amiCache`: values
 * go through JSON (undefined properties are dropped) and expire after `ttlMs`.
 */
export function memoryCache(clock: Clock = systemClock, defaultTtlMs = 24 * 3600_000) {
  const entries = new Map<string, ImageListingCacheEntry>();
  const id = (scope: ImageListingScope, key: string) => `${scopeName(scope)}/${key}`;
  const cache = {
    calls: [] as string[],
    entries,
    async get(scope: ImageListingScope, key: string) {
      cache.calls.push(`get ${scopeName(scope)} ${key}`);
      const entry = entries.get(id(scope, key));
      return entry !== undefined && Date.parse(entry.expiresAt) > clock.now() ? entry : undefined;
    },
    async set(scope: ImageListingScope, key: string, value: unknown, options: { ttlMs?: number } = {}) {
      cache.calls.push(`set ${scopeName(scope)} ${key} ${options.ttlMs}`);
      const now = clock.now();
      const entry = {
        value: JSON.parse(JSON.stringify(value)) as unknown,
        storedAt: new Date(now).toISOString(),
        expiresAt: new Date(now + (options.ttlMs ?? defaultTtlMs)).toISOString(),
      };
      entries.set(id(scope, key), entry);
      return entry;
    },
    async invalidate(scope: ImageListingScope, key?: string) {
      cache.calls.push(`invalidate ${scopeName(scope)} ${key}`);
      for (const name of [...entries.keys()]) {
        if (key === undefined ? name.startsWith(`${scopeName(scope)}/`) : name === id(scope, key))
          entries.delete(name);
      }
    },
  } satisfies ImageListingCache & Record<string, unknown>;
  return cache;
}
