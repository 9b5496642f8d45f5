// The caller's AbortSignal (Ctrl-C) across a whole cleanup with the real SDK: discovery and
// deletion run many requests at once, and the SDK adds an abort listener per request in flight.
// Shared directly, they piled up on the caller's signal (lab-cleanup printed "MaxListenersExceeded
// Warning: Possible EventTarget memory leak detected. 11 abort listeners added to [AbortSignal]").
import { getEventListeners } from 'node:events';
import { EC2Client } from '@aws-sdk/client-ec2';
import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';
import {
  buildTopology,
  countResources,
  describeWithMoto,
  type MotoAccount,
  motoAccount,
  survivors,
} from '@lab/test-support';
import { afterEach, expect, it } from 'vitest';
import { createAwsProvider } from '../src/aws/index.js';
import { cleanup } from '../src/index.js';

/** EC2 clients whose every request records how many abort listeners the caller's signal has. */
function watchedProvider(account: MotoAccount, signal: AbortSignal, peak: { listeners: number }) {
  const watch = <C extends { middlewareStack: EC2Client['middlewareStack'] }>(client: C): C => {
    client.middlewareStack.add(
      (next) => async (args) => {
        // Measured after the SDK registered this request's listeners (the middleware runs inside).
        peak.listeners = Math.max(peak.listeners, getEventListeners(signal, 'abort').length);
        return next(args);
      },
      { step: 'finalizeRequest', name: 'countAbortListeners' },
    );
    return client;
  };
  return createAwsProvider({
    homeRegion: account.region,
    clients: (region) => {
      const connection = { ...account.connection, region };
      return {
        ec2: watch(new EC2Client(connection)),
        iam: new IAMClient(connection),
        s3: new S3Client(connection),
        sts: new STSClient(connection),
      };
    },
    waitSchedule: { initialDelayMs: 50, factor: 1.5, maxDelayMs: 500 },
  });
}

const warnings: Error[] = [];
const onWarning = (warning: Error) => warnings.push(warning);
afterEach(() => {
  process.off('warning', onWarning);
});

describeWithMoto("the caller's abort signal during a cleanup against moto", () => {
  it('carries one listener at a time, none afterwards, and Node never warns', async () => {
    process.on('warning', onWarning);
    const account = await motoAccount();
    const topology = await buildTopology(account, 'exp-20260101-000042');
    expect(countResources(topology)).toBeGreaterThanOrEqual(20);
    const controller = new AbortController();
    const peak = { listeners: 0 };
    const result = await cleanup({
      provider: watchedProvider(account, controller.signal, peak),
      selector: { kind: 'experiment', experimentId: 'exp-20260101-000042' },
      regions: [account.region],
      excludeTypes: ['placement-group'],
      execute: true,
      // The topology tags an AMI of its own: delete it too, so the cleanup can be complete.
      includeImages: true,
      roundDelay: { initialDelayMs: 50, maxDelayMs: 200 },
      signal: controller.signal,
    });
    expect(result.complete).toBe(true);
    expect(await survivors(account, topology)).toEqual([]);
    expect(peak.listeners).toBeGreaterThan(0);
    expect(peak.listeners).toBeLessThanOrEqual(2);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    expect(warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning')).toEqual([]);
  });
});
