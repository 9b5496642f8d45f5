import { EXIT_CODES, terminalWidth } from '@lab/cli-kit';
import { command } from 'cmd-ts';
import { common } from '../args.js';
import type { CommandKit } from '../kit.js';
import { formatExperiments } from '../render.js';

export function listCommand(kit: CommandKit) {
  const { handle, stdout } = kit;
  return command({
    name: 'list',
    description:
      'List the experiments in the store, newest first, with their status and whether resources may be alive.',
    args: { ...common },
    handler: (args) =>
      handle(args, async (context, session) => {
        const rows = await session.store.list();
        if (args.json) context.renderer.result({ experiments: rows });
        else if (rows.length === 0) context.renderer.line(`No experiments in ${session.home}.`);
        else stdout.write(formatExperiments(rows, terminalWidth(stdout)));
        return EXIT_CODES.ok;
      }),
  });
}
