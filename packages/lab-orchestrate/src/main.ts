import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import {
  applyColorPreference,
  type CliContext,
  EXIT_CODES,
  EXIT_CODES_HELP,
  GLOBAL_FLAG_SPEC,
  type GlobalArgValues,
  globalArgs,
  hoistGlobalFlags,
  type OutputStream,
  type QuestionInput,
  runCli,
  type SignalSource,
  terminalWidth,
} from '@lab/cli-kit';
import {
  type Clock,
  type EventSink,
  LabError,
  type LabEvent,
  type Sleep,
  systemClock,
  ValidationError,
} from '@lab/core';
import type { ProcessRunner } from '@lab/core/process';
import type { ExperimentStore } from '@lab/experiment-store';
import type {
  AwsClientsFactory,
  CleanupByTags,
  ExperimentPlan,
  OrchestratorDeps,
  RemoteOps,
} from '@lab/orchestrator';
import {
  array,
  command,
  flag,
  multioption,
  number,
  oneOf,
  option,
  optional,
  restPositionals,
  runSafely,
  string,
  subcommands,
} from 'cmd-ts';
import { formatExperiments, formatStatus, lifecycleViews } from './render.js';

/** What `main` can be given instead of the real process, AWS and Terraform (tests, other tools). */
export interface LabOrchestrateDeps {
  stdout?: OutputStream;
  stderr?: OutputStream;
  stdin?: QuestionInput;
  env?: NodeJS.ProcessEnv;
  process?: SignalSource;
  cwd?: string;
  clock?: Clock;
  sleep?: Sleep;
  /** AWS clients per region instead of ones created from the flags. */
  aws?: AwsClientsFactory;
  /** SSM commands and file transfers instead of `@lab/ssm-runner`'s. */
  remote?: RemoteOps;
  /** Tag-based cleanup instead of the built-in adapter. */
  cleanupByTags?: CleanupByTags;
  /** How Terraform is started (default `runProcess` of `@lab/core/process`; tests use a fixture executable through --terraform-bin instead). */
  terraformRunner?: ProcessRunner;
}

export const SUBCOMMANDS = [
  'setup',
  'run',
  'report',
  'teardown',
  'full',
  'list',
  'status',
  'config',
] as const;

/** Where the local target keeps what it installs (default `<home>/cache`). */
export const LOCAL_CACHE_ENV = 'PULSAR_AWS_LAB_CACHE';

/** Setup asks before spending more than this (US$) unless --yes; `--cost-threshold` or this variable change it. */
export const COST_THRESHOLD_ENV = 'PULSAR_AWS_LAB_COST_THRESHOLD';

const common = {
  ...globalArgs,
  dryRun: flag({
    long: 'dry-run',
    description: 'show the complete plan and write it to a directory; no AWS call',
  }),
  home: option({
    long: 'home',
    type: optional(string),
    description: 'experiment store (default $PULSAR_AWS_LAB_HOME, else ~/.pulsar-aws-lab)',
  }),
  terraformDir: option({
    long: 'terraform-dir',
    type: optional(string),
    description: 'the lab root module (default: terraform/ of the checkout you are in)',
  }),
  terraformBin: option({
    long: 'terraform-bin',
    type: optional(string),
    description: 'terraform executable (default: terraform on PATH)',
  }),
  target: option({
    long: 'target',
    type: optional(oneOf(['aws', 'local'] as const)),
    description:
      'where the cluster lives: aws (default for new experiments) or local (a rehearsal on this machine: real Pulsar and OMB, no AWS account); an existing experiment keeps its own',
  }),
};

const localArgs = {
  pulsarTarball: option({
    long: 'pulsar-tarball',
    type: optional(string),
    description:
      '--target local: the Apache Pulsar binary distribution (default: downloaded once, SHA-512 checked)',
  }),
  ombSource: option({
    long: 'omb-source',
    type: optional(string),
    description:
      '--target local: OMB as a git URL, a checkout, or a git archive of the pinned commit (default: its git repository)',
  }),
};

const configArgs = {
  config: multioption({
    long: 'config',
    type: array(string),
    description:
      'infrastructure or cluster YAML (repeatable, later wins; prefix infrastructure: or cluster: to be explicit)',
  }),
  testPlan: option({ long: 'test-plan', type: optional(string), description: 'test plan YAML' }),
  set: multioption({
    long: 'set',
    type: array(string),
    description: 'override one value: path=value (repeatable)',
  }),
  tag: multioption({
    long: 'tag',
    type: array(string),
    description: 'user tag Key=Value on every resource (repeatable)',
  }),
};

const experimentArg = {
  experimentId: option({
    long: 'experiment-id',
    type: string,
    defaultValue: () => 'latest',
    defaultValueIsSerializable: true,
    description: 'latest, an experiment id, or a unique prefix of one',
  }),
};

const setupArgs = {
  costThreshold: option({
    long: 'cost-threshold',
    type: optional(number),
    description: `ask before setup when the estimate is above this many US$ (default $${COST_THRESHOLD_ENV} or 5)`,
  }),
  out: option({ long: 'out', type: optional(string), description: 'where a dry run writes its files' }),
  livePrices: flag({
    long: 'live-prices',
    description:
      'price the estimate with the AWS Pricing API (needs pricing:GetProducts; falls back to the shipped table)',
  }),
};

interface CommonValues extends GlobalArgValues {
  dryRun: boolean;
  home: string | undefined;
  terraformDir: string | undefined;
  terraformBin: string | undefined;
  target: 'aws' | 'local' | undefined;
  pulsarTarball?: string | undefined;
  ombSource?: string | undefined;
}

interface ConfigValues {
  config: string[];
  testPlan: string | undefined;
  set: string[];
  tag: string[];
}

function createApp(deps: LabOrchestrateDeps) {
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

  const setup = command({
    name: 'setup',
    description:
      'Create an experiment: validate everything, estimate the cost, resolve the AMI, terraform init/plan/apply with the experiment’s own state, wait for the health cascade. Cleans up on any failure or Ctrl-C.',
    args: { ...common, ...configArgs, ...setupArgs, ...localArgs },
    handler: (args) =>
      handle(args, async (context, session) => {
        const resolved = await loadConfig(session, args);
        const orchestrator = await import('@lab/orchestrator');
        if (args.dryRun) {
          if (args.livePrices)
            throw usage('--live-prices asks the AWS Pricing API; a dry run makes no AWS call');
          const plan = await session.planFor(resolved);
          return printPlan(context, session, plan, 'setup', args.out, args.json);
        }
        const result = await orchestrator.setup(session.deps(), {
          resolved,
          ...(await setupOptions(context, session, args, resolved)),
        });
        if (args.json) context.renderer.result({ experimentId: result.experimentId, amiId: result.amiId });
        else {
          stdout.write(`${result.experimentId}\n`);
          context.renderer.line(
            `${result.experimentId} is ready. Next: lab-orchestrate run --experiment-id ${result.experimentId}, then teardown.`,
          );
        }
        return EXIT_CODES.ok;
      }),
  });

  const run = command({
    name: 'run',
    description:
      'Run the test plan on a ready experiment: upload workloads, run OMB (distributed over every client), show the achieved rate, fetch and check each result. A failed run is recorded and the plan continues unless --fail-fast.',
    args: {
      ...common,
      ...experimentArg,
      testPlan: configArgs.testPlan,
      failFast: flag({ long: 'fail-fast', description: 'stop at the first failed run' }),
      out: setupArgs.out,
    },
    handler: (args) =>
      handle(args, async (context, session) => {
        const orchestrator = await import('@lab/orchestrator');
        const experiment = await session.store.open(args.experimentId);
        await session.checkTarget(experiment);
        const override =
          args.testPlan === undefined
            ? undefined
            : await orchestrator.withTestPlan(
                await orchestrator.storedConfig(experiment),
                args.testPlan,
                async (file) => (await import('node:fs/promises')).readFile(resolve(cwd, file), 'utf8'),
              );
        context.setForceExitMessage(
          `OMB may still be running on ${experiment.id}; tear down with: lab-orchestrate teardown --experiment-id ${experiment.id}`,
        );
        if (args.dryRun) {
          const resolved = override ?? (await orchestrator.storedConfig(experiment));
          const manifest = await experiment.readManifest();
          const outputs = await orchestrator.storedOutputs(experiment).catch(() => undefined);
          const plan = await session.planFor(resolved, {
            experimentId: experiment.id,
            createdAtMs: Date.parse(manifest.createdAt),
            workDir: experiment.paths.terraformDir,
            target: manifest.target,
            ...(outputs === undefined
              ? {}
              : {
                  hosts: {
                    brokers: outputs.roles.broker.privateIps,
                    clients: outputs.roles.client.privateIps,
                  },
                }),
          });
          return printPlan(
            context,
            session,
            plan,
            'run',
            args.out ?? join(experiment.paths.root, 'dry-run'),
            args.json,
          );
        }
        const result = await orchestrator.run(session.deps(), {
          experiment: experiment.id,
          failFast: args.failFast,
          ...(override === undefined ? {} : { resolved: override }),
        });
        if (args.json) context.renderer.result(result);
        else
          context.renderer.line(
            `${result.runs.length} run(s) stored in ${join(experiment.paths.root, 'benchmark_results')}`,
          );
        return EXIT_CODES.ok;
      }),
  });

  const report = command({
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

  const teardown = command({
    name: 'teardown',
    description:
      'Destroy an experiment: terraform destroy with its own state, then find anything left by tag alone and verify it is gone. Works when the local state is lost.',
    args: { ...common, ...experimentArg, out: setupArgs.out },
    handler: (args) =>
      handle(args, async (context, session) => {
        const orchestrator = await import('@lab/orchestrator');
        const experiment = await session.store.open(args.experimentId);
        const manifest = await session.checkTarget(experiment);
        context.setForceExitMessage(
          `Teardown of ${experiment.id} interrupted. Finish with: ${orchestrator.platformFor(session.deps(), manifest.target).finishCommand(experiment.id, manifest.regions)}`,
        );
        if (args.dryRun) {
          const resolved = await orchestrator.storedConfig(experiment);
          const plan = await session.planFor(resolved, {
            experimentId: experiment.id,
            createdAtMs: Date.parse(manifest.createdAt),
            workDir: experiment.paths.terraformDir,
            target: manifest.target,
          });
          return printPlan(
            context,
            session,
            plan,
            'teardown',
            args.out ?? join(experiment.paths.root, 'dry-run'),
            args.json,
          );
        }
        const outcome = await orchestrator.teardown(session.deps(), { experiment: experiment.id });
        if (args.json) context.renderer.result(outcome);
        else
          context.renderer.line(
            manifest.target === 'aws'
              ? `${experiment.id} torn down; nothing is left (verified by tag).`
              : `${experiment.id} torn down; nothing left running: no process of it, no port of it listening (verified).`,
          );
        return EXIT_CODES.ok;
      }),
  });

  const full = command({
    name: 'full',
    description:
      'setup → run → report → teardown in one go; teardown always runs. If teardown itself fails it says so loudly and prints the command that finishes the job.',
    args: {
      ...common,
      ...configArgs,
      ...setupArgs,
      ...localArgs,
      failFast: flag({ long: 'fail-fast', description: 'stop at the first failed run' }),
    },
    handler: (args) =>
      handle(args, async (context, session) => {
        const resolved = await loadConfig(session, args);
        const orchestrator = await import('@lab/orchestrator');
        if (resolved.config.testPlan === undefined) throw usage('full needs --test-plan');
        if (args.dryRun) {
          if (args.livePrices)
            throw usage('--live-prices asks the AWS Pricing API; a dry run makes no AWS call');
          const plan = await session.planFor(resolved);
          return printPlan(context, session, plan, 'full', args.out, args.json);
        }
        const result = await orchestrator.full(session.deps(), {
          resolved,
          failFast: args.failFast,
          ...(await setupOptions(context, session, args, resolved)),
        });
        if (args.json) context.renderer.result(result);
        else {
          stdout.write(`${result.report?.directory ?? ''}/index.html\n`);
          context.renderer.line(
            `${result.experimentId}: done and torn down. Report: ${result.report?.directory}/index.html`,
          );
        }
        return EXIT_CODES.ok;
      }),
  });

  const list = command({
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

  const status = command({
    name: 'status',
    description:
      'Show an experiment: phases, runs, outcome, and which of its resources are still alive (found by tag, not from Terraform state).',
    args: {
      ...common,
      ...experimentArg,
      noCheck: flag({ long: 'no-check', description: 'do not ask AWS which resources are alive' }),
    },
    handler: (args) =>
      handle(args, async (context, session) => {
        const orchestrator = await import('@lab/orchestrator');
        const result = await orchestrator.experimentStatus(session.deps(), {
          experiment: args.experimentId,
          checkResources: !args.noCheck && !args.dryRun,
        });
        if (args.json) context.renderer.result(result);
        else stdout.write(formatStatus(result, terminalWidth(stdout)));
        return result.resources !== undefined &&
          result.resources.remaining.length > 0 &&
          result.row.status !== 'running'
          ? EXIT_CODES.incomplete
          : EXIT_CODES.ok;
      }),
  });

  const config = command({
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

  return subcommands({
    name: 'lab-orchestrate',
    description:
      'The pulsar-aws-lab experiment lifecycle: a tagged Pulsar cluster on AWS, OMB benchmarks over SSM, a report, and a teardown that leaves nothing behind. Global flags (--region --profile --dry-run --json --yes --endpoint-url) may stand anywhere.',
    cmds: { setup, run, report, teardown, full, list, status, config },
  });
}

/** Runs `lab-orchestrate` with `argv` (without node and script); resolves with the exit code. */
export async function main(argv: readonly string[], deps: LabOrchestrateDeps = {}): Promise<number> {
  applyColorPreference(deps.env ?? process.env);
  const app = createApp(deps);
  const result = await runSafely(app, hoistGlobalFlags(argv, SUBCOMMANDS, GLOBAL_FLAG_SPEC));
  if (result._tag === 'error') {
    const { exitCode, message, into } = result.error.config;
    const stream = into === 'stdout' ? (deps.stdout ?? process.stdout) : (deps.stderr ?? process.stderr);
    const help = exitCode === 0;
    stream.write(
      `${message.endsWith('\n') ? message : `${message}\n`}${help ? `\n${EXIT_CODES_HELP}\n` : ''}`,
    );
    return help ? EXIT_CODES.ok : EXIT_CODES.usage;
  }
  return result.value.value;
}

interface Session {
  home: string;
  store: ExperimentStore;
  sink: EventSink;
  deps(): OrchestratorDeps;
  /** The experiment's manifest, after checking that `--target`, when given, is its target. */
  checkTarget(
    experiment: import('@lab/experiment-store').Experiment,
  ): Promise<import('@lab/experiment-store').Manifest>;
  planFor(
    resolved: import('@lab/orchestrator').PlanConfig,
    at?: {
      experimentId: string;
      createdAtMs: number;
      workDir: string;
      target: import('@lab/experiment-store').Target;
      hosts?: { brokers: string[]; clients: string[] };
    },
  ): Promise<ExperimentPlan>;
}

async function createSession(
  args: CommonValues & { costThreshold?: number | undefined },
  context: CliContext,
  deps: LabOrchestrateDeps,
  options: { env: NodeJS.ProcessEnv; cwd: string; clock: Clock },
): Promise<Session> {
  const [{ openStore, defaultHome }, orchestrator, { formatExperimentId }] = await Promise.all([
    import('@lab/experiment-store'),
    import('@lab/orchestrator'),
    import('@lab/core'),
  ]);
  const home = resolve(options.cwd, args.home ?? defaultHome(options.env));
  // The local target's Pulsar install and OMB build, reused by every experiment (and shareable
  // between homes with PULSAR_AWS_LAB_CACHE).
  const localCache = join(resolve(options.cwd, options.env[LOCAL_CACHE_ENV] ?? join(home, 'cache')), 'local');
  const sink = rendererSink(context);
  const store = openStore({ home, clock: options.clock, events: sink, env: options.env });
  const moduleDir = findTerraformDir(args.terraformDir, options.cwd);
  const connection = {
    ...(args.profile === undefined ? {} : { profile: args.profile }),
    ...(args.endpointUrl === undefined ? {} : { endpoint: args.endpointUrl }),
  };
  const aws = deps.aws ?? orchestrator.createAwsClients(connection);
  const terraformEnv: Record<string, string> = {
    ...(args.profile === undefined ? {} : { AWS_PROFILE: args.profile }),
    // The AWS provider reads the same endpoint override as the SDK (moto, LocalStack).
    ...(args.endpointUrl === undefined ? {} : { AWS_ENDPOINT_URL: args.endpointUrl }),
  };
  return {
    home,
    store,
    sink,
    deps: () => ({
      store,
      aws,
      terraform: {
        // Only the AWS target runs Terraform; it says so when the module is not there.
        moduleDir: moduleDir ?? resolve(options.cwd, 'terraform'),
        binary: args.terraformBin ?? options.env.TERRAFORM_BIN ?? 'terraform',
        pluginCacheDir: join(home, '.terraform-plugins'),
        env: terraformEnv,
        ...(deps.terraformRunner === undefined ? {} : { runner: deps.terraformRunner }),
      },
      cleanupByTags: deps.cleanupByTags ?? orchestrator.tagCleanup({ connection }),
      ...(deps.remote === undefined ? {} : { remote: deps.remote }),
      local: {
        cacheDir: localCache,
        ...(args.pulsarTarball === undefined
          ? {}
          : { pulsarTarball: resolve(options.cwd, args.pulsarTarball) }),
        ...(args.ombSource === undefined
          ? {}
          : {
              ombSource: /^[a-z][a-z0-9+.-]*:\/\//i.test(args.ombSource)
                ? args.ombSource
                : resolve(options.cwd, args.ombSource),
            }),
      },
      clock: options.clock,
      ...(deps.sleep === undefined ? {} : { sleep: deps.sleep }),
      events: sink,
      signal: context.signal,
    }),
    checkTarget: async (experiment) => {
      const manifest = await experiment.readManifest();
      if (args.target !== undefined && args.target !== manifest.target) {
        throw new LabError('USAGE', `${experiment.id} runs on ${manifest.target}, not ${args.target}`, {
          hint: 'Leave out --target: an experiment keeps the target it was set up with',
        });
      }
      return manifest;
    },
    planFor: async (resolved, at) => {
      const experimentId = at?.experimentId ?? formatExperimentId(new Date(options.clock.now()));
      const platform = orchestrator.platformFor(
        {
          local: { cacheDir: localCache },
          terraform: { moduleDir: moduleDir ?? resolve(options.cwd, 'terraform') },
        },
        at?.target ?? args.target ?? 'aws',
      );
      return orchestrator.planExperiment({
        ...(await platform.planInput({
          experimentId,
          experimentRoot: join(home, experimentId),
          config: resolved.config,
        })),
        resolved,
        experimentId,
        createdAtMs: at?.createdAtMs ?? options.clock.now(),
        hosts: at?.hosts,
        terraform: {
          moduleDir: moduleDir ?? 'terraform',
          workDir: at?.workDir ?? join(home, experimentId, 'terraform'),
          binary: args.terraformBin ?? options.env.TERRAFORM_BIN ?? 'terraform',
        },
        costThresholdUsd: args.costThreshold,
      });
    },
  };
}

/** Library events to the renderer; a lifecycle step becomes the live view's phase. */
function rendererSink(context: CliContext): EventSink {
  return (event: LabEvent) => {
    if (event.source === '@lab/orchestrator' && event.type.endsWith('step')) {
      context.renderer.phase(event.message);
      return;
    }
    context.renderer.sink(event);
  };
}

/** `terraform/` of the checkout `start` is in (or a parent), where `main.tf` and `versions.tf` are. */
export function findTerraformDir(given: string | undefined, start: string): string | undefined {
  if (given !== undefined) {
    const path = resolve(start, given);
    if (!existsSync(join(path, 'versions.tf'))) {
      throw new ValidationError('Not the lab Terraform module', [
        { path: 'terraform-dir', message: 'no versions.tf in this directory', received: path },
      ]);
    }
    return path;
  }
  let directory = resolve(start);
  for (;;) {
    const candidate = join(directory, 'terraform');
    if (existsSync(join(candidate, 'versions.tf')) && existsSync(join(candidate, 'outputs.tf')))
      return candidate;
    const parent = dirname(directory);
    if (parent === directory) return undefined;
    directory = parent;
  }
}

function usage(message: string): LabError {
  return new LabError('USAGE', message, { hint: 'See lab-orchestrate <command> --help' });
}

function reported(
  context: CliContext,
  json: boolean,
  result: { directory: string; html: string; runs: number },
): number {
  if (json) context.renderer.result(result);
  else context.renderer.line(`Report of ${result.runs} run(s): ${result.html}`);
  return EXIT_CODES.ok;
}
