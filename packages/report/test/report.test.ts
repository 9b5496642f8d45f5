import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  compareRuns,
  ninesOf,
  renderHtml,
  resampleQuantiles,
  summaryCsv,
  summaryJson,
  writeReport,
} from '../src/index.js';
import { syntheticHost } from './support/hosts.js';
import { syntheticRun } from './support/runs.js';

/** The chart data a page embeds. */
const chartsOf = (html: string): Array<{ t: string; k: string; n: string[]; s?: string; d: number[][] }> =>
  (
    JSON.parse(/<script type="application\/json" id="chart-data">(.*?)<\/script>/s.exec(html)![1]!) as Array<{
      t: string;
      k: string;
      n: string[];
      s?: string;
      x?: [number, number, number];
      d: number[][];
    }>
  ).map(({ x, d, ...chart }) => ({
    ...chart,
    // evenly spaced x comes as [first, step, count]: expand it back into a column
    d: x === undefined ? d : [Array.from({ length: x[2] }, (_, i) => x[0] + i * x[1]), ...d],
  }));

describe('summaries', () => {
  it('writes one CSV row per run with every figure, quoting what a spreadsheet would execute', () => {
    const run = { ...syntheticRun(0), label: '=cmd|calc, "quoted"' };
    const csv = summaryCsv([run, syntheticRun(1)]);
    const lines = csv.trimEnd().split('\r\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe(
      'run,repetition,experimentId,workload,messageSize,targetRate,publishRate,consumeRate,achievedRatio,publishMBps,consumeMBps,publishP50Ms,publishP99Ms,publishP999Ms,publishMaxMs,endToEndP50Ms,endToEndP99Ms,endToEndP999Ms,endToEndMaxMs,publishDelayP50Ms,publishDelayP99Ms,publishDelayP999Ms,publishDelayMaxMs,publishErrorRate,backlog,costPerMillionMessages,fellBehind,bottleneck,warnings',
    );
    expect(lines[1]!.startsWith('"=cmd|calc, ""quoted"""')).toBe(true);
    expect(lines[2]).toContain(',20000,19800,19800,0.99,');
  });

  it('reports achieved vs target, and no ratio for max-rate runs', () => {
    const json = summaryJson([syntheticRun(0), { ...syntheticRun(1), targetRate: 0 }]);
    expect(json.schemaVersion).toBe(2);
    expect(json.runs[0]).toMatchObject({
      targetRate: 10_000,
      achievedRatio: 0.99,
      publishP99Ms: 8.4,
      backlog: 'flat',
    });
    // 0 is OMB's max-rate search: no ratio, and the page says "max"
    expect(json.runs[1]).toMatchObject({ targetRate: 0, achievedRatio: null });
    expect(
      renderHtml({ title: 't', generatedAt: 'now', runs: [{ ...syntheticRun(1), targetRate: 0 }] }),
    ).toContain('<td>max</td>');
  });
});

describe('HTML', () => {
  const html = renderHtml({
    title: 'exp-20261127-031200 <poc>',
    generatedAt: '2026-11-27T03:12:00Z',
    runs: [syntheticRun(0), syntheticRun(1, { growing: true })],
    notes: ['3 bookies on i4i.xlarge'],
  });

  it('is self-contained: uPlot inlined, no external scripts, styles, fonts or images', () => {
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).not.toMatch(/<link[^>]+href=/);
    // the only address is the one in uPlot's banner comment
    expect(html.match(/https?:\/\/[^\s"')*]+/g)).toEqual(['https://github.com/leeoniya/uPlot']);
    expect(html).toContain('var uPlot=function()');
    expect(html).toContain('.u-legend');
    expect(html).toContain('Copyright (c) 2022 Leon Sorokin');
    expect(html).toContain('<title>exp-20261127-031200 &#60;poc&#62;</title>');
  });

  it('has the summary table, four charts per run and the warnings of suspect runs', () => {
    expect(html.match(/<tr><td><a href="#run-/g)).toHaveLength(2);
    expect(html.match(/<div class="chart" data-chart=/g)).toHaveLength(8);
    expect(chartsOf(html).map((chart) => chart.t)).toEqual([
      'Throughput',
      'Backlog',
      'p99 latency over time',
      'Latency distribution',
      'Throughput',
      'Backlog',
      'p99 latency over time',
      'Latency distribution',
    ]);
    expect(html).toContain('backlog grows: consumers did not keep up');
    expect(html).toContain('1 with warnings');
    expect(html).toMatch(/<td class="bad">growing<\/td>/);
  });

  it('draws a ramp chart with the plateau marked', () => {
    const ramp = {
      ...syntheticRun(2),
      ramp: {
        steps: [
          { target: 10_000, achieved: 10_000 },
          { target: 20_000, achieved: 19_900 },
          { target: 40_000, achieved: 31_000 },
        ],
        plateauStep: 2,
      },
    };
    const page = renderHtml({ title: 'ramp', generatedAt: 'now', runs: [ramp] });
    const chart = chartsOf(page).find((c) => c.t === 'Ramp: target vs achieved') as unknown as {
      m: Array<{ x: number; label: string }>;
    };
    expect(chart.m).toEqual([{ x: 40_000, label: 'plateau' }]);
  });

  it('compares experiments: a single run each side cannot tell noise', () => {
    const page = renderHtml({
      title: 'compare',
      generatedAt: 'now',
      runs: [
        syntheticRun(0, { experimentId: 'exp-a' }),
        { ...syntheticRun(0, { experimentId: 'exp-b' }), publishRate: 11_880 },
      ],
    });
    expect(page).toContain('<h2>Comparison</h2>');
    expect(page).toContain('<h3>exp-b against exp-a</h3>');
    expect(page).toContain('+20.0 %, noise unknown (a single run on the base side: repeat the run)');
  });

  it('shows what produced the numbers', () => {
    const page = renderHtml({
      title: 'p',
      generatedAt: 'now',
      runs: [syntheticRun(0)],
      provenance: {
        target: 'aws',
        pulsarVersion: '4.0.4',
        omb: { commit: '00502be' },
        amiId: 'ami-0123456789abcdef0',
        instanceTypes: { bookkeeper: 'i4i.xlarge', broker: 'm6i.2xlarge' },
        testPlan: { name: 'poc', digest: 'sha256:ab12' },
      },
    });
    expect(page).toContain('<h2>What produced this</h2>');
    expect(page).toContain('<tr><th>Machine image</th><td class="text">ami-0123456789abcdef0</td></tr>');
    expect(page).toContain('<td class="text">bookkeeper i4i.xlarge, broker m6i.2xlarge</td>');
    expect(page).toContain('<tr><th>Kernel</th><td class="text">–</td></tr>');
    expect(page).toContain('<td class="text">poc (sha256:ab12)</td>');
  });

  it('shows host metrics per role on the run’s time axis, and the bottleneck in words', () => {
    const run = {
      ...syntheticRun(0),
      hosts: [
        syntheticHost('10.0.1.11', 'bookkeeper', { load: 0.9 }),
        syntheticHost('10.0.1.12', 'bookkeeper', { load: 0.5 }),
        syntheticHost('10.0.2.10', 'broker', { load: 0.3, creditsExhausted: true }),
      ],
      bottleneck: {
        host: '10.0.1.11',
        role: 'bookkeeper',
        resource: 'disk nvme1n1 (journal)',
        message: 'The journal disk of bookie 10.0.1.11 was 81 % busy: it limited the run.',
      },
    };
    const page = renderHtml({ title: 'hosts', generatedAt: 'now', runs: [run] });
    expect(page).toContain('<h3>Hosts: bookkeeper</h3>');
    expect(page).toContain('<h3>Hosts: broker</h3>');
    expect(page).not.toContain('Hosts: zookeeper');
    expect(page).toContain(
      'Bottleneck: The journal disk of bookie 10.0.1.11 was 81 % busy: it limited the run.',
    );
    expect(page).toContain('10.0.2.10 (broker, m6i.large) ran out of CPU credits');
    const charts = chartsOf(page);
    const cpu = charts.find((chart) => chart.t === 'bookkeeper: CPU busy (user + system + iowait + steal)')!;
    expect(cpu.n).toEqual(['10.0.1.11 (i4i.xlarge)', '10.0.1.12 (i4i.xlarge)']);
    // busy = user + system + iowait + steal: at t=0 with load 0.9: 36 + 9 + 4.5 + 1 = 50.5
    expect(cpu.d[1]![cpu.d[0]!.indexOf(0)]).toBe(50.5);
    const disk = charts.find((chart) => chart.t === 'bookkeeper: disk utilisation')!;
    expect(disk.n).toContain('10.0.1.11 nvme1n1 (journal)');
    // aligned with the throughput timeline: same cursor sync key and the same x span (0 to 300 s)
    const throughput = charts.find((chart) => chart.t === 'Throughput')!;
    expect(cpu.s).toBe(throughput.s);
    expect([cpu.d[0]![0], cpu.d[0]!.at(-1)]).toEqual([0, 300]);
    expect([throughput.d[0]![0], throughput.d[0]!.at(-1)]).toEqual([0, 300]);
    const json = summaryJson([run]);
    expect(json.runs[0]!.bottleneck).toEqual(run.bottleneck);
  });
});

describe('charts', () => {
  it('put latency percentiles on a nines axis, resampled onto one shared grid', () => {
    expect(ninesOf(50)).toBeCloseTo(0.30103, 5);
    expect(ninesOf(99)).toBeCloseTo(2, 10);
    expect(ninesOf(99.9)).toBeCloseTo(3, 10);
    const points = resampleQuantiles([
      [0, 1],
      [90, 5],
      [99, 9],
      [99.9, 20],
    ]);
    // x 0 → 1 ms, x 1 (p90) → 5 ms, halfway between p90 and p99 (x 1.5) → 7 ms; ends at p99.9
    expect(points[0]).toEqual([0, 1]);
    expect(points.find(([x]) => x === 1)![1]).toBeCloseTo(5, 10);
    expect(points.find(([x]) => x === 1.5)![1]).toBeCloseTo(7, 10);
    expect(points.at(-1)![0]).toBeCloseTo(3, 10);
    expect(points.at(-1)![1]).toBeCloseTo(20, 10);
    expect(points.every(([x]) => x <= 3 + 1e-9)).toBe(true);
  });

  it('say "no data" instead of drawing an empty frame', () => {
    const run = { ...syntheticRun(0), series: { ...syntheticRun(0).series, backlog: [] } };
    const page = renderHtml({ title: 't', generatedAt: 'now', runs: [run] });
    expect(page).toContain(
      '<figure class="chart-box empty"><figcaption>Backlog</figcaption><p class="muted">no data</p>',
    );
  });
});

describe('compareRuns', () => {
  it('matches runs by label', () => {
    const rows = compareRuns([syntheticRun(0), syntheticRun(1)], [syntheticRun(1)]);
    expect(rows.map((row) => row.label)).toEqual(['fixed-10000', 'fixed-20000']);
    expect(rows[0]!.metrics[0]!.sentence).toBe('not measured on the candidate side');
  });
});

describe('writeReport', () => {
  it('writes index.html, summary.csv and summary.json', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'report-'));
    const written = await writeReport(directory, { title: 't', generatedAt: 'now', runs: [syntheticRun(0)] });
    expect(await readFile(written.html, 'utf8')).toContain('<!doctype html>');
    expect(JSON.parse(await readFile(written.json, 'utf8')).runs).toHaveLength(1);
    expect((await readFile(written.csv, 'utf8')).split('\r\n')).toHaveLength(3);
  });
});
