import { ValidationError } from '@lab/core';
import { describe, expect, it } from 'vitest';
import {
  expiresAt,
  formatTerraformVariables,
  parseTerraformVariables,
  TERRAFORM_VARIABLE_NAMES,
  type TerraformVariablesInput,
} from '../src/index.js';

const minimal: TerraformVariablesInput = {
  experiment_id: 'exp-20261127-031200',
  region: 'eu-west-1',
  ami_id: 'ami-0123456789abcdef0',
  created_at: '2026-11-27T03:12:00Z',
  roles: {
    zookeeper: { count: 3, instance_type: 't3.medium' },
    bookkeeper: {
      count: 3,
      instance_type: 'i4i.xlarge',
      journal_volume: { size_gb: 100, iops: 6000, throughput_mbps: 500 },
      ledger_volume: { size_gb: 500 },
    },
    broker: { count: 2, instance_type: 'm6i.xlarge' },
    client: { count: 2, instance_type: 'c6i.xlarge' },
  },
};

function issuesOf(input: unknown): Array<{ path: string; message: string; received?: string }> {
  try {
    parseTerraformVariables(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return [...(error as ValidationError).issues];
  }
  throw new Error('expected a ValidationError');
}

describe('parseTerraformVariables', () => {
  it('fills in the same defaults as terraform/variables.tf', () => {
    const variables = parseTerraformVariables(minimal);
    expect(variables.tags).toEqual({});
    expect(variables.managed_by).toBe('terraform');
    expect(variables.ttl_hours).toBe(24);
    expect(variables.network).toEqual({
      vpc_cidr: '10.42.0.0/16',
      availability_zones: [],
      az_count: 1,
      public_ips: true,
    });
    expect(variables.spot).toEqual({ enabled: false, max_price: null });
    expect(variables.admin_cidrs).toEqual([]);
    expect(variables.roles.zookeeper.root_volume_gb).toBe(30);
    expect(variables.roles.bookkeeper.ledger_volume).toEqual({
      size_gb: 500,
      iops: 3000,
      throughput_mbps: 125,
    });
    expect(variables.pulsar).toEqual({
      cluster_name: 'pulsar-lab',
      ensemble_size: 3,
      write_quorum: 3,
      ack_quorum: 2,
      jvm: {
        zookeeper: { heap_mb: 1024, direct_memory_mb: 0 },
        bookkeeper: { heap_mb: 2048, direct_memory_mb: 2048 },
        broker: { heap_mb: 2048, direct_memory_mb: 4096 },
        client: { heap_mb: 2048, direct_memory_mb: 0 },
      },
      zookeeper_settings: {},
      bookkeeper_settings: {},
      broker_settings: {},
    });
  });

  it('lists every top-level variable name', () => {
    expect([...TERRAFORM_VARIABLE_NAMES].sort()).toEqual(
      [
        'admin_cidrs',
        'ami_id',
        'created_at',
        'experiment_id',
        'managed_by',
        'network',
        'pulsar',
        'region',
        'roles',
        'spot',
        'tags',
        'ttl_hours',
      ].sort(),
    );
  });

  it('refuses quorums above the number of bookies, with the path and the value', () => {
    const issues = issuesOf({ ...minimal, pulsar: { ensemble_size: 4, write_quorum: 4, ack_quorum: 5 } });
    expect(issues).toContainEqual(expect.objectContaining({ path: 'pulsar.ensemble_size', received: '4' }));
    expect(issues).toContainEqual(expect.objectContaining({ path: 'pulsar.ack_quorum', received: '5' }));
  });

  it('accepts GovCloud and ISO regions and their zones, and rejects a region without its number', () => {
    for (const region of ['us-iso-east-1', 'us-gov-west-1']) {
      const parsed = parseTerraformVariables({
        ...minimal,
        region,
        network: { availability_zones: [`${region}a`] },
      });
      expect(parsed.region).toBe(region);
      expect(parsed.network.availability_zones).toEqual([`${region}a`]);
    }
    expect(issuesOf({ ...minimal, region: 'us-east' })).toEqual([
      expect.objectContaining({ path: 'region', message: 'must be an AWS region such as eu-west-1' }),
    ]);
    expect(issuesOf({ ...minimal, network: { availability_zones: ['us-east-1'] } })).toEqual([
      expect.objectContaining({
        path: 'network.availability_zones.0',
        message: 'must be an availability zone such as eu-west-1a',
      }),
    ]);
  });

  it('refuses misspelt keys instead of ignoring them', () => {
    const issues = issuesOf({ ...minimal, pulsar: { ensembleSize: 3 } });
    expect(issues).toContainEqual(
      expect.objectContaining({ path: 'pulsar', message: expect.stringMatching(/ensembleSize/) }),
    );
  });

  it('refuses an open admin CIDR, even ZooKeeper counts and impossible gp3 volumes', () => {
    const issues = issuesOf({
      ...minimal,
      admin_cidrs: ['0.0.0.0/0', '10.0.0.0/33'],
      roles: {
        ...minimal.roles,
        zookeeper: { count: 2, instance_type: 't3.medium' },
        bookkeeper: {
          ...minimal.roles.bookkeeper,
          journal_volume: { size_gb: 4, iops: 3000, throughput_mbps: 1000 },
        },
      },
    });
    const paths = issues.map((issue) => issue.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'admin_cidrs.0',
        'admin_cidrs.1',
        'roles.zookeeper.count',
        'roles.bookkeeper.journal_volume.iops',
        'roles.bookkeeper.journal_volume.throughput_mbps',
      ]),
    );
  });

  it('refuses user tags that redefine the lab tags or that AWS would reject', () => {
    const issues = issuesOf({
      ...minimal,
      tags: { project: 'x', ExpiresAt: 'never', 'aws:foo': 'bar', Owner: 'a#b' },
    });
    expect(issues.map((issue) => issue.path)).toEqual(
      expect.arrayContaining(['tags.project', 'tags.ExpiresAt', 'tags.aws:foo', 'tags.Owner']),
    );
  });

  it('refuses passthrough settings that the bootstrap owns', () => {
    const issues = issuesOf({
      ...minimal,
      pulsar: { broker_settings: { clusterName: 'x' }, zookeeper_settings: { 'server.9': 'x' } },
    });
    expect(issues.map((issue) => issue.path)).toEqual(
      expect.arrayContaining(['pulsar.broker_settings.clusterName', 'pulsar.zookeeper_settings.server.9']),
    );
  });

  it('says which required fields are missing', () => {
    const issues = issuesOf({});
    expect(issues.map((issue) => issue.path)).toEqual(
      expect.arrayContaining(['experiment_id', 'region', 'ami_id', 'created_at', 'roles']),
    );
  });
});

describe('formatTerraformVariables / expiresAt', () => {
  it('writes complete, parseable JSON', () => {
    const text = formatTerraformVariables(minimal);
    expect(text.endsWith('\n')).toBe(true);
    expect(parseTerraformVariables(JSON.parse(text))).toEqual(parseTerraformVariables(minimal));
  });

  it('computes the ExpiresAt tag like Terraform timeadd', () => {
    expect(expiresAt({ created_at: '2026-11-27T03:12:00Z', ttl_hours: 24 })).toBe('2026-11-28T03:12:00Z');
  });
});
