import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateTagsCommand, RegisterImageCommand } from '@aws-sdk/client-ec2';
import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  ListInstanceProfilesCommand,
} from '@aws-sdk/client-iam';
import { BUILD_PROFILE, ensureBuildInstanceProfile } from '@lab/ami-builder/aws';
import { describeWithMoto, motoAccount } from '@lab/test-support';
import { expect, it } from 'vitest';
import { main } from '../src/main.js';

const FAKE_PACKER = fileURLToPath(new URL('../../ami-builder/test/fixtures/fake-packer.sh', import.meta.url));
const TEMPLATE = fileURLToPath(new URL('../../../packer/pulsar-base.pkr.hcl', import.meta.url));

describeWithMoto('lab-ami against moto', () => {
  it('lists, finds the latest, prunes and deletes through the command line', async () => {
    const account = await motoAccount('eu-west-1');
    const ids: string[] = [];
    for (const suffix of ['1', '2']) {
      const image = await account.ec2.send(
        new RegisterImageCommand({ Name: `pulsar-base-4.0.4-${suffix}`, RootDeviceName: '/dev/xvda' }),
      );
      await account.ec2.send(
        new CreateTagsCommand({
          Resources: [image.ImageId!],
          Tags: [
            { Key: 'Project', Value: 'pulsar-aws-lab' },
            { Key: 'PulsarVersion', Value: '4.0.4' },
          ],
        }),
      );
      ids.push(image.ImageId!);
      await new Promise((resolve) => setTimeout(resolve, 1100));
    }
    const home = await mkdtemp(join(tmpdir(), 'lab-ami-int-'));
    const chunks: string[] = [];
    const deps = {
      stdout: { write: (chunk: string) => chunks.push(chunk) },
      stderr: { write: () => true },
      env: { NO_COLOR: '1', PULSAR_AWS_LAB_HOME: home },
      process: { on: () => undefined, off: () => undefined, exit: () => undefined },
      clients: { ec2: account.ec2, sts: account.sts },
    };
    try {
      expect(await main(['list', '--json'], deps)).toBe(0);
      // The listing is cached under the account STS names, this region and moto's endpoint.
      const files = await readdir(join(home, 'ami-cache'));
      expect(files.filter((name) => name.endsWith('.json'))).toEqual([
        expect.stringMatching(new RegExp(`^${account.accountId}\\.eu-west-1\\.[0-9a-f]{12}\\.json$`)),
      ]);
      const listed = JSON.parse(chunks.find((chunk) => chunk.includes('"result"'))!).data;
      expect(listed.region).toBe('eu-west-1');
      expect(listed.images.map((image: { imageId: string }) => image.imageId).sort()).toEqual(
        [...ids].sort(),
      );
      chunks.length = 0;
      expect(await main(['latest'], deps)).toBe(0);
      expect(chunks.join('')).toBe(`${ids[1]}\n`);
      expect(await main(['prune', '--keep', '1', '--execute', '--yes'], deps)).toBe(0);
      chunks.length = 0;
      expect(await main(['list', '--no-cache', '--json'], deps)).toBe(0);
      const after = JSON.parse(chunks.find((chunk) => chunk.includes('"result"'))!).data;
      expect(after.images.map((image: { imageId: string }) => image.imageId)).toEqual([ids[1]]);
      expect(await main(['delete', ids[1]!, '--yes'], deps)).toBe(0);
      chunks.length = 0;
      expect(await main(['latest', '--no-cache'], deps)).toBe(1);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});

describeWithMoto('lab-ami build with the dedicated build profile, against moto', () => {
  it('refuses a build profile with extra powers: exit 2, the extra policy named, nothing created, Packer not run', async () => {
    const account = await motoAccount('eu-west-1');
    await ensureBuildInstanceProfile({ iam: account.iam });
    const admin = await account.iam.send(
      new CreatePolicyCommand({
        PolicyName: 'everything',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
        }),
      }),
    );
    await account.iam.send(
      new AttachRolePolicyCommand({ RoleName: BUILD_PROFILE.role, PolicyArn: admin.Policy!.Arn }),
    );
    const home = await mkdtemp(join(tmpdir(), 'lab-ami-int-'));
    const errors: string[] = [];
    const log = join(home, 'packer.log');
    process.env.FAKE_PACKER_LOG = log;
    try {
      const code = await main(['build', '--template', TEMPLATE, '--packer', FAKE_PACKER], {
        stdout: { write: () => true },
        stderr: { write: (chunk: string) => errors.push(chunk) },
        env: { NO_COLOR: '1', PULSAR_AWS_LAB_HOME: home },
        process: { on: () => undefined, off: () => undefined, exit: () => undefined },
        clients: { ec2: account.ec2, iam: account.iam },
      });
      expect(code).toBe(2);
      const text = errors.join('');
      expect(text).toContain('pulsar-aws-lab-ami-build');
      expect(text).toContain('has the extra policy everything attached');
      await expect(readFile(log, 'utf8')).rejects.toThrow();
      const profiles = await account.iam.send(new ListInstanceProfilesCommand({}));
      expect(profiles.InstanceProfiles?.map((profile) => profile.InstanceProfileName)).toEqual([
        BUILD_PROFILE.instanceProfile,
      ]);
    } finally {
      delete process.env.FAKE_PACKER_LOG;
      await rm(home, { recursive: true, force: true });
    }
  });
});
