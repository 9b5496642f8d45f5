import type { Matrix, PlateauSettings, Run, RunType, TestPlan, Workload } from '@lab/config';
import { sanitizeName, shortNumber, shortSize } from './names.js';
import { type OmbWorkload, toOmbWorkload } from './workload.js';

/** One concrete OMB run of a test plan, in execution order. */
export interface PlannedRun {
  /** 0-based position in the plan's execution order. */
  index: number;
  /** Unique, file-name-safe and sorting in execution order: `003-fixed-rate-10k`. */
  id: string;
  /** The run's name without the order prefix. */
  name: string;
  type: RunType;
  /** Index of the test plan run this came from. */
  planRunIndex: number;
  workload: OmbWorkload;
  /** Target aggregate rate in msg/s; undefined for max-rate (OMB searches). */
  targetRate: number | undefined;
  messageSize: number;
  /** The matrix values this run was made with, if any. */
  matrix?: Record<string, number | string>;
  /** Set for the steps of a ramp: stop the ramp when `detectPlateau` says so. */
  ramp?: { group: string; step: number; steps: number } & PlateauSettings;
  /** Warm-up + test (+ backlog build and drain estimate) in minutes. */
  expectedDurationMinutes: number;
  /** True when the duration depends on how fast the cluster is (backlog runs). */
  durationIsEstimate: boolean;
  /** Expected duration + the plan's margin: give up on the run after this. */
  timeoutMinutes: number;
}

// Matrix keys in a fixed order (names and run order do not depend on the YAML's key order).
const MATRIX_KEYS = [
  'topics',
  'partitionsPerTopic',
  'messageSize',
  'producersPerTopic',
  'subscriptionsPerTopic',
  'consumerPerSubscription',
  'keyDistributor',
  'producerRate',
] as const satisfies ReadonlyArray<keyof Matrix>;

const MATRIX_LABELS: Record<(typeof MATRIX_KEYS)[number], (value: number | string) => string> = {
  topics: (value) => `t${value}`,
  partitionsPerTopic: (value) => `p${value}`,
  messageSize: (value) => shortSize(Number(value)),
  producersPerTopic: (value) => `prod${value}`,
  subscriptionsPerTopic: (value) => `subs${value}`,
  consumerPerSubscription: (value) => `cons${value}`,
  keyDistributor: (value) => String(value).toLowerCase(),
  producerRate: (value) => shortNumber(Number(value)),
};

/**
 * Expands a test plan into concrete runs in execution order: each run's workload is the plan's
 * base workload with the run's overrides; a matrix becomes its cartesian product (first key
 * varies slowest); a ramp becomes one run per step.
 */
export function expandTestPlan(plan: TestPlan): PlannedRun[] {
  const drafts: Array<Omit<PlannedRun, 'index' | 'id' | 'timeoutMinutes'>> = [];
  plan.runs.forEach((run, planRunIndex) => {
    for (const combination of combinations(run.matrix)) {
      const { producerRate: matrixRate, ...matrixWorkload } = combination;
      const workload: Workload = { ...plan.workload, ...(run.workload ?? {}), ...matrixWorkload };
      const baseName = sanitizeName(
        [run.name ?? defaultName(run, matrixRate), ...labels(combination)].join('-'),
        48,
      );
      drafts.push(...concreteRuns(run, planRunIndex, workload, baseName, matrixRate, combination));
    }
  });
  const used = new Map<string, number>();
  const width = Math.max(3, String(drafts.length).length);
  return drafts.map((draft, index) => {
    const count = (used.get(draft.name) ?? 0) + 1;
    used.set(draft.name, count);
    const name = count === 1 ? draft.name : `${draft.name}-${count}`;
    return {
      ...draft,
      index,
      name,
      id: `${String(index + 1).padStart(width, '0')}-${name}`,
      timeoutMinutes: Math.ceil(draft.expectedDurationMinutes) + plan.timeoutMarginMinutes,
    };
  });
}

/** Total expected minutes of a plan's runs (without margins), for dry runs and cost estimates. */
export function expectedPlanMinutes(runs: readonly PlannedRun[]): number {
  return runs.reduce((total, run) => total + run.expectedDurationMinutes, 0);
}

/** One point of a matrix: a value per varied key. */
type Combination = Partial<Omit<Workload, 'payload'>> & { producerRate?: number };

function combinations(matrix: Matrix | undefined): Combination[] {
  let result: Combination[] = [{}];
  if (matrix === undefined) return result;
  for (const key of MATRIX_KEYS) {
    const values = matrix[key] as ReadonlyArray<number | string> | undefined;
    if (values === undefined) continue;
    result = result.flatMap((partial) =>
      values.map((value) => ({ ...partial, [key]: value }) as Combination),
    );
  }
  return result;
}

function labels(combination: Combination): string[] {
  return MATRIX_KEYS.filter((key) => combination[key] !== undefined).map((key) =>
    MATRIX_LABELS[key](combination[key] as number | string),
  );
}

function defaultName(run: Run, matrixRate: number | undefined): string {
  switch (run.type) {
    case 'fixed-rate':
      return matrixRate === undefined ? `fixed-rate-${shortNumber(run.producerRate ?? 0)}` : 'fixed-rate';
    case 'max-rate':
      return 'max-rate';
    case 'ramp':
      return 'ramp';
    case 'latency':
      return matrixRate === undefined ? `latency-${shortNumber(run.producerRate)}` : 'latency';
    case 'backlog':
      return `backlog-${run.consumerBacklogSizeGB}gb`;
  }
}

function concreteRuns(
  run: Run,
  planRunIndex: number,
  workload: Workload,
  name: string,
  matrixRate: number | undefined,
  combination: Combination,
): Array<Omit<PlannedRun, 'index' | 'id' | 'timeoutMinutes'>> {
  const matrix =
    Object.keys(combination).length > 0 ? { matrix: combination as Record<string, number | string> } : {};
  const common = { type: run.type, planRunIndex, messageSize: workload.messageSize, ...matrix };
  const plain = (targetRate: number | undefined, omb: OmbWorkload) => ({
    ...common,
    name,
    workload: omb,
    targetRate,
    expectedDurationMinutes: workload.warmupDurationMinutes + workload.testDurationMinutes,
    durationIsEstimate: false,
  });
  switch (run.type) {
    case 'fixed-rate':
    case 'latency': {
      const rate = matrixRate ?? run.producerRate ?? 0;
      return [plain(rate, toOmbWorkload(name, workload, { producerRate: rate }))];
    }
    case 'max-rate':
      return [plain(undefined, toOmbWorkload(name, workload, { producerRate: 0 }))];
    case 'backlog': {
      const rate = matrixRate ?? run.producerRate;
      const omb = toOmbWorkload(name, workload, {
        producerRate: rate,
        consumerBacklogSizeGB: run.consumerBacklogSizeGB,
        backlogDrainRatio: run.backlogDrainRatio,
      });
      // Consumers are paused until the backlog is built (bytes ÷ publish throughput); draining is
      // assumed to take as long again. OMB then measures for testDurationMinutes.
      const bytesPerSecond = rate * workload.messageSize * Math.max(1, workload.subscriptionsPerTopic);
      const buildMinutes = (run.consumerBacklogSizeGB * 1024 ** 3) / bytesPerSecond / 60;
      return [
        {
          ...plain(rate, omb),
          expectedDurationMinutes:
            workload.warmupDurationMinutes + 2 * Math.ceil(buildMinutes) + workload.testDurationMinutes,
          durationIsEstimate: true,
        },
      ];
    }
    case 'ramp': {
      const steps: Array<Omit<PlannedRun, 'index' | 'id' | 'timeoutMinutes'>> = [];
      for (let step = 0; step < run.steps; step++) {
        const rate = run.startRate + step * run.stepRate;
        const stepName = sanitizeName(`${name}-step${step + 1}-${shortNumber(rate)}`);
        const stepWorkload = { ...workload, testDurationMinutes: run.stepDurationMinutes };
        steps.push({
          ...common,
          name: stepName,
          workload: toOmbWorkload(stepName, stepWorkload, { producerRate: rate }),
          targetRate: rate,
          ramp: { group: name, step, steps: run.steps, ...run.plateau },
          expectedDurationMinutes: workload.warmupDurationMinutes + run.stepDurationMinutes,
          durationIsEstimate: false,
        });
      }
      return steps;
    }
  }
}
