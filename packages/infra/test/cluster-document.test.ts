import { ValidationError } from '@lab/core';
import { describe, expect, it } from 'vitest';
import { type ClusterDocument, clusterDocuments, parseClusterDocument } from '../src/index.js';

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

  it('allows volumes on bookies only; a bookie without keeps its data on the root file system', () => {
    const volumes = {
      journal: { volume_id: 'vol-0123456789abcdef0', device_name: '/dev/sdf' },
      ledgers: { volume_id: 'vol-0123456789abcdef1', device_name: '/dev/sdg' },
    };
    const bookie = { ...broker, role: 'bookkeeper' as const, private_ip: '10.42.0.50' };
    expect(parseClusterDocument(bookie).volumes).toBeNull();
    expect(parseClusterDocument({ ...bookie, volumes }).volumes).toEqual(volumes);
    try {
      parseClusterDocument({ ...broker, volumes });
      expect.unreachable();
    } catch (error) {
      expect((error as ValidationError).issues.map((issue) => issue.message)).toEqual([
        'only bookies carry volumes',
      ]);
    }
  });

  it('takes one pair of distinct OMB worker ports per client', () => {
    const client = {
      ...broker,
      role: 'client' as const,
      private_ip: '10.42.0.200',
      members: { ...broker.members, client: ['10.42.0.200', '10.42.0.201'] },
    };
    const ports = [
      { port: 9090, stats_port: 9091 },
      { port: 9092, stats_port: 9093 },
    ];
    expect(parseClusterDocument({ ...client, omb_workers: ports }).omb_workers).toEqual(ports);
    try {
      parseClusterDocument({ ...client, omb_workers: [{ port: 9090, stats_port: 9090 }] });
      expect.unreachable();
    } catch (error) {
      expect((error as ValidationError).issues.map((issue) => `${issue.path}: ${issue.message}`)).toEqual([
        'omb_workers: must list one entry per client (2)',
        'omb_workers.0: port and stats_port must differ',
      ]);
    }
  });
});

describe('clusterDocuments', () => {
  it('gives every node its document: role, index, address, the JVM and settings of its role', () => {
    const documents = clusterDocuments({
      experimentId: 'exp-20261127-031200',
      pulsar: {
        cluster_name: 'lab',
        ensemble_size: 1,
        write_quorum: 1,
        ack_quorum: 1,
        jvm: {
          zookeeper: { heap_mb: 256, direct_memory_mb: 0 },
          bookkeeper: { heap_mb: 512, direct_memory_mb: 256 },
          broker: { heap_mb: 512, direct_memory_mb: 256 },
          client: { heap_mb: 512, direct_memory_mb: 0 },
        },
        zookeeper_settings: {},
        bookkeeper_settings: { journalSyncData: 'false' },
        broker_settings: {},
      },
      members: {
        zookeeper: ['127.0.1.1'],
        bookkeeper: ['127.0.1.2'],
        broker: ['127.0.1.3'],
        client: ['127.0.1.4', '127.0.1.5'],
      },
      ombWorkers: [
        { port: 9090, stats_port: 9091 },
        { port: 9092, stats_port: 9093 },
      ],
    });
    expect(documents.map((document) => `${document.role}-${document.index} ${document.private_ip}`)).toEqual([
      'zookeeper-0 127.0.1.1',
      'bookkeeper-0 127.0.1.2',
      'broker-0 127.0.1.3',
      'client-0 127.0.1.4',
      'client-1 127.0.1.5',
    ]);
    const bookie = documents[1]!;
    expect(bookie.volumes).toBeNull();
    expect(bookie.jvm).toEqual({ heap_mb: 512, direct_memory_mb: 256 });
    expect(bookie.settings).toEqual({ journalSyncData: 'false' });
    expect(documents[3]!.settings).toEqual({});
    expect(documents[4]!.omb_workers?.[1]).toEqual({ port: 9092, stats_port: 9093 });
  });
});
