import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseOmbResult, summarizeRun } from '@lab/omb';
import { describe, expect, it } from 'vitest';
import { loadOmbResults, renderHtml, reportRunFromOmb } from '../src/index.js';

const FIXTURES = resolve(import.meta.dirname, 'fixtures');

describe('OMB results to report runs', () => {
  it('reads every result of a directory, including an older fork’s, and flags what is suspect', async () => {
    const runs = await loadOmbResults([FIXTURES]);
    expect(runs.map((run) => run.label)).toEqual([
      'omb-current-fixed-rate',
      'omb-pulsar-4.0.4-local',
      'omb-pulsar-legacy-2021',
    ]);
    // The real local-target result has the current schema: nothing to flag.
    expect(runs[1]!.warnings).toEqual([]);
    const legacy = runs[2]!;
    expect(legacy.backlog).toBe('growing');
    expect(legacy.warnings.join('\n')).toMatch(/lacks \d+ field\(s\) of the current OMB schema/);
    expect(legacy.series.publishRate.length).toBeGreaterThan(0);
    expect(legacy.quantiles.publish.length).toBeGreaterThan(0);
    const html = renderHtml({ title: 'results', generatedAt: 'now', runs });
    expect(html.match(/<div class="chart" data-chart=/g)).toHaveLength(12);
    // the legacy fork has no publish delay: said so, not shown as 0
    expect(legacy.publishDelayLatencyMs).toEqual({});
    expect(legacy.warnings).toContain(
      'no publish delay in the result: whether the producer kept its schedule is unknown',
    );
  });

  it('computes cost per million messages from the run’s share of the cost', async () => {
    const file = join(FIXTURES, 'omb-current-fixed-rate.json');
    const result = parseOmbResult(await readFile(file, 'utf8'), { file });
    const summary = summarizeRun(result);
    const run = reportRunFromOmb(result, summary, { id: 'r', label: 'r', costUsd: 3 });
    const sent = summary.publish.msgPerSec! * summary.durationSeconds;
    expect(run.messagesSent).toBeCloseTo(sent);
    expect(run.costPerMillionMessages).toBeCloseTo((3 / sent) * 1_000_000);
  });

  it('refuses a file that is not an OMB result, naming it', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'results-'));
    const bogus = join(directory, 'not-a-result.json');
    await writeFile(bogus, JSON.stringify({ hello: 'world' }));
    await expect(loadOmbResults([bogus])).rejects.toThrow(/not-a-result\.json is not an OMB result/);
    await expect(loadOmbResults([join(directory, 'missing.json')])).rejects.toThrow(/Reading results from/);
  });
});
