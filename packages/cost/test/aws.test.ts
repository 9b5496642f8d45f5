import {
  CostExplorerClient,
  GetCostAndUsageCommand,
  ListCostAllocationTagsCommand,
} from '@aws-sdk/client-cost-explorer';
import { GetProductsCommand, PricingClient } from '@aws-sdk/client-pricing';
import { createVirtualTime } from '@lab/core';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import 'aws-sdk-client-mock-vitest/extend';
import { actualCost, fetchOnDemandPrices, withPrices } from '../src/aws.js';
import { estimateCost, PRICE_TABLE } from '../src/index.js';

const ce = mockClient(CostExplorerClient);
const pricing = mockClient(PricingClient);
beforeEach(() => {
  ce.reset();
  pricing.reset();
});

const day = (amount: string, service = 'Amazon Elastic Compute Cloud - Compute') => ({
  Groups: [{ Keys: [service], Metrics: { UnblendedCost: { Amount: amount, Unit: 'USD' } } }],
});
const start = new Date('2026-11-20T10:00:00Z');
const end = new Date('2026-11-20T14:00:00Z');

describe('actualCost', () => {
  it('sums every page, grouped by service, filtered by the ExperimentID tag', async () => {
    ce.on(ListCostAllocationTagsCommand).resolves({
      CostAllocationTags: [{ TagKey: 'ExperimentID', Type: 'UserDefined', Status: 'Active' }],
    });
    ce.on(GetCostAndUsageCommand)
      .resolvesOnce({ ResultsByTime: [day('1.25'), day('0.25', 'EC2 - Other')], NextPageToken: 'p2' })
      .resolvesOnce({ ResultsByTime: [day('0.50')] });
    const time = createVirtualTime(Date.parse('2026-11-23T00:00:00Z'));
    const cost = await actualCost({
      ce: ce as unknown as CostExplorerClient,
      experimentId: 'exp-20261120-100000',
      start,
      end,
      clock: time.clock,
    });
    expect(cost).toEqual({
      status: 'available',
      total: 2,
      currency: 'USD',
      byService: { 'Amazon Elastic Compute Cloud - Compute': 1.75, 'EC2 - Other': 0.25 },
      start: '2026-11-20',
      end: '2026-11-21',
    });
    expect(ce).toHaveReceivedCommandTimes(GetCostAndUsageCommand, 2);
    expect(ce).toHaveReceivedNthCommandWith(GetCostAndUsageCommand, 1, {
      TimePeriod: { Start: '2026-11-20', End: '2026-11-21' },
      Filter: { Tags: { Key: 'ExperimentID', Values: ['exp-20261120-100000'], MatchOptions: ['EQUALS'] } },
    });
    expect(ce).toHaveReceivedNthCommandWith(GetCostAndUsageCommand, 2, { NextPageToken: 'p2' });
  });

  it('explains how to activate the tag when it is not a cost allocation tag', async () => {
    ce.on(ListCostAllocationTagsCommand).resolves({
      CostAllocationTags: [{ TagKey: 'ExperimentID', Type: 'UserDefined', Status: 'Inactive' }],
    });
    const cost = await actualCost({
      ce: ce as unknown as CostExplorerClient,
      experimentId: 'e1',
      start,
      end,
    });
    expect(cost.status).toBe('not-activated');
    expect(cost).toMatchObject({ hint: expect.stringMatching(/cost allocation tag.*24 hours/s) });
    expect(ce).toHaveReceivedCommandTimes(GetCostAndUsageCommand, 0);
  });

  it('reports the ~24 h delay when nothing is visible yet', async () => {
    ce.on(ListCostAllocationTagsCommand).rejects(
      Object.assign(new Error('denied'), { name: 'AccessDeniedException' }),
    );
    ce.on(GetCostAndUsageCommand).resolves({ ResultsByTime: [{ Groups: [] }] });
    const time = createVirtualTime(end.getTime() + 3_600_000);
    const cost = await actualCost({
      ce: ce as unknown as CostExplorerClient,
      experimentId: 'e1',
      start,
      end,
      clock: time.clock,
    });
    expect(cost).toMatchObject({ status: 'pending', message: expect.stringMatching(/24 hours/) });
  });

  it('never throws: missing permission becomes an explained status', async () => {
    ce.on(ListCostAllocationTagsCommand).resolves({
      CostAllocationTags: [{ TagKey: 'ExperimentID', Type: 'UserDefined', Status: 'Active' }],
    });
    ce.on(GetCostAndUsageCommand).rejects(Object.assign(new Error('no'), { name: 'AccessDeniedException' }));
    const cost = await actualCost({
      ce: ce as unknown as CostExplorerClient,
      experimentId: 'e1',
      start,
      end,
    });
    expect(cost).toMatchObject({ status: 'unavailable', hint: expect.stringMatching(/ce:GetCostAndUsage/) });
  });
});

describe('Pricing API', () => {
  const product = (usd: string) =>
    JSON.stringify({
      product: { attributes: { instanceType: 'm7g.large' } },
      terms: {
        OnDemand: { 'X.Y': { priceDimensions: { 'X.Y.Z': { unit: 'Hrs', pricePerUnit: { USD: usd } } } } },
      },
    });

  it('reads on-demand hourly prices and merges them into the table', async () => {
    pricing.on(GetProductsCommand).resolves({ PriceList: [product('0.0816')] });
    const prices = await fetchOnDemandPrices({
      pricing: pricing as unknown as PricingClient,
      region: 'us-east-1',
      instanceTypes: ['m7g.large'],
    });
    expect(prices).toEqual({ 'm7g.large': 0.0816 });
    expect(pricing).toHaveReceivedCommandWith(GetProductsCommand, {
      ServiceCode: 'AmazonEC2',
      Filters: expect.arrayContaining([{ Type: 'TERM_MATCH', Field: 'regionCode', Value: 'us-east-1' }]),
    });
    const table = withPrices(PRICE_TABLE, 'us-east-1', prices, '2026-11-27');
    const estimate = estimateCost({
      region: 'us-east-1',
      durationHours: 1,
      prices: table,
      fleet: [{ name: 'b', count: 1, instanceType: 'm7g.large', rootVolumeGb: 0 }],
    });
    // 0.0816 for the instance-hour, 0.005 for its public IPv4 address.
    expect(estimate.total).toBeCloseTo(0.0866, 10);
    expect(estimate.priceTableDate).toBe('2026-11-27');
  });

  it('follows pages until a price is found and reports a failure with a hint', async () => {
    pricing
      .on(GetProductsCommand)
      .resolvesOnce({ PriceList: [JSON.stringify({ terms: {} })], NextToken: 't' })
      .resolvesOnce({ PriceList: [product('1.5')] });
    await expect(
      fetchOnDemandPrices({
        pricing: pricing as unknown as PricingClient,
        region: 'us-east-1',
        instanceTypes: ['z'],
      }),
    ).resolves.toEqual({ z: 1.5 });
    pricing.reset();
    pricing
      .on(GetProductsCommand)
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    await expect(
      fetchOnDemandPrices({
        pricing: pricing as unknown as PricingClient,
        region: 'us-east-1',
        instanceTypes: ['z'],
      }),
    ).rejects.toMatchObject({
      code: 'PRICING_FAILED',
      hint: expect.stringMatching(/shipped price table/),
    });
  });
});
