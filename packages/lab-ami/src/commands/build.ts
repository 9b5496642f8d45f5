import { join } from 'node:path';
import type { AmiBuildPlan } from '@lab/ami-builder/aws';
import { type CliContext, EXIT_CODES } from '@lab/cli-kit';
import { ValidationError } from '@lab/core';
import { array, command, flag, multioption, oneOf, option, optional, string } from 'cmd-ts';
import { type CommandEnv, common, parseTags, stamp } from '../context.js';
import { resolveTemplate } from '../template.js';

export function buildCommand({ handle, stdout, clock, cwd, deps }: CommandEnv) {
  return command({
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
        description:
          'Packer template (default: packer/pulsar-base.pkr.hcl of this checkout, else the one @lab/ami-builder ships)',
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
        const { OMB_COMMIT_PATTERN, PACKER_DIR, PULSAR_VERSION_PATTERN } = await import('@lab/ami-builder');
        if (args.ombCommit !== undefined && !OMB_COMMIT_PATTERN.test(args.ombCommit)) {
          throw new ValidationError('Invalid --omb-commit', [
            {
              path: 'omb-commit',
              message: 'not a full git commit id',
              expected: '40 lowercase hex digits',
              received: args.ombCommit,
            },
          ]);
        }
        if (args.pulsarVersion !== undefined && !PULSAR_VERSION_PATTERN.test(args.pulsarVersion)) {
          throw new ValidationError('Invalid --pulsar-version', [
            {
              path: 'pulsar-version',
              message: 'not a Pulsar release version',
              expected: 'e.g. 4.0.4',
              received: args.pulsarVersion,
            },
          ]);
        }
        const template = resolveTemplate(args.template, cwd, join(PACKER_DIR, 'pulsar-base.pkr.hcl'));
        const aws = await import('@lab/ami-builder/aws');
        const buildId = `ami-build-${stamp(clock.now())}`;
        const region = await session.region();
        const ec2 = await session.ec2();
        context.renderer.phase('build');
        const options = {
          ec2,
          region,
          template,
          buildId,
          pulsarVersion: args.pulsarVersion,
          ombCommit: args.ombCommit,
          javaVersion: args.javaVersion,
          instanceProfile: args.instanceProfile,
          subnetId: args.subnetId,
          instanceType: args.instanceType,
          userTags: tags,
          force: args.force,
          clock,
        };
        if (args.dryRun) {
          const plan = await aws.planAmiBuild(options);
          showPlan(context, plan, { json: args.json, packer: args.packer ?? 'packer' }, aws.BUILD_PROFILE);
          return EXIT_CODES.ok;
        }
        context.setForceExitMessage(
          `Packer may still be cleaning up; anything left is tagged ExperimentID=${buildId}: run lab-cleanup for it.`,
        );
        const result = await aws.buildPulsarAmi({
          ...options,
          iam: await session.iam(),
          cache: await session.cache(context.renderer.sink),
          accountId: session.accountId,
          packerBinary: args.packer,
          runner: deps.packerRunner,
          signal: context.signal,
          events: context.renderer.sink,
        });
        if (args.json) context.renderer.result(result);
        else stdout.write(`${result.amiId}\n`);
        context.renderer.line(
          `Built ${result.amiId} (Pulsar ${result.pulsarVersion}) in ${result.region}. Validate it with \`lab-ami validate ${result.amiId}\`.`,
        );
        return EXIT_CODES.ok;
      }),
  });
}

function showPlan(
  context: CliContext,
  plan: AmiBuildPlan,
  options: { json: boolean; packer: string },
  buildProfile: { instanceProfile: string },
): void {
  if (plan.existingUnknown !== undefined) {
    context.renderer.line(
      `Could not check for existing images (${plan.existingUnknown}); showing the plan anyway.`,
    );
  }
  const shown = {
    dryRun: true,
    region: plan.region,
    template: plan.template,
    buildId: plan.buildId,
    pulsarVersion: plan.pulsarVersion,
    ombCommit: plan.ombCommit,
    javaVersion: plan.javaVersion,
    instanceProfile: plan.instanceProfile ?? `${buildProfile.instanceProfile} (created if missing)`,
    subnetId: plan.subnetId ?? '(default VPC)',
    tags: plan.userTags,
    existing: plan.existing,
    wouldRefuse: plan.wouldRefuse,
  };
  if (options.json) {
    context.renderer.result(shown);
    return;
  }
  context.renderer.line(
    [
      `Dry run: would run \`${options.packer} init\` and \`${options.packer} build -machine-readable\` on ${plan.template}`,
      `  region ${plan.region}, Pulsar ${plan.pulsarVersion}, OMB ${plan.ombCommit}, Java ${plan.javaVersion}`,
      `  instance profile ${shown.instanceProfile}, subnet ${shown.subnetId}, build id ${plan.buildId}`,
      plan.wouldRefuse
        ? `  would REFUSE: Pulsar ${plan.pulsarVersion} already has ${plan.existing?.join(', ')} (use --force)`
        : '  nothing would be refused',
    ].join('\n'),
  );
}
