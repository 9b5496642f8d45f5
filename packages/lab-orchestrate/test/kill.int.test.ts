// kill -9 of the real `lab-orchestrate full` (dist/cli.js) against moto, in each phase — during
// terraform apply, during the health cascade, during a benchmark run, during teardown — and then
// the job finished by `lab-orchestrate teardown --experiment-id latest` (or `lab-cleanup latest
// --execute`): nothing tagged with the experiment is left in moto, and the manifest says what
// happened (the phase the process died in failed with INTERRUPTED, the outcome aborted, the
// teardown that finished the job succeeded). The cluster is made in moto by the terraform
// stand-in; SSM is the simulated fleet behind the AWS front (test/support/aws-front.ts).
import { spawn } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describeWithMoto } from '@lab/test-support';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createKillLab, type KillLab, REPO } from './support/kill-lab.js';

/** A fresh lab for one test, closed when that test ends (tests here run concurrently). */
async function freshLab(): Promise<KillLab> {
  const lab = await createKillLab();
  onTestFinished(() => lab.close());
  return lab;
}

const until = async (condition: () => boolean, timeoutMs = 60_000) => {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((done) => setTimeout(done, 100));
  }
};

/** `full`, killed with SIGKILL once `moment` says so; the orphaned terraform (if any) dies too. */
async function killFullWhen(
  lab: KillLab,
  moment: (run: ReturnType<KillLab['start']>) => Promise<void>,
  slow: { apply?: number; destroy?: number } = {},
): Promise<string> {
  const run = lab.start(['full', '--yes'], slow);
  await moment(run);
  run.process.kill('SIGKILL');
  expect(await run.exited).toBeNull();
  lab.killOrphanedTerraform();
  rmSync(lab.holdCascade, { force: true });
  rmSync(lab.holdRun, { force: true });
  const id = (await lab.manifest()).id;
  expect(await lab.tagged(id)).not.toEqual([]);
  return id;
}

async function finishWithTeardown(lab: KillLab, id: string, interruptedPhase: string): Promise<void> {
  const teardown = lab.start(['teardown', '--experiment-id', 'latest']);
  const code = await teardown.exited;
  expect(code, teardown.stderr()).toBe(0);
  expect(teardown.stderr()).toContain(`Experiment ${id} was interrupted`);
  expect(await lab.tagged(id)).toEqual([]);
  const manifest = await lab.manifest();
  expect(manifest.phases[interruptedPhase]?.status === 'failed' || interruptedPhase === 'teardown').toBe(
    true,
  );
  expect(manifest.outcome).toMatchObject({
    result: 'aborted',
    message: expect.stringContaining(`ended during ${interruptedPhase}`),
    error: { code: 'INTERRUPTED' },
  });
  expect(manifest.phases.teardown?.status).toBe('succeeded');
  expect(manifest.resourcesGone?.by).toBe('lab-orchestrate teardown');
}

describeWithMoto('lab-orchestrate full killed with SIGKILL, then finished by teardown', () => {
  describe.concurrent('in each phase', () => {
    it('during terraform apply', async () => {
      const lab = await freshLab();
      const id = await killFullWhen(lab, () => until(() => lab.marker('applying')), { apply: 60 });
      const manifest = await lab.manifest();
      expect(manifest.phases.setup?.status).toBe('running');
      await finishWithTeardown(lab, id, 'setup');
      expect((await lab.manifest()).phases.setup).toMatchObject({
        status: 'failed',
        error: { code: 'INTERRUPTED' },
      });
    });

    it('during the health cascade', async () => {
      const lab = await freshLab();
      writeFileSync(lab.holdCascade, '');
      const id = await killFullWhen(lab, (run) => run.waitFor(/services active: waiting for 10 target/));
      await finishWithTeardown(lab, id, 'setup');
      expect((await lab.manifest()).phases.run?.status).toBe('pending');
    });

    it('during a benchmark run', async () => {
      const lab = await freshLab();
      writeFileSync(lab.holdRun, '');
      const id = await killFullWhen(lab, (run) => run.waitFor(/001-fixed-1k started on i-/));
      await finishWithTeardown(lab, id, 'run');
      expect((await lab.manifest()).phases.setup?.status).toBe('succeeded');
    });

    it('during teardown', async () => {
      const lab = await freshLab();
      const id = await killFullWhen(lab, () => until(() => lab.marker('destroying'), 120_000), {
        destroy: 60,
      });
      await finishWithTeardown(lab, id, 'teardown');
      expect((await lab.manifest()).phases.run?.status).toBe('succeeded');
    }, 180_000);
  });

  it('killed during a run, finished by lab-cleanup latest --execute instead', async () => {
    const lab = await freshLab();
    writeFileSync(lab.holdRun, '');
    const id = await killFullWhen(lab, (run) => run.waitFor(/001-fixed-1k started on i-/));
    const cleanupCli = resolve(REPO, 'packages/lab-cleanup/dist/cli.js');
    expect(existsSync(cleanupCli), 'build lab-cleanup first (pnpm build)').toBe(true);
    const credentials = lab.account.connection.credentials;
    const child = spawn(
      process.execPath,
      [
        cleanupCli,
        'latest',
        '--execute',
        '--yes',
        '--region',
        lab.account.region,
        '--endpoint-url',
        lab.front.url,
      ],
      {
        cwd: REPO,
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
          AWS_SESSION_TOKEN: credentials.sessionToken ?? '',
          AWS_REGION: lab.account.region,
          PULSAR_AWS_LAB_HOME: lab.home,
          NO_COLOR: '1',
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
    });
    const code = await new Promise<number | null>((done) => child.on('exit', done));
    expect(code, stderr).toBe(0);
    expect(stderr).toContain(`Experiment ${id} was interrupted`);
    expect(stderr).toContain(`verified that nothing of experiment ${id} remains`);
    expect(await lab.tagged(id)).toEqual([]);
    const manifest = await lab.manifest();
    expect(manifest.phases.run).toMatchObject({ status: 'failed', error: { code: 'INTERRUPTED' } });
    expect(manifest.outcome).toMatchObject({ result: 'aborted' });
    expect(manifest.resourcesGone?.by).toBe('lab-cleanup');
    expect(manifest.details.cleanup).toMatchObject({ by: 'lab-cleanup', complete: true });
  });
});
