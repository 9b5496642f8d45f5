import { DescribeInstancesCommand, DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { main } from '../src/index.js';

const EXP = 'exp-20260101-000001';
const tags = [
  { Key: 'Project', Value: 'pulsar-aws-lab' },
  { Key: 'ExperimentID', Value: EXP },
];
const ec2 = mockClient(EC2Client);
mockClient(IAMClient).onAnyCommand().resolves({});
mockClient(S3Client).onAnyCommand().resolves({});
mockClient(STSClient).onAnyCommand().resolves({});

const run = async (argv: string[], env: Record<string, string>) => {
  let out = '';
  let err = '';
  const regions: string[] = [];
  const code = await main(argv, {
    stdout: { write: (chunk: string) => (out += chunk), isTTY: false },
    stderr: { write: (chunk: string) => (err += chunk), isTTY: false },
    env: { AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y', NO_COLOR: '1', ...env },
    instrument: (_clients, region) => regions.push(region),
  });
  return { code, out, err, regions };
};

beforeEach(() => {
  ec2.reset().onAnyCommand().resolves({});
  ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [{ VpcId: 'vpc-1', Tags: tags }] });
  ec2.on(DescribeInstancesCommand).resolves({});
});

describe('lab-cleanup region', () => {
  it('takes the region from AWS_DEFAULT_REGION alone, and its clients work there', async () => {
    const { code, err, regions } = await run([EXP], { AWS_DEFAULT_REGION: 'eu-central-1' });
    expect(code).toBe(0);
    expect(regions).toEqual(['eu-central-1']);
    expect(err).toMatch(/^vpc\s+vpc-1\s+eu-central-1\b/m);
    const client = ec2.call(0).thisValue as EC2Client;
    expect(await client.config.region()).toBe('eu-central-1');
  });

  it('prefers AWS_REGION to AWS_DEFAULT_REGION, and --region to both', async () => {
    const env = { AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'eu-central-1' };
    expect((await run([EXP], env)).regions).toEqual(['eu-west-1']);
    expect((await run([EXP, '--region', 'ap-south-1'], env)).regions).toEqual(['ap-south-1']);
  });

  it('refuses a malformed AWS_REGION with exit 2, naming where it came from, before any AWS call', async () => {
    const { code, err } = await run([EXP], { AWS_REGION: 'Frankfurt' });
    expect(code).toBe(2);
    expect(err).toContain('AWS_REGION');
    expect(err).toContain('Frankfurt');
    expect(ec2.calls()).toHaveLength(0);
  });

  it('refuses a malformed --region with exit 2', async () => {
    const { code, err } = await run([EXP, '--region', 'eu_west_1'], {});
    expect(code).toBe(2);
    expect(err).toContain('eu_west_1');
    expect(ec2.calls()).toHaveLength(0);
  });
});

describe('lab-cleanup --help', () => {
  it('ends with examples that use its real flags', async () => {
    const { code, out } = await run(['--help'], {});
    expect(code).toBe(0);
    const examples = out.slice(out.indexOf('EXAMPLES:'));
    expect(out.indexOf('EXAMPLES:')).toBeGreaterThan(out.indexOf('Exit codes:'));
    for (const command of [
      '$ lab-cleanup exp-20261127-031200 --region eu-west-1',
      '$ lab-cleanup latest --execute --yes',
      '$ lab-cleanup --sweep --older-than 24h --all-regions',
    ]) {
      expect(examples).toContain(command);
    }
    expect(out.trimEnd().endsWith('$ lab-cleanup --sweep --older-than 24h --all-regions')).toBe(true);
  });
});
