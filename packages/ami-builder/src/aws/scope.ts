import type { EC2Client } from '@aws-sdk/client-ec2';
import { withContext } from '@lab/core';
import type { ImageListingScope } from '../listing-cache.js';

const accounts = new WeakMap<EC2Client, Promise<string>>();

/**
 * The account an EC2 client's credentials belong to: STS GetCallerIdentity with the client's
 * own credentials, region and endpoint override, asked once per client (the STS client is
 * imported only then).
 */
export function clientAccountId(ec2: EC2Client): Promise<string> {
  let account = accounts.get(ec2);
  if (account === undefined) {
    account = askSts(ec2);
    accounts.set(ec2, account);
    // A failure is not remembered: the next call asks again.
    account.catch(() => accounts.delete(ec2));
  }
  return account;
}

async function askSts(ec2: EC2Client): Promise<string> {
  const { GetCallerIdentityCommand, STSClient } = await import('@aws-sdk/client-sts');
  const config = ec2.config;
  const sts = new STSClient({
    region: config.region,
    credentials: config.credentials,
    maxAttempts: config.maxAttempts,
    retryMode: config.retryMode,
    ...(config.isCustomEndpoint && config.endpoint !== undefined ? { endpoint: config.endpoint } : {}),
  });
  try {
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    if (identity.Account === undefined) throw new Error('STS returned no account');
    return identity.Account;
  } catch (error) {
    throw withContext(error, 'Asking STS which account the credentials belong to (GetCallerIdentity)');
  } finally {
    sts.destroy();
  }
}

/** The endpoint override an EC2 client was created with (e.g. moto's URL); undefined for AWS's own. */
export async function clientEndpoint(ec2: EC2Client): Promise<string | undefined> {
  const config = ec2.config;
  if (!config.isCustomEndpoint || config.endpoint === undefined) return undefined;
  const endpoint = await config.endpoint();
  const port = endpoint.port === undefined ? '' : `:${endpoint.port}`;
  // `http://127.0.0.1:5000` as the user gave it, not with the SDK's trailing `/`.
  const path = endpoint.path === '/' ? '' : endpoint.path;
  return `${endpoint.protocol}//${endpoint.hostname}${port}${path}`;
}

/** Where a listing through `ec2` is cached: the account, the region and the endpoint override. */
export async function listingScope(options: {
  ec2: EC2Client;
  region: string;
  accountId?: (() => Promise<string>) | undefined;
}): Promise<ImageListingScope> {
  const [accountId, endpoint] = await Promise.all([
    options.accountId === undefined ? clientAccountId(options.ec2) : options.accountId(),
    clientEndpoint(options.ec2),
  ]);
  return { accountId, region: options.region, ...(endpoint === undefined ? {} : { endpoint }) };
}
