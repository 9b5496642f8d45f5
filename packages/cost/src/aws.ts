import {
  type CostExplorerClient,
  GetCostAndUsageCommand,
  type GetCostAndUsageCommandOutput,
  ListCostAllocationTagsCommand,
} from '@aws-sdk/client-cost-explorer';
import { GetProductsCommand, type PricingClient } from '@aws-sdk/client-pricing';
import { retry } from '@lab/backoff';
import {
  awsErrorCode,
  type Clock,
  errorMessage,
  LabError,
  type Sleep,
  systemClock,
  TAG_KEYS,
} from '@lab/core';
import type { PriceTable } from './estimate.js';

/** What Cost Explorer could tell about an experiment's spend. Never an exception. */
export type ActualCost =
  | {
      status: 'available';
      total: number;
      currency: string;
      byService: Record<string, number>;
      start: string;
      end: string;
    }
  | { status: 'not-activated' | 'pending' | 'unavailable'; message: string; hint: string };

export interface ActualCostOptions {
  ce: CostExplorerClient;
  experimentId: string;
  /** When the experiment's resources were created. */
  start: Date;
  /** When they were destroyed (default: now). */
  end?: Date;
  clock?: Clock;
  /** How retries of throttled calls wait; injectable for tests. */
  sleep?: Sleep;
}

const ACTIVATION_HINT =
  `Activate "${TAG_KEYS.experimentId}" as a cost allocation tag (Billing console → Cost allocation tags, or ` +
  `aws ce update-cost-allocation-tags-status); Cost Explorer shows tagged costs about 24 hours after they occur.`;
const DAY_MS = 86_400_000;

/**
 * Actual cost of an experiment from Cost Explorer, filtered by its `ExperimentID` tag and
 * grouped by service (paginated). Missing permissions, a tag that is not activated for cost
 * allocation, and data not yet available are reported as a status with an explanation: cost
 * data is an enhancement and never fails a run.
 */
export async function actualCost(options: ActualCostOptions): Promise<ActualCost> {
  const clock = options.clock ?? systemClock;
  const end = options.end ?? new Date(clock.now());
  const activation = await tagActivation(options.ce);
  if (activation === 'inactive') {
    return {
      status: 'not-activated',
      message: `The ${TAG_KEYS.experimentId} tag is not activated for cost allocation, so Cost Explorer cannot attribute costs to this experiment.`,
      hint: ACTIVATION_HINT,
    };
  }
  const startDay = options.start.toISOString().slice(0, 10);
  // Cost Explorer's End is exclusive: include the day the experiment ended.
  const endDay = new Date(end.getTime() + DAY_MS).toISOString().slice(0, 10);
  const byService: Record<string, number> = {};
  let currency = 'USD';
  try {
    let token: string | undefined;
    do {
      const page: GetCostAndUsageCommandOutput = await retry(
        () =>
          options.ce.send(
            new GetCostAndUsageCommand({
              TimePeriod: { Start: startDay, End: endDay },
              Granularity: 'DAILY',
              Metrics: ['UnblendedCost'],
              Filter: {
                Tags: {
                  Key: TAG_KEYS.experimentId,
                  Values: [options.experimentId],
                  MatchOptions: ['EQUALS'],
                },
              },
              GroupBy: [{ Type: 'DIMENSION', Key: 'SERVICE' }],
              ...(token === undefined ? {} : { NextPageToken: token }),
            }),
          ),
        { clock, ...(options.sleep === undefined ? {} : { sleep: options.sleep }) },
      );
      for (const period of page.ResultsByTime ?? []) {
        for (const group of period.Groups ?? []) {
          const metric = group.Metrics?.UnblendedCost;
          const service = group.Keys?.[0] ?? 'unknown';
          if (metric?.Amount !== undefined) {
            byService[service] = (byService[service] ?? 0) + Number(metric.Amount);
            currency = metric.Unit ?? currency;
          }
        }
      }
      token = page.NextPageToken;
    } while (token !== undefined);
  } catch (error) {
    const code = awsErrorCode(error);
    return {
      status: 'unavailable',
      message: `Cost Explorer did not answer (${code ?? 'error'}): ${errorMessage(error)}`,
      hint:
        code === 'AccessDeniedException' || code === 'AccessDenied'
          ? 'Grant ce:GetCostAndUsage to see actual costs; the local estimate stays available.'
          : code === 'DataUnavailableException'
            ? 'Cost Explorer has no data for this period yet; try again in about 24 hours.'
            : 'The local estimate stays available; try again later.',
    };
  }
  const total = Object.values(byService).reduce((sum, amount) => sum + amount, 0);
  if (total === 0 && clock.now() - end.getTime() < DAY_MS) {
    return {
      status: 'pending',
      message: 'Cost Explorer shows no cost for this experiment yet: its data lags by up to 24 hours.',
      hint: activation === 'unknown' ? `Try again tomorrow. ${ACTIVATION_HINT}` : 'Try again tomorrow.',
    };
  }
  return { status: 'available', total, currency, byService, start: startDay, end: endDay };
}

async function tagActivation(ce: CostExplorerClient): Promise<'active' | 'inactive' | 'unknown'> {
  try {
    // One attempt (plus the SDK's own retries): this is only a hint for a better message.
    const response = await ce.send(new ListCostAllocationTagsCommand({ TagKeys: [TAG_KEYS.experimentId] }));
    const tag = response.CostAllocationTags?.find((entry) => entry.TagKey === TAG_KEYS.experimentId);
    return tag?.Status === 'Active' ? 'active' : 'inactive';
  } catch {
    // Without ce:ListCostAllocationTags (or on emulators) the activation state is unknown, not an error.
    return 'unknown';
  }
}

export interface FetchPricesOptions {
  pricing: PricingClient;
  region: string;
  instanceTypes: readonly string[];
}

/**
 * On-demand Linux prices from the AWS Pricing API (needs `pricing:GetProducts`; the API lives in
 * us-east-1 and a few other regions, so pass a client for one of those). Returns the types it
 * found; the caller merges them into a price table with `withPrices`.
 */
export async function fetchOnDemandPrices(options: FetchPricesOptions): Promise<Record<string, number>> {
  const found: Record<string, number> = {};
  for (const instanceType of options.instanceTypes) {
    let token: string | undefined;
    do {
      const page = await retry(() =>
        options.pricing.send(
          new GetProductsCommand({
            ServiceCode: 'AmazonEC2',
            Filters: [
              { Type: 'TERM_MATCH', Field: 'instanceType', Value: instanceType },
              { Type: 'TERM_MATCH', Field: 'regionCode', Value: options.region },
              { Type: 'TERM_MATCH', Field: 'operatingSystem', Value: 'Linux' },
              { Type: 'TERM_MATCH', Field: 'tenancy', Value: 'Shared' },
              { Type: 'TERM_MATCH', Field: 'preInstalledSw', Value: 'NA' },
              { Type: 'TERM_MATCH', Field: 'capacitystatus', Value: 'Used' },
            ],
            ...(token === undefined ? {} : { NextToken: token }),
          }),
        ),
      ).catch((error: unknown) => {
        throw new LabError(
          'PRICING_FAILED',
          `Pricing API failed for ${instanceType}: ${errorMessage(error)}`,
          {
            cause: error,
            hint: 'Fall back to the shipped price table (omit the Pricing API option).',
          },
        );
      });
      for (const entry of page.PriceList ?? []) {
        const price = onDemandHourly(String(entry));
        if (price !== undefined) found[instanceType] = price;
      }
      token = page.NextToken;
    } while (token !== undefined && found[instanceType] === undefined);
  }
  return found;
}

/** A copy of `table` with `instances` prices for `region` replaced or added. */
export function withPrices(
  table: PriceTable,
  region: string,
  instances: Record<string, number>,
  asOf: string,
): PriceTable {
  const current = table.regions[region];
  if (current === undefined) {
    throw new LabError('PRICING_NO_EBS_PRICES', `The price table has no EBS prices for ${region}`, {
      hint: 'Add the region to the price table before merging instance prices.',
    });
  }
  return {
    ...table,
    asOf,
    source: `${table.source} Instance prices for ${region} from the AWS Pricing API.`,
    regions: {
      ...table.regions,
      [region]: { ...current, instances: { ...current.instances, ...instances } },
    },
  };
}

interface PriceListProduct {
  terms?: {
    OnDemand?: Record<
      string,
      { priceDimensions?: Record<string, { unit?: string; pricePerUnit?: { USD?: string } }> }
    >;
  };
}

function onDemandHourly(document: string): number | undefined {
  let product: PriceListProduct;
  try {
    product = JSON.parse(document) as PriceListProduct;
  } catch (error) {
    throw new LabError('PRICING_MALFORMED', 'The Pricing API returned a price list entry that is not JSON', {
      cause: error,
    });
  }
  for (const term of Object.values(product.terms?.OnDemand ?? {})) {
    for (const dimension of Object.values(term.priceDimensions ?? {})) {
      const usd = Number(dimension.pricePerUnit?.USD);
      if (dimension.unit === 'Hrs' && usd > 0) return usd;
    }
  }
  return undefined;
}
