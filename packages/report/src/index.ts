export { type ChartSpec, ninesOf, resampleQuantiles } from './charts.js';
export { type ComparisonVerdict, compareRuns, type MetricComparison, type RunComparison } from './compare.js';
export { escapeHtml, formatNumber } from './format.js';
export { loadOmbResults, type ReportRunOptions, repetitionsFromNames, reportRunFromOmb } from './from-omb.js';
export { renderHtml } from './html.js';
export type {
  BacklogVerdict,
  Bottleneck,
  HostMetricsSeries,
  HostRole,
  LatencySummary,
  Provenance,
  ReportInput,
  ReportRun,
  ReportThresholds,
} from './model.js';
export {
  groupRepetitions,
  type MetricKey,
  type MetricSpread,
  REPEATED_METRICS,
  type RepetitionGroup,
} from './repetitions.js';
export { differenceInterval, type Interval, type Spread, spread, tCritical95 } from './stats.js';
export { type SummaryJson, type SummaryRow, summaryCsv, summaryJson, summaryRow } from './summary.js';
export { DEFAULT_THRESHOLDS, fellBehind } from './verdicts.js';
export { summaryJsonText, type WrittenReport, writeReport } from './write.js';
