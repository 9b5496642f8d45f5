import { EXIT_CODES } from '@lab/cli-kit';
import { LabError } from '@lab/core';
import { command, flag, option, optional, string } from 'cmd-ts';
import { type CommandEnv, common } from '../context.js';

export function latestCommand({ handle, stdout, clock }: CommandEnv) {
  return command({
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
}
