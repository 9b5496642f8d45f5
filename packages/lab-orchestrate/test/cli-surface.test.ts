import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeImagesCommand } from '@aws-sdk/client-ec2';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createHarness } from './support/harness.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('lab-orchestrate plans and --test-plan by name', () => {
  it('lists every shipped plan with its runs, minutes and estimate; --json gives the same rows', async () => {
    const lab = await createHarness();
    expect(await lab.run(['plans'])).toBe(0);
    const rows = lab.out.stdout.split('\n');
    expect(rows[0]).toMatch(/^PLAN\s+RUNS\s+MINUTES\s+ESTIMATE\s+DESCRIPTION/);
    // poc: two runs of 2 + 1 warm-up minutes each plus a minute of overhead.
    expect(rows.find((row) => row.startsWith('poc '))).toMatch(/^poc\s+2\s+8\s+US\$\d+\.\d\d\s+A smoke test/);
    expect(lab.out.stdout).toContain('on the default infrastructure in us-east-1');

    const json = await createHarness();
    expect(await json.run(['plans', '--json'])).toBe(0);
    const result = JSON.parse(json.out.stdout.trim().split('\n').at(-1) ?? '{}') as {
      data: { plans: Array<{ name: string; runs: number; file: string; estimateUsd: number }> };
    };
    const names = result.data.plans.map((plan) => plan.name);
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(['poc', 'smoke', 'baseline']));
    expect(result.data.plans.find((plan) => plan.name === 'poc')).toMatchObject({
      runs: 2,
      file: '@lab/config/configs/test-plans/poc.yaml',
      estimateUsd: expect.any(Number),
    });
  });

  it('a plan name resolves to the shipped plan: the same dry run as its path, provenance names the shipped file', async () => {
    const byName = await createHarness();
    expect(
      await byName.run(['full', '--test-plan', 'poc', '--dry-run', '--json', ...byName.terraformArgs]),
    ).toBe(0);
    const byPath = await createHarness();
    expect(
      await byPath.run([
        'full',
        '--test-plan',
        'configs/test-plans/poc.yaml',
        '--dry-run',
        '--json',
        ...byPath.terraformArgs,
      ]),
    ).toBe(0);
    const planOf = (stdout: string) => {
      const line = stdout.split('\n').find((entry) => entry.startsWith('{"type":"result"')) ?? '{}';
      return (JSON.parse(line) as { data: { plan: { runs: unknown; files: unknown } } }).data.plan;
    };
    expect(planOf(byName.out.stdout).runs).toEqual(planOf(byPath.out.stdout).runs);
    expect(planOf(byName.out.stdout).files).toEqual(planOf(byPath.out.stdout).files);
    expect(byName.out.stdout).toContain('@lab/config/configs/test-plans/poc.yaml');
    expect(byName.ec2Mock).toHaveReceivedCommandTimes(DescribeImagesCommand, 0);
  });

  it('an unknown name fails with exit 2 and lists the shipped names; a path with / or .yaml is a file', async () => {
    const lab = await createHarness();
    expect(await lab.run(['full', '--test-plan', 'pco', '--dry-run', ...lab.terraformArgs])).toBe(2);
    expect(lab.out.stderr).toContain('No shipped test plan named pco');
    expect(lab.out.stderr).toMatch(/expected backlog-drain, baseline, [a-z-, ]*poc, [a-z-, ]*smoke, got pco/);

    const missing = await createHarness();
    expect(
      await missing.run(['full', '--test-plan', 'pco.yaml', '--dry-run', ...missing.terraformArgs]),
    ).toBe(1);
    expect(missing.out.stderr).toContain('Reading test plan pco.yaml');
  });
});

describe('setup --experiment-id', () => {
  it('creates the experiment under the chosen id, used by every later command', async () => {
    const lab = await createHarness();
    const code = await lab.run([
      'setup',
      '--test-plan',
      'poc',
      '--experiment-id',
      'tuning-journal-1',
      ...lab.terraformArgs,
      '--yes',
    ]);
    expect(code, lab.out.stderr).toBe(0);
    expect(lab.out.stdout.trim()).toBe('tuning-journal-1');
    expect((await lab.manifest()).id).toBe('tuning-journal-1');
    expect(await lab.run(['teardown', '--experiment-id', 'tuning-journal-1', ...lab.terraformArgs])).toBe(0);
    expect(lab.cleanupCalls).toEqual([expect.objectContaining({ experimentId: 'tuning-journal-1' })]);
  });

  it('refuses a malformed or taken id before anything is created (exit 2)', async () => {
    const lab = await createHarness();
    expect(
      await lab.run([
        'setup',
        '--test-plan',
        'poc',
        '--experiment-id',
        'Bad_Id',
        ...lab.terraformArgs,
        '--yes',
      ]),
    ).toBe(2);
    expect(lab.out.stderr).toContain('Invalid experiment id "Bad_Id"');
    expect(await lab.terraformCalls()).toEqual([]);

    expect(
      await lab.run([
        'setup',
        '--test-plan',
        'poc',
        '--experiment-id',
        'again',
        ...lab.terraformArgs,
        '--yes',
      ]),
    ).toBe(0);
    const calls = (await lab.terraformCalls()).length;
    expect(
      await lab.run([
        'full',
        '--test-plan',
        'poc',
        '--experiment-id',
        'again',
        ...lab.terraformArgs,
        '--yes',
      ]),
    ).toBe(2);
    expect(lab.out.stderr).toContain('Experiment again already exists');
    expect((await lab.terraformCalls()).length).toBe(calls);
  });

  it('names the dry run with the chosen id', async () => {
    const lab = await createHarness();
    expect(
      await lab.run([
        'setup',
        '--test-plan',
        'poc',
        '--experiment-id',
        'my-dry-run',
        '--dry-run',
        ...lab.terraformArgs,
      ]),
    ).toBe(0);
    expect(lab.out.stdout).toContain('# Dry run: lab-orchestrate setup — my-dry-run');
    expect(lab.out.stderr).toContain(join(lab.home, '.dry-runs', 'my-dry-run'));
  });
});

describe('the region of an experiment is the one its configuration resolves', () => {
  it('a config file region and no --region: the estimate, clients, manifest, cleanup and the finishing command all name it', async () => {
    const lab = await createHarness({
      remaining: [{ region: 'eu-west-1', type: 'instance', id: 'i-0br000000000000001' }],
    });
    const dir = await mkdtemp(join(tmpdir(), 'lab-region-'));
    const config = join(dir, 'frankfurt.yaml');
    await writeFile(config, 'region: eu-west-1\n');
    const code = await lab.run([
      'full',
      '--config',
      config,
      '--test-plan',
      'poc',
      ...lab.terraformArgs,
      '--yes',
    ]);
    expect(code).toBe(3);
    expect(lab.out.stderr).toMatch(/Estimated \$[\d.]+ for [\d.]+ h in eu-west-1/);
    expect([...lab.awsRegions]).toEqual(['eu-west-1']);
    expect((await lab.manifest()).regions).toEqual(['eu-west-1']);
    expect(lab.cleanupCalls).toEqual([expect.objectContaining({ regions: ['eu-west-1'] })]);
    expect(lab.out.stderr).toContain('--region eu-west-1 --execute');
    expect(lab.out.stderr).not.toContain('us-east-1');
    const variables = await readFile(
      join(await lab.experimentDir(), 'terraform', 'terraform.tfvars.json'),
      'utf8',
    );
    expect(JSON.parse(variables)).toMatchObject({ region: 'eu-west-1' });
  });
});

describe('lab-orchestrate --help', () => {
  it('names the exit codes and ends with examples; a subcommand help has no examples block', async () => {
    const lab = await createHarness();
    expect(await lab.run(['--help'])).toBe(0);
    const help = lab.out.stdout + lab.out.stderr;
    expect(help).toContain('Exit codes:');
    expect(help).toMatch(
      /EXAMPLES:\n\n {2}The shipped test plans[^\n]*\n {2}\$ lab-orchestrate plans\n\n[^$]*\$ lab-orchestrate full --test-plan poc --dry-run\n\n[^$]*\$ lab-orchestrate full --test-plan smoke --target local\n*$/,
    );
    const sub = await createHarness();
    expect(await sub.run(['plans', '--help'])).toBe(0);
    expect(sub.out.stdout + sub.out.stderr).not.toContain('EXAMPLES:');
  });
});
