import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  compareExperiments,
  lineChart,
  relativeDelta,
  renderHtml,
  summaryCsv,
  summaryJson,
  writeReport,
} from '../src/index.js';
import { syntheticRun } from './support/runs.js';

describe('summaries', () => {
  it('writes one CSV row per run with every figure, quoting what a spreadsheet would execute', () => {
    const run = { ...syntheticRun(0), label: '=cmd|calc, "quoted"' };
    const csv = summaryCsv([run, syntheticRun(1)]);
    const lines = csv.trimEnd().split('\r\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe(
      'run,experimentId,workload,messageSize,targetRate,publishRate,consumeRate,achievedRatio,publishMBps,consumeMBps,publishP50Ms,publishP99Ms,publishP999Ms,publishMaxMs,endToEndP50Ms,endToEndP99Ms,endToEndP999Ms,endToEndMaxMs,publishErrorRate,backlog,costPerMillionMessages,warnings',
    );
    expect(lines[1]!.startsWith('"=cmd|calc, ""quoted"""')).toBe(true);
    expect(lines[2]).toContain(',20000,19800,19800,0.99,');
  });

  it('reports achieved vs target, and no ratio for max-rate runs', () => {
    const json = summaryJson([syntheticRun(0), { ...syntheticRun(1), targetRate: 0 }]);
    expect(json.schemaVersion).toBe(1);
    expect(json.runs[0]).toMatchObject({
      targetRate: 10_000,
      achievedRatio: 0.99,
      publishP99Ms: 8.4,
      backlog: 'flat',
    });
    expect(json.runs[1]).toMatchObject({ targetRate: undefined, achievedRatio: undefined });
  });
});

describe('HTML', () => {
  const html = renderHtml({
    title: 'exp-20261127-031200 <poc>',
    generatedAt: '2026-11-27T03:12:00Z',
    runs: [syntheticRun(0), syntheticRun(1, { growing: true })],
    notes: ['3 bookies on i4i.xlarge'],
  });

  it('is self-contained: no external scripts, styles, fonts or images', () => {
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).not.toMatch(/<link[^>]+href=/);
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
    expect(html).toContain('<title>exp-20261127-031200 &#60;poc&#62;</title>');
  });

  it('has the summary table, four charts per run and the warnings of suspect runs', () => {
    expect(html.match(/<tr><td><a href="#run-/g)).toHaveLength(2);
    expect(html.match(/<svg class="chart"/g)).toHaveLength(8);
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
    expect(page).toContain('Ramp: target vs achieved');
    expect(page).toMatch(/<line class="marker"[^>]*\/><text class="marker-label"[^>]*>plateau<\/text>/);
  });

  it('compares experiments side by side with deltas', () => {
    const page = renderHtml({
      title: 'compare',
      generatedAt: 'now',
      runs: [
        syntheticRun(0, { experimentId: 'exp-a' }),
        { ...syntheticRun(0, { experimentId: 'exp-b' }), publishRate: 11_880 },
      ],
    });
    expect(page).toContain('<h2>Comparison</h2>');
    expect(page).toContain('<td class="good">+20.0%</td>');
  });
});

describe('charts', () => {
  it('puts percentiles on a log axis and carries what the tooltip needs to invert pixels', () => {
    const svg = lineChart({
      title: 'q',
      xLabel: 'percentile',
      yLabel: 'ms',
      xScale: 'percentile',
      series: [
        {
          name: 'publish',
          points: [
            [50, 1],
            [99, 5],
            [99.9, 9],
          ],
        },
      ],
    });
    expect(svg).toContain('>p50<');
    expect(svg).toContain('>p99.9<');
    expect(svg).toMatch(
      /data-scale="percentile" data-domain="0\.30\d+,3(\.0+\d*)?,0,9\.45\d*" data-plot="64,28,560,192"/,
    );
    expect(svg).toContain('data-s="publish"');
    // x = −log10(1 − p/100): p50 → 0.301, p99 → 2, p99.9 → 3
    const xs = /points="([^"]+)"/
      .exec(svg)![1]!
      .split(' ')
      .map((point) => Number(point.split(',')[0]));
    expect((xs[2]! - xs[1]!) / (xs[1]! - xs[0]!)).toBeCloseTo(1 / (2 - Math.log10(2)), 2);
  });

  it('says "no data" instead of drawing an empty frame', () => {
    expect(
      lineChart({ title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 's', points: [] }] }),
    ).toContain('no data');
  });

  it('samples long series down to a bounded number of points', () => {
    const points = Array.from({ length: 5000 }, (_, i) => [i, i] as [number, number]);
    const svg = lineChart({
      title: 't',
      xLabel: 'x',
      yLabel: 'y',
      series: [{ name: 's', points }],
      maxPoints: 100,
    });
    expect(/points="([^"]+)"/.exec(svg)![1]!.split(' ')).toHaveLength(100);
  });
});

describe('compareExperiments', () => {
  it('matches runs by label and computes relative deltas', () => {
    const rows = compareExperiments([
      { experimentId: 'a', runs: [syntheticRun(0), syntheticRun(1)] },
      { experimentId: 'b', runs: [syntheticRun(1)] },
    ]);
    expect(
      rows.map((row) => [row.label, Object.keys(row.runs).filter((id) => row.runs[id] !== undefined)]),
    ).toEqual([
      ['fixed-10000', ['a']],
      ['fixed-20000', ['a', 'b']],
    ]);
    expect(relativeDelta(100, 90)).toBeCloseTo(-0.1);
    expect(relativeDelta(0, 5)).toBeUndefined();
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
