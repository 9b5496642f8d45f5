import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CliContext } from '@lab/cli-kit';
import { type Clock, type EventSink, LabError, ValidationError } from '@lab/core';
import type { ExperimentStore } from '@lab/experiment-store';
import type { ExperimentPlan, OrchestratorDeps } from '@lab/orchestrator';
import { type CommonValues, LOCAL_CACHE_ENV } from './args.js';
import type { LabOrchestrateDeps } from './deps.js';

export interface Session {
  home: string;
  store: ExperimentStore;
  sink: EventSink;
  deps(): OrchestratorDeps;
  /** The experiment's manifest, after checking that `--target`, when given, is its target. */
  checkTarget(
    experiment: import('@lab/experiment-store').Experiment,
  ): Promise<import('@lab/experiment-store').Manifest>;
  /** The plan of a new experiment (a dry run of setup or full), with `experimentId` when chosen. */
  newPlan(resolved: import('@lab/orchestrator').PlanConfig, experimentId?: string): Promise<ExperimentPlan>;
  /**
   * `--experiment-id` of `setup` and `full`, checked before anything is created: a valid id that
   * no experiment in the store has. Undefined when not given.
   */
  newExperimentId(given: string | undefined): Promise<string | undefined>;
}

export async function createSession(
  args: CommonValues & { costThreshold?: number | undefined },
  context: CliContext,
  deps: LabOrchestrateDeps,
  options: { env: NodeJS.ProcessEnv; cwd: string; clock: Clock },
): Promise<Session> {
  const [{ openStore, defaultHome }, orchestrator, { assertExperimentId, formatExperimentId }] =
    await Promise.all([import('@lab/experiment-store'), import('@lab/orchestrator'), import('@lab/core')]);
  const home = resolve(options.cwd, args.home ?? defaultHome(options.env));
  // The local target's Pulsar install and OMB build, reused by every experiment (and shareable
  // between homes with PULSAR_AWS_LAB_CACHE).
  const localCache = join(resolve(options.cwd, options.env[LOCAL_CACHE_ENV] ?? join(home, 'cache')), 'local');
  const sink: EventSink = (event) => context.renderer.sink(event);
  const store = openStore({ home, clock: options.clock, events: sink, env: options.env });
  const moduleDir = await findTerraformDir(args.terraformDir, options.cwd);
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
  const sessionDeps = (): OrchestratorDeps => ({
    store,
    aws,
    terraform: {
      // Only the AWS target runs Terraform; it says so when the module is not there.
      moduleDir,
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
    // Each lifecycle step becomes the live view's phase.
    onStep: (step) => context.renderer.phase(step.message),
    signal: context.signal,
  });
  return {
    home,
    store,
    sink,
    deps: sessionDeps,
    checkTarget: async (experiment) => {
      const manifest = await experiment.readManifest();
      if (args.target !== undefined && args.target !== manifest.target) {
        throw new LabError('USAGE', `${experiment.id} runs on ${manifest.target}, not ${args.target}`, {
          hint: 'Leave out --target: an experiment keeps the target it was set up with',
        });
      }
      return manifest;
    },
    newExperimentId: async (given) => {
      if (given === undefined) return undefined;
      assertExperimentId(given);
      if ((await store.list()).some((row) => row.id === given)) {
        throw new ValidationError(`Experiment ${given} already exists`, [
          {
            path: 'experiment-id',
            message: `an experiment with this id is in ${home}`,
            expected: 'a new id',
            received: given,
          },
        ]);
      }
      return given;
    },
    newPlan: async (resolved, chosenId) => {
      const experimentId = chosenId ?? formatExperimentId(new Date(options.clock.now()));
      const { plan } = await orchestrator.experimentPlan(
        sessionDeps(),
        resolved,
        {
          experimentId,
          root: join(home, experimentId),
          createdAtMs: options.clock.now(),
          target: args.target ?? 'aws',
        },
        { costThresholdUsd: args.costThreshold },
      );
      return plan;
    },
  };
}

/**
 * The lab's Terraform module: `--terraform-dir` when given (checked), else the module shipped
 * inside the installed `@lab/infra` — the one that matches this version of the lab.
 */
export async function findTerraformDir(given: string | undefined, start: string): Promise<string> {
  if (given === undefined) return (await import('@lab/infra')).shippedTerraformDir();
  const path = resolve(start, given);
  if (!existsSync(join(path, 'versions.tf'))) {
    throw new ValidationError('Not the lab Terraform module', [
      {
        path: 'terraform-dir',
        message: 'no versions.tf in this directory',
        expected: "the lab's root module (versions.tf, main.tf, outputs.tf)",
        received: path,
      },
    ]);
  }
  return path;
}
