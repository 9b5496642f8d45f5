import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  jsonSchemaText,
  parseConfigText,
  resolveConfig,
  SCHEMA_FILES,
  SECTIONS,
  type Section,
} from '../src/index.js';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const repoDir = join(packageDir, '..', '..');
const configsDir = join(repoDir, 'configs');

const SECTION_OF_DIRECTORY: Record<string, Section> = {
  infrastructure: 'infrastructure',
  cluster: 'cluster',
  'test-plans': 'testPlan',
};

async function shippedFiles(): Promise<Array<{ section: Section; path: string }>> {
  const files: Array<{ section: Section; path: string }> = [];
  for (const [directory, section] of Object.entries(SECTION_OF_DIRECTORY)) {
    for (const name of await readdir(join(configsDir, directory))) {
      if (name.endsWith('.yaml') || name.endsWith('.yml'))
        files.push({ section, path: join(configsDir, directory, name) });
    }
  }
  return files;
}

describe('shipped configuration files', async () => {
  const files = await shippedFiles();

  it('are all there', () => {
    const names = files.map((file) => relative(configsDir, file.path)).sort();
    expect(names).toEqual(
      [
        'cluster/default.yaml',
        'cluster/local.yaml',
        'infrastructure/default.yaml',
        'infrastructure/local.yaml',
        'infrastructure/performance.yaml',
        'test-plans/backlog-drain.yaml',
        'test-plans/baseline.yaml',
        'test-plans/large-messages.yaml',
        'test-plans/latency.yaml',
        'test-plans/max-rate.yaml',
        'test-plans/poc.yaml',
        'test-plans/ramp.yaml',
        'test-plans/smoke.yaml',
      ].sort(),
    );
  });

  it.each(files.map((file) => [relative(configsDir, file.path), file] as const))(
    '%s is valid',
    async (_name, file) => {
      const text = await readFile(file.path, 'utf8');
      expect(() => parseConfigText(file.section, text, { file: file.path })).not.toThrow();
      const schemaFile = SCHEMA_FILES[file.section];
      expect(text.split('\n')[0]).toBe(`# yaml-language-server: $schema=../schema/${schemaFile}`);
    },
  );

  it('resolve together: each infrastructure with its cluster config and every test plan', async () => {
    for (const infrastructure of files.filter((file) => file.section === 'infrastructure')) {
      // The local profile is a pair: one bookie needs the local cluster settings' quorums of one.
      const cluster = infrastructure.path.endsWith('local.yaml') ? 'local.yaml' : 'default.yaml';
      for (const plan of files.filter((file) => file.section === 'testPlan')) {
        const resolved = await resolveConfig({
          files: [
            { section: 'infrastructure', file: infrastructure.path },
            { section: 'cluster', file: join(configsDir, 'cluster', cluster) },
            { section: 'testPlan', file: plan.path },
          ],
        });
        expect(resolved.config.testPlan?.name).toBeDefined();
      }
    }
  });

  it('poc.yaml is tiny: at most 2 short runs', async () => {
    const plan = parseConfigText(
      'testPlan',
      await readFile(join(configsDir, 'test-plans', 'poc.yaml'), 'utf8'),
      {
        file: 'poc.yaml',
      },
    );
    expect(plan.runs.length).toBeLessThanOrEqual(2);
    expect(plan.runs.every((run) => run.matrix === undefined && run.type !== 'ramp')).toBe(true);
    expect(plan.workload.testDurationMinutes + plan.workload.warmupDurationMinutes).toBeLessThanOrEqual(5);
  });
});

describe('JSON Schema files', () => {
  it.each(
    SECTIONS.flatMap((section) => [
      [join('configs', 'schema', SCHEMA_FILES[section]), section] as const,
      [join('packages', 'config', 'schema', SCHEMA_FILES[section]), section] as const,
    ]),
  )('%s is up to date (run `pnpm --filter @lab/config generate`)', async (path, section) => {
    expect(await readFile(join(repoDir, path), 'utf8')).toBe(jsonSchemaText(section));
  });

  it('describe strict objects with defaults as optional', () => {
    const schema = JSON.parse(jsonSchemaText('infrastructure')) as {
      additionalProperties: boolean;
      required?: string[];
      properties: Record<string, { default?: unknown }>;
    };
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required ?? []).toEqual([]);
    expect(schema.properties.region?.default).toBe('us-east-1');
    const plan = JSON.parse(jsonSchemaText('testPlan')) as { required: string[] };
    expect(plan.required.sort()).toEqual(['name', 'runs']);
  });
});
