import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CHROMIUM_ARGS, chromiumPath, describeWithChromium } from '@lab/test-support';
import { chromium } from 'playwright-core';
import { expect, it } from 'vitest';
import { writeReport } from '../src/index.js';
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
          lines: svg.querySelectorAll('polyline').length,
          points: svg.querySelectorAll('circle.pt').length,
        })),
      );
      expect(charts).toHaveLength(13);
      for (const chart of charts) {
        expect(chart.width).toBeGreaterThan(300);
        expect(chart.points).toBeGreaterThan(0);
      }

      // the backlog chart has one series, so no other point lies under the cursor
      const point = page.locator('#run-run-1 svg.chart').nth(1).locator('circle.pt').nth(5);
      await point.hover({ force: true });
      await expect.poll(() => page.locator('#tip').textContent()).toMatch(/^backlog: 60 → \d/);
      expect(await page.locator('#tip').isVisible()).toBe(true);

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
});
