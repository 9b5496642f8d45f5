import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  compareRuns,
  fellBehind,
  groupRepetitions,
  loadOmbResults,
  renderHtml,
  repetitionsFromNames,
  summaryCsv,
  summaryJsonText,
} from '../src/index.js';
import { LOCAL_FIXTURE, writeRepetitions } from './support/repeated.js';

// The real local result (Pulsar 4.0.4, OMB, 1,000 msg/s) has a mean publish rate of
// 1000.1469987364313 msg/s and an aggregated publish p99 of 42.256 ms.
const REAL_RATE = 1000.1469987364313;
const REAL_P99 = 42.256;

describe('repetitions of a real OMB result', async () => {
  const directory = await writeRepetitions('fixed-1k', [
    { rate: 0.98, latency: 1.0 },
    { rate: 1.0, latency: 1.3 },
    { rate: 1.03, latency: 0.9 },
  ]);
  const runs = await loadOmbResults([directory]);

  it('groups `<label>.rep-<k>.json` files under one label, numbered', () => {
    expect(runs.map((run) => [run.label, run.repetition, run.id])).toEqual([
      ['fixed-1k', 1, 'fixed-1k-rep-1'],
      ['fixed-1k', 2, 'fixed-1k-rep-2'],
      ['fixed-1k', 3, 'fixed-1k-rep-3'],
    ]);
  });

  it('gives the median, the 95 % interval of the mean and the CV, matching a hand computation', () => {
    const [group] = groupRepetitions(runs);
    expect(group!.runIds).toHaveLength(3);
    // Rate factors 0.98, 1.00, 1.03: mean 1.003333; deviations −0.023333, −0.003333, 0.026667;
    // squares 0.00054444 + 0.00001111 + 0.00071111 = 0.00126667; variance 0.00063333;
    // sd 0.025166. Times the real rate: mean 1003.4808, sd 25.1698; half-width
    // t(0.975, 2) × sd / √3 = 4.303 × 25.1698 / 1.73205 = 62.530; CV 0.025166 / 1.003333 = 0.02508.
    const rate = group!.metrics.publishRate!;
    expect(rate.median).toBeCloseTo(REAL_RATE, 6);
    expect(rate.mean).toBeCloseTo(1003.4808, 3);
    expect(rate.ci95!.low).toBeCloseTo(1003.4808 - 62.53, 1);
    expect(rate.ci95!.high).toBeCloseTo(1003.4808 + 62.53, 1);
    expect(rate.cv).toBeCloseTo(0.02508, 4);
    expect(rate.unstable).toBe(false);
    // Latency factors 1.0, 1.3, 0.9: mean 1.066667, sd 0.208167, CV 0.19516 > 10 %: unstable.
    const p99 = group!.metrics.publishP99Ms!;
    expect(p99.values).toEqual([REAL_P99, REAL_P99 * 1.3, REAL_P99 * 0.9]);
    expect(p99.median).toBeCloseTo(REAL_P99, 6);
    expect(p99.cv).toBeCloseTo(0.19516, 4);
    expect(p99.unstable).toBe(true);
    expect(groupRepetitions(runs, { maxCv: 0.25 })[0]!.metrics.publishP99Ms!.unstable).toBe(false);
    // publish delay was not perturbed: no spread at all (aggregated p99 5744 µs = 5.744 ms).
    expect(group!.metrics.publishDelayP99Ms).toMatchObject({ mean: 5.744, cv: 0, unstable: false });
  });

  it('shows the spread in the page and in summary.json', () => {
    const html = renderHtml({ title: 'reps', generatedAt: 'now', runs });
    expect(html).toContain('<h2>Repetitions</h2>');
    expect(html).toMatch(
      /Publish p99 \(ms\)<\/td><td>42\.3<\/td><td>45\.1<\/td><td>[\d.]+ to [\d.]+<\/td><td class="bad">19\.5 %<\/td><td class="text"><span class="bad">unstable<\/span>/,
    );
    expect(html).toContain('fixed-1k · repetition 2');
    const json = JSON.parse(summaryJsonText({ title: 'reps', generatedAt: 'now', runs }));
    expect(json.repetitions[0].metrics.publishP99Ms.unstable).toBe(true);
    expect(json.runs.map((row: { repetition: number }) => row.repetition)).toEqual([1, 2, 3]);
  });

  it('says "within noise" when the intervals overlap, else faster/slower with the interval', async () => {
    const same = await loadOmbResults([
      await writeRepetitions('fixed-1k', [
        { rate: 0.99, latency: 1.0 },
        { rate: 1.01, latency: 1.05 },
        { rate: 1.02, latency: 0.95 },
      ]),
    ]);
    const slowerLatency = await loadOmbResults([
      await writeRepetitions('fixed-1k', [
        { rate: 1.2, latency: 2.0 },
        { rate: 1.22, latency: 2.1 },
        { rate: 1.19, latency: 2.05 },
      ]),
    ]);
    const within = compareRuns(runs, same)[0]!.metrics.find((metric) => metric.metric === 'publishRate')!;
    expect(within.verdict).toBe('within noise');
    expect(within.sentence).toMatch(/^within noise: \+0\.3 % \(95 % CI -[\d.]+ % to \+[\d.]+ %\)$/);

    const [row] = compareRuns(runs, slowerLatency);
    const rate = row!.metrics.find((metric) => metric.metric === 'publishRate')!;
    // Candidate factors 1.20, 1.22, 1.19: mean 1.203333, sd 0.015275; base mean 1.003333, sd
    // 0.025166 (× the real rate). Difference of means 0.2 × 1000.147 = 200.029 msg/s; relative
    // 200.029 / 1003.4808 = 19.93 %. Welch: variances of the means 0.00021111 and 0.00007778
    // (× rate²), se 0.016997 × rate = 16.999; df 0.00028889² / (0.00021111² / 2 + 0.00007778² / 2)
    // = 3.3 → t(3) = 3.182; half-width 54.091 → 145.938 to 254.120 msg/s, 14.54 % to 25.32 %.
    expect(rate.verdict).toBe('faster');
    expect(rate.difference).toBeCloseTo(200.029, 2);
    expect(rate.differenceCi95!.low).toBeCloseTo(145.94, 0);
    expect(rate.differenceCi95!.high).toBeCloseTo(254.12, 0);
    expect(rate.sentence).toBe('faster by 19.9 % (95 % CI +14.5 % to +25.3 %)');
    const p99 = row!.metrics.find((metric) => metric.metric === 'publishP99Ms')!;
    expect(p99.verdict).toBe('slower');
    expect(p99.sentence).toMatch(/^slower by 92\.2 % \(95 % CI \+[\d.]+ % to \+[\d.]+ %\)$/);
    const delay = row!.metrics.find((metric) => metric.metric === 'publishDelayP99Ms')!;
    expect(delay.verdict).toBe('within noise');
  });

  it('cannot judge noise from a single run, and says so', async () => {
    const single = await loadOmbResults([LOCAL_FIXTURE]);
    const rate = compareRuns(
      single,
      single.map((run) => ({ ...run, label: run.label })),
    )[0]!.metrics[0]!;
    expect(rate.verdict).toBe('unknown');
    expect(rate.sentence).toContain('noise unknown');
  });
});

describe('OMB default output names', () => {
  it('are repetitions of `<workload>-<driver>` in time order', () => {
    expect(
      repetitionsFromNames([
        'r/fixed-1k-Pulsar-2026-11-30-10-05-00.json',
        'r/fixed-1k-Pulsar-2026-11-30-09-54-42.json',
        'r/other-Pulsar-2026-11-30-09-00-00.json',
        'r/plain.json',
      ]),
    ).toEqual([
      { file: 'r/fixed-1k-Pulsar-2026-11-30-10-05-00.json', label: 'fixed-1k-Pulsar', repetition: 2 },
      { file: 'r/fixed-1k-Pulsar-2026-11-30-09-54-42.json', label: 'fixed-1k-Pulsar', repetition: 1 },
      { file: 'r/other-Pulsar-2026-11-30-09-00-00.json', label: 'other-Pulsar' },
      { file: 'r/plain.json', label: 'plain' },
    ]);
  });
});

describe('the producer falling behind (coordinated omission)', async () => {
  const [real] = await loadOmbResults([LOCAL_FIXTURE]);

  it('is not flagged for the real local run: publish-delay p99 5.744 ms is under 10 ms', () => {
    expect(real!.publishDelayLatencyMs).toEqual({ p50: 0.072, p99: 5.744, p999: 26.099, max: 43.64 });
    expect(fellBehind(real!)).toBeNull();
  });

  it('is flagged by publish-delay p99 above the limit, or a rate short of the target, in words', () => {
    expect(fellBehind(real!, { maxPublishDelayP99Ms: 5 })).toEqual({
      reason: 'publish-delay p99 was 5.74 ms (limit 5 ms)',
    });
    const short = { ...real!, targetRate: 1100 };
    expect(fellBehind(short)!.reason).toBe('it published 1000 of the 1100 msg/s target (90.9 %, below 95 %)');
    const html = renderHtml({ title: 'behind', generatedAt: 'now', runs: [short] });
    expect(html).toContain(
      'The producer fell behind its schedule: it published 1000 of the 1100 msg/s target (90.9 %, below 95 %). Publish and end-to-end latencies are measured from the late send',
    );
    const json = JSON.parse(summaryJsonText({ title: 't', generatedAt: 'now', runs: [short, real!] }));
    expect(json.runs[0].fellBehind).toEqual({
      reason: 'it published 1000 of the 1100 msg/s target (90.9 %, below 95 %)',
    });
    expect(json.runs[1].fellBehind).toBeNull();
  });

  it('shows publish-delay percentiles beside publish and end-to-end latency', () => {
    const html = renderHtml({ title: 'delay', generatedAt: 'now', runs: [real!] });
    expect(html).toContain('<th>Delay p50</th><th>Delay p99</th><th>Delay max</th>');
    expect(html).toMatch(/<td>0\.072<\/td><td>5\.74<\/td><td>43\.6<\/td>/);
  });
});

describe('unknown values', () => {
  it('are "–" in the page, empty in the CSV and null in summary.json — never 0 or "max"', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'report-unknown-'));
    const file = join(directory, 'no-size.json');
    const original = JSON.parse(await readFile(LOCAL_FIXTURE, 'utf8'));
    delete original.messageSize;
    await writeFile(file, JSON.stringify(original));
    const [run] = await loadOmbResults([file]);
    expect(run!.targetRate).toBeUndefined();
    expect(run!.publishMBps).toBeUndefined();
    const html = renderHtml({ title: 'unknown', generatedAt: 'now', runs: [run!] });
    const cells =
      /<tr><td><a href="#run-no-size">no-size<\/a> ⚠<\/td>\n<td>([^<]*)<\/td><td>([^<]*)<\/td><td class="">([^<]*)<\/td><td>[^<]*<\/td>\n<td>([^<]*)<\/td><td>([^<]*)<\/td>/.exec(
        html,
      );
    expect(cells?.slice(1)).toEqual(['–', '1000', '–', '–', '–']);
    expect(html).not.toContain('>max<');
    const csv = summaryCsv([run!]).split('\r\n');
    const header = csv[0]!.split(',');
    const row = csv[1]!.split(',');
    for (const column of [
      'messageSize',
      'targetRate',
      'achievedRatio',
      'publishMBps',
      'consumeMBps',
      'costPerMillionMessages',
    ])
      expect(row[header.indexOf(column)], column).toBe('');
    const json = JSON.parse(summaryJsonText({ title: 't', generatedAt: 'now', runs: [run!] }));
    expect(json.runs[0]).toMatchObject({
      messageSize: null,
      targetRate: null,
      publishMBps: null,
      achievedRatio: null,
    });
    expect(json.provenance).toBeNull();
  });
});
