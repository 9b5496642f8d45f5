export interface RampStep {
  targetRate: number;
  achievedRate: number;
}

export interface PlateauOptions {
  /** A step falls short when achieved < target × (1 − allowedDeviation). */
  allowedDeviation: number;
  /** The plateau is confirmed after this many consecutive short steps. */
  consecutiveSteps: number;
}

export interface PlateauVerdict {
  plateaued: boolean;
  /** The step (index) whose result confirmed the plateau: stop the ramp after it. */
  confirmedAtStep: number | undefined;
  /** The first of the consecutive short steps. */
  firstShortStep: number | undefined;
  /** The highest achieved rate among steps that met their target. */
  maxSustainedRate: number | undefined;
  /** The highest achieved rate of any step. */
  maxAchievedRate: number | undefined;
  steps: Array<RampStep & { index: number; deviation: number; short: boolean }>;
  verdict: string;
}

/**
 * Decides whether a ramp has reached its plateau: the achieved rate stayed below the target by
 * more than `allowedDeviation` for `consecutiveSteps` steps in a row. Call it after every step
 * with the steps so far; stop the ramp when `plateaued`.
 */
export function detectPlateau(steps: readonly RampStep[], options: PlateauOptions): PlateauVerdict {
  if (!(options.allowedDeviation >= 0 && options.allowedDeviation < 1)) {
    throw new RangeError(`allowedDeviation must be in [0, 1), got ${options.allowedDeviation}`);
  }
  if (!Number.isInteger(options.consecutiveSteps) || options.consecutiveSteps < 1) {
    throw new RangeError(`consecutiveSteps must be a positive integer, got ${options.consecutiveSteps}`);
  }
  const judged = steps.map((step, index) => {
    const deviation = step.targetRate > 0 ? 1 - step.achievedRate / step.targetRate : 0;
    const short =
      !Number.isFinite(step.achievedRate) ||
      step.achievedRate < step.targetRate * (1 - options.allowedDeviation);
    return { ...step, index, deviation, short };
  });
  let run = 0;
  let confirmedAtStep: number | undefined;
  let firstShortStep: number | undefined;
  for (const step of judged) {
    run = step.short ? run + 1 : 0;
    if (run === options.consecutiveSteps) {
      confirmedAtStep = step.index;
      firstShortStep = step.index - options.consecutiveSteps + 1;
      break;
    }
  }
  const sustained = judged.filter((step) => !step.short).map((step) => step.achievedRate);
  const achieved = judged.map((step) => step.achievedRate).filter(Number.isFinite);
  const maxSustainedRate = sustained.length > 0 ? Math.max(...sustained) : undefined;
  const maxAchievedRate = achieved.length > 0 ? Math.max(...achieved) : undefined;
  const plateaued = confirmedAtStep !== undefined;
  const verdict = plateaued
    ? `plateau: ${options.consecutiveSteps} step(s) in a row fell more than ${(options.allowedDeviation * 100).toFixed(0)} % short, from step ${firstShortStep! + 1} (target ${judged[firstShortStep!]!.targetRate} msg/s); highest sustained rate ${maxSustainedRate === undefined ? 'none' : `${Math.round(maxSustainedRate)} msg/s`}`
    : `no plateau after ${judged.length} step(s)${maxSustainedRate === undefined ? '' : `; highest sustained rate ${Math.round(maxSustainedRate)} msg/s`}`;
  return {
    plateaued,
    confirmedAtStep,
    firstShortStep,
    maxSustainedRate,
    maxAchievedRate,
    steps: judged,
    verdict,
  };
}
