import { type CliContext, duration, EXIT_CODES, formatTable, terminalWidth } from '@lab/cli-kit';
import { LabError } from '@lab/core';
import { array, command, multioption, option, optional, positional, string } from 'cmd-ts';
import { assertAmiId, type CommandEnv, common, parseTags, stamp } from '../context.js';
import type { Session } from '../session.js';
import { checkColumns } from '../tables.js';

export function validateCommand({ handle, stdout, clock, deps }: CommandEnv) {
  return command({
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
        if (args.image !== 'latest') assertAmiId(args.image);
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
}

/** `latest` as the newest available image id, asked from EC2 (never the cache); any other id as it is. */
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
