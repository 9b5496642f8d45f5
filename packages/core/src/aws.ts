import { ValidationError, type ValidationIssue } from './errors.js';

/** Static credentials, as the AWS SDK v3 accepts them. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** How to reach AWS. Every field is optional: the SDK's default chain fills the gaps. */
export interface AwsConnectionOptions {
  /** e.g. `eu-west-1`; defaults to the SDK's chain (AWS_REGION, the profile's region). */
  region?: string | undefined;
  /** A named profile from `~/.aws/config`; defaults to the SDK's chain (AWS_PROFILE, default). */
  profile?: string | undefined;
  /** Override the service endpoint, e.g. `http://127.0.0.1:5000` for moto or LocalStack. */
  endpoint?: string | undefined;
  /** Explicit credentials; by default the SDK's credential chain is used. */
  credentials?: AwsCredentials | (() => Promise<AwsCredentials>) | undefined;
  /** Attempts per API call, including the first, under the SDK's adaptive retry mode. Default 5. */
  maxAttempts?: number | undefined;
}

/** The configuration every AWS SDK v3 client constructor accepts. */
export interface AwsClientConfig {
  region?: string;
  profile?: string;
  endpoint?: string;
  credentials?: AwsCredentials | (() => Promise<AwsCredentials>);
  retryMode: 'adaptive';
  maxAttempts: number;
  /** S3 only: emulators serve buckets by path, not by virtual host. Ignored by other clients. */
  forcePathStyle?: boolean;
}

const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d+$/;
const DEFAULT_MAX_ATTEMPTS = 5;

/** Validates `options` and turns them into SDK client configuration. */
export function awsClientConfig(options: AwsConnectionOptions = {}): AwsClientConfig {
  const issues: ValidationIssue[] = [];
  if (options.region !== undefined && !REGION.test(options.region)) {
    issues.push({
      path: 'region',
      message: 'not an AWS region name',
      expected: 'e.g. us-east-1',
      received: options.region,
    });
  }
  if (options.endpoint !== undefined && !isHttpUrl(options.endpoint)) {
    issues.push({
      path: 'endpoint',
      message: 'not an http(s) URL',
      expected: 'e.g. http://127.0.0.1:5000',
      received: options.endpoint,
    });
  }
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    issues.push({
      path: 'maxAttempts',
      message: 'must be a positive integer',
      received: String(maxAttempts),
    });
  }
  if (issues.length > 0) throw new ValidationError('Invalid AWS connection options', issues);
  return {
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.profile === undefined ? {} : { profile: options.profile }),
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint, forcePathStyle: true }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    retryMode: 'adaptive',
    maxAttempts,
  };
}

/**
 * Creates any AWS SDK v3 client with the lab's connection rules. The client class is passed in
 * so that this package never imports the SDK itself and callers import only the clients they use:
 *
 *     const { EC2Client } = await import('@aws-sdk/client-ec2');
 *     const ec2 = createAwsClient(EC2Client, { region: 'eu-west-1' });
 */
export function createAwsClient<Client>(
  ClientClass: new (config: AwsClientConfig) => Client,
  options: AwsConnectionOptions = {},
): Client {
  return new ClientClass(awsClientConfig(options));
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
