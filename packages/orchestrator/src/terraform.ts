import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { abortReason, createEmitter, type EventSink, LabError } from '@lab/core';
import {
  type ProcessResult,
  type ProcessRunner,
  type RunProcessOptions,
  runProcess,
} from '@lab/core/process';
import { clearTerraformProcess, recordTerraformProcess } from './terraform-process.js';

export interface TerraformOptions {
  /** The lab's root module (`terraform/` of the repository or the installed package). */
  moduleDir: string;
  /** The experiment's own Terraform directory: state, plan, variables and provider data. */
  workDir: string;
  binary?: string;
  /** Shared provider cache so each experiment does not download the AWS provider again. */
  pluginCacheDir?: string;
  /** Runs Terraform. Default: `runProcess` of `@lab/core/process`. */
  runner?: ProcessRunner;
  events?: EventSink;
  signal?: AbortSignal;
  /** Extra environment, e.g. AWS_PROFILE / AWS_REGION / endpoint overrides. */
  env?: Record<string, string>;
}

/** A Terraform command that failed; `output` holds its last lines. */
export class TerraformError extends LabError {
  constructor(command: string, result: ProcessResult) {
    const tail = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-15).join('\n');
    super(
      'TERRAFORM_FAILED',
      `terraform ${command} failed (exit ${result.exitCode ?? result.signal})${tail === '' ? '' : `:\n${tail}`}`,
      {
        hint: 'The full output is in the experiment log.',
        details: { command, exitCode: result.exitCode },
      },
    );
  }
}

export interface TerraformPaths {
  variables: string;
  state: string;
  plan: string;
  dataDir: string;
}

/**
 * After SIGINT Terraform stops starting new operations and waits for the ones in flight (an
 * instance launch, a NAT gateway deletion) so they land in the state: give it a minute, and
 * another after SIGTERM, which it handles the same way, before SIGKILL.
 */
const INTERRUPT_GRACE_MS = 60_000;

export function terraformPaths(workDir: string): TerraformPaths {
  return {
    variables: join(workDir, 'terraform.tfvars.json'),
    state: join(workDir, 'terraform.tfstate'),
    plan: join(workDir, 'plan.tfplan'),
    dataDir: join(workDir, '.terraform'),
  };
}

/**
 * Terraform for one experiment: the shared root module, run with the experiment's own state
 * (local backend at `workDir/terraform.tfstate`), variables, plan file and data directory, so
 * experiments never share state. Every output line goes to the event sink (the experiment log).
 */
export function createTerraform(options: TerraformOptions) {
  const runner = options.runner ?? runProcess;
  const binary = options.binary ?? 'terraform';
  const paths = terraformPaths(options.workDir);
  const events = createEmitter({ source: '@lab/orchestrator', sink: options.events, prefix: 'terraform' });
  const env = {
    TF_DATA_DIR: paths.dataDir,
    TF_IN_AUTOMATION: '1',
    TF_INPUT: '0',
    ...(options.pluginCacheDir === undefined ? {} : { TF_PLUGIN_CACHE_DIR: options.pluginCacheDir }),
    ...options.env,
  };

  const commands = {
    init: ['init', '-input=false', '-no-color', `-backend-config=path=${paths.state}`],
    plan: ['plan', '-input=false', '-no-color', `-var-file=${paths.variables}`, `-out=${paths.plan}`],
    apply: ['apply', '-input=false', '-no-color', '-auto-approve', paths.plan],
    destroy: ['destroy', '-input=false', '-no-color', '-auto-approve', `-var-file=${paths.variables}`],
    output: ['output', '-no-color', '-json'],
  } as const;

  async function run(name: keyof typeof commands, quiet = false): Promise<ProcessResult> {
    if (options.signal?.aborted) throw abortReason(options.signal);
    if (name === 'init' && options.pluginCacheDir !== undefined)
      await mkdir(options.pluginCacheDir, { recursive: true });
    const args = [`-chdir=${options.moduleDir}`, ...commands[name]];
    events.emit('command', `terraform ${name}`, { args });
    const request: RunProcessOptions = {
      command: binary,
      args,
      env,
      signal: options.signal,
      graceMs: INTERRUPT_GRACE_MS,
      killAfterMs: INTERRUPT_GRACE_MS,
      ...(quiet ? {} : { onLine: (line) => events.emit('line', line, { command: name }, 'debug') }),
      onSpawn: (pid) =>
        recordTerraformProcess(options.workDir, { pid, command: name, startedAt: new Date().toISOString() }),
    };
    let result: ProcessResult;
    try {
      result = await runner(request);
    } finally {
      clearTerraformProcess(options.workDir);
    }
    if (options.signal?.aborted) throw abortReason(options.signal);
    if (result.exitCode !== 0) throw new TerraformError(name, result);
    return result;
  }

  return {
    paths,
    /** The command lines this experiment's Terraform runs, for dry runs. */
    describe: (): string[] =>
      (Object.keys(commands) as Array<keyof typeof commands>).map(
        (name) => `${binary} -chdir=${options.moduleDir} ${commands[name].join(' ')}`,
      ),
    init: () => run('init').then(() => undefined),
    plan: () => run('plan').then(() => paths.plan),
    apply: () => run('apply').then(() => undefined),
    destroy: () => run('destroy').then(() => undefined),
    /** `terraform output -json`, parsed; callers validate the shape. */
    output: async (): Promise<unknown> => {
      const result = await run('output', true);
      try {
        return JSON.parse(result.stdout) as unknown;
      } catch (error) {
        throw new LabError('TERRAFORM_OUTPUT_INVALID', 'terraform output -json did not print JSON', {
          cause: error,
        });
      }
    },
  };
}

export type Terraform = ReturnType<typeof createTerraform>;
