import { ValidationError, type ValidationIssue } from '@lab/core';
import shippedPrices from '../data/prices.json' with { type: 'json' };

/** Prices for one region: EC2 on-demand per instance-hour, EBS gp3 per month, VPC per hour. */
export interface RegionPrices {
  ebs: { gp3GbMonth: number; gp3IopsMonth: number; gp3ThroughputMbpsMonth: number };
  /** Every public IPv4 address per hour; an interface endpoint per AZ-hour and per GB processed. */
  vpc: { publicIpv4Hour: number; interfaceEndpointAzHour: number; interfaceEndpointGb: number };
  instances: Record<string, number>;
}

/** A dated price table; the shipped one is `PRICE_TABLE`. */
export interface PriceTable {
  asOf: string;
  currency: string;
  source: string;
  regions: Record<string, RegionPrices>;
}

export const PRICE_TABLE: PriceTable = shippedPrices;

/** gp3 includes this much performance in its per-GB price. */
export const GP3_BASELINE = { iops: 3000, throughputMBps: 125 } as const;
/** AWS prorates monthly EBS prices over 730 hours. */
export const HOURS_PER_MONTH = 730;

export interface VolumeSpec {
  sizeGb: number;
  iops?: number;
  throughputMBps?: number;
}

/** A group of identical instances, e.g. the three bookies. */
export interface FleetGroup {
  name: string;
  count: number;
  instanceType: string;
  rootVolumeGb: number;
  /** Extra gp3 volumes per instance (e.g. journal and ledgers). */
  volumes?: VolumeSpec[];
  spot?: boolean;
}

/**
 * How instances reach SSM. Public IPs: one billed public IPv4 address per instance. Endpoints:
 * `interfaceEndpoints` interface VPC endpoints (ssm, ssmmessages, ec2messages: 3), each in every
 * availability zone; the S3 gateway endpoint is free.
 */
export interface NetworkSpec {
  publicIps: boolean;
  /** Availability zones the subnets (and so the endpoints) span. */
  availabilityZones: number;
  /** Default 3. */
  interfaceEndpoints?: number;
}

/** The lab's interface endpoints: ssm, ssmmessages, ec2messages. */
export const LAB_INTERFACE_ENDPOINTS = 3;

export interface CostLine {
  group: string;
  item: 'instances' | 'storage' | 'iops' | 'throughput' | 'public-ipv4' | 'vpc-endpoints';
  description: string;
  cost: number;
}

export interface CostEstimate {
  region: string;
  durationHours: number;
  currency: string;
  priceTableDate: string;
  total: number;
  lines: CostLine[];
  /** Instance types the price table has no price for; `total` leaves them out. */
  missingPrices: string[];
  /** True when every item was priced. */
  complete: boolean;
  notes: string[];
}

export interface EstimateOptions {
  region: string;
  fleet: readonly FleetGroup[];
  durationHours: number;
  /** Default: public IPs (one public IPv4 address per instance), the lab's default network. */
  network?: NetworkSpec;
  prices?: PriceTable;
}

/**
 * Estimates what a fleet costs for `durationHours`: instance-hours × on-demand price, plus gp3
 * storage, IOPS above 3,000 and throughput above 125 MB/s, prorated per hour, plus the network:
 * a public IPv4 address per instance, or the interface endpoints per AZ-hour. Spot groups are
 * priced on demand (an upper bound). Unknown instance types are listed, never guessed.
 */
export function estimateCost(options: EstimateOptions): CostEstimate {
  const prices = options.prices ?? PRICE_TABLE;
  const issues: ValidationIssue[] = [];
  if (!(options.durationHours >= 0) || !Number.isFinite(options.durationHours)) {
    issues.push({
      path: 'durationHours',
      message: 'must be a finite number ≥ 0',
      received: String(options.durationHours),
    });
  }
  options.fleet.forEach((group, index) => {
    if (!Number.isInteger(group.count) || group.count < 0) {
      issues.push({
        path: `fleet.${index}.count`,
        message: 'must be an integer ≥ 0',
        received: String(group.count),
      });
    }
  });
  const network = options.network ?? { publicIps: true, availabilityZones: 1 };
  if (!Number.isInteger(network.availabilityZones) || network.availabilityZones < 1) {
    issues.push({
      path: 'network.availabilityZones',
      message: 'must be an integer ≥ 1',
      received: String(network.availabilityZones),
    });
  }
  const regionPrices = prices.regions[options.region];
  if (regionPrices === undefined) {
    issues.push({
      path: 'region',
      message: 'the price table has no prices for this region',
      expected: Object.keys(prices.regions).join(', '),
      received: options.region,
    });
  }
  if (issues.length > 0 || regionPrices === undefined) {
    throw new ValidationError('Cannot estimate cost', issues, {
      hint: 'Use a region of the price table, or fetch prices with the AWS Pricing API (@lab/cost/aws).',
    });
  }

  const hours = options.durationHours;
  const perHour = (monthly: number) => monthly / HOURS_PER_MONTH;
  const lines: CostLine[] = [];
  const missing = new Set<string>();
  const notes: string[] = [];
  for (const group of options.fleet) {
    if (group.count === 0) continue;
    const hourly = regionPrices.instances[group.instanceType];
    if (hourly === undefined) {
      missing.add(group.instanceType);
    } else {
      lines.push({
        group: group.name,
        item: 'instances',
        description: `${group.count} × ${group.instanceType} × ${formatHours(hours)} @ ${formatUsd(hourly, 4)}/h`,
        cost: group.count * hours * hourly,
      });
    }
    if (group.spot === true) notes.push(`${group.name}: spot instances priced on demand (an upper bound)`);
    const volumes: VolumeSpec[] = [{ sizeGb: group.rootVolumeGb }, ...(group.volumes ?? [])];
    const gb = volumes.reduce((sum, volume) => sum + volume.sizeGb, 0) * group.count;
    lines.push({
      group: group.name,
      item: 'storage',
      description: `${gb} GB gp3 × ${formatHours(hours)}`,
      cost: gb * hours * perHour(regionPrices.ebs.gp3GbMonth),
    });
    const extraIops =
      volumes.reduce(
        (sum, volume) => sum + Math.max(0, (volume.iops ?? GP3_BASELINE.iops) - GP3_BASELINE.iops),
        0,
      ) * group.count;
    if (extraIops > 0) {
      lines.push({
        group: group.name,
        item: 'iops',
        description: `${extraIops} IOPS above the gp3 baseline × ${formatHours(hours)}`,
        cost: extraIops * hours * perHour(regionPrices.ebs.gp3IopsMonth),
      });
    }
    const extraThroughput =
      volumes.reduce(
        (sum, volume) =>
          sum +
          Math.max(0, (volume.throughputMBps ?? GP3_BASELINE.throughputMBps) - GP3_BASELINE.throughputMBps),
        0,
      ) * group.count;
    if (extraThroughput > 0) {
      lines.push({
        group: group.name,
        item: 'throughput',
        description: `${extraThroughput} MB/s above the gp3 baseline × ${formatHours(hours)}`,
        cost: extraThroughput * hours * perHour(regionPrices.ebs.gp3ThroughputMbpsMonth),
      });
    }
  }
  const instanceCount = options.fleet.reduce((sum, group) => sum + group.count, 0);
  lines.push(...networkLines(network, instanceCount, hours, regionPrices.vpc));
  if (!network.publicIps) {
    notes.push(
      `interface endpoints also bill ${formatUsd(regionPrices.vpc.interfaceEndpointGb)} per GB processed (SSM traffic only: small; not estimated)`,
    );
  }
  if (missing.size > 0) {
    notes.push(`no price for ${[...missing].join(', ')} in ${options.region}: the total leaves them out`);
  }
  return {
    region: options.region,
    durationHours: hours,
    currency: prices.currency,
    priceTableDate: prices.asOf,
    total: lines.reduce((sum, line) => sum + line.cost, 0),
    lines,
    missingPrices: [...missing],
    complete: missing.size === 0,
    notes,
  };
}

function networkLines(
  network: NetworkSpec,
  instances: number,
  hours: number,
  vpc: RegionPrices['vpc'],
): CostLine[] {
  if (network.publicIps) {
    if (instances === 0) return [];
    return [
      {
        group: 'network',
        item: 'public-ipv4',
        description: `${instances} public IPv4 address(es) × ${formatHours(hours)} @ ${formatUsd(vpc.publicIpv4Hour, 3)}/h`,
        cost: instances * hours * vpc.publicIpv4Hour,
      },
    ];
  }
  const endpoints = network.interfaceEndpoints ?? LAB_INTERFACE_ENDPOINTS;
  return [
    {
      group: 'network',
      item: 'vpc-endpoints',
      description: `${endpoints} interface endpoints × ${network.availabilityZones} AZ × ${formatHours(hours)} @ ${formatUsd(vpc.interfaceEndpointAzHour, 3)}/h`,
      cost: endpoints * network.availabilityZones * hours * vpc.interfaceEndpointAzHour,
    },
  ];
}

/**
 * From how many instances interface endpoints cost less per hour than public IPs: endpoints
 * cost `interfaceEndpoints × AZs × endpoint price`, public IPs `instances × IPv4 price`
 * (US$0.03 vs US$0.005 per instance per hour with one AZ: endpoints win above 6 instances).
 */
export function endpointsCheaperAbove(
  availabilityZones: number,
  vpc: RegionPrices['vpc'],
  interfaceEndpoints = LAB_INTERFACE_ENDPOINTS,
): number {
  return Math.floor(
    (interfaceEndpoints * availabilityZones * vpc.interfaceEndpointAzHour) / vpc.publicIpv4Hour,
  );
}

/** Dollars per million messages; undefined when no message was sent. */
export function costPerMillionMessages(cost: number, messages: number): number | undefined {
  return messages > 0 ? (cost / messages) * 1_000_000 : undefined;
}

/** Whether an estimate is above the threshold at which `setup` asks before spending. */
export function needsConfirmation(estimate: CostEstimate, thresholdUsd: number): boolean {
  return !estimate.complete || estimate.total > thresholdUsd;
}

export function formatUsd(amount: number, decimals = 2): string {
  return `$${amount.toFixed(decimals)}`;
}

function formatHours(hours: number): string {
  return `${Number(hours.toFixed(2))} h`;
}
