import { readdir, readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { inspectLock, openStore } from '../src/index.js';
import { startChild, tempHome } from './support/processes.js';

describe('two experiments set up and torn down at the same time', () => {
  it('share nothing: own ids, directories, locks and manifests; the AMI cache loses no entry; latest is one of them', async () => {
    const home = await tempHome();
    const [first, second] = [
      startChild(['lifecycle', home, 'alpha']),
      startChild(['lifecycle', home, 'beta']),
    ];
    await Promise.all([first, second].map((child) => child.waitFor((message) => 'ready' in message)));
    for (const child of [first, second]) child.process.stdin!.write('go\n');
    type Run = { id: string; events: Array<{ type: string; level: string }> };
    const finished = async (child: typeof first): Promise<Run> => {
      const { code } = await child.exited;
      expect(code, child.stderr() + JSON.stringify(child.messages.at(-1))).toBe(0);
      return child.messages.at(-1) as Run;
    };
    const [a, b] = await Promise.all([finished(first), finished(second)]);
    expect(a.id).not.toBe(b.id);
    // Neither waited for nor fought over the other's lock, and no stale lock was taken over.
    for (const run of [a, b]) {
      expect(run.events.filter((event) => event.level === 'warn' || event.level === 'error')).toEqual([]);
    }

    const store = openStore({ home });
    for (const [run, name, other] of [
      [a, 'alpha', 'beta'],
      [b, 'beta', 'alpha'],
    ] as const) {
      const experiment = await store.open(run.id);
      const manifest = await experiment.readManifest();
      expect(manifest.name).toBe(name);
      expect(manifest.configDigest).toBe(`sha256:${name}`);
      expect(manifest.resources).toEqual({
        'eu-west-1': { instance: [0, 1, 2, 3, 4].map((round) => `i-${name}-${round}`) },
      });
      expect(manifest.phases.setup?.status).toBe('succeeded');
      expect(manifest.phases.teardown?.status).toBe('succeeded');
      expect(manifest.resourcesGone?.by).toBe(`lifecycle ${name}`);
      expect(manifest.outcome?.result).toBe('succeeded');
      // Its own Terraform directory, with only its own variables.
      expect(await readdir(experiment.paths.terraformDir)).toEqual(['terraform.tfvars.json']);
      expect(JSON.parse(await readFile(experiment.paths.terraformVars, 'utf8'))).toEqual({
        experiment_id: run.id,
        name,
      });
      // Its own logs, which never mention the other experiment.
      const log = await readFile(experiment.paths.log, 'utf8');
      expect(new Set(log.match(/exp-\d{8}-\d{6}(?:-\d+)?/g))).toEqual(new Set([run.id]));
      expect(log).not.toContain(other);
      expect(await inspectLock(experiment.paths.lock)).toEqual({ state: 'free' });
    }
    // Every entry both wrote to the one region's AMI cache file survived the other's writes.
    for (const name of ['alpha', 'beta']) {
      for (let round = 0; round < 5; round++) {
        expect(
          (await store.amiCache.get({ accountId: '123456789012', region: 'eu-west-1' }, `${name}-${round}`))
            ?.value,
        ).toEqual({
          by: name,
          round,
        });
      }
    }
    // `latest` moved only when an experiment was created: it names one of the two, never a mix.
    expect([a.id, b.id]).toContain(await store.latest());
    expect((await store.list()).map((row) => [row.id, row.status, row.lockedBy])).toEqual(
      expect.arrayContaining([
        [a.id, 'succeeded', undefined],
        [b.id, 'succeeded', undefined],
      ]),
    );
  });

  it('an experiment worked on by id is unaffected by a newer one moving latest', async () => {
    const home = await tempHome();
    const store = openStore({ home });
    const older = await store.create({ name: 'older', regions: ['eu-west-1'], configDigest: 'sha256:o' });
    expect(await store.resolve('latest')).toBe(older.id);
    await older.startPhase('setup');
    const newer = await store.create({
      name: 'newer',
      regions: ['eu-west-1'],
      configDigest: 'sha256:n',
      id: 'exp-newer',
    });
    expect(await store.resolve('latest')).toBe('exp-newer');
    // The older handle keeps writing its own experiment; nothing it does moves latest back.
    await older.endPhase('setup', 'succeeded');
    await older.finish('succeeded');
    expect((await older.readManifest()).outcome?.result).toBe('succeeded');
    expect((await newer.readManifest()).outcome).toBeNull();
    expect(await store.latest()).toBe('exp-newer');
    await Promise.all([older.release(), newer.release()]);
  });
});
