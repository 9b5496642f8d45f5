import { randomInt } from 'node:crypto';
import { EC2Client } from '@aws-sdk/client-ec2';
import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { describeWhen } from './gate.js';

/** Set by `scripts/with-moto.sh` (and so by `.ci/run`) to the emulator's URL. */
export const MOTO_ENDPOINT_VARIABLE = 'LAB_MOTO_ENDPOINT';

export const motoEndpoint: string | undefined = process.env[MOTO_ENDPOINT_VARIABLE] || undefined;

/**
 * `describe` for tests that need the moto emulator. Without it the suite is skipped with one
 * loud line locally; under CI a missing emulator fails the suite instead of hiding it.
 */
export function describeWithMoto(name: string, body: () => void): void {
  describeWhen(
    motoEndpoint !== undefined,
    `${MOTO_ENDPOINT_VARIABLE} is not set: run \`pnpm test\`, which installs moto in .lab-tools/venv (bash scripts/lab-tools.sh) and starts it`,
    name,
    body,
  );
}

export interface MotoCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** What an AWS SDK v3 client (or the lab's client factory) needs to talk to this account. */
export interface MotoConnection {
  endpoint: string;
  region: string;
  credentials: MotoCredentials;
  maxAttempts: number;
  forcePathStyle: true;
}

export interface MotoAccount {
  accountId: string;
  region: string;
  connection: MotoConnection;
  ec2: EC2Client;
  ssm: SSMClient;
  iam: IAMClient;
  s3: S3Client;
  sts: STSClient;
}

const ROOT_CREDENTIALS: MotoCredentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

/**
 * A fresh, empty AWS account in moto (moto keys state by account), so test files and packages
 * running in parallel never see each other's resources and nothing needs resetting.
 */
export async function motoAccount(region = 'us-east-1'): Promise<MotoAccount> {
  const endpoint = requireEndpoint();
  const accountId = String(randomInt(100_000_000_000, 999_999_999_999));
  const sts = new STSClient({ endpoint, region, credentials: ROOT_CREDENTIALS, maxAttempts: 1 });
  const assumed = await sts.send(
    new AssumeRoleCommand({
      RoleArn: `arn:aws:iam::${accountId}:role/lab-test`,
      RoleSessionName: 'lab-test',
    }),
  );
  const credentials = assumed.Credentials;
  if (credentials?.AccessKeyId === undefined || credentials.SecretAccessKey === undefined) {
    throw new Error('moto returned no credentials for AssumeRole');
  }
  const connection: MotoConnection = {
    endpoint,
    region,
    credentials: {
      accessKeyId: credentials.AccessKeyId,
      secretAccessKey: credentials.SecretAccessKey,
      ...(credentials.SessionToken === undefined ? {} : { sessionToken: credentials.SessionToken }),
    },
    // Tests see errors as moto sends them; fault tests add their own retries.
    maxAttempts: 1,
    forcePathStyle: true,
  };
  return {
    accountId,
    region,
    connection,
    ec2: new EC2Client(connection),
    ssm: new SSMClient(connection),
    iam: new IAMClient(connection),
    s3: new S3Client(connection),
    sts: new STSClient(connection),
  };
}

function requireEndpoint(): string {
  if (motoEndpoint === undefined) {
    throw new Error(`${MOTO_ENDPOINT_VARIABLE} is not set; wrap the suite in describeWithMoto`);
  }
  return motoEndpoint;
}
