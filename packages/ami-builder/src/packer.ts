import {
  AbortedError,
  type Clock,
  createEmitter,
  type EventSink,
  isLabError,
  LabError,
  type Sleep,
  systemClock,
} from '@lab/core';
import { type ProcessRunner, runProcess } from '@lab/core/process';
import {
  ArtifactCollector,
  interpretPackerLine,
  type PackerArtifact,
  parseAmiArtifactId,
  parsePackerLine,
} from './machine-readable.js';

const SOURCE = '@lab/ami-builder';

export interface PackerBuildOptions {
  /** Path of the `.pkr.hcl` template (or its directory). */
  template: string;
  /** `-var name=value` pairs; objects are passed as HCL/JSON object literals. */
  variables: Record<string, string | number | boolean | Record<string, string>>;
  /** Region whose AMI id to return from the artifact (default: the first in the artifact). */
  region?: string | undefined;
  /** The Packer executable. Default `packer` (from PATH). */
  packerBinary?: string | undefined;
  /** Run `packer init` first (installs the template's required plugins). Default true. */
  init?: boolean | undefined;
  /** Working directory for Packer. Default: the current one. */
  cwd?: string | undefined;
  /** Added to this process's environment for Packer. */
  env?: NodeJS.ProcessEnv | undefined;
  /**
   * Aborting sends Packer one SIGINT and waits for it to delete its temporary instance, security
   * group and key pair; then the build rejects with AbortedError.
   */
  signal?: AbortSignal | undefined;
  /**
   * How long Packer may take to clean up after SIGINT before it is stopped by force (SIGTERM,
   * then SIGKILL a few seconds later). Default 15 min.
   */
  cleanupTimeoutMs?: number | undefined;
  /** Said in messages about resources an interrupted build may leave (the build's ExperimentID). */
  buildId?: string | undefined;
  events?: EventSink | undefined;
  /** Runs Packer. Default: `runProcess` of `@lab/core/process`. */
  runner?: ProcessRunner | undefined;
  clock?: Clock | undefined;
  /** Times the clean-up timeout. */
  sleep?: Sleep | undefined;
}

export interface PackerBuildResult {
  /** The new AMI in `region` (or the artifact's first region). */
  amiId: string;
  region: string;
  /** Every region → AMI id of the artifact. */
  amis: Record<string, string>;
  artifacts: PackerArtifact[];
  durationMs: number;
}

/** How many of Packer's last error/stderr lines a failure carries. */
const TAIL = 20;

/**
 * Runs `packer init` and `packer build -machine-readable`, streams Packer's progress as events,
 * and returns the AMI id read from the machine-readable `artifact,<n>,id,<region>:<ami>` line —
 * never from the log text, which also names the source AMI.
 */
export async function runPackerBuild(options: PackerBuildOptions): Promise<PackerBuildResult> {
  const clock = options.clock ?? systemClock;
  const events = createEmitter({ source: SOURCE, sink: options.events, clock });
  const started = clock.now();
  const packer = options.packerBinary ?? 'packer';
  const env = { ...options.env, CHECKPOINT_DISABLE: '1' };
  if (options.signal?.aborted) throw new AbortedError('Build aborted before Packer started');

  if (options.init ?? true) {
    events.emit('packer.init', `Running ${packer} init (installs the template's plugins)`);
    const init = await runPacker(packer, ['init', options.template], { ...options, env }, events, 'init');
    if (init.interrupted) throw new AbortedError('Build interrupted during packer init');
    if (init.exit.code !== 0) {
      throw new LabError('PACKER_INIT_FAILED', `packer init failed (exit ${describeExit(init.exit)})`, {
        hint: 'Check network access to the plugin registry and the required_plugins block of the template.',
        details: { stderr: init.stderrTail, output: init.outputTail },
      });
    }
  }

  const args = ['build', '-machine-readable'];
  for (const [name, value] of Object.entries(options.variables)) {
    args.push('-var', `${name}=${typeof value === 'object' ? JSON.stringify(value) : String(value)}`);
  }
  args.push(options.template);
  if (options.signal?.aborted) throw new AbortedError('Build aborted before packer build started');
  events.emit('packer.build.started', `Running ${packer} build`, { template: options.template });
  const build = await runPacker(packer, args, { ...options, env }, events, 'build');

  if (build.interrupted) {
    if (build.killed) {
      throw new LabError('INCOMPLETE', 'Packer did not finish cleaning up in time and was killed', {
        hint: `Its build instance, security group or key pair may be left: run lab-cleanup for ExperimentID=${options.buildId ?? '<the build id>'}.`,
        details: { buildId: options.buildId },
      });
    }
    throw new AbortedError('Build interrupted; Packer stopped and cleaned up', {
      details: { exit: build.exit },
    });
  }
  if (build.exit.code !== 0) {
    const reason = build.errors.at(-1) ?? build.stderrTail.at(-1) ?? 'no error message';
    throw new LabError(
      'PACKER_BUILD_FAILED',
      `packer build failed (exit ${describeExit(build.exit)}): ${reason}`,
      {
        hint: 'Packer has deleted its temporary resources; see the errors above. Re-run with --verbose for every Packer line.',
        details: { errors: build.errors.slice(-TAIL), stderr: build.stderrTail },
      },
    );
  }

  const amis: Record<string, string> = {};
  for (const artifact of build.artifacts) {
    if (artifact.id !== undefined) Object.assign(amis, parseAmiArtifactId(artifact.id));
  }
  const region = options.region ?? Object.keys(amis)[0];
  const amiId = region === undefined ? undefined : amis[region];
  if (region === undefined || amiId === undefined) {
    throw new LabError(
      'PACKER_NO_ARTIFACT',
      options.region === undefined
        ? 'Packer succeeded but reported no AMI artifact'
        : `Packer succeeded but reported no AMI in ${options.region}`,
      {
        hint: 'The template must use an amazon-ebs source; check the artifact lines with --verbose.',
        details: { artifacts: build.artifacts },
      },
    );
  }
  const durationMs = clock.now() - started;
  events.emit('packer.build.finished', `Built ${amiId} in ${region}`, { amiId, region, amis, durationMs });
  return { amiId, region, amis, artifacts: build.artifacts, durationMs };
}

interface PackerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

interface PackerRun {
  exit: PackerExit;
  artifacts: PackerArtifact[];
  errors: string[];
  stderrTail: string[];
  outputTail: string[];
  interrupted: boolean;
  killed: boolean;
}

async function runPacker(
  packer: string,
  args: string[],
  options: PackerBuildOptions & { env: NodeJS.ProcessEnv },
  events: ReturnType<typeof createEmitter>,
  step: 'init' | 'build',
): Promise<PackerRun> {
  const runner = options.runner ?? runProcess;
  const artifacts = new ArtifactCollector();
  const errors: string[] = [];
  const stderrTail: string[] = [];
  const outputTail: string[] = [];
  const keep = (list: string[], line: string) => {
    list.push(line);
    if (list.length > TAIL) list.shift();
  };

  const onStdoutLine = (raw: string) => {
    const line = parsePackerLine(raw);
    if (line === undefined) {
      if (raw.trim() === '') return;
      keep(outputTail, raw);
      events.emit(`packer.${step}.output`, raw, undefined, 'debug');
      return;
    }
    const message = interpretPackerLine(line);
    switch (message.kind) {
      case 'say':
        events.emit('packer.say', message.text.trim(), { target: message.target });
        break;
      case 'message':
        events.emit('packer.message', message.text.trim(), { target: message.target }, 'debug');
        break;
      case 'error':
        keep(errors, message.text.trim());
        events.emit('packer.error', message.text.trim(), { target: message.target }, 'warn');
        break;
      case 'artifact':
        artifacts.add(message);
        break;
      case 'error-count':
        break;
      case 'other':
        events.emit('packer.line', `${line.type}: ${line.data.join(' ')}`, { type: line.type }, 'debug');
        break;
    }
  };
  const onStderrLine = (raw: string) => {
    if (raw.trim() === '') return;
    keep(stderrTail, raw);
    events.emit(`packer.${step}.stderr`, raw, undefined, 'debug');
  };

  const timeoutMs = options.cleanupTimeoutMs ?? 15 * 60_000;
  // The runner sends the SIGINT; this only says why the build is now waiting.
  const onAbort = () => {
    events.emit(
      'packer.interrupt',
      'Stopping Packer; waiting for it to delete its temporary instance, security group and key pair…',
      undefined,
      'warn',
    );
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    // One SIGINT: Packer cancels the build and deletes its temporary resources. A second one
    // would not speed it up, and killing it early would leak them.
    const result = await runner({
      command: packer,
      args,
      cwd: options.cwd,
      env: options.env,
      onLine: (line, stream) => (stream === 'stdout' ? onStdoutLine(line) : onStderrLine(line)),
      signal: options.signal,
      graceMs: timeoutMs,
      sleep: options.sleep,
    }).catch((error: unknown) => {
      throw packerStartError(packer, error);
    });
    const killed = result.escalatedTo !== null;
    if (killed) {
      events.emit(
        'packer.killed',
        `Packer did not stop within ${timeoutMs} ms of SIGINT; stopped it with ${result.escalatedTo}`,
        { signal: result.escalatedTo },
        'error',
      );
    }
    return {
      exit: { code: result.exitCode, signal: result.signal },
      artifacts: artifacts.artifacts,
      errors,
      stderrTail,
      outputTail,
      interrupted: result.interrupted,
      killed,
    };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}

/** Says what a Packer user can do about a Packer that could not be run; other errors pass. */
function packerStartError(packer: string, error: unknown): unknown {
  if (!isLabError(error) || (error.code !== 'PROGRAM_NOT_FOUND' && error.code !== 'PROCESS_FAILED'))
    return error;
  if (error.code === 'PROGRAM_NOT_FOUND') {
    return new LabError('PACKER_NOT_FOUND', `Packer is not installed (no ${packer} on PATH)`, {
      hint: 'Install Packer ≥ 1.10 (https://developer.hashicorp.com/packer/install) or pass --packer <path>.',
      cause: error,
    });
  }
  return new LabError('PACKER_START_FAILED', `Could not start ${packer}: ${error.message}`, {
    ...(error.hint === undefined ? {} : { hint: error.hint }),
    cause: error,
  });
}

function describeExit(exit: PackerExit): string {
  return exit.code === null ? `signal ${exit.signal ?? 'unknown'}` : String(exit.code);
}
