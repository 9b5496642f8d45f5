import {
  AbortedError,
  type Clock,
  createEmitter,
  type EventSink,
  LabError,
  realSleep,
  type Sleep,
  systemClock,
} from '@lab/core';
import {
  ArtifactCollector,
  interpretPackerLine,
  type PackerArtifact,
  parseAmiArtifactId,
  parsePackerLine,
} from './machine-readable.js';
import { type ProcessExit, type ProcessRunner, spawnProcess } from './process.js';

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
  env?: NodeJS.ProcessEnv | undefined;
  /**
   * Aborting sends Packer one SIGINT and waits for it to delete its temporary instance, security
   * group and key pair; then the build rejects with AbortedError.
   */
  signal?: AbortSignal | undefined;
  /** How long Packer may take to clean up after SIGINT before it is killed. Default 15 min. */
  cleanupTimeoutMs?: number | undefined;
  /** Said in messages about resources an interrupted build may leave (the build's ExperimentID). */
  buildId?: string | undefined;
  events?: EventSink | undefined;
  runner?: ProcessRunner | undefined;
  clock?: Clock | undefined;
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
  const env = { ...(options.env ?? process.env), CHECKPOINT_DISABLE: '1' };
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

interface PackerRun {
  exit: ProcessExit;
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
  const runner = options.runner ?? spawnProcess;
  const sleep = options.sleep ?? realSleep;
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

  let child: ReturnType<ProcessRunner>;
  try {
    child = runner(packer, args, { cwd: options.cwd, env: options.env, onStdoutLine, onStderrLine });
  } catch (error) {
    throw packerStartError(packer, error);
  }

  let interrupted = false;
  let killed = false;
  const exitedOrStopped = new AbortController();
  const onAbort = () => {
    interrupted = true;
    // One SIGINT: Packer cancels the build and deletes its temporary resources. A second one
    // would not speed it up, and killing it would leak them.
    events.emit(
      'packer.interrupt',
      'Stopping Packer; waiting for it to delete its temporary instance, security group and key pair…',
      undefined,
      'warn',
    );
    child.kill('SIGINT');
    const timeoutMs = options.cleanupTimeoutMs ?? 15 * 60_000;
    sleep(timeoutMs, exitedOrStopped.signal).then(
      () => {
        killed = child.kill('SIGKILL');
        if (killed) {
          events.emit(
            'packer.killed',
            `Packer did not stop within ${timeoutMs} ms; killed it`,
            undefined,
            'error',
          );
        }
      },
      // The process exited first: the timer was cancelled, nothing to do.
      () => {},
    );
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const exit = await child.exited.catch((error: unknown) => {
      throw packerStartError(packer, error);
    });
    return {
      exit,
      artifacts: artifacts.artifacts,
      errors,
      stderrTail,
      outputTail,
      interrupted,
      killed,
    };
  } finally {
    exitedOrStopped.abort();
    options.signal?.removeEventListener('abort', onAbort);
  }
}

function packerStartError(packer: string, error: unknown): LabError {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (code === 'ENOENT') {
    return new LabError('PACKER_NOT_FOUND', `Packer is not installed (no ${packer} on PATH)`, {
      hint: 'Install Packer ≥ 1.10 (https://developer.hashicorp.com/packer/install) or pass --packer <path>.',
      cause: error,
    });
  }
  return new LabError('PACKER_START_FAILED', `Could not start ${packer}`, { cause: error });
}

function describeExit(exit: ProcessExit): string {
  return exit.code === null ? `signal ${exit.signal ?? 'unknown'}` : String(exit.code);
}
