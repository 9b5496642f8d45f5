import { gzipSync } from 'node:zlib';
import { ValidationError } from '@lab/core';
import { TransferChecksumError, TransferError } from './errors.js';
import { mapLimit } from './map-limit.js';
import {
  cleanup,
  isOwnTempDir,
  pathIssues,
  remoteFailure,
  remoteTempDir,
  sha256,
  single,
  summary,
  type TransferOptions,
  type TransferResult,
  transferRunner,
} from './transfer-common.js';
import {
  buildCleanupScript,
  buildPutInstallScript,
  buildPutPartScript,
  buildPutPrepareScript,
  EXIT_CHECKSUM,
  type InstallTarget,
  PUT_PREFIX,
} from './transfer-scripts.js';
import { DEFAULT_MAX_SCRIPT_BYTES, type InstanceResult } from './types.js';

export interface PutFileOptions extends TransferOptions {
  content: Uint8Array | string;
  /** File mode, e.g. `0o644` (the default). */
  mode?: number;
  /** `user` or `user:group` to chown the file to. */
  owner?: string;
  /** Create missing parent directories. Default false. */
  createDirectories?: boolean;
  /** Bytes of script per command. Default 48 KiB (SSM: document and parameters at most 64 KB). */
  maxScriptBytes?: number;
}

const SCRIPT_OVERHEAD_BYTES = 2048;

/**
 * Uploads `content` to an instance: gzip + base64 in commands that fit SSM's size limit, written
 * to a private temporary directory, verified with sha256 on the instance, then renamed into
 * place atomically (a temporary file in the destination directory). Rejects with
 * TransferChecksumError, TransferError, or the runner's errors.
 */
export async function putFile(options: PutFileOptions): Promise<TransferResult> {
  const issues = pathIssues(options);
  const mode = options.mode ?? 0o644;
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) {
    issues.push({ path: 'mode', message: 'not a file mode', expected: 'e.g. 0o644', received: String(mode) });
  }
  if (options.owner !== undefined && !/^[A-Za-z0-9._-]+(:[A-Za-z0-9._-]+)?$/.test(options.owner)) {
    issues.push({
      path: 'owner',
      message: 'not an owner',
      expected: 'user or user:group',
      received: options.owner,
    });
  }
  const maxScriptBytes = options.maxScriptBytes ?? DEFAULT_MAX_SCRIPT_BYTES;
  // A path containing `{{` makes the whole script travel base64-encoded (see agentCommands): 4/3 larger.
  const room = maxScriptBytes - SCRIPT_OVERHEAD_BYTES - Buffer.byteLength(options.remotePath) * 4;
  const partChars = Math.floor((options.remotePath.includes('{{') ? (room * 3) / 4 : room) / 4) * 4;
  if (partChars < 4) {
    issues.push({
      path: 'maxScriptBytes',
      message: 'too small for any data',
      received: String(maxScriptBytes),
    });
  }
  if (issues.length > 0) throw new ValidationError('Invalid putFile options', issues);
  const tempDir = remoteTempDir(options);
  const { run, start, clock, emitter } = transferRunner({ ...options, maxScriptBytes });
  const what = `put ${options.remotePath} on ${options.instanceId}`;

  const content =
    typeof options.content === 'string' ? Buffer.from(options.content, 'utf8') : Buffer.from(options.content);
  const compressed = gzipSync(content);
  const encoded = compressed.toString('base64');
  const target: InstallTarget = {
    remotePath: options.remotePath,
    mode,
    owner: options.owner,
    createDirectories: options.createDirectories ?? false,
    sha256: sha256(content),
    compressedSha256: sha256(compressed),
  };
  emitter.emit('ssm.transfer.started', `${what}: ${content.length} bytes, ${compressed.length} compressed`, {
    instanceId: options.instanceId,
    remotePath: options.remotePath,
    size: content.length,
    compressedSize: compressed.length,
  });

  let chunks: number;
  let commands: number;
  if (encoded.length <= partChars) {
    chunks = 1;
    commands = 1;
    const installed = single(
      await run(buildPutInstallScript(target, { tempDir, inline: encoded }), `${what}: install`),
    );
    checkInstalled(installed, what, target);
  } else {
    const prepared = single(await run(buildPutPrepareScript(tempDir), `${what}: prepare`));
    if (!prepared.ok) throw remoteFailure(what, 'prepare', prepared);
    const dir = prepared.stdout.trim();
    if (!isOwnTempDir(dir, tempDir, PUT_PREFIX)) {
      throw new TransferError(
        `${what}: unexpected answer from the prepare step: ${JSON.stringify(dir.slice(0, 200))}`,
        {
          instanceId: options.instanceId,
        },
      );
    }
    const parts: string[] = [];
    for (let offset = 0; offset < encoded.length; offset += partChars)
      parts.push(encoded.slice(offset, offset + partChars));
    chunks = parts.length;
    commands = parts.length + 2;
    let installed = false;
    try {
      await mapLimit(parts, options.concurrency ?? 4, async (part, index) => {
        const result = single(
          await run(buildPutPartScript(dir, index, part), `${what}: chunk ${index + 1}/${parts.length}`),
        );
        if (!result.ok) throw remoteFailure(what, `chunk ${index + 1}/${parts.length}`, result);
        emitter.emit(
          'ssm.transfer.chunk',
          `${what}: chunk ${index + 1}/${parts.length}`,
          { chunk: index, chunks: parts.length },
          'debug',
        );
      });
      const result = single(
        await run(buildPutInstallScript(target, { dir, parts: parts.length }), `${what}: install`),
      );
      installed = true;
      checkInstalled(result, what, target);
    } finally {
      // The install step removes the directory itself, whatever its outcome.
      if (!installed) {
        commands += 1;
        await cleanup(run, buildCleanupScript(dir), what, emitter);
      }
    }
  }
  const result: TransferResult = {
    instanceId: options.instanceId,
    remotePath: options.remotePath,
    size: content.length,
    sha256: target.sha256,
    compressedSize: compressed.length,
    chunks,
    commands,
    elapsedMs: clock.now() - start,
  };
  emitter.emit(
    'ssm.transfer.finished',
    `${what}: ${content.length} bytes installed and verified`,
    summary(result),
  );
  return result;
}

function checkInstalled(result: InstanceResult, what: string, target: InstallTarget): void {
  if (result.ok) {
    const reported = /LAB-PUT-1 ([0-9a-f]{64})/.exec(result.stdout)?.[1];
    if (reported !== target.sha256) {
      throw new TransferChecksumError(what, target.sha256, reported ?? 'nothing', {
        instanceId: result.instanceId,
      });
    }
    return;
  }
  const mismatch = /LAB_CHECKSUM_MISMATCH (\w+) ([0-9a-f]{64}) ([0-9a-f]*)/.exec(result.stderr);
  if (result.responseCode === EXIT_CHECKSUM && mismatch !== null) {
    throw new TransferChecksumError(
      `${what} (${mismatch[1]} data on the instance)`,
      mismatch[2]!,
      mismatch[3] || 'nothing',
      {
        instanceId: result.instanceId,
      },
    );
  }
  throw remoteFailure(what, 'install', result);
}
