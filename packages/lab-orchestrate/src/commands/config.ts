import { EXIT_CODES } from '@lab/cli-kit';
import { command, flag } from 'cmd-ts';
import { common, configArgs } from '../args.js';
import type { CommandKit } from '../kit.js';

export function configCommand(kit: CommandKit) {
  const { handle, stdout, loadConfig } = kit;
  return command({
    name: 'config',
    description:
      'Resolve the configuration (defaults → --config files → --set → --tag) and print it; --explain prints where every value came from.',
    args: {
      ...common,
      ...configArgs,
      explain: flag({ long: 'explain', description: 'print each value with its source' }),
    },
    handler: (args) =>
      handle(args, async (context, session) => {
        const resolved = await loadConfig(session, args);
        if (args.json)
          context.renderer.result({
            config: resolved.config,
            digest: resolved.digest,
            provenance: resolved.provenance,
          });
        else if (args.explain) stdout.write(`${resolved.explain().trimEnd()}\n`);
        else stdout.write(`${JSON.stringify(resolved.config, null, 2)}\n`);
        return EXIT_CODES.ok;
      }),
  });
}
