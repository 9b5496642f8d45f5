import { DescribeRegionsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { BackoffSchedule, RetryOptions } from '@lab/backoff';
import {
  type Clock,
  createEmitter,
  type EventSink,
  LabError,
  realSleep,
  type Sleep,
  systemClock,
} from '@lab/core';
import type { CleanupProvider } from '../cleanup.js';
import { SOURCE } from '../execute.js';
import { type CallStats, type ClientFactory, createContext } from './context.js';
import { createAwsDeleter } from './delete/index.js';
import { discoverAws } from './discover/index.js';

export type { AwsClients, CallStats, ClientFactory } from './context.js';
export { isNotFound } from './context.js';
export { bucketRegion } from './discover/index.js';

export interface AwsProviderOptions {
  /** Clients per region, created lazily (once per region) — e.g. with `createAwsClient`. */
  clients: ClientFactory;
  /** Region whose clients serve IAM, S3's bucket list and STS. */
  homeRegion: string;
  /** Calls in flight per batch for APIs without a batch form. Default 8. */
  concurrency?: number;
  /** Retries of throttling/5xx per call (`retry` from @lab/backoff). Default: its defaults. */
  retry?: Omit<RetryOptions, 'signal' | 'clock' | 'sleep'>;
  /** Polling for asynchronous deletions (instances, NAT gateways). Default 2 s ×1.5 ≤ 15 s. */
  waitSchedule?: BackoffSchedule;
  events?: EventSink;
  clock?: Clock;
  sleep?: Sleep;
}

export interface AwsProvider extends CleanupProvider {
  /** API calls made so far (every attempt, by operation). */
  readonly stats: CallStats;
}

/**
 * The AWS side of cleanup: discovery (EC2 per region with tag filters, IAM, S3) and deleters
 * per type, with throttling retries and waits through @lab/backoff. Clients are passed in.
 */
export function createAwsProvider(options: AwsProviderOptions): AwsProvider {
  const clock = options.clock ?? systemClock;
  const stats: CallStats = { total: 0, byOperation: {} };
  const context = createContext({
    clients: options.clients,
    homeRegion: options.homeRegion,
    concurrency: options.concurrency ?? 8,
    retry: options.retry ?? {},
    waitSchedule: options.waitSchedule ?? { initialDelayMs: 2000, factor: 1.5, maxDelayMs: 15_000 },
    clock,
    sleep: options.sleep ?? realSleep,
    emitter: createEmitter({ source: SOURCE, sink: options.events, clock }).child('aws'),
    stats,
  });
  return {
    stats,
    discover: (request) => discoverAws(context, request),
    deleter: createAwsDeleter(context),
    accountId: async (signal) => {
      const sts = context.clientsFor(context.homeRegion).sts;
      if (sts === undefined) {
        throw new LabError('ACCOUNT_UNKNOWN', 'No STS client to check the account with', {
          hint: 'Include `sts` in the clients the factory returns.',
        });
      }
      const identity = await context.call(
        'GetCallerIdentity',
        (abortSignal) => sts.send(new GetCallerIdentityCommand({}), { abortSignal }),
        signal,
      );
      if (identity.Account === undefined) throw new LabError('ACCOUNT_UNKNOWN', 'STS returned no account id');
      return identity.Account;
    },
  };
}

/** The regions enabled for the account (`DescribeRegions` without opt-in regions not opted into). */
export async function listEnabledRegions(ec2: EC2Client, signal?: AbortSignal): Promise<string[]> {
  const answer = await ec2.send(new DescribeRegionsCommand({ AllRegions: false }), { abortSignal: signal });
  return (answer.Regions ?? [])
    .filter((region) => region.OptInStatus !== 'not-opted-in')
    .map((region) => region.RegionName!)
    .filter((name) => name !== undefined)
    .sort();
}
