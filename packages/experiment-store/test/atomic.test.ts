import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore, writeFileAtomic } from '../src/index.js';
import { kill, startChild, tempHome } from './support/processes.js';

const input = { name: 'atomic', regions: ['eu-west-1'], configDigest: 'sha256:abc' };

async function createExperiment() {
  const home = await tempHome();
  const store = openStore({ home });
  const experiment = await store.create({ ...input, details: { generation: 'original' } });
  await experiment.release();
  return { home, store, experiment };
}

describe('writeFileAtomic', () => {
  it('replaces the whole file and leaves no temporary file', async () => {
    const { experiment } = await createExperiment();
    const target = join(experiment.paths.root, 'data.txt');
    await writeFileAtomic(target, 'old');
    await writeFileAtomic(target, ['n', 'e', Buffer.from('w')]);
    expect(await readFile(target, 'utf8')).toBe('new');
    expect((await readdir(experiment.paths.root)).filter((name) => name.includes('.tmp-'))).toEqual([]);
  });

  it('keeps the old file and removes its temporary file when the data source fails', async () => {
    const { experiment } = await createExperiment();
    const target = join(experiment.paths.root, 'data.txt');
    await writeFile(target, 'old');
    async function* failing() {
      yield 'partial';
      throw new Error('source broke');
    }
    await expect(writeFileAtomic(target, failing())).rejects.toThrow(
      /Writing .*data\.txt atomically: source broke/,
    );
    expect(await readFile(target, 'utf8')).toBe('old');
    expect((await readdir(experiment.paths.root)).filter((name) => name.includes('.tmp-'))).toEqual([]);
  });

  it('leaves the previous manifest intact when the writing process is killed mid-write', async () => {
    const { home, store, experiment } = await createExperiment();
    const before = await readFile(experiment.paths.manifest, 'utf8');
    const child = startChild(['partial-write', home, experiment.paths.manifest]);
    await child.waitFor((message) => 'midWrite' in message);
    // The child has written half a manifest to its temporary file and not renamed it yet.
    const temps = (await readdir(experiment.paths.root)).filter((name) =>
      name.startsWith('.manifest.json.tmp-'),
    );
    expect(temps).toHaveLength(1);
    expect(await readFile(join(experiment.paths.root, temps[0]!), 'utf8')).toContain('"half');
    await kill(child);

    expect(await readFile(experiment.paths.manifest, 'utf8')).toBe(before);
    const reopened = await store.open(experiment.id);
    expect((await reopened.readManifest()).details).toEqual({ generation: 'original' });
    // …and the experiment stays writable.
    await reopened.updateManifest((draft) => {
      draft.details.generation = 'next';
    });
    expect((await reopened.readManifest()).details.generation).toBe('next');
  });

  it('never exposes a torn manifest when a process rewriting it is killed at arbitrary moments', async () => {
    const { home, store, experiment } = await createExperiment();
    let killedMidWrite = 0;
    let completedRounds = 0;
    // Kill a process that rewrites a 2 MB manifest in a loop at varying moments, until it has
    // been caught between creating its temporary file and renaming it twice (at least once),
    // and after a completed rewrite at least once. Every other attempt first waits for a round
    // to complete, so a slow, loaded machine still sees both kinds of moments.
    for (let attempt = 0; attempt < 60 && (killedMidWrite < 2 || completedRounds === 0); attempt++) {
      const child = startChild(['update-loop', home, experiment.id]);
      await child.waitFor((message) => (attempt % 2 === 1 ? 'completed' in message : 'looping' in message));
      await new Promise((resolve) => setTimeout(resolve, 20 + ((attempt * 37) % 120)));
      await kill(child);
      const leftovers = (await readdir(experiment.paths.root)).filter((name) =>
        name.startsWith('.manifest.json.tmp-'),
      );
      if (leftovers.length > 0) killedMidWrite++;
      const manifest = await (await store.open(experiment.id)).readManifest();
      const round = manifest.details.round;
      if (typeof round === 'number') {
        completedRounds++;
        expect(manifest.details.padding).toHaveLength(2_000_000 + (round % 7));
      } else {
        expect(manifest.details).toEqual({ generation: 'original' });
      }
    }
    expect(killedMidWrite).toBeGreaterThanOrEqual(1);
    expect(completedRounds).toBeGreaterThan(0);
    // The next write under the lock sweeps the dead writers' temporary files.
    await (await store.open(experiment.id)).updateManifest((draft) => {
      draft.details = { generation: 'after' };
    });
    expect((await readdir(experiment.paths.root)).filter((name) => name.includes('.tmp-'))).toEqual([]);
  }, 90_000);
});
