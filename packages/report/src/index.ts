export { compareExperiments, relativeDelta } from './compare.js';
export { loadOmbResults, type ReportRunOptions, reportRunFromOmb } from './from-omb.js';
export { renderHtml } from './html.js';
export type { BacklogVerdict, ComparisonRow, LatencySummary, ReportInput, ReportRun } from './model.js';
export { type SummaryRow, summaryCsv, summaryJson, summaryRow } from './summary.js';
export { type ChartOptions, type ChartSeries, escapeHtml, formatNumber, lineChart } from './svg.js';
export { type WrittenReport, writeReport } from './write.js';
