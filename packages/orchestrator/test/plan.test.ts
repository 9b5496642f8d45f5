import { resolveConfigSources } from '@lab/config';
import { ValidationError } from '@lab/core';
import { type CleanupProvider, type Resource, resourceKey } from '@lab/tag-cleanup';
import { describe, expect, it } from 'vitest';
import { labCleanupCommand } from '../src/cleanup-port.js';
import { dryRunFiles, loadExperimentConfig, planExperiment, tagCleanup } from '../src/index.js';

const PLAN = `
name: mini
workload: { topics: 1, partitionsPerTopic: 2, messageSize: 1024, testDurationMinutes: 2, warmupDurationMinutes: 1 }
timeoutMarginMinutes: 5
runs:
  - { type: fixed-rate, producerRate: 1000 }
  - { type: ramp, startRate: 1000, stepRate: 1000, steps: 3, stepDurationMinutes: 2 }
`;

const resolve = (infrastructure = '{}', testPlan = PLAN) =>
  resolveConfigSources({
    files: [
      { section: 'infrastructure', file: 'infra.yaml', text: infrastructure },
      { section: 'testPlan', file: 'plan.yaml', text: testPlan },
    ],
  });

const plan = (infrastructure?: string) =>
  planExperiment({
    resolved: resolve(infrastructure),
    experimentId: 'exp-20260101-120000',
    createdAtMs: Date.UTC(2026, 0, 1, 12),
    terraform: { moduleDir: '/repo/terraform', workDir: '/home/lab/exp-20260101-120000/terraform' },
  });

describe('planExperiment', () => {
  it('expands the runs, one workload each, ramps step by step, with timeouts and remote commands', () => {
    const result = plan();
    expect(result.runs.map((entry) => entry.run.id)).toEqual([
      '001-fixed-rate-1k',
      '002-ramp-step1-1k',
      '003-ramp-step2-2k',
      '004-ramp-step3-3k',
    ]);
    expect(result.runs[0]?.run.timeoutMinutes).toBe(8);
    expect(Object.keys(result.files)).toEqual([
      'omb/driver.yaml',
      'omb/workloads/001-fixed-rate-1k.yaml',
      'omb/workloads/002-ramp-step1-1k.yaml',
      'omb/workloads/003-ramp-step2-2k.yaml',
      'omb/workloads/004-ramp-step3-3k.yaml',
    ]);
    expect(result.files['omb/driver.yaml']).toContain(
      'pulsar://broker-1.lab.invalid:6650,broker-2.lab.invalid:6650',
    );
    expect(result.distributed).toBe(true);
    expect(result.runs[0]?.remote.startScript).toContain('--workers-file /etc/lab/omb/workers.yaml');
  });

  it('derives the Terraform variables from the configuration, validated by @lab/infra', () => {
    const { variables } = plan('{ roles: { bookkeeper: { count: 4 } }, tags: { Owner: ana } }').terraform;
    expect(variables).toMatchObject({
      experiment_id: 'exp-20260101-120000',
      created_at: '2026-01-01T12:00:00Z',
      tags: { Owner: 'ana' },
      roles: { bookkeeper: { count: 4, journal_volume: { size_gb: 20, iops: 3000, throughput_mbps: 125 } } },
      pulsar: { cluster_name: 'lab', ensemble_size: 3 },
    });
  });

  it('refuses what Terraform would refuse, with the field, before any AWS call', () => {
    const error = (() => {
      try {
        plan('{ network: { vpcCidr: 10.1.0.0/24 } }');
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues).toEqual([
      expect.objectContaining({ path: 'network.vpc_cidr', message: expect.stringMatching(/\/16 to \/22/) }),
    ]);
  });

  it('one client: OMB runs in-process, no workers file', () => {
    const result = plan('{ roles: { client: { count: 1 } } }');
    expect(result.distributed).toBe(false);
    expect(result.runs[0]?.remote.startScript).not.toContain('--workers-file');
  });

  it('estimates the cost for setup + runs + teardown and flags confirmation above the threshold', () => {
    const result = plan('{ roles: { bookkeeper: { instanceType: i4i.4xlarge } } }');
    expect(result.cost.durationHours).toBeCloseTo((20 + (3 + 1) + 3 * (3 + 1) + 10) / 60, 5);
    expect(result.cost.estimate.total).toBeGreaterThan(0);
    expect(plan().cost.needsConfirmation).toBe(false);
  });

  it('a dry run of teardown describes only the cleanup; of run, the remote commands', () => {
    const teardown = dryRunFiles(plan(), 'teardown');
    expect(Object.keys(teardown)).not.toContain('terraform/terraform.tfvars.json');
    expect(teardown['cleanup.txt']).toContain('lab-cleanup exp-20260101-120000 --region us-east-1 --execute');
    const run = dryRunFiles(plan(), 'run');
    expect(Object.keys(run)).toContain('remote/004-ramp-step3-3k.txt');
  });
});

describe('loadExperimentConfig', () => {
  const files: Record<string, string> = {
    'infra.yaml': 'region: eu-west-1\nroles: { broker: { count: 3 } }\n',
    'cluster.yaml': 'clusterName: perf\nmanagedLedger: { ensembleSize: 2, writeQuorum: 2, ackQuorum: 2 }\n',
    'plan.yaml': PLAN,
  };
  const readFile = async (file: string) => {
    const text = files[file];
    if (text === undefined) throw new Error(`ENOENT: ${file}`);
    return text;
  };

  it('tells infrastructure from cluster files by their keys; --region becomes a --set', async () => {
    const resolved = await loadExperimentConfig({
      configFiles: ['infra.yaml', 'cluster.yaml'],
      testPlan: 'plan.yaml',
      region: 'eu-central-1',
      readFile,
    });
    expect(resolved.config.infrastructure.region).toBe('eu-central-1');
    expect(resolved.config.infrastructure.roles.broker.count).toBe(3);
    expect(resolved.config.cluster.clusterName).toBe('perf');
    expect(resolved.explain()).toMatch(/infrastructure\.region\s+eu-central-1\s+flag:--set/);
  });

  it('refuses a test plan given as --config', async () => {
    await expect(loadExperimentConfig({ configFiles: ['plan.yaml'], readFile })).rejects.toThrow(
      /is a test plan/,
    );
  });

  it('names a missing file', async () => {
    await expect(loadExperimentConfig({ testPlan: 'nope.yaml', readFile })).rejects.toThrow(
      /Reading test plan nope.yaml/,
    );
  });
});

describe('tagCleanup: the CleanupByTags port over @lab/tag-cleanup', () => {
  const resource = (type: Resource['type'], id: string): Resource => ({
    type,
    id,
    region: 'us-east-1',
    tags: { Project: 'pulsar-aws-lab', ExperimentID: 'exp-20260101-120000' },
    state: 'present',
  });

  it('deletes in dependency order and reports what remains after discovering again', async () => {
    let alive = [resource('instance', 'i-0123456789abcdef0'), resource('vpc', 'vpc-0abc')];
    const deleted: string[] = [];
    const provider: CleanupProvider = {
      discover: async () => ({ resources: alive, problems: [] }),
      deleter: {
        deleteBatch: async (batch) =>
          batch.map((item) => {
            deleted.push(item.id);
            alive = alive.filter((entry) => entry.id !== item.id);
            return { key: resourceKey(item), status: 'deleted' as const };
          }),
      },
    };
    const result = await tagCleanup({ provider })({
      experimentId: 'exp-20260101-120000',
      regions: ['us-east-1'],
      execute: true,
    });
    expect(deleted).toEqual(['i-0123456789abcdef0', 'vpc-0abc']);
    expect(result).toEqual({ remaining: [], problems: [] });
  });

  it('lists what is alive without deleting when execute is false', async () => {
    const provider: CleanupProvider = {
      discover: async () => ({ resources: [resource('vpc', 'vpc-0abc')], problems: [] }),
      deleter: {
        deleteBatch: async () => {
          throw new Error('must not delete');
        },
      },
    };
    const result = await tagCleanup({ provider })({
      experimentId: 'exp-20260101-120000',
      regions: ['us-east-1'],
      execute: false,
    });
    expect(result.remaining).toEqual([{ region: 'us-east-1', type: 'vpc', id: 'vpc-0abc' }]);
  });

  it('prints the command that finishes a cleanup', () => {
    expect(labCleanupCommand('exp-20260101-120000', ['us-east-1', 'eu-west-1'])).toBe(
      'lab-cleanup exp-20260101-120000 --region us-east-1 --region eu-west-1 --execute',
    );
  });
});
