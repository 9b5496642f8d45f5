import { lstat, mkdir, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { collectEvents, createVirtualTime, ValidationError } from '@lab/core';
import { describe, expect, it } from 'vitest';
import {
  AmbiguousExperimentError,
  type CreateExperimentInput,
  defaultHome,
  ExperimentExistsError,
  ExperimentNotFoundError,
  openStore,
} from '../src/index.js';
import { startChild, tempHome } from './support/processes.js';

const input: CreateExperimentInput = { name: 'poc', regions: ['eu-west-1'], configDigest: 'sha256:abc' };
const at = (iso: string) => ({ now: () => Date.parse(iso) });

describe('experiment ids', () => {
  it('are exp-YYYYMMDD-HHMMSS in UTC, with -2, -3 … for more in the same second', async () => {
    const store = openStore({ home: await tempHome(), clock: at('2026-11-27T03:04:05.678Z') });
    const ids: string[] = [];
    for (let index = 0; index < 3; index++) {
      const experiment = await store.create(input);
      ids.push(experiment.id);
      await experiment.release();
    }
    expect(ids).toEqual(['exp-20261127-030405', 'exp-20261127-030405-2', 'exp-20261127-030405-3']);
  });

  it('never give two racing processes the same id', async () => {
    const home = await tempHome();
    const clockMs = String(Date.parse('2026-01-02T03:04:05Z'));
    const children = Array.from({ length: 4 }, () => startChild(['create', home, clockMs, '3']));
    await Promise.all(children.map((child) => child.waitFor((message) => 'ready' in message)));
    for (const child of children) child.process.stdin!.write('go\n');
    const results = await Promise.all(children.map((child) => child.waitFor((message) => 'ids' in message)));
    const ids = results.flatMap((result) => result.ids as string[]);
    expect(ids).toHaveLength(12);
    expect(new Set(ids).size).toBe(12);
    expect([...ids].sort()).toEqual(
      [
        'exp-20260102-030405',
        ...Array.from({ length: 11 }, (_, index) => `exp-20260102-030405-${index + 2}`),
      ].sort(),
    );
    const listed = await openStore({ home }).list();
    expect(listed.map((row) => row.id).sort()).toEqual([...ids].sort());
    expect(listed.every((row) => row.status === 'created')).toBe(true);
  });

  it('accept a valid user-chosen id and refuse a taken, malformed or reserved one', async () => {
    const store = openStore({ home: await tempHome() });
    const chosen = await store.create({ ...input, id: 'baseline-3-bookies' });
    expect(chosen.id).toBe('baseline-3-bookies');
    await chosen.release();
    await expect(store.create({ ...input, id: 'baseline-3-bookies' })).rejects.toBeInstanceOf(
      ExperimentExistsError,
    );
    for (const bad of ['Baseline', 'latest', 'ami-cache', '../escape', '-x', 'exp-20260101-000000-1']) {
      const error = await store.create({ ...input, id: bad }).catch((e: unknown) => e);
      expect(error, bad).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues[0]?.path).toBe('id');
    }
  });

  it('validate the rest of the input before touching the disk', async () => {
    const home = await tempHome();
    const store = openStore({ home });
    const error = (await store
      .create({ name: '', regions: ['eu-west-1', 'Europe'], configDigest: '', phases: ['setup', 'Run'] })
      .catch((e: unknown) => e)) as ValidationError;
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.issues.map((issue) => issue.path)).toEqual([
      'name',
      'regions.1',
      'configDigest',
      'phases.1',
    ]);
    await expect(store.create({ ...input, tags: { 'aws:owner': 'x' } })).rejects.toBeInstanceOf(
      ValidationError,
    );
    await expect(lstat(home)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('home', () => {
  it('defaults to $PULSAR_AWS_LAB_HOME, then ~/.pulsar-aws-lab', () => {
    expect(defaultHome({ PULSAR_AWS_LAB_HOME: '/srv/lab' })).toBe('/srv/lab');
    expect(defaultHome({})).toMatch(/\.pulsar-aws-lab$/);
    expect(openStore({ env: { PULSAR_AWS_LAB_HOME: '/srv/lab' } }).home).toBe('/srv/lab');
    expect(openStore({ home: '/flag', env: { PULSAR_AWS_LAB_HOME: '/srv/lab' } }).home).toBe('/flag');
  });
});

describe('latest', () => {
  it('is a relative symlink moved on create and by nothing else', async () => {
    const home = await tempHome();
    const time = createVirtualTime(Date.parse('2026-03-01T10:00:00Z'));
    const store = openStore({ home, clock: time.clock });
    expect(await store.latest()).toBeUndefined();
    const first = await store.create(input);
    await first.release();
    expect((await lstat(join(home, 'latest'))).isSymbolicLink()).toBe(true);
    expect(await readlink(join(home, 'latest'))).toBe(first.id);
    time.advance(60_000);
    const second = await store.create(input);
    await second.release();
    expect(await store.resolve('latest')).toBe(second.id);

    // Opening, locking, writing, listing, gc'ing the older one leave `latest` alone.
    const older = await store.open(first.id, { lock: true });
    await older.startPhase('setup');
    await older.endPhase('setup', 'succeeded');
    await older.release();
    await store.list();
    await store.gc({ olderThanMs: 60 * 60_000, execute: true });
    expect(await readlink(join(home, 'latest'))).toBe(second.id);
    // No temporary links are left behind.
    expect((await readdir(home)).filter((name) => name.startsWith('.'))).toEqual([]);
  });

  it('resolving it reports a missing store, a removed target, and a non-link', async () => {
    const home = await tempHome();
    const store = openStore({ home });
    const none = await store.resolve('latest').catch((e: unknown) => e);
    expect(none).toBeInstanceOf(ExperimentNotFoundError);
    expect((none as ExperimentNotFoundError).message).toContain('No experiment has been created');
    const experiment = await store.create(input);
    await experiment.release();
    await rm(experiment.paths.root, { recursive: true });
    const gone = (await store.resolve('latest').catch((e: unknown) => e)) as ExperimentNotFoundError;
    expect(gone).toBeInstanceOf(ExperimentNotFoundError);
    expect(gone.message).toContain(`points to ${experiment.id}, which no longer exists`);
    await rm(join(home, 'latest'));
    await mkdir(join(home, 'latest'));
    await expect(store.resolve('latest')).rejects.toMatchObject({ code: 'LATEST_NOT_A_LINK' });
    const blocked = await store.create(input).catch((e: unknown) => e);
    expect(blocked).toMatchObject({ hint: expect.stringContaining('is not a link') });
  });
});

describe('resolve', () => {
  async function storeWith(ids: string[]) {
    const home = await tempHome();
    const store = openStore({ home });
    for (const id of ids) {
      const experiment = await store.create({ ...input, id });
      await experiment.release();
    }
    return { home, store };
  }

  it('accepts a full id, and prefers it to longer ids it prefixes', async () => {
    const { store } = await storeWith(['exp-20260101-000000', 'exp-20260101-000000-2']);
    expect(await store.resolve('exp-20260101-000000')).toBe('exp-20260101-000000');
    expect(await store.resolve('exp-20260101-000000-2')).toBe('exp-20260101-000000-2');
  });

  it('accepts a unique prefix', async () => {
    const { store } = await storeWith(['exp-20260101-000000', 'exp-20260202-000000', 'baseline']);
    expect(await store.resolve('exp-202602')).toBe('exp-20260202-000000');
    expect(await store.resolve('base')).toBe('baseline');
  });

  it('lists the candidates of an ambiguous prefix, newest first', async () => {
    const { store } = await storeWith([
      'exp-20260101-000000',
      'exp-20260101-000000-2',
      'exp-20260101-000000-10',
    ]);
    const error = (await store.resolve('exp-2026').catch((e: unknown) => e)) as AmbiguousExperimentError;
    expect(error).toBeInstanceOf(AmbiguousExperimentError);
    expect(error.code).toBe('EXPERIMENT_AMBIGUOUS');
    expect(error.candidates).toEqual([
      'exp-20260101-000000-10',
      'exp-20260101-000000-2',
      'exp-20260101-000000',
    ]);
    expect(error.message).toContain('exp-20260101-000000-10, exp-20260101-000000-2, exp-20260101-000000');
  });

  it('says what exists when nothing matches, and ignores what is not an experiment', async () => {
    const { home, store } = await storeWith(['exp-20260101-000000']);
    await mkdir(join(home, 'ami-cache'), { recursive: true });
    await mkdir(join(home, 'Not-An-Experiment'));
    await writeFile(join(home, 'exp-20990101-000000'), 'a file, not a directory');
    for (const ref of ['exp-2099', 'ami', 'Not', '../home', 'x']) {
      const error = (await store.resolve(ref).catch((e: unknown) => e)) as ExperimentNotFoundError;
      expect(error, ref).toBeInstanceOf(ExperimentNotFoundError);
      expect(error.hint).toContain('exp-20260101-000000');
    }
    await expect(store.resolve('')).rejects.toBeInstanceOf(ValidationError);
    const empty = openStore({ home: await tempHome() });
    await expect(empty.resolve('exp')).rejects.toMatchObject({
      hint: expect.stringContaining('no experiments yet'),
    });
  });

  it('opens a handle with the experiment layout', async () => {
    const events = collectEvents();
    const home = await tempHome();
    const store = openStore({ home, events: events.sink });
    const created = await store.create({ ...input, id: 'layout' });
    await created.release();
    const experiment = await store.open('lay');
    expect(experiment.id).toBe('layout');
    expect(experiment.locked).toBe(false);
    expect(experiment.paths).toMatchObject({
      root: join(home, 'layout'),
      manifest: join(home, 'layout', 'manifest.json'),
      log: join(home, 'layout', 'log.txt'),
      events: join(home, 'layout', 'events.ndjson'),
      terraformStateDir: join(home, 'layout', 'terraform'),
      terraformVars: join(home, 'layout', 'terraform', 'terraform.tfvars.json'),
      benchmarkResults: join(home, 'layout', 'benchmark_results'),
      report: join(home, 'layout', 'report'),
    });
    expect((await readdir(experiment.paths.root)).sort()).toEqual(
      ['benchmark_results', 'events.ndjson', 'log.txt', 'manifest.json', 'report', 'terraform'].sort(),
    );
    const manifest = await experiment.readManifest();
    expect(manifest).toMatchObject({
      schemaVersion: 2,
      id: 'layout',
      name: 'poc',
      target: 'aws',
      regions: ['eu-west-1'],
      configDigest: 'sha256:abc',
      terraform: { stateDir: 'terraform' },
      phases: {
        setup: { status: 'pending' },
        run: { status: 'pending' },
        report: { status: 'pending' },
        teardown: { status: 'pending' },
      },
      resources: {},
      resourcesGone: null,
      outcome: null,
    });
    expect(events.events.map((event) => event.type)).toContain('experiment.created');
  });
});
