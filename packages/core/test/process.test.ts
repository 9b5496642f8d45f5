import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AbortedError, realSleep, type Sleep } from '../src/index.js';
import { type OutputStream, ProcessError, type ProcessResult, runProcess } from '../src/process.js';

/** Runs a bash script as the program (the runner itself never uses a shell). */
const bash = (script: string, extra: Omit<Parameters<typeof runProcess>[0], 'command' | 'args'> = {}) =>
  runProcess({ command: 'bash', args: ['-c', script], ...extra });

/** Aborts `controller` when the program prints `ready`, i.e. once its traps are installed. */
const abortWhenReady = (controller: AbortController) => (line: string) => {
  if (line === 'ready') controller.abort();
};

describe('runProcess', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lab-process-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('streams every line with its stream and collects the whole output', async () => {
    const lines: Array<[string, OutputStream]> = [];
    const result = await bash('echo one; echo two >&2; printf "three\\r\\nfour"', {
      onLine: (line, stream) => lines.push([line, stream]),
    });
    // Order is kept within a stream; the two pipes are read independently.
    expect(lines.filter(([, stream]) => stream === 'stdout').map(([line]) => line)).toEqual([
      'one',
      'three',
      'four',
    ]);
    expect(lines.filter(([, stream]) => stream === 'stderr').map(([line]) => line)).toEqual(['two']);
    expect(result).toEqual({
      exitCode: 0,
      signal: null,
      stdout: 'one\nthree\r\nfour',
      stderr: 'two\n',
      interrupted: false,
      escalatedTo: null,
    } satisfies ProcessResult);
  });

  it('keeps a character whose bytes arrive in two reads whole', async () => {
    const lines: string[] = [];
    await runProcess({
      command: process.execPath,
      args: [
        '-e',
        'process.stdout.write(Buffer.from([0xe2, 0x82])); setTimeout(() => process.stdout.write(Buffer.from([0xac, 0x0a])), 100);',
      ],
      onLine: (line) => lines.push(line),
    });
    expect(lines).toEqual(['€']);
  });

  it('reports the exit code of a failing program and the signal that ended one', async () => {
    expect(await bash('echo oops >&2; exit 3')).toMatchObject({
      exitCode: 3,
      signal: null,
      stderr: 'oops\n',
    });
    expect(await bash('kill -TERM $$')).toMatchObject({ exitCode: null, signal: 'SIGTERM' });
  });

  it('passes arguments as they are, never through a shell', async () => {
    const marker = join(dir, 'pwned');
    const argument = `$HOME; touch ${marker} *`;
    const result = await runProcess({ command: 'printf', args: ['%s\n', argument] });
    expect(result.stdout).toBe(`${argument}\n`);
    await expect(readFile(marker)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('adds env to the parent’s environment, removes variables set to undefined, and honours cwd', async () => {
    process.env.LAB_PROCESS_TEST_INHERITED = 'from-parent';
    process.env.LAB_PROCESS_TEST_REMOVED = 'should-go';
    try {
      const result = await bash(
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a bash parameter expansion
        'echo "$LAB_PROCESS_TEST_INHERITED|$LAB_PROCESS_TEST_ADDED|${LAB_PROCESS_TEST_REMOVED-unset}|$PWD"',
        { cwd: dir, env: { LAB_PROCESS_TEST_ADDED: 'added', LAB_PROCESS_TEST_REMOVED: undefined } },
      );
      expect(result.stdout).toBe(`from-parent|added|unset|${dir}\n`);
    } finally {
      delete process.env.LAB_PROCESS_TEST_INHERITED;
      delete process.env.LAB_PROCESS_TEST_REMOVED;
    }
  });

  it('runs the program in its own process group, so a terminal’s Ctrl-C reaches only the caller', async () => {
    const result = await bash('echo "$$ $(ps -o pgid= -p $$)"');
    const [pid, pgid] = result.stdout.trim().split(/\s+/);
    expect(pgid).toBe(pid);
  });

  it('on abort sends one SIGINT and lets a program with a trap clean up and exit', async () => {
    const controller = new AbortController();
    const result = await bash(
      'trap \'echo "interrupts: $((++n))"; sleep 0.2; echo cleaned up; exit 130\' INT; echo ready; sleep 30',
      { signal: controller.signal, onLine: abortWhenReady(controller), graceMs: 5_000 },
    );
    expect(result).toMatchObject({ exitCode: 130, signal: null, interrupted: true, escalatedTo: null });
    expect(result.stdout).toBe('ready\ninterrupts: 1\ncleaned up\n');
  });

  it('escalates to SIGTERM when the program ignores SIGINT for the grace period', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const result = await bash("trap '' INT; echo ready; sleep 30", {
      signal: controller.signal,
      onLine: abortWhenReady(controller),
      graceMs: 300,
    });
    expect(result).toMatchObject({
      exitCode: null,
      signal: 'SIGTERM',
      interrupted: true,
      escalatedTo: 'SIGTERM',
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('escalates to SIGKILL when the program ignores SIGTERM too', async () => {
    const controller = new AbortController();
    const result = await bash("trap '' INT TERM; echo ready; sleep 30", {
      signal: controller.signal,
      onLine: abortWhenReady(controller),
      graceMs: 200,
      killAfterMs: 200,
    });
    expect(result).toMatchObject({
      exitCode: null,
      signal: 'SIGKILL',
      interrupted: true,
      escalatedTo: 'SIGKILL',
    });
  });

  it('times the grace periods with the injected sleep and cancels them when the program exits', async () => {
    const asked: number[] = [];
    const outcomes: string[] = [];
    const sleep: Sleep = (ms, signal) => {
      asked.push(ms);
      return realSleep(ms === 60_000 ? 100 : ms, signal).then(
        () => void outcomes.push('elapsed'),
        (error: unknown) => {
          outcomes.push('cancelled');
          throw error;
        },
      );
    };
    const controller = new AbortController();
    const stubborn = await bash("trap '' INT; echo ready; sleep 30", {
      signal: controller.signal,
      onLine: abortWhenReady(controller),
      graceMs: 60_000,
      killAfterMs: 7_000,
      sleep,
    });
    expect(stubborn.escalatedTo).toBe('SIGTERM');
    expect(asked).toEqual([60_000, 7_000]);
    // SIGTERM ended it, so the timer before SIGKILL was cancelled.
    await realSleep(10);
    expect(outcomes).toEqual(['elapsed', 'cancelled']);
  });

  it('does not wait for a background process that keeps the output pipes open', async () => {
    const pidFile = join(dir, 'grandchild.pid');
    const started = Date.now();
    const result = await bash(`sleep 30 & echo $! > ${pidFile}; echo done`, { drainMs: 300 });
    try {
      expect(result).toMatchObject({ exitCode: 0, stdout: 'done\n' });
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      process.kill(Number((await readFile(pidFile, 'utf8')).trim()), 'SIGKILL');
    }
  });

  it('rejects without starting anything when already aborted', async () => {
    const marker = join(dir, 'started');
    const controller = new AbortController();
    controller.abort();
    await expect(bash(`touch ${marker}`, { signal: controller.signal })).rejects.toBeInstanceOf(AbortedError);
    await expect(readFile(marker)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('names a missing program with a hint', async () => {
    const error = await runProcess({ command: join(dir, 'no-such-tool'), args: ['--version'] }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ProcessError);
    expect(error).toMatchObject({
      code: 'PROGRAM_NOT_FOUND',
      message: `${join(dir, 'no-such-tool')} is not installed or not on PATH`,
      command: join(dir, 'no-such-tool'),
    });
    expect((error as ProcessError).hint).toContain('full path');
  });

  it('fails a program that cannot be started, and a missing working directory, with PROCESS_FAILED', async () => {
    const script = join(dir, 'not-executable.sh');
    await writeFile(script, '#!/usr/bin/env bash\necho hi\n');
    await chmod(script, 0o644);
    await expect(runProcess({ command: script })).rejects.toMatchObject({
      code: 'PROCESS_FAILED',
      hint: expect.stringContaining('chmod +x'),
    });
    await expect(runProcess({ command: 'true', cwd: join(dir, 'missing') })).rejects.toMatchObject({
      code: 'PROCESS_FAILED',
      message: expect.stringContaining('no directory'),
    });
  });

  it('rejects with the error an onLine callback threw, once the program has finished', async () => {
    const boom = new Error('renderer broke');
    const marker = join(dir, 'finished');
    await expect(
      bash(`echo first; echo second; touch ${marker}`, {
        onLine: () => {
          throw boom;
        },
      }),
    ).rejects.toBe(boom);
    expect(await readFile(marker, 'utf8')).toBe('');
  });
});
