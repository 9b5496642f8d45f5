// A plan repeated on real Pulsar and OMB (`lab-orchestrate full --target local`), then its
// report opened in a real browser: the repetitions aggregated with their spread, OMB's publish
// delay, the host metrics the sampler took during each run, and what produced it — on real
// output, not on a fixture.
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  CHROMIUM_ARGS,
  chromiumPath,
  describeWithChromium,
  describeWithLocalTarget,
} from '@lab/test-support';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = join(REPO, 'packages/lab-orchestrate/dist/cli.js');
/** Screenshots for people to look at (git-ignored). */
const ARTIFACTS = join(REPO, 'packages/lab-orchestrate/test/artifacts');

interface Summary {
  provenance: {
    target: string;
    pulsarVersion: string;
    omb?: { commit?: string };
    testPlan?: { name: string };
  };
  runs: Array<{
    run: string;
    repetition: number | null;
    publishRate: number | null;
    publishDelayP99Ms: number | null;
    bottleneck: { message: string } | null;
  }>;
  repetitions: Array<{
    label: string;
    runIds: string[];
    metrics: Record<
      string,
      {
        values: number[];
        median: number;
        mean: number;
        ci95?: { low: number; high: number };
        unstable: boolean;
      } | null
    >;
  }>;
}

describeWithLocalTarget('a repeated plan on this machine, reported', (inputs) => {
  describeWithChromium('its report in a real browser', () => {
    let home: string;
    let output = '';
    let code: number | null = null;

    beforeAll(async () => {
      home = await mkdtemp(join(tmpdir(), 'lab-local-repeat-'));
      const smoke = await readFile(join(REPO, 'configs/test-plans/smoke.yaml'), 'utf8');
      const plan = join(home, 'smoke-twice.yaml');
      await writeFile(plan, `${smoke.replace('name: smoke', 'name: smoke-twice')}repeat: 2\n`);
      const run = spawnSync(
        process.execPath,
        [
          CLI,
          'full',
          '--target',
          'local',
          '--test-plan',
          plan,
          '--yes',
          '--home',
          home,
          ...(inputs.pulsarTarball === undefined ? [] : ['--pulsar-tarball', inputs.pulsarTarball]),
          ...(inputs.ombSource === undefined ? [] : ['--omb-source', inputs.ombSource]),
        ],
        {
          cwd: REPO,
          env: { ...process.env, NO_COLOR: '1', CI: '1', PULSAR_AWS_LAB_CACHE: dirname(inputs.cacheDir) },
          encoding: 'utf8',
          timeout: 840_000,
        },
      );
      code = run.status;
      output = `${run.stdout}${run.stderr}`;
    });
    afterAll(async () => {
      await rm(home, { recursive: true, force: true });
    });

    it('runs both repetitions and aggregates them with their spread, publish delay, host metrics and provenance', async () => {
      expect(code, output).toBe(0);
      const summary = JSON.parse(await readFile(join(home, 'latest/report/summary.json'), 'utf8')) as Summary;
      // One row per repetition, under the run's own name.
      expect(summary.runs.map((run) => [run.run, run.repetition])).toEqual([
        ['001-fixed-1k', 1],
        ['001-fixed-1k', 2],
      ]);
      for (const run of summary.runs) {
        expect(run.publishRate).toBeGreaterThan(900);
        expect(run.publishDelayP99Ms).toEqual(expect.any(Number));
        // The sampler ran on this machine during the run: CPU was busy with Pulsar and OMB.
        expect(run.bottleneck === null || /this-machine/.test(run.bottleneck.message)).toBe(true);
      }
      const [group] = summary.repetitions;
      expect(group?.label).toBe('001-fixed-1k');
      expect(group?.runIds).toEqual(['001-fixed-1k.rep-1', '001-fixed-1k.rep-2']);
      const rate = group?.metrics.publishRate;
      expect(rate?.values).toEqual(summary.runs.map((run) => run.publishRate));
      // Two values, computed by hand: the mean ± t(0.975, 1 d.f.) = 12.706 × the standard error,
      // which for two values is half their distance.
      const [a = Number.NaN, b = Number.NaN] = rate?.values ?? [];
      expect(rate?.median).toBeCloseTo((a + b) / 2, 6);
      expect(rate?.mean).toBeCloseTo((a + b) / 2, 6);
      expect(rate?.ci95?.low).toBeCloseTo((a + b) / 2 - (12.706 * Math.abs(a - b)) / 2, 2);
      expect(rate?.ci95?.high).toBeCloseTo((a + b) / 2 + (12.706 * Math.abs(a - b)) / 2, 2);
      expect(typeof rate?.unstable).toBe('boolean');
      expect(summary.provenance).toMatchObject({
        target: 'local',
        pulsarVersion: '4.0.4',
        omb: { commit: expect.stringMatching(/^[0-9a-f]{40}$/) },
        testPlan: { name: 'smoke-twice' },
      });
      const hosts = JSON.parse(
        await readFile(join(home, 'latest/benchmark_results/001-fixed-1k.rep-1.hosts.json'), 'utf8'),
      ) as { series: Array<{ host: string; samples: unknown[] }> };
      expect(hosts.series[0]?.host).toBe('this-machine');
      expect(hosts.series[0]?.samples.length).toBeGreaterThan(20);
    });

    it('opens offline in Chromium: charts drawn, no console error, a screenshot saved', async () => {
      expect(code, output).toBe(0);
      const browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS });
      try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        const errors: string[] = [];
        page.on('console', (message) => {
          if (message.type() === 'error') errors.push(message.text());
        });
        page.on('pageerror', (error) => errors.push(String(error)));
        // Self-contained: nothing may be fetched from anywhere.
        await page.route('**/*', (route) =>
          route.request().url().startsWith('file:') ? route.continue() : route.abort(),
        );
        await page.goto(pathToFileURL(join(home, 'latest/report/index.html')).href);
        // The charts are drawn as they scroll into view.
        await page.evaluate('window.scrollTo(0, document.body.scrollHeight)');
        await page.waitForTimeout(500);
        const canvases = (await page.evaluate(
          '[...document.querySelectorAll("canvas")].map((canvas) => canvas.width * canvas.height)',
        )) as number[];
        expect(canvases.length).toBeGreaterThan(3);
        expect(canvases.every((area) => area > 0)).toBe(true);
        const text = await page.textContent('body');
        expect(text).toContain('001-fixed-1k');
        expect(text).toContain('4.0.4');
        await mkdir(ARTIFACTS, { recursive: true });
        await page.screenshot({ path: join(ARTIFACTS, 'local-repeated-report.png'), fullPage: true });
        expect(errors).toEqual([]);
      } finally {
        await browser.close();
      }
    });
  });
});
