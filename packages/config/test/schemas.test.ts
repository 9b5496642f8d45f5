import { formatIssue } from '@lab/core';
import { describe, expect, it } from 'vitest';
import { parseConfigText, resolveConfigSources } from '../src/index.js';
import { issuesOf } from './helpers.js';

// What a run without --config resolves to: the shipped defaults files alone.
const { infrastructure: DEFAULT_INFRASTRUCTURE, cluster: DEFAULT_CLUSTER } = resolveConfigSources({}).config;
const infra = (text: string) => parseConfigText('infrastructure', text, { file: 'infra.yaml' });
const cluster = (text: string) => parseConfigText('cluster', text, { file: 'cluster.yaml' });
const plan = (text: string) => parseConfigText('testPlan', text, { file: 'plan.yaml' });

const MINIMAL_PLAN = 'name: p\nruns:\n  - type: max-rate\n';

describe('YAML syntax', () => {
  it('reports every syntax error with file, line and column', () => {
    const issues = issuesOf(() => infra('name: a\nroles: [\n  broker: {count: 2\n'));
    expect(issues.length).toBeGreaterThan(0);
    expect(issues[0]).toMatchObject({
      file: 'infra.yaml',
      line: expect.any(Number),
      column: expect.any(Number),
    });
    expect(issues[0]!.message).toMatch(/^YAML syntax error/);
  });

  it('rejects duplicate keys at the second occurrence', () => {
    const issues = issuesOf(() => infra('name: a\nregion: us-east-1\nregion: eu-west-1\n'));
    expect(issues).toEqual([expect.objectContaining({ file: 'infra.yaml', line: 3, column: 1 })]);
    expect(issues[0]!.message).toMatch(/duplicate key/);
  });

  it('rejects a file that is not a mapping', () => {
    const issues = issuesOf(() => infra('- a\n- b\n'));
    expect(issues[0]).toMatchObject({ path: '', expected: 'a mapping', received: 'a list of 2', line: 1 });
  });

  it('treats an empty file as all defaults', () => {
    expect(infra('')).toEqual(DEFAULT_INFRASTRUCTURE);
    expect(cluster('# only a comment\n')).toEqual(DEFAULT_CLUSTER);
  });
});

describe('infrastructure schema', () => {
  it('accepts a complete file', () => {
    const config = infra(`name: perf
tags: { Owner: ana, CostCenter: "42" }
region: eu-central-1
spot: true
network: { vpcCidr: 10.1.0.0/20, availabilityZones: 2, adminCidrs: [203.0.113.7/32] }
pulsarVersion: 3.3.2
amiId: ami-0123456789abcdef0
roles:
  bookkeeper:
    count: 5
    instanceType: i4i.2xlarge
    journal: { sizeGb: 100, iops: 16000, throughputMBps: 1000 }
`);
    expect(config.roles.bookkeeper).toMatchObject({
      count: 5,
      journal: { iops: 16000 },
      ledgers: { sizeGb: 50 },
    });
    expect(config.roles.broker).toEqual(DEFAULT_INFRASTRUCTURE.roles.broker);
    expect(config.tags).toEqual({ Owner: 'ana', CostCenter: '42' });
  });

  it('points at the value of a wrong type', () => {
    const issues = issuesOf(() => infra('roles:\n  broker:\n    count: three\n'));
    expect(issues).toEqual([
      expect.objectContaining({
        path: 'roles.broker.count',
        file: 'infra.yaml',
        line: 3,
        column: 12,
        expected: 'a number',
        received: '"three"',
        message: 'wrong type',
      }),
    ]);
    expect(formatIssue(issues[0]!)).toBe(
      'infra.yaml:3:12 roles.broker.count: wrong type (expected a number, got "three")',
    );
  });

  it('treats a typo as an error and suggests the right key', () => {
    const issues = issuesOf(() => infra('roles:\n  bookkeeper:\n    instnceType: m5.large\n'));
    expect(issues[0]).toMatchObject({
      path: 'roles.bookkeeper.instnceType',
      line: 3,
      column: 5,
      received: 'instnceType',
    });
    expect(issues[0]!.message).toContain('did you mean "instanceType"');
    expect(issues[0]!.expected).toContain('journal');
  });

  it('reports all problems at once', () => {
    const issues = issuesOf(() =>
      infra('region: Mars\nspot: "yes"\nroles:\n  zookeeper: { count: 2 }\n  client: { count: 0 }\nfoo: 1\n'),
    );
    expect(issues.map((issue) => issue.path).sort()).toEqual(
      ['foo', 'region', 'roles.client.count', 'spot'].sort(),
    );
  });

  it("accepts every partition's region names (GovCloud, ISO) and rejects a name without its number", () => {
    for (const region of ['us-iso-east-1', 'us-gov-west-1', 'us-isob-east-1']) {
      expect(infra(`region: ${region}\n`).region).toBe(region);
    }
    const issues = issuesOf(() => infra('region: us-east\n'));
    expect(issues).toEqual([
      expect.objectContaining({
        path: 'region',
        line: 1,
        message: expect.stringMatching(/an AWS region such as us-east-1/),
      }),
    ]);
  });

  it('requires an odd number of ZooKeeper servers', () => {
    const issues = issuesOf(() => infra('roles:\n  zookeeper:\n    count: 4\n'));
    expect(issues[0]).toMatchObject({ path: 'roles.zookeeper.count', line: 3, received: '4' });
  });

  it('checks gp3 IOPS per GiB and throughput per IOPS', () => {
    const issues = issuesOf(() =>
      infra('roles:\n  bookkeeper:\n    journal: { sizeGb: 10, iops: 6000, throughputMBps: 1600 }\n'),
    );
    expect(issues.map((issue) => issue.path)).toEqual([
      'roles.bookkeeper.journal.iops',
      'roles.bookkeeper.journal.throughputMBps',
    ]);
    expect(issues[0]!.expected).toBe('at most 5000 for 10 GiB');
  });

  it('refuses admin ranges wider than /16 (also split into halves), IPv6 and malformed CIDRs', () => {
    const issues = issuesOf(() =>
      infra(
        'network:\n  vpcCidr: 10.0.0.0/8\n  adminCidrs: [0.0.0.0/0, 0.0.0.0/1, 128.0.0.0/1, 300.1.1.1/32, "::/0", 203.0.113.7/24, 203.0.113.7/32]\n',
      ),
    );
    expect(issues.map((issue) => [issue.path, issue.message, issue.expected])).toEqual([
      ['network.vpcCidr', expect.any(String), undefined],
      [
        'network.adminCidrs.0',
        expect.stringContaining('is wider than /16 (4,294,967,296 addresses)'),
        '/16 or narrower, e.g. your own address as 203.0.113.7/32',
      ],
      [
        'network.adminCidrs.1',
        expect.stringContaining('is wider than /16 (2,147,483,648 addresses)'),
        expect.any(String),
      ],
      ['network.adminCidrs.2', expect.stringContaining('is wider than /16'), expect.any(String)],
      ['network.adminCidrs.3', 'adminCidrs entry is not an IPv4 CIDR', 'an IPv4 CIDR such as 203.0.113.7/32'],
      ['network.adminCidrs.4', expect.stringContaining('IPv6 is not supported'), expect.any(String)],
      ['network.adminCidrs.5', 'adminCidrs entry has host bits set', '203.0.113.0/24'],
    ]);
  });

  it('defaults network.publicIps to true', () => {
    expect(infra('name: x\n').network.publicIps).toBe(true);
    expect(infra('network:\n  publicIps: false\n').network.publicIps).toBe(false);
  });

  it('validates user tags as AWS would', () => {
    const issues = issuesOf(() => infra('tags:\n  "aws:owner": x\n  Team: "a<b"\n'));
    expect(issues.map((issue) => issue.path)).toEqual(['tags.aws:owner', 'tags.Team']);
  });
});

describe('cluster schema', () => {
  it('accepts settings passed through', () => {
    const config = cluster(
      'broker:\n  settings:\n    numIOThreads: 8\n    brokerDeduplicationEnabled: false\n',
    );
    // Added to the defaults file's settings: a settings map merges key by key.
    expect(config.broker.settings).toEqual({
      ...DEFAULT_CLUSTER.broker.settings,
      numIOThreads: 8,
      brokerDeduplicationEnabled: false,
    });
  });

  it('keeps ack ≤ write ≤ ensemble', () => {
    const issues = issuesOf(() =>
      cluster('managedLedger:\n  ensembleSize: 2\n  writeQuorum: 3\n  ackQuorum: 4\n'),
    );
    expect(issues).toEqual([
      expect.objectContaining({
        path: 'managedLedger.writeQuorum',
        line: 3,
        expected: 'at most ensembleSize (2)',
      }),
      expect.objectContaining({
        path: 'managedLedger.ackQuorum',
        line: 4,
        expected: 'at most writeQuorum (3)',
      }),
    ]);
  });

  it('refuses settings the lab manages', () => {
    const issues = issuesOf(() =>
      cluster(
        'broker:\n  settings:\n    managedLedgerDefaultEnsembleSize: 2\nbookkeeper:\n  settings:\n    bookiePort: 3182\n',
      ),
    );
    expect(issues.map((issue) => issue.path)).toEqual([
      'bookkeeper.settings.bookiePort',
      'broker.settings.managedLedgerDefaultEnsembleSize',
    ]);
    expect(issues[1]!.message).toContain('managedLedger');
  });

  it('refuses settings that are not scalars', () => {
    const issues = issuesOf(() => cluster('broker:\n  settings:\n    numIOThreads: [1, 2]\n'));
    expect(issues[0]).toMatchObject({ path: 'broker.settings.numIOThreads', line: 3 });
  });
});

describe('test plan schema', () => {
  it('accepts every run type', () => {
    const config = plan(`name: all
runs:
  - { type: fixed-rate, producerRate: 5000 }
  - { type: max-rate }
  - { type: ramp, startRate: 1000, stepRate: 1000, steps: 5 }
  - { type: latency }
  - { type: backlog, producerRate: 1000, consumerBacklogSizeGB: 1 }
  - { type: fixed-rate, matrix: { producerRate: [1, 2], messageSize: [100, 200] } }
`);
    expect(config.runs.map((run) => run.type)).toEqual([
      'fixed-rate',
      'max-rate',
      'ramp',
      'latency',
      'backlog',
      'fixed-rate',
    ]);
    expect(config.runs[2]).toMatchObject({
      stepDurationMinutes: 2,
      plateau: { allowedDeviation: 0.05, consecutiveSteps: 2 },
    });
    expect(config.runs[3]).toMatchObject({ producerRate: 1000 });
    expect(config.runs[4]).toMatchObject({ backlogDrainRatio: 1 });
  });

  it('requires a name and at least one run', () => {
    const issues = issuesOf(() => plan('runs: []\n'));
    expect(issues).toEqual([
      expect.objectContaining({ path: 'name', message: 'required field is missing' }),
      expect.objectContaining({ path: 'runs', expected: 'at least 1 item(s)', line: 1, column: 7 }),
    ]);
  });

  it('names the allowed run types', () => {
    const issues = issuesOf(() => plan('name: p\nruns:\n  - type: fixed\n'));
    expect(issues[0]).toMatchObject({ path: 'runs.0.type', line: 3, column: 11, received: '"fixed"' });
    expect(issues[0]!.expected).toContain('"fixed-rate"');
  });

  it('explains why a max-rate run cannot build a backlog', () => {
    const issues = issuesOf(() => plan('name: p\nruns:\n  - type: max-rate\n    consumerBacklogSizeGB: 5\n'));
    expect(issues[0]).toMatchObject({ path: 'runs.0.consumerBacklogSizeGB', line: 4, column: 5 });
    expect(issues[0]!.message).toContain('only a backlog run builds a backlog');
  });

  it('refuses a backlog run at producerRate 0', () => {
    const issues = issuesOf(() =>
      plan('name: p\nruns:\n  - type: backlog\n    producerRate: 0\n    consumerBacklogSizeGB: 5\n'),
    );
    expect(issues[0]).toMatchObject({ path: 'runs.0.producerRate', line: 4, received: '0' });
    expect(issues[0]!.message).toContain('cannot search for the max rate while building a backlog');
  });

  it('suggests the singular OMB key', () => {
    const issues = issuesOf(() => plan(`${MINIMAL_PLAN}workload:\n  consumersPerSubscription: 2\n`));
    expect(issues[0]!.message).toContain('did you mean "consumerPerSubscription"');
  });

  it('needs the warm-up to be shorter than the test, also after a run override', () => {
    const issues = issuesOf(() =>
      plan(`name: p
workload:
  testDurationMinutes: 5
  warmupDurationMinutes: 2
runs:
  - type: max-rate
    workload: { testDurationMinutes: 2 }
  - type: ramp
    startRate: 1
    stepRate: 1
    steps: 2
    stepDurationMinutes: 1
`),
    );
    expect(issues).toEqual([
      expect.objectContaining({
        path: 'workload.warmupDurationMinutes',
        line: 4,
        expected: 'less than 2 minutes',
      }),
      expect.objectContaining({
        path: 'workload.warmupDurationMinutes',
        line: 4,
        expected: 'less than 1 minutes',
      }),
    ]);
  });

  it('needs the payload file to match the message size (OMB refuses otherwise)', () => {
    const issues = issuesOf(() =>
      plan(`name: p
workload:
  messageSize: 1024
  payload: { type: file, file: payload/payload-1Kb.data }
runs:
  - type: max-rate
    workload: { messageSize: 2048 }
  - type: max-rate
    matrix: { messageSize: [1024, 100] }
`),
    );
    expect(issues).toEqual([
      expect.objectContaining({
        path: 'runs.0.workload.messageSize',
        line: 7,
        expected: '1024',
        received: '2048',
      }),
      expect.objectContaining({ path: 'runs.1.matrix.messageSize', line: 9, received: '100' }),
    ]);
  });

  it('refuses an unknown payload file', () => {
    const issues = issuesOf(() =>
      plan(`${MINIMAL_PLAN}workload:\n  payload: { type: file, file: payload/payload-3Kb.data }\n`),
    );
    expect(issues[0]).toMatchObject({ path: 'workload.payload.file', line: 5 });
    expect(issues[0]!.expected).toContain('payload/payload-1Kb.data');
  });

  it('repeat is absent by default (once), the plan repeat applies to every run and a run may override it', () => {
    expect(plan(MINIMAL_PLAN).repeat).toBeUndefined();
    const config = plan(
      'name: p\nrepeat: 3\nruns:\n  - type: max-rate\n  - type: max-rate\n    name: once\n    repeat: 1\n',
    );
    expect(config.repeat).toBe(3);
    expect(config.runs.map((run) => run.repeat)).toEqual([undefined, 1]);
  });

  it('refuses a repeat outside 1..20 with file, line, field and the allowed range', () => {
    const planLevel = issuesOf(() => plan('name: p\nrepeat: 0\nruns:\n  - type: max-rate\n'));
    expect(planLevel).toEqual([
      expect.objectContaining({
        file: 'plan.yaml',
        path: 'repeat',
        line: 2,
        expected: 'at least 1',
        received: '0',
      }),
    ]);
    const runLevel = issuesOf(() => plan('name: p\nruns:\n  - type: max-rate\n    repeat: 21\n'));
    expect(runLevel).toEqual([
      expect.objectContaining({
        file: 'plan.yaml',
        path: 'runs.0.repeat',
        line: 4,
        expected: 'at most 20',
        received: '21',
      }),
    ]);
    expect(formatIssue(runLevel[0]!)).toContain('plan.yaml:4:');
    const fraction = issuesOf(() => plan('name: p\nrepeat: 2.5\nruns:\n  - type: max-rate\n'));
    expect(fraction[0]).toMatchObject({ path: 'repeat', line: 2, received: '2.5' });
    const text = issuesOf(() => plan('name: p\nrepeat: twice\nruns:\n  - type: max-rate\n'));
    expect(text[0]).toMatchObject({ path: 'repeat', line: 2, received: '"twice"' });
  });

  it('refuses a fixed-rate run without a rate and duplicate run names', () => {
    const issues = issuesOf(() =>
      plan('name: p\nruns:\n  - { name: a, type: fixed-rate }\n  - { name: a, type: max-rate }\n'),
    );
    expect(issues.map((issue) => issue.path)).toEqual(['runs.0.producerRate', 'runs.1.name']);
  });

  it('refuses producerRate in the matrix of a ramp', () => {
    const issues = issuesOf(() =>
      plan(
        'name: p\nruns:\n  - { type: ramp, startRate: 1, stepRate: 1, steps: 2, matrix: { producerRate: [1] } }\n',
      ),
    );
    expect(issues[0]).toMatchObject({ path: 'runs.0.matrix.producerRate' });
  });
});
