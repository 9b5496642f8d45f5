import type { RunComparison } from './compare.js';
import { escapeHtml, formatNumber, formatPercent, UNKNOWN } from './format.js';
import type { Provenance, ReportRun, ReportThresholds } from './model.js';
import { type MetricSpread, REPEATED_METRICS, type RepetitionGroup } from './repetitions.js';
import { summaryRow } from './summary.js';

export const runTitle = (run: ReportRun): string =>
  run.repetition === undefined ? run.label : `${run.label} · repetition ${run.repetition}`;

const cell = (value: number | null, className = '') =>
  `<td${className === '' ? '' : ` class="${className}"`}>${formatNumber(value)}</td>`;

/** One row per run; unknown figures are "–". A target of 0 is OMB's max-rate search. */
export function summaryTable(runs: readonly ReportRun[], thresholds: ReportThresholds): string {
  const header = [
    'Run',
    'Target msg/s',
    'Published msg/s',
    'Achieved',
    'Consumed msg/s',
    'MB/s in',
    'MB/s out',
    'Pub p50',
    'Pub p99',
    'Pub p99.9',
    'Pub max',
    'Delay p50',
    'Delay p99',
    'Delay max',
    'E2E p50',
    'E2E p99',
    'E2E p99.9',
    'E2E max',
    'Errors/s',
    'Backlog',
    '$/M msgs',
  ];
  const rows = runs.map((run) => {
    const row = summaryRow(run, thresholds);
    const target = row.targetRate === 0 ? 'max' : formatNumber(row.targetRate);
    const flags = `${run.warnings.length > 0 ? ' ⚠' : ''}${row.fellBehind === null ? '' : ' <span class="bad" title="the producer fell behind">behind</span>'}`;
    return `<tr><td><a href="#run-${escapeHtml(run.id)}">${escapeHtml(runTitle(run))}</a>${flags}</td>
<td>${target}</td>${cell(row.publishRate)}<td class="${row.achievedRatio !== null && row.achievedRatio < thresholds.minAchievedRatio! ? 'bad' : ''}">${formatPercent(row.achievedRatio)}</td>${cell(row.consumeRate)}
${cell(row.publishMBps)}${cell(row.consumeMBps)}
${cell(row.publishP50Ms)}${cell(row.publishP99Ms)}${cell(row.publishP999Ms)}${cell(row.publishMaxMs)}
${cell(row.publishDelayP50Ms)}${cell(row.publishDelayP99Ms, row.publishDelayP99Ms !== null && row.publishDelayP99Ms > thresholds.maxPublishDelayP99Ms! ? 'bad' : '')}${cell(row.publishDelayMaxMs)}
${cell(row.endToEndP50Ms)}${cell(row.endToEndP99Ms)}${cell(row.endToEndP999Ms)}${cell(row.endToEndMaxMs)}
${cell(row.publishErrorRate, (row.publishErrorRate ?? 0) > 0 ? 'bad' : '')}
<td class="${run.backlog === 'growing' ? 'bad' : ''}">${escapeHtml(run.backlog)}</td><td>${row.costPerMillionMessages === null ? UNKNOWN : `$${row.costPerMillionMessages.toFixed(4)}`}</td></tr>`;
  });
  return `<div class="scroll"><table class="summary"><thead><tr>${header.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table></div>
<p class="note">Latencies in ms. Delay = publish delay: how late messages left against the intended schedule. Achieved = published ÷ target. – = unknown.</p>`;
}

const interval = (spread: MetricSpread) =>
  spread.ci95 === undefined
    ? `${UNKNOWN} (1 run)`
    : `${formatNumber(spread.ci95.low)} to ${formatNumber(spread.ci95.high)}`;

/** Per label with more than one repetition: median, mean, 95 % interval, CV of each metric. */
export function repetitionTable(groups: readonly RepetitionGroup[], thresholds: ReportThresholds): string {
  const repeated = groups.filter((group) => group.runIds.length > 1);
  if (repeated.length === 0) return '';
  const rows = repeated.flatMap((group) =>
    REPEATED_METRICS.map(({ key, name, unit }, index) => {
      const spread = group.metrics[key];
      const first =
        index === 0
          ? `<td rowspan="${REPEATED_METRICS.length}">${escapeHtml(group.label)}${group.experimentId === undefined ? '' : `<br><span class="muted">${escapeHtml(group.experimentId)}</span>`}<br><span class="muted">${group.runIds.length} runs</span></td>`
          : '';
      if (spread === null)
        return `<tr>${first}<td class="text">${name} (${unit})</td><td>${UNKNOWN}</td><td>${UNKNOWN}</td><td>${UNKNOWN}</td><td>${UNKNOWN}</td><td class="text"></td></tr>`;
      return `<tr>${first}<td class="text">${name} (${unit})</td><td>${formatNumber(spread.median)}</td><td>${formatNumber(spread.mean)}</td><td>${interval(spread)}</td><td class="${spread.unstable ? 'bad' : ''}">${formatPercent(spread.cv)}</td><td class="text">${spread.unstable ? '<span class="bad">unstable</span>' : ''}</td></tr>`;
    }),
  );
  return `<h2>Repetitions</h2><p class="note">Each run repeated: the median, the mean and its 95 % confidence interval (Student t), and the coefficient of variation (CV = standard deviation ÷ mean). A metric whose CV exceeds ${formatPercent(thresholds.maxCv)} is <span class="bad">unstable</span>: the repetitions disagree, so a single number would mislead.</p>
<table class="repetitions"><thead><tr><th>Run</th><th class="text">Metric</th><th>Median</th><th>Mean</th><th>95 % CI of the mean</th><th>CV</th><th class="text"></th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

const meanWithInterval = (spread: MetricSpread | null) =>
  spread === null
    ? UNKNOWN
    : `${formatNumber(spread.mean)}${spread.ci95 === undefined ? '' : ` <span class="muted">(${formatNumber(spread.ci95.low)}–${formatNumber(spread.ci95.high)})</span>`}`;

/** One candidate experiment against the base: per label and metric, the verdict in words. */
export function comparisonTable(
  base: string,
  candidate: string,
  comparisons: readonly RunComparison[],
): string {
  const rows = comparisons.flatMap((comparison) =>
    comparison.metrics.map((metric, index) => {
      const className = metric.verdict === 'faster' ? 'good' : metric.verdict === 'slower' ? 'bad' : '';
      return `<tr>${index === 0 ? `<td rowspan="${comparison.metrics.length}">${escapeHtml(comparison.label)}</td>` : ''}<td class="text">${metric.name} (${metric.unit})</td><td>${meanWithInterval(metric.base)}</td><td>${meanWithInterval(metric.candidate)}</td><td class="text ${className}">${escapeHtml(metric.sentence)}</td></tr>`;
    }),
  );
  return `<h3>${escapeHtml(candidate)} against ${escapeHtml(base)}</h3><table class="compare"><thead><tr><th>Run</th><th class="text">Metric</th><th>${escapeHtml(base)} mean (95 % CI)</th><th>${escapeHtml(candidate)} mean (95 % CI)</th><th class="text">Difference</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** "What produced this": versions, machine image, instance types, digests. */
export function provenanceSection(provenance: Provenance | undefined): string {
  if (provenance === undefined) {
    return '<h2>What produced this</h2><p class="note">Not recorded: the results were read from files without their experiment.</p>';
  }
  const facts: Array<[string, string | undefined]> = [
    ['Target', provenance.target === 'aws' ? 'AWS' : 'this machine (local rehearsal)'],
    ['Pulsar', provenance.pulsarVersion],
    [
      'OpenMessaging Benchmark',
      [
        provenance.omb?.version,
        provenance.omb?.commit === undefined ? undefined : `commit ${provenance.omb.commit}`,
      ]
        .filter((part) => part !== undefined)
        .join(', ') || undefined,
    ],
    ['Machine image', provenance.amiId],
    [
      'Instance types',
      provenance.instanceTypes === undefined
        ? undefined
        : Object.entries(provenance.instanceTypes)
            .map(([role, type]) => `${role} ${type}`)
            .join(', '),
    ],
    ['Kernel', provenance.kernel],
    ['Configuration digest', provenance.configDigest],
    [
      'Test plan',
      provenance.testPlan === undefined
        ? undefined
        : `${provenance.testPlan.name}${provenance.testPlan.digest === undefined ? '' : ` (${provenance.testPlan.digest})`}`,
    ],
  ];
  return `<h2>What produced this</h2><table class="facts provenance"><tbody>${facts
    .map(
      ([name, value]) =>
        `<tr><th>${name}</th><td class="text">${value === undefined ? UNKNOWN : escapeHtml(value)}</td></tr>`,
    )
    .join('')}</tbody></table>`;
}
