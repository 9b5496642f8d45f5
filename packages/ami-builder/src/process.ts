import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface SpawnOptions {
  cwd?: string | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  /** Every complete line the process writes to stdout, without the newline. */
  onStdoutLine: (line: string) => void;
  onStderrLine: (line: string) => void;
}

export interface ProcessExit {
  /** Exit code, or null when the process was ended by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A started child process. */
export interface RunningProcess {
  /** Sends a signal; false when the process is already gone. */
  kill(signal: NodeJS.Signals): boolean;
  /**
   * Resolves once the process has exited and its output has been delivered; rejects when it
   * could not be started (e.g. `ENOENT`: the binary is not installed).
   */
  readonly exited: Promise<ProcessExit>;
}

/** Starts a process. Injectable so the build driver can be tested without Packer. */
export type ProcessRunner = (
  command: string,
  args: readonly string[],
  options: SpawnOptions,
) => RunningProcess;

/** The real runner: `node:child_process.spawn`, stdin closed, stdout and stderr read line by line. */
export const spawnProcess: ProcessRunner = (command, args, options) => {
  const child = spawn(command, [...args], {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdoutDone = forwardLines(child.stdout, options.onStdoutLine);
  const stderrDone = forwardLines(child.stderr, options.onStderrLine);
  const exited = new Promise<ProcessExit>((resolve, reject) => {
    child.once('error', reject);
    // `close` fires after stdio has ended, so every line has been seen by then.
    child.once('close', (code, signal) => {
      void Promise.all([stdoutDone, stderrDone]).then(() => resolve({ code, signal }));
    });
  });
  return {
    kill: (signal) => child.exitCode === null && child.signalCode === null && child.kill(signal),
    exited,
  };
};

function forwardLines(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): Promise<void> {
  if (stream === null) return Promise.resolve();
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  lines.on('line', onLine);
  return new Promise((resolve) => lines.once('close', () => resolve()));
}
