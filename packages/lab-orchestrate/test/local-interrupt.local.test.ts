// `lab-orchestrate full --target local` with real Pulsar and OMB, interrupted with Ctrl-C (SIGINT)
// in each phase: every time, nothing of the experiment may be left running and no port of it
// may listen, and the manifest says what happened.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { experimentProcesses, openListenersOf, planLocalCluster } from '@lab/local-cluster';
import { describeWithLocalTarget } from '@lab/test-support';
import { afterAll, beforeAll, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = join(REPO, 'packages/lab-orchestrate/dist/cli.js');

interface Interrupted {
  code: number | null;
  output: string;
  experimentId: string;
}

describeWithLocalTarget('lab-orchestrate full --target local, interrupted in each phase', (inputs) => {
  let home: string;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'lab-local-full-'));
  });
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  /** Starts `full`, sends `signal` once `marker` appears in its output, and waits for it to exit. */
  async function interruptAt(
    marker: RegExp,
    signal: NodeJS.Signals = 'SIGINT',
    limitMs = 600_000,
  ): Promise<Interrupted> {
    const child: ChildProcess = spawn(
      process.execPath,
      [
        CLI,
        'full',
        '--target',
        'local',
        '--test-plan',
        join(REPO, 'configs/test-plans/smoke.yaml'),
        '--yes',
        '--home',
        home,
        ...(inputs.pulsarTarball === undefined ? [] : ['--pulsar-tarball', inputs.pulsarTarball]),
        ...(inputs.ombSource === undefined ? [] : ['--omb-source', inputs.ombSource]),
      ],
      {
        cwd: REPO,
        // The experiments share the tests' image cache: Pulsar and OMB are installed once.
        env: { ...process.env, NO_COLOR: '1', CI: '1', PULSAR_AWS_LAB_CACHE: dirname(inputs.cacheDir) },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    let sent = false;
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (!sent && marker.test(output)) {
        sent = true;
        child.kill(signal);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    const code = await new Promise<number | null>((resolve) =>
      child.once('exit', (exitCode) => resolve(exitCode)),
    );
    clearTimeout(timer);
    const experimentId = /Experiment (exp-\d{8}-\d{6}(?:-\d+)?) /.exec(output)?.[1];
    if (!sent || experimentId === undefined) throw new Error(`never reached ${marker}:\n${output}`);
    return { code, output, experimentId };
  }

  async function expectNothingLeft(run: Interrupted, outcome: 'aborted' | 'succeeded' = 'aborted') {
    const layout = planLocalCluster({
      experimentId: run.experimentId,
      rootDir: join(home, run.experimentId, 'nodes'),
      counts: { zookeeper: 1, bookkeeper: 1, broker: 1, client: 2 },
    });
    expect(await experimentProcesses(run.experimentId), run.output).toEqual([]);
    expect(
      (await openListenersOf(layout)).filter((listener) => listener.ours),
      run.output,
    ).toEqual([]);
    const manifest = JSON.parse(await readFile(join(home, run.experimentId, 'manifest.json'), 'utf8')) as {
      target: string;
      outcome: { result: string } | null;
      resourcesGone: unknown;
    };
    expect(manifest.target).toBe('local');
    expect(manifest.outcome?.result).toBe(outcome);
    expect(manifest.resourcesGone).not.toBeNull();
    expect(run.code).toBe(outcome === 'aborted' ? 130 : 0);
  }

  it('during setup, while the nodes bootstrap and the cascade waits', async () => {
    const run = await interruptAt(/nodes bootstrapped: waiting/);
    await expectNothingLeft(run);
    expect(run.output).toMatch(/cleaned up: no process of it runs and nothing of it listens/);
  }, 900_000);

  it('during a run, while OMB is publishing', async () => {
    const run = await interruptAt(/001-fixed-1k started on client-1/);
    await expectNothingLeft(run);
  }, 900_000);

  it('during teardown: the teardown still finishes', async () => {
    const run = await interruptAt(/Stopping every process of/);
    // Everything had already run: the experiment succeeded, and its teardown completed.
    await expectNothingLeft(run, run.code === 0 ? 'succeeded' : 'aborted');
  }, 900_000);

  it('kill -9 during a run: `teardown --experiment-id latest` finishes the job', async () => {
    const run = await interruptAt(/001-fixed-1k started on client-1/, 'SIGKILL');
    expect(run.code).toBeNull();
    // Killed outright: its services and OMB run on.
    expect((await experimentProcesses(run.experimentId)).length).toBeGreaterThan(0);
    const teardown = spawnSync(
      process.execPath,
      [CLI, 'teardown', '--experiment-id', 'latest', '--home', home],
      { cwd: REPO, env: { ...process.env, NO_COLOR: '1', CI: '1' }, encoding: 'utf8', timeout: 300_000 },
    );
    expect(teardown.status, `${teardown.stdout}${teardown.stderr}`).toBe(0);
    expect(teardown.stdout + teardown.stderr).toMatch(/nothing left running/);
    const layout = planLocalCluster({
      experimentId: run.experimentId,
      rootDir: join(home, run.experimentId, 'nodes'),
      counts: { zookeeper: 1, bookkeeper: 1, broker: 1, client: 2 },
    });
    expect(await experimentProcesses(run.experimentId)).toEqual([]);
    expect((await openListenersOf(layout)).filter((listener) => listener.ours)).toEqual([]);
    const manifest = JSON.parse(await readFile(join(home, run.experimentId, 'manifest.json'), 'utf8')) as {
      phases: Record<string, { status: string }>;
      resourcesGone: unknown;
    };
    expect(manifest.phases.teardown?.status).toBe('succeeded');
    expect(manifest.resourcesGone).not.toBeNull();
  }, 900_000);
});
