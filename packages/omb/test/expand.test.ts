import { parseConfigText } from '@lab/config';
import { formatIssue, ValidationError } from '@lab/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  benchmarkArgs,
  expandTestPlan,
  expectedPlanMinutes,
  ombWorkersYaml,
  pulsarDriver,
  sanitizeName,
  workerUrls,
} from '../src/index.js';

const plan = (text: string) => parseConfigText('testPlan', text, { file: 'plan.yaml' });

describe('expandTestPlan', () => {
  it('keeps plan order, applies overrides and names runs uniquely and sortably', () => {
    const runs = expandTestPlan(
      plan(`name: p
workload: { testDurationMinutes: 3, warmupDurationMinutes: 1, messageSize: 512 }
timeoutMarginMinutes: 7
runs:
  - type: latency
  - type: latency
  - { type: fixed-rate, producerRate: 2500, workload: { partitionsPerTopic: 4, keyDistributor: KEY_ROUND_ROBIN } }
  - { type: max-rate, name: "find-max" }
`),
    );
    expect(runs.map((run) => run.id)).toEqual([
      '001-latency-1k',
      '002-latency-1k-2',
      '003-fixed-rate-2500',
      '004-find-max',
    ]);
    expect(runs[2]!.workload).toMatchObject({
      producerRate: 2500,
      partitionsPerTopic: 4,
      keyDistributor: 'KEY_ROUND_ROBIN',
      messageSize: 512,
      useRandomizedPayloads: true,
      randomBytesRatio: 0.5,
      randomizedPayloadPoolSize: 1000,
    });
    expect(runs[2]!.workload.payloadFile).toBeUndefined();
    expect(runs[3]).toMatchObject({ targetRate: undefined, workload: { producerRate: 0 } });
    expect(runs.every((run) => run.expectedDurationMinutes === 4 && run.timeoutMinutes === 11)).toBe(true);
    expect(expectedPlanMinutes(runs)).toBe(16);
  });

  it('expands a matrix as a cartesian product, first key slowest, in schema order', () => {
    const runs = expandTestPlan(
      plan(`name: p
runs:
  - type: fixed-rate
    matrix:
      producerRate: [1000, 2000]
      messageSize: [100, 1024]
`),
    );
    expect(runs.map((run) => run.name)).toEqual([
      'fixed-rate-100b-1k',
      'fixed-rate-100b-2k',
      'fixed-rate-1kb-1k',
      'fixed-rate-1kb-2k',
    ]);
    expect(runs.map((run) => [run.workload.messageSize, run.workload.producerRate])).toEqual([
      [100, 1000],
      [100, 2000],
      [1024, 1000],
      [1024, 2000],
    ]);
    expect(runs[3]!.matrix).toEqual({ messageSize: 1024, producerRate: 2000 });
  });

  it('turns a ramp into one run per step with plateau settings', () => {
    const runs = expandTestPlan(
      plan(`name: p
runs:
  - { type: ramp, startRate: 5000, stepRate: 2500, steps: 3, stepDurationMinutes: 4, plateau: { consecutiveSteps: 3 } }
`),
    );
    expect(runs.map((run) => [run.targetRate, run.workload.testDurationMinutes, run.ramp?.step])).toEqual([
      [5000, 4, 0],
      [7500, 4, 1],
      [10000, 4, 2],
    ]);
    expect(runs[0]!.ramp).toEqual({
      group: 'ramp',
      step: 0,
      steps: 3,
      allowedDeviation: 0.05,
      consecutiveSteps: 3,
    });
  });

  it('builds a backlog run with OMB backlog keys and an estimated duration', () => {
    const [run] = expandTestPlan(
      plan(`name: p
workload: { messageSize: 1024, testDurationMinutes: 5, warmupDurationMinutes: 1 }
runs: [{ type: backlog, producerRate: 10000, consumerBacklogSizeGB: 1, backlogDrainRatio: 0.9 }]
`),
    );
    expect(run!.workload).toMatchObject({
      producerRate: 10000,
      consumerBacklogSizeGB: 1,
      backlogDrainRatio: 0.9,
    });
    // 1 GiB at 10,000 × 1 KiB/s ≈ 1.75 min to build, as long again to drain.
    expect(run!.expectedDurationMinutes).toBe(1 + 2 * 2 + 5);
    expect(run!.durationIsEstimate).toBe(true);
  });

  it('never produces an unsafe or duplicate id', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('max-rate', 'latency'), { minLength: 1, maxLength: 30 }),
        (types) => {
          const runs = expandTestPlan(
            plan(`name: p\nruns:\n${types.map((type) => `  - type: ${type}\n`).join('')}`),
          );
          const ids = runs.map((run) => run.id);
          expect(new Set(ids).size).toBe(ids.length);
          expect([...ids].sort()).toEqual(ids);
          for (const id of ids) expect(id).toMatch(/^[0-9]{3}-[a-z0-9-]+$/);
        },
      ),
    );
  });
});

describe('sanitizeName', () => {
  it('makes anything file-name safe', () => {
    expect(sanitizeName('Max Rate / 1 KB (über)')).toBe('max-rate-1-kb-uber');
    expect(sanitizeName('../../etc/passwd')).toBe('etc-passwd');
    expect(sanitizeName('$(rm -rf /)')).toBe('rm-rf');
    expect(sanitizeName('---')).toBe('run');
    fc.assert(
      fc.property(fc.string(), (text) => {
        expect(sanitizeName(text)).toMatch(/^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$/);
      }),
    );
  });
});

describe('driver and workers', () => {
  const cluster = parseConfigText('cluster', '', { file: 'c.yaml' });
  const driver = plan('name: p\nruns: [{ type: max-rate }]\n').driver;

  it('lists every broker once with the scheme once', () => {
    const config = pulsarDriver({
      brokers: ['10.0.0.1', 'b2.internal'],
      cluster,
      driver,
      brokerServicePort: 6651,
    });
    expect(config.client.serviceUrl).toBe('pulsar://10.0.0.1:6651,b2.internal:6651');
    expect(config.client.httpUrl).toBe('http://10.0.0.1:8080,b2.internal:8080');
    expect(config.client.persistence).toEqual({
      ensembleSize: 3,
      writeQuorum: 3,
      ackQuorum: 2,
      deduplicationEnabled: false,
    });
  });

  it('refuses hosts with schemes, ports, or separators', () => {
    try {
      pulsarDriver({ brokers: ['pulsar://10.0.0.1', '10.0.0.2:6650', 'a,b', 'ok-host'], cluster, driver });
      throw new Error('accepted');
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues.map((issue) => issue.path)).toEqual([
        'brokers.0',
        'brokers.1',
        'brokers.2',
      ]);
    }
    expect(() => pulsarDriver({ brokers: [], cluster, driver })).toThrow(ValidationError);
  });

  it('needs two workers for a distributed run', () => {
    expect(workerUrls(['10.0.0.5'])).toEqual(['http://10.0.0.5:8080']);
    try {
      ombWorkersYaml(['10.0.0.5']);
      throw new Error('accepted');
    } catch (error) {
      expect(formatIssue((error as ValidationError).issues[0]!)).toBe(
        'workers: needs at least 2 host(s) (expected 2 or more, got 1)',
      );
    }
  });

  it('builds the benchmark argument vector and refuses what would need quoting', () => {
    expect(
      benchmarkArgs({
        driverFile: 'lab/driver.yaml',
        workersFile: 'lab/workers.yaml',
        outputFile: 'lab/results/001-a.json',
        workloadFiles: ['lab/workloads/001-a.yaml'],
      }),
    ).toEqual([
      'bin/benchmark',
      '--drivers',
      'lab/driver.yaml',
      '--workers-file',
      'lab/workers.yaml',
      '--output',
      'lab/results/001-a.json',
      'lab/workloads/001-a.yaml',
    ]);
    expect(() => benchmarkArgs({ driverFile: 'd.yaml', workloadFiles: ['a b.yaml'] })).toThrow(
      ValidationError,
    );
    expect(() =>
      benchmarkArgs({ driverFile: 'd.yaml', workloadFiles: ['a.yaml', 'b.yaml'], outputFile: 'out.json' }),
    ).toThrow(/only the last result would remain|Invalid benchmark arguments/);
  });
});
