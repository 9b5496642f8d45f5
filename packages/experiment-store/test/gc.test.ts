import { mkdir, readdir, readlink, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { collectEvents, createVirtualTime, ValidationError } from '@lab/core';
import { describe, expect, it } from 'vitest';
import { openStore } from '../src/index.js';
import { kill, startChild, tempHome } from './support/processes.js';

const DAY = 24 * 60 * 60 * 1000;
const input = { name: 'gc', regions: ['eu-west-1'], configDigest: 'sha256:abc' };

/** A store with experiments in every state, 10 days old, plus one fresh. */
async function populated() {
  const home = await tempHome();
  const time = createVirtualTime(Date.parse('2026-02-01T00:00:00Z'));
  const events = collectEvents();
  const store = openStore({ home, clock: time.clock, events: events.sink });
  const make = async (id: string, act: (e: Awaited<ReturnType<typeof store.create>>) => Promise<unknown>) => {
    const experiment = await store.create({ ...input, id });
    await act(experiment);
    await experiment.release();
    return experiment;
  };
  await make('torn-down', async (e) => {
    await e.startPhase('setup');
    await e.endPhase('setup', 'succeeded');
    await e.startPhase('teardown');
    await e.endPhase('teardown', 'succeeded');
  });
  await make('cleaned-up', async (e) => {
    await e.startPhase('setup');
    await e.endPhase('setup', 'failed', new Error('quota'));
    await e.markResourcesGone('lab-cleanup');
  });
  await make('never-started', async () => {});
  await make('teardown-failed', async (e) => {
    await e.startPhase('setup');
    await e.endPhase('setup', 'succeeded');
    await e.startPhase('teardown');
    await e.endPhase('teardown', 'failed', new Error('DependencyViolation'));
  });
  await make('crashed-in-setup', async (e) => {
    await e.startPhase('setup');
    await e.recordResources('eu-west-1', 'vpc', ['vpc-1']);
  });
  const corrupt = await make('corrupt', async () => {});
  await writeFile(corrupt.paths.manifest, '{');
  await mkdir(join(home, 'no-manifest'));
  time.advance(10 * DAY);
  await make('fresh-and-done', async (e) => {
    await e.endPhase('setup', 'skipped');
  });
  return { home, time, store, events };
}

describe('gc', () => {
  it('plans (dry run by default) to remove only old experiments whose resources are known gone', async () => {
    const { home, store } = await populated();
    const before = await readdir(home);
    const plan = await store.gc({ olderThanMs: 7 * DAY });
    expect(plan.executed).toBe(false);
    expect(plan.remove.map((entry) => entry.id).sort()).toEqual(['cleaned-up', 'never-started', 'torn-down']);
    const kept = Object.fromEntries(plan.keep.map((entry) => [entry.id, entry.reason]));
    expect(kept).toEqual({
      'teardown-failed': 'its cloud resources may still exist',
      'crashed-in-setup': 'its cloud resources may still exist',
      corrupt: expect.stringMatching(/^unreadable: .*not valid JSON.*inspect it by hand$/),
      'no-manifest': expect.stringMatching(/^incomplete: .*has no manifest/),
      'fresh-and-done': 'younger than the limit',
    });
    expect(plan.removed).toEqual([]);
    expect(await readdir(home)).toEqual(before);
  });

  it('removes them with execute: true, and nothing else', async () => {
    const { home, store, events } = await populated();
    const latestBefore = await readlink(join(home, 'latest'));
    const plan = await store.gc({ olderThanMs: 7 * DAY, execute: true });
    expect(plan.removed.sort()).toEqual(['cleaned-up', 'never-started', 'torn-down']);
    expect(plan.failed).toEqual([]);
    expect((await readdir(home)).sort()).toEqual(
      ['corrupt', 'crashed-in-setup', 'fresh-and-done', 'latest', 'no-manifest', 'teardown-failed'].sort(),
    );
    expect(await readlink(join(home, 'latest'))).toBe(latestBefore);
    expect(events.events.filter((event) => event.type === 'gc.removed')).toHaveLength(3);
    expect((await store.gc({ olderThanMs: 7 * DAY, execute: true })).removed).toEqual([]);
  });

  it('skips an experiment another process is working on', async () => {
    const { home, store } = await populated();
    const holder = startChild(['hold-lock', home, 'torn-down']);
    await holder.waitFor((message) => 'locked' in message);
    const plan = await store.gc({ olderThanMs: 7 * DAY, execute: true });
    expect(plan.keep.find((entry) => entry.id === 'torn-down')?.reason).toBe(
      `locked by process ${holder.pid}`,
    );
    expect(plan.removed).not.toContain('torn-down');
    expect((await stat(join(home, 'torn-down'))).isDirectory()).toBe(true);
    await kill(holder);
    // A dead holder's lock does not protect the experiment.
    expect((await store.gc({ olderThanMs: 7 * DAY, execute: true })).removed).toEqual(['torn-down']);
  });

  it('keeps an experiment that was picked up again after a dry run', async () => {
    const { store } = await populated();
    const plan = await store.gc({ olderThanMs: 7 * DAY });
    const sneaky = await store.open('never-started', { lock: true });
    const result = await store.gc({ olderThanMs: 7 * DAY, execute: true });
    expect(plan.remove.map((entry) => entry.id)).toContain('never-started');
    expect(result.keep.find((entry) => entry.id === 'never-started')?.reason).toMatch(/^locked by process/);
    await sneaky.startPhase('setup');
    await sneaky.release();
    const again = await store.gc({ olderThanMs: 7 * DAY, execute: true });
    expect(again.keep.find((entry) => entry.id === 'never-started')?.reason).toBe(
      'its cloud resources may still exist',
    );
  });

  it('rejects a bad age limit', async () => {
    const { store } = await populated();
    await expect(store.gc({ olderThanMs: -1 })).rejects.toBeInstanceOf(ValidationError);
    await expect(store.gc({ olderThanMs: Number.NaN })).rejects.toBeInstanceOf(ValidationError);
  });
});
