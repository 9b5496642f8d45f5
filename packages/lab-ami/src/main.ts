import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { AmiImage, ImageCheck } from '@lab/ami-builder';
import type { RunCommand } from '@lab/ami-builder/aws';
import {
  applyColorPreference,
  type CliContext,
  type Column,
  duration,
  EXIT_CODES,
  EXIT_CODES_HELP,
  formatTable,
  GLOBAL_FLAG_SPEC,
  type GlobalArgValues,
  globalArgs,
  hoistGlobalFlags,
  type OutputStream,
  type QuestionInput,
  runCli,
  type SignalSource,
  terminalWidth,
} from '@lab/cli-kit';
import { type Clock, LabError, systemClock, type TagMap, ValidationError } from '@lab/core';
import type { ProcessRunner } from '@lab/core/process';
import {
  array,
  command,
  flag,
  multioption,
  number,
  oneOf,
  option,
  optional,
  positional,
  runSafely,
  string,
  subcommands,
} from 'cmd-ts';
import { type AwsClients, createSession, type Session } from './session.js';

/** What `main` can be given instead of the real process, SDK and Packer (tests, other tools). */
export interface LabAmiDeps {
  stdout?: OutputStream;
  stderr?: OutputStream;
  stdin?: QuestionInput;
  env?: NodeJS.ProcessEnv;
  process?: SignalSource;
  cwd?: string;
  clock?: Clock;
  /** AWS clients to use instead of creating them from the flags. */
  clients?: Partial<AwsClients>;
  /** The SSM command runner for `validate`. Default: `runCommand` of @lab/ssm-runner. */
  runCommand?: RunCommand;
  /** How Packer is started (default `runProcess` of `@lab/core/process`; tests use a fixture executable through --packer instead). */
  packerRunner?: ProcessRunner;
}

export const SUBCOMMANDS = ['build', 'list', 'latest', 'validate', 'delete', 'prune'] as const;

const common = {
  ...globalArgs,
  dryRun: flag({ long: 'dry-run', description: 'show what would be done; change nothing' }),
  home: option({
    long: 'home',
    type: optional(string),
    description: 'lab home holding the AMI cache (default $PULSAR_AWS_LAB_HOME, else ~/.pulsar-aws-lab)',
  }),
};

interface CommonValues extends GlobalArgValues {
  dryRun: boolean;
  home: string | undefined;
}

const AMI_ID = /^ami-[0-9a-f]{8,17}$/;

function createApp(deps: LabAmiDeps) {
  const stdout = deps.stdout ?? process.stdout;
  const stderr = deps.stderr ?? process.stderr;
  const clock = deps.clock ?? systemClock;

  const handle = (args: CommonValues, body: (context: CliContext, session: Session) => Promise<number>) =>
    runCli(
      {
        json: args.json,
        verbose: args.verbose,
        yes: args.yes,
        stdout,
        stderr,
        ...(deps.stdin === undefined ? {} : { stdin: deps.stdin }),
        ...(deps.env === undefined ? {} : { env: deps.env }),
        ...(deps.process === undefined ? {} : { process: deps.process }),
      },
      (context) =>
        body(
          context,
          createSession(args, {
            clients: deps.clients,
            home: args.home,
            env: deps.env ?? process.env,
            cwd: deps.cwd ?? process.cwd(),
            clock,
          }),
        ),
    );

  const list = command({
    name: 'list',
    description:
      'List the lab AMIs of a region: highest Pulsar version first, newest first within a version.',
    args: {
      ...common,
      pulsarVersion: option({
        long: 'pulsar-version',
        type: optional(string),
        description: 'only this Pulsar version',
      }),
      noCache: flag({ long: 'no-cache', description: 'ask EC2 even when the cached listing is fresh' }),
    },
    handler: (args) =>
      handle(args, async (context, session) => {
        const { listImages } = await import('@lab/ami-builder/aws');
        const { newestPerVersion } = await import('@lab/ami-builder');
        const region = await session.region();
        const listing = await listImages({
          ec2: await session.ec2(),
          region,
          cache: await session.cache(context.renderer.sink),
          accountId: session.accountId,
          noCache: args.noCache,
          signal: context.signal,
          events: context.renderer.sink,
          clock,
        });
        const images = listing.images.filter(
          (image) => args.pulsarVersion === undefined || image.pulsarVersion === args.pulsarVersion,
        );
        const latest = new Set(newestPerVersion(images).map((image) => image.imageId));
        if (args.json) {
          context.renderer.result({
            region,
            cached: listing.cached,
            fetchedAt: new Date(listing.fetchedAt).toISOString(),
            images: images.map((image) => ({ ...image, latest: latest.has(image.imageId) })),
          });
          return EXIT_CODES.ok;
        }
        if (images.length === 0) {
          context.renderer.line(`No pulsar-base AMIs in ${region}. Build one with \`lab-ami build\`.`);
          return EXIT_CODES.ok;
        }
        stdout.write(`${formatTable(images, imageColumns(latest), { width: terminalWidth(stdout) })}\n`);
        const age = Math.round((clock.now() - listing.fetchedAt) / 1000);
        context.renderer.line(
          listing.cached
            ? `${images.length} image(s) in ${region}, from the cache (${age} s old; --no-cache to refresh). * = latest of its version`
            : `${images.length} image(s) in ${region}. * = latest of its version`,
        );
        return EXIT_CODES.ok;
      }),
  });

  const latest = command({
    name: 'latest',
    description: 'Print the id of the newest available AMI (of a Pulsar version, or of the highest version).',
    args: {
      ...common,
      pulsarVersion: option({
        long: 'pulsar-version',
        type: optional(string),
        description: 'Pulsar version',
      }),
      noCache: flag({ long: 'no-cache', description: 'ask EC2 even when the cached listing is fresh' }),
    },
    handler: (args) =>
      handle(args, async (context, session) => {
        const { findLatestImage } = await import('@lab/ami-builder/aws');
        const region = await session.region();
        const { image } = await findLatestImage({
          ec2: await session.ec2(),
          region,
          cache: await session.cache(context.renderer.sink),
          accountId: session.accountId,
          noCache: args.noCache,
          version: args.pulsarVersion,
          signal: context.signal,
          events: context.renderer.sink,
          clock,
        });
        if (image === undefined) {
          throw new LabError(
            'AMI_NOT_FOUND',
            args.pulsarVersion === undefined
              ? `No available pulsar-base AMI in ${region}`
              : `No available AMI of Pulsar ${args.pulsarVersion} in ${region}`,
            {
              hint: `Build one with \`lab-ami build${args.pulsarVersion === undefined ? '' : ` --pulsar-version ${args.pulsarVersion}`}\`.`,
            },
          );
        }
        if (args.json) context.renderer.result({ region, image });
        else stdout.write(`${image.imageId}\n`);
        return EXIT_CODES.ok;
      }),
  });

  const build = command({
    name: 'build',
    description:
      'Build the Pulsar AMI with Packer (packer init + build). Refuses a Pulsar version that already has an image unless --force. Ctrl-C stops Packer cleanly.',
    args: {
      ...common,
      pulsarVersion: option({
        long: 'pulsar-version',
        type: optional(string),
        description: 'Apache Pulsar release (default 4.0.4)',
      }),
      ombCommit: option({
        long: 'omb-commit',
        type: optional(string),
        description: 'OpenMessaging Benchmark commit (40 hex digits)',
      }),
      javaVersion: option({
        long: 'java-version',
        type: optional(oneOf(['17', '21'])),
        description: 'Amazon Corretto major version (default 21)',
      }),
      instanceProfile: option({
        long: 'instance-profile',
        type: optional(string),
        description:
          'build instance profile (default: pulsar-aws-lab-ami-build, created once with only the SSM agent permissions)',
      }),
      subnetId: option({
        long: 'subnet-id',
        type: optional(string),
        description: 'subnet of the build instance (default: default VPC)',
      }),
      instanceType: option({
        long: 'instance-type',
        type: optional(string),
        description: 'build instance type (default m6i.large)',
      }),
      tag: multioption({ long: 'tag', type: array(string), description: 'extra tag KEY=VALUE (repeatable)' }),
      template: option({
        long: 'template',
        type: optional(string),
        description: 'Packer template (default: packer/pulsar-base.pkr.hcl of this checkout)',
      }),
      packer: option({
        long: 'packer',
        type: optional(string),
        description: 'Packer executable (default: packer on PATH)',
      }),
      force: flag({ long: 'force', description: 'build even when this Pulsar version already has an image' }),
    },
    handler: (args) =>
      handle(args, async (context, session) => {
        const tags = parseTags(args.tag);
        if (args.ombCommit !== undefined && !/^[0-9a-f]{40}$/.test(args.ombCommit)) {
          throw new ValidationError('Invalid --omb-commit', [
            {
              path: 'omb-commit',
              message: 'not a full git commit id',
              expected: '40 lowercase hex digits',
              received: args.ombCommit,
            },
          ]);
        }
        if (args.pulsarVersion !== undefined && !/^\d+\.\d+\.\d+$/.test(args.pulsarVersion)) {
          throw new ValidationError('Invalid --pulsar-version', [
            {
              path: 'pulsar-version',
              message: 'not a Pulsar release version',
              expected: 'e.g. 4.0.4',
              received: args.pulsarVersion,
            },
          ]);
        }
        const template = resolveTemplate(args.template, deps.cwd ?? process.cwd());
        const aws = await import('@lab/ami-builder/aws');
        const pulsarVersion = args.pulsarVersion ?? aws.DEFAULT_PULSAR_VERSION;
        const buildId = `ami-build-${stamp(clock.now())}`;
        const region = await session.region();
        const ec2 = await session.ec2();
        context.renderer.phase('build');
        if (args.dryRun) {
          let existing: AmiImage[] | undefined;
          try {
            existing = await aws.existingImagesOf(ec2, pulsarVersion);
          } catch (error) {
            context.renderer.line(
              `Could not check for existing images (${(error as Error).message}); showing the plan anyway.`,
            );
          }
          const plan = {
            dryRun: true,
            region,
            template,
            buildId,
            pulsarVersion,
            ombCommit: args.ombCommit ?? aws.DEFAULT_OMB_COMMIT,
            javaVersion: args.javaVersion ?? aws.DEFAULT_JAVA_VERSION,
            instanceProfile:
              args.instanceProfile ?? `${aws.BUILD_PROFILE.instanceProfile} (created if missing)`,
            subnetId: args.subnetId ?? '(default VPC)',
            tags,
            existing: existing?.map((image) => image.imageId),
            wouldRefuse: existing !== undefined && existing.length > 0 && !args.force,
          };
          if (args.json) {
            context.renderer.result(plan);
          } else {
            context.renderer.line(
              [
                `Dry run: would run \`${args.packer ?? 'packer'} init\` and \`${args.packer ?? 'packer'} build -machine-readable\` on ${template}`,
                `  region ${region}, Pulsar ${plan.pulsarVersion}, OMB ${plan.ombCommit}, Java ${plan.javaVersion}`,
                `  instance profile ${plan.instanceProfile}, subnet ${plan.subnetId}, build id ${buildId}`,
                plan.wouldRefuse
                  ? `  would REFUSE: Pulsar ${pulsarVersion} already has ${plan.existing?.join(', ')} (use --force)`
                  : '  nothing would be refused',
              ].join('\n'),
            );
          }
          return EXIT_CODES.ok;
        }
        context.setForceExitMessage(
          `Packer may still be cleaning up; anything left is tagged ExperimentID=${buildId}: run lab-cleanup for it.`,
        );
        const result = await aws.buildPulsarAmi({
          ec2,
          iam: await session.iam(),
          region,
          template,
          pulsarVersion,
          ombCommit: args.ombCommit,
          javaVersion: args.javaVersion,
          instanceProfile: args.instanceProfile,
          subnetId: args.subnetId,
          instanceType: args.instanceType,
          userTags: tags,
          force: args.force,
          cache: await session.cache(context.renderer.sink),
          accountId: session.accountId,
          buildId,
          packerBinary: args.packer,
          runner: deps.packerRunner,
          signal: context.signal,
          events: context.renderer.sink,
          clock,
        });
        if (args.json) context.renderer.result(result);
        else stdout.write(`${result.amiId}\n`);
        context.renderer.line(
          `Built ${result.amiId} (Pulsar ${result.pulsarVersion}) in ${result.region}. Validate it with \`lab-ami validate ${result.amiId}\`.`,
        );
        return EXIT_CODES.ok;
      }),
  });

  const validate = command({
    name: 'validate',
    description:
      'Launch a temporary instance from an AMI, wait for SSM, check Pulsar, Java, OMB, units and lab scripts over SSM; the instance is always terminated.',
    args: {
      ...common,
      image: positional({ type: string, displayName: 'ami-id', description: 'AMI id, or "latest"' }),
      subnetId: option({
        long: 'subnet-id',
        type: optional(string),
        description: 'subnet (default: a default subnet of the default VPC)',
      }),
      instanceProfile: option({
        long: 'instance-profile',
        type: optional(string),
        description: 'instance profile (default: pulsar-aws-lab-ami-build, as for build)',
      }),
      instanceType: option({
        long: 'instance-type',
        type: optional(string),
        description: 'instance type (default t3.medium)',
      }),
      tag: multioption({ long: 'tag', type: array(string), description: 'extra tag KEY=VALUE (repeatable)' }),
      timeout: option({
        long: 'timeout',
        type: optional(duration),
        description: 'how long to wait for the instance and SSM (default 10m)',
      }),
    },
    handler: (args) =>
      handle(args, async (context, session) => {
        const tags = parseTags(args.tag);
        if (args.image !== 'latest' && !AMI_ID.test(args.image)) throw invalidAmiId(args.image);
        // Loaded only for validate: the runner pulls in the SSM client.
        const runCommand = deps.runCommand ?? (await import('@lab/ssm-runner')).runCommand;
        const aws = await import('@lab/ami-builder/aws');
        const region = await session.region();
        const ec2 = await session.ec2();
        const imageId = await resolveImageArgument(args.image, region, session, context, args.json);
        const validationId = `ami-validate-${stamp(clock.now())}`;
        context.renderer.phase('validate');
        if (args.dryRun) {
          const image = await aws.getLabImage(ec2, imageId, context.signal);
          const plan = {
            dryRun: true,
            imageId,
            name: image.name,
            pulsarVersion: image.pulsarVersion,
            ombCommit: image.ombCommit,
            instanceType: args.instanceType ?? 't3.medium',
            subnetId: args.subnetId ?? '(a default subnet of the default VPC)',
            instanceProfile:
              args.instanceProfile ?? `${aws.BUILD_PROFILE.instanceProfile} (created if missing)`,
            validationId,
          };
          if (args.json) context.renderer.result(plan);
          else {
            context.renderer.line(
              `Dry run: would launch a ${plan.instanceType} from ${imageId} (${image.name}) in ${plan.subnetId} with ${plan.instanceProfile}, tagged ExperimentID=${validationId}, check Pulsar ${image.pulsarVersion ?? '?'} / OMB ${image.ombCommit ?? '?'} over SSM, then terminate it.`,
            );
          }
          return EXIT_CODES.ok;
        }
        context.setForceExitMessage(
          `The validation instance may still be running: run lab-cleanup for ExperimentID=${validationId}.`,
        );
        const result = await aws.validateAmi({
          ec2,
          ssm: await session.ssm(),
          iam: await session.iam(),
          runCommand,
          imageId,
          subnetId: args.subnetId,
          instanceProfile: args.instanceProfile,
          instanceType: args.instanceType,
          validationId,
          userTags: tags,
          readyTimeoutMs: args.timeout,
          signal: context.signal,
          events: context.renderer.sink,
          clock,
        });
        if (args.json) {
          context.renderer.result({
            imageId: result.imageId,
            instanceId: result.instanceId,
            validationId: result.validationId,
            ok: result.ok,
            checks: result.checks,
          });
        } else {
          stdout.write(`${formatTable(result.checks, checkColumns, { width: terminalWidth(stdout) })}\n`);
          context.renderer.line(
            result.ok
              ? `${result.imageId} passed all ${result.checks.length} checks; ${result.instanceId} terminated.`
              : `${result.imageId} FAILED ${result.checks.filter((check) => !check.ok).length} check(s); ${result.instanceId} terminated.`,
          );
        }
        return result.ok ? EXIT_CODES.ok : EXIT_CODES.failure;
      }),
  });

  const remove = command({
    name: 'delete',
    description: 'Deregister a lab AMI and delete its snapshots.',
    args: {
      ...common,
      image: positional({ type: string, displayName: 'ami-id', description: 'AMI id' }),
    },
    handler: (args) =>
      handle(args, async (context, session) => {
        if (!AMI_ID.test(args.image)) throw invalidAmiId(args.image);
        const aws = await import('@lab/ami-builder/aws');
        const ec2 = await session.ec2();
        const region = await session.region();
        const cache = await session.cache(context.renderer.sink);
        const image = await aws.getLabImage(ec2, args.image, context.signal);
        const what = `${image.imageId} (${image.name}) and its ${image.snapshotIds.length} snapshot(s)`;
        if (args.dryRun) {
          if (args.json) context.renderer.result({ dryRun: true, image });
          else
            context.renderer.line(
              `Dry run: would deregister ${what}: ${image.snapshotIds.join(', ') || 'none'}`,
            );
          return EXIT_CODES.ok;
        }
        await context.confirm(`Deregister ${what}?`);
        const result = await aws.deleteImage({
          ec2,
          imageId: image.imageId,
          cache,
          accountId: session.accountId,
          region,
          signal: context.signal,
          events: context.renderer.sink,
          clock,
        });
        if (args.json) context.renderer.result(result);
        else
          context.renderer.line(
            `Deleted ${result.imageId} and ${result.deletedSnapshots.length} snapshot(s).`,
          );
        return EXIT_CODES.ok;
      }),
  });

  const prune = command({
    name: 'prune',
    description:
      'Delete all but the newest N available AMIs of each Pulsar version (and failed ones). Dry run unless --execute.',
    args: {
      ...common,
      keep: option({ long: 'keep', type: number, description: 'images to keep per Pulsar version (≥ 1)' }),
      execute: flag({ long: 'execute', description: 'really delete (asks for confirmation unless --yes)' }),
    },
    handler: (args) =>
      handle(args, async (context, session) => {
        if (args.execute && args.dryRun) {
          throw new ValidationError('--execute and --dry-run contradict each other', [
            { path: 'execute', message: 'pass one of --execute (delete) or --dry-run (the default)' },
          ]);
        }
        if (!Number.isInteger(args.keep) || args.keep < 1) {
          throw new ValidationError('Invalid --keep', [
            {
              path: 'keep',
              message: 'must keep at least one image per version',
              expected: 'an integer ≥ 1',
              received: String(args.keep),
            },
          ]);
        }
        const aws = await import('@lab/ami-builder/aws');
        const ec2 = await session.ec2();
        const region = await session.region();
        const plan = await aws.planImagePrune({ ec2, keep: args.keep, signal: context.signal });
        const summary = {
          region,
          keepPerVersion: args.keep,
          keep: plan.keep.map((image) => image.imageId),
          remove: plan.remove.map((image) => ({
            imageId: image.imageId,
            name: image.name,
            snapshotIds: image.snapshotIds,
          })),
          skipped: plan.skipped.map((entry) => ({ imageId: entry.image.imageId, reason: entry.reason })),
        };
        if (!args.json) {
          const rows = [
            ...plan.remove.map((image) => ({ image, action: 'delete' })),
            ...plan.keep.map((image) => ({ image, action: 'keep' })),
            ...plan.skipped.map((entry) => ({ image: entry.image, action: `skip: ${entry.reason}` })),
          ];
          if (rows.length > 0) {
            stdout.write(`${formatTable(rows, pruneColumns, { width: terminalWidth(stdout) })}\n`);
          }
        }
        if (!args.execute || plan.remove.length === 0) {
          if (args.json) context.renderer.result({ ...summary, executed: false });
          else {
            context.renderer.line(
              plan.remove.length === 0
                ? `Nothing to prune in ${region} (keeping ${args.keep} per version).`
                : `Dry run: would delete ${plan.remove.length} image(s) and their snapshots. Re-run with --execute to delete.`,
            );
          }
          return EXIT_CODES.ok;
        }
        await context.confirm(`Delete ${plan.remove.length} image(s) and their snapshots in ${region}?`);
        const outcome = await aws.executePrune({
          ec2,
          plan,
          cache: await session.cache(context.renderer.sink),
          accountId: session.accountId,
          region,
          signal: context.signal,
          events: context.renderer.sink,
          clock,
        });
        if (args.json)
          context.renderer.result({
            ...summary,
            executed: true,
            deleted: outcome.deleted.map((result) => result.imageId),
          });
        else context.renderer.line(`Deleted ${outcome.deleted.length} image(s).`);
        return EXIT_CODES.ok;
      }),
  });

  return subcommands({
    name: 'lab-ami',
    description: `Build, list, validate and prune the pulsar-aws-lab Pulsar AMI.\nGlobal flags (--region, --profile, --endpoint-url, --json, --dry-run, --yes, --verbose) may stand before or after the subcommand.\n\n${EXIT_CODES_HELP}`,
    cmds: { build, list, latest, validate, delete: remove, prune },
  });
}

/**
 * Runs `lab-ami` with `argv` (without the node and script paths) and resolves with the exit code.
 * Global flags may stand before or after the subcommand.
 */
export async function main(argv: readonly string[], deps: LabAmiDeps = {}): Promise<number> {
  applyColorPreference(deps.env ?? process.env);
  const app = createApp(deps);
  const result = await runSafely(app, hoistGlobalFlags(argv, SUBCOMMANDS, GLOBAL_FLAG_SPEC));
  if (result._tag === 'error') {
    const { exitCode, message, into } = result.error.config;
    const stream = into === 'stdout' ? (deps.stdout ?? process.stdout) : (deps.stderr ?? process.stderr);
    stream.write(message.endsWith('\n') ? message : `${message}\n`);
    return exitCode === 0 ? EXIT_CODES.ok : EXIT_CODES.usage;
  }
  return result.value.value;
}

async function resolveImageArgument(
  image: string,
  region: string,
  session: Session,
  context: CliContext,
  json: boolean,
): Promise<string> {
  if (image !== 'latest') return image;
  const { findLatestImage } = await import('@lab/ami-builder/aws');
  const latest = await findLatestImage({
    ec2: await session.ec2(),
    region,
    cache: await session.cache(context.renderer.sink),
    accountId: session.accountId,
    noCache: true,
    signal: context.signal,
    events: context.renderer.sink,
  });
  if (latest.image === undefined) {
    throw new LabError('AMI_NOT_FOUND', `No available pulsar-base AMI in ${region}`, {
      hint: 'Build one with `lab-ami build`.',
    });
  }
  if (!json) context.renderer.line(`latest = ${latest.image.imageId} (${latest.image.name})`);
  return latest.image.imageId;
}

/** Finds `packer/pulsar-base.pkr.hcl` in `start` or a parent directory (a checkout of the lab). */
export function resolveTemplate(given: string | undefined, start: string): string {
  if (given !== undefined) {
    const path = resolve(start, given);
    if (!existsSync(path)) {
      throw new ValidationError('Packer template not found', [
        { path: 'template', message: 'no such file', received: path },
      ]);
    }
    return path;
  }
  let directory = resolve(start);
  for (;;) {
    const candidate = join(directory, 'packer', 'pulsar-base.pkr.hcl');
    if (existsSync(candidate)) return candidate;
    const parent = dirname(directory);
    if (parent === directory) break;
    directory = parent;
  }
  throw new ValidationError('Packer template not found', [
    {
      path: 'template',
      message: 'no packer/pulsar-base.pkr.hcl in this directory or a parent',
      expected: 'a pulsar-aws-lab checkout, or --template <path>',
      received: start,
    },
  ]);
}

/** `--tag KEY=VALUE` options as a map. */
export function parseTags(values: readonly string[]): TagMap {
  const tags: TagMap = {};
  const issues = [];
  for (const value of values) {
    const separator = value.indexOf('=');
    if (separator <= 0) {
      issues.push({ path: 'tag', message: 'not KEY=VALUE', expected: 'e.g. Owner=ana', received: value });
      continue;
    }
    tags[value.slice(0, separator)] = value.slice(separator + 1);
  }
  if (issues.length > 0) throw new ValidationError('Invalid --tag', issues);
  return tags;
}

function invalidAmiId(value: string): ValidationError {
  return new ValidationError('Invalid AMI id', [
    { path: 'ami-id', message: 'not an AMI id', expected: 'ami- and 8 or 17 hex digits', received: value },
  ]);
}

/** The longest AMI id (`ami-` and 17 hex digits): never cut. */
const AMI_WIDTH = 21;

/** `2026-01-02T03:04:05.000Z` as `2026-01-02 03:04` (UTC): the minute is enough to tell images apart on screen. */
const created = (iso: string | undefined) =>
  iso === undefined
    ? undefined
    : /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(iso)
      ? iso.slice(0, 16).replace('T', ' ')
      : iso;

// On a narrow terminal the names shrink first, then OMB and SNAPSHOTS are left out (--json has all).
function imageColumns(latest: ReadonlySet<string>): Column<AmiImage>[] {
  return [
    { header: 'VERSION', value: (image) => image.pulsarVersion ?? '(untagged)' },
    { header: ' ', value: (image) => (latest.has(image.imageId) ? '*' : ' ') },
    { header: 'AMI', value: (image) => image.imageId, minWidth: AMI_WIDTH },
    { header: 'STATE', value: (image) => image.state },
    { header: 'CREATED', value: (image) => created(image.creationDate) },
    { header: 'OMB', value: (image) => image.ombCommit?.slice(0, 12), optional: true },
    { header: 'SNAPSHOTS', value: (image) => image.snapshotIds.length, align: 'right', optional: true },
    { header: 'NAME', value: (image) => image.name, shrink: true, minWidth: 12 },
  ];
}

const checkColumns: Column<ImageCheck>[] = [
  { header: 'CHECK', value: (check) => check.name },
  { header: 'RESULT', value: (check) => (check.ok ? 'ok' : 'FAIL') },
  { header: 'EXPECTED', value: (check) => check.expected, shrink: true, minWidth: 12 },
  { header: 'ACTUAL', value: (check) => check.actual, shrink: true, minWidth: 12 },
];

const pruneColumns: Column<{ image: AmiImage; action: string }>[] = [
  { header: 'ACTION', value: (row) => row.action, shrink: true, minWidth: 10 },
  { header: 'VERSION', value: (row) => row.image.pulsarVersion ?? '(untagged)' },
  { header: 'AMI', value: (row) => row.image.imageId, minWidth: AMI_WIDTH },
  { header: 'STATE', value: (row) => row.image.state },
  { header: 'CREATED', value: (row) => created(row.image.creationDate) },
  { header: 'NAME', value: (row) => row.image.name, shrink: true, minWidth: 12 },
];

function stamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}
