import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  EC2Client,
  type Image,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { IAMClient } from '@aws-sdk/client-iam';
import { DescribeInstanceInformationCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { expectedCheckNames } from '@lab/ami-builder';
import type { RunCommand } from '@lab/ami-builder/aws';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../src/main.js';

const exec = promisify(execFile);
const FAKE_PACKER = fileURLToPath(new URL('../../ami-builder/test/fixtures/fake-packer.sh', import.meta.url));
const TEMPLATE = fileURLToPath(new URL('../../../packer/pulsar-base.pkr.hcl', import.meta.url));

const ec2Mock = mockClient(EC2Client);
const ssmMock = mockClient(SSMClient);
mockClient(IAMClient);
const stsMock = mockClient(STSClient);
const ACCOUNT = '123456789012';

const labImage = (id: string, version: string, created: string): Image => ({
  ImageId: id,
  Name: `pulsar-base-${version}-x`,
  State: 'available',
  CreationDate: created,
  BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: `snap-${id.slice(4)}` } }],
  Tags: [
    { Key: 'Project', Value: 'pulsar-aws-lab' },
    { Key: 'PulsarVersion', Value: version },
    { Key: 'OmbCommit', Value: 'c'.repeat(40) },
  ],
});

const capture = () => {
  const chunks: string[] = [];
  return { write: (chunk: string) => chunks.push(chunk), isTTY: false, text: () => chunks.join('') };
};

let home: string;
let out: ReturnType<typeof capture>;
let err: ReturnType<typeof capture>;
const signals = { on: () => undefined, off: () => undefined, exit: () => undefined };

const runLabAmi = (argv: string[], extra: { runCommand?: RunCommand; cwd?: string } = {}) =>
  main(argv, {
    stdout: out,
    stderr: err,
    env: { NO_COLOR: '1', PULSAR_AWS_LAB_HOME: home },
    process: signals,
    stdin: Object.assign(process.stdin, { isTTY: false }),
    ...extra,
  });

beforeEach(async () => {
  ec2Mock.reset();
  ssmMock.reset();
  stsMock.reset();
  stsMock.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT });
  home = await mkdtemp(join(tmpdir(), 'lab-ami-'));
  out = capture();
  err = capture();
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

describe('lab-ami', () => {
  it('prints help with the subcommands and exit codes', async () => {
    expect(await runLabAmi(['--help'])).toBe(0);
    const help = out.text() + err.text();
    for (const name of ['build', 'list', 'latest', 'validate', 'delete', 'prune'])
      expect(help).toContain(name);
    expect(help).toContain('130  interrupted');
  });

  it('accepts global flags before or after the subcommand', async () => {
    ec2Mock
      .on(DescribeImagesCommand)
      .resolves({ Images: [labImage('ami-00000001', '4.0.4', '2026-01-01T00:00:00Z')] });
    expect(await runLabAmi(['--json', '--region', 'eu-west-1', 'list', '--no-cache'])).toBe(0);
    const before = out.text();
    out = capture();
    expect(await runLabAmi(['list', '--no-cache', '--region=eu-west-1', '--json'])).toBe(0);
    const parse = (text: string) =>
      text
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { type: string; data?: unknown });
    type Listing = { region: string; images: Array<{ imageId: string }> };
    const resultBefore = parse(before).find((line) => line.type === 'result')!.data as Listing;
    const resultAfter = parse(out.text()).find((line) => line.type === 'result')!.data as Listing;
    expect(resultBefore.region).toBe('eu-west-1');
    expect(resultBefore.images.map((image) => image.imageId)).toEqual(['ami-00000001']);
    expect(resultAfter.region).toBe('eu-west-1');
    expect(resultAfter.images).toEqual(resultBefore.images);
  });

  it('lists as a table and uses the cache of the account and region until --no-cache', async () => {
    ec2Mock.on(DescribeImagesCommand).resolves({
      Images: [
        labImage('ami-00000001', '4.0.4', '2026-01-01T00:00:00Z'),
        labImage('ami-00000002', '4.0.4', '2026-01-02T00:00:00Z'),
      ],
    });
    expect(await runLabAmi(['list', '--region', 'us-east-1'])).toBe(0);
    expect(out.text()).toMatch(/VERSION\s+AMI/);
    expect(out.text()).toMatch(/4\.0\.4\s+\*\s+ami-00000002/);
    // The experiment store's AMI cache of $PULSAR_AWS_LAB_HOME holds the listing.
    const cached = JSON.parse(await readFile(join(home, 'ami-cache', `${ACCOUNT}.us-east-1.json`), 'utf8'));
    expect(cached.schemaVersion).toBe(3);
    expect(cached.scope).toEqual({ accountId: ACCOUNT, region: 'us-east-1' });
    expect(cached.entries['pulsar-base-images'].value.images).toHaveLength(2);
    await runLabAmi(['list', '--region', 'us-east-1']);
    expect(err.text()).toContain('from the cache');
    expect(ec2Mock).toHaveReceivedCommandTimes(DescribeImagesCommand, 1);
    await runLabAmi(['list', '--region', 'us-east-1', '--no-cache']);
    expect(ec2Mock).toHaveReceivedCommandTimes(DescribeImagesCommand, 2);
    // Asked once per process (here: per run), and only because the cache was used.
    expect(stsMock).toHaveReceivedCommandTimes(GetCallerIdentityCommand, 3);
  });

  it('never shows one account the listing cached for another (two profiles, one home)', async () => {
    ec2Mock
      .on(DescribeImagesCommand)
      .resolves({ Images: [labImage('ami-00000001', '4.0.4', '2026-01-01T00:00:00Z')] });
    expect(await runLabAmi(['latest', '--region', 'us-east-1'])).toBe(0);
    stsMock.on(GetCallerIdentityCommand).resolves({ Account: '999999999999' });
    ec2Mock.on(DescribeImagesCommand).resolves({ Images: [] });
    expect(await runLabAmi(['latest', '--region', 'us-east-1'])).toBe(1);
    expect(err.text()).toContain('No available pulsar-base AMI in us-east-1');
    expect((await readdir(join(home, 'ami-cache'))).filter((name) => name.endsWith('.json')).sort()).toEqual([
      `${ACCOUNT}.us-east-1.json`,
      '999999999999.us-east-1.json',
    ]);
  });

  it('asks STS nothing when the cache is not used (a dry-run delete)', async () => {
    ec2Mock
      .on(DescribeImagesCommand)
      .resolves({ Images: [labImage('ami-00000001', '4.0.4', '2026-01-01T00:00:00Z')] });
    expect(await runLabAmi(['delete', 'ami-00000001', '--region', 'us-east-1', '--dry-run'])).toBe(0);
    expect(stsMock).toHaveReceivedCommandTimes(GetCallerIdentityCommand, 0);
  });

  it('keeps the cache in --home (relative to the working directory), which wins over $PULSAR_AWS_LAB_HOME', async () => {
    ec2Mock
      .on(DescribeImagesCommand)
      .resolves({ Images: [labImage('ami-00000001', '4.0.4', '2026-01-01T00:00:00Z')] });
    expect(await runLabAmi(['list', '--region', 'us-east-1', '--home', 'lab'], { cwd: home })).toBe(0);
    expect(await readdir(join(home, 'lab', 'ami-cache'))).toEqual([`${ACCOUNT}.us-east-1.json`]);
    expect(await readdir(home)).toEqual(['lab']);
  });

  it('latest prints just the AMI id, and fails with a hint when there is none', async () => {
    ec2Mock.on(DescribeImagesCommand).resolves({
      Images: [
        labImage('ami-00000001', '3.3.2', '2026-01-09T00:00:00Z'),
        labImage('ami-00000002', '4.0.4', '2026-01-01T00:00:00Z'),
      ],
    });
    expect(await runLabAmi(['latest', '--region', 'us-east-1'])).toBe(0);
    expect(out.text()).toBe('ami-00000002\n');
    expect(await runLabAmi(['latest', '--region', 'us-east-1', '--pulsar-version', '9.9.9'])).toBe(1);
    expect(err.text()).toContain('lab-ami build --pulsar-version 9.9.9');
    // A version missing from the cached listing is looked up in EC2 once more before giving up.
    expect(ec2Mock).toHaveReceivedCommandTimes(DescribeImagesCommand, 2);
  });

  it('delete asks for confirmation: refuses without a terminal, deletes with --yes, shows with --dry-run', async () => {
    ec2Mock
      .on(DescribeImagesCommand)
      .resolves({ Images: [labImage('ami-00000001', '4.0.4', '2026-01-01T00:00:00Z')] });
    ec2Mock.on(DeregisterImageCommand).resolves({});
    ec2Mock.on(DeleteSnapshotCommand).resolves({});
    expect(await runLabAmi(['delete', 'ami-00000001', '--region', 'us-east-1'])).toBe(4);
    expect(ec2Mock).not.toHaveReceivedCommand(DeregisterImageCommand);
    expect(await runLabAmi(['--dry-run', 'delete', 'ami-00000001', '--region', 'us-east-1'])).toBe(0);
    expect(err.text()).toContain('Dry run: would deregister ami-00000001');
    expect(ec2Mock).not.toHaveReceivedCommand(DeregisterImageCommand);
    expect(await runLabAmi(['delete', 'ami-00000001', '--yes', '--region', 'us-east-1'])).toBe(0);
    expect(ec2Mock).toHaveReceivedCommandWith(DeregisterImageCommand, { ImageId: 'ami-00000001' });
    expect(ec2Mock).toHaveReceivedCommandWith(DeleteSnapshotCommand, { SnapshotId: 'snap-00000001' });
  });

  it('rejects a malformed AMI id before calling AWS (exit 2)', async () => {
    expect(await runLabAmi(['delete', 'not-an-ami', '--region', 'us-east-1'])).toBe(2);
    expect(err.text()).toContain('expected ami- and 8 or 17 hex digits');
    expect(ec2Mock).not.toHaveReceivedCommand(DescribeImagesCommand);
  });

  it('prune is a dry run by default, deletes with --execute --yes', async () => {
    ec2Mock.on(DescribeImagesCommand).resolves({
      Images: [
        labImage('ami-00000001', '4.0.4', '2026-01-01T00:00:00Z'),
        labImage('ami-00000002', '4.0.4', '2026-01-02T00:00:00Z'),
      ],
    });
    ec2Mock.on(DeregisterImageCommand).resolves({});
    ec2Mock.on(DeleteSnapshotCommand).resolves({});
    expect(await runLabAmi(['prune', '--keep', '1', '--region', 'us-east-1'])).toBe(0);
    expect(out.text()).toMatch(/delete\s+4\.0\.4\s+ami-00000001/);
    expect(err.text()).toContain('Re-run with --execute');
    expect(ec2Mock).not.toHaveReceivedCommand(DeregisterImageCommand);
    expect(await runLabAmi(['prune', '--keep', '1', '--execute', '--region', 'us-east-1'])).toBe(4);
    expect(await runLabAmi(['prune', '--keep', '1', '--execute', '--yes', '--region', 'us-east-1'])).toBe(0);
    expect(ec2Mock).toHaveReceivedCommandTimes(DeregisterImageCommand, 1);
    expect(await runLabAmi(['prune', '--keep', '0', '--region', 'us-east-1'])).toBe(2);
    expect(await runLabAmi(['prune', '--keep', '1', '--execute', '--dry-run', '--region', 'us-east-1'])).toBe(
      2,
    );
  });

  it('validate runs the checks through an injected runner and always terminates', async () => {
    ec2Mock
      .on(DescribeImagesCommand)
      .resolves({ Images: [labImage('ami-00000001', '4.0.4', '2026-01-01T00:00:00Z')] });
    ec2Mock.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: 'i-0abc' }] });
    ec2Mock
      .on(DescribeInstancesCommand)
      .resolvesOnce({ Reservations: [{ Instances: [{ State: { Name: 'running' } }] }] })
      .resolves({ Reservations: [{ Instances: [{ State: { Name: 'terminated' } }] }] });
    ec2Mock.on(TerminateInstancesCommand).resolves({});
    ssmMock
      .on(DescribeInstanceInformationCommand)
      .resolves({ InstanceInformationList: [{ PingStatus: 'Online' }] });
    const runCommand: RunCommand = async ({ instanceIds }) => ({
      commandIds: ['c'],
      results: [
        {
          instanceId: instanceIds[0]!,
          ok: true,
          status: 'Success',
          stderr: '',
          stdout: expectedCheckNames()
            .map((name) => `LAB-CHECK\t${name}\t${name === 'omb.commit' ? 'fail' : 'ok'}\tx\ty`)
            .join('\n'),
        },
      ],
    });
    const code = await runLabAmi(
      [
        'validate',
        'ami-00000001',
        '--region',
        'us-east-1',
        '--subnet-id',
        'subnet-1',
        '--instance-profile',
        'p',
      ],
      { runCommand },
    );
    expect(code).toBe(1);
    expect(out.text()).toMatch(/omb\.commit\s+FAIL/);
    expect(err.text()).toContain('FAILED 1 check(s); i-0abc terminated');
    expect(ec2Mock).toHaveReceivedCommandWith(TerminateInstancesCommand, { InstanceIds: ['i-0abc'] });
  });

  it('build --dry-run shows the plan and whether it would refuse', async () => {
    ec2Mock
      .on(DescribeImagesCommand)
      .resolves({ Images: [labImage('ami-00000001', '4.0.4', '2026-01-01T00:00:00Z')] });
    expect(await runLabAmi(['build', '--dry-run', '--region', 'us-east-1', '--template', TEMPLATE])).toBe(0);
    expect(err.text()).toContain('would REFUSE: Pulsar 4.0.4 already has ami-00000001');
  });

  it('build refuses an existing version, and builds with --force through Packer', async () => {
    ec2Mock
      .on(DescribeImagesCommand)
      .resolves({ Images: [labImage('ami-00000001', '4.0.4', '2026-01-01T00:00:00Z')] });
    const args = [
      'build',
      '--region',
      'us-east-1',
      '--template',
      TEMPLATE,
      '--packer',
      FAKE_PACKER,
      '--instance-profile',
      'p',
    ];
    expect(await runLabAmi(args)).toBe(1);
    expect(err.text()).toContain('already has an image');
    out = capture();
    const log = join(home, 'packer.log');
    process.env.FAKE_PACKER_LOG = log;
    try {
      expect(await runLabAmi([...args, '--force', '--tag', 'Owner=ana'])).toBe(0);
    } finally {
      delete process.env.FAKE_PACKER_LOG;
    }
    expect(out.text()).toBe('ami-0123456789abcdef0\n');
    const build = (await readFile(log, 'utf8')).split('\n')[1]!;
    expect(build).toContain('-var pulsar_version=4.0.4');
    expect(build).toContain('-var iam_instance_profile=p');
    expect(build).toContain('-var extra_tags={"Owner":"ana"}');
    expect(build).toMatch(/-var build_id=ami-build-\d{8}-\d{6}/);
    // Packer got one archive of packer/files/lab and packer/files/systemd, readable while it ran.
    expect(build).toMatch(/-var lab_files_archive=\S+\/lab-image-files\.tar\.gz /);
    const archive = (await readFile(log, 'utf8')).split('\n')[2]!;
    expect(archive).toContain('lab/bin/lab-bootstrap');
    expect(archive).toContain('systemd/omb-worker.service');
  });

  it('rejects bad --tag values as bad input', async () => {
    expect(
      await runLabAmi([
        'build',
        '--dry-run',
        '--region',
        'us-east-1',
        '--template',
        TEMPLATE,
        '--tag',
        'novalue',
      ]),
    ).toBe(2);
    expect(err.text()).toContain('not KEY=VALUE');
  });
});

describe('the built lab-ami executable', () => {
  const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

  it('does not load the AWS SDK for --help (it is imported lazily)', async () => {
    const bundle = await readFile(CLI, 'utf8');
    expect(bundle.startsWith('#!/usr/bin/env node')).toBe(true);
    const chunks = [bundle];
    for (const match of bundle.matchAll(/from "\.\/(chunk-[\w-]+\.js)"/g)) {
      chunks.push(await readFile(join(CLI, '..', match[1]!), 'utf8'));
    }
    for (const chunk of chunks) {
      expect(chunk).not.toMatch(/^import .* from "@aws-sdk\//m);
      expect(chunk).not.toMatch(/^import .* from "@lab\/ami-builder\/aws"/m);
      expect(chunk).not.toMatch(/^import .* from "@lab\/experiment-store"/m);
    }
    const started = performance.now();
    const { stdout } = await exec(process.execPath, [CLI, '--help']);
    expect(String(stdout)).toContain('lab-ami');
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('exits 2 on an unknown flag', async () => {
    const error = await exec(process.execPath, [CLI, 'list', '--bogus']).catch((e: unknown) => e);
    expect((error as { code: number }).code).toBe(2);
  });
});

describe('resolveTemplate', () => {
  it('finds packer/pulsar-base.pkr.hcl from a sub-directory of the checkout', async () => {
    const { resolveTemplate } = await import('../src/main.js');
    expect(resolveTemplate(undefined, fileURLToPath(new URL('.', import.meta.url)))).toBe(TEMPLATE);
    const dir = await mkdtemp(join(tmpdir(), 'no-template-'));
    try {
      expect(() => resolveTemplate(undefined, dir)).toThrow(/Packer template not found/);
      await writeFile(join(dir, 'x.pkr.hcl'), '');
      expect(resolveTemplate('x.pkr.hcl', dir)).toBe(join(dir, 'x.pkr.hcl'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
