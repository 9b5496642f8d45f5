import { describe, expect, it } from 'vitest';
import { adminCidrProblem, parseTerraformVariables, type TerraformVariablesInput } from '../src/index.js';

const minimal: TerraformVariablesInput = {
  experiment_id: 'exp-20261127-031200',
  region: 'eu-west-1',
  ami_id: 'ami-0123456789abcdef0',
  created_at: '2026-11-27T03:12:00Z',
  roles: {
    zookeeper: { count: 1, instance_type: 't3.medium' },
    bookkeeper: {
      count: 1,
      instance_type: 't3.large',
      journal_volume: { size_gb: 20 },
      ledger_volume: { size_gb: 50 },
    },
    broker: { count: 1, instance_type: 't3.medium' },
    client: { count: 1, instance_type: 't3.medium' },
  },
  pulsar: { ensemble_size: 1, write_quorum: 1, ack_quorum: 1 },
};

describe('admin CIDRs', () => {
  it.each([['203.0.113.7/32'], ['198.51.100.0/24'], ['10.20.0.0/16']])('accepts %s', (cidr) => {
    expect(adminCidrProblem(cidr)).toBeUndefined();
  });

  it.each([
    ['0.0.0.0/0', 'is wider than /16 (4,294,967,296 addresses)'],
    ['0.0.0.0/1', 'is wider than /16 (2,147,483,648 addresses)'],
    ['128.0.0.0/1', 'is wider than /16 (2,147,483,648 addresses)'],
    ['10.0.0.0/8', 'is wider than /16 (16,777,216 addresses)'],
    ['172.16.0.0/15', 'is wider than /16 (131,072 addresses)'],
    ['::/0', 'IPv6 is not supported'],
    ['2001:db8::/48', 'IPv6 is not supported'],
    ['10.0.0.0/33', 'is not an IPv4 CIDR'],
    ['300.0.0.1/32', 'is not an IPv4 CIDR'],
    ['203.0.113.7', 'is not an IPv4 CIDR'],
    ['203.0.113.7/24', 'has host bits set'],
  ])('refuses %s: %s', (cidr, message) => {
    expect(adminCidrProblem(cidr)?.message).toContain(message);
  });

  it('says which network a CIDR with host bits means', () => {
    expect(adminCidrProblem('203.0.113.7/24')?.expected).toBe('203.0.113.0/24');
  });

  it('refuses the split 0.0.0.0/1 + 128.0.0.0/1 entry by entry, naming each', () => {
    const error = (() => {
      try {
        parseTerraformVariables({ ...minimal, admin_cidrs: ['203.0.113.7/32', '0.0.0.0/1', '128.0.0.0/1'] });
      } catch (caught) {
        return caught as { code: string; issues: Array<{ path: string; message: string }> };
      }
      throw new Error('accepted');
    })();
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.issues.map((issue) => issue.path)).toEqual(['admin_cidrs.1', 'admin_cidrs.2']);
    expect(error.issues[0]!.message).toContain('expected /16 or narrower');
  });

  it('defaults network.public_ips to true and accepts false', () => {
    expect(parseTerraformVariables(minimal).network.public_ips).toBe(true);
    expect(parseTerraformVariables({ ...minimal, network: { public_ips: false } }).network.public_ips).toBe(
      false,
    );
  });
});
