/** Latency percentiles in milliseconds. */
export interface LatencySummary {
  p50?: number;
  p99?: number;
  p999?: number;
  max?: number;
}

export type BacklogVerdict = 'flat' | 'growing' | 'shrinking' | 'unknown';

/** One benchmark run as the report shows it. Plain data: any OMB result can be mapped to it. */
export interface ReportRun {
  /** Unique within a report, file-name safe. */
  id: string;
  label: string;
  experimentId?: string;
  workload?: string;
  messageSize?: number;
  /** Intended aggregate publish rate, msg/s; undefined or 0 for max-rate runs. */
  targetRate?: number;
  publishRate: number;
  consumeRate: number;
  publishMBps: number;
  consumeMBps: number;
  publishLatencyMs: LatencySummary;
  endToEndLatencyMs: LatencySummary;
  /** Publish errors per second, averaged over the run. */
  publishErrorRate?: number;
  backlog: BacklogVerdict;
  /** Messages sent over the run (for cost per million messages). */
  messagesSent?: number;
  costPerMillionMessages?: number;
  /** Why a reader should doubt this run (growing backlog, errors, missing fields …). */
  warnings: string[];
  /** Time series, one sample per interval (OMB: 10 s). */
  series: {
    intervalSeconds: number;
    publishRate: number[];
    consumeRate: number[];
    backlog: number[];
    publishLatencyP99: number[];
    endToEndLatencyP99: number[];
  };
  /** Percentile (e.g. 99.9) → latency in ms. */
  quantiles: {
    publish: Array<[number, number]>;
    endToEnd: Array<[number, number]>;
  };
  /** For ramps: each step's target and achieved rate, and the step where the plateau began. */
  ramp?: { steps: Array<{ target: number; achieved: number }>; plateauStep?: number };
}

export interface ReportInput {
  title: string;
  /** ISO time the report was generated. */
  generatedAt: string;
  runs: ReportRun[];
  /** Extra lines under the title (experiment, cluster, cost notes). */
  notes?: string[];
}

/** A run in several experiments, matched by label, for `--compare`. */
export interface ComparisonRow {
  label: string;
  /** Per experiment id: the run, when that experiment has it. */
  runs: Record<string, ReportRun | undefined>;
}
