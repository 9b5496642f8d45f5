import { EXIT_CODES, formatTable, terminalWidth } from '@lab/cli-kit';
import { ValidationError } from '@lab/core';
import { command, flag, number, option } from 'cmd-ts';
import { type CommandEnv, common } from '../context.js';
import { pruneColumns } from '../tables.js';

export function pruneCommand({ handle, stdout, clock }: CommandEnv) {
  return command({
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
}
