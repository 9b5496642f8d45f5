import type { EC2Client } from '@aws-sdk/client-ec2';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { S3Client } from '@aws-sdk/client-s3';
import type { STSClient } from '@aws-sdk/client-sts';
import { type BackoffSchedule, isTransientAwsError, type RetryOptions, retry } from '@lab/backoff';
import { awsErrorCode, type Clock, type Emitter, type Sleep, withChildSignal, withContext } from '@lab/core';

/** The SDK clients cleanup uses in one region. */
export interface AwsClients {
  ec2: EC2Client;
  iam: IAMClient;
  s3: S3Client;
  /** Only needed for `accountId()` (account allow-lists). */
  sts?: STSClient;
}

/** Creates (or returns) the clients for a region; called lazily, once per region. */
export type ClientFactory = (region: string) => AwsClients;

/** API calls made, by operation name, counting every attempt (retries included). */
export interface CallStats {
  total: number;
  byOperation: Record<string, number>;
}

export interface AwsContext {
  clientsFor(region: string): AwsClients;
  /** The region whose clients serve account-wide APIs (IAM, S3 ListBuckets, STS). */
  homeRegion: string;
  /** Runs one API call with throttling/5xx retries, counting attempts. */
  call<T>(
    operation: string,
    send: (abortSignal: AbortSignal | undefined) => Promise<T>,
    signal?: AbortSignal,
    options?: CallOptions,
  ): Promise<T>;
  /** Runs `work` over `items` with at most `concurrency` in flight, keeping order. */
  map<T, R>(items: readonly T[], work: (item: T) => Promise<R>): Promise<R[]>;
  concurrency: number;
  waitSchedule: BackoffSchedule;
  clock: Clock;
  sleep: Sleep;
  emitter: Emitter;
}

export interface CallOptions {
  /**
   * A deletion AWS may refuse for a moment after a dependency was released (DependencyViolation,
   * DeleteConflict, `….InUse`): such a refusal is retried twice within the call, on the retry
   * schedule, before the round records it and moves on.
   */
  dependent?: boolean;
}

/** How many times a dependent deletion's refusal is retried within one call. */
export const DEPENDENCY_RETRIES = 2;

const DEPENDENCY_CODES = /^(DependencyViolation|DeleteConflict|VolumeInUse)$|\.InUse$/;

/** True for the refusals eventual consistency causes right after a dependency is released. */
export function isDependencyRefusal(error: unknown): boolean {
  const code = awsErrorCode(error);
  return code !== undefined && DEPENDENCY_CODES.test(code);
}

export interface ContextOptions {
  clients: ClientFactory;
  homeRegion: string;
  concurrency: number;
  retry: Omit<RetryOptions, 'signal' | 'clock' | 'sleep'>;
  waitSchedule: BackoffSchedule;
  clock: Clock;
  sleep: Sleep;
  emitter: Emitter;
  stats: CallStats;
}

// The operation each failed call was, kept beside the SDK's error so that callers can still
// inspect its code and a problem report can still name the call.
const failedOperations = new WeakMap<object, string>();

/** The operation (`DescribeVpcs` …) whose call failed with `error` after its retries, when known. */
export function operationOf(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? failedOperations.get(error) : undefined;
}

export function createContext(options: ContextOptions): AwsContext {
  const cache = new Map<string, AwsClients>();
  const clientsFor = (region: string): AwsClients => {
    let clients = cache.get(region);
    if (clients === undefined) {
      clients = options.clients(region);
      cache.set(region, clients);
    }
    return clients;
  };
  return {
    clientsFor,
    homeRegion: options.homeRegion,
    concurrency: options.concurrency,
    waitSchedule: options.waitSchedule,
    clock: options.clock,
    sleep: options.sleep,
    emitter: options.emitter,
    // Discovery and deletion run many calls at once under the caller's one signal; each call (its
    // attempts and retry sleeps) gets a child signal, so the SDK's per-request abort listeners
    // never pile up on the caller's signal.
    call: (operation, send, signal, callOptions) => {
      const transient = options.retry.shouldRetry ?? isTransientAwsError;
      let refusals = 0;
      const shouldRetry = (error: unknown) =>
        transient(error) ||
        (callOptions?.dependent === true && isDependencyRefusal(error) && refusals++ < DEPENDENCY_RETRIES);
      return withChildSignal(signal, (child) =>
        retry(
          async () => {
            options.stats.total += 1;
            options.stats.byOperation[operation] = (options.stats.byOperation[operation] ?? 0) + 1;
            return send(child);
          },
          {
            ...options.retry,
            shouldRetry,
            clock: options.clock,
            sleep: options.sleep,
            ...(child === undefined ? {} : { signal: child }),
            onRetry: (info) =>
              options.emitter.emit(
                'aws.retry',
                `${operation}: ${awsErrorCode(info.error) ?? 'error'}, retrying in ${Math.round(info.delayMs)} ms`,
                { operation, attempt: info.attempt },
                'debug',
              ),
          },
        ),
      ).catch((error: unknown) => {
        if (typeof error === 'object' && error !== null && !failedOperations.has(error)) {
          failedOperations.set(error, operation);
        }
        throw error;
      });
    },
    map: (items, work) => mapLimit(items, options.concurrency, work),
  };
}

export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/** Follows `next` tokens until there are none. */
export async function allPages<Item>(
  fetch: (token: string | undefined) => Promise<{ items: Item[] | undefined; next: string | undefined }>,
): Promise<Item[]> {
  const items: Item[] = [];
  let token: string | undefined;
  const seen = new Set<string>();
  do {
    const page = await fetch(token);
    items.push(...(page.items ?? []));
    token = page.next === '' ? undefined : page.next;
    // A service repeating a token would loop forever; stop with an error instead.
    if (token !== undefined) {
      if (seen.has(token)) throw new Error(`pagination token repeated: ${token}`);
      seen.add(token);
    }
  } while (token !== undefined);
  return items;
}

const NOT_FOUND = /NotFound|^NoSuch|\.Unknown$|^InvalidAMIID\.Unavailable$/;

/** True for the error codes AWS uses when the thing to delete does not exist (any more). */
export function isNotFound(error: unknown): boolean {
  const code = awsErrorCode(error);
  return code !== undefined && NOT_FOUND.test(code);
}

/** Rethrows anything that is not "not found": used around steps whose target may already be gone. */
export function ignoreNotFound(error: unknown): void {
  if (!isNotFound(error)) throw error;
}

export { withContext };
