import { readFile as fsReadFile } from 'node:fs/promises';
import {
  type ConfigFileSource,
  configDigest,
  type ResolvedConfig,
  resolveConfig,
  type Section,
  shippedConfigPath,
  shippedFileName,
} from '@lab/config';
import { type EventSink, ValidationError, withContext } from '@lab/core';
import type { Target } from '@lab/experiment-store';
import { parse } from 'yaml';
import type { PlanConfig } from './common.js';
import { isPlanName, shippedPlanFile } from './test-plan-names.js';

export interface ExperimentConfigOptions {
  /** Where the cluster will live; `local` layers the shipped local profile over the defaults. */
  target?: Target | undefined;
  /**
   * Infrastructure and cluster files (`--config`, repeatable), applied in order. A file's
   * section comes from a `infrastructure:` / `cluster:` prefix, else from its top-level keys.
   */
  configFiles?: readonly string[];
  /** `--test-plan`: a file, or the name of a shipped plan (`poc`: no `/` and no `.yaml` extension). */
  testPlan?: string | undefined;
  /** `--set path=value`. */
  set?: readonly string[];
  /** `--tag Key=Value`. */
  tags?: readonly string[];
  /** `--region`: the same as `--set infrastructure.region=…`, applied after the other `--set`s. */
  region?: string | undefined;
  readFile?: (file: string) => Promise<string>;
  events?: EventSink;
}

/**
 * The shipped profile of each target, applied right after the defaults and before `--config`:
 * the local target's cluster is small and sized for one machine.
 */
export const TARGET_PROFILES: Readonly<Record<Target, ReadonlyArray<{ section: Section; file: string }>>> = {
  aws: [],
  local: [
    { section: 'infrastructure', file: 'infrastructure/local.yaml' },
    { section: 'cluster', file: 'cluster/local.yaml' },
  ],
};

// Keys only a cluster file has; an infrastructure file has none of them.
const CLUSTER_KEYS = new Set(['clusterName', 'zookeeper', 'bookkeeper', 'broker', 'client', 'managedLedger']);
const PREFIX = /^(infrastructure|cluster):(.+)$/;

/**
 * Resolves an experiment's configuration through `@lab/config`'s one documented order
 * (defaults → the target's profile → files → `--set` → `--tag`). Every problem of every layer is
 * one ValidationError.
 */
export async function loadExperimentConfig(options: ExperimentConfigOptions): Promise<ResolvedConfig> {
  const read = options.readFile ?? ((file: string) => fsReadFile(file, 'utf8'));
  const files: ConfigFileSource[] = [];
  for (const profile of TARGET_PROFILES[options.target ?? 'aws']) {
    try {
      files.push({
        section: profile.section,
        file: shippedFileName(profile.file),
        text: await fsReadFile(shippedConfigPath(profile.file), 'utf8'),
      });
    } catch (error) {
      throw withContext(error, `Reading the shipped profile ${profile.file}`);
    }
  }
  for (const argument of options.configFiles ?? []) {
    const match = PREFIX.exec(argument);
    const file = match?.[2] ?? argument;
    let text: string;
    try {
      text = await read(file);
    } catch (error) {
      throw withContext(error, `Reading config file ${file}`, {
        hint: 'Config files are given relative to the current directory',
      });
    }
    const section = (match?.[1] as Section | undefined) ?? sectionOf(text, file);
    files.push({ section, file, text });
  }
  if (options.testPlan !== undefined) files.push(await testPlanSource(options.testPlan, read));
  return resolveConfig({
    files,
    set: [
      ...(options.set ?? []),
      ...(options.region === undefined ? [] : [`infrastructure.region=${options.region}`]),
    ],
    tags: options.tags ?? [],
    ...(options.events === undefined ? {} : { events: options.events }),
  });
}

async function testPlanSource(
  testPlan: string,
  read: (file: string) => Promise<string>,
): Promise<ConfigFileSource> {
  if (isPlanName(testPlan)) {
    const shipped = await shippedPlanFile(testPlan);
    try {
      return { section: 'testPlan', file: shipped.file, text: await fsReadFile(shipped.path, 'utf8') };
    } catch (error) {
      throw withContext(error, `Reading the shipped test plan ${shipped.path}`);
    }
  }
  try {
    return { section: 'testPlan', file: testPlan, text: await read(testPlan) };
  } catch (error) {
    throw withContext(error, `Reading test plan ${testPlan}`, {
      hint: 'Give a file relative to the current directory, or the name of a shipped plan (`lab-orchestrate plans`)',
    });
  }
}

function sectionOf(text: string, file: string): Section {
  let value: unknown;
  try {
    value = parse(text);
  } catch {
    // Not YAML: let @lab/config report the syntax error with its line and column.
    return 'infrastructure';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'infrastructure';
  const keys = Object.keys(value);
  if (keys.includes('runs')) {
    throw new ValidationError(`${file} is a test plan`, [
      { path: '', file, message: 'a test plan is given with --test-plan, not --config', received: file },
    ]);
  }
  return keys.length > 0 && keys.every((key) => CLUSTER_KEYS.has(key)) ? 'cluster' : 'infrastructure';
}

/**
 * An experiment's stored configuration with its test plan replaced (`run --test-plan`): the
 * infrastructure and cluster stay what the cluster was built with.
 */
export async function withTestPlan(
  stored: PlanConfig,
  testPlan: string,
  readFile?: (file: string) => Promise<string>,
): Promise<PlanConfig> {
  const resolved = await loadExperimentConfig({ testPlan, ...(readFile === undefined ? {} : { readFile }) });
  const config = {
    ...stored.config,
    ...(resolved.config.testPlan === undefined ? {} : { testPlan: resolved.config.testPlan }),
  };
  return {
    config,
    digest: configDigest(config),
    explain: () => `${stored.explain().trimEnd()}\n${resolved.explain({ section: 'testPlan' })}`,
  };
}
