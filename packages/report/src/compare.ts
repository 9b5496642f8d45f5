import type { ComparisonRow, ReportRun } from './model.js';

/** Lines up the runs of several experiments by run label, in the order they first appear. */
export function compareExperiments(
  experiments: ReadonlyArray<{ experimentId: string; runs: readonly ReportRun[] }>,
): ComparisonRow[] {
  const labels: string[] = [];
  for (const experiment of experiments) {
    for (const run of experiment.runs) if (!labels.includes(run.label)) labels.push(run.label);
  }
  return labels.map((label) => ({
    label,
    runs: Object.fromEntries(
      experiments.map((experiment) => [
        experiment.experimentId,
        experiment.runs.find((run) => run.label === label),
      ]),
    ),
  }));
}

/** Relative change from `base` to `value` (0.1 = +10 %); undefined when either is missing or base is 0. */
export function relativeDelta(base: number | undefined, value: number | undefined): number | undefined {
  if (base === undefined || value === undefined || base === 0) return undefined;
  return (value - base) / base;
}
