import { chmod, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { collectEvents } from '@lab/core';
import { describe, expect, it } from 'vitest';
import { openStore } from '../src/index.js';
import { tempHome } from './support/processes.js';

const modeOf = async (path: string) => ((await stat(path)).mode & 0o777).toString(8);
const input = { name: 'private', regions: ['eu-west-1'], configDigest: 'sha256:p' };

describe('the store is private', () => {
  it('creates its home and every directory 0700, every file 0600 — manifest, logs, lock, variables, results, AMI cache', async () => {
    const home = await tempHome();
    const events = collectEvents();
    const store = openStore({ home, events: events.sink });
    const experiment = await store.create(input);
    const lockMode = await modeOf(experiment.paths.lock);
    await experiment.writeTerraformVars({ experiment_id: experiment.id });
    const result = await experiment.writeFileAtomic('benchmark_results/001/result.json', '{}');
    experiment.eventSink()({
      type: 'x',
      level: 'info',
      time: new Date().toISOString(),
      source: 'test',
      message: 'hello',
    });
    await store.amiCache.set({ accountId: '123456789012', region: 'eu-west-1' }, 'k', 'v');
    await experiment.release();

    for (const dir of [
      home,
      experiment.paths.root,
      experiment.paths.terraformDir,
      experiment.paths.benchmarkResults,
      join(experiment.paths.benchmarkResults, '001'),
      experiment.paths.report,
      join(home, 'ami-cache'),
    ]) {
      expect([dir, await modeOf(dir)]).toEqual([dir, '700']);
    }
    for (const file of [
      experiment.paths.manifest,
      experiment.paths.log,
      experiment.paths.events,
      experiment.paths.terraformVars,
      result,
      join(home, 'ami-cache', '123456789012.eu-west-1.json'),
    ]) {
      expect([file, await modeOf(file)]).toEqual([file, '600']);
    }
    expect(lockMode).toBe('600');
    expect(events.events.filter((event) => event.type.includes('not-private'))).toEqual([]);
  });

  it('says once, with the command that fixes it, when an existing home is open to others — and leaves it as it is', async () => {
    const home = await tempHome();
    await mkdir(home, { recursive: true });
    await chmod(home, 0o755);
    const events = collectEvents();
    const store = openStore({ home, events: events.sink });
    const experiment = await store.create(input);
    await experiment.release();
    await store.list();
    await store.resolve('latest');
    await store.amiCache.get({ accountId: '123456789012', region: 'eu-west-1' }, 'k');
    const warnings = events.events.filter((event) => event.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      type: 'home.not-private',
      data: { home, mode: '755', command: `chmod 700 ${home}` },
    });
    expect(warnings[0]!.message).toBe(
      `${home} is readable by other users (mode 755); it holds Terraform state and results. Make it private with: chmod 700 ${home}`,
    );
    expect(await modeOf(home)).toBe('755');
    // What the store creates inside it is private all the same.
    expect(await modeOf(experiment.paths.root)).toBe('700');
  });

  it('quotes a home with spaces in the chmod command; a group-only bit is still reported', async () => {
    const home = join(await tempHome(), 'my lab');
    await mkdir(home, { recursive: true });
    await chmod(home, 0o710);
    const events = collectEvents();
    await openStore({ home, events: events.sink }).list();
    expect(events.events.map((event) => event.message)).toEqual([
      `${home} is accessible by other users (mode 710); it holds Terraform state and results. Make it private with: chmod 700 '${home}'`,
    ]);
  });
});
