import { createHash, randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { posix } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { createEmitter, systemClock, ValidationError, type ValidationIssue, withContext } from '@lab/core';
import { RemoteFileNotFoundError, TransferChecksumError, TransferError } from './errors.js';
import { shellQuote } from './quote.js';
import { mapLimit, type RunCommandResult, runCommand, type SsmCallOptions } from './run.js';
import { DEFAULT_MAX_SCRIPT_BYTES, type InstanceResult } from './types.js';

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

export interface FetchFileOptions extends TransferOptions {
  /** Also write the file here (atomically: a temporary file renamed into place). */
  localPath?: string;
  /**
   * Compressed bytes per chunk command. Each chunk travels as base64 in one command's stdout, which
   * SSM cuts at 24,000 characters. Default and maximum 17,400 (23,200 base64 characters).
   */
  chunkBytes?: number;
}

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

export interface FetchedFile extends TransferResult {
  content: Buffer;
}

/** Largest chunk whose base64 (plus the header line) stays under SSM's 24,000-character stdout limit. */
export const MAX_FETCH_CHUNK_BYTES = 17_400;
const DEFAULT_TRANSFER_TIMEOUT_MS = 15 * 60_000;
const SCRIPT_OVERHEAD_BYTES = 2048;
const EXIT_NOT_FOUND = 44;
const EXIT_UNREADABLE = 45;
const EXIT_CHECKSUM = 46;
const FETCH_PREFIX = 'lab-ssm-fetch.';
const PUT_PREFIX = 'lab-ssm-put.';
const SOURCE = '@lab/ssm-runner';

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

interface InstallTarget {
  remotePath: string;
  mode: number;
  owner: string | undefined;
  createDirectories: boolean;
  sha256: string;
  compressedSha256: string;
}

/**
 * Step 1 of a fetch: snapshot, checksum and gzip the file in a private temporary directory, and
 * print `LAB-FETCH-1 size sha256 gzsize gzsha256 dir`. A compressed file of at most `chunkBytes`
 * follows on the next line in base64 and the directory is removed (one command in total).
 */
export function buildFetchPrepareScript(remotePath: string, tempDir: string, chunkBytes: number): string {
  return `set -euo pipefail
src=${shellQuote(remotePath)}
if [ ! -e "$src" ]; then echo 'LAB_REMOTE_FILE_NOT_FOUND: no such file' >&2; exit ${EXIT_NOT_FOUND}; fi
if [ ! -f "$src" ] || [ ! -r "$src" ]; then echo 'LAB_REMOTE_FILE_UNREADABLE: not a readable regular file' >&2; exit ${EXIT_UNREADABLE}; fi
dir=''
keep=0
trap 'if [ "$keep" = 0 ] && [ -n "$dir" ]; then rm -rf -- "$dir"; fi' EXIT
dir=$(mktemp -d ${shellQuote(`${tempDir}/${FETCH_PREFIX}XXXXXXXXXX`)})
cp -- "$src" "$dir/data"
size=$(wc -c < "$dir/data")
sum=$(sha256sum < "$dir/data")
gzip -n -c < "$dir/data" > "$dir/data.gz"
rm -f -- "$dir/data"
gzsize=$(wc -c < "$dir/data.gz")
gzsum=$(sha256sum < "$dir/data.gz")
printf 'LAB-FETCH-1 %s %s %s %s %s\\n' "$((size))" "\${sum%% *}" "$((gzsize))" "\${gzsum%% *}" "$dir"
if [ "$((gzsize))" -le ${chunkBytes} ]; then
  base64 -w 0 < "$dir/data.gz"
  printf '\\n'
else
  keep=1
fi
`;
}

/** Step 2 of a fetch: chunk `index` of the compressed file, base64 on one line. */
export function buildFetchChunkScript(dir: string, index: number, chunkBytes: number): string {
  return `set -euo pipefail
dd if=${shellQuote(`${dir}/data.gz`)} bs=${chunkBytes} skip=${index} count=1 status=none | base64 -w 0
`;
}

/** Removes a transfer's temporary directory. */
export function buildCleanupScript(dir: string): string {
  return `set -euo pipefail
rm -rf -- ${shellQuote(dir)}
`;
}

/** Step 1 of a chunked upload: a private temporary directory, printed on stdout. */
export function buildPutPrepareScript(tempDir: string): string {
  return `set -euo pipefail
mktemp -d ${shellQuote(`${tempDir}/${PUT_PREFIX}XXXXXXXXXX`)}
`;
}

/** Step 2 of a chunked upload: one part of the base64 text, into its own numbered file. */
export function buildPutPartScript(dir: string, index: number, part: string): string {
  return `set -euo pipefail
printf '%s' ${shellQuote(part)} > ${shellQuote(`${dir}/part.${String(index).padStart(6, '0')}`)}
`;
}

/**
 * The last step of an upload: join the parts (or take the inline data), verify both checksums,
 * write a temporary file next to the destination, set mode and owner, and rename it into place.
 * The temporary directory is removed whatever happens.
 */
export function buildPutInstallScript(
  target: InstallTarget,
  source: { tempDir: string; inline: string } | { dir: string; parts: number },
): string {
  const destinationDir = posix.dirname(target.remotePath);
  const lines = ['set -euo pipefail'];
  if ('inline' in source) {
    lines.push(`dir=$(mktemp -d ${shellQuote(`${source.tempDir}/${PUT_PREFIX}XXXXXXXXXX`)})`);
  } else {
    lines.push(`dir=${shellQuote(source.dir)}`);
  }
  lines.push(`tmp=''`, `trap 'rm -rf -- "$dir"; if [ -n "$tmp" ]; then rm -f -- "$tmp"; fi' EXIT`);
  if ('inline' in source) {
    lines.push(`printf '%s' ${shellQuote(source.inline)} > "$dir/part.000000"`);
  } else {
    lines.push(
      `found=$(find "$dir" -maxdepth 1 -name 'part.*' | wc -l)`,
      `if [ "$((found))" -ne ${source.parts} ]; then echo "LAB_PARTS_MISSING: expected ${source.parts} parts, found $((found))" >&2; exit 47; fi`,
    );
  }
  lines.push(
    `cat "$dir"/part.* | base64 -d > "$dir/data.gz"`,
    `gzsum=$(sha256sum < "$dir/data.gz")`,
    `if [ "\${gzsum%% *}" != ${target.compressedSha256} ]; then echo "LAB_CHECKSUM_MISMATCH compressed ${target.compressedSha256} \${gzsum%% *}" >&2; exit ${EXIT_CHECKSUM}; fi`,
    `gzip -dc < "$dir/data.gz" > "$dir/data"`,
    `sum=$(sha256sum < "$dir/data")`,
    `if [ "\${sum%% *}" != ${target.sha256} ]; then echo "LAB_CHECKSUM_MISMATCH content ${target.sha256} \${sum%% *}" >&2; exit ${EXIT_CHECKSUM}; fi`,
  );
  if (target.createDirectories) lines.push(`mkdir -p -- ${shellQuote(destinationDir)}`);
  lines.push(
    `tmp=$(mktemp ${shellQuote(`${destinationDir}/.lab-put.XXXXXXXXXX`)})`,
    `cat "$dir/data" > "$tmp"`,
    `chmod ${target.mode.toString(8).padStart(4, '0')} "$tmp"`,
  );
  if (target.owner !== undefined) lines.push(`chown ${shellQuote(target.owner)} "$tmp"`);
  lines.push(
    `mv -f "$tmp" ${shellQuote(target.remotePath)}`,
    `tmp=''`,
    `printf 'LAB-PUT-1 %s\\n' "\${sum%% *}"`,
  );
  return `${lines.join('\n')}\n`;
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

function transferRunner(options: TransferOptions & { maxScriptBytes?: number }) {
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

async function cleanup(
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

function pathIssues(options: TransferOptions): ValidationIssue[] {
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
function remoteTempDir(options: TransferOptions): string {
  return (options.remoteTempDir ?? '/tmp').replace(/(.)\/+$/, '$1');
}

function isOwnTempDir(dir: string, tempDir: string, prefix: string): boolean {
  const base = tempDir.endsWith('/') ? tempDir : `${tempDir}/`;
  return dir.startsWith(`${base}${prefix}`) && !dir.includes('\n') && !dir.slice(base.length).includes('/');
}

function single(result: RunCommandResult): InstanceResult {
  const [first] = result.results;
  if (first === undefined) throw new TransferError(`${result.description}: SSM reported no invocation`, {});
  return first;
}

function remoteFailure(what: string, step: string, result: InstanceResult): TransferError {
  const stderr = result.stderr.trim().split('\n').slice(-5).join('\n');
  return new TransferError(`${what}: ${step} ${result.message}${stderr === '' ? '' : `: ${stderr}`}`, {
    instanceId: result.instanceId,
    commandId: result.commandId,
    outcome: result.outcome,
    responseCode: result.responseCode,
  });
}

function decodeBase64(text: string, what: string): Buffer {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
    throw new TransferError(`${what}: a chunk is not valid base64 (cut or corrupted output)`, {
      length: text.length,
    });
  }
  return Buffer.from(text, 'base64');
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
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

function summary(result: TransferResult): Record<string, unknown> {
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
