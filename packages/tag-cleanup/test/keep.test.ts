import { createVirtualTime } from '@lab/core';
import { describe, expect, it } from 'vitest';
import {
  type CleanupProvider,
  cleanup,
  type DeleteOutcome,
  type Resource,
  resourceKey,
} from '../src/index.js';
import { partitionKept } from '../src/keep.js';
import { EXP, resource } from './fixtures.js';

const image = resource('image', 'ami-1', { related: ['snap-img'] });
const imageSnapshot = resource('snapshot', 'snap-img', { details: { usedBy: ['ami-1'] } });
const loose = resource('snapshot', 'snap-loose', { details: { usedBy: [] } });
const inForeignUse = resource('snapshot', 'snap-foreign', { details: { usedBy: ['ami-other'] } });
const vpc = resource('vpc', 'vpc-1', { vpcId: 'vpc-1' });

describe('partitionKept', () => {
  it('deletes snapshots of no image; keeps images and their snapshots unless asked; never a snapshot of another image', () => {
    const all = [image, imageSnapshot, loose, inForeignUse, vpc];
    const byDefault = partitionKept(all);
    expect(byDefault.toDelete.map((r) => r.id)).toEqual(['snap-loose', 'vpc-1']);
    expect(byDefault.kept.map((k) => [k.resource.id, k.reason, k.imageId])).toEqual([
      ['ami-1', 'image-not-included', undefined],
      ['snap-img', 'snapshot-of-kept-image', 'ami-1'],
      ['snap-foreign', 'snapshot-in-use', 'ami-other'],
    ]);
    const asked = partitionKept(all, { includeImages: true });
    expect(asked.toDelete.map((r) => r.id)).toEqual(['ami-1', 'snap-img', 'snap-loose', 'vpc-1']);
    expect(asked.kept.map((k) => k.resource.id)).toEqual(['snap-foreign']);
  });
});

/** A fake cloud: discovery lists what exists; a deleted resource may stay listed for a while. */
function fakeCloud(resources: Resource[], staleListings: number) {
  const alive = new Map(resources.map((r) => [resourceKey(r), r]));
  const stale = new Map<string, { resource: Resource; left: number }>();
  const provider: CleanupProvider = {
    discover: async () => {
      const listed = [...alive.values()];
      for (const [key, entry] of stale) {
        listed.push(entry.resource);
        entry.left -= 1;
        if (entry.left <= 0) stale.delete(key);
      }
      return { resources: listed, problems: [] };
    },
    deleter: {
      deleteBatch: async (batch) =>
        batch.map((r): DeleteOutcome => {
          const key = resourceKey(r);
          if (!alive.has(key)) return { key, status: 'gone' };
          alive.delete(key);
          if (staleListings > 0) stale.set(key, { resource: r, left: staleListings });
          return { key, status: 'deleted' };
        }),
    },
  };
  return { provider, alive };
}

describe('cleanup: verification', () => {
  const base = (provider: CleanupProvider, time = createVirtualTime()) => ({
    provider,
    selector: { kind: 'experiment', experimentId: EXP } as const,
    regions: ['us-east-1'],
    execute: true,
    clock: time.clock,
    sleep: time.sleep,
  });

  it('a resource still listed after its deletion (eventual consistency) gets another pass, then is verified gone', async () => {
    const cloud = fakeCloud([vpc, loose], 1);
    const result = await cleanup(base(cloud.provider));
    expect(result.complete).toBe(true);
    expect(result.remaining).toEqual([]);
    // Deleted in the first pass, "already gone" in the second: counted once.
    expect(result.execution?.deleted.map((resource) => resource.id).sort()).toEqual(['snap-loose', 'vpc-1']);
  });

  it('passes are bounded: a listing that never settles is reported, not waited on forever', async () => {
    const cloud = fakeCloud([vpc], 100);
    const result = await cleanup({ ...base(cloud.provider), maxPasses: 2 });
    expect(result.complete).toBe(false);
    expect(result.remaining.map((entry) => entry.message)).toEqual([
      'still present although its deletion succeeded (eventual consistency?); run again',
    ]);
  });

  it('what is kept remains, makes the run incomplete, and nothing else is deleted with it', async () => {
    const cloud = fakeCloud([image, imageSnapshot, loose], 0);
    const result = await cleanup(base(cloud.provider));
    expect(result.complete).toBe(false);
    expect(result.remaining.map((entry) => [entry.resource.id, entry.kept?.reason])).toEqual([
      ['ami-1', 'image-not-included'],
      ['snap-img', 'snapshot-of-kept-image'],
    ]);
    expect([...cloud.alive.values()].map((r) => r.id).sort()).toEqual(['ami-1', 'snap-img']);
    // Only kept resources: nothing to delete, still not complete.
    const again = await cleanup(base(cloud.provider));
    expect(again.plan.steps).toEqual([]);
    expect(again.complete).toBe(false);
    expect(again.remaining).toHaveLength(2);
  });
});
