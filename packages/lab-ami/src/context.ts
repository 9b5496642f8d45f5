import type { RunCommand } from '@lab/ami-builder/aws';
import {
  type CliContext,
  type GlobalArgValues,
  globalArgs,
  type OutputStream,
  type QuestionInput,
  runCli,
  type SignalSource,
} from '@lab/cli-kit';
import { type Clock, systemClock, type TagMap, ValidationError } from '@lab/core';
import type { ProcessRunner } from '@lab/core/process';
import { flag, option, optional, string } from 'cmd-ts';
import { type AwsClients, createSession, type Session } from './session.js';

/** What `main` can be given instead of the real process, SDK and Packer (tests, other tools). */
export interface LabAmiDeps {
  stdout?: OutputStream;
  stderr?: OutputStream;
  stdin?: QuestionInput;
  env?: NodeJS.ProcessEnv;
  process?: SignalSource;
  cwd?: string;
  clock?: Clock;
  /** AWS clients to use instead of creating them from the flags. */
  clients?: Partial<AwsClients>;
  /** The SSM command runner for `validate`. Default: `runCommand` of @lab/ssm-runner. */
  runCommand?: RunCommand;
  /** How Packer is started (default `runProcess` of `@lab/core/process`; tests use a fixture executable through --packer instead). */
  packerRunner?: ProcessRunner;
}

/** The flags of every subcommand. */
export const common = {
  ...globalArgs,
  dryRun: flag({ long: 'dry-run', description: 'show what would be done; change nothing' }),
  home: option({
    long: 'home',
    type: optional(string),
    description: 'lab home holding the AMI cache (default $PULSAR_AWS_LAB_HOME, else ~/.pulsar-aws-lab)',
  }),
};

export interface CommonValues extends GlobalArgValues {
  dryRun: boolean;
  home: string | undefined;
}

/** What every subcommand is built from: the process (or its stand-ins) and how a body is run. */
export interface CommandEnv {
  deps: LabAmiDeps;
  stdout: OutputStream;
  clock: Clock;
  cwd: string;
  /** Runs `body` under `runCli` (rendering, Ctrl-C, errors, exit codes) with a session for `args`. */
  handle(
    args: CommonValues,
    body: (context: CliContext, session: Session) => Promise<number>,
  ): Promise<number>;
}

export function createCommandEnv(deps: LabAmiDeps): CommandEnv {
  const stdout = deps.stdout ?? process.stdout;
  const stderr = deps.stderr ?? process.stderr;
  const clock = deps.clock ?? systemClock;
  const cwd = deps.cwd ?? process.cwd();
  const env = deps.env ?? process.env;
  return {
    deps,
    stdout,
    clock,
    cwd,
    handle: (args, body) =>
      runCli(
        {
          json: args.json,
          verbose: args.verbose,
          yes: args.yes,
          stdout,
          stderr,
          ...(deps.stdin === undefined ? {} : { stdin: deps.stdin }),
          ...(deps.env === undefined ? {} : { env: deps.env }),
          ...(deps.process === undefined ? {} : { process: deps.process }),
        },
        (context) =>
          body(context, createSession(args, { clients: deps.clients, home: args.home, env, cwd, clock })),
      ),
  };
}

const AMI_ID = /^ami-[0-9a-f]{8,17}$/;

/** Throws the bad-input error for anything but an AMI id (`ami-` and 8 or 17 hex digits). */
export function assertAmiId(value: string): void {
  if (AMI_ID.test(value)) return;
  throw new ValidationError('Invalid AMI id', [
    { path: 'ami-id', message: 'not an AMI id', expected: 'ami- and 8 or 17 hex digits', received: value },
  ]);
}

/** `--tag KEY=VALUE` options as a map. */
export function parseTags(values: readonly string[]): TagMap {
  const tags: TagMap = {};
  const issues = [];
  for (const value of values) {
    const separator = value.indexOf('=');
    if (separator <= 0) {
      issues.push({ path: 'tag', message: 'not KEY=VALUE', expected: 'e.g. Owner=ana', received: value });
      continue;
    }
    tags[value.slice(0, separator)] = value.slice(separator + 1);
  }
  if (issues.length > 0) throw new ValidationError('Invalid --tag', issues);
  return tags;
}

/** `YYYYMMDD-HHMMSS` (UTC): the suffix of a build's or validation's ExperimentID. */
export function stamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}
