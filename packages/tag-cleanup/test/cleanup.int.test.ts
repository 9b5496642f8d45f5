import { EC2Client } from '@aws-sdk/client-ec2';
import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';
import { describeWithMoto, type MotoAccount, motoAccount } from '@lab/test-support';
import { expect, it } from 'vitest';
import { createAwsProvider } from '../src/aws/index.js';
import { cleanup } from '../src/index.js';
import { buildTopology, countResources, labTagsFor, survivors } from './support/topology.js';

const providerFor = (account: MotoAccount) =>
  createAwsProvider({
    homeRegion: account.region,
    clients: (region) => {
      const connection = { ...account.connection, region };
      return {
        ec2: new EC2Client(connection),
        iam: new IAMClient(connection),
        s3: new S3Client(connection),
        sts: new STSClient(connection),
      };
    },
    waitSchedule: { initialDelayMs: 50, factor: 1.5, maxDelayMs: 500 },
  });

// moto's limits, checked against 5.2.1: placement groups are not implemented (every call is
// a 500), so they are excluded here; the unit tests cover them with a mocked SDK.
const EXCLUDE = ['placement-group'] as const;

describeWithMoto('cleanup against moto (library)', () => {
  it('plans an experiment without changing anything, then deletes exactly it', async () => {
    const account = await motoAccount();
    const a = await buildTopology(account, 'exp-20260101-000001');
    const b = await buildTopology(account, 'exp-20260101-000002', { cidr: '10.1.0.0/16' });
    const provider = providerFor(account);
    const dry = await cleanup({
      provider,
      selector: { kind: 'experiment', experimentId: 'exp-20260101-000001' },
      regions: ['us-east-1'],
      excludeTypes: [...EXCLUDE],
    });
    expect(dry.complete).toBe(true);
    expect(dry.plan.steps).toHaveLength(countResources(a));
    expect(await survivors(account, a)).toHaveLength(countResources(a));

    const result = await cleanup({
      provider,
      selector: { kind: 'experiment', experimentId: 'exp-20260101-000001' },
      regions: ['us-east-1'],
      excludeTypes: [...EXCLUDE],
      execute: true,
      roundDelay: { initialDelayMs: 50, maxDelayMs: 200 },
    });
    expect(result.remaining).toEqual([]);
    expect(result.complete).toBe(true);
    expect(await survivors(account, a)).toEqual([]);
    expect(await survivors(account, b)).toHaveLength(countResources(b));
    expect(labTagsFor('x').Project).toBe('pulsar-aws-lab');
  });
});
