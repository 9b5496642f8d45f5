export {
  assertHosts,
  type BenchmarkArgsOptions,
  benchmarkArgs,
  type DriverOptions,
  type OmbPulsarDriver,
  ombWorkersYaml,
  PULSAR_DRIVER_CLASS,
  pulsarDriver,
  pulsarDriverYaml,
  workerUrls,
} from './driver.js';
export { expandTestPlan, expectedPlanMinutes, type PlannedRun } from './expand.js';
export { sanitizeName, shortNumber, shortSize } from './names.js';
export { detectPlateau, type PlateauOptions, type PlateauVerdict, type RampStep } from './plateau.js';
export {
  CURRENT_RESULT_FIELDS,
  LATENCY_STATS,
  type LatencyStat,
  type LatencyStats,
  type OmbResult,
  parseOmbResult,
  SAMPLE_INTERVAL_SECONDS,
} from './results.js';
export {
  type BacklogTrend,
  type RunSummary,
  type SummarizeOptions,
  summarizeRun,
  type Throughput,
} from './summary.js';
export { type OmbWorkload, ombWorkloadYaml, toOmbWorkload } from './workload.js';
