import type { Component } from '@lab/core';

/** The four roles, in the order Terraform and the cluster document list them. */
export const ROLES = ['zookeeper', 'bookkeeper', 'broker', 'client'] as const satisfies readonly Component[];
export type Role = (typeof ROLES)[number];

/** Where user-data writes the cluster document on every instance. */
export const CLUSTER_DOCUMENT_PATH = '/etc/lab/cluster.json';
/** The bootstrap's log file (it also logs to the journal, tag `lab-bootstrap`). */
export const BOOTSTRAP_LOG_PATH = '/var/log/lab/bootstrap.log';
/** `{"status":"ok"|"failed","role","message","time"}`, written when the bootstrap ends. */
export const BOOTSTRAP_STATUS_PATH = '/var/lib/lab/bootstrap.status';
/** The OMB worker list the bootstrap writes on clients (distributed runs use it). */
export const OMB_WORKERS_PATH = '/etc/lab/omb/workers.yaml';
/** The OMB worker unit's EnvironmentFile: `HEAP_OPTS`, `LAB_WORKER_PORT`, `LAB_WORKER_STATS_PORT`. */
export const OMB_WORKER_ENV_PATH = '/etc/lab/omb-worker.env';
/** The Pulsar units' EnvironmentFile: `PULSAR_MEM` (ZooKeeper, broker) or `BOOKIE_MEM`. */
export const PULSAR_ENV_PATH = '/etc/lab/pulsar.env';

/** The systemd unit the bootstrap enables and starts on each role. */
export const SYSTEMD_UNITS: Readonly<Record<Role, string>> = {
  zookeeper: 'zookeeper.service',
  bookkeeper: 'bookkeeper.service',
  broker: 'pulsar-broker.service',
  client: 'omb-worker.service',
};

/** TCP ports each role listens on. */
export const SERVICE_PORTS = {
  zookeeper: { client: 2181, peer: 2888, election: 3888 },
  bookkeeper: { bookie: 3181, http: 8000 },
  broker: { binary: 6650, http: 8080 },
  client: { worker: 8080, stats: 8081 },
} as const satisfies Record<Role, Record<string, number>>;

/** Mount points of the bookies' volumes and ZooKeeper's data directory. */
export const DATA_PATHS = {
  zookeeper: '/data/zookeeper',
  journal: '/data/bookkeeper/journal',
  ledgers: '/data/bookkeeper/ledgers',
} as const;

/**
 * Configuration keys the bootstrap sets itself for each role; passthrough settings may not
 * redefine them (ZooKeeper's `server.N` lines are reserved as well).
 */
export const RESERVED_SETTINGS: Readonly<Record<'zookeeper' | 'bookkeeper' | 'broker', readonly string[]>> = {
  zookeeper: [
    'dataDir',
    'clientPort',
    'clientPortAddress',
    '4lw.commands.whitelist',
    'quorumListenOnAllIPs',
    'admin.serverAddress',
    'metricsProvider.httpHost',
  ],
  bookkeeper: [
    'metadataServiceUri',
    'zkServers',
    'advertisedAddress',
    'listeningInterface',
    'bookiePort',
    'journalDirectories',
    'journalDirectory',
    'ledgerDirectories',
    'httpServerEnabled',
    'httpServerHost',
    'httpServerPort',
    'useHostNameAsBookieID',
  ],
  broker: [
    'metadataStoreUrl',
    'configurationMetadataStoreUrl',
    'zookeeperServers',
    'configurationStoreServers',
    'clusterName',
    'advertisedAddress',
    'bindAddress',
    'brokerServicePort',
    'webServicePort',
    'managedLedgerDefaultEnsembleSize',
    'managedLedgerDefaultWriteQuorum',
    'managedLedgerDefaultAckQuorum',
  ],
};

export function isReservedSetting(role: keyof typeof RESERVED_SETTINGS, key: string): boolean {
  return RESERVED_SETTINGS[role].includes(key) || (role === 'zookeeper' && key.startsWith('server.'));
}
