import { mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AbortedError, collectEvents, LabError } from '@lab/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  interpretPackerLine,
  parseAmiArtifactId,
  parsePackerLine,
  runPackerBuild,
  unescapePackerField,
} from '../src/index.js';

const FAKE_PACKER = fileURLToPath(new URL('./fixtures/fake-packer.sh', import.meta.url));

describe('machine-readable parsing', () => {
  it('splits timestamp, target, type and data and undoes Packer escapes', () => {
    const line = parsePackerLine(
      '1767225600,,ui,message,    pulsar: SHA-512 verified%!(PACKER_COMMA) extracting\\nnext line',
    );
    expect(line).toEqual({
      timestamp: 1767225600,
      target: '',
      type: 'ui',
      data: ['message', '    pulsar: SHA-512 verified, extracting\nnext line'],
    });
    expect(unescapePackerField('a\\rb%!(PACKER_COMMA)c')).toBe('a\rb,c');
  });

  it('ignores lines that are not machine-readable', () => {
    expect(parsePackerLine('Installed plugin github.com/hashicorp/amazon')).toBeUndefined();
    expect(parsePackerLine('')).toBeUndefined();
    expect(parsePackerLine('abc,,ui,say,x')).toBeUndefined();
  });

  it('interprets ui, artifact and error-count lines', () => {
    const say = interpretPackerLine(parsePackerLine('1,,ui,say,==> hello')!);
    expect(say).toEqual({ kind: 'say', target: '', text: '==> hello' });
    const artifact = interpretPackerLine(
      parsePackerLine(
        '1,pulsar-base.amazon-ebs.pulsar,artifact,0,id,us-east-1:ami-0abc%!(PACKER_COMMA)eu-west-1:ami-0def',
      )!,
    );
    expect(artifact).toEqual({
      kind: 'artifact',
      target: 'pulsar-base.amazon-ebs.pulsar',
      index: 0,
      key: 'id',
      values: ['us-east-1:ami-0abc,eu-west-1:ami-0def'],
    });
    expect(interpretPackerLine(parsePackerLine('1,,error-count,2')!)).toEqual({
      kind: 'error-count',
      count: 2,
    });
  });

  it('reads every region of an amazon-ebs artifact id', () => {
    expect(parseAmiArtifactId('us-east-1:ami-0abc,eu-west-1:ami-0def')).toEqual({
      'us-east-1': 'ami-0abc',
      'eu-west-1': 'ami-0def',
    });
    expect(parseAmiArtifactId('garbage')).toEqual({});
  });
});

describe('runPackerBuild with a fixture packer executable', () => {
  let dir: string;
  let logFile: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fake-packer-'));
    logFile = join(dir, 'invocations.log');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const env = (scenario: string, extra: NodeJS.ProcessEnv = {}) => ({
    ...process.env,
    FAKE_PACKER_SCENARIO: scenario,
    FAKE_PACKER_LOG: logFile,
    ...extra,
  });

  it('runs init then build and takes the AMI from the artifact line, not the log', async () => {
    const { sink, events } = collectEvents();
    const result = await runPackerBuild({
      template: '/repo/packer/pulsar-base.pkr.hcl',
      variables: { pulsar_version: '4.0.4', extra_tags: { Owner: 'ana' } },
      region: 'us-east-1',
      packerBinary: FAKE_PACKER,
      env: env('success'),
      events: sink,
    });
    expect(result.amiId).toBe('ami-0123456789abcdef0');
    expect(result.amis).toEqual({
      'us-east-1': 'ami-0123456789abcdef0',
      'eu-west-1': 'ami-0fedcba9876543210',
    });
    expect(result.artifacts[0]?.builderId).toBe('mitchellh.amazonebs');
    // The log names the source AMI first; it must never be mistaken for the result.
    expect(events.some((event) => event.message.includes('ami-0aaaaaaaaaaaaaaaa'))).toBe(true);
    const invocations = (await readFile(logFile, 'utf8')).trim().split('\n');
    expect(invocations[0]).toBe('init /repo/packer/pulsar-base.pkr.hcl');
    expect(invocations[1]).toBe(
      'build -machine-readable -var pulsar_version=4.0.4 -var extra_tags={"Owner":"ana"} /repo/packer/pulsar-base.pkr.hcl',
    );
    expect(events.filter((event) => event.type === 'packer.say').map((event) => event.message)).toContain(
      '==> pulsar-base.amazon-ebs.pulsar: Launching a source AWS instance...',
    );
    expect(events.at(-1)?.type).toBe('packer.build.finished');
  });

  it('picks the AMI of the requested region', async () => {
    const result = await runPackerBuild({
      template: 't.pkr.hcl',
      variables: {},
      region: 'eu-west-1',
      packerBinary: FAKE_PACKER,
      env: env('success'),
    });
    expect(result.amiId).toBe('ami-0fedcba9876543210');
  });

  it('finds `packer` on PATH by default', async () => {
    const bin = join(dir, 'bin');
    await import('node:fs/promises').then((fs) => fs.mkdir(bin));
    await symlink(FAKE_PACKER, join(bin, 'packer'));
    const result = await runPackerBuild({
      template: 't.pkr.hcl',
      variables: {},
      env: env('success', { PATH: `${bin}:${process.env.PATH}` }),
    });
    expect(result.amiId).toBe('ami-0123456789abcdef0');
  });

  it('fails a failed build with Packer’s own error lines', async () => {
    const { sink, events } = collectEvents();
    const error = await runPackerBuild({
      template: 't.pkr.hcl',
      variables: {},
      packerBinary: FAKE_PACKER,
      env: env('fail'),
      events: sink,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LabError);
    expect((error as LabError).code).toBe('PACKER_BUILD_FAILED');
    expect((error as LabError).message).toContain('SHA-512 mismatch');
    expect((error as LabError).details?.errors).toHaveLength(3);
    expect(events.filter((event) => event.type === 'packer.error')).toHaveLength(3);
  });

  it('fails a successful exit without an artifact instead of guessing an id', async () => {
    const error = await runPackerBuild({
      template: 't.pkr.hcl',
      variables: {},
      packerBinary: FAKE_PACKER,
      env: env('no-artifact'),
    }).catch((e: unknown) => e);
    expect((error as LabError).code).toBe('PACKER_NO_ARTIFACT');
  });

  it('stops when packer init fails', async () => {
    const error = await runPackerBuild({
      template: 't.pkr.hcl',
      variables: {},
      packerBinary: FAKE_PACKER,
      env: env('init-fail'),
    }).catch((e: unknown) => e);
    expect((error as LabError).code).toBe('PACKER_INIT_FAILED');
    expect((error as LabError).details?.stderr).toEqual([
      'Error: Failed to install plugin github.com/hashicorp/amazon',
    ]);
    expect((await readFile(logFile, 'utf8')).trim().split('\n')).toHaveLength(1);
  });

  it('says clearly when Packer is not installed', async () => {
    const error = await runPackerBuild({
      template: 't.pkr.hcl',
      variables: {},
      packerBinary: join(dir, 'no-such-packer'),
    }).catch((e: unknown) => e);
    expect((error as LabError).code).toBe('PACKER_NOT_FOUND');
    expect((error as LabError).hint).toContain('--packer');
  });

  it('on abort sends SIGINT, waits for Packer to clean up, then rejects as aborted', async () => {
    const controller = new AbortController();
    const { sink, events } = collectEvents();
    const build = runPackerBuild({
      template: 't.pkr.hcl',
      variables: {},
      packerBinary: FAKE_PACKER,
      env: env('interrupt'),
      signal: controller.signal,
      events: (event) => {
        sink(event);
        if (event.message.includes('install-omb.sh')) controller.abort();
      },
    });
    const error = await build.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortedError);
    const log = await readFile(logFile, 'utf8');
    expect(log).toContain('cleaned up');
    const messages = events.map((event) => event.message);
    expect(messages).toContain('Cancelling build after receiving interrupt');
    // Packer's clean-up finished before the build promise settled.
    expect(messages.indexOf('Cleanly cancelled builds after being interrupted.')).toBeGreaterThan(
      messages.findIndex((message) => message.startsWith('Stopping Packer')),
    );
  });

  it('kills a Packer that does not stop within the clean-up timeout and reports leftovers', async () => {
    const controller = new AbortController();
    const { sink, events } = collectEvents();
    const build = runPackerBuild({
      template: 't.pkr.hcl',
      variables: {},
      packerBinary: FAKE_PACKER,
      env: env('stubborn'),
      signal: controller.signal,
      cleanupTimeoutMs: 300,
      buildId: 'ami-build-20260101-000000',
      events: (event) => {
        sink(event);
        if (event.type === 'packer.init') return;
        if (event.type === 'packer.build.started') setTimeout(() => controller.abort(), 300);
      },
    });
    const error = await build.catch((e: unknown) => e);
    expect((error as LabError).code).toBe('INCOMPLETE');
    expect((error as LabError).hint).toContain('ExperimentID=ami-build-20260101-000000');
    expect(events.find((event) => event.type === 'packer.killed')?.message).toBe(
      'Packer did not stop within 300 ms of SIGINT; stopped it with SIGTERM',
    );
  });

  it('does not start Packer when already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      runPackerBuild({
        template: 't',
        variables: {},
        packerBinary: FAKE_PACKER,
        env: env('success'),
        signal: controller.signal,
      }),
    ).rejects.toBeInstanceOf(AbortedError);
  });
});
