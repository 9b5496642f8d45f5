import { type AwsConnectionOptions, lazyRegionalClients } from '@lab/core/aws';
import type { AwsClientsFactory } from './deps.js';

/**
 * The default `AwsClientsFactory`: one set of clients per region, each created on first use
 * with `@lab/core/aws` (profile, endpoint override, adaptive retries). The SDK modules are
 * imported only then, so a dry run or `--help` never loads them.
 */
export function createAwsClients(connection: Omit<AwsConnectionOptions, 'region'> = {}): AwsClientsFactory {
  return lazyRegionalClients(connection, {
    ec2: async () => (await import('@aws-sdk/client-ec2')).EC2Client,
    ssm: async () => (await import('@aws-sdk/client-ssm')).SSMClient,
    cloudwatch: async () => (await import('@aws-sdk/client-cloudwatch')).CloudWatchClient,
    // Cost Explorer has one endpoint, in us-east-1.
    costExplorer: {
      load: async () => (await import('@aws-sdk/client-cost-explorer')).CostExplorerClient,
      region: 'us-east-1',
    },
    // The Pricing API is served from us-east-1 (and two other regions); prices cover all regions.
    pricing: {
      load: async () => (await import('@aws-sdk/client-pricing')).PricingClient,
      region: 'us-east-1',
    },
  });
}
