import type { AwsConnectionOptions } from '@lab/core/aws';
import type { AwsClientsFactory, RegionClients } from './deps.js';

/**
 * The default `AwsClientsFactory`: one set of clients per region, each created on first use
 * with `@lab/core/aws` (profile, endpoint override, adaptive retries). The SDK modules are
 * imported only then, so a dry run or `--help` never loads them.
 */
export function createAwsClients(connection: Omit<AwsConnectionOptions, 'region'> = {}): AwsClientsFactory {
  const regions = new Map<string, RegionClients>();
  return (region) => {
    const existing = regions.get(region);
    if (existing !== undefined) return existing;
    const options = { ...connection, region };
    const memo = <T>(create: () => Promise<T>): (() => Promise<T>) => {
      let value: Promise<T> | undefined;
      return () => {
        value ??= create();
        return value;
      };
    };
    const clients: RegionClients = {
      ec2: memo(async () => {
        const [{ EC2Client }, { createAwsClient }] = await Promise.all([
          import('@aws-sdk/client-ec2'),
          import('@lab/core/aws'),
        ]);
        return createAwsClient(EC2Client, options);
      }),
      ssm: memo(async () => {
        const [{ SSMClient }, { createAwsClient }] = await Promise.all([
          import('@aws-sdk/client-ssm'),
          import('@lab/core/aws'),
        ]);
        return createAwsClient(SSMClient, options);
      }),
      costExplorer: memo(async () => {
        const [{ CostExplorerClient }, { createAwsClient }] = await Promise.all([
          import('@aws-sdk/client-cost-explorer'),
          import('@lab/core/aws'),
        ]);
        // Cost Explorer has one endpoint, in us-east-1.
        return createAwsClient(CostExplorerClient, { ...options, region: 'us-east-1' });
      }),
      pricing: memo(async () => {
        const [{ PricingClient }, { createAwsClient }] = await Promise.all([
          import('@aws-sdk/client-pricing'),
          import('@lab/core/aws'),
        ]);
        // The Pricing API is served from us-east-1 (and two other regions); prices cover all regions.
        return createAwsClient(PricingClient, { ...options, region: 'us-east-1' });
      }),
    };
    regions.set(region, clients);
    return clients;
  };
}
