import {
  applyColorPreference,
  duration,
  EXIT_CODES,
  EXIT_CODES_HELP,
  globalArgs,
  type OutputStream,
  parseDuration,
  type QuestionInput,
  runCli,
  type SignalSource,
} from '@lab/cli-kit';
import { isLabError, LabError, PROJECT, ValidationError, type ValidationIssue, withContext } from '@lab/core';
import { createAwsClient, lazyRegionalClients, resolveRegion } from '@lab/core/aws';
import {
  assertComplete,
  assertSelector,
  cleanup,
  type Plan,
  RESOURCE_TYPES,
  type ResourceType,
  type Selector,
} from '@lab/tag-cleanup';
import type { AwsClients } from '@lab/tag-cleanup/aws';
import { array, command, flag, multioption, option, optional, positional, runSafely, string } from 'cmd-ts';
import { resolveExperimentRef } from './latest.js';
import { cleanupView, closingLines, planTable, summary } from './render.js';
import { StoreLink } from './store-link.js';

const DESCRIPTION = `Deletes every AWS resource of one pulsar-aws-lab experiment, found by its tags alone
(Project=${PROJECT} and the exact ExperimentID). A dry run (the plan) is the default;
--execute deletes, in dependency order, after confirmation, then verifies nothing remains.

${EXIT_CODES_HELP}`;

export const cleanupCommand = command({
  name: 'lab-cleanup',
  description: DESCRIPTION,
  args: {
    experiment: positional({
      type: optional(string),
      displayName: 'experiment-id|latest',
      description: 'the experiment to delete (omit with --sweep)',
    }),
    ...globalArgs,
    region: multioption({
      long: 'region',
      type: array(string),
      description:
        'region to clean (repeatable; default: AWS_REGION, AWS_DEFAULT_REGION, then the profile region)',
    }),
    allRegions: flag({ long: 'all-regions', description: 'every region enabled for the account' }),
    execute: flag({ long: 'execute', description: 'delete (default: dry run, print the plan)' }),
    sweep: flag({ long: 'sweep', description: `every ${PROJECT} experiment past --older-than` }),
    olderThan: option({
      long: 'older-than',
      type: optional(string),
      description: 'age limit for --sweep, e.g. 6h',
    }),
    includeAmis: flag({
      long: 'include-amis',
      description:
        "also deregister the experiment's AMIs and delete their snapshots (without it they are kept, and the run is incomplete)",
    }),
    allowedAccount: multioption({
      long: 'allowed-account',
      type: array(string),
      description: 'refuse to run unless the credentials are in this account (repeatable)',
    }),
    excludeType: multioption({
      long: 'exclude-type',
      type: array(string),
      description: `leave a resource type alone, e.g. where an API is unavailable (repeatable): ${RESOURCE_TYPES.join(', ')}`,
    }),
    deadline: option({
      long: 'deadline',
      type: duration,
      defaultValue: () => 30 * 60_000,
      defaultValueIsSerializable: false,
      description: 'give up deleting after this long (default 30m)',
    }),
  },
  examples: [
    {
      description: 'Dry run: print the plan of one experiment and change nothing',
      command: 'lab-cleanup exp-20261127-031200 --region eu-west-1',
    },
    {
      description: 'Delete the newest experiment of the local store without asking',
      command: 'lab-cleanup latest --execute --yes',
    },
    {
      description: 'Dry run of a sweep: every experiment older than a day, in every enabled region',
      command: 'lab-cleanup --sweep --older-than 24h --all-regions',
    },
  ],
  handler: (values) => values,
});

type Args = Awaited<ReturnType<typeof cleanupCommand.handler>>;

export interface MainOptions {
  stdout?: OutputStream;
  stderr?: OutputStream;
  env?: NodeJS.ProcessEnv;
  /** Confirmation input (a TTY); defaults to stdin. */
  stdin?: QuestionInput;
  process?: SignalSource;
  /** Called with each region's clients as they are created: tests add fault injection here. */
  instrument?: (clients: AwsClients, region: string) => void;
}

/** Runs `lab-cleanup` with `argv` (without node and script); resolves with the exit code. */
export async function main(argv: readonly string[], options: MainOptions = {}): Promise<number> {
  const env = options.env ?? process.env;
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  applyColorPreference(env);
  const parsed = await runSafely(cleanupCommand, [...argv]);
  if (parsed._tag === 'error') {
    const { exitCode, message, into } = parsed.error.config;
    (into === 'stdout' ? stdout : stderr).write(`${message}\n`);
    return exitCode === 0 ? EXIT_CODES.ok : EXIT_CODES.usage;
  }
  const args = parsed.value;
  return runCli(
    {
      json: args.json,
      verbose: args.verbose,
      yes: args.yes,
      stdout,
      stderr,
      env,
      views: [cleanupView()],
      ...(options.stdin === undefined ? {} : { stdin: options.stdin }),
      ...(options.process === undefined ? {} : { process: options.process }),
    },
    async ({ renderer, signal, palette, setForceExitMessage, confirm }) => {
      const store = new StoreLink(env, renderer.sink);
      const selector = await selectorFrom(args, store);
      const excludeTypes = excludedTypes(args);
      renderer.phase('discover');
      const clients = regionalClients(args, options.instrument);
      const regions = await regionsFrom(args, env, clients, signal);
      const { createAwsProvider } = await import('@lab/tag-cleanup/aws');
      const provider = createAwsProvider({
        clients: clients.factory,
        homeRegion: regions[0]!,
        events: renderer.sink,
      });
      const again = `lab-cleanup ${selector.kind === 'experiment' ? selector.experimentId : `--sweep --older-than ${args.olderThan}`} ${regions.map((region) => `--region ${region}`).join(' ')}${args.includeAmis ? ' --include-amis' : ''} --execute`;
      setForceExitMessage(`Resources may remain; finish with: ${again}`);
      const by = selector.kind === 'experiment' ? 'lab-cleanup' : 'lab-cleanup --sweep';
      const printPlan = (plan: Plan) => {
        const table = planTable(plan, renderer.width());
        if (table !== undefined) renderer.line(table);
      };
      let deleting = false;
      try {
        if (args.execute && selector.kind === 'experiment') await store.claim(selector.experimentId, by);
        const result = await cleanup({
          provider,
          selector,
          regions,
          execute: args.execute,
          includeImages: args.includeAmis,
          excludeTypes,
          allowedAccounts: args.allowedAccount,
          timeoutMs: args.deadline,
          holdExperiment: (id) => store.hold(id, args.execute, by),
          signal,
          events: renderer.sink,
          confirm: async (plan) => {
            printPlan(plan);
            await confirm(`Delete these ${plan.steps.length} resource(s)?`);
            renderer.phase('delete');
            deleting = true;
          },
        }).catch((error: unknown) => {
          if (deleting && signal.aborted) {
            throw withContext(error, 'Cleanup interrupted; resources may remain', {
              hint: `Finish with: ${again}`,
            });
          }
          throw error;
        });
        if (result.mode === 'dry-run') printPlan(result.plan);
        else await store.record(result, by, new Date());
        renderer.result(summary(result));
        for (const line of closingLines(result, palette, renderer.width())) renderer.line(line);
        assertComplete(result);
        return EXIT_CODES.ok;
      } finally {
        await store.release();
      }
    },
  );
}

async function selectorFrom(args: Args, store: StoreLink): Promise<Selector> {
  const issues: ValidationIssue[] = [];
  if (args.sweep && args.experiment !== undefined) {
    issues.push({ path: 'experiment', message: '--sweep selects by age; do not name an experiment too' });
  }
  if (!args.sweep && args.experiment === undefined) {
    issues.push({
      path: 'experiment',
      message: 'name the experiment to delete (or use --sweep --older-than)',
      expected: 'an experiment id or latest',
    });
  }
  if (args.sweep && args.olderThan === undefined) {
    issues.push({
      path: 'older-than',
      message: '--sweep needs --older-than',
      expected: 'a duration such as 6h',
    });
  }
  if (!args.sweep && args.olderThan !== undefined) {
    issues.push({ path: 'older-than', message: '--older-than only applies to --sweep' });
  }
  if (args.allRegions && args.region.length > 0) {
    issues.push({ path: 'region', message: '--all-regions and --region exclude each other' });
  }
  if (issues.length > 0)
    throw new ValidationError('Invalid arguments', issues, { hint: 'See lab-cleanup --help.' });
  if (args.sweep)
    return assertSelector({ kind: 'sweep', olderThanMs: parseDuration(args.olderThan!, 'older-than') });
  const experimentId = await resolveExperimentRef(args.experiment!, (ref) => store.resolve(ref));
  return assertSelector({ kind: 'experiment', experimentId });
}

function excludedTypes(args: Args): ResourceType[] {
  const unknown = args.excludeType.filter((type) => !(RESOURCE_TYPES as readonly string[]).includes(type));
  if (unknown.length > 0) {
    throw new ValidationError(
      'Unknown resource type',
      unknown.map((type) => ({
        path: 'exclude-type',
        message: 'not a resource type',
        expected: RESOURCE_TYPES.join(', '),
        received: type,
      })),
    );
  }
  return args.excludeType as ResourceType[];
}

interface RegionalClients {
  /** The clients of `region`, created (and the SDK loaded, ~0.7 s) on first use, then reused. */
  clientsIn(region: string): Promise<AwsClients>;
  /** The same clients, for regions `clientsIn` has already made: what @lab/tag-cleanup calls. */
  factory(region: string): AwsClients;
  /** The profile's region as the SDK's chain finds it (for `resolveRegion`). */
  profileRegion(): Promise<string | undefined>;
}

function regionalClients(args: Args, instrument: MainOptions['instrument']): RegionalClients {
  const connection = {
    ...(args.profile === undefined ? {} : { profile: args.profile }),
    ...(args.endpointUrl === undefined ? {} : { endpoint: args.endpointUrl }),
    // One retry policy: @lab/tag-cleanup retries throttling and 5xx itself and never resends
    // what cannot succeed; the SDK's own retries would resend an unreadable 500 regardless.
    maxAttempts: 1,
  };
  const made = new Map<string, AwsClients>();
  const clientsFor = lazyRegionalClients(connection, {
    ec2: async () => (await import('@aws-sdk/client-ec2')).EC2Client,
    iam: async () => (await import('@aws-sdk/client-iam')).IAMClient,
    s3: async () => (await import('@aws-sdk/client-s3')).S3Client,
    sts: async () => (await import('@aws-sdk/client-sts')).STSClient,
  });
  return {
    clientsIn: async (region) => {
      const lazy = clientsFor(region);
      const [ec2, iam, s3, sts] = await Promise.all([lazy.ec2(), lazy.iam(), lazy.s3(), lazy.sts()]);
      // lazyRegionalClients hands out the same clients every time: instrument them once.
      if (!made.has(region)) {
        made.set(region, { ec2, iam, s3, sts });
        instrument?.(made.get(region)!, region);
      }
      return made.get(region)!;
    },
    factory: (region) => {
      const clients = made.get(region);
      if (clients === undefined) {
        throw new LabError(
          'INTERNAL',
          `No AWS clients were made for ${region} before cleanup asked for them`,
        );
      }
      return clients;
    },
    profileRegion: async () => {
      const { EC2Client } = await import('@aws-sdk/client-ec2');
      return createAwsClient(EC2Client, connection).config.region();
    },
  };
}

/**
 * The regions to clean: every `--region` (each checked), every enabled region with
 * `--all-regions`, otherwise the one `resolveRegion` finds (AWS_REGION, AWS_DEFAULT_REGION, the
 * profile). Their clients are made here, so the cleanup's factory has them.
 */
async function regionsFrom(
  args: Args,
  env: NodeJS.ProcessEnv,
  clients: RegionalClients,
  signal: AbortSignal,
): Promise<string[]> {
  let regions: string[];
  if (args.region.length > 0) {
    regions = [];
    for (const flag of args.region) regions.push((await resolveRegion({ flag })).region);
  } else {
    const configured = await resolveRegion({ env, profileRegion: clients.profileRegion }).then(
      (resolved) => resolved.region,
      (error: unknown) => {
        // No region anywhere: --all-regions lists them from us-east-1, otherwise ask for --region.
        if (isLabError(error) && error.code === 'NO_REGION') return undefined;
        throw error;
      },
    );
    if (args.allRegions) {
      const { listEnabledRegions } = await import('@lab/tag-cleanup/aws');
      regions = await listEnabledRegions((await clients.clientsIn(configured ?? 'us-east-1')).ec2, signal);
    } else if (configured === undefined) {
      throw new ValidationError('No region', [
        {
          path: 'region',
          message: 'no region given and none configured',
          expected: '--region, --all-regions, AWS_REGION, AWS_DEFAULT_REGION or a profile region',
        },
      ]);
    } else {
      regions = [configured];
    }
  }
  for (const region of regions) await clients.clientsIn(region);
  return regions;
}
