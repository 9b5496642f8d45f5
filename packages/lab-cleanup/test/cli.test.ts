import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeInstancesCommand,
  DescribeVpcsCommand,
  EC2Client,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { openStore } from '@lab/experiment-store';
import { beforeEach, describe, expect, it } from 'vitest';
import { main, resolveExperimentRef } from '../src/index.js';

const EXP = 'exp-20260101-000001';
const tags = [
  { Key: 'Project', Value: 'pulsar-aws-lab' },
  { Key: 'ExperimentID', Value: EXP },
];
const ec2 = mockClient(EC2Client);
const iam = mockClient(IAMClient);
const s3 = mockClient(S3Client);
const sts = mockClient(STSClient);

const capture = () => {
  let text = '';
  return {
    stream: {
      write: (chunk: string) => {
        text += chunk;
        return true;
      },
      isTTY: false,
    },
    text: () => text,
  };
};
const env = { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y', NO_COLOR: '1' };
const run = async (argv: string[], extra: Record<string, string> = {}) => {
  const out = capture();
  const err = capture();
  const code = await main(argv, { stdout: out.stream, stderr: err.stream, env: { ...env, ...extra } });
  return { code, out: out.text(), err: err.text() };
};

beforeEach(() => {
  ec2.reset().onAnyCommand().resolves({});
  iam.reset().onAnyCommand().resolves({});
  s3.reset().onAnyCommand().resolves({});
  sts.reset().onAnyCommand().resolves({});
  ec2
    .on(DescribeVpcsCommand)
    .resolves({ Vpcs: [{ VpcId: 'vpc-1', Tags: [...tags, { Key: 'Name', Value: 'lab-vpc' }] }] });
  ec2.on(DescribeInstancesCommand).resolves({
    Reservations: [
      { Instances: [{ InstanceId: 'i-1', VpcId: 'vpc-1', Tags: tags, State: { Name: 'running' } }] },
    ],
  });
});

describe('lab-cleanup', () => {
  it('--help documents the flags and the exit codes', async () => {
    const { code, out } = await run(['--help']);
    expect(code).toBe(0);
    for (const text of [
      '--execute',
      '--sweep',
      '--older-than',
      '--include-amis',
      '--allowed-account',
      '--deadline',
      'Exit codes:',
      '3    finished, but something is left over',
    ]) {
      expect(out).toContain(text);
    }
  });

  it('prints the plan as a table in a dry run (the default) and deletes nothing', async () => {
    const { code, err } = await run([EXP]);
    expect(code).toBe(0);
    const table = err.split('\n').filter((line) => /^(type|instance|vpc) /.test(line));
    expect(table).toEqual([
      expect.stringMatching(/^type\s+id\s+region\s+name\s+waits for$/),
      expect.stringMatching(/^instance\s+i-1\s+us-east-1\s+-\s+-$/),
      expect.stringMatching(/^vpc\s+vpc-1\s+us-east-1\s+lab-vpc\s+i-1$/),
    ]);
    expect(err).toContain('Dry run: nothing was deleted. 2 resource(s) would be deleted');
    expect(ec2).not.toHaveReceivedCommand(TerminateInstancesCommand);
  });

  it('--json prints the plan and result as NDJSON on stdout', async () => {
    const { code, out } = await run([EXP, '--json']);
    expect(code).toBe(0);
    const result = out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; data?: { plan: unknown[]; mode: string } })
      .find((line) => line.type === 'result')!;
    expect(result.data).toMatchObject({ mode: 'dry-run', complete: true });
    expect(result.data!.plan).toEqual([
      { level: 0, type: 'instance', id: 'i-1', region: 'us-east-1', name: '', waitsFor: '' },
      { level: 1, type: 'vpc', id: 'vpc-1', region: 'us-east-1', name: 'lab-vpc', waitsFor: 'i-1' },
    ]);
  });

  it.each([
    [['*'], /wildcard/],
    [[''], /wildcard|name the experiment/],
    [[], /name the experiment/],
    [['--sweep'], /--sweep needs --older-than/],
    [[EXP, '--sweep', '--older-than', '6h'], /do not name an experiment/],
    [['--sweep', '--older-than', 'soon'], /not a duration/],
    [[EXP, '--exclude-type', 'vpcs'], /not a resource type/],
    [[EXP, '--allowed-account', '12'], /not an AWS account id/],
  ])('refuses %j with exit code 2 before deleting anything', async (argv, message) => {
    const { code, err } = await run(argv);
    expect(code).toBe(2);
    expect(err).toMatch(message);
    expect(ec2).not.toHaveReceivedCommand(TerminateInstancesCommand);
  });

  it('--execute without --yes and without a terminal refuses with exit code 4', async () => {
    const { code, err } = await run([EXP, '--execute']);
    expect(code).toBe(4);
    expect(err).toContain('pass --yes');
    expect(ec2).not.toHaveReceivedCommand(TerminateInstancesCommand);
  });

  it('resolves latest and prefixes through the experiment store, and takes full ids as they are', async () => {
    const home = await mkdtemp(join(tmpdir(), 'lab-home-'));
    const store = openStore({ home });
    const created = await store.create({
      name: 'cleanup-test',
      id: 'cleanup-target-one',
      regions: ['us-east-1'],
      configDigest: 'sha256:0',
    });
    await created.release();
    const env = { PULSAR_AWS_LAB_HOME: home };
    expect(await resolveExperimentRef('latest', env)).toBe('cleanup-target-one');
    expect(await resolveExperimentRef(EXP, env)).toBe(EXP);
    const { code, err } = await run(['latest'], env);
    expect(code).toBe(0);
    expect(err).toContain('experiment cleanup-target-one');
    const missing = await run(['latest'], { PULSAR_AWS_LAB_HOME: join(home, 'nowhere') });
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/no experiment/i);
    const prefix = await run(['Cleanup-*'], env);
    expect(prefix.code).toBe(2);
  });
});
