import { spawn } from 'node:child_process';
import { LabError } from '@lab/core';

export interface ProcessRequest {
  command: string;
  args: readonly string[];
  cwd?: string;
  /** Added to the parent's environment. */
  env?: Record<string, string>;
  /** On abort the process gets SIGINT (to clean up), then SIGTERM after `graceMs`. */
  signal?: AbortSignal;
  graceMs?: number;
  /** Every complete output line as it arrives. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

export interface ProcessResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a program; injectable so tests and dry runs never start real tools. */
export type ProcessRunner = (request: ProcessRequest) => Promise<ProcessResult>;

/**
 * Spawns a process without a shell (arguments are never interpreted), streams its lines, and
 * on abort asks it to stop the way a terminal would (SIGINT) so tools like Terraform and Packer
 * release locks and clean up, escalating to SIGTERM and SIGKILL only if it does not.
 */
export const spawnProcess: ProcessRunner = (request) =>
  new Promise((resolve, reject) => {
    const child = spawn(request.command, [...request.args], {
      cwd: request.cwd,
      env: { ...process.env, ...request.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = { stdout: '', stderr: '' };
    const partial = { stdout: '', stderr: '' };
    const collect = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      output[stream] += text;
      const lines = (partial[stream] + text).split('\n');
      partial[stream] = lines.pop() ?? '';
      for (const line of lines) request.onLine?.(line, stream);
    };
    child.stdout.on('data', collect('stdout'));
    child.stderr.on('data', collect('stderr'));

    const timers: NodeJS.Timeout[] = [];
    const onAbort = () => {
      child.kill('SIGINT');
      const grace = request.graceMs ?? 60_000;
      timers.push(setTimeout(() => child.kill('SIGTERM'), grace).unref());
      timers.push(setTimeout(() => child.kill('SIGKILL'), grace * 2).unref());
    };
    if (request.signal?.aborted) onAbort();
    request.signal?.addEventListener('abort', onAbort, { once: true });

    child.on('error', (error) => {
      request.signal?.removeEventListener('abort', onAbort);
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      reject(
        new LabError(
          missing ? 'PROGRAM_NOT_FOUND' : 'PROCESS_FAILED',
          missing
            ? `${request.command} is not installed or not on PATH`
            : `Could not start ${request.command}: ${error.message}`,
          { cause: error, ...(missing ? { hint: `Install ${request.command}, or pass its path.` } : {}) },
        ),
      );
    });
    let settled = false;
    const finish = (exitCode: number | null, signal: NodeJS.Signals | null) => {
      if (settled) return;
      settled = true;
      request.signal?.removeEventListener('abort', onAbort);
      for (const timer of timers) clearTimeout(timer);
      for (const stream of ['stdout', 'stderr'] as const) {
        if (partial[stream] !== '') request.onLine?.(partial[stream], stream);
      }
      resolve({ exitCode, signal, ...output });
    };
    child.on('close', finish);
    // A grandchild that outlives the process can hold its pipes open; don't wait for it forever.
    child.on('exit', (exitCode, signal) => {
      setTimeout(() => finish(exitCode, signal), 2000).unref();
    });
  });
