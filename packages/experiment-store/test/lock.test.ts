import { readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { collectEvents, createVirtualTime } from '@lab/core';
import { describe, expect, it } from 'vitest';
import { ExperimentLockedError, inspectLock, openStore } from '../src/index.js';
import { kill, runChild, startChild, tempHome } from './support/processes.js';

const input = { name: 'locking', regions: ['eu-west-1'], configDigest: 'sha256:abc' };

async function setup() {
  const home = await tempHome();
  const events = collectEvents();
  const store = openStore({ home, events: events.sink });
  const experiment = await store.create(input);
  await experiment.release();
  return { home, store, experiment, events };
}

describe('locking between processes', () => {
  it("refuses a second process with an error naming the holder's pid, then lets it in after release", async () => {
    const { home, experiment } = await setup();
    const holder = startChild(['hold-lock', home, experiment.id]);
    await holder.waitFor((message) => 'locked' in message);

    const second = await runChild(['update', home, experiment.id]);
    expect(second.code).toBe(3);
    const error = second.last?.error as {
      code: string;
      message: string;
      hint: string;
      details: Record<string, unknown>;
    };
    expect(error.code).toBe('EXPERIMENT_LOCKED');
    expect(error.message).toContain(`locked by process ${holder.pid}`);
    expect(error.message).toContain('(holding for a test)');
    expect(error.hint).toContain(`Wait for process ${holder.pid}`);
    expect(error.details.holder).toMatchObject({
      pid: holder.pid,
      hostname: hostname(),
      purpose: 'holding for a test',
    });
    expect((await experiment.readManifest()).details).toEqual({});

    // The holder dies without releasing: its lock is stale and the next process takes it over.
    await kill(holder);
    const third = await runChild(['update', home, experiment.id]);
    expect(third.code).toBe(0);
    expect(third.last?.updated).toBeTypeOf('number');
    const takeover = ((third.last?.events ?? []) as { type: string; level: string; message: string }[]).find(
      (event) => event.type === 'lock.stale-taken-over',
    );
    expect(takeover?.level).toBe('warn');
    expect(takeover?.message).toContain(`process ${holder.pid}`);
    expect(takeover?.message).toContain('is gone');
    // The takeover is in the experiment's own logs too.
    expect(await readFile(experiment.paths.events, 'utf8')).toContain('"type":"lock.stale-taken-over"');
    expect(await readFile(experiment.paths.log, 'utf8')).toMatch(
      /WARN \[@lab\/experiment-store\] Took over the lock/,
    );
    expect((await experiment.readManifest()).details.updatedBy).toBe(third.last?.updated);
    expect(await inspectLock(experiment.paths.lock)).toEqual({ state: 'free' });
  });

  it('lets exactly one of several processes that find the same stale lock take it over', async () => {
    const { home, experiment } = await setup();
    const holder = startChild(['hold-lock', home, experiment.id]);
    await holder.waitFor((message) => 'locked' in message);
    await kill(holder);
    const contenders = Array.from({ length: 6 }, () =>
      startChild(['hold-lock', home, experiment.id, 'race']),
    );
    await Promise.all(contenders.map((child) => child.waitFor((message) => 'ready' in message)));
    for (const child of contenders) child.process.stdin!.write('go\n');
    const outcomes = await Promise.all(
      contenders.map((child) => child.waitFor((message) => 'locked' in message || 'error' in message)),
    );
    const winners = outcomes.filter((message) => 'locked' in message);
    expect(winners).toHaveLength(1);
    const state = await inspectLock(experiment.paths.lock);
    expect(state).toMatchObject({ state: 'held', alive: true, holder: { pid: winners[0]!.locked } });
    for (const loser of outcomes.filter((message) => 'error' in message)) {
      expect(loser.error).toMatchObject({ code: 'EXPERIMENT_LOCKED' });
      expect((loser.error as { message: string }).message).toContain(
        `process ${winners[0]!.locked as number}`,
      );
    }
  });
});

describe('locking within a process', () => {
  it('a handle that holds the lock writes; another handle is refused until release', async () => {
    const { store, experiment } = await setup();
    const owner = await store.open(experiment.id, { lock: true, purpose: 'owner' });
    expect(owner.locked).toBe(true);
    await owner.startPhase('setup');
    const other = await store.open(experiment.id);
    const error = (await other.startPhase('run').catch((e: unknown) => e)) as ExperimentLockedError;
    expect(error).toBeInstanceOf(ExperimentLockedError);
    expect(error.holder).toMatchObject({ pid: process.pid, purpose: 'owner' });
    await owner.release();
    expect(owner.locked).toBe(false);
    await other.startPhase('run');
    expect((await other.readManifest()).phases.run?.status).toBe('running');
  });

  it('waits for a lock up to lockWaitMs', async () => {
    const home = await tempHome();
    const time = createVirtualTime(Date.parse('2026-01-01T00:00:00Z'));
    const store = openStore({ home, clock: time.clock, sleep: time.sleep, lockWaitMs: 1_000 });
    const experiment = await store.create(input);
    const other = await store.open(experiment.id);
    await expect(other.updateManifest(() => {})).rejects.toBeInstanceOf(ExperimentLockedError);
    expect(time.sleeps.reduce((sum, ms) => sum + ms, 0)).toBe(1_000);
    await experiment.release();
  });

  it('gets the lock when its holder releases it during the wait', async () => {
    const store = openStore({ home: await tempHome(), lockWaitMs: 10_000 });
    const experiment = await store.create(input);
    const other = await store.open(experiment.id);
    const waiting = other.updateManifest((draft) => {
      draft.details.after = 'wait';
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await experiment.release();
    await waiting;
    expect((await experiment.readManifest()).details.after).toBe('wait');
  });

  it('refuses an unreadable lock file instead of guessing, and says how to clear it', async () => {
    const { store, experiment } = await setup();
    await writeFile(experiment.paths.lock, 'garbage');
    const error = (await (
      await store.open(experiment.id)
    )
      .updateManifest(() => {})
      .catch((e: unknown) => e)) as ExperimentLockedError;
    expect(error).toBeInstanceOf(ExperimentLockedError);
    expect(error.holder).toBeUndefined();
    expect(error.hint).toContain(`delete ${experiment.paths.lock}`);
    expect(await readFile(experiment.paths.lock, 'utf8')).toBe('garbage');
  });

  it('never takes over a lock held on another host', async () => {
    const { store, experiment } = await setup();
    const remote = { pid: 1, hostname: 'some-other-host', startedAt: '2026-01-01T00:00:00.000Z', token: 't' };
    await writeFile(experiment.paths.lock, JSON.stringify(remote));
    const error = (await (
      await store.open(experiment.id)
    )
      .lock()
      .catch((e: unknown) => e)) as ExperimentLockedError;
    expect(error).toBeInstanceOf(ExperimentLockedError);
    expect(error.message).toContain('process 1 on host some-other-host');
    expect(error.hint).toContain('cannot tell whether it is alive');
    expect((await store.list())[0]?.lockedBy).toMatchObject({ hostname: 'some-other-host' });
  });

  it('reports a lock that was removed from under its holder', async () => {
    const { store, experiment } = await setup();
    const owner = await store.open(experiment.id, { lock: true });
    await writeFile(
      experiment.paths.lock,
      JSON.stringify({ pid: process.pid, hostname: hostname(), startedAt: 'x', token: 'other' }),
    );
    await expect(owner.release()).rejects.toMatchObject({ code: 'LOCK_LOST' });
  });
});
