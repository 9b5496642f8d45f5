import { resolveConfigSources } from '@lab/config';
import { describe, expect, it } from 'vitest';
import {
  planExperiment,
  RUN_OVERHEAD_MINUTES,
  repeatRuns,
  SETUP_MINUTES,
  TEARDOWN_MINUTES,
} from '../src/plan.js';

const WORKLOAD =
  'workload: { topics: 1, partitionsPerTopic: 2, messageSize: 1024, testDurationMinutes: 2, warmupDurationMinutes: 1 }';

const planOf = (testPlan: string) =>
  planExperiment({
    resolved: resolveConfigSources({
      files: [{ section: 'testPlan', file: 'plan.yaml', text: `name: rep\n${WORKLOAD}\n${testPlan}` }],
    }),
    experimentId: 'exp-20260101-120000',
    createdAtMs: Date.UTC(2026, 0, 1, 12),
    terraform: { moduleDir: '/repo/terraform', workDir: '/tmp/exp/terraform' },
  });

const ids = (plan: ReturnType<typeof planOf>) => plan.runs.map((entry) => entry.run.id);

describe('repetitions', () => {
  it('leaves ids, files and order untouched when nothing repeats', () => {
    const plan = planOf(
      'runs:\n  - { type: fixed-rate, producerRate: 1000 }\n  - { type: latency, producerRate: 500 }\n',
    );
    expect(ids(plan)).toEqual(['001-fixed-rate-1k', '002-latency-500']);
    expect(plan.runs.map(({ run }) => [run.index, run.repetition, run.repetitions, run.baseId])).toEqual([
      [0, 1, 1, '001-fixed-rate-1k'],
      [1, 1, 1, '002-latency-500'],
    ]);
    expect(plan.runs.map((entry) => entry.remote.dir)).toEqual([
      '/var/lib/lab/omb/exp-20260101-120000/001-fixed-rate-1k',
      '/var/lib/lab/omb/exp-20260101-120000/002-latency-500',
    ]);
  });

  it('interleaves the repetitions of a plan-level repeat round by round', () => {
    const plan = planOf(
      'repeat: 3\nruns:\n  - { type: fixed-rate, producerRate: 1000, name: a }\n  - { type: max-rate, name: b }\n',
    );
    expect(ids(plan)).toEqual([
      '001-a.rep-1',
      '002-b.rep-1',
      '001-a.rep-2',
      '002-b.rep-2',
      '001-a.rep-3',
      '002-b.rep-3',
    ]);
    expect(plan.runs.map(({ run }) => [run.index, run.baseId, run.repetition, run.repetitions])).toEqual([
      [0, '001-a', 1, 3],
      [1, '002-b', 1, 3],
      [2, '001-a', 2, 3],
      [3, '002-b', 2, 3],
      [4, '001-a', 3, 3],
      [5, '002-b', 3, 3],
    ]);
    // Each repetition runs in its own remote directory and stores its own result.
    expect(new Set(plan.runs.map((entry) => entry.remote.dir)).size).toBe(6);
    expect(plan.runs[2]?.remote.resultFile).toBe(
      '/var/lib/lab/omb/exp-20260101-120000/001-a.rep-2/result.json',
    );
    // The workload is the same for every repetition: one file per run, shared.
    expect(Object.keys(plan.files)).toEqual([
      'omb/driver.yaml',
      'omb/workloads/001-a.yaml',
      'omb/workloads/002-b.yaml',
    ]);
    expect(plan.runs.map((entry) => entry.workloadPath)).toEqual([
      'omb/workloads/001-a.yaml',
      'omb/workloads/002-b.yaml',
      'omb/workloads/001-a.yaml',
      'omb/workloads/002-b.yaml',
      'omb/workloads/001-a.yaml',
      'omb/workloads/002-b.yaml',
    ]);
  });

  it("lets a run's own repeat win over the plan's, and a run measured once keeps its plain id", () => {
    const plan = planOf(
      'repeat: 2\nruns:\n  - { type: max-rate, name: a, repeat: 3 }\n  - { type: max-rate, name: b, repeat: 1 }\n  - { type: max-rate, name: c }\n',
    );
    expect(ids(plan)).toEqual([
      '001-a.rep-1',
      '002-b',
      '003-c.rep-1',
      '001-a.rep-2',
      '003-c.rep-2',
      '001-a.rep-3',
    ]);
    expect(plan.runs.map(({ run }) => `${run.baseId}:${run.repetition}/${run.repetitions}`)).toEqual([
      '001-a:1/3',
      '002-b:1/1',
      '003-c:1/2',
      '001-a:2/3',
      '003-c:2/2',
      '001-a:3/3',
    ]);
  });

  it('repeats every point of a matrix and keeps a ramp together, with a plateau group per repetition', () => {
    const plan = planOf(
      'runs:\n  - { type: fixed-rate, name: m, repeat: 2, matrix: { producerRate: [1000, 2000] } }\n  - { type: ramp, name: r, repeat: 2, startRate: 1000, stepRate: 1000, steps: 2, stepDurationMinutes: 2 }\n',
    );
    expect(ids(plan)).toEqual([
      '001-m-1k.rep-1',
      '002-m-2k.rep-1',
      '003-r-step1-1k.rep-1',
      '004-r-step2-2k.rep-1',
      '001-m-1k.rep-2',
      '002-m-2k.rep-2',
      '003-r-step1-1k.rep-2',
      '004-r-step2-2k.rep-2',
    ]);
    expect(plan.runs.filter(({ run }) => run.ramp !== undefined).map(({ run }) => run.ramp?.group)).toEqual([
      'r.rep-1',
      'r.rep-1',
      'r.rep-2',
      'r.rep-2',
    ]);
  });

  it('counts every repetition in the expected minutes and the cost estimate', () => {
    const once = planOf('runs:\n  - { type: fixed-rate, producerRate: 1000 }\n');
    const thrice = planOf('repeat: 3\nruns:\n  - { type: fixed-rate, producerRate: 1000 }\n');
    const perRun = 3 + RUN_OVERHEAD_MINUTES; // warm-up 1 + test 2, plus the per-run overhead
    expect(once.expectedMinutes).toBe(perRun);
    expect(thrice.expectedMinutes).toBe(3 * perRun);
    expect(thrice.cost.durationHours).toBeCloseTo((SETUP_MINUTES + 3 * perRun + TEARDOWN_MINUTES) / 60, 10);
    expect(thrice.cost.estimate.total).toBeGreaterThan(once.cost.estimate.total);
    expect(thrice.cost.estimate.total / thrice.cost.durationHours).toBeCloseTo(
      once.cost.estimate.total / once.cost.durationHours,
      6,
    );
  });

  it('produces ids that are safe as file names, shell words and S3 keys', () => {
    const plan = planOf(
      'repeat: 20\nruns:\n  - { type: backlog, producerRate: 100000, consumerBacklogSizeGB: 1 }\n',
    );
    expect(plan.runs).toHaveLength(20);
    for (const { run } of plan.runs) expect(run.id).toMatch(/^[a-z0-9][a-z0-9.-]*$/);
    expect(plan.runs[19]?.run.id).toBe('001-backlog-1gb.rep-20');
  });

  it('expands nothing from an empty list', () => {
    expect(repeatRuns({ repeat: 3, runs: [] }, [])).toEqual([]);
  });
});
