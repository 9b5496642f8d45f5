// Real Apache Pulsar 4.0.4 and real OMB workers on loopback, installed by the AMI's own scripts
// and configured by lab-bootstrap: what the probe says of each role when healthy, when a service
// is stopped, and when another process holds a service's port.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ClusterDocument, clusterDocuments } from '@lab/infra';
import { describeWithLocalTarget } from '@lab/test-support';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  bootstrapStatus,
  createHostRoots,
  ensureLocalImage,
  experimentProcesses,
  type LocalClusterLayout,
  type LocalHost,
  membersOf,
  openListenersOf,
  planLocalCluster,
  runOnHost,
  startBootstraps,
  stopLocalCluster,
} from '../src/index.js';

const PACKER = fileURLToPath(new URL('../../../packer', import.meta.url));
const OMB_COMMIT = '00502be586da8fae3b356db3fc7ea65be1f45cba';

interface ProbeDocument {
  ok: boolean;
  checks: Array<{ name: string; ok: boolean; detail: string }>;
}

describeWithLocalTarget('a local cluster of real Pulsar 4.0.4 and OMB, one node per role', (inputs) => {
  const experimentId = `exp-probe-${process.pid}`;
  const shell = { experimentId };
  let dir: string;
  let layout: LocalClusterLayout;
  const node = (name: string): LocalHost => layout.hosts.find((host) => host.name === name)!;

  const probe = async (host: LocalHost, check = 'all'): Promise<ProbeDocument> => {
    const result = await runOnHost(shell, host, `lab-health-probe --check ${check} --zk-ensemble-size 1`, {
      timeoutMs: 60_000,
    });
    return JSON.parse(result.stdout) as ProbeDocument;
  };
  const systemctl = (host: LocalHost, verb: string) =>
    runOnHost(shell, host, `"$LAB_SYSTEMCTL" ${verb} ${host.unit}`, { timeoutMs: 150_000 });
  const untilHealthy = async (host: LocalHost, limitMs = 180_000) => {
    const deadline = Date.now() + limitMs;
    let last: ProbeDocument | undefined;
    while (Date.now() < deadline) {
      last = await probe(host);
      if (last.ok) return last;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    throw new Error(`${host.name} not healthy after ${limitMs} ms: ${JSON.stringify(last)}`);
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lab-local-'));
    const image = await ensureLocalImage({
      cacheDir: inputs.cacheDir,
      packerDir: PACKER,
      pulsarVersion: '4.0.4',
      pulsarTarball: inputs.pulsarTarball,
      ombCommit: OMB_COMMIT,
      ombSource: inputs.ombSource,
    });
    layout = planLocalCluster({
      experimentId,
      rootDir: join(dir, 'nodes'),
      counts: { zookeeper: 1, bookkeeper: 1, broker: 1, client: 2 },
    });
    const documents: ClusterDocument[] = clusterDocuments({
      experimentId,
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
        bookkeeper_settings: { dbStorage_writeCacheMaxSizeMb: '64', dbStorage_readAheadCacheMaxSizeMb: '64' },
        broker_settings: { managedLedgerCacheSizeMB: '64' },
      },
      members: membersOf(layout),
      ombWorkers: layout.ombWorkers,
    });
    await createHostRoots({ layout, image, documents, packerDir: PACKER });
    startBootstraps(shell, layout);
    const deadline = Date.now() + 240_000;
    for (const host of layout.hosts) {
      for (;;) {
        const status = await bootstrapStatus(host);
        if (status.state === 'ok') break;
        if (status.state === 'failed') throw new Error(`${host.name}: ${status.message}\n${status.logTail}`);
        if (Date.now() > deadline) throw new Error(`${host.name} did not finish its bootstrap`);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
    for (const host of layout.hosts) await untilHealthy(host);
  }, 900_000);

  afterAll(async () => {
    if (layout !== undefined) {
      const report = await stopLocalCluster(shell, layout);
      expect(report.remaining).toEqual([]);
      expect(report.openListeners.filter((listener) => listener.ours)).toEqual([]);
      expect(report.complete).toBe(true);
    }
    await rm(dir, { recursive: true, force: true });
  }, 300_000);

  it('every role is healthy by the probe, and each server binds its own address only', async () => {
    for (const host of layout.hosts) {
      const report = await probe(host);
      expect(report.ok, `${host.name}: ${JSON.stringify(report)}`).toBe(true);
    }
    expect((await probe(node('broker-1'))).checks.map((check) => check.name)).toEqual([
      'pulsar-broker.service',
      'broker /admin/v2/brokers/ready',
      'broker /admin/v2/brokers/health',
    ]);
    const open = await openListenersOf(layout);
    const expected = layout.listeners.map((listener) => `${listener.address}:${listener.port}`).sort();
    expect(open.map((listener) => `${listener.address}:${listener.port}`).sort()).toEqual(expected);
    expect(open.every((listener) => listener.ours)).toBe(true);
    // ZooKeeper's metrics and the bookie's HTTP API both use port 8000, each on its own address.
    expect(expected).toEqual(
      expect.arrayContaining([`${node('zookeeper-1').address}:8000`, `${node('bookkeeper-1').address}:8000`]),
    );
    const processes = await experimentProcesses(experimentId);
    expect(new Set(processes.map((entry) => entry.host))).toEqual(
      new Set(layout.hosts.map((host) => host.name)),
    );
  });

  it('a stopped bookie: the probe names the unit state and that nothing listens', async () => {
    const bookie = node('bookkeeper-1');
    await systemctl(bookie, 'stop');
    const report = await probe(bookie);
    expect(report.ok).toBe(false);
    expect(report.checks).toEqual([
      { name: 'bookkeeper.service', kind: 'service', ok: false, detail: 'inactive' },
      {
        name: 'bookie /api/v1/bookie/state',
        kind: 'endpoint',
        ok: false,
        detail: `cannot connect to ${bookie.address}:8000 (connection refused or unreachable); nothing listens on ${bookie.address}:8000`,
      },
    ]);
    await systemctl(bookie, 'start');
    await untilHealthy(bookie);
  }, 300_000);

  it("another process on the bookie's HTTP port: the probe names it, not the bookie", async () => {
    const bookie = node('bookkeeper-1');
    await systemctl(bookie, 'stop');
    const impostor = createServer((_request, response) => response.writeHead(404).end('Not Found'));
    await new Promise<void>((resolve) => impostor.listen(8000, bookie.address, resolve));
    try {
      const report = await probe(bookie, 'endpoints');
      expect(report.ok).toBe(false);
      expect(report.checks[0]!.detail).toMatch(
        new RegExp(
          `^HTTP 404: Not Found; port 8000 is held by pid ${process.pid} \\([^)]*\\), not by bookkeeper\\.service$`,
        ),
      );
    } finally {
      await new Promise<void>((resolve) => impostor.close(() => resolve()));
    }
    await systemctl(bookie, 'start');
    await untilHealthy(bookie);
  }, 300_000);

  it('a broker whose bookie is gone is not healthy: the end-to-end health check fails', async () => {
    const bookie = node('bookkeeper-1');
    await systemctl(bookie, 'stop');
    const report = await probe(node('broker-1'), 'endpoints');
    expect(report.checks[0]).toMatchObject({ name: 'broker /admin/v2/brokers/ready', ok: true });
    expect(report.checks[1]).toMatchObject({ name: 'broker /admin/v2/brokers/health', ok: false });
    await systemctl(bookie, 'start');
    await untilHealthy(bookie);
    await untilHealthy(node('broker-1'));
  }, 300_000);
});
