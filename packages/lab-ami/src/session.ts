import { resolve } from 'node:path';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { STSClient } from '@aws-sdk/client-sts';
import type { ImageListingCache } from '@lab/ami-builder';
import { type Clock, type EventSink, LabError, withContext } from '@lab/core';
import { createAwsClient } from '@lab/core/aws';

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
  /** The region the clients talk to (flag, then the SDK's chain). */
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
  const connection = { region: flags.region, profile: flags.profile, endpoint: flags.endpointUrl };
  const memo = <T>(create: () => Promise<T>): (() => Promise<T>) => {
    let value: Promise<T> | undefined;
    return () => {
      value ??= create();
      return value;
    };
  };
  const ec2 = memo(async () => {
    if (options.clients?.ec2 !== undefined) return options.clients.ec2;
    const { EC2Client } = await import('@aws-sdk/client-ec2');
    return createAwsClient(EC2Client, connection);
  });
  const ssm = memo(async () => {
    if (options.clients?.ssm !== undefined) return options.clients.ssm;
    const { SSMClient } = await import('@aws-sdk/client-ssm');
    return createAwsClient(SSMClient, connection);
  });
  const iam = memo(async () => {
    if (options.clients?.iam !== undefined) return options.clients.iam;
    const { IAMClient } = await import('@aws-sdk/client-iam');
    return createAwsClient(IAMClient, connection);
  });
  const sts = memo(async () => {
    if (options.clients?.sts !== undefined) return options.clients.sts;
    const { STSClient } = await import('@aws-sdk/client-sts');
    return createAwsClient(STSClient, connection);
  });
  const accountId = memo(async () => {
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
  const region = memo(async () => {
    const client = await ec2();
    try {
      return await client.config.region();
    } catch (error) {
      throw new LabError('NO_REGION', 'No AWS region given or configured', {
        hint: 'Pass --region, or set AWS_REGION or a region in your AWS profile.',
        cause: error,
      });
    }
  });
  return {
    ec2,
    ssm,
    iam,
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
