import { LabError, ValidationError, type ValidationIssue } from './errors.js';
import { lazy } from './lazy.js';

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

/**
 * An AWS region name: `us-east-1`, `eu-central-2`, `us-gov-west-1`, `us-iso-east-1`,
 * `us-isob-east-1`. The one pattern every package validates regions with.
 */
export const AWS_REGION_PATTERN = /^[a-z]{2}(?:-[a-z]+)+-\d+$/;

/** Whether `value` is shaped like an AWS region name (see `AWS_REGION_PATTERN`). */
export function isAwsRegion(value: string): boolean {
  return AWS_REGION_PATTERN.test(value);
}
const DEFAULT_MAX_ATTEMPTS = 5;

/** Validates `options` and turns them into SDK client configuration. */
export function awsClientConfig(options: AwsConnectionOptions = {}): AwsClientConfig {
  const issues: ValidationIssue[] = [];
  if (options.region !== undefined && !isAwsRegion(options.region)) {
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

/** Where `resolveRegion` found the region. */
export type RegionSource = 'flag' | 'AWS_REGION' | 'AWS_DEFAULT_REGION' | 'profile';

export interface ResolveRegionOptions {
  /** `--region`, when given. */
  flag?: string | undefined;
  /** The environment to read `AWS_REGION` and `AWS_DEFAULT_REGION` from. */
  env?: Readonly<Record<string, string | undefined>> | undefined;
  /**
   * The region of the profile in `~/.aws/config`, as the SDK's chain finds it (e.g.
   * `() => client.config.region()`); asked only when neither the flag nor the environment name
   * one. Rejecting or resolving `undefined` means none.
   */
  profileRegion?: (() => Promise<string | undefined>) | undefined;
}

export interface ResolvedRegion {
  region: string;
  source: RegionSource;
}

/**
 * The region a command works in, decided once: `--region`, then `AWS_REGION`, then
 * `AWS_DEFAULT_REGION`, then the profile's region. Throws `ValidationError` for a value that is
 * not a region name (naming where it came from) and `LabError` `NO_REGION` when there is none.
 * Commands about an existing experiment use the region its manifest recorded instead.
 */
export async function resolveRegion(options: ResolveRegionOptions = {}): Promise<ResolvedRegion> {
  const env = options.env ?? {};
  const candidates: [RegionSource, string | undefined][] = [
    ['flag', options.flag],
    ['AWS_REGION', env.AWS_REGION],
    ['AWS_DEFAULT_REGION', env.AWS_DEFAULT_REGION],
  ];
  for (const [source, value] of candidates) {
    if (value !== undefined && value !== '') return checked(value, source);
  }
  let fromProfile: string | undefined;
  try {
    fromProfile = await options.profileRegion?.();
  } catch {
    // The SDK's chain found no region: the same answer as an empty one, reported below.
    fromProfile = undefined;
  }
  if (fromProfile !== undefined && fromProfile !== '') return checked(fromProfile, 'profile');
  throw new LabError('NO_REGION', 'No AWS region given or configured', {
    hint: 'Pass --region, or set AWS_REGION or a region in your AWS profile (~/.aws/config).',
  });
}

function checked(region: string, source: RegionSource): ResolvedRegion {
  if (!isAwsRegion(region)) {
    throw new ValidationError('Invalid AWS region', [
      {
        path: source === 'flag' ? 'region' : source,
        message: 'not an AWS region name',
        expected: 'e.g. us-east-1',
        received: region,
      },
    ]);
  }
  return { region, source };
}

/** How to load one SDK client class, imported on first use; `region` pins a global service's. */
export type ClientLoader<Client> =
  | (() => Promise<new (config: AwsClientConfig) => Client>)
  | { load: () => Promise<new (config: AwsClientConfig) => Client>; region: string };

/** The lazily created clients of one region: each entry is created (and its SDK module imported) on first call. */
export type LazyClients<Spec> = {
  [Name in keyof Spec]: Spec[Name] extends ClientLoader<infer Client> ? () => Promise<Client> : never;
};

/**
 * One set of clients per region, each created on first use with `createAwsClient` and then
 * reused; the SDK modules are imported only then, so a dry run or `--help` never loads them.
 *
 *     const clientsFor = lazyRegionalClients({ profile: 'lab' }, {
 *       ec2: async () => (await import('@aws-sdk/client-ec2')).EC2Client,
 *       costExplorer: { load: async () => (await import('@aws-sdk/client-cost-explorer')).CostExplorerClient, region: 'us-east-1' },
 *     });
 *     const ec2 = await clientsFor('eu-west-1').ec2();
 */
export function lazyRegionalClients<Spec extends Record<string, ClientLoader<unknown>>>(
  connection: Omit<AwsConnectionOptions, 'region'>,
  spec: Spec,
): (region: string) => LazyClients<Spec> {
  const regions = new Map<string, LazyClients<Spec>>();
  return (region) => {
    const existing = regions.get(region);
    if (existing !== undefined) return existing;
    const clients: Record<string, () => Promise<unknown>> = {};
    for (const [name, loader] of Object.entries(spec)) {
      const load = typeof loader === 'function' ? loader : loader.load;
      const clientRegion = typeof loader === 'function' ? region : loader.region;
      clients[name] = lazy(async () =>
        createAwsClient(await load(), { ...connection, region: clientRegion }),
      );
    }
    const made = clients as LazyClients<Spec>;
    regions.set(region, made);
    return made;
  };
}
