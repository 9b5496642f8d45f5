import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DescribeImagesCommand } from '@aws-sdk/client-ec2';
import { DescribeInstanceInformationCommand } from '@aws-sdk/client-ssm';
import { isLabError } from '@lab/core';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, describe, expect, it } from 'vitest';
import { experimentStatus, full, listExperiments } from '../src/full.js';
import { RunsFailedError } from '../src/run.js';
import { setup } from '../src/setup.js';
import { TeardownIncompleteError, teardown } from '../src/teardown.js';
import {
  AMI_ID,
  acceptCost,
  createLab,
  DRIVER_CLIENT,
  INSTANCES,
  type Lab,
  type LabOptions,
  resolvePlan,
  START_MS,
  TWO_RUNS,
} from './support/lab.js';

const EXPERIMENT = 'exp-20260101-120000';
const FINISH = `lab-cleanup ${EXPERIMENT} --region us-east-1 --execute`;

let lab: Lab | undefined;
const open = async (options: LabOptions = {}) => {
  lab = await createLab(options);
  return lab;
};
afterEach(async () => {
  await lab?.cleanup();
  lab = undefined;
});

/** The rejection of `promise`, which must reject. */
async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string; hint?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}

describe('full', () => {
  it('sets up, runs every run, reports and tears down, and the manifest says so', async () => {
    const { deps, ...world } = await open();
    const result = await full(deps, { resolved: resolvePlan(), ...acceptCost });

    expect(result.experimentId).toBe(EXPERIMENT);
    expect(result.setup.amiId).toBe(AMI_ID);
    expect(result.run?.runs.map((run) => [run.id, run.status])).toEqual([
      ['001-first', 'succeeded'],
      ['002-second', 'succeeded'],
    ]);
    expect(result.report?.runs).toBe(2);
    expect(result.teardown).toMatchObject({
      complete: true,
      destroy: { status: 'succeeded' },
      remaining: [],
    });

    // Terraform ran with the experiment's own state: create, read outputs, then destroy.
    expect(await world.terraformCalls()).toEqual(['init', 'plan', 'apply', 'output', 'init', 'destroy']);
    // The AMI was looked up once; the cascade asked SSM about every instance.
    expect(world.ec2Mock).toHaveReceivedCommandTimes(DescribeImagesCommand, 1);
    expect(world.ssmMock).toHaveReceivedCommandWith(DescribeInstanceInformationCommand, {
      Filters: [{ Key: 'InstanceIds', Values: INSTANCES }],
    });
    // Teardown verified by tag, deleting what was left, in the experiment's region only.
    expect(world.cleanupCalls).toEqual([
      expect.objectContaining({ experimentId: EXPERIMENT, regions: ['us-east-1'], execute: true }),
    ]);

    const manifest = await world.manifest();
    expect(manifest.target).toBe('aws');
    expect(manifest.details).toMatchObject({ amiId: AMI_ID, ready: true, testPlan: 'two-runs' });
    expect(
      Object.fromEntries(Object.entries(manifest.phases).map(([name, phase]) => [name, phase.status])),
    ).toEqual({
      setup: 'succeeded',
      run: 'succeeded',
      report: 'succeeded',
      teardown: 'succeeded',
    });
    expect(manifest.resources['us-east-1']?.vpc).toEqual(['vpc-0fixture00000001']);
    expect(manifest.resources['us-east-1']?.instance).toEqual(INSTANCES);
    expect(manifest.resourcesGone).toMatchObject({ by: 'lab-orchestrate teardown' });
    expect(manifest.outcome).toMatchObject({ result: 'succeeded', message: 'torn down; nothing left' });
    expect(manifest.details.teardown).toMatchObject({ complete: true, remaining: [], problems: [] });

    // Results and logs are stored; the report is written from them.
    const root = (await world.store.open(EXPERIMENT)).paths.root;
    for (const file of ['001-first.json', '001-first.log', '002-second.json', '002-second.log']) {
      expect(existsSync(join(root, 'benchmark_results', file))).toBe(true);
    }
    const summary = JSON.parse(await readFile(join(root, 'report/summary.json'), 'utf8')) as {
      runs: Array<{ run: string; experimentId: string }>;
    };
    expect(summary.runs.map((run) => [run.run, run.experimentId])).toEqual([
      ['001-first', EXPERIMENT],
      ['002-second', EXPERIMENT],
    ]);
    expect(existsSync(join(root, 'report/index.html'))).toBe(true);

    const types = world.eventTypes();
    for (const type of [
      'ami.resolved',
      'setup.applied',
      'cascade.done',
      'setup.ready',
      'run.finished',
      'report.written',
    ]) {
      expect(types).toContain(type);
    }
    expect(types.indexOf('setup.ready')).toBeLessThan(types.indexOf('run.finished'));
    // Each run: upload, start, poll until it exits, fetch its log and result, on the first client.
    const sampler = (call: { path?: string; script?: string }) =>
      (call.path ?? call.script ?? '').includes('/var/lib/lab/host-sampler/');
    // The host sampler: put on all 10 instances once, started and stopped around each run, its
    // samples fetched from every instance after each run.
    const sampling = world.remoteCalls.filter(sampler);
    expect(sampling.filter((call) => call.op === 'putFile')).toHaveLength(10);
    expect(sampling.filter((call) => call.script?.includes(' start '))).toHaveLength(20);
    expect(sampling.filter((call) => call.script?.includes(' stop '))).toHaveLength(20);
    expect(sampling.filter((call) => call.op === 'fetchFile')).toHaveLength(20);
    const onClient = world.remoteCalls.filter(
      (call) => !call.script?.includes('lab-health-probe') && !sampler(call),
    );
    for (const call of onClient) expect(call.instanceIds).toEqual([DRIVER_CLIENT]);
    expect(onClient.map((call) => call.path ?? call.op)).toEqual([
      `/var/lib/lab/omb/${EXPERIMENT}/driver.yaml`,
      'runCommand',
      ...['001-first', '002-second'].flatMap((run) => [
        `/var/lib/lab/omb/${EXPERIMENT}/${run}/workload.yaml`,
        'runCommand',
        'runCommand',
        'runCommand',
        `/var/lib/lab/omb/${EXPERIMENT}/${run}/omb.log`,
        `/var/lib/lab/omb/${EXPERIMENT}/${run}/result.json`,
      ]),
    ]);
    // One 10 s wait (virtual) per run between its two polls: nothing really waited.
    expect(world.time.sleeps.filter((ms) => ms === 10_000)).toHaveLength(2);
    expect(world.time.clock.now()).toBeGreaterThan(START_MS);
  });

  it('a failed run is recorded, the other runs, the report and the teardown still happen', async () => {
    const { deps, ...world } = await open({ omb: { '001-first': { exitCode: 1, result: 'missing' } } });
    const error = await rejection(full(deps, { resolved: resolvePlan(), ...acceptCost }));

    expect(error).toBeInstanceOf(RunsFailedError);
    expect(error.message).toContain('1 of 2 run(s)');
    expect(error.message).toContain('001-first (OMB wrote no result (exit code 1)');
    const manifest = await world.manifest();
    expect(manifest.details.runs).toEqual([
      expect.objectContaining({ id: '001-first', status: 'failed' }),
      expect.objectContaining({ id: '002-second', status: 'succeeded' }),
    ]);
    expect(manifest.phases.run?.status).toBe('failed');
    expect(manifest.phases.run?.error?.code).toBe('RUN_FAILED');
    expect(manifest.phases.report?.status).toBe('succeeded');
    expect(manifest.phases.teardown?.status).toBe('succeeded');
    expect(manifest.outcome?.result).toBe('failed');
    expect(manifest.resourcesGone).not.toBeNull();
    expect(await world.terraformCalls()).toContain('destroy');
    expect(world.eventTypes()).toContain('full.run-failed');
  });

  it('a teardown that leaves resources is the loudest error, naming the earlier one and the command', async () => {
    const remaining = [{ region: 'us-east-1', type: 'instance', id: 'i-0br00000000000001' }];
    const { deps, ...world } = await open({ remaining, omb: { '002-second': { result: 'missing' } } });
    const error = await rejection(full(deps, { resolved: resolvePlan(), ...acceptCost }));

    expect(error.code).toBe('INCOMPLETE');
    expect(error.message).toContain('TEARDOWN INCOMPLETE');
    expect(error.message).toContain('instance i-0br00000000000001 (us-east-1)');
    expect(error.message).toContain('Earlier: 1 of 2 run(s)');
    expect(error.hint).toBe(`Finish the job with: ${FINISH}`);
    const manifest = await world.manifest();
    expect(manifest.outcome).toMatchObject({ result: 'failed', message: 'TEARDOWN INCOMPLETE' });
    expect(manifest.resourcesGone).toBeNull();
    expect(manifest.details.teardown).toMatchObject({ complete: false, remaining });
    expect(world.eventTypes()).toContain('teardown.incomplete');
  });

  it('refuses to spend above the threshold without a confirmation, before anything exists', async () => {
    const { deps, ...world } = await open();
    const error = await rejection(full(deps, { resolved: resolvePlan(), costThresholdUsd: 0 }));

    expect(error.code).toBe('CONFIRMATION_REQUIRED');
    expect(await listExperiments(deps)).toEqual([]);
    expect(await world.terraformCalls()).toEqual([]);
    expect(world.ec2Mock.calls()).toHaveLength(0);
  });

  it('asks confirmCost with the plan, and a refusal stops before anything exists', async () => {
    const { deps, ...world } = await open();
    const asked: number[] = [];
    const error = await rejection(
      setup(deps, {
        resolved: resolvePlan(),
        costThresholdUsd: 0,
        confirmCost: async (plan) => {
          asked.push(plan.cost.estimate.total);
          throw new Error('no, thanks');
        },
      }),
    );
    expect(error.message).toBe('no, thanks');
    expect(asked).toHaveLength(1);
    expect(asked[0]).toBeGreaterThan(0);
    expect(await listExperiments(deps)).toEqual([]);
    expect(world.ec2Mock.calls()).toHaveLength(0);
  });
});

describe('setup', () => {
  it('creates a healthy cluster and records it; the experiment stays up for run and teardown', async () => {
    const { deps, ...world } = await open();
    const created: string[] = [];
    const result = await setup(deps, {
      resolved: resolvePlan(),
      ...acceptCost,
      onCreated: (id) => created.push(id),
    });

    expect(created).toEqual([EXPERIMENT]);
    expect(result.plan.hosts).toEqual({
      brokers: expect.any(Array),
      clients: expect.any(Array),
      placeholders: true,
    });
    expect(await world.terraformCalls()).toEqual(['init', 'plan', 'apply', 'output']);
    const manifest = await world.manifest();
    expect(manifest.phases.setup?.status).toBe('succeeded');
    expect(manifest.outcome).toBeNull();
    expect(manifest.resourcesGone).toBeNull();
    expect(manifest.details.cluster).toMatchObject({
      serviceUrl: 'pulsar://10.42.1.90:6650,10.42.1.91:6650',
      brokers: ['10.42.1.90', '10.42.1.91'],
      clients: [DRIVER_CLIENT, 'i-0cl00000000000002'],
    });
    // Both probe rounds (services, endpoints) went to every instance in one command each.
    const probes = world.remoteCalls.filter((call) => call.script?.includes('lab-health-probe'));
    expect(probes.map((call) => call.instanceIds.length)).toEqual([10, 10]);
    expect(probes[1]?.script).toContain('--check endpoints --zk-ensemble-size 3');
    // The experiment is unlocked again and its configuration stored for the later phases.
    const experiment = await world.store.open(EXPERIMENT, { lock: true, purpose: 'test' });
    await experiment.release();
    expect(existsSync(join(experiment.paths.root, 'config/resolved.json'))).toBe(true);
    expect(existsSync(experiment.paths.terraformState)).toBe(true);
  });

  it('apply fails: destroys with the state apply left, verifies by tag, records the cleanup', async () => {
    const { deps, ...world } = await open({ terraformFails: 'apply' });
    const error = await rejection(setup(deps, { resolved: resolvePlan(), ...acceptCost }));

    expect(error.message).toContain(`Setup of ${EXPERIMENT} failed; cleaned up: terraform destroy succeeded`);
    expect(error.message).toContain('InsufficientInstanceCapacity');
    expect(await world.terraformCalls()).toEqual(['init', 'plan', 'apply', 'init', 'destroy']);
    expect(world.cleanupCalls).toEqual([
      expect.objectContaining({ experimentId: EXPERIMENT, execute: true }),
    ]);
    const manifest = await world.manifest();
    expect(manifest.phases.setup).toMatchObject({ status: 'failed', error: { code: 'TERRAFORM_FAILED' } });
    expect(manifest.phases.teardown?.status).toBe('succeeded');
    expect(manifest.details.teardown).toMatchObject({ destroy: { status: 'succeeded' }, complete: true });
    expect(manifest.outcome).toMatchObject({ result: 'failed', message: 'setup failed; cleaned up' });
    expect(manifest.resourcesGone).not.toBeNull();
    // Nothing was probed: the cascade never started.
    expect(world.remoteCalls).toEqual([]);
    expect(world.eventTypes()).toContain('setup.cleanup');
  });

  it('apply fails and the cleanup leaves something: INCOMPLETE with the lab-cleanup command', async () => {
    const remaining = [
      { region: 'us-east-1', type: 'vpc', id: 'vpc-0fixture00000001', message: 'DependencyViolation' },
    ];
    const { deps, ...world } = await open({ terraformFails: 'apply', remaining });
    const error = await rejection(setup(deps, { resolved: resolvePlan(), ...acceptCost }));

    expect(error.code).toBe('INCOMPLETE');
    expect(error.message).toContain('InsufficientInstanceCapacity');
    expect(error.message).toContain('vpc vpc-0fixture00000001 (us-east-1)');
    expect(error.hint).toBe(`Finish the job with: ${FINISH}`);
    const manifest = await world.manifest();
    expect(manifest.outcome).toMatchObject({ result: 'failed', message: 'setup failed; cleanup incomplete' });
    expect(manifest.resourcesGone).toBeNull();
    expect(manifest.phases.teardown?.status).toBe('failed');
  });

  it('health cascade timeout: names the stage, tears down, records the failure', async () => {
    const { deps, ...world } = await open({ ssmOffline: true });
    const error = await rejection(setup(deps, { resolved: resolvePlan(), ...acceptCost }));

    expect(error.message).toMatch(/SSM/);
    expect(error.message).toContain('cleaned up');
    // The second stage waited its full 10 minutes of virtual time, no more than a poll longer.
    const waited = world.time.clock.now() - START_MS;
    expect(waited).toBeGreaterThanOrEqual(10 * 60_000);
    expect(waited).toBeLessThan(12 * 60_000);
    // No probe ran: the agents never came online.
    expect(world.remoteCalls.filter((call) => call.script?.includes('lab-health-probe'))).toEqual([]);
    expect(await world.terraformCalls()).toEqual(['init', 'plan', 'apply', 'output', 'init', 'destroy']);
    const manifest = await world.manifest();
    expect(manifest.phases.setup?.status).toBe('failed');
    expect(manifest.details.ready).toBeUndefined();
    expect(manifest.phases.teardown?.status).toBe('succeeded');
    expect(manifest.outcome?.result).toBe('failed');
    expect(world.cleanupCalls).toHaveLength(1);
  });

  it('no AMI: fails before Terraform, records that nothing was created, cleans nothing', async () => {
    const { deps, ...world } = await open({ noAmi: true });
    const error = await rejection(setup(deps, { resolved: resolvePlan(), ...acceptCost }));

    expect(isLabError(error) && error.code).toBe('AMI_NOT_FOUND');
    expect(error.message).toContain('No available lab AMI of Pulsar 4.0.4 in us-east-1');
    expect(error.message).toContain('nothing was created');
    expect(await world.terraformCalls()).toEqual([]);
    expect(world.cleanupCalls).toEqual([]);
    const manifest = await world.manifest();
    expect(manifest.phases.setup).toMatchObject({ status: 'failed', error: { code: 'AMI_NOT_FOUND' } });
    expect(manifest.resourcesGone?.by).toContain('failed before anything was created');
    expect(manifest.outcome).toMatchObject({
      result: 'failed',
      message: 'setup failed; nothing was created',
    });
  });

  it('a configured AMI is used as is: no image lookup', async () => {
    const { deps, ...world } = await open();
    const result = await setup(deps, {
      resolved: resolvePlan(TWO_RUNS, '{ amiId: ami-0fedcba9876543210 }'),
      ...acceptCost,
    });
    expect(result.amiId).toBe('ami-0fedcba9876543210');
    expect(world.ec2Mock).not.toHaveReceivedCommand(DescribeImagesCommand);
    expect(world.eventTypes()).toContain('ami.configured');
  });

  it('Ctrl-C before setup starts creating: aborted, nothing created, nothing to clean', async () => {
    const controller = new AbortController();
    const { deps, ...world } = await open();
    controller.abort();
    const error = await rejection(
      setup({ ...deps, signal: controller.signal }, { resolved: resolvePlan(), ...acceptCost }),
    );
    expect(error.message).toContain('nothing was created');
    expect(await world.terraformCalls()).toEqual([]);
    expect((await world.manifest()).outcome?.result).toBe('aborted');
  });
});

describe('teardown', () => {
  it('destroys, verifies by tag, records the outcome and finishes the experiment', async () => {
    const { deps, ...world } = await open();
    await setup(deps, { resolved: resolvePlan(), ...acceptCost });
    const outcome = await teardown(deps, { experiment: 'latest' });

    expect(outcome).toMatchObject({
      experimentId: EXPERIMENT,
      regions: ['us-east-1'],
      destroy: { status: 'succeeded' },
      complete: true,
      finishCommand: FINISH,
    });
    expect(world.cleanupCalls).toEqual([
      expect.objectContaining({ experimentId: EXPERIMENT, regions: ['us-east-1'], execute: true }),
    ]);
    const manifest = await world.manifest();
    expect(manifest.outcome).toMatchObject({ result: 'succeeded', message: 'torn down' });
    expect(manifest.resourcesGone?.by).toBe('lab-orchestrate teardown');
    expect(existsSync((await world.store.open(EXPERIMENT)).paths.terraformState)).toBe(false);
  });

  it('works from tags alone when the Terraform state is lost', async () => {
    const { deps, ...world } = await open();
    await setup(deps, { resolved: resolvePlan(), ...acceptCost });
    await rm((await world.store.open(EXPERIMENT)).paths.terraformState);
    const outcome = await teardown(deps, { experiment: EXPERIMENT });

    expect(outcome.destroy).toEqual({ status: 'skipped', message: 'no local Terraform state' });
    expect(outcome.complete).toBe(true);
    expect(await world.terraformCalls()).toEqual(['init', 'plan', 'apply', 'output']);
    expect(world.cleanupCalls).toHaveLength(1);
    expect(world.eventTypes()).toContain('teardown.destroy.skipped');
  });

  it('a failed destroy continues with the tag-based cleanup, which decides', async () => {
    const { deps, ...world } = await open({ terraformFails: 'destroy' });
    await setup(deps, { resolved: resolvePlan(), ...acceptCost });
    const outcome = await teardown(deps, { experiment: EXPERIMENT });

    expect(outcome.destroy.status).toBe('failed');
    expect(outcome.destroy.message).toContain('destroy');
    expect(outcome.complete).toBe(true);
    expect(world.cleanupCalls).toHaveLength(1);
    expect(world.eventTypes()).toContain('teardown.destroy.failed');
  });

  it('resources left: TeardownIncompleteError with what is left and how to finish; not marked gone', async () => {
    const remaining = [{ region: 'us-east-1', type: 'nat-gateway', id: 'nat-0abc' }];
    const { deps, ...world } = await open({ remaining });
    await setup(deps, { resolved: resolvePlan(), ...acceptCost });
    const error = await rejection(teardown(deps, { experiment: EXPERIMENT }));

    expect(error).toBeInstanceOf(TeardownIncompleteError);
    expect((error as TeardownIncompleteError).outcome.remaining).toEqual(remaining);
    expect(error.message).toContain('1 resource(s) still exist: nat-gateway nat-0abc (us-east-1)');
    expect(error.hint).toBe(`Finish the job with: ${FINISH}`);
    const manifest = await world.manifest();
    expect(manifest.resourcesGone).toBeNull();
    expect(manifest.outcome).toBeNull();
    expect(manifest.phases.teardown).toMatchObject({ status: 'failed', error: { code: 'INCOMPLETE' } });
  });

  it('a verification that cannot list is no proof: incomplete, with the problem per region', async () => {
    const { deps, ...world } = await open({ cleanupFails: 'not authorized to DescribeVpcs' });
    await setup(deps, { resolved: resolvePlan(), ...acceptCost });
    const error = await rejection(teardown(deps, { experiment: EXPERIMENT }));

    expect(error).toBeInstanceOf(TeardownIncompleteError);
    expect((error as TeardownIncompleteError).outcome.problems).toEqual([
      { region: 'us-east-1', type: 'all', message: 'not authorized to DescribeVpcs' },
    ]);
    expect(error.message).toContain('the check could not list all in us-east-1');
    expect((await world.manifest()).resourcesGone).toBeNull();
  });
});

describe('status and list', () => {
  it('status checks by tag without deleting; list shows the experiment', async () => {
    const remaining = [{ region: 'us-east-1', type: 'instance', id: 'i-0zk00000000000001' }];
    const { deps, ...world } = await open({ remaining });
    await setup(deps, { resolved: resolvePlan(), ...acceptCost });
    const status = await experimentStatus(deps, { experiment: 'latest' });

    expect(status.row.id).toBe(EXPERIMENT);
    expect(status.manifest.phases.setup?.status).toBe('succeeded');
    expect(status.resources).toEqual({ remaining, problems: [] });
    expect(world.cleanupCalls).toEqual([expect.objectContaining({ execute: false })]);
    expect(
      await experimentStatus(deps, { experiment: EXPERIMENT, checkResources: false }),
    ).not.toHaveProperty('resources');
    expect(world.cleanupCalls).toHaveLength(1);
    expect((await listExperiments(deps)).map((row) => row.id)).toEqual([EXPERIMENT]);
  });

  it('status reports a failed check instead of failing', async () => {
    const { deps } = await open({ cleanupFails: 'throttled' });
    await setup(deps, { resolved: resolvePlan(), ...acceptCost });
    const status = await experimentStatus(deps, { experiment: EXPERIMENT });
    expect(status.resources).toEqual({ remaining: [], problems: [], error: 'throttled' });
  });
});
