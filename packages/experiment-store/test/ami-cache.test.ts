import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { collectEvents, createVirtualTime, ValidationError } from '@lab/core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_AMI_CACHE_TTL_MS, openStore } from '../src/index.js';
import { tempHome } from './support/processes.js';

const HOUR = 60 * 60 * 1000;
const EU = { accountId: '111111111111', region: 'eu-west-1' };
const US = { accountId: '111111111111', region: 'us-east-1' };
const EU_FILE = '111111111111.eu-west-1.json';
const US_FILE = '111111111111.us-east-1.json';

async function setup() {
  const home = await tempHome();
  const time = createVirtualTime(Date.parse('2026-04-01T00:00:00Z'));
  const events = collectEvents();
  const store = openStore({ home, clock: time.clock, sleep: time.sleep, events: events.sink });
  return { home, time, events, store, cacheDir: join(home, 'ami-cache') };
}

describe('AMI cache', () => {
  it('stores entries per account and region under ami-cache/<account>.<region>.json and expires them after the TTL', async () => {
    const { time, store, cacheDir } = await setup();
    expect(await store.amiCache.get(EU, 'pulsar-4.0.3/x86_64')).toBeUndefined();
    const entry = await store.amiCache.set(EU, 'pulsar-4.0.3/x86_64', {
      imageId: 'ami-0123456789abcdef0',
      name: 'pulsar-lab-4.0.3-1',
    });
    expect(entry).toEqual({
      value: { imageId: 'ami-0123456789abcdef0', name: 'pulsar-lab-4.0.3-1' },
      storedAt: '2026-04-01T00:00:00.000Z',
      expiresAt: new Date(Date.parse('2026-04-01T00:00:00Z') + DEFAULT_AMI_CACHE_TTL_MS).toISOString(),
    });
    await store.amiCache.set(US, 'pulsar-4.0.3/x86_64', { imageId: 'ami-11111111' }, { ttlMs: HOUR });
    expect((await readdir(cacheDir)).sort()).toEqual([EU_FILE, US_FILE]);
    expect(JSON.parse(await readFile(join(cacheDir, EU_FILE), 'utf8'))).toEqual({
      schemaVersion: 3,
      scope: EU,
      entries: { 'pulsar-4.0.3/x86_64': entry },
    });

    time.advance(HOUR - 1);
    expect((await store.amiCache.get(US, 'pulsar-4.0.3/x86_64'))?.value).toEqual({
      imageId: 'ami-11111111',
    });
    time.advance(1);
    expect(await store.amiCache.get(US, 'pulsar-4.0.3/x86_64')).toBeUndefined();
    expect((await store.amiCache.get(EU, 'pulsar-4.0.3/x86_64'))?.value).toEqual(entry.value);
    time.advance(DEFAULT_AMI_CACHE_TTL_MS);
    expect(await store.amiCache.get(EU, 'pulsar-4.0.3/x86_64')).toBeUndefined();
  });

  it('prunes expired entries on write and invalidates one key or a whole region', async () => {
    const { time, store, cacheDir } = await setup();
    await store.amiCache.set(EU, 'old', { imageId: 'ami-00000001' }, { ttlMs: HOUR });
    time.advance(2 * HOUR);
    await store.amiCache.set(EU, 'a', { imageId: 'ami-0000000a' });
    await store.amiCache.set(EU, 'b', { imageId: 'ami-0000000b' });
    const keys = async () =>
      Object.keys(
        (JSON.parse(await readFile(join(cacheDir, EU_FILE), 'utf8')) as { entries: object }).entries,
      );
    expect(await keys()).toEqual(['a', 'b']);
    await store.amiCache.invalidate(EU, 'a');
    expect(await keys()).toEqual(['b']);
    await store.amiCache.invalidate(EU);
    expect(await keys()).toEqual([]);
  });

  it('holds any JSON value, such as a whole image listing, with undefined properties left out', async () => {
    const { store, time } = await setup();
    const listing = {
      images: [
        { imageId: 'ami-0000000a', name: 'pulsar-base-4.0.4-20260401-000000', pulsarVersion: '4.0.4' },
        { imageId: 'ami-0000000b', name: 'hand-made', pulsarVersion: undefined, tags: {} },
      ],
      complete: true,
      count: 2,
      note: null,
    };
    const entry = await store.amiCache.set(EU, 'images', listing, { ttlMs: 10 * 60_000 });
    const { pulsarVersion: _, ...untagged } = listing.images[1]!;
    const expected = { ...listing, images: [listing.images[0], untagged] };
    expect(entry.value).toEqual(expected);
    expect((await store.amiCache.get(EU, 'images'))?.value).toEqual(expected);
    expect(Object.keys((entry.value as { images: object[] }).images[1]!)).not.toContain('pulsarVersion');
    time.advance(10 * 60_000);
    expect(await store.amiCache.get(EU, 'images')).toBeUndefined();
  });

  it('validates its input', async () => {
    const { store } = await setup();
    await expect(store.amiCache.get({ ...EU, region: 'Europe' }, 'k')).rejects.toBeInstanceOf(
      ValidationError,
    );
    await expect(store.amiCache.get({ ...EU, accountId: '1234' }, 'k')).rejects.toMatchObject({
      issues: [{ path: 'scope.accountId', expected: '12 digits', received: '1234' }],
    });
    await expect(store.amiCache.get({ ...EU, endpoint: '' }, 'k')).rejects.toBeInstanceOf(ValidationError);
    await expect(store.amiCache.set(EU, '', { imageId: 'ami-0000000a' })).rejects.toBeInstanceOf(
      ValidationError,
    );
    for (const value of [undefined, Number.NaN, [1, undefined], { at: new Date(0) }, { f: () => 1 }, 1n]) {
      await expect(store.amiCache.set(EU, 'k', value)).rejects.toBeInstanceOf(ValidationError);
    }
    await expect(store.amiCache.set(EU, 'k', { list: [{ n: Infinity }] })).rejects.toMatchObject({
      issues: [{ path: 'value.list.0.n', message: 'not a finite number' }],
    });
    await expect(
      store.amiCache.set(EU, 'k', { imageId: 'ami-0000000a' }, { ttlMs: 0 }),
    ).rejects.toBeInstanceOf(ValidationError);
  });

  it('treats a corrupt file as a miss with a warning, and moves it aside before writing', async () => {
    const { store, cacheDir, events } = await setup();
    await store.amiCache.set(EU, 'k', { imageId: 'ami-0000000a' });
    await writeFile(
      join(cacheDir, EU_FILE),
      '{"schemaVersion": 3, "scope": {"accountId": "111111111111", "region": "eu-west-1"}, "entries": {"k": {"value": 42}}}',
    );
    expect(await store.amiCache.get(EU, 'k')).toBeUndefined();
    expect(events.events.at(-1)).toMatchObject({ type: 'ami-cache.unusable', level: 'warn' });
    await store.amiCache.set(EU, 'k', { imageId: 'ami-0000000b' });
    expect((await store.amiCache.get(EU, 'k'))?.value).toEqual({ imageId: 'ami-0000000b' });
    const aside = (await readdir(cacheDir)).filter((name) => name.startsWith(`${EU_FILE}.corrupt-`));
    expect(aside).toHaveLength(1);
    expect(await readFile(join(cacheDir, aside[0]!), 'utf8')).toContain('"value": 42');
    expect(events.events.some((event) => event.type === 'ami-cache.moved-aside')).toBe(true);
  });

  it('never overwrites a cache file from a newer lab', async () => {
    const { store, cacheDir } = await setup();
    await store.amiCache.set(EU, 'k', { imageId: 'ami-0000000a' });
    const newer = '{"schemaVersion": 4, "images": {}}';
    await writeFile(join(cacheDir, EU_FILE), newer);
    expect(await store.amiCache.get(EU, 'k')).toBeUndefined();
    await expect(store.amiCache.set(EU, 'k', { imageId: 'ami-0000000b' })).rejects.toMatchObject({
      code: 'AMI_CACHE_TOO_NEW',
    });
    expect(await readFile(join(cacheDir, EU_FILE), 'utf8')).toBe(newer);
  });

  it('treats a file of an older schema as empty and replaces it on the next write', async () => {
    const { store, cacheDir, events } = await setup();
    await mkdir(cacheDir, { recursive: true, mode: 0o700 });
    await writeFile(
      join(cacheDir, EU_FILE),
      JSON.stringify({
        schemaVersion: 2,
        entries: {
          k: {
            imageId: 'ami-0000000a',
            storedAt: '2026-04-01T00:00:00.000Z',
            expiresAt: '2027-01-01T00:00:00.000Z',
          },
        },
      }),
    );
    expect(await store.amiCache.get(EU, 'k')).toBeUndefined();
    expect(events.events.some((event) => event.level === 'warn')).toBe(false);
    await store.amiCache.set(EU, 'other', 'x');
    expect(JSON.parse(await readFile(join(cacheDir, EU_FILE), 'utf8'))).toMatchObject({
      schemaVersion: 3,
      entries: { other: { value: 'x' } },
    });
    expect(await readdir(cacheDir)).toEqual([EU_FILE]);
    expect(events.events.some((event) => event.type === 'ami-cache.replaced')).toBe(true);
  });

  it("keeps accounts and endpoints apart: one profile never sees another account's listing", async () => {
    const { store, cacheDir, events } = await setup();
    const other = { accountId: '222222222222', region: 'eu-west-1' };
    const moto = { ...EU, endpoint: 'http://127.0.0.1:5000' };
    await store.amiCache.set(EU, 'images', { images: ['ami-0000000a'] });
    expect(await store.amiCache.get(other, 'images')).toBeUndefined();
    expect(await store.amiCache.get(moto, 'images')).toBeUndefined();
    await store.amiCache.set(other, 'images', { images: ['ami-0000000b'] });
    await store.amiCache.set(moto, 'images', { images: ['ami-0000000c'] });
    expect((await store.amiCache.get(EU, 'images'))?.value).toEqual({ images: ['ami-0000000a'] });
    expect((await store.amiCache.get(other, 'images'))?.value).toEqual({ images: ['ami-0000000b'] });
    expect((await store.amiCache.get(moto, 'images'))?.value).toEqual({ images: ['ami-0000000c'] });
    const files = (await readdir(cacheDir)).filter((name) => !name.startsWith('.')).sort();
    expect(files).toHaveLength(3);
    expect(files).toContain(EU_FILE);
    expect(files).toContain('222222222222.eu-west-1.json');
    expect(files.find((name) => /^111111111111\.eu-west-1\.[0-9a-f]{12}\.json$/.test(name))).toBeDefined();
    await store.amiCache.invalidate(other);
    expect((await store.amiCache.get(EU, 'images'))?.value).toEqual({ images: ['ami-0000000a'] });
    // A file that holds another scope than its name says (copied by hand) is not trusted.
    await writeFile(
      join(cacheDir, '222222222222.eu-west-1.json'),
      await readFile(join(cacheDir, EU_FILE), 'utf8'),
    );
    expect(await store.amiCache.get(other, 'images')).toBeUndefined();
    expect(events.events.at(-1)).toMatchObject({ type: 'ami-cache.unusable', level: 'warn' });
  });

  it('serialises concurrent writers so that no entry is lost', async () => {
    const home = await tempHome();
    const stores = [openStore({ home }), openStore({ home })];
    await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        stores[index % 2]!.amiCache.set(EU, `key-${index}`, {
          imageId: `ami-${String(index).padStart(8, '0')}`,
        }),
      ),
    );
    for (let index = 0; index < 20; index++) {
      expect((await stores[0]!.amiCache.get(EU, `key-${index}`))?.value).toEqual({
        imageId: `ami-${String(index).padStart(8, '0')}`,
      });
    }
  });
});
