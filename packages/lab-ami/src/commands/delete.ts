import { EXIT_CODES } from '@lab/cli-kit';
import { command, positional, string } from 'cmd-ts';
import { assertAmiId, type CommandEnv, common } from '../context.js';

export function deleteCommand({ handle, clock }: CommandEnv) {
  return command({
    name: 'delete',
    description: 'Deregister a lab AMI and delete its snapshots.',
    args: {
      ...common,
      image: positional({ type: string, displayName: 'ami-id', description: 'AMI id' }),
    },
    handler: (args) =>
      handle(args, async (context, session) => {
        assertAmiId(args.image);
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
}
