import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CHROMIUM_ARGS, chromiumPath, describeWithChromium } from '@lab/test-support';
import { chromium } from 'playwright-core';
import { expect, it } from 'vitest';
import { loadOmbResults, writeReport } from '../src/index.js';
import { syntheticHost } from './support/hosts.js';
import { writeRepetitions } from './support/repeated.js';

/** Screenshots for people to look at (git-ignored). */
const ARTIFACTS = resolve(import.meta.dirname, 'artifacts');

describeWithChromium('the report in a real browser', () => {
  it('draws a repeated local plan with uPlot offline: charts, cursor values, toggles, zoom, no console errors', async () => {
    // The real Pulsar 4.0.4 local result, repeated three times with perturbed numbers, as two
    // runs of a plan; the first repetition carries host metrics.
    const results = await writeRepetitions('fixed-1k', [
      { rate: 0.98, latency: 1.0 },
      { rate: 1.0, latency: 1.3 },
      { rate: 1.03, latency: 0.9, delay: 3 },
    ]);
    await writeRepetitions(
      'fixed-1k-batching-off',
      [
        { rate: 0.97, latency: 1.6 },
        { rate: 0.99, latency: 1.7 },
        { rate: 1.0, latency: 1.5 },
      ],
      results,
    );
    const runs = await loadOmbResults([results], { experimentId: 'exp-20261130-095442' });
    expect(runs).toHaveLength(6);
    const first = runs.findIndex((run) => run.id === 'fixed-1k-rep-1');
    runs[first] = {
      ...runs[first]!,
      hosts: [
        syntheticHost('127.0.0.2', 'bookkeeper', { load: 0.8 }),
        syntheticHost('127.0.0.3', 'broker', { load: 0.4 }),
      ],
      bottleneck: {
        host: '127.0.0.2',
        role: 'bookkeeper',
        resource: 'disk nvme1n1 (journal)',
        message: 'The journal disk of the bookie was 72 % busy.',
      },
    };
    const directory = await mkdtemp(join(tmpdir(), 'report-browser-'));
    const report = await writeReport(directory, {
      title: 'local rehearsal, repeated',
      generatedAt: '2026-11-30T09:54:42Z',
      runs,
      provenance: { target: 'local', pulsarVersion: '4.0.4', omb: { commit: '00502be' } },
    });

    const browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS });
    try {
      const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, offline: true });
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(message.text());
      });
      page.on('pageerror', (error) => problems.push(error.message));
      page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()}`));
      await page.goto(pathToFileURL(report.html).href);

      // Charts are drawn as they scroll into view: visit each, then every one has a sized canvas.
      const placeholders = page.locator('div.chart[data-chart]');
      const count = await placeholders.count();
      expect(count).toBe(6 * 4 + 2 * 5);
      for (let index = 0; index < count; index += 1) {
        await placeholders.nth(index).scrollIntoViewIfNeeded();
        await placeholders.nth(index).locator('canvas').waitFor();
      }
      const canvases = await page.$$eval('div.chart[data-chart] canvas', (elements) =>
        elements.map((canvas) => ({
          width: canvas.getBoundingClientRect().width,
          height: canvas.getBoundingClientRect().height,
        })),
      );
      expect(canvases).toHaveLength(count);
      for (const canvas of canvases) {
        expect(canvas.width).toBeGreaterThan(300);
        expect(canvas.height).toBeGreaterThan(100);
      }

      // Cursor values: hovering the throughput chart fills the legend with the values there.
      const throughput = page.locator('#run-fixed-1k-rep-1 div.chart').first();
      await throughput.scrollIntoViewIfNeeded();
      const plot = throughput.locator('.u-over');
      const box = (await plot.boundingBox())!;
      await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5);
      await expect
        .poll(() => throughput.locator('.u-legend .u-series').nth(1).locator('.u-value').textContent())
        .toMatch(/^\d+(\.\d+)?k?$/);
      // The cursor is shared with the run's other timelines (host charts included).
      // (the page keeps each chart's uPlot instance on its element as `_u`)
      const cursors = await page.$$eval('#run-fixed-1k-rep-1 div.chart', (charts) =>
        charts.map((chart) => (chart as unknown as { _u: { cursor: { left: number } } })._u.cursor.left),
      );
      // every timeline and host chart of the run follows; the latency distribution (not time) does not
      expect(cursors.filter((left) => left > 0)).toHaveLength(cursors.length - 1);

      // Series toggle: clicking a legend entry hides that line.
      const consume = throughput.locator('.u-legend .u-series').nth(2);
      await consume.click();
      expect(await consume.getAttribute('class')).toContain('u-off');

      // Zoom: dragging across the plot narrows the x range; a double-click restores it.
      const span = () =>
        page.$eval('#run-fixed-1k-rep-1 div.chart', (chart) => {
          const { x } = (chart as unknown as { _u: { scales: { x: { min: number; max: number } } } })._u
            .scales;
          return x.max - x.min;
        });
      const before = await span();
      await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.5);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.5, { steps: 5 });
      await page.mouse.up();
      await expect.poll(span).toBeLessThan(before * 0.5);
      await page.mouse.dblclick(box.x + box.width * 0.5, box.y + box.height * 0.5);
      await expect.poll(span).toBe(before);

      expect(await page.locator('h2', { hasText: 'What produced this' }).count()).toBe(1);
      expect(await page.locator('table.repetitions').isVisible()).toBe(true);
      expect(await page.locator('.warn.limit').textContent()).toContain(
        'The journal disk of the bookie was 72 % busy.',
      );
      expect(await page.locator('#run-fixed-1k-rep-3 .warn.behind').textContent()).toContain(
        'The producer fell behind its schedule: publish-delay p99 was 17.2 ms',
      );

      await mkdir(ARTIFACTS, { recursive: true });
      await page.locator('h1').scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: true });
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 90_000);
});
