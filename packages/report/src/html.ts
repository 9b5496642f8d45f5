import { ChartCollector, type ChartSpec, resampleQuantiles } from './charts.js';
import { compareRuns } from './compare.js';
import { escapeHtml } from './format.js';
import { hostCharts, hostWarnings, runTimeRange } from './hosts.js';
import type { ReportInput, ReportRun, ReportThresholds } from './model.js';
import { SCRIPT, STYLE, uplotAssets } from './page-assets.js';
import { groupRepetitions } from './repetitions.js';
import { comparisonTable, provenanceSection, repetitionTable, runTitle, summaryTable } from './tables.js';
import { fellBehind, fellBehindSentence, resolveThresholds } from './verdicts.js';

const timeSeries = (values: readonly number[] | undefined, interval: number): Array<[number, number]> =>
  (values ?? []).map((value, index) => [(index + 1) * interval, value]);

function runCharts(run: ReportRun): ChartSpec[] {
  const interval = run.series.intervalSeconds;
  const sync = `run-${run.id}`;
  const xRange = runTimeRange(run);
  const timeline = (title: string, yLabel: string, series: ChartSpec['series']): ChartSpec => ({
    title,
    xKind: 'time',
    yLabel,
    series,
    sync,
    xRange,
  });
  const charts: ChartSpec[] = [
    timeline('Throughput', 'msg/s', [
      { name: 'publish', points: timeSeries(run.series.publishRate, interval) },
      { name: 'consume', points: timeSeries(run.series.consumeRate, interval) },
    ]),
    timeline('Backlog', 'messages', [{ name: 'backlog', points: timeSeries(run.series.backlog, interval) }]),
    timeline('p99 latency over time', 'ms', [
      { name: 'publish p99', points: timeSeries(run.series.publishLatencyP99, interval) },
      { name: 'end-to-end p99', points: timeSeries(run.series.endToEndLatencyP99, interval) },
      { name: 'publish-delay p99', points: timeSeries(run.series.publishDelayP99, interval) },
    ]),
    {
      title: 'Latency distribution',
      xKind: 'nines',
      yLabel: 'ms',
      series: [
        { name: 'publish', points: resampleQuantiles(run.quantiles.publish) },
        { name: 'end-to-end', points: resampleQuantiles(run.quantiles.endToEnd) },
        { name: 'publish delay', points: resampleQuantiles(run.quantiles.publishDelay ?? []) },
      ],
    },
  ];
  if (run.ramp !== undefined) {
    const steps = run.ramp.steps;
    const plateau = run.ramp.plateauStep === undefined ? undefined : steps[run.ramp.plateauStep];
    charts.push({
      title: 'Ramp: target vs achieved',
      xKind: 'linear',
      yLabel: 'msg/s',
      series: [
        { name: 'target', points: steps.map((step) => [step.target, step.target]) },
        { name: 'achieved', points: steps.map((step) => [step.target, step.achieved]) },
      ],
      ...(plateau === undefined ? {} : { markers: [{ x: plateau.target, label: 'plateau' }] }),
    });
  }
  return charts;
}

const warningBox = (text: string, kind = '') =>
  `<div class="warn${kind === '' ? '' : ` ${kind}`}">⚠ ${escapeHtml(text)}</div>`;

function runSection(run: ReportRun, thresholds: ReportThresholds, collector: ChartCollector): string {
  const behind = fellBehind(run, thresholds);
  const notices = [
    ...(behind === null ? [] : [warningBox(fellBehindSentence(behind), 'behind')]),
    ...(run.bottleneck === undefined || run.bottleneck === null
      ? []
      : [
          `<div class="warn limit">Bottleneck: ${escapeHtml(run.bottleneck.message)} <span class="muted">(${escapeHtml(run.bottleneck.role)} ${escapeHtml(run.bottleneck.host)}, ${escapeHtml(run.bottleneck.resource)})</span></div>`,
        ]),
    ...hostWarnings(run).map((warning) => warningBox(warning)),
    ...run.warnings.map((warning) => warningBox(warning)),
  ].join('');
  const facts = [
    run.experimentId === undefined ? undefined : `experiment ${run.experimentId}`,
    run.workload === undefined ? undefined : `workload ${run.workload}`,
    run.messageSize === undefined ? undefined : `${run.messageSize} B messages`,
  ].filter((fact) => fact !== undefined);
  const hosts = hostCharts(run, `run-${run.id}`, runTimeRange(run))
    .map(
      ({ role, charts }) =>
        `<h3>Hosts: ${role}</h3><div class="charts hosts">${charts.map((chart) => collector.placeholder(chart)).join('')}</div>`,
    )
    .join('');
  return `<section class="run" id="run-${escapeHtml(run.id)}"><h2>${escapeHtml(runTitle(run))}</h2><p class="muted">${escapeHtml(facts.join(' · '))}</p>${notices}<div class="charts">${runCharts(
    run,
  )
    .map((chart) => collector.placeholder(chart))
    .join('')}</div>${hosts}</section>`;
}

function comparisons(input: ReportInput, thresholds: ReportThresholds): string {
  const experimentIds = [
    ...new Set(input.runs.map((run) => run.experimentId).filter((id): id is string => id !== undefined)),
  ];
  const [base, ...others] = experimentIds;
  if (base === undefined || others.length === 0) return '';
  const runsOf = (id: string) => input.runs.filter((run) => run.experimentId === id);
  return `<h2>Comparison</h2><p class="note">Runs matched by label; each side's repetitions pooled. A difference is <em>within noise</em> when the two 95 % intervals of the mean overlap; otherwise it is faster (higher rate, lower latency) or slower, by the relative difference of the means with its 95 % interval (Welch's t). With a single run on a side the noise is unknown.</p>
${others.map((id) => comparisonTable(base, id, compareRuns(runsOf(base), runsOf(id), thresholds))).join('')}`;
}

/** The whole report as one self-contained HTML document: no network, scripts and data inline. */
export function renderHtml(input: ReportInput): string {
  const thresholds = resolveThresholds(input.thresholds);
  const collector = new ChartCollector();
  const sections = input.runs.map((run) => runSection(run, thresholds, collector)).join('\n');
  const suspect = input.runs.filter((run) => run.warnings.length > 0).length;
  const behind = input.runs.filter((run) => fellBehind(run, thresholds) !== null).length;
  const uplot = uplotAssets();
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(input.title)}</title><style>${uplot.css}${STYLE}</style></head>
<body><header><h1>${escapeHtml(input.title)}</h1>
<p class="muted">Generated ${escapeHtml(input.generatedAt)} · ${input.runs.length} run(s)${suspect > 0 ? ` · <span class="bad">${suspect} with warnings</span>` : ''}${behind > 0 ? ` · <span class="bad">${behind} where the producer fell behind</span>` : ''}</p>
${(input.notes ?? []).map((note) => `<p class="note">${escapeHtml(note)}</p>`).join('')}</header>
${provenanceSection(input.provenance)}
<h2>Summary</h2>${summaryTable(input.runs, thresholds)}
${repetitionTable(groupRepetitions(input.runs, thresholds), thresholds)}
${comparisons(input, thresholds)}
${sections}
<script type="application/json" id="chart-data">${collector.json()}</script>
<script>${uplot.js}</script><script>${SCRIPT}</script></body></html>
`;
}
