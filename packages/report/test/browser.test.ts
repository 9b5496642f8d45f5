import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CHROMIUM_ARGS, chromiumPath, describeWithChromium } from '@lab/test-support';
import { chromium } from 'playwright-core';
import { expect, it } from 'vitest';
import { loadOmbResults, writeReport } from '../src/index.js';
import { syntheticRun } from './support/runs.js';

const ARTIFACTS = resolve(import.meta.dirname, '../../../test-artifacts');

describeWithChromium('the report in a real browser', () => {
  it('loads offline without console errors, renders every chart, shows hover values, and prints', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'report-browser-'));
    const ramp = {
      ...syntheticRun(2, { experimentId: 'exp-b' }),
      ramp: {
        steps: [
          { target: 10_000, achieved: 10_000 },
          { target: 20_000, achieved: 19_800 },
          { target: 40_000, achieved: 30_500 },
        ],
        plateauStep: 2,
      },
    };
    const report = await writeReport(directory, {
      title: 'pulsar-aws-lab report',
      generatedAt: '2026-11-27T03:12:00Z',
      runs: [
        syntheticRun(0, { experimentId: 'exp-a' }),
        syntheticRun(1, { experimentId: 'exp-a', growing: true }),
        ramp,
      ],
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

      const charts = await page.$$eval('svg.chart', (svgs) =>
        svgs.map((svg) => ({
          width: svg.getBoundingClientRect().width,
          lines: svg.querySelectorAll('polyline.series').length,
          points: [...svg.querySelectorAll('polyline.series')].reduce(
            (sum, line) => sum + (line.getAttribute('points') ?? '').split(' ').length,
            0,
          ),
        })),
      );
      expect(charts).toHaveLength(13);
      for (const chart of charts) {
        expect(chart.width).toBeGreaterThan(300);
        expect(chart.lines).toBeGreaterThan(0);
        expect(chart.points).toBeGreaterThan(2);
      }

      // the growing run's backlog chart: hovering its middle shows the value there
      const backlog = page.locator('#run-run-1 svg.chart').nth(1);
      await backlog.scrollIntoViewIfNeeded();
      const box = (await backlog.boundingBox())!;
      await page.mouse.move(box.x + box.width * 0.55, box.y + box.height * 0.5);
      await expect.poll(() => page.locator('#tip').textContent()).toMatch(/^backlog: 1\d\d → \d+(\.\d+)?k$/);
      expect(await page.locator('#tip').isVisible()).toBe(true);
      expect(await backlog.locator('.cross').getAttribute('visibility')).toBe('visible');

      await mkdir(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: true });
      await page.emulateMedia({ media: 'print' });
      await page.pdf({ path: join(ARTIFACTS, 'report.pdf') }).catch(() => undefined);
      expect(await page.locator('svg.chart').first().isVisible()).toBe(true);
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 60_000);

  it('renders a real OMB result from the local target (Pulsar 4.0.4) without console errors', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'report-browser-real-'));
    const runs = await loadOmbResults([resolve(import.meta.dirname, 'fixtures/omb-pulsar-4.0.4-local.json')]);
    expect(runs).toHaveLength(1);
    const report = await writeReport(directory, {
      title: 'local rehearsal',
      generatedAt: '2026-11-30T09:54:42Z',
      runs,
    });
    const browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS });
    try {
      const page = await (await browser.newContext({ offline: true })).newPage();
      const problems: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(message.text());
      });
      page.on('pageerror', (error) => problems.push(error.message));
      await page.goto(pathToFileURL(report.html).href);
      const lines = await page.$$eval('svg.chart polyline.series', (series) => series.length);
      expect(lines).toBeGreaterThan(0);
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
