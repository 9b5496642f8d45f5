import { readFile, writeFile } from 'node:fs/promises';
import { collectEvents } from '@lab/core';
import { describe, expect, it } from 'vitest';
import { openStore } from '../src/index.js';
import { kill, startChild, tempHome } from './support/processes.js';

describe('an experiment whose process was killed', () => {
  it.each(['setup', 'run', 'teardown'])(
    'killed in %s: listed as interrupted; the next process to take its lock marks the phase failed (INTERRUPTED) and the experiment aborted',
    async (phase) => {
      const home = await tempHome();
      const child = startChild(['die-in-phase', home, phase]);
      const { id } = (await child.waitFor((message) => 'inPhase' in message)) as { id: string };
      const events = collectEvents();
      const store = openStore({ home, events: events.sink });
      expect((await store.list())[0]).toMatchObject({ id, status: 'running', lockedBy: { pid: child.pid } });

      await kill(child);
      expect((await store.list())[0]).toMatchObject({ id, status: 'interrupted', lockedBy: undefined });
      // Reading does not change anything.
      expect((await (await store.open(id)).readManifest()).phases[phase]?.status).toBe('running');

      const next = await store.open('latest', { lock: true, purpose: 'lab-orchestrate teardown' });
      const manifest = await next.readManifest();
      expect(manifest.phases[phase]).toMatchObject({
        status: 'failed',
        error: {
          code: 'INTERRUPTED',
          message: expect.stringMatching(
            new RegExp(
              `^process ${child.pid} on \\S+ \\(lab-orchestrate full\\), holding the experiment since \\S+, ended while this phase ran \\(killed or crashed\\); noticed by process ${process.pid} \\(lab-orchestrate teardown\\) at `,
            ),
          ),
        },
      });
      expect(manifest.phases[phase]?.endedAt).toBeDefined();
      expect(manifest.outcome).toMatchObject({
        result: 'aborted',
        message: expect.stringContaining(`ended during ${phase}`),
      });
      expect(events.events.map((event) => event.type)).toEqual(
        expect.arrayContaining(['lock.stale-taken-over', 'experiment.interrupted']),
      );
      expect(await readFile(next.paths.log, 'utf8')).toMatch(
        /WARN \[@lab\/experiment-store\] Experiment .* was interrupted/,
      );
      expect((await store.list())[0]).toMatchObject({
        id,
        status: 'aborted',
        lockedBy: { pid: process.pid },
      });

      // The phase can be run again (teardown finishing the job); the outcome stays what happened.
      await next.startPhase(phase);
      expect(events.events.at(-1)).toMatchObject({ type: 'phase.restarted', level: 'warn' });
      await next.endPhase(phase, 'succeeded');
      await next.release();
      expect((await next.readManifest()).outcome?.result).toBe('aborted');
    },
  );

  it('a dead holder that was between phases leaves the manifest as it was', async () => {
    const home = await tempHome();
    const child = startChild(['die-in-phase', home, 'setup']);
    const { id } = (await child.waitFor((message) => 'inPhase' in message)) as { id: string };
    await kill(child);
    const store = openStore({ home });
    const experiment = await store.open(id);
    // Someone finished the phase by hand meanwhile (the lock file is still the dead one's).
    const manifestPath = experiment.paths.manifest;
    const text = await readFile(manifestPath, 'utf8');
    await writeFile(manifestPath, text.replace('"status": "running"', '"status": "succeeded"'));
    await experiment.lock({ purpose: 'test' });
    const manifest = await experiment.readManifest();
    expect(manifest.phases.setup?.status).toBe('succeeded');
    expect(manifest.outcome).toBeNull();
    await experiment.release();
  });
});
