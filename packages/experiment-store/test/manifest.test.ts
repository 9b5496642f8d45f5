import { readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  MANIFEST_MIGRATIONS,
  MANIFEST_SCHEMA_VERSION,
  ManifestCorruptError,
  type ManifestMigration,
  ManifestTooNewError,
  openStore,
  parseManifest,
} from '../src/index.js';
import { openStoreWithSchema } from '../src/store.js';
import { tempHome } from './support/processes.js';

const input = { name: 'schema', regions: ['eu-west-1'], configDigest: 'sha256:abc' };

/**
 * A synthetic history for exercising the migration mechanism: pretend the current schema is
 * version 3 and that versions 1 and 2 once existed — version 1 with one `region` and `created`,
 * version 2 with `regions` but still `created`. (The real schema is at version 1 and has no
 * migrations; this is the shape the first real one will take.)
 */
const syntheticMigrations: ManifestMigration[] = [
  {
    from: 2,
    description: 'rename created to createdAt',
    migrate: ({ created, ...rest }) => ({ ...rest, createdAt: created }),
  },
  {
    from: 1,
    description: 'one region becomes a list',
    migrate: ({ region, ...rest }) => ({ ...rest, regions: [region] }),
  },
];
const syntheticSchema = { version: 3, migrations: syntheticMigrations };

function versionOneDocument(id: string) {
  return {
    schemaVersion: 1,
    id,
    name: 'from the past',
    created: '2025-06-01T12:00:00.000Z',
    target: 'aws',
    tags: { Owner: 'ana' },
    region: 'us-east-1',
    configDigest: 'sha256:old',
    phases: {
      setup: {
        status: 'succeeded',
        startedAt: '2025-06-01T12:00:01.000Z',
        endedAt: '2025-06-01T12:10:00.000Z',
      },
    },
    terraform: { stateDir: 'terraform' },
    resources: {},
    resourcesGone: null,
    outcome: null,
    details: {},
  };
}

describe('schema migration', () => {
  it('the real schema is version 2: a version 1 manifest was an AWS experiment', () => {
    expect(MANIFEST_SCHEMA_VERSION).toBe(2);
    expect(MANIFEST_MIGRATIONS.map((migration) => migration.from)).toEqual([1]);
    const { region: _region, created, target: _target, ...rest } = versionOneDocument('v1');
    const parsed = parseManifest(
      JSON.stringify({ ...rest, createdAt: created, regions: ['us-east-1'] }),
      '/x/manifest.json',
    );
    expect(parsed).toMatchObject({ migratedFrom: 1, manifest: { schemaVersion: 2, target: 'aws' } });
  });

  it('a local experiment has no regions, an AWS one at least one', () => {
    const { region: _region, created, target: _target, ...rest } = versionOneDocument('v2');
    const document = { ...rest, schemaVersion: 2, createdAt: created };
    expect(
      parseManifest(JSON.stringify({ ...document, target: 'local', regions: [] }), '/x').manifest.target,
    ).toBe('local');
    for (const [target, regions] of [
      ['local', ['us-east-1']],
      ['aws', []],
    ] as const) {
      expect(() => parseManifest(JSON.stringify({ ...document, target, regions }), '/x')).toThrow(
        ManifestCorruptError,
      );
    }
  });

  it('accepts GovCloud and ISO regions and rejects a region without its number', () => {
    const { region: _region, created, target: _target, ...rest } = versionOneDocument('v3');
    const document = { ...rest, schemaVersion: 2, createdAt: created, target: 'aws' };
    const regions = ['us-iso-east-1', 'us-gov-west-1'];
    expect(parseManifest(JSON.stringify({ ...document, regions }), '/x').manifest.regions).toEqual(regions);
    expect(() => parseManifest(JSON.stringify({ ...document, regions: ['us-east'] }), '/x')).toThrow(
      ManifestCorruptError,
    );
  });

  it('applies every step from an old version, in order', () => {
    const text = JSON.stringify(versionOneDocument('old-one'));
    const parsed = parseManifest(text, '/x/manifest.json', syntheticSchema);
    expect(parsed.migratedFrom).toBe(1);
    expect(parsed.manifest).toMatchObject({
      schemaVersion: 3,
      regions: ['us-east-1'],
      createdAt: '2025-06-01T12:00:00.000Z',
    });
    expect(parsed.manifest).not.toHaveProperty('region');
    expect(parsed.manifest).not.toHaveProperty('created');
    const fromTwo = { ...versionOneDocument('old-two'), schemaVersion: 2, regions: ['us-east-1'] } as Record<
      string,
      unknown
    >;
    delete fromTwo.region;
    expect(parseManifest(JSON.stringify(fromTwo), '/x/manifest.json', syntheticSchema).migratedFrom).toBe(2);
  });

  it('refuses a version with a missing step, and a step that fails or produces a bad shape', () => {
    const text = JSON.stringify(versionOneDocument('gap'));
    const gap = { version: 3, migrations: syntheticMigrations.filter((step) => step.from !== 2) };
    expect(() => parseManifest(text, '/x/manifest.json', gap)).toThrow(/no migration from version 2 exists/);
    const throwing = {
      version: 2,
      migrations: [
        {
          from: 1,
          description: 'explodes',
          migrate: () => {
            throw new Error('boom');
          },
        },
      ],
    };
    expect(() => parseManifest(text, '/x/manifest.json', throwing)).toThrow(
      /from schema version 1 \(explodes\) failed: boom/,
    );
    const sloppy = {
      version: 2,
      migrations: [
        { from: 1, description: 'forgets a field', migrate: (doc: Record<string, unknown>) => doc },
      ],
    };
    const error = (() => {
      try {
        parseManifest(text, '/x/manifest.json', sloppy);
      } catch (e) {
        return e as ManifestCorruptError;
      }
    })();
    expect(error).toBeInstanceOf(ManifestCorruptError);
    expect(error?.message).toContain('after migrating from version 1');
    expect(error?.issues.map((issue) => issue.path)).toEqual(
      expect.arrayContaining(['createdAt', 'regions']),
    );
  });

  it('reads an old manifest without writing it, and writes the current version on the next update', async () => {
    const home = await tempHome();
    const store = openStoreWithSchema({ home }, syntheticSchema);
    const created = await store.create({ ...input, id: 'old-exp' });
    await created.release();
    await writeFile(created.paths.manifest, JSON.stringify(versionOneDocument('old-exp')));
    const before = await readFile(created.paths.manifest, 'utf8');

    const experiment = await store.open('old-exp');
    expect((await experiment.readManifest()).regions).toEqual(['us-east-1']);
    expect((await store.list())[0]).toMatchObject({
      id: 'old-exp',
      status: 'in-progress',
      regions: ['us-east-1'],
    });
    expect(await readFile(created.paths.manifest, 'utf8')).toBe(before);

    await experiment.startPhase('run');
    const written = JSON.parse(await readFile(created.paths.manifest, 'utf8')) as Record<string, unknown>;
    expect(written).toMatchObject({
      schemaVersion: 3,
      regions: ['us-east-1'],
      createdAt: '2025-06-01T12:00:00.000Z',
    });
    expect(written).not.toHaveProperty('region');
    expect(await readFile(created.paths.events, 'utf8')).toContain('"type":"manifest.migrated"');
  });
});

describe('corrupt and newer manifests', () => {
  async function experimentWith(content: string) {
    const home = await tempHome();
    const store = openStore({ home });
    const experiment = await store.create(input);
    await experiment.release();
    await writeFile(experiment.paths.manifest, content);
    return { store, experiment };
  }

  const corrupt: [string, string, RegExp][] = [
    ['an empty file', '', /not valid JSON \(the file is empty\)/],
    ['a torn write', '{"schemaVersion": 1, "id": "exp-', /not valid JSON/],
    ['an array', '[]', /not a JSON object/],
    ['no version', '{"id": "x"}', /no valid schemaVersion/],
    ['a bad version', '{"schemaVersion": "1"}', /no valid schemaVersion/],
    [
      'a wrong shape',
      JSON.stringify({ schemaVersion: 1, id: 'x' }),
      /does not match manifest schema version 2/,
    ],
  ];

  for (const [what, content, message] of corrupt) {
    it(`reports ${what} and never overwrites it`, async () => {
      const { store, experiment } = await experimentWith(content);
      const read = await experiment.readManifest().catch((e: unknown) => e);
      expect(read).toBeInstanceOf(ManifestCorruptError);
      expect((read as ManifestCorruptError).message).toMatch(message);
      expect((read as ManifestCorruptError).code).toBe('MANIFEST_CORRUPT');
      expect((read as ManifestCorruptError).hint).toContain('left untouched');
      let mutatorRan = false;
      await expect(
        experiment.updateManifest(() => {
          mutatorRan = true;
        }),
      ).rejects.toBeInstanceOf(ManifestCorruptError);
      await expect(experiment.startPhase('setup')).rejects.toBeInstanceOf(ManifestCorruptError);
      expect(mutatorRan).toBe(false);
      expect(await readFile(experiment.paths.manifest, 'utf8')).toBe(content);
      const [row] = await store.list();
      expect(row).toMatchObject({
        status: 'unreadable',
        resourcesMayBeAlive: true,
        problem: { code: 'MANIFEST_CORRUPT' },
      });
    });
  }

  it('names the fields of a manifest with the wrong shape', async () => {
    const store = openStore({ home: await tempHome() });
    const fresh = await store.create(input);
    await fresh.release();
    const manifest = JSON.parse(await readFile(fresh.paths.manifest, 'utf8')) as Record<string, unknown>;
    await writeFile(
      fresh.paths.manifest,
      JSON.stringify({
        ...manifest,
        regions: ['moon-1'],
        phases: { setup: { status: 'done' } },
        surprise: true,
      }),
    );
    const error = (await fresh.readManifest().catch((e: unknown) => e)) as ManifestCorruptError;
    expect(error.issues.map((issue) => issue.path).sort()).toEqual(['', 'phases.setup.status', 'regions.0']);
    expect(error.issues.every((issue) => issue.file === fresh.paths.manifest)).toBe(true);
  });

  it('refuses a manifest whose id is not its directory (a copied experiment)', async () => {
    const store = openStore({ home: await tempHome() });
    const original = await store.create({ ...input, id: 'original' });
    await original.release();
    const copy = await store.create({ ...input, id: 'copy' });
    await copy.release();
    const text = await readFile(original.paths.manifest, 'utf8');
    await writeFile(copy.paths.manifest, text);
    await expect(copy.readManifest()).rejects.toThrow(/belongs to experiment original, not to copy/);
    await expect(copy.startPhase('setup')).rejects.toBeInstanceOf(ManifestCorruptError);
    expect(await readFile(copy.paths.manifest, 'utf8')).toBe(text);
  });

  it('refuses a manifest from a newer lab and leaves it alone', async () => {
    const store = openStore({ home: await tempHome() });
    const experiment = await store.create(input);
    await experiment.release();
    const manifest = JSON.parse(await readFile(experiment.paths.manifest, 'utf8')) as Record<string, unknown>;
    const newer = JSON.stringify({
      ...manifest,
      schemaVersion: MANIFEST_SCHEMA_VERSION + 1,
      fromTheFuture: {},
    });
    await writeFile(experiment.paths.manifest, newer);
    const error = (await experiment.readManifest().catch((e: unknown) => e)) as ManifestTooNewError;
    expect(error).toBeInstanceOf(ManifestTooNewError);
    expect(error.code).toBe('MANIFEST_TOO_NEW');
    expect(error.hint).toContain('Upgrade');
    await expect(experiment.finish('succeeded')).rejects.toBeInstanceOf(ManifestTooNewError);
    expect(await readFile(experiment.paths.manifest, 'utf8')).toBe(newer);
    expect((await store.list())[0]).toMatchObject({
      status: 'unreadable',
      problem: { code: 'MANIFEST_TOO_NEW' },
    });
  });

  it('validates what a mutator produces before writing it', async () => {
    const store = openStore({ home: await tempHome() });
    const experiment = await store.create(input);
    const before = await readFile(experiment.paths.manifest, 'utf8');
    await expect(
      experiment.updateManifest((draft) => {
        draft.regions = [];
      }),
    ).rejects.toBeInstanceOf(ManifestCorruptError);
    await expect(
      experiment.updateManifest((draft) => {
        draft.id = 'another';
      }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(await readFile(experiment.paths.manifest, 'utf8')).toBe(before);
  });
});
