import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os, { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HostMetricsSeries, parseHostSamples, samplerScriptPath } from '../src/index.js';

const run = promisify(execFile);

/** The real script, as a host runs it; resolves with the exit code instead of throwing. */
async function sampler(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('bash', [samplerScriptPath(), ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** Live (non-zombie) processes in a session: the sampler leads its own, so its children are there too. */
async function liveInSession(session: number): Promise<number[]> {
  const live: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] !== undefined && fields[0] !== 'Z' && Number(fields[3]) === session)
      live.push(Number(entry));
  }
  return live;
}

async function load(command: string, args: string[], seconds: number): Promise<void> {
  const child = spawn(command, args, { stdio: 'ignore' });
  await sleep(seconds * 1000);
  child.kill();
  await new Promise((resolve) => child.once('exit', resolve));
}

describe('lab-host-sampler on this machine', () => {
  let dir: string;
  let out: string;
  let pidFile: string;
  let pid: number;
  let series: HostMetricsSeries;
  let stopped: { code: number; stdout: string; stderr: string };
  let secondStart: { code: number; stdout: string; stderr: string };
  const writtenMiB = 64;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lab-host-sampler-'));
    out = join(dir, 'host.jsonl');
    pidFile = join(dir, 'sampler.pid');
    const started = await sampler(
      'start',
      '--out',
      out,
      '--pid-file',
      pidFile,
      '--interval',
      '0.5',
      '--disk',
      `${dir}=ledgers`,
    );
    expect(started, started.stderr).toMatchObject({ code: 0 });
    pid = Number(await readFile(pidFile, 'utf8'));
    secondStart = await sampler('start', '--out', join(dir, 'second.jsonl'), '--pid-file', pidFile);
    const runStart = Date.now();
    await sleep(1000);
    // CPU and disk load together: `yes` keeps a CPU busy, dd writes to the disk holding `dir`
    await Promise.all([
      load('yes', [], 2.5),
      run('dd', ['if=/dev/zero', `of=${join(dir, 'load')}`, 'bs=1M', `count=${writtenMiB}`, 'conv=fsync']),
    ]);
    await sleep(1000);
    stopped = await sampler('stop', '--pid-file', pidFile);
    series = parseHostSamples(await readFile(out, 'utf8'), {
      host: 'this-machine',
      role: 'client',
      startedAt: runStart,
    });
  }, 30_000);

  afterAll(async () => {
    await sampler('stop', '--pid-file', pidFile);
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a second start while one runs, then stops and leaves no process', async () => {
    expect(secondStart.code).toBe(1);
    expect(secondStart.stderr).toMatch(`already running as pid ${pid}`);
    expect(stopped).toMatchObject({ code: 0, stdout: `stopped (pid ${pid})\n` });
    expect(existsSync(pidFile)).toBe(false);
    expect(await liveInSession(pid)).toEqual([]);
    expect(await sampler('stop', '--pid-file', pidFile)).toMatchObject({ code: 3 });
  });

  it('samples every interval and parses into rates', () => {
    expect(series.samples.length).toBeGreaterThanOrEqual(6);
    // The header names the kernel the host ran, for the report's provenance.
    expect(series.kernel).toBe(`${os.type()} ${os.release()}`);
    for (const sample of series.samples) {
      expect(sample.memTotalMiB).toBeGreaterThan(0);
      expect(sample.cpu.user + sample.cpu.system + sample.cpu.iowait + sample.cpu.steal).toBeLessThanOrEqual(
        100.1,
      );
    }
  });

  it('shows the CPU load: one busy CPU is 100 / CPUs % of all of them', () => {
    const busiest = Math.max(...series.samples.map((sample) => sample.cpu.user + sample.cpu.system));
    expect(busiest).toBeGreaterThanOrEqual((0.6 * 100) / availableParallelism());
  });

  it('shows the bytes dd wrote on the disk holding the directory, labelled by --disk', () => {
    const written = series.samples.reduce((sum, sample, index) => {
      const seconds = sample.t - (index === 0 ? sample.t - 0.5 : series.samples[index - 1]!.t);
      const disk = sample.disks.find((entry) => entry.purpose === 'ledgers');
      return sum + (disk?.writeMBps ?? 0) * seconds;
    }, 0);
    expect(written).toBeGreaterThanOrEqual(0.9 * writtenMiB);
  });
});

describe('lab-host-sampler arguments', () => {
  it.each([
    [['start'], /missing --out FILE/],
    [
      ['start', '--out', '/dev/null', '--interval', '0'],
      /--interval must be a positive number of seconds, got '0'/,
    ],
    [
      ['start', '--out', '/dev/null', '--disk', 'nosuchdisk0=journal'],
      /no device 'nosuchdisk0' in \/proc\/diskstats/,
    ],
    [
      ['start', '--out', '/dev/null', '--disk', '/=wal'],
      /purpose must be journal, ledgers, root or other, got 'wal'/,
    ],
    [['start', '--out', '/dev/null', '--disk', '/no/such/path=journal'], /\/no\/such\/path does not exist/],
    [['launch'], /unknown command 'launch'/],
  ])('exits 2 on %j', async (args, message) => {
    const result = await sampler(...args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});
