import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DescribeImagesCommand } from '@aws-sdk/client-ec2';
import { GetProductsCommand } from '@aws-sdk/client-pricing';
import { openStore } from '@lab/experiment-store';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ACCOUNT, createHarness } from './support/harness.js';

const POC = 'configs/test-plans/poc.yaml';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('lab-orchestrate full: the whole lifecycle against mocked AWS and the fixture terraform', () => {
  it('sets up, runs every run, reports, tears down and records it all', async () => {
    const lab = await createHarness();
    const code = await lab.run(['full', '--test-plan', POC, ...lab.terraformArgs, '--yes']);
    expect(lab.out.stderr).not.toMatch(/Error|ERROR/);
    expect(code).toBe(0);

    expect(await lab.terraformCalls()).toEqual(['init', 'plan', 'apply', 'output', 'init', 'destroy']);
    expect(lab.ec2Mock).toHaveReceivedCommandTimes(DescribeImagesCommand, 1);
    // Driver once, one workload per run, through putFile; OMB started and polled by short commands.
    const sampler = (call: { path?: string; script?: string }) =>
      (call.path ?? call.script ?? '').includes('/var/lib/lab/host-sampler/');
    expect(
      lab.remoteCalls.filter((call) => call.op === 'putFile' && !sampler(call)).map((call) => call.path),
    ).toEqual([
      expect.stringMatching(/\/var\/lib\/lab\/omb\/exp-20260101-120000\/driver\.yaml$/),
      expect.stringMatching(/001-fixed-1k\/workload\.yaml$/),
      expect.stringMatching(/002-latency-100\/workload\.yaml$/),
    ]);
    const driver = [...lab.uploaded.entries()].find(([path]) => path.endsWith('driver.yaml'))?.[1] ?? '';
    expect(driver).toContain('serviceUrl: pulsar://10.42.1.90:6650,10.42.1.91:6650');
    // The host sampler went onto all 10 instances once, and ran around each of the two runs.
    const samplerCalls = lab.remoteCalls.filter(sampler);
    expect(samplerCalls.filter((call) => call.op === 'putFile')).toHaveLength(10);
    expect(samplerCalls.filter((call) => call.script?.includes(' start '))).toHaveLength(20);
    expect(samplerCalls.filter((call) => call.script?.includes(' stop '))).toHaveLength(20);
    const start = lab.remoteCalls.find((call) => call.script?.includes('setsid nohup'));
    expect(start?.instanceIds).toEqual(['i-0cl00000000000001']);
    expect(start?.script).toContain('--workers-file /etc/lab/omb/workers.yaml');
    expect(lab.cleanupCalls).toEqual([
      expect.objectContaining({ experimentId: 'exp-20260101-120000', regions: ['us-east-1'], execute: true }),
    ]);

    const manifest = await lab.manifest();
    expect(
      Object.fromEntries(Object.entries(manifest.phases).map(([name, phase]) => [name, phase.status])),
    ).toEqual({
      setup: 'succeeded',
      run: 'succeeded',
      report: 'succeeded',
      teardown: 'succeeded',
    });
    expect(manifest.outcome?.result).toBe('succeeded');
    expect(manifest.resourcesGone?.by).toBe('lab-orchestrate teardown');
    expect(manifest.details.amiId).toBe('ami-0123456789abcdef0');
    expect(manifest.details.runs).toEqual([
      expect.objectContaining({
        id: '001-fixed-1k',
        status: 'succeeded',
        resultFile: 'benchmark_results/001-fixed-1k.json',
        hostMetricsFile: 'benchmark_results/001-fixed-1k.hosts.json',
        bottleneck: expect.stringMatching(/journal disk nvme1n1 at 98 % utilisation/),
      }),
      expect.objectContaining({ id: '002-latency-100', status: 'succeeded' }),
    ]);
    expect(manifest.details.actualCost).toMatchObject({ status: 'available', total: 0.42 });

    const dir = await lab.experimentDir();
    expect(existsSync(join(dir, 'benchmark_results/001-fixed-1k.json'))).toBe(true);
    expect(existsSync(join(dir, 'benchmark_results/001-fixed-1k.log'))).toBe(true);
    const summary = JSON.parse(await readFile(join(dir, 'report/summary.json'), 'utf8')) as {
      runs: unknown[];
    };
    expect(summary.runs).toHaveLength(2);
    expect(JSON.stringify(summary)).toMatch(/costPerMillionMessages/);
    // Each run's host metrics reached the report, with CloudWatch's word on the CPU credits of
    // the burstable hosts (the first one asked about ran out).
    const html = await readFile(join(dir, 'report/index.html'), 'utf8');
    expect(html).toContain('001-fixed-1k: zookeeper-1 ran out of CPU credits during the run');
    expect(html).toMatch(/journal disk nvme1n1 at 98 % utilisation/);
    const log = await readFile(join(dir, 'log.txt'), 'utf8');
    expect(log).toContain('Apply complete! Resources: 42 added');
    expect(log).toContain('publishing 998 msg/s');
    expect(lab.out.stdout).toContain(`${dir}/report/index.html`);
  });

  it('AMI missing: stops before Terraform, says how to build one, records that nothing was created', async () => {
    const lab = await createHarness({ noAmi: true });
    const code = await lab.run(['full', '--test-plan', POC, ...lab.terraformArgs, '--yes']);
    expect(code).toBe(1);
    expect(lab.out.stderr).toContain('No available lab AMI of Pulsar 4.0.4 in us-east-1');
    expect(lab.out.stderr).toContain('lab-ami build --pulsar-version 4.0.4 --region us-east-1');
    expect(await lab.terraformCalls()).toEqual([]);
    expect(lab.cleanupCalls).toEqual([]);
    const manifest = await lab.manifest();
    expect(manifest.phases.setup).toMatchObject({ status: 'failed', error: { code: 'AMI_NOT_FOUND' } });
    expect(manifest.resourcesGone?.by).toMatch(/failed before anything was created/);
    expect(manifest.outcome?.result).toBe('failed');
  });

  it('resolves the AMI through the AMI cache it shares with lab-ami; a version missing from it is looked up in EC2', async () => {
    const lab = await createHarness();
    const cache = openStore({ home: lab.home, clock: lab.time.clock }).amiCache;
    // What `lab-ami list` cached a moment ago: only an image of another Pulsar version.
    const other = {
      imageId: 'ami-0000000000000332a',
      name: 'pulsar-base-3.3.2-20251001',
      state: 'available',
      creationDate: '2025-10-01T10:00:00.000Z',
      pulsarVersion: '3.3.2',
      snapshotIds: [],
      tags: { PulsarVersion: '3.3.2' },
    };
    await cache.set(
      { accountId: ACCOUNT, region: 'us-east-1' },
      'pulsar-base-images',
      { images: [other] },
      { ttlMs: 10 * 60_000 },
    );
    expect(await lab.run(['setup', '--test-plan', POC, ...lab.terraformArgs, '--yes'])).toBe(0);
    expect(lab.ec2Mock).toHaveReceivedCommandTimes(DescribeImagesCommand, 1);
    expect((await lab.manifest()).details.amiId).toBe('ami-0123456789abcdef0');
    const refreshed = (await cache.get({ accountId: ACCOUNT, region: 'us-east-1' }, 'pulsar-base-images'))
      ?.value as {
      images: Array<{ imageId: string }>;
    };
    expect(refreshed.images.map((image) => image.imageId)).toEqual(['ami-0123456789abcdef0']);
    expect(await lab.run(['teardown', ...lab.terraformArgs])).toBe(0);

    // The next setup finds the AMI in the refreshed cache: no EC2 call.
    expect(await lab.run(['setup', '--test-plan', POC, ...lab.terraformArgs, '--yes'])).toBe(0);
    expect(lab.ec2Mock).toHaveReceivedCommandTimes(DescribeImagesCommand, 1);
    expect((await lab.manifest()).details.amiId).toBe('ami-0123456789abcdef0');
  });

  it('apply fails: destroys, verifies by tag, then reports the original error with context', async () => {
    const lab = await createHarness({ terraformFails: 'apply' });
    const code = await lab.run(['setup', '--test-plan', POC, ...lab.terraformArgs, '--yes']);
    expect(code).toBe(1);
    expect(lab.out.stderr).toMatch(
      /Setup of exp-20260101-120000 failed; cleaned up: terraform destroy succeeded/,
    );
    expect(lab.out.stderr).toContain('terraform apply failed (exit 1)');
    expect(lab.out.stderr).toContain('InsufficientInstanceCapacity');
    expect(await lab.terraformCalls()).toEqual(['init', 'plan', 'apply', 'init', 'destroy']);
    expect(lab.cleanupCalls).toHaveLength(1);
    const manifest = await lab.manifest();
    expect(manifest.phases.setup).toMatchObject({ status: 'failed', error: { code: 'TERRAFORM_FAILED' } });
    expect(manifest.phases.teardown?.status).toBe('succeeded');
    expect(manifest.resourcesGone).not.toBeNull();
    expect(manifest.outcome).toMatchObject({ result: 'failed', message: 'setup failed; cleaned up' });
  });

  it('cascade times out: names the stage and the instances, cleans up', async () => {
    const lab = await createHarness({ ssmOffline: true });
    const code = await lab.run(['full', '--test-plan', POC, ...lab.terraformArgs, '--yes']);
    expect(code).toBe(1);
    expect(lab.out.stderr).toMatch(
      /Stage "SSM agent online" timed out after 10 min; 10 of 10 target\(s\) not ready/,
    );
    expect(lab.out.stderr).toContain('PingStatus ConnectionLost');
    expect(await lab.terraformCalls()).toEqual(['init', 'plan', 'apply', 'output', 'init', 'destroy']);
    const manifest = await lab.manifest();
    expect(manifest.phases.setup).toMatchObject({
      status: 'failed',
      error: { code: 'CASCADE_STAGE_FAILED' },
    });
    expect(manifest.phases.run?.status).toBe('pending');
    expect(manifest.phases.teardown?.status).toBe('succeeded');
    expect(lab.time.clock.now() - Date.UTC(2026, 0, 1, 12)).toBeGreaterThanOrEqual(10 * 60_000);
  });

  it('a run fails: recorded, the plan continues, the report and teardown still happen, exit 1', async () => {
    const lab = await createHarness({ missingResults: ['001-fixed-1k'] });
    const code = await lab.run(['full', '--test-plan', POC, ...lab.terraformArgs, '--yes']);
    expect(code).toBe(1);
    expect(lab.out.stderr).toContain(
      '1 of 2 run(s) of exp-20260101-120000 failed: 001-fixed-1k (OMB wrote no result (exit code 0)',
    );
    const manifest = await lab.manifest();
    expect(manifest.phases.run?.status).toBe('failed');
    expect(manifest.phases.report?.status).toBe('succeeded');
    expect(manifest.phases.teardown?.status).toBe('succeeded');
    expect(manifest.details.runs).toEqual([
      expect.objectContaining({ id: '001-fixed-1k', status: 'failed' }),
      expect.objectContaining({ id: '002-latency-100', status: 'succeeded' }),
    ]);
    expect(manifest.outcome?.result).toBe('failed');
    expect(await lab.terraformCalls()).toContain('destroy');
  });

  it('--fail-fast skips the rest after the first failed run', async () => {
    const lab = await createHarness({ missingResults: ['001-fixed-1k'] });
    const code = await lab.run(['full', '--test-plan', POC, ...lab.terraformArgs, '--yes', '--fail-fast']);
    expect(code).toBe(1);
    const manifest = await lab.manifest();
    expect(manifest.details.runs).toEqual([
      expect.objectContaining({ id: '001-fixed-1k', status: 'failed' }),
      expect.objectContaining({
        id: '002-latency-100',
        status: 'skipped',
        reason: 'an earlier run failed (--fail-fast)',
      }),
    ]);
  });

  it('teardown fails: says so loudly, prints the lab-cleanup command, exit 3', async () => {
    const lab = await createHarness({
      remaining: [{ region: 'us-east-1', type: 'instance', id: 'i-0br000000000000001' }],
    });
    const code = await lab.run(['full', '--test-plan', POC, ...lab.terraformArgs, '--yes']);
    expect(code).toBe(3);
    expect(lab.out.stderr).toContain('TEARDOWN INCOMPLETE for exp-20260101-120000');
    expect(lab.out.stderr).toContain('instance i-0br000000000000001 (us-east-1)');
    expect(lab.out.stderr).toContain('lab-cleanup exp-20260101-120000 --region us-east-1 --execute');
    const manifest = await lab.manifest();
    expect(manifest.phases.teardown?.status).toBe('failed');
    expect(manifest.resourcesGone).toBeNull();
    expect(manifest.outcome?.message).toBe('TEARDOWN INCOMPLETE');
  });

  it('Ctrl-C mid-setup: terraform gets SIGINT, cleanup runs, exit 130, the manifest says aborted', async () => {
    const lab = await createHarness({
      slowApply: true,
      onStderr: (text, interrupt) => {
        if (text.includes('setup: terraform apply')) setTimeout(interrupt, 300);
      },
    });
    const code = await lab.run(['setup', '--test-plan', POC, ...lab.terraformArgs, '--yes']);
    expect(code).toBe(130);
    expect(lab.out.stderr).toContain('SIGINT: stopping and cleaning up');
    expect(lab.out.stderr).toMatch(/Setup of exp-20260101-120000 interrupted; cleaned up/);
    expect(await lab.terraformCalls()).toEqual(['init', 'plan', 'apply', 'interrupted', 'init', 'destroy']);
    expect(lab.cleanupCalls).toHaveLength(1);
    const manifest = await lab.manifest();
    expect(manifest.phases.setup).toMatchObject({ status: 'failed', error: { code: 'ABORTED' } });
    expect(manifest.phases.teardown?.status).toBe('succeeded');
    expect(manifest.outcome?.result).toBe('aborted');
  });
});

describe('lab-orchestrate phases one by one', () => {
  it('setup, status, run, report, teardown, list; teardown works from tags when the state is gone', async () => {
    const lab = await createHarness();
    expect(await lab.run(['setup', '--test-plan', POC, ...lab.terraformArgs, '--yes'])).toBe(0);
    expect(lab.out.stdout).toContain('exp-20260101-120000');
    expect(lab.out.stderr).toContain('Estimated $');

    lab.out.stdout = '';
    expect(await lab.run(['status', '--no-check', '--experiment-id', 'exp-2026'])).toBe(0);
    expect(lab.out.stdout).toMatch(/setup\s+succeeded/);

    expect(await lab.run(['run', '--experiment-id', 'latest', ...lab.terraformArgs])).toBe(0);
    expect(await lab.run(['report', ...lab.terraformArgs, '--no-actual-cost'])).toBe(0);
    const dir = await lab.experimentDir();
    expect(existsSync(join(dir, 'report/index.html'))).toBe(true);

    // The local state is lost: teardown finds the resources by tag alone.
    const { rm } = await import('node:fs/promises');
    await rm(join(dir, 'terraform/terraform.tfstate'));
    expect(await lab.run(['teardown', ...lab.terraformArgs])).toBe(0);
    expect((await lab.terraformCalls()).filter((call) => call === 'destroy')).toEqual([]);
    expect(lab.out.stderr).toContain('No local Terraform state');
    const manifest = await lab.manifest();
    expect(manifest.details.teardown).toMatchObject({ destroy: { status: 'skipped' }, complete: true });

    lab.out.stdout = '';
    expect(await lab.run(['list'])).toBe(0);
    expect(lab.out.stdout).toMatch(/exp-20260101-120000\s+pulsar-lab\s+succeeded/);
    expect(lab.out.stdout).toContain('gone');
  });

  it('status checks by tag which resources are alive (exit 3 when something is)', async () => {
    const lab = await createHarness({ remaining: [{ region: 'us-east-1', type: 'vpc', id: 'vpc-0abc' }] });
    expect(await lab.run(['setup', '--test-plan', POC, ...lab.terraformArgs, '--yes'])).toBe(0);
    lab.out.stdout = '';
    expect(await lab.run(['status'])).toBe(3);
    expect(lab.out.stdout).toContain('Resources still alive (by tag): 1');
    expect(lab.out.stdout).toContain('us-east-1  vpc  vpc-0abc');
    expect(lab.cleanupCalls.at(-1)).toMatchObject({ execute: false });
  });

  it('asks before spending above the threshold and refuses without a terminal (exit 4, nothing created)', async () => {
    const lab = await createHarness();
    const code = await lab.run([
      'setup',
      '--test-plan',
      POC,
      ...lab.terraformArgs,
      '--cost-threshold',
      '0.01',
    ]);
    expect(code).toBe(4);
    expect(lab.out.stderr).toContain('pass --yes to confirm');
    expect(await lab.terraformCalls()).toEqual([]);
    expect(lab.ec2Mock).toHaveReceivedCommandTimes(DescribeImagesCommand, 0);
  });

  it('--live-prices estimates with the Pricing API, and falls back to the shipped table without it', async () => {
    const product = (usd: string) =>
      JSON.stringify({
        terms: { OnDemand: { t: { priceDimensions: { d: { unit: 'Hrs', pricePerUnit: { USD: usd } } } } } },
      });
    const lab = await createHarness();
    // $10/h per instance: far above the threshold, so setup stops at the confirmation (exit 4).
    lab.pricingMock.on(GetProductsCommand).resolves({ PriceList: [product('10')] });
    expect(await lab.run(['setup', '--test-plan', POC, ...lab.terraformArgs, '--live-prices'])).toBe(4);
    expect(lab.pricingMock).toHaveReceivedCommandWith(GetProductsCommand, {
      Filters: expect.arrayContaining([{ Type: 'TERM_MATCH', Field: 'instanceType', Value: 't3.large' }]),
    });
    expect(lab.out.stderr).toContain('On-demand prices from the AWS Pricing API');
    expect(lab.out.stderr).toMatch(/3 × t3\.large × [\d.]+ h @ \$10\.0000\/h/);
    expect(await lab.terraformCalls()).toEqual([]);

    const denied = await createHarness();
    denied.pricingMock
      .on(GetProductsCommand)
      .rejects(Object.assign(new Error('not allowed'), { name: 'AccessDeniedException' }));
    expect(
      await denied.run([
        'setup',
        '--test-plan',
        POC,
        ...denied.terraformArgs,
        '--live-prices',
        '--cost-threshold',
        '0.01',
      ]),
    ).toBe(4);
    expect(denied.out.stderr).toContain('AWS Pricing API unavailable');
    expect(denied.out.stderr).toMatch(/@ \$0\.0832\/h/);

    const dry = await createHarness();
    expect(await dry.run(['full', '--test-plan', POC, '--dry-run', '--live-prices'])).toBe(2);
    expect(dry.pricingMock).toHaveReceivedCommandTimes(GetProductsCommand, 0);
  });

  it('bad configuration fails before any AWS call with file, line and field (exit 2)', async () => {
    const lab = await createHarness();
    const code = await lab.run([
      'setup',
      '--test-plan',
      POC,
      '--set',
      'infrastructure.roles.zookeeper.count=2',
      ...lab.terraformArgs,
    ]);
    expect(code).toBe(2);
    expect(lab.out.stderr).toContain('infrastructure.roles.zookeeper.count');
    expect(lab.out.stderr).toContain('odd number');
    expect(lab.ec2Mock).toHaveReceivedCommandTimes(DescribeImagesCommand, 0);
  });

  it('global flags stand anywhere; config --explain prints provenance; --json emits NDJSON', async () => {
    const lab = await createHarness();
    expect(await lab.run(['--region', 'eu-west-1', 'config', '--explain', '--test-plan', POC])).toBe(0);
    expect(lab.out.stdout).toMatch(/infrastructure\.region\s+eu-west-1\s+flag:--set/);
    expect(lab.out.stdout).toMatch(
      /testPlan\.runs\.0\.producerRate\s+1000\s+file:configs\/test-plans\/poc\.yaml:21/,
    );
    lab.out.stdout = '';
    expect(await lab.run(['--json', 'full', '--dry-run', '--test-plan', POC])).toBe(0);
    const lines = lab.out.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string });
    expect(lines.at(-1)).toMatchObject({ type: 'result', data: { dryRun: true, scope: 'full' } });
  });

  it('dry runs of run and teardown on a set-up experiment: real addresses, no AWS call, no terraform', async () => {
    const lab = await createHarness();
    expect(await lab.run(['setup', '--test-plan', POC, ...lab.terraformArgs, '--yes'])).toBe(0);
    const calls = (await lab.terraformCalls()).length;
    const remoteCalls = lab.remoteCalls.length;
    lab.out.stdout = '';
    expect(await lab.run(['run', '--dry-run', ...lab.terraformArgs])).toBe(0);
    expect(lab.out.stdout).toContain('serviceUrl: pulsar://10.42.1.90:6650,10.42.1.91:6650');
    expect(lab.out.stdout).toContain('# 001-fixed-1k on 10.42.1.130');
    lab.out.stdout = '';
    expect(await lab.run(['teardown', '--dry-run', ...lab.terraformArgs])).toBe(0);
    expect(lab.out.stdout).toContain('lab-cleanup exp-20260101-120000 --region us-east-1 --execute');
    expect(existsSync(join(await lab.experimentDir(), 'dry-run/cleanup.txt'))).toBe(true);
    expect((await lab.terraformCalls()).length).toBe(calls);
    expect(lab.remoteCalls.length).toBe(remoteCalls);
    expect((await lab.manifest()).phases.teardown?.status).toBe('pending');
  });

  it('report --compare puts the runs of two experiments side by side', async () => {
    const lab = await createHarness();
    expect(await lab.run(['full', '--test-plan', POC, ...lab.terraformArgs, '--yes'])).toBe(0);
    const first = (await lab.manifest()).id;
    expect(await lab.run(['full', '--test-plan', POC, ...lab.terraformArgs, '--yes'])).toBe(0);
    const second = (await lab.manifest()).id;
    expect(second).not.toBe(first);
    const out = join(lab.home, 'compare');
    expect(await lab.run(['report', '--compare', first, second, '--out', out])).toBe(0);
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as { runs: unknown[] };
    expect(summary.runs).toHaveLength(4);
    expect(await readFile(join(out, 'index.html'), 'utf8')).toContain(`${first} vs ${second}`);
  });

  it('report --results takes any OMB result files', async () => {
    const lab = await createHarness();
    const out = join(lab.home, 'r');
    expect(
      await lab.run([
        'report',
        '--results',
        'packages/lab-orchestrate/test/fixtures/omb-result.json',
        '--out',
        out,
      ]),
    ).toBe(0);
    expect(existsSync(join(out, 'index.html'))).toBe(true);
    expect(existsSync(join(out, 'summary.csv'))).toBe(true);
  });
});
