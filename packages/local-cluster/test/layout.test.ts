import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValidationError } from '@lab/core';
import { describe, expect, it } from 'vitest';
import { blockFor, planLocalCluster } from '../src/index.js';
import { listeningSockets, socketFor } from '../src/processes.js';
import { nodePath } from '../src/shell.js';

const counts = { zookeeper: 1, bookkeeper: 1, broker: 1, client: 2 };

describe('planLocalCluster', () => {
  it('gives each node a root, a loopback address and its unit; each client its own worker ports', () => {
    const layout = planLocalCluster({
      experimentId: 'exp-20261130-100000',
      rootDir: '/home/ana/.lab/exp/nodes',
      counts,
      block: 42,
    });
    expect(layout.hosts.map((host) => [host.name, host.address, host.unit, host.root])).toEqual([
      ['zookeeper-1', '127.77.42.1', 'zookeeper.service', '/home/ana/.lab/exp/nodes/zookeeper-1'],
      ['bookkeeper-1', '127.77.42.2', 'bookkeeper.service', '/home/ana/.lab/exp/nodes/bookkeeper-1'],
      ['broker-1', '127.77.42.3', 'pulsar-broker.service', '/home/ana/.lab/exp/nodes/broker-1'],
      ['client-1', '127.77.42.4', 'omb-worker.service', '/home/ana/.lab/exp/nodes/client-1'],
      ['client-2', '127.77.42.5', 'omb-worker.service', '/home/ana/.lab/exp/nodes/client-2'],
    ]);
    expect(layout.ombWorkers).toEqual([
      { port: 20840, stats_port: 20841 },
      { port: 20842, stats_port: 20843 },
    ]);
    expect(
      layout.listeners.map((listener) => `${listener.host} ${listener.address}:${listener.port}`),
    ).toEqual([
      'zookeeper-1 127.77.42.1:2181',
      'zookeeper-1 127.77.42.1:8000',
      'zookeeper-1 127.77.42.1:9990',
      'bookkeeper-1 127.77.42.2:3181',
      'bookkeeper-1 127.77.42.2:8000',
      'broker-1 127.77.42.3:6650',
      'broker-1 127.77.42.3:8080',
      'client-1 0.0.0.0:20840',
      'client-1 0.0.0.0:20841',
      'client-2 0.0.0.0:20842',
      'client-2 0.0.0.0:20843',
    ]);
  });

  it('is the same for the same experiment id (a dry run shows what setup uses), different for others', () => {
    expect(blockFor('exp-20261130-100000')).toBe(blockFor('exp-20261130-100000'));
    const blocks = new Set(Array.from({ length: 50 }, (_, index) => blockFor(`exp-20261130-1000${index}`)));
    expect(blocks.size).toBeGreaterThanOrEqual(40);
    for (const block of blocks) expect(block).toBeGreaterThanOrEqual(10);
  });

  it('refuses what one machine cannot hold, with the field named', () => {
    try {
      planLocalCluster({ experimentId: 'x', rootDir: '/my home/exp', counts: { ...counts, client: 11 } });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues.map((issue) => issue.path)).toEqual([
        'roles.client.count',
        'home',
      ]);
    }
  });
});

describe('node paths and sockets', () => {
  it('a transfer stays inside the node', () => {
    const host = { name: 'client-1', root: '/lab/exp/nodes/client-1' };
    expect(nodePath(host, '/lab/exp/nodes/client-1/var/lib/lab/omb/x.yaml')).toBe(
      '/lab/exp/nodes/client-1/var/lib/lab/omb/x.yaml',
    );
    expect(() => nodePath(host, '/lab/exp/nodes/client-1/../client-2/etc/passwd')).toThrow(
      /not a file of client-1/,
    );
    expect(() => nodePath(host, '/etc/passwd')).toThrow(/not a file of client-1/);
  });

  it('reads listening sockets from /proc/net/tcp and tcp6', async () => {
    const proc = await mkdtemp(join(tmpdir(), 'lab-proc-'));
    await mkdir(join(proc, 'net'));
    const header =
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
    await writeFile(
      join(proc, 'net', 'tcp'),
      `${header}   0: 01024D7F:0885 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1111 1 0\n` +
        `   1: 0100007F:1F90 0100007F:A000 01 00000000:00000000 00:00000000 00000000     0        0 2222 1 0\n`,
    );
    await writeFile(
      join(proc, 'net', 'tcp6'),
      `${header}   0: 00000000000000000000000000000000:51F4 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 3333 1 0\n`,
    );
    const sockets = await listeningSockets({ procDir: proc });
    expect(sockets).toEqual([
      { address: '127.77.2.1', port: 2181, inode: 1111 },
      { address: '::', port: 20980, inode: 3333 },
    ]);
    expect(socketFor({ address: '127.77.2.1', port: 2181 }, sockets)?.inode).toBe(1111);
    expect(socketFor({ address: '127.77.2.9', port: 2181 }, sockets)).toBeUndefined();
    expect(socketFor({ address: '0.0.0.0', port: 20980 }, sockets)?.inode).toBe(3333);
  });
});
