import { resolve } from 'node:path';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { STSClient } from '@aws-sdk/client-sts';
import type { ImageListingCache } from '@lab/ami-builder';
import { type Clock, type EventSink, LabError, lazy, withContext } from '@lab/core';
import { createAwsClient, lazyRegionalClients, resolveRegion } from '@lab/core/aws';

export interface AwsClients {
  ec2: EC2Client;
  ssm: SSMClient;
  iam: IAMClient;
  sts: STSClient;
}

export interface ConnectionFlags {
  region?: string | undefined;
  profile?: string | undefined;
  endpointUrl?: string | undefined;
}

/** AWS clients created on first use — the SDK is imported only by commands that call AWS. */
export interface Session {
  ec2(): Promise<EC2Client>;
  ssm(): Promise<SSMClient>;
  iam(): Promise<IAMClient>;
  /**
   * The region the clients talk to, decided once by `resolveRegion`: `--region`, `AWS_REGION`,
   * `AWS_DEFAULT_REGION`, then the profile's region. A malformed one is bad input (exit 2).
   */
  region(): Promise<string>;
  /**
   * The account the credentials belong to (STS GetCallerIdentity, asked once): the AMI cache is
   * kept per account, region and endpoint.
   */
  accountId(): Promise<string>;
  /** The AMI cache of the lab home (`--home`, else `$PULSAR_AWS_LAB_HOME`, else `~/.pulsar-aws-lab`). */
  cache(events: EventSink): Promise<ImageListingCache>;
}

export function createSession(
  flags: ConnectionFlags,
  options: {
    clients?: Partial<AwsClients> | undefined;
    /** `--home`, relative to `cwd`. */
    home?: string | undefined;
    env: NodeJS.ProcessEnv;
    cwd: string;
    clock?: Clock | undefined;
  },
): Session {
  const connection = { profile: flags.profile, endpoint: flags.endpointUrl };
  const clientsFor = lazyRegionalClients(connection, {
    ec2: async () => (await import('@aws-sdk/client-ec2')).EC2Client,
    ssm: async () => (await import('@aws-sdk/client-ssm')).SSMClient,
    iam: async () => (await import('@aws-sdk/client-iam')).IAMClient,
    sts: async () => (await import('@aws-sdk/client-sts')).STSClient,
  });
  const region = lazy(async () => {
    const resolved = await resolveRegion({
      flag: flags.region,
      env: options.env,
      // A given EC2 client's region stands in for the profile's.
      profileRegion: async () => {
        if (options.clients?.ec2 !== undefined) return options.clients.ec2.config.region();
        const { EC2Client } = await import('@aws-sdk/client-ec2');
        return createAwsClient(EC2Client, connection).config.region();
      },
    });
    return resolved.region;
  });
  const client = <Name extends keyof AwsClients>(name: Name) =>
    lazy(async (): Promise<AwsClients[Name]> => {
      const given = options.clients?.[name];
      if (given !== undefined) return given;
      return (await clientsFor(await region())[name]()) as AwsClients[Name];
    });
  const sts = client('sts');
  const accountId = lazy(async () => {
    const { GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
    let account: string | undefined;
    try {
      account = (await (await sts()).send(new GetCallerIdentityCommand({}))).Account;
    } catch (error) {
      throw withContext(error, 'Asking STS which account the credentials belong to (GetCallerIdentity)', {
        hint: 'Check the credentials (--profile, AWS_PROFILE) and --endpoint-url.',
      });
    }
    if (account === undefined) throw new LabError('NO_ACCOUNT', 'STS GetCallerIdentity returned no account');
    return account;
  });
  return {
    ec2: client('ec2'),
    ssm: client('ssm'),
    iam: client('iam'),
    region,
    accountId,
    cache: async (events) => {
      // Imported on use, like the SDK: only the commands that list images pay for it.
      const { defaultHome, openStore } = await import('@lab/experiment-store');
      const home = resolve(options.cwd, options.home ?? defaultHome(options.env));
      return openStore({
        home,
        events,
        ...(options.clock === undefined ? {} : { clock: options.clock }),
      }).amiCache;
    },
  };
}
