import { CostExplorerClient } from '@aws-sdk/client-cost-explorer';
import { describeWithMoto, motoAccount } from '@lab/test-support';
import { expect, it } from 'vitest';
import { actualCost } from '../src/aws.js';

describeWithMoto('actualCost against moto', () => {
  it('sends a request Cost Explorer accepts and reads its response shape', async () => {
    const account = await motoAccount();
    const ce = new CostExplorerClient(account.connection);
    const cost = await actualCost({
      ce,
      experimentId: 'exp-20261120-100000',
      start: new Date('2026-11-20T10:00:00Z'),
      end: new Date('2026-11-20T14:00:00Z'),
      clock: { now: () => Date.parse('2026-11-25T00:00:00Z') },
    });
    // moto answers GetCostAndUsage with an empty result unless told otherwise: zero, available.
    expect(cost).toMatchObject({ status: 'available', total: 0, start: '2026-11-20', end: '2026-11-21' });
  });
});
