import { describe, expect, it } from 'vitest';
import {
  costPerMillionMessages,
  endpointsCheaperAbove,
  estimateCost,
  formatUsd,
  needsConfirmation,
  PRICE_TABLE,
} from '../src/index.js';

describe('estimateCost', () => {
  it('matches a hand-computed bookie fleet: instances, storage, IOPS and throughput above baseline', () => {
    const estimate = estimateCost({
      region: 'us-east-1',
      durationHours: 2,
      fleet: [
        {
          name: 'bookkeeper',
          count: 3,
          instanceType: 'i4i.xlarge',
          rootVolumeGb: 30,
          volumes: [{ sizeGb: 100, iops: 6000, throughputMBps: 250 }, { sizeGb: 500 }],
        },
      ],
    });
    // 3 × 2 h × $0.343
    expect(estimate.lines[0]).toMatchObject({ item: 'instances', cost: expect.closeTo(2.058, 10) });
    // (30 + 100 + 500) GB × 3 × 2 h × $0.08 / 730
    expect(estimate.lines[1]).toMatchObject({ item: 'storage', cost: expect.closeTo(302.4 / 730, 10) });
    // (6000 − 3000) × 3 IOPS × 2 h × $0.005 / 730
    expect(estimate.lines[2]).toMatchObject({ item: 'iops', cost: expect.closeTo(90 / 730, 10) });
    // (250 − 125) × 3 MB/s × 2 h × $0.04 / 730
    expect(estimate.lines[3]).toMatchObject({ item: 'throughput', cost: expect.closeTo(30 / 730, 10) });
    // 3 public IPv4 addresses × 2 h × $0.005 (the default network)
    expect(estimate.lines[4]).toMatchObject({
      group: 'network',
      item: 'public-ipv4',
      cost: expect.closeTo(0.03, 10),
    });
    expect(estimate.total).toBeCloseTo(2.058 + 422.4 / 730 + 0.03, 10);
    expect(estimate.complete).toBe(true);
    expect(estimate.priceTableDate).toBe(PRICE_TABLE.asOf);
  });

  it('adds groups and skips empty ones', () => {
    const estimate = estimateCost({
      region: 'eu-west-1',
      durationHours: 1.5,
      fleet: [
        { name: 'zookeeper', count: 3, instanceType: 't3.small', rootVolumeGb: 20 },
        { name: 'client', count: 0, instanceType: 'c5.2xlarge', rootVolumeGb: 20 },
      ],
    });
    // 3 × 1.5 × 0.0228 + 60 GB × 1.5 h × 0.088 / 730 + 3 addresses × 1.5 h × 0.005
    expect(estimate.total).toBeCloseTo(0.1026 + 7.92 / 730 + 0.0225, 10);
    expect(estimate.lines.map((line) => line.group)).toEqual(['zookeeper', 'zookeeper', 'network']);
  });

  it('lists instance types without a price instead of guessing, and marks spot as an upper bound', () => {
    const estimate = estimateCost({
      region: 'us-east-1',
      durationHours: 1,
      fleet: [{ name: 'broker', count: 2, instanceType: 'x9z.huge', rootVolumeGb: 10, spot: true }],
    });
    expect(estimate.complete).toBe(false);
    expect(estimate.missingPrices).toEqual(['x9z.huge']);
    expect(estimate.lines.map((line) => line.item)).toEqual(['storage', 'public-ipv4']);
    expect(estimate.notes.join('\n')).toMatch(/spot instances priced on demand/);
    expect(needsConfirmation(estimate, 1000)).toBe(true);
  });

  it('refuses unknown regions and bad numbers with every problem listed', () => {
    expect(() =>
      estimateCost({
        region: 'mars-1',
        durationHours: -1,
        fleet: [{ name: 'b', count: 1.5, instanceType: 't3.small', rootVolumeGb: 8 }],
      }),
    ).toThrow(
      expect.objectContaining({
        code: 'VALIDATION_FAILED',
        issues: [
          expect.objectContaining({ path: 'durationHours' }),
          expect.objectContaining({ path: 'fleet.0.count' }),
          expect.objectContaining({ path: 'region' }),
        ],
      }),
    );
  });

  it('asks for confirmation only above the threshold', () => {
    const estimate = estimateCost({
      region: 'us-east-1',
      durationHours: 10,
      fleet: [{ name: 'b', count: 1, instanceType: 'm5.large', rootVolumeGb: 0 }],
    });
    expect(estimate.total).toBeCloseTo(0.96 + 0.05, 10);
    expect(needsConfirmation(estimate, 1.1)).toBe(false);
    expect(needsConfirmation(estimate, 0.5)).toBe(true);
  });
});

describe('the network: public IPv4 addresses or interface endpoints', () => {
  const fleet = [
    { name: 'zookeeper', count: 3, instanceType: 't3.small', rootVolumeGb: 0 },
    { name: 'bookkeeper', count: 3, instanceType: 't3.large', rootVolumeGb: 0 },
    { name: 'broker', count: 2, instanceType: 't3.medium', rootVolumeGb: 0 },
    { name: 'client', count: 2, instanceType: 't3.medium', rootVolumeGb: 0 },
  ];
  const networkLine = (network?: { publicIps: boolean; availabilityZones: number }) =>
    estimateCost({
      region: 'us-east-1',
      durationHours: 4,
      fleet,
      ...(network === undefined ? {} : { network }),
    }).lines.filter((line) => line.group === 'network');

  it('prices every public IPv4 address hourly: 10 instances × 4 h × $0.005', () => {
    expect(networkLine()).toEqual([
      {
        group: 'network',
        item: 'public-ipv4',
        description: '10 public IPv4 address(es) × 4 h @ $0.005/h',
        cost: expect.closeTo(0.2, 10),
      },
    ]);
    expect(networkLine({ publicIps: true, availabilityZones: 3 })[0]!.cost).toBeCloseTo(0.2, 10);
  });

  it('prices 3 interface endpoints per AZ-hour instead, and notes the per-GB charge', () => {
    const estimate = estimateCost({
      region: 'us-east-1',
      durationHours: 4,
      fleet,
      network: { publicIps: false, availabilityZones: 2 },
    });
    expect(estimate.lines.filter((line) => line.group === 'network')).toEqual([
      {
        group: 'network',
        item: 'vpc-endpoints',
        description: '3 interface endpoints × 2 AZ × 4 h @ $0.010/h',
        cost: expect.closeTo(0.24, 10),
      },
    ]);
    expect(estimate.notes.join('\n')).toMatch(/\$0\.01 per GB processed/);
  });

  it('says from which cluster size endpoints are cheaper: above 6 instances per AZ', () => {
    const vpc = PRICE_TABLE.regions['us-east-1']!.vpc;
    expect([1, 2, 3].map((zones) => endpointsCheaperAbove(zones, vpc))).toEqual([6, 12, 18]);
    // 10 instances in 1 AZ: $0.05/h with public IPs, $0.03/h with endpoints.
    expect(networkLine({ publicIps: false, availabilityZones: 1 })[0]!.cost).toBeLessThan(
      networkLine()[0]!.cost,
    );
  });

  it('refuses a network without availability zones', () => {
    expect(() =>
      estimateCost({
        region: 'us-east-1',
        durationHours: 1,
        fleet,
        network: { publicIps: false, availabilityZones: 0 },
      }),
    ).toThrow(
      expect.objectContaining({ issues: [expect.objectContaining({ path: 'network.availabilityZones' })] }),
    );
  });
});

describe('helpers', () => {
  it('computes cost per million messages', () => {
    expect(costPerMillionMessages(2.5, 50_000_000)).toBeCloseTo(0.05, 12);
    expect(costPerMillionMessages(2.5, 0)).toBeUndefined();
    expect(formatUsd(1.23456)).toBe('$1.23');
  });

  it('ships a dated table with gp3 prices for every region', () => {
    expect(PRICE_TABLE.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    for (const [region, prices] of Object.entries(PRICE_TABLE.regions)) {
      expect(prices.ebs.gp3GbMonth, region).toBeGreaterThan(0);
      expect(prices.vpc, region).toEqual({
        publicIpv4Hour: 0.005,
        interfaceEndpointAzHour: 0.01,
        interfaceEndpointGb: 0.01,
      });
      expect(Object.keys(prices.instances).length, region).toBeGreaterThan(10);
    }
  });
});
