// `@lab/core/process` starts terraform in a process group of its own (so a Ctrl-C reaches only
// lab-orchestrate, which then stops terraform cleanly). A SIGKILL of lab-orchestrate therefore
// leaves terraform running: an apply goes on creating resources. The terraform stand-in here
// creates one more volume after a long wait, or at once when interrupted (the operation in
// flight finishes, as terraform's does), and a teardown started meanwhile must not say the
// experiment is gone before that apply has ended.
import { describeWithMoto } from '@lab/test-support';
import { expect, it, onTestFinished } from 'vitest';
import { createKillLab } from './support/kill-lab.js';

const until = async (condition: () => boolean, timeoutMs = 60_000) => {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((done) => setTimeout(done, 100));
  }
};

describeWithMoto('full killed during apply while its terraform lives on', () => {
  it('teardown stops the orphaned apply first, then destroys and verifies everything it created', async () => {
    const lab = await createKillLab();
    onTestFinished(() => lab.close());
    const full = lab.start(['full', '--yes'], { apply: 60, lateResource: true });
    // Creating the cluster in moto takes a while on a busy machine.
    await until(() => lab.marker('applying'), 150_000).catch((error: unknown) => {
      throw new Error(`${String(error)}: ${full.stderr()}`);
    });
    full.process.kill('SIGKILL');
    await full.exited;
    expect(lab.terraformAlive()).toBe(true);
    const id = (await lab.manifest()).id;

    // The user finishes the job at once, as the CLI told them to.
    const teardown = lab.start(['teardown', '--experiment-id', 'latest']);
    expect(await teardown.exited, teardown.stderr()).toBe(0);
    expect(teardown.stderr()).toMatch(
      /terraform apply \(pid \d+, started [^)]+\) of an earlier lab-orchestrate is still running; stopping it/,
    );
    // Stopped by the teardown (SIGINT), long before its 60 s wait was over; its last resource
    // was created before the teardown looked.
    expect(lab.terraformAlive()).toBe(false);
    expect(lab.marker('applied-late')).toBe(true);
    expect(await lab.tagged(id)).toEqual([]);
    const manifest = await lab.manifest();
    expect(manifest.resourcesGone).not.toBeNull();
  }, 300_000);
});
