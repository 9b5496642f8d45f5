import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendCommandCommand } from '@aws-sdk/client-ssm';
import { collectEvents, createVirtualTime, ValidationError } from '@lab/core';
import { describeWithTools } from '@lab/test-support';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  fetchFile,
  MAX_FETCH_CHUNK_BYTES,
  putFile,
  RemoteFileNotFoundError,
  runCommand,
  shellJoin,
  TransferChecksumError,
  TransferError,
} from '../src/index.js';
import {
  buildCleanupScript,
  buildFetchChunkScript,
  buildFetchPrepareScript,
  buildPutInstallScript,
  buildPutPartScript,
  buildPutPrepareScript,
} from '../src/transfer.js';
import { HOSTILE } from './support/hostile.js';
import { localAgent } from './support/local-agent.js';

const INSTANCE = 'i-0123456789abcdef0';
const HOSTILE_NAME = "a'; rm -rf * #\n$(touch pwned) `id` {{ssm:x}} ünï.bin";
const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

let root: string;
let temp: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'ssm-transfer-'));
  temp = join(root, 'remote-tmp');
  mkdirSync(temp);
});

const common = () => ({ instanceId: INSTANCE, remoteTempDir: temp, ...createVirtualTime() });

describe('runCommand through a local agent', () => {
  it('hands argv to the instance byte for byte, whatever it contains', async () => {
    const { ssm } = localAgent();
    const result = await runCommand({
      ssm,
      instanceIds: [INSTANCE],
      argv: ['printf', '%s\\n', ...HOSTILE],
      workingDirectory: root,
      ...createVirtualTime(),
    });
    expect(result.results[0]!.stdout).toBe(HOSTILE.map((value) => `${value}\n`).join(''));
    expect(readdirSync(root)).toEqual(['remote-tmp']);
  });

  it('starts in the working directory, even one with a hostile name', async () => {
    const dir = join(root, 'it\'s a "dir" $(x)');
    mkdirSync(dir);
    const { ssm } = localAgent();
    const result = await runCommand({
      ssm,
      instanceIds: [INSTANCE],
      script: 'pwd',
      workingDirectory: dir,
      ...createVirtualTime(),
    });
    expect(result.results[0]!.stdout).toBe(`${dir}\n`);
  });

  it('reports a failing script with its exit code and stderr', async () => {
    const { ssm } = localAgent();
    const result = await runCommand({
      ssm,
      instanceIds: [INSTANCE],
      script: 'echo nope >&2; exit 3',
      ...createVirtualTime(),
    });
    expect(result.results[0]).toMatchObject({
      ok: false,
      outcome: 'failed',
      responseCode: 3,
      stderr: 'nope\n',
    });
  });
});

describe('fetchFile', () => {
  it('brings a small file home in one command, hostile name and all', async () => {
    const path = join(root, HOSTILE_NAME);
    const content = Buffer.from('line 1\nline 2\n\0binary\u00ff\n');
    writeFileSync(path, content);
    const { ssm, mock } = localAgent();
    const { sink, events } = collectEvents();
    const fetched = await fetchFile({ ssm, remotePath: path, events: sink, ...common() });
    expect(fetched.content.equals(content)).toBe(true);
    expect(fetched).toMatchObject({ size: content.length, sha256: sha256(content), chunks: 1, commands: 1 });
    expect(mock.commandCalls(SendCommandCommand)).toHaveLength(1);
    expect(readdirSync(temp)).toEqual([]);
    expect(readdirSync(root).sort()).toEqual([HOSTILE_NAME, 'remote-tmp'].sort());
    expect(events.map((event) => event.type)).toContain('ssm.transfer.finished');
  });

  it('moves a large incompressible file in parallel chunks under the stdout limit and verifies it', async () => {
    const path = join(root, 'results.bin');
    const content = randomBytes(100_000);
    writeFileSync(path, content);
    const { ssm, commands } = localAgent();
    const local = join(root, 'home.bin');
    const fetched = await fetchFile({ ssm, remotePath: path, localPath: local, concurrency: 3, ...common() });
    expect(fetched.content.equals(content)).toBe(true);
    expect(readFileSync(local).equals(content)).toBe(true);
    expect(fetched.chunks).toBe(Math.ceil(fetched.compressedSize / MAX_FETCH_CHUNK_BYTES));
    expect(fetched.chunks).toBeGreaterThan(5);
    expect(fetched.commands).toBe(fetched.chunks + 2);
    for (const { executions } of commands.values()) {
      expect(executions[0]!.stdout.length).toBeLessThan(24_000);
    }
    expect(readdirSync(temp)).toEqual([]);
  });

  it('accepts a temporary directory given with a trailing slash', async () => {
    writeFileSync(join(root, 'f'), 'x'.repeat(50_000));
    const { ssm } = localAgent();
    const fetched = await fetchFile({
      ssm,
      remotePath: join(root, 'f'),
      chunkBytes: 100,
      ...common(),
      remoteTempDir: `${temp}/`,
    });
    expect(fetched.content.toString()).toBe('x'.repeat(50_000));
    expect(readdirSync(temp)).toEqual([]);
  });

  it('fetches an empty file and a compressible 1 MB file', async () => {
    const { ssm } = localAgent();
    writeFileSync(join(root, 'empty'), '');
    expect((await fetchFile({ ssm, remotePath: join(root, 'empty'), ...common() })).content).toHaveLength(0);
    const text = Buffer.from('publishLatency99pct: 12.5\n'.repeat(40_000));
    writeFileSync(join(root, 'text'), text);
    const fetched = await fetchFile({ ssm, remotePath: join(root, 'text'), ...common() });
    expect(fetched.content.equals(text)).toBe(true);
    expect(fetched.compressedSize).toBeLessThan(text.length / 100);
  });

  it('rejects with REMOTE_FILE_NOT_FOUND for a missing file', async () => {
    const { ssm } = localAgent();
    const error = await fetchFile({ ssm, remotePath: join(root, 'nope.json'), ...common() }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(RemoteFileNotFoundError);
    expect((error as RemoteFileNotFoundError).code).toBe('REMOTE_FILE_NOT_FOUND');
    expect((error as RemoteFileNotFoundError).message).toContain(INSTANCE);
  });

  it('rejects a directory as unreadable, with the remote message', async () => {
    const { ssm } = localAgent();
    const error = await fetchFile({ ssm, remotePath: temp, ...common() }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TransferError);
    expect((error as TransferError).message).toContain('not a readable regular file');
  });

  it('detects a chunk corrupted in transit (checksum mismatch) and still cleans up', async () => {
    const path = join(root, 'data.bin');
    writeFileSync(path, randomBytes(60_000));
    const { ssm } = localAgent({
      tamperStdout: (stdout, script) =>
        script.includes('skip=1') ? `${stdout[0] === 'A' ? 'B' : 'A'}${stdout.slice(1)}` : stdout,
    });
    const error = await fetchFile({ ssm, remotePath: path, ...common() }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TransferChecksumError);
    expect((error as TransferChecksumError).code).toBe('TRANSFER_CHECKSUM_MISMATCH');
    expect(readdirSync(temp)).toEqual([]);
  });

  it('detects a chunk cut short', async () => {
    const path = join(root, 'data.bin');
    writeFileSync(path, randomBytes(60_000));
    const { ssm } = localAgent({
      tamperStdout: (stdout, script) => (script.includes('skip=2') ? stdout.slice(0, 1000) : stdout),
    });
    const error = await fetchFile({ ssm, remotePath: path, ...common() }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TransferChecksumError);
    expect((error as TransferChecksumError).message).toContain('chunk 3/');
  });

  it('validates its options before any call', async () => {
    const { ssm, mock } = localAgent();
    await expect(fetchFile({ ssm, remotePath: 'relative/path', ...common() })).rejects.toBeInstanceOf(
      ValidationError,
    );
    await expect(
      fetchFile({ ssm, remotePath: '/x', chunkBytes: MAX_FETCH_CHUNK_BYTES + 1, ...common() }),
    ).rejects.toBeInstanceOf(ValidationError);
    expect(mock.calls()).toHaveLength(0);
  });
});

describe('putFile', () => {
  it('uploads a small file in one command, with its mode, atomically replacing the old one', async () => {
    const path = join(root, HOSTILE_NAME);
    writeFileSync(path, 'old');
    const content = Buffer.concat([Buffer.from('#!/bin/sh\necho hi\n'), Buffer.from([0, 1, 2, 255])]);
    const { ssm, mock } = localAgent();
    const result = await putFile({ ssm, remotePath: path, content, mode: 0o750, ...common() });
    expect(readFileSync(path).equals(content)).toBe(true);
    expect(statSync(path).mode & 0o7777).toBe(0o750);
    expect(result).toMatchObject({ size: content.length, sha256: sha256(content), chunks: 1, commands: 1 });
    expect(mock.commandCalls(SendCommandCommand)).toHaveLength(1);
    expect(readdirSync(temp)).toEqual([]);
    expect(readdirSync(root).sort()).toEqual([HOSTILE_NAME, 'remote-tmp'].sort());
  });

  it('uploads a large file in parts that each fit the script limit, creating directories', async () => {
    const path = join(root, 'new', 'dir', 'workload.bin');
    const content = randomBytes(50_000);
    const { ssm, scripts } = localAgent();
    const result = await putFile({
      ssm,
      remotePath: path,
      content,
      createDirectories: true,
      maxScriptBytes: 8 * 1024,
      ...common(),
    });
    expect(readFileSync(path).equals(content)).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o644);
    expect(result.chunks).toBeGreaterThan(8);
    expect(result.commands).toBe(result.chunks + 2);
    expect(Math.max(...scripts.map((script) => Buffer.byteLength(script)))).toBeLessThanOrEqual(8 * 1024);
    expect(readdirSync(temp)).toEqual([]);
    expect(readdirSync(join(root, 'new', 'dir'))).toEqual(['workload.bin']);
  });

  it('refuses data corrupted on the way in and leaves the destination untouched', async () => {
    const path = join(root, 'conf');
    writeFileSync(path, 'original');
    const { ssm } = localAgent({
      // Flip one base64 character of the second part: still valid base64, different bytes.
      tamperScript: (script) =>
        script.includes('part.000001')
          ? script.replace(
              /(%s'\\'' )([A-Za-z0-9+/])/,
              (_, prefix: string, char: string) => `${prefix}${char === 'A' ? 'B' : 'A'}`,
            )
          : script,
    });
    const error = await putFile({
      ssm,
      remotePath: path,
      content: randomBytes(20_000),
      maxScriptBytes: 8 * 1024,
      ...common(),
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TransferChecksumError);
    expect(readFileSync(path, 'utf8')).toBe('original');
    expect(readdirSync(temp)).toEqual([]);
    expect(readdirSync(root).sort()).toEqual(['conf', 'remote-tmp']);
  });

  it('fails with the remote error when the destination directory is missing', async () => {
    const { ssm } = localAgent();
    const error = await putFile({
      ssm,
      remotePath: join(root, 'missing', 'f'),
      content: 'x',
      ...common(),
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TransferError);
    expect((error as TransferError).message).toMatch(/install exited with code \d+: mktemp/);
    expect(readdirSync(temp)).toEqual([]);
  });

  it('round-trips through putFile and fetchFile', async () => {
    const path = join(root, 'round trip');
    const content = randomBytes(70_000);
    const { ssm } = localAgent();
    await putFile({ ssm, remotePath: path, content, ...common() });
    const fetched = await fetchFile({ ssm, remotePath: path, ...common() });
    expect(fetched.content.equals(content)).toBe(true);
  });
});

describe('generated scripts', () => {
  // Hostile names are proven by running the scripts; shellcheck rightly flags `$(…)` in quotes.
  const target = {
    remotePath: '/opt/lab/conf dir/broker.conf',
    mode: 0o644,
    owner: 'pulsar:pulsar',
    createDirectories: true,
    sha256: 'a'.repeat(64),
    compressedSha256: 'b'.repeat(64),
  };
  const scripts: Record<string, string> = {
    fetchPrepare: buildFetchPrepareScript("/data/it's a file", '/tmp', MAX_FETCH_CHUNK_BYTES),
    fetchChunk: buildFetchChunkScript('/tmp/lab-ssm-fetch.abc', 3, MAX_FETCH_CHUNK_BYTES),
    cleanup: buildCleanupScript('/tmp/lab-ssm-fetch.abc'),
    putPrepare: buildPutPrepareScript('/tmp'),
    putPart: buildPutPartScript('/tmp/lab-ssm-put.abc', 7, 'QUJD'),
    putInstallInline: buildPutInstallScript(target, { tempDir: '/tmp', inline: 'QUJD' }),
    putInstallParts: buildPutInstallScript(target, { dir: '/tmp/lab-ssm-put.abc', parts: 3 }),
  };

  describeWithTools(['shellcheck'], 'shellcheck', ({ shellcheck }) => {
    it.each(Object.keys(scripts))('%s is shellcheck-clean', (name) => {
      const check = spawnSync(shellcheck, ['--severity=style', '--shell=bash', '-'], {
        input: `#!/usr/bin/env bash\n${scripts[name]}`,
        encoding: 'utf8',
      });
      expect(check.error).toBeUndefined();
      expect(check.stdout).toBe('');
      expect(check.status).toBe(0);
    });
  });

  it('an install with a wrong checksum exits 46 and names both sums', () => {
    const dest = join(root, 'dest');
    const script = buildPutInstallScript(
      { ...target, remotePath: dest, owner: undefined, createDirectories: false },
      { tempDir: temp, inline: Buffer.from('hello').toString('base64') },
    );
    const run = spawnSync('bash', ['-c', script], { encoding: 'utf8' });
    expect(run.status).toBe(46);
    expect(run.stderr).toContain(`LAB_CHECKSUM_MISMATCH compressed ${'b'.repeat(64)}`);
    expect(readdirSync(temp)).toEqual([]);
    expect(readdirSync(root)).toEqual(['remote-tmp']);
  });

  it('argv commands are plain bash', () => {
    expect(shellJoin(['echo', 'a b'])).toBe("echo 'a b'");
  });
});
