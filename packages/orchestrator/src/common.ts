import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type LabConfig, resolveConfigSources } from '@lab/config';
import {
  createEmitter,
  type Emitter,
  type EventSink,
  errorMessage,
  fanOut,
  isLabError,
  LabError,
  withContext,
} from '@lab/core';
import type { Experiment } from '@lab/experiment-store';
import { parseTerraformOutputs, type TerraformOutputs } from '@lab/infra';
import type { ResolvedDeps } from './deps.js';
import { createTerraform, type Terraform } from './terraform.js';

export const EVENT_SOURCE = '@lab/orchestrator';

/** Files the lifecycle keeps in the experiment directory (relative paths). */
export const EXPERIMENT_FILES = {
  config: 'config/resolved.json',
  explain: 'config/explain.txt',
  outputs: 'terraform/outputs.json',
} as const;

/** The configuration as `planExperiment` needs it: `ResolvedConfig` or one read back from an experiment. */
export interface PlanConfig {
  config: LabConfig;
  digest: string;
  explain(): string;
}

/** Events go to the caller's sink and the experiment's own logs. */
export function experimentEmitter(deps: ResolvedDeps, experiment: Experiment): Emitter {
  return createEmitter({ source: EVENT_SOURCE, sink: experimentSink(deps, experiment), clock: deps.clock });
}

export function experimentSink(deps: ResolvedDeps, experiment: Experiment): EventSink {
  return deps.events === undefined ? experiment.eventSink() : fanOut(deps.events, experiment.eventSink());
}

/** Terraform with the experiment's own state, variables, plan and data directory. */
export function experimentTerraform(
  deps: ResolvedDeps,
  experiment: Experiment,
  sink: EventSink,
  signal: AbortSignal | undefined,
): Terraform {
  const settings = deps.terraform;
  return createTerraform({
    moduleDir: settings.moduleDir,
    workDir: experiment.paths.terraformDir,
    ...(settings.binary === undefined ? {} : { binary: settings.binary }),
    ...(settings.pluginCacheDir === undefined ? {} : { pluginCacheDir: settings.pluginCacheDir }),
    ...(settings.runner === undefined ? {} : { runner: settings.runner }),
    ...(settings.env === undefined ? {} : { env: settings.env }),
    ...(signal === undefined ? {} : { signal }),
    events: sink,
  });
}

/** Reads back the configuration `setup` stored, re-validated through `@lab/config`. */
export async function storedConfig(experiment: Experiment): Promise<PlanConfig> {
  const path = join(experiment.paths.root, EXPERIMENT_FILES.config);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw withContext(error, `Reading the configuration of ${experiment.id}`, {
      hint: 'The experiment was not set up by lab-orchestrate setup (or its directory is incomplete)',
    });
  }
  const stored = JSON.parse(text) as LabConfig;
  const explainPath = join(experiment.paths.root, EXPERIMENT_FILES.explain);
  const explain = await readFile(explainPath, 'utf8').catch(() => '');
  // Re-validating catches a hand-edited or truncated file before it reaches AWS.
  const resolved = resolveConfigSources({
    files: [
      { section: 'infrastructure', file: path, text: JSON.stringify(stored.infrastructure) },
      { section: 'cluster', file: path, text: JSON.stringify(stored.cluster) },
      ...(stored.testPlan === undefined
        ? []
        : [{ section: 'testPlan' as const, file: path, text: JSON.stringify(stored.testPlan) }]),
    ],
  });
  return { config: resolved.config, digest: resolved.digest, explain: () => explain };
}

/** The Terraform outputs `setup` stored after apply. */
export async function storedOutputs(experiment: Experiment): Promise<TerraformOutputs> {
  const path = join(experiment.paths.root, EXPERIMENT_FILES.outputs);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new LabError('EXPERIMENT_NOT_READY', `${experiment.id} has no cluster: ${errorMessage(error)}`, {
      cause: error,
      hint: `Run \`lab-orchestrate setup\` first (or \`lab-orchestrate status --experiment-id ${experiment.id}\` to see what happened)`,
    });
  }
  return parseTerraformOutputs(text, { file: path });
}

/** A LabError's record for the manifest, or a generic one. */
export function errorCode(error: unknown): string {
  return isLabError(error) ? error.code : 'UNEXPECTED';
}

/** Milliseconds → `12m 5s` for messages. */
export function minutes(ms: number): string {
  const total = Math.round(ms / 1000);
  const m = Math.floor(total / 60);
  const s = total % 60;
  return m === 0 ? `${s}s` : `${m}m ${s}s`;
}
