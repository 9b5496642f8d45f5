import type { AwsConnectionOptions } from '@lab/core/aws';
import type { CleanupProvider, ResourceType } from '@lab/tag-cleanup';
import type { CleanupByTags } from './cleanup-port.js';

export interface TagCleanupOptions {
  /**
   * Where resources come from and how they are deleted. Default: `@lab/tag-cleanup/aws`'s
   * provider with clients made from `connection` (imported only when a cleanup runs).
   */
  provider?: CleanupProvider;
  /** Profile and endpoint for the default provider's clients. */
  connection?: Omit<AwsConnectionOptions, 'region'>;
  /** Give up deleting after this long. Default: `@lab/tag-cleanup`'s (30 min). */
  timeoutMs?: number;
  /** Resource types to leave alone (e.g. where an API is not available). */
  excludeTypes?: readonly ResourceType[];
}

/**
 * The `CleanupByTags` port over `@lab/tag-cleanup`: discovery by `Project` + the exact
 * `ExperimentID`, deletion in dependency order with retries, and a second discovery that
 * proves nothing is left. With `execute: false` (status) it only lists what is alive.
 */
export function tagCleanup(options: TagCleanupOptions = {}): CleanupByTags {
  let provider: Promise<CleanupProvider> | undefined;
  const providerFor = (homeRegion: string) => {
    provider ??=
      options.provider !== undefined
        ? Promise.resolve(options.provider)
        : defaultProvider(homeRegion, options);
    return provider;
  };
  return async (request) => {
    const { cleanup } = await import('@lab/tag-cleanup');
    const result = await cleanup({
      provider: await providerFor(request.regions[0] ?? 'us-east-1'),
      selector: { kind: 'experiment', experimentId: request.experimentId },
      regions: request.regions,
      execute: request.execute,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...(options.excludeTypes === undefined ? {} : { excludeTypes: options.excludeTypes }),
      ...(request.signal === undefined ? {} : { signal: request.signal }),
      ...(request.events === undefined ? {} : { events: request.events }),
    });
    // A dry run deletes nothing: everything it found is alive, what it would keep too.
    const alive =
      result.mode === 'dry-run'
        ? [
            ...result.plan.steps.map((step) => ({ resource: step.resource, message: 'alive' })),
            ...result.kept.map((entry) => ({ resource: entry.resource, message: entry.message })),
          ]
        : result.remaining;
    return {
      remaining: alive.map((entry) => ({
        region: entry.resource.region,
        type: entry.resource.type,
        id: entry.resource.id,
        ...(result.mode === 'execute' ? { message: entry.message } : {}),
      })),
      problems: result.problems.map((problem) => ({
        region: problem.region,
        type: problem.type,
        message: problem.message,
      })),
    };
  };
}

async function defaultProvider(homeRegion: string, options: TagCleanupOptions): Promise<CleanupProvider> {
  const [
    { createAwsProvider },
    { createAwsClient },
    { EC2Client },
    { IAMClient },
    { S3Client },
    { STSClient },
  ] = await Promise.all([
    import('@lab/tag-cleanup/aws'),
    import('@lab/core/aws'),
    import('@aws-sdk/client-ec2'),
    import('@aws-sdk/client-iam'),
    import('@aws-sdk/client-s3'),
    import('@aws-sdk/client-sts'),
  ]);
  const connection = options.connection ?? {};
  const clients = new Map<string, ReturnType<Parameters<typeof createAwsProvider>[0]['clients']>>();
  return createAwsProvider({
    homeRegion,
    clients: (region) => {
      let set = clients.get(region);
      if (set === undefined) {
        const config = { ...connection, region };
        set = {
          ec2: createAwsClient(EC2Client, config),
          iam: createAwsClient(IAMClient, config),
          s3: createAwsClient(S3Client, config),
          sts: createAwsClient(STSClient, config),
        };
        clients.set(region, set);
      }
      return set;
    },
  });
}
