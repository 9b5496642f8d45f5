import { join, resolve } from 'node:path';
import { type CliContext, EXIT_CODES, runCli } from '@lab/cli-kit';
import { systemClock, ValidationError } from '@lab/core';
import type { ExperimentPlan } from '@lab/orchestrator';
import { COST_THRESHOLD_ENV, type CommonValues, type ConfigValues } from './args.js';
import type { LabOrchestrateDeps } from './deps.js';
import { lifecycleViews } from './render.js';
import { createSession, type Session } from './session.js';

/** What every subcommand is built from: the streams, the session, and the steps they share. */
export type CommandKit = ReturnType<typeof createKit>;

export function createKit(deps: LabOrchestrateDeps) {
  const stdout = deps.stdout ?? process.stdout;
  const stderr = deps.stderr ?? process.stderr;
  const env = deps.env ?? process.env;
  const cwd = deps.cwd ?? process.cwd();
  const clock = deps.clock ?? systemClock;

  const handle = (args: CommonValues, body: (context: CliContext, session: Session) => Promise<number>) =>
    runCli(
      {
        json: args.json,
        verbose: args.verbose,
        yes: args.yes,
        stdout,
        stderr,
        env,
        clock,
        views: lifecycleViews(),
        ...(deps.stdin === undefined ? {} : { stdin: deps.stdin }),
        ...(deps.process === undefined ? {} : { process: deps.process }),
      },
      async (context) => body(context, await createSession(args, context, deps, { env, cwd, clock })),
    );

  const loadConfig = async (session: Session, args: CommonValues & ConfigValues) => {
    const { loadExperimentConfig } = await import('@lab/orchestrator');
    const { readFile } = await import('node:fs/promises');
    // Paths stay as typed (errors and provenance show them); they are read relative to cwd.
    return loadExperimentConfig({
      target: args.target,
      configFiles: args.config,
      testPlan: args.testPlan,
      set: args.set,
      tags: args.tag,
      region: args.region,
      events: session.sink,
      readFile: (file) => readFile(resolve(cwd, file), 'utf8'),
    });
  };

  const printPlan = async (
    context: CliContext,
    session: Session,
    plan: ExperimentPlan,
    scope: 'setup' | 'run' | 'teardown' | 'full',
    out: string | undefined,
    json: boolean,
  ) => {
    const { dryRunFiles, writeDryRun } = await import('@lab/orchestrator');
    const files = dryRunFiles(plan, scope);
    const directory =
      out === undefined ? join(session.home, '.dry-runs', plan.experimentId) : resolve(cwd, out);
    await writeDryRun(directory, files);
    if (json) {
      context.renderer.result({
        dryRun: true,
        scope,
        directory,
        plan: JSON.parse(files['plan.json'] ?? '{}'),
      });
    } else {
      stdout.write(files['plan.txt'] ?? '');
      context.renderer.line(
        `Dry run: nothing was created. The plan and every generated file are in ${directory}`,
      );
    }
    return EXIT_CODES.ok;
  };

  const costThreshold = (value: number | undefined) => {
    if (value !== undefined) return value;
    const fromEnv = env[COST_THRESHOLD_ENV];
    if (fromEnv === undefined || fromEnv === '') return undefined;
    const parsed = Number(fromEnv);
    if (!Number.isFinite(parsed) || parsed < 0) {
      throw new ValidationError(`Invalid ${COST_THRESHOLD_ENV}`, [
        {
          path: COST_THRESHOLD_ENV,
          message: 'not an amount in US$',
          expected: 'a number ≥ 0',
          received: fromEnv,
        },
      ]);
    }
    return parsed;
  };

  /** The setup options shared by `setup` and `full`: cost shown first, confirmation above the threshold. */
  const setupOptions = async (
    context: CliContext,
    session: Session,
    args: CommonValues & { costThreshold: number | undefined; livePrices: boolean },
    resolved: import('@lab/orchestrator').PlanConfig,
  ) => {
    const { formatCost, platformFor } = await import('@lab/orchestrator');
    const platform = platformFor(session.deps(), args.target ?? 'aws');
    return {
      target: platform.target,
      costThresholdUsd: costThreshold(args.costThreshold),
      livePrices: args.livePrices,
      onPlan: (plan: ExperimentPlan) => {
        if (!args.json)
          for (const line of formatCost(plan).trimEnd().split('\n')) context.renderer.line(line);
      },
      confirmCost: async (plan: ExperimentPlan) => {
        await context.confirm(
          `Create the cluster for about US$${plan.cost.estimate.total.toFixed(2)}${plan.cost.estimate.complete ? '' : ' (estimate incomplete)'}?`,
        );
      },
      onCreated: (id: string) => {
        context.setForceExitMessage(
          `${platform.target === 'aws' ? 'Resources' : 'Processes'} of ${id} may be left behind. Finish with: ${platform.finishCommand(id, platform.regions(resolved.config))}`,
        );
        if (!args.json) context.renderer.line(`Experiment ${id} (${join(session.home, id)})`);
      },
    };
  };

  const reported = (
    context: CliContext,
    json: boolean,
    result: { directory: string; html: string; runs: number },
  ) => reportedResult(context, json, result);

  return { deps, stdout, stderr, env, cwd, clock, handle, loadConfig, printPlan, setupOptions, reported };
}

function reportedResult(
  context: CliContext,
  json: boolean,
  result: { directory: string; html: string; runs: number },
): number {
  if (json) context.renderer.result(result);
  else context.renderer.line(`Report of ${result.runs} run(s): ${result.html}`);
  return EXIT_CODES.ok;
}
