import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectEvents, createVirtualTime } from '@lab/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type AmiImage,
  compareVersions,
  createAmiCache,
  newestPerVersion,
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

describe('AMI cache', () => {
  let home: string;
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'ami-cache-'));
  });
  afterEach(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('stores a listing per region under ~/.pulsar-aws-lab/ami-cache and expires it', async () => {
    const time = createVirtualTime(Date.UTC(2026, 0, 1));
    const cache = createAmiCache({ homeDir: home, clock: time.clock, ttlMs: 1000 });
    expect(cache.path('eu-west-1')).toBe(join(home, '.pulsar-aws-lab', 'ami-cache', 'eu-west-1.images.json'));
    expect(await cache.read('eu-west-1')).toBeUndefined();
    await cache.write('eu-west-1', [image('ami-1', '4.0.4', '2026-01-01T00:00:00Z')]);
    expect((await cache.read('eu-west-1'))?.images.map((i) => i.imageId)).toEqual(['ami-1']);
    expect(await cache.read('us-east-1')).toBeUndefined();
    time.advance(1000);
    expect(await cache.read('eu-west-1')).toBeUndefined();
    await cache.invalidate('eu-west-1');
    await expect(readFile(cache.path('eu-west-1'))).rejects.toThrow();
  });

  it('ignores an unreadable cache file with a warning instead of failing', async () => {
    const { sink, events } = collectEvents();
    const cache = createAmiCache({ homeDir: home, events: sink });
    await mkdir(join(home, '.pulsar-aws-lab', 'ami-cache'), { recursive: true });
    await writeFile(cache.path('us-east-1'), '{ not json');
    expect(await cache.read('us-east-1')).toBeUndefined();
    expect(events.map((event) => [event.type, event.level])).toEqual([['cache.unreadable', 'warn']]);
  });

  it('refuses a region that is not a region (it becomes a file name)', () => {
    const cache = createAmiCache({ homeDir: home });
    expect(() => cache.path('../../etc/passwd')).toThrow(/Not an AWS region/);
  });
});
