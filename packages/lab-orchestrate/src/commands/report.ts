import { join, resolve } from 'node:path';
import { command, flag, option, optional, restPositionals, string } from 'cmd-ts';
import { common, usage } from '../args.js';
import type { CommandKit } from '../kit.js';

export function reportCommand(kit: CommandKit) {
  const { handle, cwd, clock, reported } = kit;
  return command({
    name: 'report',
    description:
      'Write a report (self-contained index.html, summary.csv, summary.json): of an experiment (--experiment-id), of any OMB result files (--results FILE|DIR…), or of several experiments side by side (--compare EXP EXP…).',
    args: {
      ...common,
      experimentId: option({
        long: 'experiment-id',
        type: optional(string),
        description: 'latest, an experiment id, or a unique prefix (default: latest)',
      }),
      results: flag({ long: 'results', description: 'the arguments are OMB result files or directories' }),
      compare: flag({ long: 'compare', description: 'the arguments are experiments to compare' }),
      noActualCost: flag({ long: 'no-actual-cost', description: 'do not ask Cost Explorer' }),
      out: option({ long: 'out', type: optional(string), description: 'report directory' }),
      inputs: restPositionals({ type: string, displayName: 'FILE|DIR|EXPERIMENT' }),
    },
    handler: (args) =>
      handle(args, async (context, session) => {
        const orchestrator = await import('@lab/orchestrator');
        if (args.results && args.compare) throw usage('--results and --compare exclude each other');
        if (args.results) {
          if (args.inputs.length === 0) throw usage('--results needs at least one file or directory');
          const written = await orchestrator.reportFromResults({
            paths: args.inputs.map((path) => resolve(cwd, path)),
            out: resolve(cwd, args.out ?? 'report'),
            clock,
          });
          return reported(context, args.json, {
            directory: written.directory,
            html: written.html,
            runs: written.runs,
          });
        }
        if (args.compare) {
          if (args.inputs.length < 2) throw usage('--compare needs at least two experiments');
          const written = await orchestrator.compareReport(session.deps(), {
            experiments: args.inputs,
            out: resolve(cwd, args.out ?? `report-${args.inputs.join('-vs-')}`),
          });
          return reported(context, args.json, {
            directory: written.directory,
            html: written.html,
            runs: written.runs,
          });
        }
        if (args.inputs.length > 0)
          throw usage('unexpected arguments; use --results FILE… or --compare EXP…');
        const result = await orchestrator.report(session.deps(), {
          experiment: args.experimentId ?? 'latest',
          actualCost: !args.noActualCost,
        });
        return reported(context, args.json, { ...result, html: join(result.directory, 'index.html') });
      }),
  });
}
