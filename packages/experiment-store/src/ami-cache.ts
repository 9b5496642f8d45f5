import { createHash } from 'node:crypto';
import { mkdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type Clock,
  type Emitter,
  LabError,
  type Sleep,
  ValidationError,
  type ValidationIssue,
  withContext,
} from '@lab/core';
import { z } from 'zod';
import { isErrno, PRIVATE_DIR_MODE, writeFileAtomic } from './atomic.js';
import { acquireLock } from './lock.js';
import { isValidRegion } from './manifest.js';

/** AMIs can be deregistered by cleanup or a colleague: an entry is trusted this long by default. */
export const DEFAULT_AMI_CACHE_TTL_MS = 24 * 60 * 60 * 1000;
export const AMI_CACHE_SCHEMA_VERSION = 3;

const LOCK_WAIT_MS = 5_000;

/** What an entry holds: plain JSON. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

const entrySchema = z.strictObject({
  value: z.json(),
  storedAt: z.iso.datetime(),
  expiresAt: z.iso.datetime(),
});
const scopeSchema = z.strictObject({
  accountId: z.string(),
  region: z.string(),
  endpoint: z.string().optional(),
});
const fileSchema = z.strictObject({
  schemaVersion: z.literal(AMI_CACHE_SCHEMA_VERSION),
  scope: scopeSchema,
  entries: z.record(z.string(), entrySchema),
});

/**
 * Where cached AMI facts hold: one AWS account, one region, one endpoint. Images are private to
 * an account, and an emulator or a private endpoint is another world, so two profiles (or moto
 * and AWS) never see each other's listings.
 */
export interface AmiCacheScope {
  /** The 12-digit account id the credentials belong to (STS GetCallerIdentity). */
  accountId: string;
  region: string;
  /** The endpoint override the clients use; undefined for AWS's own endpoints. */
  endpoint?: string | undefined;
}

export interface AmiCacheEntry {
  /** What `set` stored; the cache does not interpret it — the caller validates what it reads. */
  value: JsonValue;
  /** When it was stored (ISO-8601, from the store's clock). */
  storedAt: string;
  expiresAt: string;
}

/**
 * Facts about AMIs by scope (account, region, endpoint) and key (a resolved id under
 * `pulsar-4.0.3/x86_64`, a region's whole image listing …), one file per scope under
 * `ami-cache/`, each entry a JSON value with an expiry. Reads never lock; writes lock the
 * scope's file.
 */
export interface AmiCache {
  /** The entry, unless missing or expired. A corrupt or newer file is a miss with a warning event. */
  get(scope: AmiCacheScope, key: string): Promise<AmiCacheEntry | undefined>;
  /**
   * Stores `value`, which must be JSON: strings, finite numbers, booleans, null, arrays and plain
   * objects. Object properties that are `undefined` are left out, as `JSON.stringify` does.
   */
  set(
    scope: AmiCacheScope,
    key: string,
    value: unknown,
    options?: { ttlMs?: number },
  ): Promise<AmiCacheEntry>;
  /** Removes `key` from the scope, or everything of the scope without a key. */
  invalidate(scope: AmiCacheScope, key?: string): Promise<void>;
}

/**
 * The file name of a scope: `<account>.<region>.json`, with a digest of the endpoint before
 * `.json` when there is one (`123456789012.us-east-1.5f0c2a9b1e7d.json`).
 */
export function amiCacheFileName(scope: AmiCacheScope): string {
  const endpoint =
    scope.endpoint === undefined
      ? ''
      : `.${createHash('sha256').update(scope.endpoint).digest('hex').slice(0, 12)}`;
  return `${scope.accountId}.${scope.region}${endpoint}.json`;
}

/** `123456789012/us-east-1` (and ` at <endpoint>`): how messages name a scope. */
function describeScope(scope: AmiCacheScope): string {
  return `${scope.accountId}/${scope.region}${scope.endpoint === undefined ? '' : ` at ${scope.endpoint}`}`;
}

export interface AmiCacheOptions {
  dir: string;
  clock: Clock;
  emitter: Emitter;
  ttlMs: number;
  sleep?: Sleep;
}

type Loaded =
  | { kind: 'ok'; entries: Record<string, AmiCacheEntry> }
  | { kind: 'missing' }
  | { kind: 'corrupt'; message: string }
  | { kind: 'newer'; version: number }
  | { kind: 'older'; version: number };

export function createAmiCache(options: AmiCacheOptions): AmiCache {
  const { dir, clock, emitter } = options;
  const fileOf = (scope: AmiCacheScope) => join(dir, amiCacheFileName(scope));

  async function load(scope: AmiCacheScope): Promise<Loaded> {
    let text: string;
    try {
      text = await readFile(fileOf(scope), 'utf8');
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return { kind: 'missing' };
      throw withContext(error, `Reading the AMI cache ${fileOf(scope)}`);
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (error) {
      return {
        kind: 'corrupt',
        message: `not valid JSON (${error instanceof Error ? error.message : String(error)})`,
      };
    }
    const version = (raw as { schemaVersion?: unknown } | null)?.schemaVersion;
    if (typeof version === 'number' && version > AMI_CACHE_SCHEMA_VERSION) return { kind: 'newer', version };
    if (
      typeof version === 'number' &&
      Number.isInteger(version) &&
      version >= 1 &&
      version < AMI_CACHE_SCHEMA_VERSION
    )
      return { kind: 'older', version };
    const parsed = fileSchema.safeParse(raw);
    if (!parsed.success) {
      return {
        kind: 'corrupt',
        message: parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '),
      };
    }
    const stored = parsed.data.scope;
    if (
      stored.accountId !== scope.accountId ||
      stored.region !== scope.region ||
      stored.endpoint !== scope.endpoint
    ) {
      return { kind: 'corrupt', message: `it holds ${describeScope(stored)}, not ${describeScope(scope)}` };
    }
    return { kind: 'ok', entries: parsed.data.entries };
  }

  function warnUnusable(scope: AmiCacheScope, loaded: Loaded & { kind: 'corrupt' | 'newer' }): void {
    emitter.emit(
      'unusable',
      loaded.kind === 'corrupt'
        ? `AMI cache ${fileOf(scope)} is corrupt (${loaded.message}); treating it as empty`
        : `AMI cache ${fileOf(scope)} has schema version ${loaded.version}, newer than this lab understands; treating it as empty`,
      { path: fileOf(scope), kind: loaded.kind },
      'warn',
    );
  }

  /** Runs `change` on the scope's entries under its lock and writes the result. */
  async function update(
    scope: AmiCacheScope,
    change: (entries: Record<string, AmiCacheEntry>) => void,
  ): Promise<void> {
    try {
      await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    } catch (error) {
      throw withContext(error, `Creating ${dir}`);
    }
    const lock = await acquireLock(join(dir, `.${amiCacheFileName(scope)}.lock`), {
      clock,
      emitter,
      what: `the AMI cache of ${describeScope(scope)}`,
      waitMs: LOCK_WAIT_MS,
      ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
    });
    try {
      const loaded = await load(scope);
      if (loaded.kind === 'newer') {
        throw new LabError(
          'AMI_CACHE_TOO_NEW',
          `AMI cache ${fileOf(scope)} has schema version ${loaded.version}; this lab writes version ${AMI_CACHE_SCHEMA_VERSION}`,
          {
            hint: 'Upgrade the lab, or delete the file; it was left untouched',
            details: { path: fileOf(scope) },
          },
        );
      }
      if (loaded.kind === 'corrupt') {
        // Kept for inspection rather than overwritten: the cache is rebuilt, the evidence stays.
        const aside = `${fileOf(scope)}.corrupt-${clock.now()}`;
        await rename(fileOf(scope), aside).catch((error: unknown) => {
          throw withContext(error, `Moving the corrupt AMI cache ${fileOf(scope)} aside`);
        });
        emitter.emit(
          'moved-aside',
          `AMI cache ${fileOf(scope)} was corrupt (${loaded.message}); moved it to ${aside} and started a new one`,
          { path: fileOf(scope), aside },
          'warn',
        );
      }
      if (loaded.kind === 'older') {
        emitter.emit(
          'replaced',
          `AMI cache ${fileOf(scope)} has the older schema version ${loaded.version}; starting a new one`,
          { path: fileOf(scope), version: loaded.version },
          'debug',
        );
      }
      const now = clock.now();
      const entries = Object.fromEntries(
        Object.entries(loaded.kind === 'ok' ? loaded.entries : {}).filter(
          ([, entry]) => Date.parse(entry.expiresAt) > now,
        ),
      );
      change(entries);
      await writeFileAtomic(
        fileOf(scope),
        `${JSON.stringify({ schemaVersion: AMI_CACHE_SCHEMA_VERSION, scope: storedScope(scope), entries }, null, 2)}\n`,
      );
    } finally {
      await lock.release();
    }
  }

  return {
    async get(scope, key) {
      assertInput(scope, key);
      const loaded = await load(scope);
      if (loaded.kind === 'corrupt' || loaded.kind === 'newer') {
        warnUnusable(scope, loaded);
        return undefined;
      }
      if (loaded.kind === 'missing' || loaded.kind === 'older') return undefined;
      const entry = loaded.entries[key];
      if (entry === undefined) return undefined;
      if (Date.parse(entry.expiresAt) <= clock.now()) {
        emitter.emit(
          'expired',
          `AMI cache entry ${describeScope(scope)}/${key} expired at ${entry.expiresAt}`,
          { ...storedScope(scope), key },
          'debug',
        );
        return undefined;
      }
      return entry;
    },

    async set(scope, key, value, setOptions = {}) {
      const ttlMs = setOptions.ttlMs ?? options.ttlMs;
      const issues = inputIssues(scope, key);
      const notJson = jsonIssue(value, 'value');
      if (notJson !== undefined) issues.push(notJson);
      if (!Number.isFinite(ttlMs) || ttlMs <= 0) {
        issues.push({
          path: 'ttlMs',
          message: 'must be a positive number of milliseconds',
          received: String(ttlMs),
        });
      }
      if (issues.length > 0) throw new ValidationError('Invalid AMI cache entry', issues);
      const now = clock.now();
      const entry: AmiCacheEntry = {
        // Checked above to be JSON, so the round trip only drops undefined properties.
        value: JSON.parse(JSON.stringify(value)) as JsonValue,
        storedAt: new Date(now).toISOString(),
        expiresAt: new Date(now + ttlMs).toISOString(),
      };
      await update(scope, (entries) => {
        entries[key] = entry;
      });
      return entry;
    },

    async invalidate(scope, key) {
      assertInput(scope, key ?? 'all');
      await update(scope, (entries) => {
        for (const name of Object.keys(entries)) if (key === undefined || name === key) delete entries[name];
      });
    },
  };
}

const ACCOUNT_ID = /^\d{12}$/;

/** The scope as a file stores it: no `endpoint` key when there is none. */
function storedScope(scope: AmiCacheScope): AmiCacheScope {
  return {
    accountId: scope.accountId,
    region: scope.region,
    ...(scope.endpoint === undefined ? {} : { endpoint: scope.endpoint }),
  };
}

function inputIssues(scope: AmiCacheScope, key: string): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (typeof scope?.accountId !== 'string' || !ACCOUNT_ID.test(scope.accountId)) {
    issues.push({
      path: 'scope.accountId',
      message: 'not an AWS account id',
      expected: '12 digits',
      received: String(scope?.accountId),
    });
  }
  if (typeof scope?.region !== 'string' || !isValidRegion(scope.region))
    issues.push({ path: 'scope.region', message: 'not an AWS region name', received: String(scope?.region) });
  if (scope?.endpoint !== undefined && (typeof scope.endpoint !== 'string' || scope.endpoint === '')) {
    issues.push({
      path: 'scope.endpoint',
      message: 'must be the endpoint URL, or absent for AWS',
      received: String(scope.endpoint),
    });
  }
  if (typeof key !== 'string' || key === '' || key.length > 256) {
    issues.push({ path: 'key', message: 'must be 1–256 characters', received: String(key) });
  }
  return issues;
}

/** The first reason `value` is not plain JSON, or undefined when it is. */
function jsonIssue(value: unknown, path: string): ValidationIssue | undefined {
  const problem = (message: string, received: string): ValidationIssue => ({
    path,
    message,
    expected: 'a JSON value',
    received,
  });
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') {
    return Number.isFinite(value) ? undefined : problem('not a finite number', String(value));
  }
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const issue = jsonIssue(item, `${path}.${index}`);
      if (issue !== undefined) return issue;
    }
    return undefined;
  }
  if (typeof value === 'object') {
    const prototype = Object.getPrototypeOf(value) as unknown;
    if (prototype !== Object.prototype && prototype !== null) {
      return problem('not a plain object', value.constructor?.name ?? 'object');
    }
    for (const [name, item] of Object.entries(value)) {
      if (item === undefined) continue;
      const issue = jsonIssue(item, `${path}.${name}`);
      if (issue !== undefined) return issue;
    }
    return undefined;
  }
  return problem('not JSON', typeof value);
}

function assertInput(scope: AmiCacheScope, key: string): void {
  const issues = inputIssues(scope, key);
  if (issues.length > 0) throw new ValidationError('Invalid AMI cache lookup', issues);
}
