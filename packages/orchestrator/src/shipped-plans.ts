import { shippedFileName } from '@lab/config';
import { loadExperimentConfig } from './config.js';
import { planExperiment } from './plan.js';
import { PLANS_DIR, shippedPlanNames } from './test-plan-names.js';

/** One test plan shipped with the lab, as `lab-orchestrate plans` lists it. */
export interface ShippedPlan {
  /** What `--test-plan` accepts, e.g. `poc`. */
  name: string;
  /** How errors and provenance name it: `@lab/config/configs/test-plans/poc.yaml`. */
  file: string;
  description: string | undefined;
  /** Runs as executed (repetitions included). */
  runs: number;
  /** Minutes of benchmarking: the runs' durations and per-run overhead, without setup and teardown. */
  runMinutes: number;
  /** The whole experiment's on-demand estimate on the default infrastructure (US$). */
  estimateUsd: number;
  /** False when the price table lacks something the fleet uses. */
  estimateComplete: boolean;
  /** The region the estimate is for (the default infrastructure's). */
  region: string;
}

/** Every shipped plan with its runs, duration and estimate on the default infrastructure. */
export async function shippedPlans(options: { now?: number } = {}): Promise<ShippedPlan[]> {
  const plans: ShippedPlan[] = [];
  for (const name of await shippedPlanNames()) {
    const resolved = await loadExperimentConfig({ testPlan: name });
    // The plan is pure (no file, process or AWS call): the same estimate `setup` shows.
    const plan = planExperiment({
      resolved,
      experimentId: `plan-${name}`,
      createdAtMs: options.now ?? 0,
      terraform: { moduleDir: 'terraform', workDir: 'terraform' },
    });
    plans.push({
      name,
      file: shippedFileName(`${PLANS_DIR}/${name}.yaml`),
      description: resolved.config.testPlan?.description,
      runs: plan.runs.length,
      runMinutes: plan.expectedMinutes,
      estimateUsd: plan.cost.estimate.total,
      estimateComplete: plan.cost.estimate.complete,
      region: plan.region,
    });
  }
  return plans;
}
