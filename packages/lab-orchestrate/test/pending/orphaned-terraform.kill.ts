// PENDING — not part of the suite (vitest runs test/**/*.test.ts): it fails until teardown stops
// or waits for a terraform that a killed lab-orchestrate left running. Run it on its own with
//   bash scripts/with-moto.sh npx vitest run --dir packages/lab-orchestrate test/pending/orphaned-terraform.kill.ts
// and rename it to test/orphaned-terraform.int.test.ts once it passes.
//
// `@lab/core/process` starts terraform in a process group of its own (so a Ctrl-C reaches only
// lab-orchestrate, which then stops terraform cleanly). A SIGKILL of lab-orchestrate therefore
// leaves terraform running: an apply goes on creating resources. A teardown started meanwhile
// destroys and verifies by tag what exists *now*, records the resources gone and exits 0 — and
// then the orphaned apply creates more. Here the terraform stand-in creates one more volume 8 s
// after the kill; the teardown has long finished by then.
import { describeWithMoto } from '@lab/test-support';
import { expect, it, onTestFinished } from 'vitest';
import { createKillLab } from '../support/kill-lab.js';

const until = async (condition: () => boolean, timeoutMs = 60_000) => {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((done) => setTimeout(done, 100));
  }
};

describeWithMoto('PENDING: full killed during apply while its terraform lives on', () => {
  it('a teardown that says the experiment is gone is true also once the orphaned apply has ended', async () => {
    const lab = await createKillLab();
    onTestFinished(() => lab.close());
    const full = lab.start(['full', '--yes'], { apply: 8, lateResource: true });
    await until(() => lab.marker('applying'));
    full.process.kill('SIGKILL');
    await full.exited;
    const id = (await lab.manifest()).id;

    // The machine lives on: the user finishes the job at once, as the CLI told them to.
    const teardown = lab.start(['teardown', '--experiment-id', 'latest']);
    const code = await teardown.exited;
    // The orphaned terraform ends by itself: its wait is over, its last resource created.
    await until(() => !lab.terraformAlive());
    expect(lab.marker('applied-late')).toBe(true);

    const manifest = await lab.manifest();
    if (code === 0) {
      // Today: exit 0, resourcesGone recorded — and the late volume exists.
      expect(manifest.resourcesGone).not.toBeNull();
      expect(await lab.tagged(id)).toEqual([]);
    } else {
      // Also acceptable: teardown refuses while terraform runs, and says which process to wait for.
      expect(teardown.stderr()).toMatch(/terraform .*(still running|is running)/);
      expect(manifest.resourcesGone).toBeNull();
    }
  }, 180_000);
});
