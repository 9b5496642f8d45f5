import { compareExperiments, relativeDelta } from './compare.js';
import type { ComparisonRow, ReportInput, ReportRun } from './model.js';
import { summaryRow } from './summary.js';
import { escapeHtml, formatNumber, lineChart } from './svg.js';

const STYLE = `
:root{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;color:#111827;background:#fff}
body{margin:24px auto;max-width:1320px;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 8px;border-bottom:1px solid #e5e7eb;padding-bottom:4px}
.muted,.note{color:#6b7280;font-size:13px}
table{border-collapse:collapse;font-size:12.5px;margin:8px 0;width:100%}
th,td{border:1px solid #e5e7eb;padding:4px 6px;text-align:right;white-space:nowrap}
th{background:#f9fafb}td:first-child,th:first-child{text-align:left}.compare td:nth-child(2),.compare th:nth-child(2){text-align:left}
.warn{background:#fffbeb;border-left:4px solid #d97706;padding:6px 10px;margin:6px 0;font-size:13px}
.bad{color:#b91c1c;font-weight:600}.good{color:#047857}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:12px}
.chart-box{margin:0;border:1px solid #e5e7eb;border-radius:6px;padding:6px}
svg.chart{width:100%;height:auto;display:block}
.chart-title{font-size:13px;font-weight:600;fill:#111827}.tick{font-size:10px;fill:#6b7280}.label{font-size:11px;fill:#374151}
.grid{stroke:#f3f4f6}.axis{stroke:#9ca3af}.series{stroke-width:1.8}
.marker{stroke:#b91c1c;stroke-dasharray:4 3}.marker-label{font-size:10px;fill:#b91c1c}
.cross{stroke:#6b7280;stroke-dasharray:2 2}
.legend{font-size:12px;color:#374151;padding:2px 6px}.key{margin-right:12px}.key i{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px}
#tip{position:fixed;pointer-events:none;background:#111827;color:#fff;font-size:12px;padding:4px 6px;border-radius:4px;display:none;z-index:10;white-space:pre}
@media print{body{margin:0;max-width:none}.charts{grid-template-columns:1fr 1fr}.chart-box,section.run,table{break-inside:avoid}#tip,.cross{display:none}}
`;

// Crosshair tooltip: finds, per line, the point nearest the cursor and shows its values.
const SCRIPT = `
(function(){var tip=document.getElementById('tip');
function fmt(v){var a=Math.abs(v);if(a>=1e9)return(v/1e9).toPrecision(3)+'G';if(a>=1e6)return(v/1e6).toPrecision(3)+'M';if(a>=1e4)return(v/1e3).toPrecision(3)+'k';if(a>=100||a===0)return String(Math.round(v));return String(Number(v.toPrecision(3)));}
function pts(line){if(!line._p){line._p=line.getAttribute('points').split(' ').map(function(p){var c=p.split(',');return[+c[0],+c[1]];});}return line._p;}
document.querySelectorAll('svg.chart[data-domain]').forEach(function(svg){
var d=svg.getAttribute('data-domain').split(',').map(Number),r=svg.getAttribute('data-plot').split(',').map(Number),pc=svg.getAttribute('data-scale')==='percentile',cross=svg.querySelector('.cross');
svg.addEventListener('mousemove',function(e){var m=svg.getScreenCTM();if(!m)return;var p=svg.createSVGPoint();p.x=e.clientX;p.y=e.clientY;p=p.matrixTransform(m.inverse());
var lines=svg.querySelectorAll('polyline.series');if(!lines.length)return;var out=[],cx=null;
lines.forEach(function(line){var best=null;pts(line).forEach(function(q){if(!best||Math.abs(q[0]-p.x)<Math.abs(best[0]-p.x))best=q;});if(!best)return;cx=best[0];
var xv=d[0]+(best[0]-r[0])/r[2]*(d[1]-d[0]),yv=d[2]+(r[1]+r[3]-best[1])/r[3]*(d[3]-d[2]);
var xs=pc?'p'+Number((100-100*Math.pow(10,-xv)).toPrecision(6)):fmt(xv);out.push(line.getAttribute('data-s')+': '+xs+' \u2192 '+fmt(yv));});
cross.setAttribute('x1',cx);cross.setAttribute('x2',cx);cross.setAttribute('visibility','visible');
tip.textContent=out.join('\\n');tip.style.display='block';tip.style.left=(e.clientX+14)+'px';tip.style.top=(e.clientY+14)+'px';});
svg.addEventListener('mouseleave',function(){tip.style.display='none';cross.setAttribute('visibility','hidden');});});})();
`;

const pct = (ratio: number | undefined) => (ratio === undefined ? '–' : `${(ratio * 100).toFixed(1)}%`);
const ms = (value: number | undefined) => (value === undefined ? '–' : `${formatNumber(value)}`);

function summaryTable(runs: readonly ReportRun[]): string {
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
    'E2E p50',
    'E2E p99',
    'E2E p99.9',
    'E2E max',
    'Errors/s',
    'Backlog',
    '$/M msgs',
  ];
  const rows = runs.map((run) => {
    const row = summaryRow(run);
    const achievedClass = row.achievedRatio !== undefined && row.achievedRatio < 0.95 ? 'bad' : '';
    const backlogClass = run.backlog === 'growing' ? 'bad' : '';
    return `<tr><td><a href="#run-${escapeHtml(run.id)}">${escapeHtml(run.label)}</a>${run.warnings.length > 0 ? ' ⚠' : ''}</td>
<td>${row.targetRate === undefined ? 'max' : formatNumber(row.targetRate)}</td><td>${formatNumber(row.publishRate)}</td>
<td class="${achievedClass}">${pct(row.achievedRatio)}</td><td>${formatNumber(row.consumeRate)}</td>
<td>${formatNumber(row.publishMBps)}</td><td>${formatNumber(row.consumeMBps)}</td>
<td>${ms(row.publishP50Ms)}</td><td>${ms(row.publishP99Ms)}</td><td>${ms(row.publishP999Ms)}</td><td>${ms(row.publishMaxMs)}</td>
<td>${ms(row.endToEndP50Ms)}</td><td>${ms(row.endToEndP99Ms)}</td><td>${ms(row.endToEndP999Ms)}</td><td>${ms(row.endToEndMaxMs)}</td>
<td class="${(row.publishErrorRate ?? 0) > 0 ? 'bad' : ''}">${row.publishErrorRate === undefined ? '–' : formatNumber(row.publishErrorRate)}</td>
<td class="${backlogClass}">${escapeHtml(run.backlog)}</td><td>${row.costPerMillionMessages === undefined ? '–' : `$${row.costPerMillionMessages.toFixed(4)}`}</td></tr>`;
  });
  return `<table class="summary"><thead><tr>${header.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table><p class="note">Latencies in ms. Achieved = published ÷ target.</p>`;
}

const timeSeries = (values: readonly number[], interval: number): Array<[number, number]> =>
  values.map((value, index) => [(index + 1) * interval, value]);

function runSection(run: ReportRun): string {
  const interval = run.series.intervalSeconds;
  const charts = [
    lineChart({
      title: 'Throughput',
      xLabel: 'seconds',
      yLabel: 'msg/s',
      series: [
        { name: 'publish', points: timeSeries(run.series.publishRate, interval) },
        { name: 'consume', points: timeSeries(run.series.consumeRate, interval) },
      ],
    }),
    lineChart({
      title: 'Backlog',
      xLabel: 'seconds',
      yLabel: 'messages',
      series: [{ name: 'backlog', points: timeSeries(run.series.backlog, interval) }],
    }),
    lineChart({
      title: 'p99 latency over time',
      xLabel: 'seconds',
      yLabel: 'ms',
      series: [
        { name: 'publish p99', points: timeSeries(run.series.publishLatencyP99, interval) },
        { name: 'end-to-end p99', points: timeSeries(run.series.endToEndLatencyP99, interval) },
      ],
    }),
    lineChart({
      title: 'Latency quantiles',
      xLabel: 'percentile',
      yLabel: 'ms',
      xScale: 'percentile',
      series: [
        { name: 'publish', points: run.quantiles.publish },
        { name: 'end-to-end', points: run.quantiles.endToEnd },
      ],
    }),
  ];
  if (run.ramp !== undefined) {
    const steps = run.ramp.steps;
    charts.push(
      lineChart({
        title: 'Ramp: target vs achieved',
        xLabel: 'target msg/s',
        yLabel: 'achieved msg/s',
        series: [
          { name: 'target', points: steps.map((step) => [step.target, step.target]) },
          { name: 'achieved', points: steps.map((step) => [step.target, step.achieved]) },
        ],
        ...(run.ramp.plateauStep === undefined || steps[run.ramp.plateauStep] === undefined
          ? {}
          : { markers: [{ x: steps[run.ramp.plateauStep]!.target, label: 'plateau' }] }),
      }),
    );
  }
  const warnings = run.warnings.map((warning) => `<div class="warn">⚠ ${escapeHtml(warning)}</div>`).join('');
  const facts = [
    run.experimentId === undefined ? undefined : `experiment ${run.experimentId}`,
    run.workload === undefined ? undefined : `workload ${run.workload}`,
    run.messageSize === undefined ? undefined : `${run.messageSize} B messages`,
  ].filter((fact) => fact !== undefined);
  return `<section class="run" id="run-${escapeHtml(run.id)}"><h2>${escapeHtml(run.label)}</h2><p class="muted">${escapeHtml(facts.join(' · '))}</p>${warnings}<div class="charts">${charts.join('')}</div></section>`;
}

function comparisonTable(rows: readonly ComparisonRow[], experimentIds: readonly string[]): string {
  const [base, ...others] = experimentIds;
  if (base === undefined) return '';
  const metric = (run: ReportRun | undefined, pick: (run: ReportRun) => number | undefined) =>
    run === undefined ? undefined : pick(run);
  const metrics: Array<[string, (run: ReportRun) => number | undefined, boolean]> = [
    ['Published msg/s', (run) => run.publishRate, true],
    ['Pub p99 ms', (run) => run.publishLatencyMs.p99, false],
    ['E2E p99 ms', (run) => run.endToEndLatencyMs.p99, false],
  ];
  const header = `<tr><th>Run</th><th>Metric</th>${experimentIds.map((id) => `<th>${escapeHtml(id)}</th>`).join('')}${others.map((id) => `<th>Δ ${escapeHtml(id)}</th>`).join('')}</tr>`;
  const body = rows
    .flatMap((row) =>
      metrics.map(([name, pick, higherIsBetter]) => {
        const baseValue = metric(row.runs[base], pick);
        const values = experimentIds
          .map((id) => `<td>${formatNumber(metric(row.runs[id], pick))}</td>`)
          .join('');
        const deltas = others
          .map((id) => {
            const delta = relativeDelta(baseValue, metric(row.runs[id], pick));
            if (delta === undefined) return '<td>–</td>';
            const better = higherIsBetter ? delta > 0 : delta < 0;
            return `<td class="${Math.abs(delta) < 0.02 ? '' : better ? 'good' : 'bad'}">${delta > 0 ? '+' : ''}${(delta * 100).toFixed(1)}%</td>`;
          })
          .join('');
        return `<tr><td>${escapeHtml(row.label)}</td><td>${name}</td>${values}${deltas}</tr>`;
      }),
    )
    .join('');
  return `<h2>Comparison</h2><p class="note">Δ relative to ${escapeHtml(base)}; green is better.</p><table class="compare"><thead>${header}</thead><tbody>${body}</tbody></table>`;
}

/** The whole report as one self-contained HTML document: no network, scripts and data inline. */
export function renderHtml(input: ReportInput): string {
  const experimentIds = [
    ...new Set(input.runs.map((run) => run.experimentId).filter((id): id is string => id !== undefined)),
  ];
  const suspect = input.runs.filter((run) => run.warnings.length > 0).length;
  const comparison =
    experimentIds.length > 1
      ? comparisonTable(
          compareExperiments(
            experimentIds.map((id) => ({
              experimentId: id,
              runs: input.runs.filter((run) => run.experimentId === id),
            })),
          ),
          experimentIds,
        )
      : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(input.title)}</title><style>${STYLE}</style></head>
<body><header><h1>${escapeHtml(input.title)}</h1>
<p class="muted">Generated ${escapeHtml(input.generatedAt)} · ${input.runs.length} run(s)${suspect > 0 ? ` · <span class="bad">${suspect} with warnings</span>` : ''}</p>
${(input.notes ?? []).map((note) => `<p class="note">${escapeHtml(note)}</p>`).join('')}</header>
<h2>Summary</h2>${summaryTable(input.runs)}${comparison}
${input.runs.map(runSection).join('\n')}
<div id="tip"></div><script>${SCRIPT}</script></body></html>
`;
}
