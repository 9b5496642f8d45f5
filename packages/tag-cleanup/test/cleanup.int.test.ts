import {
  CreateImageCommand,
  CreateSnapshotCommand,
  CreateTagsCommand,
  DescribeImagesCommand,
  DescribeSnapshotsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';
import { createVirtualTime } from '@lab/core';
import {
  buildTopology,
  countResources,
  describeWithMoto,
  labTagsFor,
  type MotoAccount,
  motoAccount,
  survivors,
} from '@lab/test-support';
import { expect, it } from 'vitest';
import { createAwsProvider } from '../src/aws/index.js';
import { cleanup } from '../src/index.js';

const providerFor = (account: MotoAccount, extra: Partial<Parameters<typeof createAwsProvider>[0]> = {}) =>
  createAwsProvider({
    homeRegion: account.region,
    clients: (region) => {
      const connection = { ...account.connection, region };
      return {
        ec2: new EC2Client(connection),
        iam: new IAMClient(connection),
        s3: new S3Client(connection),
        sts: new STSClient(connection),
      };
    },
    waitSchedule: { initialDelayMs: 50, factor: 1.5, maxDelayMs: 500 },
    ...extra,
  });

// moto's limits, checked against 5.2.1: placement groups are not implemented (every call is
// a 500 with an HTML page), so the deletion tests exclude them; the last test shows the listing
// failing at once.
const EXCLUDE = ['placement-group'] as const;
const FAST = { roundDelay: { initialDelayMs: 50, maxDelayMs: 200 } };

const A = 'exp-20260101-000001';
const B = 'exp-20260101-000002';

describeWithMoto('cleanup against moto (library)', () => {
  it('plans an experiment without changing anything, then deletes exactly it (images included)', async () => {
    const account = await motoAccount();
    const a = await buildTopology(account, A);
    const b = await buildTopology(account, B, { cidr: '10.1.0.0/16' });
    const provider = providerFor(account);
    const dry = await cleanup({
      provider,
      selector: { kind: 'experiment', experimentId: A },
      regions: ['us-east-1'],
      excludeTypes: [...EXCLUDE],
      includeImages: true,
    });
    expect(dry.complete).toBe(true);
    expect(dry.plan.steps).toHaveLength(countResources(a));
    expect(await survivors(account, a)).toHaveLength(countResources(a));

    const result = await cleanup({
      provider,
      selector: { kind: 'experiment', experimentId: A },
      regions: ['us-east-1'],
      excludeTypes: [...EXCLUDE],
      includeImages: true,
      execute: true,
      ...FAST,
    });
    expect(result.remaining).toEqual([]);
    expect(result.complete).toBe(true);
    expect(await survivors(account, a)).toEqual([]);
    expect(await survivors(account, b)).toHaveLength(countResources(b));
    expect(labTagsFor('x').Project).toBe('pulsar-aws-lab');
  });

  it('deletes snapshots that belong to no image by default; keeps images and their snapshots unless asked, and says so', async () => {
    const account = await motoAccount();
    const { ec2 } = account;
    const a = await buildTopology(account, A, { extras: false });
    const tags = Object.entries(labTagsFor(A)).map(([Key, Value]) => ({ Key, Value }));
    // The image's own snapshot, tagged afterwards (moto cannot tag it at creation).
    const imageId = a.images[0]!;
    const [imageSnapshot, loose] = a.snapshots;
    await ec2.send(new CreateTagsCommand({ Resources: [imageSnapshot!], Tags: tags }));
    // A snapshot tagged with A that backs an image nobody tagged: AWS would refuse to delete it.
    const foreignImage = (
      await ec2.send(new CreateImageCommand({ InstanceId: a.instances[1]!, Name: `untagged-${Date.now()}` }))
    ).ImageId!;
    const foreignSnapshot = (await ec2.send(new DescribeImagesCommand({ ImageIds: [foreignImage] })))
      .Images![0]!.BlockDeviceMappings![0]!.Ebs!.SnapshotId!;
    await ec2.send(new CreateTagsCommand({ Resources: [foreignSnapshot], Tags: tags }));
    // Another experiment's snapshot is never touched.
    const otherSnapshot = (
      await ec2.send(
        new CreateSnapshotCommand({
          VolumeId: a.volumes[0]!,
          TagSpecifications: [
            {
              ResourceType: 'snapshot',
              Tags: Object.entries(labTagsFor(B)).map(([Key, Value]) => ({ Key, Value })),
            },
          ],
        }),
      )
    ).SnapshotId!;

    const provider = providerFor(account);
    const options = {
      provider,
      selector: { kind: 'experiment', experimentId: A } as const,
      regions: ['us-east-1'],
      excludeTypes: [...EXCLUDE],
      execute: true,
      ...FAST,
    };
    const first = await cleanup(options);
    expect(first.complete).toBe(false);
    expect(first.execution?.deleted.map((resource) => resource.id)).toContain(loose);
    expect(
      first.remaining.map((entry) => [
        entry.resource.type,
        entry.resource.id,
        entry.kept?.reason,
        entry.message,
      ]),
    ).toEqual(
      expect.arrayContaining([
        [
          'image',
          imageId,
          'image-not-included',
          'kept: images are deregistered only when asked to (includeImages)',
        ],
        [
          'snapshot',
          imageSnapshot,
          'snapshot-of-kept-image',
          `kept: belongs to image ${imageId}, which is kept (includeImages)`,
        ],
        [
          'snapshot',
          foreignSnapshot,
          'snapshot-in-use',
          `kept: in use by image ${foreignImage}, which is not this experiment's`,
        ],
      ]),
    );
    expect(first.remaining).toHaveLength(3);
    expect(first.kept).toHaveLength(3);
    const listed = async () =>
      ((await ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'] }))).Snapshots ?? []).map(
        (snapshot) => snapshot.SnapshotId,
      );
    expect(await listed()).not.toContain(loose);
    expect(await listed()).toEqual(expect.arrayContaining([imageSnapshot, foreignSnapshot, otherSnapshot]));

    // Asked to: the image and its snapshot go; the snapshot of someone else's image stays, said so.
    const second = await cleanup({ ...options, includeImages: true });
    expect(second.complete).toBe(false);
    expect(second.remaining.map((entry) => [entry.resource.id, entry.kept?.reason])).toEqual([
      [foreignSnapshot, 'snapshot-in-use'],
    ]);
    expect(await listed()).not.toContain(imageSnapshot);
    expect(await listed()).toEqual(expect.arrayContaining([foreignSnapshot, otherSnapshot]));
    expect(
      (await ec2.send(new DescribeImagesCommand({ Owners: ['self'] }))).Images?.map((i) => i.ImageId),
    ).toEqual([foreignImage]);
  });

  it('a listing moto cannot answer (placement groups) is a problem at once: no backoff sleep, one call', async () => {
    const account = await motoAccount();
    const time = createVirtualTime();
    const provider = providerFor(account, { clock: time.clock, sleep: time.sleep });
    const started = Date.now();
    const result = await cleanup({
      provider,
      selector: { kind: 'experiment', experimentId: A },
      regions: ['us-east-1'],
      clock: time.clock,
      sleep: time.sleep,
    });
    expect(result.complete).toBe(false);
    expect(result.problems.map((problem) => [problem.type, problem.message])).toEqual([
      [
        'placement-group',
        expect.stringMatching(
          /^DescribePlacementGroups: the answer could not be read \(HTTP 500\), not retried: 500 Internal Server Error/,
        ),
      ],
    ]);
    expect(provider.stats.byOperation.DescribePlacementGroups).toBe(1);
    expect(time.sleeps).toEqual([]);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
