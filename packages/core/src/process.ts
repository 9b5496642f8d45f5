import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { LabError, type LabErrorOptions } from './errors.js';
import { abortReason, realSleep, type Sleep } from './time.js';

export type OutputStream = 'stdout' | 'stderr';

export interface RunProcessOptions {
  /** The program: a name looked up on PATH, or a path. Never run through a shell. */
  command: string;
  /** Passed as they are: no quoting, globbing or expansion. */
  args?: readonly string[] | undefined;
  cwd?: string | undefined;
  /** Added to the parent's environment; a variable set to `undefined` is removed. */
  env?: Readonly<Record<string, string | undefined>> | undefined;
  /** Every complete output line as it arrives, without its line ending. */
  onLine?: ((line: string, stream: OutputStream) => void) | undefined;
  /**
   * Aborting sends SIGINT (what Ctrl-C in a terminal sends) so the program can clean up; if it
   * has not exited `graceMs` later it gets SIGTERM, and `killAfterMs` after that SIGKILL.
   */
  signal?: AbortSignal | undefined;
  /** How long the program may take to stop after SIGINT. Default 10 s. */
  graceMs?: number | undefined;
  /** How long the program may take to stop after SIGTERM. Default 5 s. */
  killAfterMs?: number | undefined;
  /**
   * How long to wait for stdout and stderr to close once the program has exited. A background
   * process it started can hold them open indefinitely. Default 2 s.
   */
  drainMs?: number | undefined;
  /** The timer of the grace periods. Default: real time. */
  sleep?: Sleep | undefined;
  /**
   * Called once the program has started, with its pid (also its process group's id), e.g. to
   * record it where a later run can find the program if this caller dies without stopping it.
   */
  onSpawn?: ((pid: number) => void) | undefined;
}

export interface ProcessResult {
  /** The exit code, or null when a signal ended the program. */
  exitCode: number | null;
  /** The signal that ended the program, or null when it exited. */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** True when `signal` aborted while the program ran, so it was sent SIGINT. */
  interrupted: boolean;
  /** Set when SIGINT was not enough: the last signal sent after a grace period ran out. */
  escalatedTo: 'SIGTERM' | 'SIGKILL' | null;
}

/** Runs one program to completion. Injectable, so tests and dry runs never start real tools. */
export type ProcessRunner = (options: RunProcessOptions) => Promise<ProcessResult>;

export type ProcessErrorCode = 'PROGRAM_NOT_FOUND' | 'PROCESS_FAILED';

/**
 * A program could not be run: `PROGRAM_NOT_FOUND` (not installed, not on PATH, or a script whose
 * interpreter is missing) or `PROCESS_FAILED` (it could not be started or its output not read).
 * A program that runs and exits non-zero is not an error: its result says so.
 */
export class ProcessError extends LabError {
  declare readonly code: ProcessErrorCode;
  readonly command: string;

  constructor(code: ProcessErrorCode, command: string, message: string, options: LabErrorOptions = {}) {
    super(code, message, { ...options, details: { command, ...options.details } });
    this.command = command;
  }
}

const DEFAULT_GRACE_MS = 10_000;
const DEFAULT_KILL_AFTER_MS = 5_000;
const DEFAULT_DRAIN_MS = 2_000;

/**
 * Runs a program without a shell, streams its output line by line and collects it, and resolves
 * with how it ended — whatever its exit code. Aborting before the start rejects with
 * AbortedError and starts nothing; aborting while it runs stops it the way a terminal's Ctrl-C
 * would and resolves once it has exited (`interrupted`, and `escalatedTo` if it had to be forced).
 *
 * The program runs in its own process group: a Ctrl-C at the terminal reaches only the caller,
 * which decides what to forward. Terraform exits at once, without saving state, on a second
 * SIGINT, so it must get exactly one. Signals go to the whole group, as a terminal's do.
 */
export const runProcess: ProcessRunner = (options) =>
  new Promise((resolve, reject) => {
    const { command, signal: abortSignal } = options;
    if (abortSignal?.aborted) {
      reject(abortReason(abortSignal));
      return;
    }
    const sleep = options.sleep ?? realSleep;
    const child = spawn(command, [...(options.args ?? [])], {
      cwd: options.cwd,
      env: mergeEnv(options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      shell: false,
    });

    if (child.pid !== undefined && options.onSpawn !== undefined) {
      try {
        options.onSpawn(child.pid);
      } catch (error) {
        // The caller could not record the program: stop it rather than leave it untracked.
        process.kill(-child.pid, 'SIGKILL');
        reject(error);
        return;
      }
    }
    const output = { stdout: '', stderr: '' };
    const partial = { stdout: '', stderr: '' };
    let callbackError: { error: unknown } | undefined;
    const deliver = (line: string, stream: OutputStream) => {
      if (options.onLine === undefined || callbackError !== undefined) return;
      try {
        options.onLine(line.endsWith('\r') ? line.slice(0, -1) : line, stream);
      } catch (error) {
        // The caller's own error: rethrown once the program has finished, not swallowed.
        callbackError = { error };
      }
    };
    for (const stream of ['stdout', 'stderr'] as const) {
      child[stream].setEncoding('utf8');
      child[stream].on('data', (text: string) => {
        output[stream] += text;
        const lines = (partial[stream] + text).split('\n');
        partial[stream] = lines.pop() ?? '';
        for (const line of lines) deliver(line, stream);
      });
    }

    let interrupted = false;
    let escalatedTo: ProcessResult['escalatedTo'] = null;
    const stopTimers = new AbortController();
    const send = (name: NodeJS.Signals): boolean => {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return false;
      try {
        process.kill(-child.pid, name);
        return true;
      } catch {
        // No such group (it has just gone): fall back to the process itself.
        return child.kill(name);
      }
    };
    const escalate = async (graceMs: number, killAfterMs: number) => {
      try {
        await sleep(graceMs, stopTimers.signal);
        if (send('SIGTERM')) escalatedTo = 'SIGTERM';
        await sleep(killAfterMs, stopTimers.signal);
        if (send('SIGKILL')) escalatedTo = 'SIGKILL';
      } catch (error) {
        // Cancelled because the program exited in time; anything else is a broken `sleep`.
        if (!stopTimers.signal.aborted) throw error;
      }
    };
    const onAbort = () => {
      interrupted = true;
      send('SIGINT');
      void escalate(options.graceMs ?? DEFAULT_GRACE_MS, options.killAfterMs ?? DEFAULT_KILL_AFTER_MS);
    };
    abortSignal?.addEventListener('abort', onAbort, { once: true });

    let settled = false;
    let drainTimer: NodeJS.Timeout | undefined;
    const cleanUp = () => {
      settled = true;
      abortSignal?.removeEventListener('abort', onAbort);
      stopTimers.abort();
      clearTimeout(drainTimer);
    };
    const finish = (exitCode: number | null, signal: NodeJS.Signals | null) => {
      if (settled) return;
      cleanUp();
      for (const stream of ['stdout', 'stderr'] as const) {
        if (partial[stream] !== '') deliver(partial[stream], stream);
        partial[stream] = '';
      }
      if (callbackError !== undefined) {
        reject(callbackError.error);
        return;
      }
      resolve({ exitCode, signal, ...output, interrupted, escalatedTo });
    };

    child.once('error', (error: NodeJS.ErrnoException) => {
      if (settled) return;
      // Once it is running, errors come from signalling a process that has just exited.
      if (child.pid !== undefined) return;
      cleanUp();
      reject(startError(command, options.cwd, error));
    });
    // `close` comes after both pipes have ended, so every line has been delivered by then.
    child.once('close', finish);
    child.once('exit', (exitCode, signal) => {
      stopTimers.abort();
      drainTimer = setTimeout(() => {
        // Something it started still holds the pipes; stop reading instead of waiting for it.
        child.stdout.destroy();
        child.stderr.destroy();
        finish(exitCode, signal);
      }, options.drainMs ?? DEFAULT_DRAIN_MS);
    });
  });

function mergeEnv(extra: RunProcessOptions['env']): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [name, value] of Object.entries(extra ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

function startError(command: string, cwd: string | undefined, error: NodeJS.ErrnoException): ProcessError {
  if (error.code === 'ENOENT' && cwd !== undefined && !existsSync(cwd)) {
    return new ProcessError('PROCESS_FAILED', command, `Could not start ${command}: no directory ${cwd}`, {
      cause: error,
      hint: 'Create the working directory or pass an existing one.',
    });
  }
  if (error.code === 'ENOENT') {
    return new ProcessError('PROGRAM_NOT_FOUND', command, `${command} is not installed or not on PATH`, {
      cause: error,
      hint: `Install ${command} or pass its full path (for a script, check the interpreter on its #! line).`,
    });
  }
  return new ProcessError('PROCESS_FAILED', command, `Could not start ${command}: ${error.message}`, {
    cause: error,
    ...(error.code === 'EACCES' ? { hint: `Make ${command} executable (chmod +x).` } : {}),
  });
}
