import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GetCostAndUsageCommand } from '@aws-sdk/client-cost-explorer';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, describe, expect, it } from 'vitest';
import { compareReport, report, reportFromResults } from '../src/report.js';
import { type RunRecord, RunsFailedError, run } from '../src/run.js';
import { setup } from '../src/setup.js';
import {
  acceptCost,
  createLab,
  type Lab,
  type LabOptions,
  OMB_RESULT,
  resolvePlan,
  TWO_RUNS,
} from './support/lab.js';

const EXPERIMENT = 'exp-20260101-120000';

let lab: Lab | undefined;
/** A lab with a set-up experiment (the setup's own remote calls and events are cleared). */
const setUp = async (options: LabOptions = {}, testPlan: string | null = TWO_RUNS) => {
  lab = await createLab(options);
  await setup(lab.deps, { resolved: resolvePlan(testPlan), ...acceptCost });
  lab.remoteCalls.length = 0;
  lab.events.length = 0;
  return lab;
};
afterEach(async () => {
  await lab?.cleanup();
  lab = undefined;
});

async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}

const recordsOf = async (world: Lab) => (await world.manifest()).details.runs as RunRecord[];
const resultsDir = async (world: Lab) =>
  join((await world.store.open(EXPERIMENT)).paths.root, 'benchmark_results');

describe('run', () => {
  it('runs every planned run and records each in the manifest with its times and achieved rate', async () => {
    const world = await setUp();
    const result = await run(world.deps, { experiment: 'latest' });

    expect(result).toMatchObject({ experimentId: EXPERIMENT, failed: 0 });
    const records = await recordsOf(world);
    expect(records).toEqual([
      expect.objectContaining({
        id: '001-first',
        type: 'fixed-rate',
        status: 'succeeded',
        targetRate: 1000,
        resultFile: 'benchmark_results/001-first.json',
        startedAt: expect.any(String),
        endedAt: expect.any(String),
      }),
      expect.objectContaining({ id: '002-second', status: 'succeeded', targetRate: 2000 }),
    ]);
    expect(records[0]?.achievedRate).toBeGreaterThan(9000);
    expect(records[0]).not.toHaveProperty('reason');
    expect((await world.manifest()).phases.run?.status).toBe('succeeded');
    // The result stored is the one OMB wrote, byte for byte.
    expect(await readFile(join(await resultsDir(world), '001-first.json'), 'utf8')).toBe(OMB_RESULT);
    // The tenant is created once, before the first run, from the first broker's web service.
    const scripts = world.remoteCalls
      .filter((call) => call.op === 'runCommand')
      .map((call) => call.script ?? '');
    expect(scripts[0]).toContain('http://10.42.1.90:8080');
    expect(scripts.filter((script) => script.includes('http://10.42.1.90:8080'))).toHaveLength(1);
    const types = world.eventTypes();
    expect(types.filter((type) => type === 'run.started')).toHaveLength(2);
    expect(types.filter((type) => type === 'run.succeeded')).toHaveLength(2);
    expect(types.at(-1)).toBe('run.finished');
  });

  it('OMB exits non-zero and leaves no result: failed with the reason, the next run still runs', async () => {
    const world = await setUp({ omb: { '001-first': { exitCode: 1, result: 'missing' } } });
    const error = await rejection(run(world.deps, { experiment: EXPERIMENT }));

    expect(error).toBeInstanceOf(RunsFailedError);
    expect(error.code).toBe('RUN_FAILED');
    const records = await recordsOf(world);
    expect(records.map((record) => [record.id, record.status])).toEqual([
      ['001-first', 'failed'],
      ['002-second', 'succeeded'],
    ]);
    expect(records[0]).toMatchObject({
      reason: 'OMB wrote no result (exit code 1): the workload failed — see benchmark_results/001-first.log',
      error: { code: 'REMOTE_FILE_NOT_FOUND' },
    });
    // The log of the failed run is kept for the post-mortem.
    expect(existsSync(join(await resultsDir(world), '001-first.log'))).toBe(true);
    expect(existsSync(join(await resultsDir(world), '001-first.json'))).toBe(false);
    const manifest = await world.manifest();
    expect(manifest.phases.run).toMatchObject({ status: 'failed', error: { code: 'RUN_FAILED' } });
    expect(world.eventTypes()).toContain('run.failed');
  });

  it('OMB exits 0 but leaves no result (a failed workload): still a failed run', async () => {
    const world = await setUp({ omb: { '002-second': { exitCode: 0, result: 'missing' } } });
    await rejection(run(world.deps, { experiment: EXPERIMENT }));
    const records = await recordsOf(world);
    expect(records.map((record) => record.status)).toEqual(['succeeded', 'failed']);
    expect(records[1]?.reason).toContain('OMB wrote no result (exit code 0)');
  });

  it('a result that is no OMB result is kept aside as .invalid and the run fails', async () => {
    const world = await setUp({ omb: { '001-first': { result: 'invalid' } } });
    await rejection(run(world.deps, { experiment: EXPERIMENT }));
    const records = await recordsOf(world);
    expect(records[0]).toMatchObject({ status: 'failed' });
    expect(records[0]?.reason).toContain('the result is not a valid OMB result');
    expect(await readFile(join(await resultsDir(world), '001-first.invalid'), 'utf8')).toBe(
      '{"workload": 42}',
    );
    expect(records[1]?.status).toBe('succeeded');
  });

  it('an OMB process that vanishes is a failed run', async () => {
    const world = await setUp({ omb: { '001-first': { vanish: true } } });
    await rejection(run(world.deps, { experiment: EXPERIMENT }));
    const records = await recordsOf(world);
    expect(records[0]?.reason).toContain('the OMB process disappeared without an exit code');
    expect(records[1]?.status).toBe('succeeded');
  });

  it('a run that never ends is stopped at its timeout (warm-up + duration + margin) and fails', async () => {
    const world = await setUp({ omb: { '001-first': { hang: true } } });
    const started = world.time.clock.now();
    await rejection(run(world.deps, { experiment: EXPERIMENT }));

    const records = await recordsOf(world);
    expect(records[0]?.reason).toBe('timed out after 8 min (warm-up + duration + margin); OMB was stopped');
    // The stop script went to the client: SIGTERM to OMB's process group.
    const stops = world.remoteCalls.filter((call) => call.script?.includes('kill -TERM'));
    expect(stops).toHaveLength(1);
    expect(stops[0]?.script).toContain('001-first');
    expect(world.eventTypes()).toContain('run.stopped');
    expect(world.time.clock.now() - started).toBeGreaterThanOrEqual(8 * 60_000);
    expect(records[1]?.status).toBe('succeeded');
  });

  it('--fail-fast: the runs after a failure are skipped, and say why', async () => {
    const world = await setUp({ omb: { '001-first': { result: 'missing' } } });
    const error = await rejection(run(world.deps, { experiment: EXPERIMENT, failFast: true }));

    expect(error).toBeInstanceOf(RunsFailedError);
    expect(await recordsOf(world)).toEqual([
      expect.objectContaining({ id: '001-first', status: 'failed' }),
      expect.objectContaining({
        id: '002-second',
        status: 'skipped',
        reason: 'an earlier run failed (--fail-fast)',
      }),
    ]);
    expect(world.remoteCalls.some((call) => call.path?.includes('002-second'))).toBe(false);
  });

  it('a ramp stops at its plateau: the remaining steps are skipped with the verdict', async () => {
    // The fixture result publishes ~10,000 msg/s: steps asking 20k and 30k fall short.
    const ramp = `name: ramp
workload: { topics: 1, partitionsPerTopic: 2, messageSize: 1024, testDurationMinutes: 2, warmupDurationMinutes: 1 }
runs:
  - { type: ramp, name: r, startRate: 10000, stepRate: 10000, steps: 4, stepDurationMinutes: 2, plateau: { consecutiveSteps: 2 } }
`;
    const world = await setUp({}, ramp);
    await run(world.deps, { experiment: EXPERIMENT });
    const records = await recordsOf(world);
    expect(records.map((record) => [record.id, record.status])).toEqual([
      ['001-r-step1-10k', 'succeeded'],
      ['002-r-step2-20k', 'succeeded'],
      ['003-r-step3-30k', 'succeeded'],
      ['004-r-step4-40k', 'skipped'],
    ]);
    expect(records[3]?.reason).toMatch(/^ramp reached its plateau: /);
    expect(world.eventTypes()).toContain('run.ramp.plateau');
  });

  it('repetitions run interleaved, each stored under its own id', async () => {
    const world = await setUp(
      { omb: { '002-second.rep-1': { result: 'missing' } } },
      `repeat: 2\n${TWO_RUNS}`,
    );
    await rejection(run(world.deps, { experiment: EXPERIMENT }));
    const records = await recordsOf(world);
    expect(records.map((record) => [record.id, record.status])).toEqual([
      ['001-first.rep-1', 'succeeded'],
      ['002-second.rep-1', 'failed'],
      ['001-first.rep-2', 'succeeded'],
      ['002-second.rep-2', 'succeeded'],
    ]);
    const stored = join(await resultsDir(world));
    for (const id of ['001-first.rep-1', '001-first.rep-2', '002-second.rep-2']) {
      expect(existsSync(join(stored, `${id}.json`))).toBe(true);
    }
    // One workload per run, uploaded into each repetition's own directory.
    const uploads = world.remoteCalls.filter((call) => call.path?.endsWith('/workload.yaml'));
    expect(uploads.map((call) => call.path?.split('/').at(-2))).toEqual(records.map((record) => record.id));
  });

  it('without a test plan there is nothing to run: NO_TEST_PLAN, and no remote call', async () => {
    const world = await setUp({}, null);
    const error = await rejection(run(world.deps, { experiment: EXPERIMENT }));
    expect(error.code).toBe('NO_TEST_PLAN');
    expect(world.remoteCalls).toEqual([]);
  });

  it('before setup there is no cluster: EXPERIMENT_NOT_READY names the command to run', async () => {
    lab = await createLab({ terraformFails: 'apply' });
    await rejection(setup(lab.deps, { resolved: resolvePlan(), ...acceptCost }));
    const error = await rejection(run(lab.deps, { experiment: EXPERIMENT }));
    expect(error.code).toBe('EXPERIMENT_NOT_READY');
    expect((error as Error & { hint?: string }).hint).toContain('lab-orchestrate setup');
  });

  it('a run holds the experiment lock and releases it, also after failing', async () => {
    const world = await setUp({ omb: { '001-first': { result: 'missing' } } });
    await rejection(run(world.deps, { experiment: EXPERIMENT }));
    const experiment = await world.store.open(EXPERIMENT, { lock: true, purpose: 'test' });
    await experiment.release();
  });
});

describe('report', () => {
  it('reports every stored result with the actual cost from Cost Explorer', async () => {
    const world = await setUp();
    await run(world.deps, { experiment: EXPERIMENT });
    const result = await report(world.deps, { experiment: EXPERIMENT });

    expect(result).toMatchObject({ runs: 2, costSource: 'actual' });
    expect(result.hourlyUsd).toBeGreaterThan(0);
    expect(result.actualCost).toMatchObject({ status: 'available', total: 0.42 });
    expect(world.ceMock).toHaveReceivedCommand(GetCostAndUsageCommand);
    const manifest = await world.manifest();
    expect(manifest.phases.report?.status).toBe('succeeded');
    expect(manifest.details.actualCost).toMatchObject({ status: 'available' });
    const csv = await readFile(join(result.directory, 'summary.csv'), 'utf8');
    expect(
      csv.split('\n').filter((line) => line.includes('001-first') || line.includes('002-second')),
    ).toHaveLength(2);
  });

  it('without Cost Explorer it prices from the estimate, and names failed runs in its notes', async () => {
    const world = await setUp({ omb: { '002-second': { result: 'missing' } } });
    await rejection(run(world.deps, { experiment: EXPERIMENT }));
    const result = await report(world.deps, { experiment: EXPERIMENT, actualCost: false });

    expect(result).toMatchObject({ runs: 1, costSource: 'estimate' });
    expect(world.ceMock.calls()).toHaveLength(0);
    const html = await readFile(join(result.directory, 'index.html'), 'utf8');
    expect(html).toContain('002-second: failed');
    expect(html).toContain('on-demand estimate');
  });

  it('a Cost Explorer failure never fails the report', async () => {
    const world = await setUp();
    await run(world.deps, { experiment: EXPERIMENT });
    world.ceMock.on(GetCostAndUsageCommand).rejects(new Error('AccessDeniedException'));
    const result = await report(world.deps, { experiment: EXPERIMENT });
    expect(result.costSource).toBe('estimate');
    expect(result.actualCost?.status).not.toBe('available');
    expect(world.events.some((event) => event.type === 'report.cost' && event.level === 'warn')).toBe(true);
  });

  it('an unreadable result is a note, not a crash', async () => {
    const world = await setUp();
    await run(world.deps, { experiment: EXPERIMENT });
    const manifest = await world.manifest();
    const records = manifest.details.runs as RunRecord[];
    const experiment = await world.store.open(EXPERIMENT, { lock: true, purpose: 'test' });
    await experiment.updateManifest((draft) => {
      draft.details.runs = [{ ...records[0], resultFile: 'benchmark_results/gone.json' }, records[1]];
    });
    await experiment.release();
    const result = await report(world.deps, { experiment: EXPERIMENT, actualCost: false });
    expect(result.runs).toBe(1);
    expect(await readFile(join(result.directory, 'index.html'), 'utf8')).toContain(
      '001-first: result file unreadable',
    );
  });

  it('compares experiments side by side, and reports any result files', async () => {
    const world = await setUp();
    await run(world.deps, { experiment: EXPERIMENT });
    world.time.advance(60_000);
    await setup(world.deps, { resolved: resolvePlan(), ...acceptCost });
    const second = (await world.manifest()).id;
    expect(second).not.toBe(EXPERIMENT);
    await run(world.deps, { experiment: second });

    const out = join(world.home, 'compare');
    const compared = await compareReport(world.deps, { experiments: [EXPERIMENT, second], out });
    expect(compared).toMatchObject({ runs: 4, experiments: [EXPERIMENT, second] });
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as {
      runs: Array<{ experimentId: string }>;
    };
    expect(summary.runs.map((row) => row.experimentId)).toEqual([EXPERIMENT, EXPERIMENT, second, second]);

    const file = join(world.home, 'one.json');
    await writeFile(file, OMB_RESULT);
    const fromFiles = await reportFromResults({
      paths: [file],
      out: join(world.home, 'files'),
      clock: world.time.clock,
    });
    expect(fromFiles.runs).toBe(1);
    expect(existsSync(fromFiles.html)).toBe(true);
  });
});
