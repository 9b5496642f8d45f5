import type { PricingClient } from '@aws-sdk/client-pricing';
import { type Clock, type Emitter, errorMessage } from '@lab/core';
import { PRICE_TABLE, type PriceTable } from '@lab/cost';

/**
 * The shipped price table with the fleet's instance prices for `region` replaced by the AWS
 * Pricing API's current ones. Progressive enhancement: without `pricing:GetProducts` (or when the
 * API fails) it says so and the shipped, dated table is used — a cost estimate never stops setup.
 */
export async function livePriceTable(options: {
  pricing: () => Promise<PricingClient>;
  region: string;
  instanceTypes: readonly string[];
  events: Emitter;
  clock: Clock;
}): Promise<PriceTable> {
  const { fetchOnDemandPrices, withPrices } = await import('@lab/cost/aws');
  try {
    const prices = await fetchOnDemandPrices({
      pricing: await options.pricing(),
      region: options.region,
      instanceTypes: [...new Set(options.instanceTypes)],
    });
    const today = new Date(options.clock.now()).toISOString().slice(0, 10);
    options.events.emit(
      'cost.live-prices',
      `On-demand prices from the AWS Pricing API for ${Object.keys(prices).length} instance type(s) in ${options.region}`,
      { prices },
    );
    return withPrices(PRICE_TABLE, options.region, prices, today);
  } catch (error) {
    options.events.emit(
      'cost.live-prices-unavailable',
      `AWS Pricing API unavailable (${errorMessage(error)}); estimating with the shipped prices of ${PRICE_TABLE.asOf}`,
      {},
      'warn',
    );
    return PRICE_TABLE;
  }
}
