import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { DescribeImagesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../src/main.js';

const ec2Mock = mockClient(EC2Client);
const stsMock = mockClient(STSClient);

let home: string;
let out: string;
let err: string;
const run = (argv: string[], env: Record<string, string>, cwd?: string) =>
  main(argv, {
    stdout: { write: (chunk: string) => (out += chunk), isTTY: false },
    stderr: { write: (chunk: string) => (err += chunk), isTTY: false },
    env: { NO_COLOR: '1', PULSAR_AWS_LAB_HOME: home, ...env },
    process: { on: () => undefined, off: () => undefined, exit: () => undefined },
    ...(cwd === undefined ? {} : { cwd }),
  });
const result = () =>
  JSON.parse(
    out
      .trim()
      .split('\n')
      .find((line) => line.includes('"type":"result"'))!,
  ).data as Record<string, unknown>;

beforeEach(async () => {
  ec2Mock.reset().on(DescribeImagesCommand).resolves({ Images: [] });
  stsMock.reset().on(GetCallerIdentityCommand).resolves({ Account: '123456789012' });
  home = await mkdtemp(join(tmpdir(), 'lab-ami-region-'));
  out = '';
  err = '';
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

describe('lab-ami region', () => {
  it('takes the region from AWS_DEFAULT_REGION alone, and its clients work there', async () => {
    expect(await run(['list', '--no-cache', '--json'], { AWS_DEFAULT_REGION: 'eu-central-1' })).toBe(0);
    expect(result().region).toBe('eu-central-1');
    const client = ec2Mock.call(0).thisValue as EC2Client;
    expect(await client.config.region()).toBe('eu-central-1');
  });

  it('prefers --region to AWS_REGION, and AWS_REGION to AWS_DEFAULT_REGION', async () => {
    const env = { AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'eu-central-1' };
    expect(await run(['list', '--no-cache', '--json'], env)).toBe(0);
    expect(result().region).toBe('eu-west-1');
    out = '';
    expect(await run(['list', '--no-cache', '--json', '--region', 'ap-south-1'], env)).toBe(0);
    expect(result().region).toBe('ap-south-1');
  });

  it('refuses a malformed AWS_REGION with exit 2, naming where it came from, before any AWS call', async () => {
    expect(await run(['list'], { AWS_REGION: 'Frankfurt' })).toBe(2);
    expect(err).toContain('AWS_REGION');
    expect(err).toContain('Frankfurt');
    expect(ec2Mock.calls()).toHaveLength(0);
  });
});

describe('lab-ami build --dry-run', () => {
  it('outside a checkout plans with the template @lab/ami-builder ships, also when EC2 cannot be asked', async () => {
    ec2Mock.on(DescribeImagesCommand).rejects(new Error('Could not load credentials from any providers'));
    const elsewhere = await mkdtemp(join(tmpdir(), 'lab-ami-elsewhere-'));
    const build = ['build', '--dry-run', '--pulsar-version', '4.0.4'];
    try {
      expect(await run([...build, '--json'], { AWS_REGION: 'us-east-1' }, elsewhere)).toBe(0);
      const plan = result();
      expect(plan.template).toMatch(new RegExp(`ami-builder\\${sep}packer\\${sep}pulsar-base\\.pkr\\.hcl$`));
      expect(plan).toMatchObject({ region: 'us-east-1', pulsarVersion: '4.0.4', wouldRefuse: false });
      expect(plan).not.toHaveProperty('existing');
      expect(await run(build, { AWS_REGION: 'us-east-1' }, elsewhere)).toBe(0);
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
    }
    expect(err).toContain('Could not check for existing images');
  });
});

describe('lab-ami --help', () => {
  it('ends with examples that use its real flags', async () => {
    expect(await run(['--help'], {})).toBe(0);
    const help = out + err;
    const examples = help.slice(help.indexOf('EXAMPLES:'));
    expect(help.indexOf('EXAMPLES:')).toBeGreaterThan(help.indexOf('where <subcommand> can be one of'));
    for (const command of [
      '$ lab-ami build --pulsar-version 4.0.4 --region eu-west-1 --dry-run',
      '$ lab-ami list --region eu-west-1',
      '$ lab-ami prune --keep 2 --execute --yes',
    ]) {
      expect(examples).toContain(command);
    }
    expect(help.trimEnd().endsWith('$ lab-ami prune --keep 2 --execute --yes')).toBe(true);
  });
});
