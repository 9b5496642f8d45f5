import { join } from 'node:path';
import { ValidationError } from '@lab/core';
import { ROLES, type Role, SERVICE_PORTS, SYSTEMD_UNITS } from '@lab/infra';

/** One node of a local cluster: a directory standing for its file system, an address of its own. */
export interface LocalHost {
  /** `zookeeper-1`, `client-2`: the role and the 1-based index. */
  name: string;
  role: Role;
  /** 0-based, as in the cluster document. */
  index: number;
  /** Its private IP: an address of 127.0.0.0/8, which Linux routes to the loopback interface. */
  address: string;
  /** The directory that stands for `/` on this node. */
  root: string;
  /** The systemd unit of its role. */
  unit: string;
}

/** An address and port a service of the cluster listens on. */
export interface LocalListener {
  host: string;
  /** `0.0.0.0` for the OMB workers, which cannot bind one address. */
  address: string;
  port: number;
  service: string;
}

export interface LocalClusterLayout {
  experimentId: string;
  /** The directory holding every node's root. */
  rootDir: string;
  /** The third octet: the cluster's nodes are `127.77.<block>.1`, `.2`, … */
  block: number;
  /** In role order (ZooKeeper, bookies, brokers, clients), each role by index. */
  hosts: LocalHost[];
  /** One pair per client, in client order: the OMB workers bind every address. */
  ombWorkers: Array<{ port: number; stats_port: number }>;
  /** Everything that listens once the cluster runs: what teardown verifies is closed. */
  listeners: LocalListener[];
}

export interface LocalLayoutOptions {
  experimentId: string;
  rootDir: string;
  counts: Readonly<Record<Role, number>>;
  /** The third address octet; default: derived from the experiment id. */
  block?: number;
}

/** Local clusters live in 127.77.0.0/16, one /24 per experiment. */
export const LOCAL_ADDRESS_PREFIX = '127.77';
/** OMB worker ports of block b start at this + 20·b: clusters side by side never share one. */
const WORKER_PORT_BASE = 20_000;
/** Workers are two ports each, so a block's range of 20 holds ten clients. */
export const MAX_LOCAL_CLIENTS = 10;
const FIRST_BLOCK = 10;
const BLOCKS = 240;
/** The distribution's zookeeper.conf serves Prometheus metrics and its admin server on these. */
const ZOOKEEPER_METRICS_PORT = 8000;
const ZOOKEEPER_ADMIN_PORT = 9990;

/**
 * Where the nodes of a local cluster live: a root directory and a loopback address each, and
 * distinct OMB worker ports. Deterministic for an experiment id, so a dry run shows what setup
 * will use; setup checks that every address and port is free before starting anything.
 */
export function planLocalCluster(options: LocalLayoutOptions): LocalClusterLayout {
  const block = options.block ?? blockFor(options.experimentId);
  const total = ROLES.reduce((sum, role) => sum + options.counts[role], 0);
  const issues = [
    ...(total > 254
      ? [{ path: 'roles', message: 'a local cluster holds at most 254 nodes', received: String(total) }]
      : []),
    ...(options.counts.client > MAX_LOCAL_CLIENTS
      ? [
          {
            path: 'roles.client.count',
            message: `the local target runs at most ${MAX_LOCAL_CLIENTS} clients`,
            expected: `1 to ${MAX_LOCAL_CLIENTS}`,
            received: String(options.counts.client),
          },
        ]
      : []),
    ...(/\s/.test(options.rootDir)
      ? [
          {
            path: 'home',
            message:
              'the local target needs an experiment directory without spaces (paths go into OMB and Pulsar command lines)',
            received: options.rootDir,
          },
        ]
      : []),
  ];
  if (issues.length > 0) throw new ValidationError('This cluster cannot run on this machine', issues);

  const hosts: LocalHost[] = [];
  for (const role of ROLES) {
    for (let index = 0; index < options.counts[role]; index += 1) {
      const name = `${role}-${index + 1}`;
      hosts.push({
        name,
        role,
        index,
        address: `${LOCAL_ADDRESS_PREFIX}.${block}.${hosts.length + 1}`,
        root: join(options.rootDir, name),
        unit: SYSTEMD_UNITS[role],
      });
    }
  }
  const ombWorkers = Array.from({ length: options.counts.client }, (_, index) => {
    const port = WORKER_PORT_BASE + block * 20 + index * 2;
    return { port, stats_port: port + 1 };
  });
  return {
    experimentId: options.experimentId,
    rootDir: options.rootDir,
    block,
    hosts,
    ombWorkers,
    listeners: listenersOf(hosts, ombWorkers, options.counts.zookeeper),
  };
}

function listenersOf(
  hosts: readonly LocalHost[],
  ombWorkers: LocalClusterLayout['ombWorkers'],
  zookeepers: number,
): LocalListener[] {
  return hosts.flatMap((host): LocalListener[] => {
    const at = (port: number, service: string) => ({ host: host.name, address: host.address, port, service });
    const anywhere = (port: number, service: string) => ({
      host: host.name,
      address: '0.0.0.0',
      port,
      service,
    });
    const byRole: Record<Role, () => LocalListener[]> = {
      zookeeper: () => [
        at(SERVICE_PORTS.zookeeper.client, 'zookeeper client'),
        at(ZOOKEEPER_METRICS_PORT, 'zookeeper metrics'),
        at(ZOOKEEPER_ADMIN_PORT, 'zookeeper admin'),
        ...(zookeepers > 1
          ? [
              at(SERVICE_PORTS.zookeeper.peer, 'zookeeper peers'),
              at(SERVICE_PORTS.zookeeper.election, 'zookeeper election'),
            ]
          : []),
      ],
      bookkeeper: () => [
        at(SERVICE_PORTS.bookkeeper.bookie, 'bookie'),
        at(SERVICE_PORTS.bookkeeper.http, 'bookie http'),
      ],
      broker: () => [at(SERVICE_PORTS.broker.binary, 'broker'), at(SERVICE_PORTS.broker.http, 'broker http')],
      client: () => {
        const ports = ombWorkers[host.index]!;
        return [anywhere(ports.port, 'omb worker'), anywhere(ports.stats_port, 'omb worker stats')];
      },
    };
    return byRole[host.role]();
  });
}

/** A stable block in FIRST_BLOCK … FIRST_BLOCK + BLOCKS − 1 for an experiment id (FNV-1a). */
export function blockFor(experimentId: string): number {
  let hash = 0x811c9dc5;
  for (const character of experimentId) {
    hash ^= character.charCodeAt(0);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return FIRST_BLOCK + (hash % BLOCKS);
}

/** The hosts of one role, by index. */
export function hostsOf(layout: Pick<LocalClusterLayout, 'hosts'>, role: Role): LocalHost[] {
  return layout.hosts.filter((host) => host.role === role);
}

/** Each role's addresses in index order: the `members` of every node's cluster document. */
export function membersOf(layout: Pick<LocalClusterLayout, 'hosts'>): Record<Role, string[]> {
  const addresses = (role: Role) => hostsOf(layout, role).map((host) => host.address);
  return {
    zookeeper: addresses('zookeeper'),
    bookkeeper: addresses('bookkeeper'),
    broker: addresses('broker'),
    client: addresses('client'),
  };
}
