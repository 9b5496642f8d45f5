import { createHash } from 'node:crypto';
import { createEmitter, systemClock, type ValidationIssue } from '@lab/core';
import { TransferError } from './errors.js';
import type { RunCommandResult, SsmCallOptions } from './options.js';
import { runCommand } from './run.js';
import type { InstanceResult } from './types.js';

// What fetchFile and putFile share: their options and result, one runner bound to one instance
// and one deadline, validation of paths, and reading a step's single result.

/** Options shared by `fetchFile` and `putFile`. */
export interface TransferOptions extends SsmCallOptions {
  instanceId: string;
  /** Absolute path on the instance. */
  remotePath: string;
  /** Where the instance keeps temporary files (must exist). Default `/tmp`. */
  remoteTempDir?: string;
  /** Chunk commands in flight at once. Default 4. */
  concurrency?: number;
}

export interface TransferResult {
  instanceId: string;
  remotePath: string;
  /** Size of the file in bytes. */
  size: number;
  /** sha256 of the file, hex; verified at the other end. */
  sha256: string;
  /** Bytes on the wire before base64 (gzip). */
  compressedSize: number;
  /** Data-carrying commands (1 when the file fits in one). */
  chunks: number;
  /** SSM commands run in total. */
  commands: number;
  elapsedMs: number;
}

const DEFAULT_TRANSFER_TIMEOUT_MS = 15 * 60_000;

const SOURCE = '@lab/ssm-runner';

/** Runs each step of one transfer on its instance, all under the transfer's deadline. */
export function transferRunner(options: TransferOptions & { maxScriptBytes?: number }) {
  const clock = options.clock ?? systemClock;
  const start = clock.now();
  const deadline = Math.min(
    options.deadline ?? Number.POSITIVE_INFINITY,
    start +
      (options.timeoutMs ??
        (options.deadline === undefined ? DEFAULT_TRANSFER_TIMEOUT_MS : Number.POSITIVE_INFINITY)),
  );
  const emitter = createEmitter({ source: SOURCE, sink: options.events, clock });
  const run = (script: string, description: string): Promise<RunCommandResult> =>
    runCommand({
      ssm: options.ssm,
      instanceIds: [options.instanceId],
      script,
      description,
      deadline,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.events === undefined ? {} : { events: options.events }),
      clock,
      ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
      ...(options.random === undefined ? {} : { random: options.random }),
      ...(options.poll === undefined ? {} : { poll: options.poll }),
      ...(options.executionTimeoutSeconds === undefined
        ? {}
        : { executionTimeoutSeconds: options.executionTimeoutSeconds }),
      ...(options.deliveryTimeoutSeconds === undefined
        ? {}
        : { deliveryTimeoutSeconds: options.deliveryTimeoutSeconds }),
      ...(options.consistencyWindowMs === undefined
        ? {}
        : { consistencyWindowMs: options.consistencyWindowMs }),
      ...(options.maxScriptBytes === undefined ? {} : { maxScriptBytes: options.maxScriptBytes }),
      comment: options.comment ?? 'lab-ssm-runner file transfer',
    });
  return { run, start, clock, emitter };
}

/** Removes a transfer's temporary files; a failure is reported as an event, not thrown. */
export async function cleanup(
  run: (script: string, description: string) => Promise<RunCommandResult>,
  script: string,
  what: string,
  emitter: ReturnType<typeof createEmitter>,
): Promise<void> {
  // Cleaning up must not hide the transfer's own outcome, but a failure is reported, not dropped.
  try {
    const result = single(await run(script, `${what}: clean up`));
    if (!result.ok) {
      emitter.emit(
        'ssm.transfer.cleanup-failed',
        `${what}: temporary files were not removed: ${result.message}`,
        { stderr: result.stderr },
        'warn',
      );
    }
  } catch (error) {
    emitter.emit(
      'ssm.transfer.cleanup-failed',
      `${what}: temporary files were not removed: ${error instanceof Error ? error.message : String(error)}`,
      {},
      'warn',
    );
  }
}

export function pathIssues(options: TransferOptions): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (
    !options.remotePath.startsWith('/') ||
    options.remotePath.includes('\0') ||
    options.remotePath.endsWith('/')
  ) {
    issues.push({
      path: 'remotePath',
      message: 'must be an absolute file path without NUL bytes',
      received: JSON.stringify(options.remotePath),
    });
  }
  const tempDir = remoteTempDir(options);
  if (!tempDir.startsWith('/') || /[\0\n]/.test(tempDir) || tempDir.length > 200) {
    issues.push({
      path: 'remoteTempDir',
      message: 'must be an absolute path of at most 200 characters without newlines',
    });
  }
  if (
    options.concurrency !== undefined &&
    !(Number.isInteger(options.concurrency) && options.concurrency >= 1)
  ) {
    issues.push({
      path: 'concurrency',
      message: 'must be a positive integer',
      received: String(options.concurrency),
    });
  }
  return issues;
}

/** The remote temporary directory without trailing slashes, so that mktemp's answer is predictable. */
export function remoteTempDir(options: TransferOptions): string {
  return (options.remoteTempDir ?? '/tmp').replace(/(.)\/+$/, '$1');
}

export function isOwnTempDir(dir: string, tempDir: string, prefix: string): boolean {
  const base = tempDir.endsWith('/') ? tempDir : `${tempDir}/`;
  return dir.startsWith(`${base}${prefix}`) && !dir.includes('\n') && !dir.slice(base.length).includes('/');
}

export function single(result: RunCommandResult): InstanceResult {
  const [first] = result.results;
  if (first === undefined) throw new TransferError(`${result.description}: SSM reported no invocation`, {});
  return first;
}

export function remoteFailure(what: string, step: string, result: InstanceResult): TransferError {
  const stderr = result.stderr.trim().split('\n').slice(-5).join('\n');
  return new TransferError(`${what}: ${step} ${result.message}${stderr === '' ? '' : `: ${stderr}`}`, {
    instanceId: result.instanceId,
    commandId: result.commandId,
    outcome: result.outcome,
    responseCode: result.responseCode,
  });
}

export function decodeBase64(text: string, what: string): Buffer {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
    throw new TransferError(`${what}: a chunk is not valid base64 (cut or corrupted output)`, {
      length: text.length,
    });
  }
  return Buffer.from(text, 'base64');
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function summary(result: TransferResult): Record<string, unknown> {
  return {
    instanceId: result.instanceId,
    remotePath: result.remotePath,
    size: result.size,
    sha256: result.sha256,
    compressedSize: result.compressedSize,
    chunks: result.chunks,
    commands: result.commands,
    elapsedMs: result.elapsedMs,
  };
}
