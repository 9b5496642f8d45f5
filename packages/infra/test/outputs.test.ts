import { LabError, ValidationError } from '@lab/core';
import { describe, expect, it } from 'vitest';
import { parseTerraformOutputs, TERRAFORM_OUTPUT_NAMES } from '../src/index.js';

const out = <T>(value: T) => ({ sensitive: false, type: ['any'], value });

const sampleOutputs = {
  experiment_id: out('exp-20261127-031200'),
  region: out('eu-west-1'),
  vpc_id: out('vpc-0abc'),
  subnet_ids: out(['subnet-1']),
  security_group_ids: out({ zookeeper: 'sg-1', bookkeeper: 'sg-2', broker: 'sg-3', client: 'sg-4' }),
  instance_profile_name: out('pulsar-aws-lab-exp-20261127-031200-instance'),
  roles: out({
    zookeeper: { instance_ids: ['i-z0'], private_ips: ['10.42.0.10'] },
    bookkeeper: { instance_ids: ['i-b0', 'i-b1'], private_ips: ['10.42.0.50', '10.42.0.51'] },
    broker: { instance_ids: ['i-r0'], private_ips: ['10.42.0.90'] },
    client: { instance_ids: [], private_ips: [] },
  }),
  bookkeeper_volumes: out([
    {
      journal: { volume_id: 'vol-0000000000000001', device_name: '/dev/sdf' },
      ledgers: { volume_id: 'vol-0000000000000002', device_name: '/dev/sdg' },
    },
  ]),
  cluster: out({
    name: 'pulsar-lab',
    service_url: 'pulsar://10.42.0.90:6650',
    web_service_url: 'http://10.42.0.90:8080',
    metadata_store_url: 'zk:10.42.0.10:2181',
  }),
};

describe('parseTerraformOutputs', () => {
  it('gives every role its instance ids and private IPs, and a flat instance list', () => {
    const outputs = parseTerraformOutputs(JSON.stringify(sampleOutputs));
    expect(outputs.roles.bookkeeper).toEqual({
      instanceIds: ['i-b0', 'i-b1'],
      privateIps: ['10.42.0.50', '10.42.0.51'],
    });
    expect(outputs.roles.client).toEqual({ instanceIds: [], privateIps: [] });
    expect(outputs.instances).toEqual([
      { role: 'zookeeper', index: 0, instanceId: 'i-z0', privateIp: '10.42.0.10' },
      { role: 'bookkeeper', index: 0, instanceId: 'i-b0', privateIp: '10.42.0.50' },
      { role: 'bookkeeper', index: 1, instanceId: 'i-b1', privateIp: '10.42.0.51' },
      { role: 'broker', index: 0, instanceId: 'i-r0', privateIp: '10.42.0.90' },
    ]);
    expect(outputs.vpcId).toBe('vpc-0abc');
    expect(outputs.bookkeeperVolumes[0]?.journal).toEqual({
      volumeId: 'vol-0000000000000001',
      deviceName: '/dev/sdf',
    });
    expect(outputs.cluster.serviceUrl).toBe('pulsar://10.42.0.90:6650');
  });

  it('names every output it reads', () => {
    expect([...TERRAFORM_OUTPUT_NAMES].sort()).toEqual(Object.keys(sampleOutputs).sort());
  });

  it('refuses the empty answer Terraform gives before any apply', () => {
    expect(() => parseTerraformOutputs('{}')).toThrow(/no outputs yet/);
  });

  it('refuses text that is not JSON', () => {
    expect(() => parseTerraformOutputs('Error: no state')).toThrow(LabError);
  });

  it('says which output is missing or malformed', () => {
    const { vpc_id: _dropped, ...rest } = sampleOutputs;
    const broken = {
      ...rest,
      roles: out({ ...sampleOutputs.roles.value, broker: { instance_ids: ['i-1'], private_ips: [] } }),
    };
    try {
      parseTerraformOutputs(broken);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      const paths = (error as ValidationError).issues.map((issue) => issue.path);
      expect(paths).toEqual(expect.arrayContaining(['vpc_id', 'roles.value.broker']));
    }
  });
});
