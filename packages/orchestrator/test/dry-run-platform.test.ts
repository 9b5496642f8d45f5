import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ValidationError } from '@lab/core';
import { afterEach, describe, expect, it } from 'vitest';
import { storedConfig, storedOutputs } from '../src/common.js';
import { loadExperimentConfig } from '../src/config.js';
import type { OrchestratorDeps, ResolvedDeps } from '../src/deps.js';
import { dryRunFiles, writeDryRun } from '../src/dry-run.js';
import { planExperiment } from '../src/plan.js';
import { platformFor } from '../src/platforms.js';
import { prepareSetup, setup } from '../src/setup.js';
import {
  acceptCost,
  createLab,
  type Lab,
  MODULE_DIR,
  resolvePlan,
  START_MS,
  TWO_RUNS,
} from './support/lab.js';

const EXPERIMENT = 'exp-20260101-120000';

let lab: Lab | undefined;
afterEach(async () => {
  await lab?.cleanup();
  lab = undefined;
});

const resolvedDeps = (world: Lab): ResolvedDeps => ({
  ...world.deps,
  clock: world.time.clock,
  sleep: world.time.sleep,
});
/** Every AWS call any mocked client received. */
const awsCalls = (world: Lab) =>
  world.ec2Mock.calls().length +
  (world.ssmMock?.calls().length ?? 0) +
  world.ceMock.calls().length +
  world.pricingMock.calls().length;

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('dry runs make no AWS call, run no terraform and create nothing', () => {
  it('setup: the plan with its cost, the Terraform variables and commands, the OMB files', async () => {
    lab = await createLab();
    const plans: string[] = [];
    const plan = await prepareSetup(resolvedDeps(lab), {
      resolved: resolvePlan(),
      costThresholdUsd: 1000,
      onPlan: (made) => plans.push(made.experimentId),
    });

    expect(plans).toEqual([EXPERIMENT]);
    expect(plan.cost.needsConfirmation).toBe(false);
    expect(plan.ami.source).toBe('lookup');
    expect(awsCalls(lab)).toBe(0);
    expect(await lab.terraformCalls()).toEqual([]);
    expect(await lab.store.list()).toEqual([]);

    const files = dryRunFiles(plan, 'setup');
    expect(Object.keys(files).sort()).toEqual(
      [
        'config/explain.txt',
        'config/resolved.json',
        'terraform/terraform.tfvars.json',
        'terraform/commands.txt',
        'omb/driver.yaml',
        'omb/workloads/001-first.yaml',
        'omb/workloads/002-second.yaml',
        'cleanup.txt',
        'cost.txt',
        'plan.json',
        'plan.txt',
      ].sort(),
    );
    expect(JSON.parse(files['terraform/terraform.tfvars.json']!)).toMatchObject({
      experiment_id: EXPERIMENT,
    });
    expect(files['terraform/commands.txt']).toContain('apply');
    expect(files['terraform/commands.txt']).not.toContain(' destroy ');
    expect(JSON.parse(files['plan.json']!)).toMatchObject({
      scope: 'setup',
      target: 'aws',
      experimentId: EXPERIMENT,
    });

    const directory = join(lab.home, 'dry-run');
    const written = await writeDryRun(directory, files);
    expect(written).toHaveLength(Object.keys(files).length);
    expect(readFileSync(join(directory, 'omb/workloads/001-first.yaml'), 'utf8')).toBe(
      files['omb/workloads/001-first.yaml'],
    );
  });

  it('full: every step, with the remote commands of each run and the cleanup', async () => {
    lab = await createLab();
    const plan = await prepareSetup(resolvedDeps(lab), {
      resolved: resolvePlan(),
      ...acceptCost,
      costThresholdUsd: 0,
    });
    const files = dryRunFiles(plan, 'full');
    for (const path of [
      'terraform/commands.txt',
      'remote/000-tenant.txt',
      'remote/001-first.txt',
      'remote/002-second.txt',
    ]) {
      expect(files).toHaveProperty([path]);
    }
    expect(files['remote/001-first.txt']).toContain('# 001-first on client-1.lab.invalid; timeout 8 min');
    expect(files['remote/000-tenant.txt']).toContain('http://broker-1.lab.invalid:8080');
    expect(files['cleanup.txt']).toContain(`lab-cleanup ${EXPERIMENT} --region us-east-1 --execute`);
    expect(files['plan.txt']).toContain('001-first');
    expect(awsCalls(lab)).toBe(0);
    expect(await lab.store.list()).toEqual([]);
  });

  it('run and teardown of a set-up experiment: its real addresses, still no AWS call or terraform', async () => {
    lab = await createLab();
    await setup(lab.deps, { resolved: resolvePlan(`repeat: 2\n${TWO_RUNS}`), ...acceptCost });
    const callsAfterSetup = awsCalls(lab);
    const terraformAfterSetup = await lab.terraformCalls();
    const experiment = await lab.store.open(EXPERIMENT);
    const outputs = await storedOutputs(experiment);
    const plan = planExperiment({
      resolved: await storedConfig(experiment),
      experimentId: EXPERIMENT,
      createdAtMs: Date.parse((await experiment.readManifest()).createdAt),
      hosts: { brokers: outputs.roles.broker.privateIps, clients: outputs.roles.client.privateIps },
      terraform: { moduleDir: MODULE_DIR, workDir: experiment.paths.terraformDir },
    });

    const runFiles = dryRunFiles(plan, 'run');
    expect(Object.keys(runFiles).filter((path) => path.startsWith('remote/'))).toEqual([
      'remote/000-tenant.txt',
      'remote/001-first.rep-1.txt',
      'remote/002-second.rep-1.txt',
      'remote/001-first.rep-2.txt',
      'remote/002-second.rep-2.txt',
    ]);
    expect(runFiles['omb/driver.yaml']).toContain('pulsar://10.42.1.90:6650,10.42.1.91:6650');
    expect(runFiles['remote/000-tenant.txt']).toContain('http://10.42.1.90:8080');
    expect(Object.keys(runFiles).some((path) => path.startsWith('terraform/'))).toBe(false);

    const teardownFiles = dryRunFiles(plan, 'teardown');
    expect(Object.keys(teardownFiles).sort()).toEqual(
      [
        'config/explain.txt',
        'config/resolved.json',
        'cleanup.txt',
        'cost.txt',
        'plan.json',
        'plan.txt',
      ].sort(),
    );
    expect(teardownFiles['cleanup.txt']).toContain('Project=pulsar-aws-lab');
    expect(teardownFiles['cleanup.txt']).toContain(`ExperimentID=${EXPERIMENT}`);

    expect(awsCalls(lab)).toBe(callsAfterSetup);
    expect(await lab.terraformCalls()).toEqual(terraformAfterSetup);
    expect((await lab.manifest()).phases.run).toEqual({ status: 'pending' });
  });

  it('a missing Terraform module is a precise error before anything, also in a dry run', async () => {
    lab = await createLab();
    const deps = { ...resolvedDeps(lab), terraform: { moduleDir: join(lab.home, 'nowhere') } };
    const error = await rejection(prepareSetup(deps, { resolved: resolvePlan(), ...acceptCost }));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues).toEqual([
      expect.objectContaining({ path: 'terraform-dir', received: join(lab.home, 'nowhere') }),
    ]);
    expect(await lab.store.list()).toEqual([]);
    expect(awsCalls(lab)).toBe(0);
  });
});

describe('the Platform port', () => {
  const deps: Pick<OrchestratorDeps, 'local' | 'terraform'> = { terraform: { moduleDir: MODULE_DIR } };
  const local = { cacheDir: '/var/cache/lab-local', ombCommit: '00502be586da8fae3b356db3fc7ea65be1f45cba' };

  it('platformFor gives the AWS adapter: its region, and lab-cleanup to finish by hand', () => {
    const aws = platformFor(deps, 'aws');
    expect(aws.target).toBe('aws');
    expect(aws.regions(resolvePlan(null, '{ region: eu-west-1 }').config)).toEqual(['eu-west-1']);
    expect(aws.finishCommand(EXPERIMENT, ['eu-west-1', 'us-east-1'])).toBe(
      `lab-cleanup ${EXPERIMENT} --region eu-west-1 --region us-east-1 --execute`,
    );
  });

  it('the AWS adapter plans without an AWS call unless it is live', async () => {
    lab = await createLab();
    const aws = platformFor(lab.deps, 'aws');
    const config = resolvePlan().config;
    expect(await aws.planInput({ experimentId: EXPERIMENT, experimentRoot: lab.home, config })).toEqual({});
    expect(awsCalls(lab)).toBe(0);
  });

  it('the local target needs its settings, and says so', () => {
    expect(() => platformFor(deps, 'local')).toThrow(
      expect.objectContaining({ code: 'LOCAL_TARGET_UNCONFIGURED' }),
    );
  });

  it('the local adapter: no region, its own teardown command, a loopback layout under the experiment', async () => {
    const platform = platformFor({ ...deps, local }, 'local');
    expect(platform.target).toBe('local');
    const resolved = await loadExperimentConfig({
      target: 'local',
      testPlan: 'plan.yaml',
      readFile: async () => TWO_RUNS,
    });
    expect(platform.regions(resolved.config)).toEqual([]);
    expect(platform.finishCommand(EXPERIMENT, [])).toBe(
      `lab-orchestrate teardown --experiment-id ${EXPERIMENT}`,
    );

    const root = `/home/lab/.pulsar-aws-lab/${EXPERIMENT}`;
    const input = await platform.planInput({
      experimentId: EXPERIMENT,
      experimentRoot: root,
      config: resolved.config,
    });
    expect(input.amiId).toBeUndefined();
    expect(input.local?.image).toEqual({
      pulsarVersion: resolved.config.infrastructure.pulsarVersion,
      ombCommit: local.ombCommit,
      pulsarTarball: undefined,
      ombSource: undefined,
      cacheDir: local.cacheDir,
    });
    const hosts = input.local?.layout.hosts ?? [];
    expect(hosts.length).toBe(
      Object.values(resolved.config.infrastructure.roles).reduce((sum, role) => sum + role.count, 0),
    );
    for (const host of hosts) {
      expect(host.address).toMatch(/^127\./);
      expect(host.root.startsWith(`${root}/nodes/`)).toBe(true);
    }
    expect(new Set(hosts.map((host) => host.address)).size).toBe(hosts.length);

    const plan = planExperiment({
      resolved,
      experimentId: EXPERIMENT,
      createdAtMs: START_MS,
      terraform: { moduleDir: MODULE_DIR, workDir: join(root, 'terraform') },
      ...input,
    });
    expect(plan).toMatchObject({ target: 'local', region: 'this machine', hosts: { placeholders: false } });
    expect(plan.cascade.map((stage) => stage.name)).toEqual([
      'nodes bootstrapped',
      'services active',
      'endpoints healthy',
    ]);
    expect(plan.cost.estimate.total).toBe(0);
    expect(plan.cost.needsConfirmation).toBe(false);
    expect(plan.cleanup).toMatchObject({
      labCleanup: `lab-orchestrate teardown --experiment-id ${EXPERIMENT}`,
    });
    // OMB's files live under the driving client's root, as on an instance under /.
    const client = hosts.find((host) => host.role === 'client');
    expect(plan.runs[0]?.remote.dir).toBe(`${client?.root}/var/lib/lab/omb/${EXPERIMENT}/001-first`);
    expect(plan.files['omb/driver.yaml']).toContain(
      `pulsar://${hosts
        .filter((host) => host.role === 'broker')
        .map((host) => `${host.address}:6650`)
        .join(',')}`,
    );

    const files = dryRunFiles(plan, 'full');
    expect(files).toHaveProperty(['local/nodes.txt']);
    expect(Object.keys(files).some((path) => path.startsWith('terraform/'))).toBe(false);
    expect(files['cleanup.txt']).toContain(`LAB_EXPERIMENT_ID=${EXPERIMENT}`);
    expect(JSON.parse(files['plan.json']!)).toMatchObject({ target: 'local' });
  });

  it('the local target has no AWS module to find: a missing terraform/ does not matter there', async () => {
    const platform = platformFor({ terraform: { moduleDir: '/nonexistent' }, local }, 'local');
    const resolved = await loadExperimentConfig({ target: 'local' });
    const input = await platform.planInput({
      experimentId: EXPERIMENT,
      experimentRoot: `/tmp/${EXPERIMENT}`,
      config: resolved.config,
    });
    expect(input.local?.layout.hosts.length).toBeGreaterThan(0);
    // The AWS adapter, given the same missing directory, refuses.
    const aws = platformFor({ terraform: { moduleDir: '/nonexistent' } }, 'aws');
    await expect(
      aws.planInput({
        experimentId: EXPERIMENT,
        experimentRoot: `/tmp/${EXPERIMENT}`,
        config: resolved.config,
      }),
    ).rejects.toBeInstanceOf(ValidationError);
  });
});
