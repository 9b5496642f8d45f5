import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LabError } from '@lab/core';
import { type ProcessRunner, runProcess } from '@lab/core/process';
import type { LocalHost } from './layout.js';

/** The systemd stand-in shipped with this package (see its header for what it does). */
export const SUPERVISOR_PATH = fileURLToPath(new URL('../assets/lab-systemctl', import.meta.url));
/** Where each node gets its own executable copy of it (`createHostRoots`). */
export const NODE_SUPERVISOR_PATH = '/usr/lib/lab/lab-systemctl';

/** How commands reach the nodes of one local experiment. */
export interface HostShell {
  experimentId: string;
  /** Default: the node's copy of SUPERVISOR_PATH (NODE_SUPERVISOR_PATH under its root). */
  supervisor?: string;
  /** Default `runProcess` of `@lab/core/process`. */
  runner?: ProcessRunner;
}

/**
 * The environment every command on a node gets — the local target's whole difference from an
 * instance, in one place: `LAB_ROOT` (the node's `/`), lab-systemctl for systemctl, the caller's
 * user instead of `pulsar` (no root: nothing to chown, no runuser), the node's `/opt/lab/bin`
 * first on PATH, and `LAB_EXPERIMENT_ID`/`LAB_HOST`, which every process of the experiment
 * inherits, so that teardown finds them all.
 */
export function hostEnvironment(shell: HostShell, host: LocalHost): Record<string, string> {
  return {
    LAB_ROOT: host.root,
    LAB_HOST: host.name,
    LAB_EXPERIMENT_ID: shell.experimentId,
    LAB_SYSTEMCTL: shell.supervisor ?? join(host.root, NODE_SUPERVISOR_PATH),
    LAB_SERVICE_USER: userInfo().username,
    LAB_RUN_AS: '',
    LAB_CHOWN: 'true',
    PATH: `${join(host.root, 'opt', 'lab', 'bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`,
  };
}

export interface HostCommandResult {
  host: string;
  /** null when a signal ended it (e.g. the time-out). */
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Runs a bash script on a node (its environment, its root as the working directory). */
export async function runOnHost(
  shell: HostShell,
  host: LocalHost,
  script: string,
  options: { timeoutMs: number; signal?: AbortSignal | undefined },
): Promise<HostCommandResult> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal === undefined ? timeout : AbortSignal.any([options.signal, timeout]);
  const result = await (shell.runner ?? runProcess)({
    command: 'bash',
    args: ['-c', script],
    cwd: host.root,
    env: hostEnvironment(shell, host),
    signal,
    graceMs: 2_000,
    killAfterMs: 2_000,
  });
  if (options.signal?.aborted) throw options.signal.reason;
  return {
    host: host.name,
    exitCode: result.exitCode,
    stdout: result.stdout,
    stderr: result.stderr,
    timedOut: timeout.aborted,
  };
}

/**
 * Writes a file on a node (a path of the node, e.g. `/var/lib/lab/omb/x/driver.yaml`), then reads
 * it back and compares SHA-256 digests — the check the SSM transfer makes on an instance.
 */
export async function putHostFile(
  host: LocalHost,
  path: string,
  content: string | Uint8Array,
): Promise<{ sha256: string; bytes: number }> {
  const target = nodePath(host, path);
  const data = typeof content === 'string' ? Buffer.from(content) : Buffer.from(content);
  await mkdir(dirname(target), { recursive: true });
  const temporary = `${target}.lab-partial`;
  await writeFile(temporary, data);
  await rename(temporary, target);
  const expected = sha256(data);
  const written = sha256(await readFile(target));
  if (written !== expected) {
    throw new LabError('TRANSFER_CHECKSUM_MISMATCH', `${host.name}:${path} does not hold what was written`, {
      details: { expected, written },
    });
  }
  return { sha256: expected, bytes: data.length };
}

/** Reads a file of a node; `REMOTE_FILE_NOT_FOUND` when it is not there. */
export async function fetchHostFile(
  host: LocalHost,
  path: string,
): Promise<{ content: Buffer; sha256: string }> {
  let content: Buffer;
  try {
    content = await readFile(nodePath(host, path));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new LabError('REMOTE_FILE_NOT_FOUND', `${path} does not exist on ${host.name}`, { cause: error });
    }
    throw new LabError('TRANSFER_FAILED', `Reading ${path} on ${host.name}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return { content, sha256: sha256(content) };
}

/**
 * A file of a node is a file under its root: the plan of a local experiment names them so (its
 * remote scripts run with those paths). Anything else is refused — a transfer never writes
 * outside the node.
 */
export function nodePath(host: Pick<LocalHost, 'root' | 'name'>, path: string): string {
  const normal = resolve(path);
  if (!normal.startsWith(`${host.root}/`)) {
    throw new LabError('TRANSFER_PATH', `${path} is not a file of ${host.name} (under ${host.root})`);
  }
  return normal;
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
