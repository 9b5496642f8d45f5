import { EXIT_CODES, formatTable, terminalWidth } from '@lab/cli-kit';
import { command, flag, option, optional, string } from 'cmd-ts';
import { type CommandEnv, common } from '../context.js';
import { imageColumns } from '../tables.js';

export function listCommand({ handle, stdout, clock }: CommandEnv) {
  return command({
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
}
