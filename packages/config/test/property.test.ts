import { ValidationError } from '@lab/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseConfigText, type Section } from '../src/index.js';

const role = (counts: fc.Arbitrary<number>) =>
  fc.record(
    {
      count: counts,
      instanceType: fc.constantFrom('t3.small', 'm5.large', 'c5.4xlarge', 'i4i.2xlarge'),
      rootVolumeGb: fc.integer({ min: 16, max: 1024 }),
    },
    { requiredKeys: [] },
  );

const volume = fc
  .record({ sizeGb: fc.integer({ min: 20, max: 2000 }), iops: fc.integer({ min: 3000, max: 10_000 }) })
  .map((item) => ({ ...item, throughputMBps: Math.min(1000, Math.max(125, Math.floor(item.iops / 8))) }));

const infrastructure = fc
  .record(
    {
      name: fc.stringMatching(/^[a-z][a-z0-9-]{0,20}[a-z0-9]$/),
      region: fc.constantFrom('us-east-1', 'eu-west-1', 'ap-southeast-2'),
      spot: fc.boolean(),
      tags: fc.dictionary(
        fc.stringMatching(/^[A-Za-z][A-Za-z0-9_.:/=+@-]{0,20}$/),
        fc.stringMatching(/^[a-z0-9 ]{0,10}$/),
        {
          maxKeys: 5,
        },
      ),
      network: fc.record(
        {
          vpcCidr: fc.integer({ min: 16, max: 24 }).map((prefix) => `10.20.0.0/${prefix}`),
          availabilityZones: fc.integer({ min: 1, max: 3 }),
        },
        { requiredKeys: [] },
      ),
      roles: fc.record(
        {
          zookeeper: role(fc.constantFrom(1, 3, 5)),
          bookkeeper: fc.record(
            { count: fc.integer({ min: 3, max: 9 }), journal: volume, ledgers: volume },
            { requiredKeys: [] },
          ),
          broker: role(fc.integer({ min: 1, max: 9 })),
          client: role(fc.integer({ min: 1, max: 9 })),
        },
        { requiredKeys: [] },
      ),
    },
    { requiredKeys: [] },
  )
  .filter((config) => {
    // Tag keys that differ only in case are one key to IAM: a valid input has none.
    const keys = Object.keys(config.tags ?? {}).map((key) => key.toLowerCase());
    return new Set(keys).size === keys.length && keys.every((key) => !key.startsWith('aws:'));
  });

const run = fc.oneof(
  fc.record({ type: fc.constant('fixed-rate'), producerRate: fc.integer({ min: 1, max: 1_000_000 }) }),
  fc.record({ type: fc.constant('max-rate') }),
  fc.record({
    type: fc.constant('ramp'),
    startRate: fc.integer({ min: 1, max: 100_000 }),
    stepRate: fc.integer({ min: 1, max: 100_000 }),
    steps: fc.integer({ min: 2, max: 20 }),
    stepDurationMinutes: fc.integer({ min: 2, max: 10 }),
  }),
  fc.record({ type: fc.constant('latency'), producerRate: fc.integer({ min: 1, max: 10_000 }) }),
  fc.record({
    type: fc.constant('backlog'),
    producerRate: fc.integer({ min: 1, max: 100_000 }),
    consumerBacklogSizeGB: fc.integer({ min: 1, max: 100 }),
  }),
);

const testPlan = fc.record({
  name: fc.stringMatching(/^[a-z][a-z0-9-]{0,20}[a-z0-9]$/),
  workload: fc.record(
    {
      topics: fc.integer({ min: 1, max: 100 }),
      partitionsPerTopic: fc.integer({ min: 1, max: 64 }),
      messageSize: fc.integer({ min: 1, max: 1_000_000 }),
      testDurationMinutes: fc.integer({ min: 2, max: 30 }),
    },
    { requiredKeys: [] },
  ),
  runs: fc.array(run, { minLength: 1, maxLength: 5 }),
});

type Tree = Record<string, unknown>;

/** Every path of `value` that leads to a mapping (where a stray key may be put). */
function objectPaths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return value.flatMap((item, index) => objectPaths(item, [...prefix, index]));
  if (typeof value !== 'object' || value === null) return [];
  const own = prefix.length > 0 && (prefix.at(-1) === 'tags' || prefix.at(-1) === 'settings') ? [] : [prefix];
  return [...own, ...Object.entries(value).flatMap(([key, item]) => objectPaths(item, [...prefix, key]))];
}

function numberPaths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (typeof value === 'number') return [prefix];
  if (Array.isArray(value)) return value.flatMap((item, index) => numberPaths(item, [...prefix, index]));
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, item]) => numberPaths(item, [...prefix, key]));
}

function at(tree: unknown, path: (string | number)[]): Tree {
  return path.reduce<unknown>((node, segment) => (node as Tree)[segment as string], tree) as Tree;
}

const cases: Array<[Section, fc.Arbitrary<Tree>]> = [
  ['infrastructure', infrastructure as fc.Arbitrary<Tree>],
  ['testPlan', testPlan as fc.Arbitrary<Tree>],
];

describe.each(cases)('%s: generated inputs', (section, arbitrary) => {
  it('accepts every valid input and keeps its values', () => {
    fc.assert(
      fc.property(arbitrary, (config) => {
        const parsed = parseConfigText(section, stringify(config), { file: 'gen.yaml' });
        expect(parsed).toMatchObject(config);
      }),
      { numRuns: 150 },
    );
  });

  it('rejects a stray key anywhere, at its path and line', () => {
    fc.assert(
      fc.property(
        arbitrary.chain((config) =>
          fc.tuple(
            fc.constant(config),
            fc.constantFrom(...objectPaths(config)),
            fc.stringMatching(/^zz[a-z]{3,8}$/),
          ),
        ),
        ([config, path, key]) => {
          const mutated = structuredClone(config);
          at(mutated, path)[key] = 1;
          const text = stringify(mutated);
          try {
            parseConfigText(section, text, { file: 'gen.yaml' });
          } catch (error) {
            expect(error).toBeInstanceOf(ValidationError);
            const issue = (error as ValidationError).issues.find((item) => item.message.includes(`"${key}"`));
            expect(issue?.path).toBe([...path, key].join('.'));
            expect(text.split('\n')[issue!.line! - 1]).toContain(key);
            return;
          }
          throw new Error('accepted a stray key');
        },
      ),
      { numRuns: 150 },
    );
  });

  it('rejects a number replaced by text, at its path and line', () => {
    fc.assert(
      fc.property(
        arbitrary
          .filter((config) => numberPaths(config).length > 0)
          .chain((config) => fc.tuple(fc.constant(config), fc.constantFrom(...numberPaths(config)))),
        ([config, path]) => {
          const mutated = structuredClone(config);
          at(mutated, path.slice(0, -1))[path.at(-1) as string] = 'not-a-number';
          const text = stringify(mutated);
          try {
            parseConfigText(section, text, { file: 'gen.yaml' });
          } catch (error) {
            expect(error).toBeInstanceOf(ValidationError);
            const issue = (error as ValidationError).issues.find((item) => item.path === path.join('.'));
            expect(issue).toMatchObject({ received: '"not-a-number"', file: 'gen.yaml' });
            expect(text.split('\n')[issue!.line! - 1]).toContain('not-a-number');
            return;
          }
          throw new Error('accepted text for a number');
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('arbitrary text', () => {
  it('either parses or fails with a ValidationError, never anything else', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        for (const section of ['infrastructure', 'cluster', 'testPlan'] as const) {
          try {
            parseConfigText(section, text, { file: 'fuzz.yaml' });
          } catch (error) {
            expect(error).toBeInstanceOf(ValidationError);
            for (const issue of (error as ValidationError).issues) expect(issue.file).toBe('fuzz.yaml');
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
