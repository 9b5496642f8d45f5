import { ValidationError } from '@lab/core';
import { describe, expect, it } from 'vitest';
import { type ClusterDocument, parseClusterDocument } from '../src/index.js';

const broker: ClusterDocument = {
  schema_version: 1,
  experiment_id: 'exp-20261127-031200',
  cluster_name: 'pulsar-lab',
  role: 'broker',
  index: 0,
  private_ip: '10.42.0.90',
  members: { zookeeper: ['10.42.0.10'], bookkeeper: ['10.42.0.50'], broker: ['10.42.0.90'], client: [] },
  volumes: null,
  jvm: { heap_mb: 1024, direct_memory_mb: 1024 },
  quorum: { ensemble_size: 1, write_quorum: 1, ack_quorum: 1 },
  settings: {},
};

describe('parseClusterDocument', () => {
  it('accepts a consistent document', () => {
    expect(parseClusterDocument(broker)).toEqual(broker);
  });

  it('refuses a private IP that is not the member at its index, and quorums above the bookies', () => {
    try {
      parseClusterDocument({
        ...broker,
        private_ip: '10.42.0.91',
        quorum: { ensemble_size: 2, write_quorum: 2, ack_quorum: 1 },
        settings: { clusterName: 'other' },
      });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues.map((issue) => issue.path)).toEqual(
        expect.arrayContaining(['private_ip', 'quorum', 'settings.clusterName']),
      );
    }
  });

  it('requires volumes on bookies only', () => {
    expect(() => parseClusterDocument({ ...broker, role: 'bookkeeper', private_ip: '10.42.0.50' })).toThrow(
      ValidationError,
    );
  });
});
