import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { collectEvents, createEmitter, createVirtualTime, LabError, ValidationError } from '@lab/core';
import { describe, expect, it } from 'vitest';
import { type Manifest, openStore, resourcesMayBeAlive } from '../src/index.js';
import { tempHome } from './support/processes.js';

const input = {
  name: 'lifecycle',
  regions: ['eu-west-1', 'us-east-1'],
  configDigest: 'sha256:abc',
  tags: { Owner: 'ana' },
};

async function setup() {
  const time = createVirtualTime(Date.parse('2026-05-01T08:00:00Z'));
  const events = collectEvents();
  const store = openStore({ home: await tempHome(), clock: time.clock, events: events.sink });
  const experiment = await store.create({ ...input, purpose: 'test' });
  return { time, events, store, experiment };
}

describe('phases', () => {
  it('records status and timestamps from the injected clock', async () => {
    const { time, experiment } = await setup();
    time.advance(1_000);
    await experiment.startPhase('setup');
    time.advance(60_000);
    const manifest = await experiment.endPhase('setup', 'succeeded');
    expect(manifest.phases.setup).toEqual({
      status: 'succeeded',
      startedAt: '2026-05-01T08:00:01.000Z',
      endedAt: '2026-05-01T08:01:01.000Z',
    });
    await experiment.startPhase('run');
    const failed = await experiment.endPhase(
      'run',
      'failed',
      new LabError('OMB_FAILED', 'workload 1kb failed', { hint: 'see benchmark_results' }),
    );
    expect(failed.phases.run).toMatchObject({
      status: 'failed',
      error: { code: 'OMB_FAILED', message: 'workload 1kb failed', hint: 'see benchmark_results' },
    });
    expect((await experiment.endPhase('report', 'skipped')).phases.report?.status).toBe('skipped');
    await experiment.startPhase('verify-cleanup');
    expect((await experiment.readManifest()).phases['verify-cleanup']?.status).toBe('running');
  });

  it('refuses impossible transitions and bad names', async () => {
    const { experiment } = await setup();
    await expect(experiment.endPhase('setup', 'succeeded')).rejects.toMatchObject({ code: 'PHASE_STATE' });
    await experiment.startPhase('setup');
    await expect(experiment.endPhase('setup', 'skipped')).rejects.toMatchObject({ code: 'PHASE_STATE' });
    await expect(experiment.startPhase('Set Up')).rejects.toBeInstanceOf(ValidationError);
  });

  it('restarts a phase an earlier process left running, and says so', async () => {
    const { experiment, events } = await setup();
    await experiment.startPhase('setup');
    await experiment.startPhase('setup');
    expect(events.events.at(-1)).toMatchObject({ type: 'phase.restarted', level: 'warn' });
  });
});

describe('outcome and resources', () => {
  it('records resource ids by region and type without duplicates, the outcome, and cleanup', async () => {
    const { experiment } = await setup();
    await experiment.recordResources('eu-west-1', 'instance', ['i-1', 'i-2']);
    await experiment.recordResources('eu-west-1', 'instance', ['i-2', 'i-3']);
    const manifest = await experiment.recordResources('eu-west-1', 'vpc', ['vpc-1']);
    expect(manifest.resources).toEqual({ 'eu-west-1': { instance: ['i-1', 'i-2', 'i-3'], vpc: ['vpc-1'] } });
    await expect(experiment.recordResources('mars', 'Instance', [''])).rejects.toMatchObject({
      issues: [{ path: 'region' }, { path: 'type' }, { path: 'ids' }],
    });
    const finished = await experiment.finish('aborted', { message: 'Ctrl-C' });
    expect(finished.outcome).toEqual({
      result: 'aborted',
      at: '2026-05-01T08:00:00.000Z',
      message: 'Ctrl-C',
    });
    const gone = await experiment.markResourcesGone('lab-cleanup');
    expect(gone.resourcesGone).toEqual({ at: '2026-05-01T08:00:00.000Z', by: 'lab-cleanup' });
  });

  it('keeps free-form details', async () => {
    const { experiment } = await setup();
    await experiment.updateManifest((draft) => {
      draft.details.amiId = 'ami-0123456789abcdef0';
    });
    expect((await experiment.readManifest()).details).toEqual({ amiId: 'ami-0123456789abcdef0' });
  });
});

describe('resourcesMayBeAlive', () => {
  const base = {
    phases: { setup: { status: 'pending' }, teardown: { status: 'pending' } },
    resources: {},
    resourcesGone: null,
  } as unknown as Manifest;
  const with_ = (patch: Partial<Manifest>): Manifest => ({ ...base, ...patch });

  it('is false only when nothing started, teardown succeeded, or cleanup verified', () => {
    expect(resourcesMayBeAlive(base)).toBe(false);
    expect(resourcesMayBeAlive(with_({ phases: { setup: { status: 'skipped' } } }))).toBe(false);
    expect(
      resourcesMayBeAlive(
        with_({ phases: { setup: { status: 'failed' }, teardown: { status: 'pending' } } }),
      ),
    ).toBe(true);
    expect(resourcesMayBeAlive(with_({ phases: { setup: { status: 'running' } } }))).toBe(true);
    expect(resourcesMayBeAlive(with_({ resources: { 'eu-west-1': { vpc: ['vpc-1'] } } }))).toBe(true);
    expect(
      resourcesMayBeAlive(
        with_({ phases: { setup: { status: 'succeeded' }, teardown: { status: 'failed' } } }),
      ),
    ).toBe(true);
    expect(
      resourcesMayBeAlive(
        with_({ phases: { setup: { status: 'succeeded' }, teardown: { status: 'succeeded' } } }),
      ),
    ).toBe(false);
    expect(
      resourcesMayBeAlive(
        with_({
          phases: { setup: { status: 'failed' } },
          resourcesGone: { at: '2026-01-01T00:00:00Z', by: 'lab-cleanup' },
        }),
      ),
    ).toBe(false);
  });
});

describe('logs', () => {
  it('the event sink appends NDJSON and formatted lines, and the store logs its own events there', async () => {
    const { experiment } = await setup();
    const emitter = createEmitter({
      source: '@lab/ssm-runner',
      sink: experiment.eventSink(),
      clock: { now: () => 0 },
    });
    emitter.emit('command.sent', 'Sent command c-1 to 3 instances', { commandId: 'c-1' });
    emitter.emit('command.failed', 'Command c-1 failed on i-1', undefined, 'error');
    const lines = (await readFile(experiment.paths.events, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((event) => event.type)).toEqual([
      'experiment.created',
      'command.sent',
      'command.failed',
    ]);
    expect(lines[1]).toEqual({
      type: 'command.sent',
      level: 'info',
      time: '1970-01-01T00:00:00.000Z',
      source: '@lab/ssm-runner',
      message: 'Sent command c-1 to 3 instances',
      data: { commandId: 'c-1' },
    });
    const log = await readFile(experiment.paths.log, 'utf8');
    expect(log).toContain('1970-01-01T00:00:00.000Z [@lab/ssm-runner] Sent command c-1 to 3 instances\n');
    expect(log).toContain('1970-01-01T00:00:00.000Z ERROR [@lab/ssm-runner] Command c-1 failed on i-1\n');
  });

  it('a failed append never throws and is reported', async () => {
    const { experiment, events } = await setup();
    await experiment.release();
    await rm(experiment.paths.root, { recursive: true });
    const errors: LabError[] = [];
    const event = { type: 't', level: 'info', time: 'now', source: 's', message: 'm' } as const;
    expect(() => experiment.eventSink({ onError: (error) => errors.push(error) })(event)).not.toThrow();
    expect(errors[0]?.message).toContain(`Appending an event to the logs of experiment ${experiment.id}`);
    experiment.eventSink()(event);
    expect(events.events.at(-1)).toMatchObject({ type: 'log.write-failed', level: 'warn' });
  });
});

describe('experiment.writeFileAtomic', () => {
  it('writes inside the experiment, creating directories', async () => {
    const { experiment } = await setup();
    const path = await experiment.writeFileAtomic('terraform/terraform.tfvars.json', '{"experiment_id":"x"}');
    expect(path).toBe(experiment.paths.terraformVars);
    expect(await readFile(path, 'utf8')).toBe('{"experiment_id":"x"}');
    await experiment.writeTerraformVars({ experiment_id: experiment.id, bookies: 3 });
    expect(JSON.parse(await readFile(experiment.paths.terraformVars, 'utf8'))).toEqual({
      experiment_id: experiment.id,
      bookies: 3,
    });
    await experiment.writeFileAtomic('benchmark_results/run-1/result.json', '{}');
    expect(await readFile(join(experiment.paths.benchmarkResults, 'run-1', 'result.json'), 'utf8')).toBe(
      '{}',
    );
  });

  it("refuses paths outside the experiment and the store's own files", async () => {
    const { experiment } = await setup();
    for (const bad of [
      '../x',
      '/etc/passwd',
      '',
      '.',
      'report/../../x',
      'manifest.json',
      './log.txt',
      'events.ndjson',
      '.lock',
    ]) {
      await expect(experiment.writeFileAtomic(bad, 'x'), bad).rejects.toBeInstanceOf(ValidationError);
    }
  });
});

describe('list', () => {
  it('shows id, name, status, age, regions and whether resources may be alive, newest first', async () => {
    const { time, store, experiment } = await setup();
    await experiment.startPhase('setup');
    time.advance(3_600_000);
    const second = await store.create({ ...input, name: 'second', regions: ['ap-south-1'] });
    await second.release();
    const rows = await store.list();
    expect(
      rows.map((row) => [row.id, row.name, row.status, row.ageMs, row.regions, row.resourcesMayBeAlive]),
    ).toEqual([
      ['exp-20260501-090000', 'second', 'created', 0, ['ap-south-1'], false],
      ['exp-20260501-080000', 'lifecycle', 'running', 3_600_000, ['eu-west-1', 'us-east-1'], true],
    ]);
    expect(rows[1]?.lockedBy).toMatchObject({ pid: process.pid, purpose: 'test' });
    expect(JSON.parse(JSON.stringify(rows))).toHaveLength(2);
  });

  it('derives every status', async () => {
    const { store, experiment } = await setup();
    const status = async () => (await store.list()).find((row) => row.id === experiment.id)?.status;
    expect(await status()).toBe('running'); // created and locked by its creator
    await experiment.release();
    expect(await status()).toBe('created');
    await experiment.startPhase('setup');
    expect(await status()).toBe('interrupted'); // running phase, nobody holds the lock
    await experiment.lock();
    expect(await status()).toBe('running');
    await experiment.endPhase('setup', 'succeeded');
    await experiment.release();
    expect(await status()).toBe('in-progress');
    await experiment.startPhase('run');
    await experiment.endPhase('run', 'failed', new Error('boom'));
    expect(await status()).toBe('failed');
    await experiment.finish('succeeded');
    expect(await status()).toBe('succeeded');
  });

  it('is empty for a home that does not exist yet', async () => {
    expect(await openStore({ home: await tempHome() }).list()).toEqual([]);
  });
});
