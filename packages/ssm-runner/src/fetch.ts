import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { ValidationError, withContext } from '@lab/core';
import { RemoteFileNotFoundError, TransferChecksumError, TransferError } from './errors.js';
import { mapLimit } from './map-limit.js';
import {
  cleanup,
  decodeBase64,
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
  buildFetchChunkScript,
  buildFetchPrepareScript,
  EXIT_NOT_FOUND,
  FETCH_PREFIX,
} from './transfer-scripts.js';

export interface FetchFileOptions extends TransferOptions {
  /** Also write the file here (atomically: a temporary file renamed into place). */
  localPath?: string;
  /**
   * Compressed bytes per chunk command. Each chunk travels as base64 in one command's stdout, which
   * SSM cuts at 24,000 characters. Default and maximum 17,400 (23,200 base64 characters).
   */
  chunkBytes?: number;
}

export interface FetchedFile extends TransferResult {
  content: Buffer;
}

/** Largest chunk whose base64 (plus the header line) stays under SSM's 24,000-character stdout limit. */
export const MAX_FETCH_CHUNK_BYTES = 17_400;

/**
 * Brings a file of any size home from an instance: the instance snapshots and gzips it, the
 * compressed bytes travel base64-encoded in chunks that fit SSM's stdout limit (in parallel),
 * and the result is verified end to end with sha256. Rejects with RemoteFileNotFoundError,
 * TransferChecksumError, TransferError, or the runner's errors (deadline, abort, API).
 */
export async function fetchFile(options: FetchFileOptions): Promise<FetchedFile> {
  const chunkBytes = options.chunkBytes ?? MAX_FETCH_CHUNK_BYTES;
  const issues = pathIssues(options);
  if (!Number.isInteger(chunkBytes) || chunkBytes < 1 || chunkBytes > MAX_FETCH_CHUNK_BYTES) {
    issues.push({
      path: 'chunkBytes',
      message: 'out of range',
      expected: `an integer from 1 to ${MAX_FETCH_CHUNK_BYTES}`,
      received: String(chunkBytes),
    });
  }
  if (issues.length > 0) throw new ValidationError('Invalid fetchFile options', issues);
  const tempDir = remoteTempDir(options);
  const { run, start, clock, emitter } = transferRunner(options);
  const what = `fetch ${options.remotePath} from ${options.instanceId}`;
  let commands = 1;

  const prepared = single(
    await run(buildFetchPrepareScript(options.remotePath, tempDir, chunkBytes), `${what}: prepare`),
  );
  if (!prepared.ok) {
    if (prepared.responseCode === EXIT_NOT_FOUND && prepared.stderr.includes('LAB_REMOTE_FILE_NOT_FOUND')) {
      throw new RemoteFileNotFoundError(options.instanceId, options.remotePath);
    }
    throw remoteFailure(what, 'prepare', prepared);
  }
  const header = parseFetchHeader(prepared.stdout, tempDir, what);
  emitter.emit('ssm.transfer.started', `${what}: ${header.size} bytes, ${header.compressedSize} compressed`, {
    instanceId: options.instanceId,
    remotePath: options.remotePath,
    size: header.size,
    compressedSize: header.compressedSize,
  });

  let parts: Buffer[];
  if (header.inline !== undefined) {
    parts = [decodeBase64(header.inline, what)];
  } else {
    const count = Math.ceil(header.compressedSize / chunkBytes);
    try {
      parts = await mapLimit(
        Array.from({ length: count }, (_, index) => index),
        options.concurrency ?? 4,
        async (index) => {
          commands += 1;
          const result = single(
            await run(
              buildFetchChunkScript(header.dir, index, chunkBytes),
              `${what}: chunk ${index + 1}/${count}`,
            ),
          );
          if (!result.ok) throw remoteFailure(what, `chunk ${index + 1}/${count}`, result);
          if (result.stdoutTruncated) {
            throw new TransferError(`${what}: chunk ${index + 1}/${count} was cut by SSM's output limit`, {
              instanceId: options.instanceId,
              chunk: index,
            });
          }
          const part = decodeBase64(result.stdout.trim(), what);
          const expected = Math.min(chunkBytes, header.compressedSize - index * chunkBytes);
          if (part.length !== expected) {
            throw new TransferChecksumError(
              `${what}: chunk ${index + 1}/${count}`,
              `${expected} bytes`,
              `${part.length} bytes`,
              { instanceId: options.instanceId, chunk: index },
            );
          }
          emitter.emit(
            'ssm.transfer.chunk',
            `${what}: chunk ${index + 1}/${count}`,
            { chunk: index, chunks: count },
            'debug',
          );
          return part;
        },
      );
    } finally {
      commands += 1;
      await cleanup(run, buildCleanupScript(header.dir), what, emitter);
    }
  }

  const compressed = Buffer.concat(parts);
  const compressedSum = sha256(compressed);
  if (compressedSum !== header.compressedSha256) {
    throw new TransferChecksumError(`${what} (compressed data)`, header.compressedSha256, compressedSum, {
      instanceId: options.instanceId,
      remotePath: options.remotePath,
    });
  }
  let content: Buffer;
  try {
    content = gunzipSync(compressed);
  } catch (error) {
    throw new TransferError(
      `${what}: the compressed data does not decompress`,
      { instanceId: options.instanceId },
      error,
    );
  }
  const sum = sha256(content);
  if (sum !== header.sha256 || content.length !== header.size) {
    throw new TransferChecksumError(what, header.sha256, sum, {
      instanceId: options.instanceId,
      remotePath: options.remotePath,
      expectedSize: header.size,
      actualSize: content.length,
    });
  }
  if (options.localPath !== undefined) await writeAtomically(options.localPath, content);
  const result: FetchedFile = {
    instanceId: options.instanceId,
    remotePath: options.remotePath,
    content,
    size: content.length,
    sha256: sum,
    compressedSize: compressed.length,
    chunks: parts.length,
    commands,
    elapsedMs: clock.now() - start,
  };
  emitter.emit(
    'ssm.transfer.finished',
    `${what}: ${content.length} bytes verified (sha256 ${sum.slice(0, 12)}…)`,
    {
      ...summary(result),
    },
  );
  return result;
}

interface FetchHeader {
  size: number;
  sha256: string;
  compressedSize: number;
  compressedSha256: string;
  dir: string;
  inline: string | undefined;
}

function parseFetchHeader(stdout: string, tempDir: string, what: string): FetchHeader {
  const [first = '', second] = stdout.split('\n');
  const match = /^LAB-FETCH-1 (\d+) ([0-9a-f]{64}) (\d+) ([0-9a-f]{64}) (.+)$/.exec(first);
  if (match === null || !isOwnTempDir(match[5]!, tempDir, FETCH_PREFIX)) {
    throw new TransferError(
      `${what}: unexpected answer from the prepare step: ${JSON.stringify(first.slice(0, 200))}`,
      {},
    );
  }
  const compressedSize = Number(match[3]);
  const inline = second !== undefined && second !== '' ? second.trim() : undefined;
  return {
    size: Number(match[1]),
    sha256: match[2]!,
    compressedSize,
    compressedSha256: match[4]!,
    dir: match[5]!,
    inline,
  };
}

async function writeAtomically(path: string, content: Buffer): Promise<void> {
  const temporary = `${path}.lab-tmp-${randomBytes(6).toString('hex')}`;
  try {
    await writeFile(temporary, content);
    await rename(temporary, path);
  } catch (error) {
    try {
      await rm(temporary, { force: true });
    } catch (cleanupError) {
      throw withContext(error, `Writing ${path} (leaving ${temporary} behind: ${String(cleanupError)})`);
    }
    throw withContext(error, `Writing ${path}`);
  }
}
