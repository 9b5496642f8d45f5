import { formatNumber } from './format.js';
import type { ReportRun, ReportThresholds } from './model.js';

export const DEFAULT_THRESHOLDS: Required<ReportThresholds> = {
  maxCv: 0.1,
  maxPublishDelayP99Ms: 10,
  minAchievedRatio: 0.95,
};

export const resolveThresholds = (thresholds: ReportThresholds = {}): Required<ReportThresholds> => ({
  ...DEFAULT_THRESHOLDS,
  ...Object.fromEntries(Object.entries(thresholds).filter(([, value]) => value !== undefined)),
});

/** Published ÷ target; undefined for max-rate (target 0) or unknown target or rate. */
export function achievedRatio(run: ReportRun): number | undefined {
  return run.targetRate === undefined || run.targetRate <= 0 || run.publishRate === undefined
    ? undefined
    : run.publishRate / run.targetRate;
}

/**
 * Whether the producer fell behind its send schedule. When it does, OMB's publish and end-to-end
 * latencies are measured from the late send, not from when the message was due (coordinated
 * omission): they understate what a client would see. Null when on schedule or unknowable.
 */
export function fellBehind(run: ReportRun, thresholds: ReportThresholds = {}): { reason: string } | null {
  const limits = resolveThresholds(thresholds);
  const reasons: string[] = [];
  const delayP99 = run.publishDelayLatencyMs?.p99;
  if (delayP99 !== undefined && delayP99 > limits.maxPublishDelayP99Ms) {
    reasons.push(
      `publish-delay p99 was ${formatNumber(delayP99)} ms (limit ${formatNumber(limits.maxPublishDelayP99Ms)} ms)`,
    );
  }
  const ratio = achievedRatio(run);
  if (ratio !== undefined && ratio < limits.minAchievedRatio) {
    reasons.push(
      `it published ${formatNumber(run.publishRate)} of the ${formatNumber(run.targetRate)} msg/s target (${(ratio * 100).toFixed(1)} %, below ${(limits.minAchievedRatio * 100).toFixed(0)} %)`,
    );
  }
  return reasons.length === 0 ? null : { reason: reasons.join('; ') };
}

/** The warning sentence a run carries when its producer fell behind. */
export const fellBehindSentence = (verdict: { reason: string }): string =>
  `The producer fell behind its schedule: ${verdict.reason}. Publish and end-to-end latencies are measured from the late send, so they understate what a client would see (coordinated omission).`;
