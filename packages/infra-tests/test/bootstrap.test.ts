import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ClusterDocument, parseClusterDocument, RESERVED_SETTINGS } from '@lab/infra';
import { describeWithTools } from '@lab/test-support';
import { afterAll, beforeEach, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import {
  createRoot,
  createSandbox,
  parseProperties,
  readCalls,
  runBootstrap,
  type Sandbox,
  type StubCall,
} from './support/bootstrap-harness.js';
import { BOOTSTRAP } from './support/paths.js';

const members = {
  zookeeper: ['10.42.0.10', '10.42.0.11', '10.42.0.12'],
  bookkeeper: ['10.42.0.50', '10.42.0.51', '10.42.0.52'],
  broker: ['10.42.0.90', '10.42.0.91', '10.42.0.92'],
  client: ['10.42.0.130', '10.42.0.131'],
};

const jvm: Record<ClusterDocument['role'], ClusterDocument['jvm']> = {
  zookeeper: { heap_mb: 1024, direct_memory_mb: 0 },
  bookkeeper: { heap_mb: 2048, direct_memory_mb: 3072 },
  broker: { heap_mb: 4096, direct_memory_mb: 6144 },
  client: { heap_mb: 3072, direct_memory_mb: 0 },
};

function documentFor(
  role: ClusterDocument['role'],
  index: number,
  overrides: Partial<ClusterDocument> = {},
): ClusterDocument {
  const volumeId = (n: number) => `vol-${n.toString(16).padStart(17, '0')}`;
  return parseClusterDocument({
    schema_version: 1,
    experiment_id: 'exp-20261127-031200',
    cluster_name: 'lab-cluster',
    role,
    index,
    private_ip: members[role][index],
    members,
    volumes:
      role === 'bookkeeper'
        ? {
            journal: { volume_id: volumeId(2 * index + 1), device_name: '/dev/sdf' },
            ledgers: { volume_id: volumeId(2 * index + 2), device_name: '/dev/sdg' },
          }
        : null,
    jvm: jvm[role],
    quorum: { ensemble_size: 3, write_quorum: 2, ack_quorum: 2 },
    settings: {},
    ...overrides,
  });
}

const roots: string[] = [];
let sandbox: Sandbox;

beforeEach(async () => {
  sandbox = await createSandbox();
  roots.push(sandbox.dir);
});

afterAll(async () => {
  await Promise.all(roots.map((dir) => rm(dir, { recursive: true, force: true })));
});

const read = (root: string, path: string) => readFile(join(root, path), 'utf8');
const argsOf = (calls: StubCall[], cmd: string) =>
  calls.filter((call) => call.cmd === cmd).map((call) => call.args);

async function expectSuccess(root: string, result: { code: number | null; stderr: string }) {
  expect(result.code, result.stderr).toBe(0);
  const status = JSON.parse(await read(root, 'var/lib/lab/bootstrap.status')) as { status: string };
  expect(status.status).toBe('ok');
  expect(await read(root, 'var/log/lab/bootstrap.log')).toMatch(/info: done$/m);
}

async function expectFailure(root: string, result: { code: number | null; stderr: string }, message: RegExp) {
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(message);
  expect(await read(root, 'var/log/lab/bootstrap.log')).toMatch(message);
  const status = JSON.parse(await read(root, 'var/lib/lab/bootstrap.status')) as {
    status: string;
    message: string;
  };
  expect(status.status).toBe('failed');
  expect(status.message).toMatch(message);
}

describeWithTools(['jq'], 'lab-bootstrap on a ZooKeeper node', () => {
  it('writes myid, the server list and the 4lw whitelist, sets the heap and starts zookeeper.service', async () => {
    const document = documentFor('zookeeper', 1, { settings: { 'autopurge.purgeInterval': '6' } });
    const root = await createRoot(sandbox, 'zk1', document);
    await expectSuccess(root, await runBootstrap(sandbox, root));

    expect(await read(root, 'data/zookeeper/myid')).toBe('2\n');
    const conf = parseProperties(await read(root, 'opt/pulsar/conf/zookeeper.conf'));
    expect(Object.fromEntries(conf)).toEqual({
      tickTime: '2000',
      initLimit: '10',
      syncLimit: '5',
      dataDir: join(root, 'data/zookeeper'),
      clientPort: '2181',
      clientPortAddress: '10.42.0.11',
      'admin.enableServer': 'true',
      'admin.serverPort': '9990',
      'admin.serverAddress': '10.42.0.11',
      'metricsProvider.httpHost': '10.42.0.11',
      'autopurge.snapRetainCount': '3',
      'autopurge.purgeInterval': '6',
      forceSync: 'yes',
      '4lw.commands.whitelist': 'ruok,mntr,stat,srvr',
      quorumListenOnAllIPs: 'false',
      'server.1': '10.42.0.10:2888:3888',
      'server.2': '10.42.0.11:2888:3888',
      'server.3': '10.42.0.12:2888:3888',
    });
    // The unit's EnvironmentFile; the distribution's pulsar_env.sh stays as it is.
    expect(await read(root, 'etc/lab/pulsar.env')).toBe(
      '# Written by lab-bootstrap from the cluster document (jvm).\nPULSAR_MEM="-Xms1024m -Xmx1024m"\n',
    );

    const calls = await readCalls(sandbox, root);
    expect(argsOf(calls, 'chown')).toEqual([['-R', 'pulsar:pulsar', join(root, 'data/zookeeper')]]);
    expect(argsOf(calls, 'systemctl')).toEqual([['enable', '--now', 'zookeeper.service']]);
    expect(argsOf(calls, 'pulsar')).toEqual([]);
    expect(argsOf(calls, 'logger')[0]).toEqual([
      '-t',
      'lab-bootstrap',
      '-p',
      'user.info',
      '--',
      expect.any(String),
    ]);
  });
});

describeWithTools(['jq'], 'lab-bootstrap on a bookie', () => {
  it('formats and mounts both volumes by volume id, renders bookkeeper.conf and starts after the metadata exists', async () => {
    const document = documentFor('bookkeeper', 1, { settings: { dbStorage_writeCacheMaxSizeMb: '512' } });
    const root = await createRoot(sandbox, 'bk1', document);
    await writeFile(join(sandbox.state, 'initialized'), '');
    await expectSuccess(root, await runBootstrap(sandbox, root));

    const journal = '/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol00000000000000003';
    const ledgers = '/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol00000000000000004';
    const calls = await readCalls(sandbox, root);
    expect(argsOf(calls, 'mkfs.xfs')).toEqual([
      ['-q', '-L', 'bk-journal', join(root, journal)],
      ['-q', '-L', 'bk-ledgers', join(root, ledgers)],
    ]);
    expect(argsOf(calls, 'mount')).toEqual([
      ['-t', 'xfs', '-o', 'defaults,noatime', join(root, journal), join(root, 'data/bookkeeper/journal')],
      ['-t', 'xfs', '-o', 'defaults,noatime', join(root, ledgers), join(root, 'data/bookkeeper/ledgers')],
    ]);
    expect(await read(root, 'etc/fstab')).toBe(
      `# fstab\n${journal} /data/bookkeeper/journal xfs defaults,noatime,nofail 0 2\n` +
        `${ledgers} /data/bookkeeper/ledgers xfs defaults,noatime,nofail 0 2\n`,
    );

    const conf = parseProperties(await read(root, 'opt/pulsar/conf/bookkeeper.conf'));
    expect(Object.fromEntries(conf)).toEqual({
      bookiePort: '3181',
      advertisedAddress: '10.42.0.51',
      listeningInterface: 'ens5',
      httpServerHost: '10.42.0.51',
      zkServers: '10.42.0.10:2181,10.42.0.11:2181,10.42.0.12:2181',
      metadataServiceUri: 'zk://10.42.0.10:2181;10.42.0.11:2181;10.42.0.12:2181/ledgers',
      journalDirectories: join(root, 'data/bookkeeper/journal'),
      ledgerDirectories: join(root, 'data/bookkeeper/ledgers'),
      httpServerEnabled: 'true',
      httpServerPort: '8000',
      dbStorage_writeCacheMaxSizeMb: '512',
      useHostNameAsBookieID: 'false',
    });
    expect(await read(root, 'etc/lab/pulsar.env')).toContain(
      '\nBOOKIE_MEM="-Xms2048m -Xmx2048m -XX:MaxDirectMemorySize=3072m"\n',
    );
    expect(argsOf(calls, 'chown')).toEqual([['-R', 'pulsar:pulsar', join(root, 'data/bookkeeper')]]);
    expect(argsOf(calls, 'nc')[0]).toEqual(['-w', '2', '10.42.0.10', '2181']);
    expect(argsOf(calls, 'pulsar')).toContainEqual([
      'zookeeper-shell',
      '-server',
      '10.42.0.10:2181,10.42.0.11:2181,10.42.0.12:2181',
      'stat',
      '/admin/clusters/lab-cluster',
    ]);
    expect(argsOf(calls, 'pulsar').some((args) => args[0] === 'initialize-cluster-metadata')).toBe(false);
    expect(argsOf(calls, 'systemctl')).toEqual([['enable', '--now', 'bookkeeper.service']]);
  });

  it('finds a Xen-style /dev/xvdX device when there is no NVMe link', async () => {
    const document = documentFor('bookkeeper', 0);
    const root = await createRoot(sandbox, 'bk0', document, { attachVolumes: false });
    await mkdir(join(root, 'dev'), { recursive: true });
    await writeFile(join(root, 'dev/xvdf'), '');
    await writeFile(join(root, 'dev/xvdg'), '');
    await writeFile(join(sandbox.state, 'initialized'), '');
    await expectSuccess(root, await runBootstrap(sandbox, root));
    expect(argsOf(await readCalls(sandbox, root), 'mount').map((args) => args[4])).toEqual([
      join(root, 'dev/xvdf'),
      join(root, 'dev/xvdg'),
    ]);
  });

  it('fails loudly when a volume never appears', async () => {
    const root = await createRoot(sandbox, 'bk2', documentFor('bookkeeper', 2), { attachVolumes: false });
    const result = await runBootstrap(sandbox, root, { LAB_WAIT_TIMEOUT_SECONDS: '1' });
    await expectFailure(root, result, /timed out after 1s waiting for journal volume vol-00000000000000005/);
    expect(argsOf(await readCalls(sandbox, root), 'systemctl')).toEqual([]);
  });

  it('does not start before the cluster metadata exists', async () => {
    const root = await createRoot(sandbox, 'bk0', documentFor('bookkeeper', 0));
    const result = await runBootstrap(sandbox, root, { LAB_WAIT_TIMEOUT_SECONDS: '1' });
    await expectFailure(root, result, /timed out after 1s waiting for cluster metadata of lab-cluster/);
    expect(argsOf(await readCalls(sandbox, root), 'systemctl')).toEqual([]);
  });
});

describeWithTools(['jq'], 'lab-bootstrap on brokers', () => {
  it('initializes the metadata exactly once when three brokers boot together', async () => {
    const rootsByIndex = await Promise.all(
      [0, 1, 2].map((index) =>
        createRoot(
          sandbox,
          `broker${index}`,
          documentFor('broker', index, { settings: { brokerDeleteInactiveTopicsEnabled: 'false' } }),
        ),
      ),
    );
    // The others start first, so they really have to wait for broker 0.
    const results = await Promise.all(
      rootsByIndex.map((root, index) =>
        index === 0
          ? new Promise<Awaited<ReturnType<typeof runBootstrap>>>((resolve) =>
              setTimeout(() => resolve(runBootstrap(sandbox, root)), 300),
            )
          : runBootstrap(sandbox, root),
      ),
    );
    for (const [index, root] of rootsByIndex.entries()) await expectSuccess(root, results[index]!);

    const calls = await readCalls(sandbox);
    const initializations = calls.filter(
      (call) => call.cmd === 'pulsar' && call.args[0] === 'initialize-cluster-metadata',
    );
    expect(initializations).toEqual([
      {
        cmd: 'pulsar',
        root: rootsByIndex[0],
        args: [
          'initialize-cluster-metadata',
          '--cluster',
          'lab-cluster',
          '--metadata-store',
          'zk:10.42.0.10:2181,10.42.0.11:2181,10.42.0.12:2181',
          '--configuration-metadata-store',
          'zk:10.42.0.10:2181,10.42.0.11:2181,10.42.0.12:2181',
          '--web-service-url',
          'http://10.42.0.90:8080,10.42.0.91:8080,10.42.0.92:8080',
          '--broker-service-url',
          'pulsar://10.42.0.90:6650,10.42.0.91:6650,10.42.0.92:6650',
        ],
      },
    ]);
    for (const root of rootsByIndex) {
      expect(argsOf(await readCalls(sandbox, root), 'systemctl')).toEqual([
        ['enable', '--now', 'pulsar-broker.service'],
      ]);
    }

    const conf = parseProperties(await read(rootsByIndex[2]!, 'opt/pulsar/conf/broker.conf'));
    expect(Object.fromEntries(conf)).toEqual({
      metadataStoreUrl: 'zk:10.42.0.10:2181,10.42.0.11:2181,10.42.0.12:2181',
      configurationMetadataStoreUrl: 'zk:10.42.0.10:2181,10.42.0.11:2181,10.42.0.12:2181',
      brokerServicePort: '6650',
      webServicePort: '8080',
      clusterName: 'lab-cluster',
      advertisedAddress: '10.42.0.92',
      bindAddress: '10.42.0.92',
      managedLedgerDefaultEnsembleSize: '3',
      managedLedgerDefaultWriteQuorum: '2',
      managedLedgerDefaultAckQuorum: '2',
      brokerDeleteInactiveTopicsEnabled: 'false',
    });
    expect(await read(rootsByIndex[2]!, 'etc/lab/pulsar.env')).toContain(
      '\nPULSAR_MEM="-Xms4096m -Xmx4096m -XX:MaxDirectMemorySize=6144m"\n',
    );
  });

  it('skips the initialization when the metadata already exists (a second boot)', async () => {
    const root = await createRoot(sandbox, 'broker0', documentFor('broker', 0));
    await writeFile(join(sandbox.state, 'initialized'), '');
    await expectSuccess(root, await runBootstrap(sandbox, root));
    const pulsarCalls = argsOf(await readCalls(sandbox, root), 'pulsar');
    expect(pulsarCalls.some((args) => args[0] === 'initialize-cluster-metadata')).toBe(false);
    expect(await read(root, 'var/log/lab/bootstrap.log')).toMatch(
      /cluster metadata for lab-cluster already exists/,
    );
  });

  it('fails loudly when the initialization fails, and starts nothing', async () => {
    const root = await createRoot(sandbox, 'broker0', documentFor('broker', 0));
    const result = await runBootstrap(sandbox, root, { STUB_INIT_FAILS: '1' });
    await expectFailure(root, result, /pulsar initialize-cluster-metadata failed/);
    expect(await read(root, 'var/log/lab/bootstrap.log')).toContain('metadata store unreachable');
    expect(argsOf(await readCalls(sandbox, root), 'systemctl')).toEqual([]);
  });

  it('waits for a serving ZooKeeper and gives up at the deadline', async () => {
    const root = await createRoot(sandbox, 'broker1', documentFor('broker', 1));
    const result = await runBootstrap(sandbox, root, { STUB_ZK_MODE: '', LAB_WAIT_TIMEOUT_SECONDS: '1' });
    await expectFailure(root, result, /timed out after 1s waiting for ZooKeeper quorum/);
    expect(result.durationMs).toBeLessThan(5000);
  });
});

describeWithTools(['jq'], 'lab-bootstrap on a client', () => {
  it('writes the workers file and the worker heap and ports (no driver file: the test plan brings it), and starts omb-worker.service', async () => {
    const root = await createRoot(sandbox, 'client1', documentFor('client', 1));
    await expectSuccess(root, await runBootstrap(sandbox, root));

    await expect(read(root, 'etc/lab/omb/driver.yaml')).rejects.toThrow();
    expect(parseYaml(await read(root, 'etc/lab/omb/workers.yaml'))).toEqual({
      workers: ['http://10.42.0.130:8080', 'http://10.42.0.131:8080'],
    });
    expect(await read(root, 'etc/lab/omb-worker.env')).toBe(
      '# Written by lab-bootstrap from the cluster document (jvm, omb_workers).\nHEAP_OPTS="-Xms3072m -Xmx3072m"\nLAB_WORKER_PORT=8080\nLAB_WORKER_STATS_PORT=8081\n',
    );
    const calls = await readCalls(sandbox, root);
    expect(argsOf(calls, 'systemctl')).toEqual([['enable', '--now', 'omb-worker.service']]);
    expect(argsOf(calls, 'pulsar')).toEqual([]);
  });
});

describeWithTools(['jq'], 'lab-bootstrap refuses bad input loudly', () => {
  it('fails when the cluster document is missing', async () => {
    const root = await createRoot(sandbox, 'none', documentFor('broker', 0), { documentText: null });
    await expectFailure(
      root,
      await runBootstrap(sandbox, root),
      /cluster document .*cluster\.json not found/,
    );
  });

  it('fails when the cluster document is not JSON', async () => {
    const root = await createRoot(sandbox, 'bad', documentFor('broker', 0), { documentText: '{"role": ' });
    await expectFailure(root, await runBootstrap(sandbox, root), /is not valid JSON/);
  });

  it('lists every problem of an invalid document', async () => {
    const document = {
      ...documentFor('broker', 0),
      index: 7,
      quorum: { ensemble_size: 4, write_quorum: 3, ack_quorum: 2 },
      jvm: { heap_mb: 64, direct_memory_mb: 0 },
      cluster_name: '1bad name',
      members: { ...members, zookeeper: ['10.42.0.10', 'zk.example'] },
    };
    const root = await createRoot(sandbox, 'invalid', documentFor('broker', 0), {
      documentText: JSON.stringify(document),
    });
    const result = await runBootstrap(sandbox, root);
    await expectFailure(root, result, /invalid cluster document/);
    for (const message of [
      /index 7 is outside members\.broker \(3 members\)/,
      /refusing quorum\.ensemble_size 4: only 3 bookie\(s\)/,
      /jvm\.heap_mb must be a whole number >= 128 \(got 64\)/,
      /cluster_name must start with a letter/,
      /members\.zookeeper holds something that is not an IPv4 address/,
    ]) {
      expect(result.stderr).toMatch(message);
    }
    expect(argsOf(await readCalls(sandbox, root), 'systemctl')).toEqual([]);
  });

  it('refuses quorums above the number of bookies', async () => {
    const document = {
      ...documentFor('client', 0),
      quorum: { ensemble_size: 5, write_quorum: 5, ack_quorum: 5 },
    };
    const root = await createRoot(sandbox, 'quorum', documentFor('client', 0), {
      documentText: JSON.stringify(document),
    });
    await expectFailure(
      root,
      await runBootstrap(sandbox, root),
      /refusing quorum\.ensemble_size 5: only 3 bookie\(s\)/,
    );
  });

  it('requires volume ids on a bookie', async () => {
    const document = {
      ...documentFor('bookkeeper', 0),
      volumes: { journal: { volume_id: 'x', device_name: '/dev/sdf' } },
    };
    const root = await createRoot(sandbox, 'novol', documentFor('bookkeeper', 0), {
      documentText: JSON.stringify(document),
    });
    const result = await runBootstrap(sandbox, root);
    await expectFailure(root, result, /volumes\.journal\.volume_id must look like vol-/);
    expect(result.stderr).toMatch(/volumes\.ledgers is required when a bookie has volumes/);
  });

  it.each(Object.entries(RESERVED_SETTINGS))(
    'refuses every setting @lab/infra reserves for %s (the two lists agree)',
    async (role, keys) => {
      const settings = Object.fromEntries(
        [...keys, ...(role === 'zookeeper' ? ['server.4'] : [])].map((key) => [key, 'x']),
      );
      const base = documentFor(role as ClusterDocument['role'], 0);
      const root = await createRoot(sandbox, `reserved-${role}`, base, {
        documentText: JSON.stringify({ ...base, settings }),
      });
      const result = await runBootstrap(sandbox, root);
      expect(result.code).toBe(1);
      for (const key of Object.keys(settings)) {
        expect(result.stderr).toContain(
          `settings.${key} is set by the bootstrap and cannot be passed through`,
        );
      }
    },
  );

  it('fails when Pulsar is not installed', async () => {
    const root = await createRoot(sandbox, 'nopulsar', documentFor('broker', 1));
    await unlink(join(root, 'opt/pulsar/conf/broker.conf'));
    await expectFailure(root, await runBootstrap(sandbox, root), /missing \/opt\/pulsar\/conf\/broker\.conf/);
  });

  it('refuses arguments', async () => {
    const root = await createRoot(sandbox, 'args', documentFor('broker', 1));
    const result = await new Promise<number | null>((resolve) => {
      const child = spawn('bash', [BOOTSTRAP, '--force'], {
        env: { ...process.env, LAB_ROOT: root },
        stdio: 'ignore',
      });
      child.on('close', resolve);
    });
    expect(result).toBe(2);
  });
});

// --- a real ZooKeeper from the generated configuration ------------------------------------

const ZOOKEEPER_JAR = '/usr/share/java/zookeeper.jar';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function fourLetterWord(port: number, word: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    socket.setTimeout(2000, () => socket.destroy());
    socket.on('connect', () => socket.write(word));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
    });
    socket.on('close', () => resolve(reply));
    socket.on('error', () => resolve(''));
  });
}

describeWithTools(['jq'], 'the generated ZooKeeper configuration', () => {
  it('starts a real ZooKeeper that answers imok', async () => {
    if (!existsSync(ZOOKEEPER_JAR)) {
      const message = `${ZOOKEEPER_JAR} not found: install the Debian package "zookeeper" (.ci/run does)`;
      if (process.env.CI === 'true') throw new Error(message);
      console.warn(`\n!!! SKIPPING the real-ZooKeeper check: ${message}\n`);
      return;
    }
    const document = documentFor('zookeeper', 0, {
      members: { ...members, zookeeper: ['127.0.0.1'] },
      private_ip: '127.0.0.1',
    });
    const root = await createRoot(sandbox, 'zk-real', document);
    await expectSuccess(root, await runBootstrap(sandbox, root));

    // Only what ties the file to an instance changes: data directory, client port, admin server.
    const work = await mkdtemp(join(tmpdir(), 'lab-zk-'));
    roots.push(work);
    const port = await freePort();
    const generated = await read(root, 'opt/pulsar/conf/zookeeper.conf');
    const standalone = generated
      .replace(/^dataDir=.*$/m, `dataDir=${work}/data`)
      .replace(/^clientPort=.*$/m, `clientPort=${port}`)
      .replace(/^admin\.enableServer=.*$/m, 'admin.enableServer=false');
    expect(standalone).toMatch(/^4lw\.commands\.whitelist=ruok,mntr,stat,srvr$/m);
    expect(standalone).toMatch(/^server\.1=127\.0\.0\.1:2888:3888$/m);
    await mkdir(join(work, 'data'), { recursive: true });
    await writeFile(join(work, 'data', 'myid'), await read(root, 'data/zookeeper/myid'));
    await writeFile(join(work, 'zoo.cfg'), standalone);

    let zookeeper: ChildProcess | undefined;
    let output = '';
    try {
      zookeeper = spawn(
        'java',
        [
          '-Xmx128m',
          '-cp',
          ZOOKEEPER_JAR,
          'org.apache.zookeeper.server.quorum.QuorumPeerMain',
          join(work, 'zoo.cfg'),
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      zookeeper.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      zookeeper.stderr?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      const deadline = Date.now() + 30_000;
      let reply = '';
      while (Date.now() < deadline && zookeeper.exitCode === null) {
        reply = await fourLetterWord(port, 'ruok');
        if (reply === 'imok') break;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(reply, `ZooKeeper did not answer imok; its output:\n${output.slice(-3000)}`).toBe('imok');
      // ruok only says the process runs; srvr says it serves requests.
      let status = '';
      while (Date.now() < deadline && !/^Mode: /m.test(status)) {
        status = await fourLetterWord(port, 'srvr');
        if (!/^Mode: /m.test(status)) await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(status).toMatch(/^Mode: standalone$/m);
    } finally {
      zookeeper?.kill('SIGKILL');
    }
  }, 60_000);
});
