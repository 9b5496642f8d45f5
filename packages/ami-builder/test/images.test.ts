import { describe, expect, it } from 'vitest';
import {
  type AmiImage,
  compareVersions,
  newestPerVersion,
  parseCachedListing,
  planPrune,
  selectLatest,
} from '../src/index.js';

const image = (
  imageId: string,
  pulsarVersion: string | undefined,
  creationDate: string,
  state = 'available',
): AmiImage => ({
  imageId,
  name: `pulsar-base-${pulsarVersion}`,
  state,
  creationDate,
  pulsarVersion,
  ombCommit: undefined,
  javaVersion: undefined,
  buildDate: undefined,
  snapshotIds: [],
  tags: {},
});

describe('versions', () => {
  it('orders numerically, part by part, with releases after their pre-releases', () => {
    const sorted = ['4.0.10', '3.3.2', '4.0.9', '4.0.0-rc1', '4.0.0', '10.0.0'].sort(compareVersions);
    expect(sorted).toEqual(['3.3.2', '4.0.0-rc1', '4.0.0', '4.0.9', '4.0.10', '10.0.0']);
  });

  it('finds the newest available image per version', () => {
    const images = [
      image('ami-1', '4.0.4', '2026-01-01T00:00:00Z'),
      image('ami-2', '4.0.4', '2026-01-02T00:00:00Z'),
      image('ami-3', '4.0.4', '2026-01-03T00:00:00Z', 'failed'),
      image('ami-4', '3.3.2', '2026-01-04T00:00:00Z'),
      image('ami-5', undefined, '2026-01-05T00:00:00Z'),
    ];
    expect(newestPerVersion(images).map((i) => i.imageId)).toEqual(['ami-2', 'ami-4']);
    expect(selectLatest(images)?.imageId).toBe('ami-2');
    expect(selectLatest([])).toBeUndefined();
  });

  it('plans a prune that never touches pending or untagged images', () => {
    const plan = planPrune(
      [
        image('ami-1', '4.0.4', '2026-01-01T00:00:00Z'),
        image('ami-2', '4.0.4', '2026-01-02T00:00:00Z'),
        image('ami-3', '4.0.4', '2026-01-03T00:00:00Z', 'pending'),
        image('ami-4', undefined, '2026-01-04T00:00:00Z'),
      ],
      1,
    );
    expect(plan.keep.map((i) => i.imageId)).toEqual(['ami-2']);
    expect(plan.remove.map((i) => i.imageId)).toEqual(['ami-1']);
    expect(plan.skipped.map((s) => [s.image.imageId, s.reason])).toEqual([
      ['ami-3', 'still being created'],
      ['ami-4', 'no PulsarVersion tag'],
    ]);
  });
});

describe('cached image listing', () => {
  it('reads back what a JSON cache returns, restoring the undefined fields', () => {
    const images = [
      image('ami-1', '4.0.4', '2026-01-01T00:00:00Z'),
      { ...image('ami-2', undefined, '2026-01-02T00:00:00Z'), tags: { Project: 'pulsar-aws-lab' } },
    ];
    const stored: unknown = JSON.parse(JSON.stringify({ images }));
    expect(Object.keys((stored as { images: object[] }).images[1]!)).not.toContain('pulsarVersion');
    expect(parseCachedListing(stored)).toEqual(images);
    expect(parseCachedListing({ images: [] })).toEqual([]);
  });

  it('refuses anything that is not a listing', () => {
    const good = JSON.parse(JSON.stringify(image('ami-1', '4.0.4', '2026-01-01T00:00:00Z'))) as Record<
      string,
      unknown
    >;
    for (const value of [
      undefined,
      null,
      'x',
      [],
      { images: 'x' },
      { images: [null] },
      { images: [{ ...good, imageId: 1 }] },
      { images: [{ ...good, snapshotIds: [1] }] },
      { images: [{ ...good, tags: { a: 1 } }] },
      { images: [{ ...good, tags: [] }] },
      { images: [{ ...good, pulsarVersion: 4 }] },
      { images: [good, { ...good, state: undefined }] },
    ]) {
      expect(parseCachedListing(value)).toBeUndefined();
    }
  });
});
