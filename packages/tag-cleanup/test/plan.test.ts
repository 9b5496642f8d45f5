import { describe, expect, it } from 'vitest';
import { buildPlan, planRows, resourceKey } from '../src/index.js';
import { resource } from './fixtures.js';

const topology = [
  resource('vpc', 'vpc-1', { vpcId: 'vpc-1' }),
  resource('subnet', 'subnet-1', { vpcId: 'vpc-1' }),
  resource('internet-gateway', 'igw-1', { vpcId: 'vpc-1' }),
  resource('route-table', 'rtb-1', { vpcId: 'vpc-1' }),
  resource('security-group', 'sg-1', { vpcId: 'vpc-1' }),
  resource('security-group', 'sg-2', { vpcId: 'vpc-1' }),
  resource('instance', 'i-1', { vpcId: 'vpc-1' }),
  resource('instance', 'i-2', { vpcId: 'vpc-1' }),
  resource('volume', 'vol-1'),
  resource('network-interface', 'eni-1', { vpcId: 'vpc-1' }),
  resource('elastic-ip', 'eipalloc-1'),
  resource('nat-gateway', 'nat-1', { vpcId: 'vpc-1' }),
  resource('instance-profile', 'profile', { region: 'global' }),
  resource('role', 'role', { region: 'global' }),
  resource('policy', 'arn:aws:iam::123456789012:policy/p', { region: 'global' }),
  resource('bucket', 'results'),
  resource('image', 'ami-1'),
  resource('snapshot', 'snap-1'),
];

const levelOf = (plan: ReturnType<typeof buildPlan>, id: string) =>
  plan.steps.find((step) => step.resource.id === id)!.level;

describe('buildPlan', () => {
  it('orders deletion as AWS requires', () => {
    const plan = buildPlan(topology);
    const before = (a: string, b: string) => expect(levelOf(plan, a)).toBeLessThan(levelOf(plan, b));
    before('i-1', 'vol-1');
    before('i-1', 'eni-1');
    before('nat-1', 'eipalloc-1');
    before('eni-1', 'sg-1');
    before('sg-1', 'vpc-1');
    before('rtb-1', 'subnet-1');
    before('eni-1', 'subnet-1');
    before('eipalloc-1', 'igw-1');
    before('subnet-1', 'vpc-1');
    before('igw-1', 'vpc-1');
    before('profile', 'role');
    before('role', 'arn:aws:iam::123456789012:policy/p');
    before('ami-1', 'snap-1');
    // Independent work starts at once and in parallel.
    expect(levelOf(plan, 'results')).toBe(0);
    expect(levelOf(plan, 'nat-1')).toBe(0);
    expect(levelOf(plan, 'i-1')).toBe(levelOf(plan, 'i-2'));
    expect(levelOf(plan, 'sg-1')).toBe(levelOf(plan, 'sg-2'));
  });

  it('waits only for resources that can block: same region, same VPC', () => {
    const plan = buildPlan([
      resource('instance', 'i-a', { vpcId: 'vpc-a' }),
      resource('instance', 'i-b', { vpcId: 'vpc-b' }),
      resource('instance', 'i-eu', { vpcId: 'vpc-a', region: 'eu-west-1' }),
      resource('security-group', 'sg-a', { vpcId: 'vpc-a' }),
      resource('role', 'r', { region: 'global' }),
      resource('instance-profile', 'p', { region: 'global' }),
    ]);
    const sg = plan.steps.find((step) => step.resource.id === 'sg-a')!;
    expect(sg.waitsFor).toEqual([resourceKey(resource('instance', 'i-a'))]);
    const profile = plan.steps.find((step) => step.resource.id === 'p')!;
    // IAM is global: the profile waits for instances everywhere.
    expect(profile.waitsFor).toHaveLength(3);
  });

  it('linear ordering puts one type per level in the previous design order', () => {
    const plan = buildPlan(topology, { ordering: 'linear' });
    expect(plan.levels).toBe(new Set(topology.map((r) => r.type)).size);
    expect(plan.steps[0]!.resource.type).toBe('instance');
    expect(plan.steps.at(-1)!.resource.type).toBe('snapshot');
  });

  it('renders rows with what each resource waits for', () => {
    const rows = planRows(buildPlan(topology));
    const vpc = rows.find((row) => row.id === 'vpc-1')!;
    expect(vpc).toMatchObject({ type: 'vpc', region: 'us-east-1' });
    expect(vpc.waitsFor).toMatch(/^[a-z0-9-]+, [a-z0-9-]+, [a-z0-9-]+ \+\d+ more$/);
    expect(rows.find((row) => row.id === 'i-1')!.waitsFor).toBe('');
    expect(buildPlan([])).toEqual({ steps: [], levels: 0 });
  });
});
