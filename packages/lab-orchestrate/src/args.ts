import { type GlobalArgValues, globalArgs } from '@lab/cli-kit';
import { LabError } from '@lab/core';
import { array, flag, multioption, number, oneOf, option, optional, string } from 'cmd-ts';

/** Where the local target keeps what it installs (default `<home>/cache`). */
export const LOCAL_CACHE_ENV = 'PULSAR_AWS_LAB_CACHE';

/** Setup asks before spending more than this (US$) unless --yes; `--cost-threshold` or this variable change it. */
export const COST_THRESHOLD_ENV = 'PULSAR_AWS_LAB_COST_THRESHOLD';

export const common = {
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

export const localArgs = {
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

export const configArgs = {
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

export const experimentArg = {
  experimentId: option({
    long: 'experiment-id',
    type: string,
    defaultValue: () => 'latest',
    defaultValueIsSerializable: true,
    description: 'latest, an experiment id, or a unique prefix of one',
  }),
};

/** `setup` and `full`: a name of the user's choosing for the new experiment. */
export const newExperimentArg = {
  experimentId: option({
    long: 'experiment-id',
    type: optional(string),
    description:
      'id of the new experiment: 1-64 lowercase letters, digits and hyphens, starting and ending with a letter or digit (default: exp-YYYYMMDD-HHMMSS)',
  }),
};

export const setupArgs = {
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

export interface CommonValues extends GlobalArgValues {
  dryRun: boolean;
  home: string | undefined;
  terraformDir: string | undefined;
  terraformBin: string | undefined;
  target: 'aws' | 'local' | undefined;
  pulsarTarball?: string | undefined;
  ombSource?: string | undefined;
}

export interface ConfigValues {
  config: string[];
  testPlan: string | undefined;
  set: string[];
  tag: string[];
}

export function usage(message: string): LabError {
  return new LabError('USAGE', message, { hint: 'See lab-orchestrate <command> --help' });
}
