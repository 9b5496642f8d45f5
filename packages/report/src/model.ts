/** Latency percentiles in milliseconds. */
export interface LatencySummary {
  p50?: number;
  p99?: number;
  p999?: number;
  max?: number;
}

export type BacklogVerdict = 'flat' | 'growing' | 'shrinking' | 'unknown';

export type HostRole = 'zookeeper' | 'bookkeeper' | 'broker' | 'client';

/** One host's resource usage over a run, sampled by the host-metrics package. */
export interface HostMetricsSeries {
  host: string;
  role: 'zookeeper' | 'bookkeeper' | 'broker' | 'client';
  instanceType?: string;
  /** The kernel the host ran (`uname -sr`), when the sampler named it. */
  kernel?: string;
  cpuCreditsExhausted?: boolean;
  samples: Array<{
    t: number /* s since run start */;
    cpu: { user: number; system: number; iowait: number; steal: number } /* % of all CPUs */;
    memUsedMiB: number;
    memTotalMiB: number;
    disks: Array<{
      device: string;
      purpose?: 'journal' | 'ledgers' | 'root' | 'other';
      readMBps: number;
      writeMBps: number;
      utilPct: number;
      awaitMs: number;
    }>;
    net: { rxMBps: number; txMBps: number };
  }>;
}

/** The resource that limited a run, as the host-metrics analysis names it. */
export interface Bottleneck {
  host: string;
  role: string;
  resource: string;
  message: string;
}

/**
 * One benchmark run as the report shows it. Plain data: any OMB result can be mapped to it.
 * A figure that is not known is left out (undefined), never 0: the page shows "–", the CSV an
 * empty cell and summary.json `null`.
 */
export interface ReportRun {
  /** Unique within a report, file-name safe. */
  id: string;
  /** Runs with the same label (and experiment) are repetitions of one another. */
  label: string;
  /** 1-based repetition number when the run was repeated. */
  repetition?: number;
  experimentId?: string;
  workload?: string;
  /** Bytes per message; undefined when unknown. */
  messageSize?: number;
  /** Intended aggregate publish rate, msg/s; 0 = OMB's max-rate search; undefined = unknown. */
  targetRate?: number;
  publishRate?: number;
  consumeRate?: number;
  publishMBps?: number;
  consumeMBps?: number;
  publishLatencyMs: LatencySummary;
  endToEndLatencyMs: LatencySummary;
  /**
   * How late messages were sent against the intended schedule (OMB's publishDelayLatency, in
   * ms here): a producer that falls behind hides latency (coordinated omission).
   */
  publishDelayLatencyMs?: LatencySummary;
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
    /** ms */
    publishDelayP99?: number[];
  };
  /** Percentile (e.g. 99.9) → latency in ms. */
  quantiles: {
    publish: Array<[number, number]>;
    endToEnd: Array<[number, number]>;
    publishDelay?: Array<[number, number]>;
  };
  /** For ramps: each step's target and achieved rate, and the step where the plateau began. */
  ramp?: { steps: Array<{ target: number; achieved: number }>; plateauStep?: number };
  /** Per-host resource usage over the run (x aligned with `series`: seconds since run start). */
  hosts?: HostMetricsSeries[];
  /** The resource that limited the run; null when the analysis found none. */
  bottleneck?: Bottleneck | null;
}

/** What produced the numbers: enough to reproduce the run, or to see why two reports differ. */
export interface Provenance {
  target: 'aws' | 'local';
  pulsarVersion?: string;
  omb?: { version?: string; commit?: string };
  amiId?: string;
  /** Instance type per role (aws), e.g. `{ bookkeeper: 'i4i.xlarge' }`. */
  instanceTypes?: Partial<Record<HostRole, string>>;
  kernel?: string;
  /** Digest of the resolved configuration, e.g. `sha256:…`. */
  configDigest?: string;
  testPlan?: { name: string; digest?: string };
}

/** Thresholds behind the report's verdicts. */
export interface ReportThresholds {
  /** A metric whose coefficient of variation across repetitions exceeds this is unstable. Default 0.10. */
  maxCv?: number;
  /** The producer fell behind when publish-delay p99 exceeds this, ms. Default 10. */
  maxPublishDelayP99Ms?: number;
  /** …or when it published less than this share of the target rate. Default 0.95. */
  minAchievedRatio?: number;
}

export interface ReportInput {
  title: string;
  /** ISO time the report was generated. */
  generatedAt: string;
  runs: ReportRun[];
  /** Extra lines under the title (experiment, cluster, cost notes). */
  notes?: string[];
  provenance?: Provenance;
  thresholds?: ReportThresholds;
}
