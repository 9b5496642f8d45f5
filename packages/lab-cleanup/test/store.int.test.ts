// lab-cleanup and the local experiment store, against moto: an experiment this machine knows is
// locked while its resources are deleted, marked gone afterwards (or interrupted, when the
// process that held it died), never deleted under a live lab process, and skipped by a sweep.
import { hostname } from 'node:os';
import { openStore } from '@lab/experiment-store';
import {
  buildTopology,
  countResources,
  describeWithMoto,
  labTagsFor,
  type MotoAccount,
  motoAccount,
  survivors,
} from '@lab/test-support';
import { describe, expect, it } from 'vitest';
import { main } from '../src/index.js';
import { createExperiment, holdLock, killHard, tempStore } from './support/store.js';
import { capture, useCredentials } from './support/world.js';

const ID = 'exp-20260101-000001';
const OTHER = 'exp-20260101-000002';

const run = async (account: MotoAccount, home: string, argv: string[]) => {
  const out = capture();
  const err = capture();
  const code = await main(
    [
      ...argv,
      '--region',
      account.region,
      '--endpoint-url',
      account.connection.endpoint,
      '--exclude-type',
      'placement-group',
    ],
    {
      stdout: out.stream,
      stderr: err.stream,
      env: { ...process.env, PULSAR_AWS_LAB_HOME: home, NO_COLOR: '1' },
    },
  );
  return { code, out: out.text(), err: err.text() };
};

const light = { ami: false, extras: false, instances: 1, objects: 1 } as const;

describeWithMoto('lab-cleanup with the local experiment store', () => {
  it('latest --execute deletes the experiment and records in its manifest that its resources are gone', async () => {
    const account = await motoAccount();
    useCredentials(account);
    const home = await tempStore();
    await createExperiment(home, ID);
    const topology = await buildTopology(account, ID, light);
    const result = await run(account, home, ['latest', '--execute', '--yes']);
    expect(result.code, result.err).toBe(0);
    expect(await survivors(account, topology)).toEqual([]);
    const manifest = await (await openStore({ home }).open(ID)).readManifest();
    expect(manifest.resourcesGone?.by).toBe('lab-cleanup');
    expect(manifest.details.cleanup).toMatchObject({
      by: 'lab-cleanup',
      complete: true,
      deleted: countResources(topology),
    });
  });

  it('finishes the job of a process killed in teardown: the manifest says it was interrupted, then that everything is gone', async () => {
    const account = await motoAccount();
    useCredentials(account);
    const home = await tempStore();
    await createExperiment(home, ID);
    const topology = await buildTopology(account, ID, light);
    const holder = await holdLock(home, ID, 'lab-orchestrate teardown', { startPhase: true });
    await killHard(holder);
    const result = await run(account, home, ['latest', '--execute', '--yes']);
    expect(result.code, result.err).toBe(0);
    expect(result.err).toContain(`Took over the lock on experiment ${ID}`);
    expect(result.err).toContain(`Experiment ${ID} was interrupted`);
    expect(await survivors(account, topology)).toEqual([]);
    const manifest = await (await openStore({ home }).open(ID)).readManifest();
    expect(manifest.phases.teardown).toMatchObject({ status: 'failed', error: { code: 'INTERRUPTED' } });
    expect(manifest.outcome).toMatchObject({ result: 'aborted' });
    expect(manifest.resourcesGone?.by).toBe('lab-cleanup');
  });

  it('refuses to delete an experiment a live lab process holds (a dry run still works)', async () => {
    const account = await motoAccount();
    useCredentials(account);
    const home = await tempStore();
    await createExperiment(home, ID);
    const topology = await buildTopology(account, ID, light);
    const holder = await holdLock(home, ID, 'lab-orchestrate full');
    const dry = await run(account, home, [ID]);
    expect(dry.code, dry.err).toBe(0);
    const refused = await run(account, home, [ID, '--execute', '--yes']);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain(`is locked by process ${holder.pid}`);
    expect(refused.err).toContain('(lab-orchestrate full)');
    expect(await survivors(account, topology)).toHaveLength(countResources(topology));
  });

  describe('--sweep', () => {
    it('skips an old experiment another live process holds, says so, and sweeps the rest', async () => {
      const account = await motoAccount();
      useCredentials(account);
      const home = await tempStore();
      const old = new Date(Date.now() - 2 * 86_400_000).toISOString();
      await createExperiment(home, ID);
      await createExperiment(home, OTHER);
      const held = await buildTopology(account, ID, {
        ...light,
        tags: { ...labTagsFor(ID), CreatedAt: old },
      });
      const free = await buildTopology(account, OTHER, {
        ...light,
        cidr: '10.1.0.0/16',
        tags: { ...labTagsFor(OTHER), CreatedAt: old },
      });
      const holder = await holdLock(home, ID, 'lab-orchestrate full');
      const dry = await run(account, home, ['--sweep', '--older-than', '6h']);
      expect(dry.code, dry.err).toBe(0);
      expect(dry.err).toContain(`${ID}: kept — skipped: locked by process ${holder.pid}`);

      const result = await run(account, home, ['--sweep', '--older-than', '6h', '--execute', '--yes']);
      expect(result.code, result.err).toBe(0);
      expect(result.err).toContain(
        `Skipped ${ID}: locked by process ${holder.pid} on ${hostname()} (lab-orchestrate full) since`,
      );
      expect(await survivors(account, held)).toHaveLength(countResources(held));
      expect(await survivors(account, free)).toEqual([]);
      const store = openStore({ home });
      expect((await (await store.open(OTHER)).readManifest()).resourcesGone?.by).toBe('lab-cleanup --sweep');
      expect((await (await store.open(ID)).readManifest()).resourcesGone).toBeNull();
    });
  });
});
