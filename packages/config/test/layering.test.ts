import { collectEvents, formatIssue } from '@lab/core';
import { describe, expect, it } from 'vitest';
import {
  configDigest,
  provenanceLabel,
  type ResolvedConfig,
  resolveConfig,
  resolveConfigSources,
} from '../src/index.js';
import { issuesOf, issuesOfAsync } from './helpers.js';

const BASE = `name: base
region: eu-west-1
roles:
  broker:
    count: 3
    instanceType: m5.large
`;
const OVERRIDE = `region: eu-north-1
roles:
  broker:
    count: 4
`;
const PLAN = `name: p
runs:
  - type: fixed-rate
    producerRate: 1000
  - type: max-rate
`;

const sourceOf = (resolved: ResolvedConfig, path: string) => {
  const entry = resolved.provenance.find((item) => item.path === path);
  if (entry === undefined) throw new Error(`no provenance for ${path}`);
  return provenanceLabel(entry.provenance);
};

// What a run without --config resolves to: the shipped defaults files alone.
const { infrastructure: DEFAULT_INFRASTRUCTURE, cluster: DEFAULT_CLUSTER } = resolveConfigSources({}).config;
const INFRA_DEFAULTS = 'default:@lab/config/configs/infrastructure/default.yaml';

describe('layering: defaults → files → --set → --tag', () => {
  const resolved = resolveConfigSources({
    files: [
      { section: 'infrastructure', file: 'base.yaml', text: BASE },
      { section: 'infrastructure', file: 'override.yaml', text: OVERRIDE },
      { section: 'testPlan', file: 'plan.yaml', text: PLAN },
    ],
    set: [
      'infrastructure.roles.broker.count=5',
      'testPlan.runs.0.producerRate=2000',
      'cluster.broker.heapMb=2048',
    ],
    tags: ['Owner=ana', 'Cost Center=42'],
  });

  it('applies later layers over earlier ones', () => {
    const { infrastructure, cluster, testPlan } = resolved.config;
    expect(infrastructure.name).toBe('base');
    expect(infrastructure.region).toBe('eu-north-1');
    expect(infrastructure.roles.broker).toEqual({ count: 5, instanceType: 'm5.large', rootVolumeGb: 20 });
    expect(infrastructure.roles.zookeeper).toEqual(DEFAULT_INFRASTRUCTURE.roles.zookeeper);
    expect(infrastructure.tags).toEqual({ Owner: 'ana', 'Cost Center': '42' });
    expect(cluster.broker.heapMb).toBe(2048);
    expect(cluster.bookkeeper).toEqual(DEFAULT_CLUSTER.bookkeeper);
    expect(testPlan?.runs[0]).toMatchObject({ type: 'fixed-rate', producerRate: 2000 });
  });

  it('knows where every value came from', () => {
    expect(sourceOf(resolved, 'infrastructure.spot')).toMatch(new RegExp(`^${INFRA_DEFAULTS}:\\d+$`));
    expect(sourceOf(resolved, 'infrastructure.name')).toBe('file:base.yaml:1');
    expect(sourceOf(resolved, 'infrastructure.region')).toBe('file:override.yaml:1');
    expect(sourceOf(resolved, 'infrastructure.roles.broker.instanceType')).toBe('file:base.yaml:6');
    expect(sourceOf(resolved, 'infrastructure.roles.broker.count')).toBe('flag:--set');
    expect(sourceOf(resolved, 'infrastructure.roles.broker.rootVolumeGb')).toMatch(
      new RegExp(`^${INFRA_DEFAULTS}:\\d+$`),
    );
    expect(sourceOf(resolved, 'infrastructure.tags.Owner')).toBe('flag:--tag');
    expect(sourceOf(resolved, 'testPlan.runs.0.producerRate')).toBe('flag:--set');
    expect(sourceOf(resolved, 'testPlan.runs.1.type')).toBe('file:plan.yaml:5');
    // Test plans have no defaults file: a field left out is the test plan schema's own default.
    expect(sourceOf(resolved, 'testPlan.workload.messageSize')).toBe('schema default');
  });

  it('prints the provenance table for config --explain', () => {
    const table = resolved.explain({ section: 'infrastructure' }).split('\n');
    expect(table[0]).toMatch(/^PATH\s+VALUE\s+SOURCE$/);
    expect(table).toContainEqual(
      expect.stringMatching(/^infrastructure\.region\s+eu-north-1\s+file:override\.yaml:1$/),
    );
    expect(table).toContainEqual(
      expect.stringMatching(/^infrastructure\.roles\.broker\.count\s+5\s+flag:--set$/),
    );
    expect(table).toContainEqual(
      expect.stringMatching(
        /^infrastructure\.network\.adminCidrs\s+\[\]\s+default:@lab\/config\/configs\/infrastructure\/default\.yaml:\d+$/,
      ),
    );
    expect(table.every((line) => !line.startsWith('cluster.'))).toBe(true);
    expect(resolved.explain()).toContain('cluster.broker.heapMb');
  });

  it('has no test plan unless one is given', () => {
    const alone = resolveConfigSources({});
    expect(alone.config.testPlan).toBeUndefined();
    expect(alone.config.infrastructure).toEqual(DEFAULT_INFRASTRUCTURE);
  });

  it('replaces a list instead of merging it, and forgets the replaced provenance', () => {
    const layered = resolveConfigSources({
      files: [
        { section: 'testPlan', file: 'a.yaml', text: PLAN },
        { section: 'testPlan', file: 'b.yaml', text: 'runs:\n  - type: latency\n' },
      ],
    });
    expect(layered.config.testPlan?.runs).toEqual([{ type: 'latency', producerRate: 1000 }]);
    expect(sourceOf(layered, 'testPlan.runs.0.type')).toBe('file:b.yaml:2');
    expect(layered.provenance.some((entry) => entry.path === 'testPlan.runs.1.type')).toBe(false);
  });

  it('replaces a payload of another type instead of mixing fields', () => {
    const layered = resolveConfigSources({
      files: [
        {
          section: 'testPlan',
          file: 'a.yaml',
          text: `${PLAN}workload:\n  messageSize: 1024\n  payload: { type: file, file: payload/payload-1Kb.data }\n`,
        },
      ],
      set: ['testPlan.workload.payload={type: random, poolSize: 10}'],
    });
    expect(layered.config.testPlan?.workload.payload).toEqual({
      type: 'random',
      randomBytesRatio: 0.5,
      poolSize: 10,
    });
  });
});

describe('--set and --tag', () => {
  it('parses values as YAML scalars', () => {
    const resolved = resolveConfigSources({
      set: [
        'infrastructure.spot=true',
        'infrastructure.pulsarVersion=3.3.2',
        'infrastructure.network.adminCidrs=[198.51.100.0/24]',
        'cluster.broker.settings.loadBalancerEnabled=false',
        'cluster.broker.settings.some.dotted.key=x',
      ],
    });
    expect(resolved.config.infrastructure.spot).toBe(true);
    expect(resolved.config.infrastructure.pulsarVersion).toBe('3.3.2');
    expect(resolved.config.infrastructure.network.adminCidrs).toEqual(['198.51.100.0/24']);
    // A settings map merges key by key over the defaults file's settings.
    expect(resolved.config.cluster.broker.settings).toEqual({
      ...DEFAULT_CLUSTER.broker.settings,
      loadBalancerEnabled: false,
      'some.dotted.key': 'x',
    });
  });

  it('validates the path against the schema and suggests a fix', () => {
    const issues = issuesOf(() =>
      resolveConfigSources({
        set: [
          'infrastructure.roles.brokr.count=3',
          'infra.region=x',
          'cluster.clusterName',
          'testPlan.name=x',
        ],
      }),
    );
    expect(issues.map(formatIssue)).toEqual([
      expect.stringContaining('unknown field "brokr" in infrastructure.roles — did you mean "broker"?'),
      expect.stringContaining('did you mean "infrastructure"?'),
      expect.stringContaining('malformed --set'),
      expect.stringContaining('no testPlan file was given'),
    ]);
    expect(issues[0]).toMatchObject({ file: '--set infrastructure.roles.brokr.count=3', received: 'brokr' });
  });

  it('reports a bad value at the flag that set it, together with file problems', () => {
    const issues = issuesOf(() =>
      resolveConfigSources({
        files: [{ section: 'infrastructure', file: 'infra.yaml', text: 'region: 12\n' }],
        set: ['infrastructure.roles.bookkeeper.count=many', 'testPlan.x=1'],
        tags: ['novalue'],
      }),
    );
    expect(issues.map(formatIssue)).toEqual([
      expect.stringContaining('no testPlan file'),
      '--tag infrastructure.tags: malformed --tag "novalue" (expected Key=Value, got novalue)',
      'infra.yaml:1:9 infrastructure.region: wrong type (expected a string, got 12)',
      '--set infrastructure.roles.bookkeeper.count=many infrastructure.roles.bookkeeper.count: wrong type (expected a number, got "many")',
    ]);
  });

  it('validates tags given on the command line', () => {
    const issues = issuesOf(() => resolveConfigSources({ tags: ['aws:x=1'] }));
    expect(issues[0]).toMatchObject({ path: 'infrastructure.tags.aws:x' });
  });

  it('indexes only existing list items', () => {
    const issues = issuesOf(() =>
      resolveConfigSources({
        files: [{ section: 'testPlan', file: 'p.yaml', text: PLAN }],
        set: ['testPlan.runs.7.name=x'],
      }),
    );
    expect(issues[0]!.message).toContain('unknown field "7"');
  });
});

describe('cross-section rules', () => {
  it('keeps the ensemble within the number of bookies', () => {
    const issues = issuesOf(() =>
      resolveConfigSources({
        files: [
          { section: 'infrastructure', file: 'infra.yaml', text: 'roles:\n  bookkeeper:\n    count: 2\n' },
          {
            section: 'cluster',
            file: 'cluster.yaml',
            text: 'managedLedger:\n  ensembleSize: 3\n  writeQuorum: 2\n',
          },
        ],
      }),
    );
    expect(issues).toEqual([
      expect.objectContaining({
        path: 'cluster.managedLedger.ensembleSize',
        file: 'cluster.yaml',
        line: 2,
        column: 17,
        expected: 'at most 2',
        received: '3',
      }),
    ]);
  });
});

describe('digest and loading', () => {
  it('is stable: the same values in any key order give the same digest', () => {
    expect(configDigest({ a: 1, b: { c: [1, 2], d: 'x' } })).toBe(
      configDigest({ b: { d: 'x', c: [1, 2] }, a: 1 }),
    );
    expect(configDigest({ a: 1 })).not.toBe(configDigest({ a: 2 }));
    const one = resolveConfigSources({
      files: [{ section: 'infrastructure', file: 'a', text: 'spot: true\nregion: us-west-2\n' }],
    });
    const two = resolveConfigSources({
      set: ['infrastructure.region=us-west-2', 'infrastructure.spot=true'],
    });
    expect(one.digest).toBe(two.digest);
    expect(one.digest).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reads files through the injected reader and emits events', async () => {
    const { sink, events } = collectEvents();
    const resolved = await resolveConfig({
      files: [{ section: 'infrastructure', file: 'x.yaml' }],
      readFile: async () => 'region: ap-south-1\n',
      events: sink,
    });
    expect(resolved.config.infrastructure.region).toBe('ap-south-1');
    expect(events.map((event) => [event.type, event.message])).toEqual([
      ['file.loaded', 'Loaded infrastructure defaults @lab/config/configs/infrastructure/default.yaml'],
      ['file.loaded', 'Loaded cluster defaults @lab/config/configs/cluster/default.yaml'],
      ['file.loaded', 'Loaded infrastructure config x.yaml'],
      ['resolved', expect.stringMatching(/^Configuration resolved/)],
    ]);
  });

  it('says which file could not be read', async () => {
    await expect(
      resolveConfig({ files: [{ section: 'cluster', file: '/nonexistent/cluster.yaml' }] }),
    ).rejects.toThrow(/Reading cluster config \/nonexistent\/cluster.yaml/);
  });

  it('collects syntax errors of every file before giving up', async () => {
    const issues = await issuesOfAsync(() =>
      resolveConfig({
        files: [
          { section: 'infrastructure', file: 'a.yaml', text: 'a: [\n' },
          { section: 'cluster', file: 'b.yaml', text: 'x: 1\nx: 2\n' },
        ],
      }),
    );
    expect(new Set(issues.map((issue) => issue.file))).toEqual(new Set(['a.yaml', 'b.yaml']));
  });
});
