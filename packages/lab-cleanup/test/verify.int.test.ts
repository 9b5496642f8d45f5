// What lab-cleanup says it verified, against moto: images are kept unless --include-amis and
// the run is then incomplete; a listing the endpoint cannot answer is reported at once.
import { DescribeSnapshotsCommand } from '@aws-sdk/client-ec2';
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
import { main } from '../src/index.js';
import { capture, useCredentials } from './support/world.js';

const A = 'exp-20260101-000001';
const B = 'exp-20260101-000002';

const run = async (account: MotoAccount, argv: string[]) => {
  const out = capture();
  const err = capture();
  const code = await main(
    [...argv, '--region', account.region, '--endpoint-url', account.connection.endpoint],
    {
      stdout: out.stream,
      stderr: err.stream,
      env: { ...process.env, NO_COLOR: '1' },
    },
  );
  return { code, out: out.text(), err: err.text() };
};

describeWithMoto('what lab-cleanup verifies', () => {
  it('keeps images without --include-amis and says why, deletes snapshots of no image, and only then says Verified', async () => {
    const account = await motoAccount();
    useCredentials(account);
    const a = await buildTopology(account, A, { extras: false, objects: 1 });
    const b = await buildTopology(account, B, { extras: false, objects: 1, cidr: '10.1.0.0/16' });
    const [imageSnapshot, loose] = a.snapshots;
    const exclude = ['--exclude-type', 'placement-group'];

    const dry = await run(account, [A, ...exclude]);
    expect(dry.code, dry.err).toBe(0);
    expect(dry.err).toMatch(
      new RegExp(`image\\s+${a.images[0]}\\s+us-east-1\\s+kept: pass --include-amis to deregister it`),
    );
    expect(dry.err).toContain('1 kept (listed above)');

    const kept = await run(account, [A, ...exclude, '--execute', '--yes']);
    expect(kept.code, kept.err).toBe(3);
    expect(kept.err).toMatch(
      new RegExp(`image\\s+${a.images[0]}\\s+us-east-1\\s+kept: pass --include-amis to deregister it`),
    );
    expect(kept.err).not.toContain('Verified');
    expect(kept.err).not.toContain('verified that nothing');
    expect(kept.err).toContain('Cleanup incomplete: 1 resource(s) remain (1 kept on purpose)');
    const snapshots = async () =>
      ((await account.ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'] }))).Snapshots ?? []).map(
        (snapshot) => snapshot.SnapshotId,
      );
    expect(await snapshots()).not.toContain(loose);
    expect(await snapshots()).toContain(imageSnapshot);
    expect(await survivors(account, a)).toEqual([a.images[0], imageSnapshot]);

    const all = await run(account, [A, ...exclude, '--execute', '--yes', '--include-amis']);
    expect(all.code, all.err).toBe(0);
    expect(all.err).toContain(`verified that nothing of experiment ${A} remains`);
    expect(all.err).toContain('Not looked at, as asked: placement-group');
    expect(await survivors(account, a)).toEqual([]);
    expect(await survivors(account, b)).toHaveLength(countResources(b));
  });

  it('a sweep never deletes images unless asked', async () => {
    const account = await motoAccount();
    useCredentials(account);
    const old = new Date(Date.now() - 2 * 86_400_000).toISOString();
    const a = await buildTopology(account, A, {
      extras: false,
      objects: 1,
      tags: { ...labTagsFor(A), CreatedAt: old },
    });
    const result = await run(account, [
      '--sweep',
      '--older-than',
      '6h',
      '--exclude-type',
      'placement-group',
      '--execute',
      '--yes',
    ]);
    expect(result.code, result.err).toBe(3);
    expect(await survivors(account, a)).toEqual([a.images[0], a.snapshots[0]]);
  });

  it('a listing the endpoint cannot answer (moto has no placement groups) is reported at once, not retried, and nothing is verified', async () => {
    const account = await motoAccount();
    useCredentials(account);
    await buildTopology(account, A, { extras: false, ami: false, objects: 1, instances: 1 });
    const started = Date.now();
    const result = await run(account, [A, '--execute', '--yes']);
    expect(result.code).toBe(3);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(result.err).toContain(
      'Could not list placement-group in us-east-1: DescribePlacementGroups: the answer could not be read (HTTP 500), not retried: 500 Internal Server Error',
    );
    expect(result.err).toContain('Not verified: 1 listing(s) failed (placement-group in us-east-1)');
    expect(result.err).not.toContain('verified that nothing');
  });
});
