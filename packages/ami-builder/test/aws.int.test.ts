import {
  CreateTagsCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  type EC2Client,
  RegisterImageCommand,
} from '@aws-sdk/client-ec2';
import {
  AddRoleToInstanceProfileCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
} from '@aws-sdk/client-iam';
import { DescribeInstanceInformationCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AbortedError, createVirtualTime } from '@lab/core';
import { describeWithMoto, injectFaults, motoAccount, motoEndpoint } from '@lab/test-support';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import {
  deleteImage,
  executePrune,
  findLatestImage,
  listImages,
  planImagePrune,
  type RunCommand,
  validateAmi,
} from '../src/aws.js';
import { expectedCheckNames } from '../src/index.js';
import { memoryCache } from './support/memory-cache.js';

const OMB = 'b'.repeat(40);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Registers an image as the Packer template would tag it. */
async function registerLabImage(
  ec2: EC2Client,
  version: string,
  suffix: string,
  tagged = true,
): Promise<string> {
  const image = await ec2.send(
    new RegisterImageCommand({
      Name: `pulsar-base-${version}-${suffix}`,
      RootDeviceName: '/dev/xvda',
      Architecture: 'x86_64',
      VirtualizationType: 'hvm',
    }),
  );
  if (tagged) {
    await ec2.send(
      new CreateTagsCommand({
        Resources: [image.ImageId!],
        Tags: [
          { Key: 'Project', Value: 'pulsar-aws-lab' },
          { Key: 'ManagedBy', Value: 'lab-ami' },
          { Key: 'PulsarVersion', Value: version },
          { Key: 'OmbCommit', Value: OMB },
          { Key: 'JavaVersion', Value: '21' },
        ],
      }),
    );
  }
  return image.ImageId!;
}

describeWithMoto('@lab/ami-builder against moto', () => {
  it('lists self-owned pulsar-base images with their version tags and caches them per account and region', async () => {
    const { ec2, accountId } = await motoAccount('eu-west-1');
    const a = await registerLabImage(ec2, '4.0.4', '20260101-000000');
    const b = await registerLabImage(ec2, '3.3.2', '20260101-000000');
    await ec2.send(new RegisterImageCommand({ Name: 'someone-else', RootDeviceName: '/dev/xvda' }));
    const cache = memoryCache();
    const listing = await listImages({ ec2, cache, pageSize: 5 });
    expect(listing.region).toBe('eu-west-1');
    expect(listing.images.map((image) => [image.imageId, image.pulsarVersion])).toEqual([
      [a, '4.0.4'],
      [b, '3.3.2'],
    ]);
    expect(listing.images[0]!.snapshotIds).toHaveLength(1);
    // The account comes from STS GetCallerIdentity through the client's own credentials and endpoint.
    const endpoint = motoEndpoint!.replace(/\/$/, '');
    expect(cache.entries.get(`${accountId}/eu-west-1@${endpoint}/pulsar-base-images`)?.value).toMatchObject({
      images: [{ imageId: a }, { imageId: b }],
    });
    const faults = injectFaults(ec2, [
      { command: 'DescribeImagesCommand', code: 'UnauthorizedOperation', times: 5 },
    ]);
    expect((await listImages({ ec2, cache })).cached).toBe(true);
    expect(faults.injected).toEqual([]);
  });

  it('never shows one account the images cached for another (same region, same cache)', async () => {
    const cache = memoryCache();
    const alice = await motoAccount('eu-west-1');
    const bob = await motoAccount('eu-west-1');
    const image = await registerLabImage(alice.ec2, '4.0.4', '20260101-000000');
    expect((await findLatestImage({ ec2: alice.ec2, cache, version: '4.0.4' })).image?.imageId).toBe(image);
    const seenByBob = await findLatestImage({ ec2: bob.ec2, cache, version: '4.0.4' });
    expect(seenByBob.image).toBeUndefined();
    expect(seenByBob.listing).toMatchObject({ cached: false, images: [] });
    expect((await listImages({ ec2: alice.ec2, cache })).cached).toBe(true);
    expect([...cache.entries.keys()].map((key) => key.split('/')[0]).sort()).toEqual(
      [alice.accountId, bob.accountId].sort(),
    );
  });

  it('finds the latest image of the highest version and of a given version', async () => {
    const { ec2 } = await motoAccount();
    await registerLabImage(ec2, '4.0.4', '20260101-000000');
    await pause(1100);
    const newer = await registerLabImage(ec2, '4.0.4', '20260102-000000');
    const older = await registerLabImage(ec2, '3.3.2', '20260103-000000');
    expect((await findLatestImage({ ec2 })).image?.imageId).toBe(newer);
    expect((await findLatestImage({ ec2, version: '3.3.2' })).image?.imageId).toBe(older);
  });

  it('finds an image registered after the listing was cached by asking EC2 again', async () => {
    const { ec2 } = await motoAccount('eu-west-1');
    const cache = memoryCache();
    const first = await registerLabImage(ec2, '4.0.4', '20260101-000000');
    expect((await findLatestImage({ ec2, cache, version: '4.0.4' })).image?.imageId).toBe(first);
    const later = await registerLabImage(ec2, '4.1.0', '20260102-000000');
    const cached = await findLatestImage({ ec2, cache, version: '4.0.4' });
    expect([cached.image?.imageId, cached.listing.cached]).toEqual([first, true]);
    const found = await findLatestImage({ ec2, cache, version: '4.1.0' });
    expect([found.image?.imageId, found.listing.cached]).toEqual([later, false]);
    expect((await findLatestImage({ ec2, cache })).listing.cached).toBe(true);
  });

  it('deletes an image and its snapshots', async () => {
    const { ec2 } = await motoAccount();
    const imageId = await registerLabImage(ec2, '4.0.4', '20260101-000000');
    const cache = memoryCache();
    expect((await listImages({ ec2, cache })).images.map((image) => image.imageId)).toEqual([imageId]);
    const result = await deleteImage({ ec2, imageId, cache });
    expect(result.deregistered).toBe(true);
    expect(result.deletedSnapshots).toEqual(result.snapshotIds);
    expect(result.snapshotIds).toHaveLength(1);
    const snapshots = await ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'] }));
    expect(snapshots.Snapshots?.map((snapshot) => snapshot.SnapshotId)).not.toContain(result.snapshotIds[0]);
    expect((await listImages({ ec2, cache })).images).toEqual([]);
  });

  it('refuses to delete an image the lab did not tag', async () => {
    const { ec2 } = await motoAccount();
    const imageId = await registerLabImage(ec2, '4.0.4', 'x', false);
    await expect(deleteImage({ ec2, imageId })).rejects.toMatchObject({ code: 'AMI_NOT_MANAGED' });
  });

  it('prunes all but the newest N per version', async () => {
    const { ec2 } = await motoAccount();
    const first = await registerLabImage(ec2, '4.0.4', '1');
    await pause(1100);
    const second = await registerLabImage(ec2, '4.0.4', '2');
    const other = await registerLabImage(ec2, '3.3.2', '1');
    const plan = await planImagePrune({ ec2, keep: 1 });
    expect(plan.remove.map((image) => image.imageId)).toEqual([first]);
    expect(plan.keep.map((image) => image.imageId).sort()).toEqual([second, other].sort());
    await executePrune({ ec2, plan });
    expect((await listImages({ ec2 })).images.map((image) => image.imageId).sort()).toEqual(
      [second, other].sort(),
    );
  });

  describe('validateAmi always terminates its instance', () => {
    async function setUp() {
      const account = await motoAccount();
      const imageId = await registerLabImage(account.ec2, '4.0.4', '20260101-000000');
      await account.iam.send(
        new CreateRoleCommand({
          RoleName: 'pulsar-aws-lab-ssm',
          AssumeRolePolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
            ],
          }),
        }),
      );
      // moto does not load AWS managed policies, so discovery (which looks for
      // AmazonSSMManagedInstanceCore) is covered by the unit tests; here the profile is named.
      await account.iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'pulsar-aws-lab-ssm' }));
      await account.iam.send(
        new AddRoleToInstanceProfileCommand({
          InstanceProfileName: 'pulsar-aws-lab-ssm',
          RoleName: 'pulsar-aws-lab-ssm',
        }),
      );
      // moto has no DescribeInstanceInformation: the SSM agent is reported online by a mock.
      const ssm = new SSMClient(account.connection);
      mockClient(ssm)
        .on(DescribeInstanceInformationCommand)
        .callsFake((input: { Filters?: Array<{ Values?: string[] }> }) => ({
          InstanceInformationList: [{ InstanceId: input.Filters?.[0]?.Values?.[0], PingStatus: 'Online' }],
        }));
      const time = createVirtualTime(Date.UTC(2026, 0, 1, 12, 0, 0));
      return { ...account, ssm, imageId, time };
    }

    async function instancesOf(ec2: EC2Client, validationId: string) {
      const answer = await ec2.send(
        new DescribeInstancesCommand({ Filters: [{ Name: 'tag:ExperimentID', Values: [validationId] }] }),
      );
      return (answer.Reservations ?? []).flatMap((reservation) => reservation.Instances ?? []);
    }

    const okOutput = expectedCheckNames()
      .map((name) => `LAB-CHECK\t${name}\tok\tx\tx`)
      .join('\n');

    it('on success', async () => {
      const { ec2, ssm, imageId, time } = await setUp();
      const runCommand: RunCommand = async ({ instanceIds }) => ({
        commandIds: ['c-1'],
        results: [{ instanceId: instanceIds[0]!, ok: true, status: 'Success', stdout: okOutput, stderr: '' }],
      });
      // No subnet given: a default subnet of moto's default VPC is discovered.
      const result = await validateAmi({
        ec2,
        ssm,
        runCommand,
        imageId,
        instanceProfile: 'pulsar-aws-lab-ssm',
        clock: time.clock,
        sleep: time.sleep,
      });
      expect(result.ok).toBe(true);
      const [instance] = await instancesOf(ec2, result.validationId);
      expect(instance?.State?.Name).toBe('terminated');
      expect(instance?.ImageId).toBe(imageId);
      expect(instance?.SubnetId).toMatch(/^subnet-/);
      expect(instance?.Tags).toEqual(
        expect.arrayContaining([
          { Key: 'Project', Value: 'pulsar-aws-lab' },
          { Key: 'ManagedBy', Value: 'lab-ami' },
          { Key: 'ExperimentID', Value: result.validationId },
        ]),
      );
    });

    it('on failed checks', async () => {
      const { ec2, ssm, imageId, time } = await setUp();
      const runCommand: RunCommand = async ({ instanceIds }) => ({
        commandIds: ['c-1'],
        results: [
          {
            instanceId: instanceIds[0]!,
            ok: true,
            status: 'Success',
            stdout: okOutput.replace('pulsar.version\tok', 'pulsar.version\tfail'),
            stderr: '',
          },
        ],
      });
      const result = await validateAmi({
        ec2,
        ssm,
        runCommand,
        imageId,
        instanceProfile: 'pulsar-aws-lab-ssm',
        validationId: 'ami-validate-failed',
        clock: time.clock,
        sleep: time.sleep,
      });
      expect(result.ok).toBe(false);
      expect((await instancesOf(ec2, 'ami-validate-failed'))[0]?.State?.Name).toBe('terminated');
    });

    it('on abort', async () => {
      const { ec2, ssm, imageId, time } = await setUp();
      const controller = new AbortController();
      const runCommand: RunCommand = ({ signal }) =>
        new Promise((_, reject) => {
          signal?.addEventListener('abort', () => reject(new AbortedError('Interrupted by SIGINT')), {
            once: true,
          });
          controller.abort();
        });
      const error = await validateAmi({
        ec2,
        ssm,
        runCommand,
        imageId,
        instanceProfile: 'pulsar-aws-lab-ssm',
        validationId: 'ami-validate-aborted',
        signal: controller.signal,
        clock: time.clock,
        sleep: time.sleep,
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AbortedError);
      const instances = await instancesOf(ec2, 'ami-validate-aborted');
      expect(instances).toHaveLength(1);
      expect(instances[0]?.State?.Name).toBe('terminated');
    });
  });
});
