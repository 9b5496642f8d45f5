// Runs the on-instance probe (packer/files/lab/bin/lab-health-probe) with bash against a real
// ZooKeeper (Debian's `zookeeper` package) and small local HTTP/TCP servers.
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeWhen, describeWithTools, findTool } from '@lab/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProbeReport, parseProbeOutput } from '../src/index.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PROBE = join(REPO_ROOT, 'packer/files/lab/bin/lab-health-probe');
/** What the probe runs besides bash and coreutils (the AMI bakes them). */
// ss names what holds a port when an endpoint answers wrong.
const PROBE_TOOLS = ['jq', 'curl', 'ss'] as const;

let workDir: string;
let fakeSystemctl: string;
let unitsDir: string;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'lab-probe-'));
  unitsDir = join(workDir, 'units');
  await mkdir(unitsDir);
  fakeSystemctl = join(workDir, 'systemctl');
  // `is-active UNIT` prints the state kept in $FAKE_UNITS/UNIT (default inactive), exits 0 only
  // when active — like systemctl. The state `hang` never answers.
  await writeFile(
    fakeSystemctl,
    [
      '#!/usr/bin/env bash',
      'state=$(cat "$FAKE_UNITS/$2" 2>/dev/null || echo inactive)',
      'if [[ "$state" == hang ]]; then sleep 60; fi',
      'echo "$state"',
      '[[ "$state" == active ]] || exit 3',
      '',
    ].join('\n'),
  );
  await chmod(fakeSystemctl, 0o755);
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

interface ProbeRun {
  code: number | null;
  stdout: string;
  stderr: string;
  elapsedMs: number;
  report: ProbeReport;
  document: Record<string, unknown>;
}

/** Runs the probe with bash; asserts it printed exactly one JSON document. */
function runProbe(args: string[], env: Record<string, string> = {}): Promise<ProbeRun> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    execFile(
      'bash',
      [PROBE, ...args],
      {
        env: {
          ...process.env,
          LAB_ROOT: workDir,
          LAB_SYSTEMCTL: fakeSystemctl,
          FAKE_UNITS: unitsDir,
          ...env,
        },
        timeout: 30_000,
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        const lines = stdout.trimEnd().split('\n');
        if (lines.length !== 1) {
          reject(
            new Error(
              `expected exactly one line of JSON, got ${lines.length}:\n${stdout}\nstderr: ${stderr}`,
            ),
          );
          return;
        }
        const parsed = parseProbeOutput(stdout);
        if (parsed.problem !== undefined) {
          reject(new Error(`probe output unreadable: ${parsed.problem}\nstderr: ${stderr}`));
          return;
        }
        resolve({
          code,
          stdout,
          stderr,
          elapsedMs: Date.now() - started,
          report: parsed.report,
          document: JSON.parse(stdout) as Record<string, unknown>,
        });
      },
    );
  });
}

const checkDetails = (run: ProbeRun) =>
  run.report.checks.map((check) => [check.name, check.ok, check.detail]);

/** What the probe says about a port held by this test's own HTTP server (a node process). */
const heldByTestServer = (port: number, unit: string) =>
  new RegExp(`port ${port} is held by pid ${process.pid} \\([^)]*\\), not by ${unit.replace('.', '\\.')}$`);

async function freePort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

type Handler = (request: IncomingMessage, response: ServerResponse) => void;
const HANG: Handler = () => {};

/** An HTTP server on 127.0.0.1 answering by path; unknown paths get 404. */
async function httpServer(
  routes: Record<string, Handler>,
): Promise<{ port: number; close(): Promise<void> }> {
  const server = createHttpServer((request, response) => {
    const handler = routes[request.url ?? ''];
    if (handler === undefined) {
      response.writeHead(404).end('Not Found');
      return;
    }
    handler(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const text =
  (status: number, body: string): Handler =>
  (_request, response) => {
    response.writeHead(status, { 'content-type': 'text/plain' }).end(body);
  };
const json =
  (status: number, body: unknown): Handler =>
  (_request, response) => {
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };

/** A TCP server that accepts connections and never answers. */
async function silentTcpServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

// --- ZooKeeper ------------------------------------------------------------------------------

function findZooKeeperJar(): string | undefined {
  const candidates = ['/usr/share/java/zookeeper.jar'];
  try {
    const listed = execFileSync('dpkg', ['-L', 'zookeeper', 'libzookeeper-java'], { encoding: 'utf8' });
    candidates.push(...listed.split('\n').filter((path) => /\/zookeeper(-[\d.]+)?\.jar$/.test(path)));
  } catch {
    // dpkg is missing or the packages are not installed: the fixed path above is the only hope.
  }
  return candidates.find((path) => existsSync(path));
}

function hasJava(): boolean {
  try {
    execFileSync('java', ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function fourLetterWord(port: number, word: string, timeoutMs = 1000): Promise<string> {
  return new Promise((resolve) => {
    const socket = new Socket();
    let answer = '';
    const done = () => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(timeoutMs, done);
    socket.on('data', (chunk) => {
      answer += chunk.toString();
    });
    socket.on('end', done);
    socket.on('error', done);
    socket.connect(port, '127.0.0.1', () => socket.write(word));
  });
}

interface ZooKeeper {
  port: number;
  stop(): Promise<void>;
}

/** A standalone ZooKeeper on a free 127.0.0.1 port, with every four-letter word allowed. */
async function startZooKeeper(jar: string): Promise<ZooKeeper> {
  const dir = await mkdtemp(join(tmpdir(), 'lab-zk-'));
  const port = await freePort();
  await mkdir(join(dir, 'data'));
  const config = join(dir, 'zoo.cfg');
  await writeFile(
    config,
    [
      'tickTime=2000',
      `dataDir=${join(dir, 'data')}`,
      `clientPort=${port}`,
      'clientPortAddress=127.0.0.1',
      'admin.enableServer=false',
      '4lw.commands.whitelist=*',
      '',
    ].join('\n'),
  );
  // `timeout` bounds the server's life even if this test process dies without cleaning up.
  const child: ChildProcess = spawn(
    'timeout',
    ['180', 'java', '-Xmx256m', '-cp', jar, 'org.apache.zookeeper.server.ZooKeeperServerMain', config],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr?.on('data', (chunk) => {
    log += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(killer);
    await rm(dir, { recursive: true, force: true });
  };
  const startedAt = Date.now();
  while (Date.now() - startedAt < 30_000) {
    if (child.exitCode !== null) break;
    const state = await fourLetterWord(port, 'mntr');
    if (/zk_server_state\tstandalone/.test(state)) return { port, stop };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await stop();
  throw new Error(`ZooKeeper did not start within 30 s on port ${port}:\n${log}`);
}

const zooKeeperJar = findZooKeeperJar();
const zooKeeperAvailable = zooKeeperJar !== undefined && hasJava();

function describeWithZooKeeper(name: string, body: (zk: () => ZooKeeper) => void): void {
  describeWhen(
    zooKeeperAvailable && PROBE_TOOLS.every((tool) => findTool(tool) !== undefined),
    'ZooKeeper, java, jq or curl is missing: apt-get install zookeeper jq curl (.ci/run does)',
    name,
    () => {
      let zk: ZooKeeper | undefined;
      beforeAll(async () => {
        zk = await startZooKeeper(zooKeeperJar!);
      });
      afterAll(async () => {
        await zk?.stop();
      });
      body(() => zk!);
    },
  );
}

describeWithZooKeeper('lab-health-probe against a real ZooKeeper', (zk) => {
  it('reports imok and the server state', async () => {
    const run = await runProbe([
      '--role',
      'zookeeper',
      '--check',
      'endpoints',
      '--zk-port',
      String(zk().port),
    ]);
    expect(run.code).toBe(0);
    expect(run.report).toMatchObject({ role: 'zookeeper', check: 'endpoints', ok: true });
    expect(checkDetails(run)).toEqual([
      ['zookeeper ruok', true, 'imok'],
      ['zookeeper mntr', true, 'zk_server_state=standalone'],
    ]);
    expect(run.document).toMatchObject({ probe: 'lab-health-probe', version: 1 });
  });

  it('reads the role from $LAB_ROOT/etc/lab/cluster.json and checks the unit too', async () => {
    await mkdir(join(workDir, 'etc/lab'), { recursive: true });
    await writeFile(join(workDir, 'etc/lab/cluster.json'), JSON.stringify({ role: 'zookeeper' }));
    await writeFile(join(unitsDir, 'zookeeper.service'), 'active\n');
    try {
      const run = await runProbe([], { LAB_ZK_PORT: String(zk().port) });
      expect(run.code).toBe(0);
      expect(run.report.check).toBe('all');
      expect(checkDetails(run)).toEqual([
        ['zookeeper.service', true, 'active'],
        ['zookeeper ruok', true, 'imok'],
        ['zookeeper mntr', true, 'zk_server_state=standalone'],
      ]);
    } finally {
      await rm(join(workDir, 'etc'), { recursive: true, force: true });
      await rm(join(unitsDir, 'zookeeper.service'), { force: true });
    }
  });

  it('does not accept a standalone server when the ensemble should have 3 servers', async () => {
    const run = await runProbe([
      '--role',
      'zookeeper',
      '--check',
      'endpoints',
      '--zk-port',
      String(zk().port),
      '--zk-ensemble-size',
      '3',
    ]);
    expect(run.code).toBe(1);
    expect(run.report.ok).toBe(false);
    expect(run.report.checks[1]!.detail).toContain(
      'zk_server_state=standalone, but the ensemble has 3 servers',
    );
  });
});

describeWithTools(PROBE_TOOLS, 'lab-health-probe: ZooKeeper down or silent', () => {
  it('reports a port with nothing listening at once', async () => {
    const port = await freePort();
    const run = await runProbe(['--role', 'zookeeper', '--check', 'endpoints', '--zk-port', String(port)]);
    expect(run.code).toBe(1);
    expect(checkDetails(run)).toEqual([
      [
        'zookeeper ruok',
        false,
        `cannot connect to 127.0.0.1:${port} (connection refused or unreachable); nothing listens on 127.0.0.1:${port}`,
      ],
      ['zookeeper mntr', false, 'skipped: ruok failed'],
    ]);
    expect(run.elapsedMs).toBeLessThan(3000);
  });

  it('times out on a server that accepts but never answers', async () => {
    const silent = await silentTcpServer();
    try {
      const run = await runProbe([
        '--role',
        'zookeeper',
        '--check',
        'endpoints',
        '--zk-port',
        String(silent.port),
        '--timeout',
        '1',
      ]);
      expect(run.code).toBe(1);
      expect(run.report.checks[0]!.detail).toMatch(
        new RegExp(
          `^no answer from 127\\.0\\.0\\.1:${silent.port} within 1 s; port ${silent.port} is held by pid ${process.pid} \\(`,
        ),
      );
      expect(run.elapsedMs).toBeLessThan(4000);
    } finally {
      await silent.close();
    }
  });
});

describeWithTools(PROBE_TOOLS, 'lab-health-probe: broker', () => {
  const broker = (port: number, ...extra: string[]) =>
    runProbe(['--role', 'broker', '--check', 'endpoints', '--broker-http-port', String(port), ...extra]);

  it('is healthy when /admin/v2/brokers/ready and /health say ok (no /status.html needed)', async () => {
    const server = await httpServer({
      '/admin/v2/brokers/ready': text(200, 'ok'),
      '/admin/v2/brokers/health': text(200, 'ok'),
    });
    try {
      const run = await broker(server.port);
      expect(run.code).toBe(0);
      expect(checkDetails(run)).toEqual([
        ['broker /admin/v2/brokers/ready', true, 'ok'],
        ['broker /admin/v2/brokers/health', true, 'ok'],
      ]);
    } finally {
      await server.close();
    }
  });

  it('is unhealthy when the health check fails, and says what answers instead of a broker', async () => {
    const server = await httpServer({
      '/admin/v2/brokers/ready': text(200, 'ok'),
      '/admin/v2/brokers/health': text(500, 'Internal error: no bookies available\nstack…'),
    });
    const notBroker = await httpServer({});
    try {
      const run = await broker(server.port);
      expect(run.code).toBe(1);
      expect(checkDetails(run)).toEqual([
        ['broker /admin/v2/brokers/ready', true, 'ok'],
        ['broker /admin/v2/brokers/health', false, 'HTTP 500: Internal error: no bookies available'],
      ]);
      const other = await broker(notBroker.port);
      expect(other.report.checks.map((check) => check.ok)).toEqual([false, false]);
      expect(other.report.checks[0]!.detail).toMatch(/^HTTP 404: Not Found; /);
      expect(other.report.checks[0]!.detail).toMatch(
        heldByTestServer(notBroker.port, 'pulsar-broker.service'),
      );
      expect(other.report.checks[1]!.detail).toBe('skipped: the broker is not ready');
    } finally {
      await server.close();
      await notBroker.close();
    }
  });

  it('times out quickly on a broker that never answers', async () => {
    const server = await httpServer({ '/admin/v2/brokers/ready': HANG, '/admin/v2/brokers/health': HANG });
    try {
      const run = await broker(server.port, '--timeout', '1', '--broker-health-timeout', '1');
      expect(run.code).toBe(1);
      expect(run.report.checks[0]!.detail).toMatch(
        new RegExp(
          `^no answer from http://127\\.0\\.0\\.1:${server.port}/admin/v2/brokers/ready within 1 s; `,
        ),
      );
      expect(run.elapsedMs).toBeLessThan(6000);
    } finally {
      await server.close();
    }
  });
});

describeWithTools(PROBE_TOOLS, 'lab-health-probe: bookie', () => {
  const state = { running: true, readOnly: false, shuttingDown: false, availableForHighPriorityWrites: true };

  it.each([
    [state, true, 'running, writable'],
    [{ ...state, readOnly: true }, false, 'read-only'],
    [{ ...state, running: false }, false, 'not running'],
    [{ ...state, shuttingDown: true }, false, 'shutting down'],
    [
      '<html>oops</html>',
      false,
      /^unexpected answer \(not a bookie state document\): "<html>oops<\/html>"; port \d+ is held by pid \d+ \(/,
    ],
  ])('state %j → ok=%s (%s)', async (body, ok, detail) => {
    const server = await httpServer({ '/api/v1/bookie/state': json(200, body) });
    try {
      const run = await runProbe([
        '--role',
        'bookkeeper',
        '--check',
        'endpoints',
        '--bookie-http-port',
        String(server.port),
      ]);
      expect(run.code).toBe(ok ? 0 : 1);
      expect(run.report.checks.map((check) => [check.name, check.ok])).toEqual([
        ['bookie /api/v1/bookie/state', ok],
      ]);
      if (typeof detail === 'string') expect(run.report.checks[0]!.detail).toBe(detail);
      else expect(run.report.checks[0]!.detail).toMatch(detail);
    } finally {
      await server.close();
    }
  });

  it('reports an HTTP error status', async () => {
    const server = await httpServer({ '/api/v1/bookie/state': text(503, 'Service Unavailable') });
    try {
      const run = await runProbe([
        '--role',
        'bookkeeper',
        '--check',
        'endpoints',
        '--bookie-http-port',
        String(server.port),
      ]);
      expect(run.report.checks[0]!.detail).toMatch(/^HTTP 503: Service Unavailable; /);
      expect(run.report.checks[0]!.detail).toMatch(heldByTestServer(server.port, 'bookkeeper.service'));
    } finally {
      await server.close();
    }
  });

  it('times out quickly on a bookie that never answers', async () => {
    const server = await httpServer({ '/api/v1/bookie/state': HANG });
    try {
      const run = await runProbe([
        '--role',
        'bookkeeper',
        '--check',
        'endpoints',
        '--bookie-http-port',
        String(server.port),
        '--timeout',
        '1',
      ]);
      expect(run.code).toBe(1);
      expect(run.report.checks[0]!.detail).toMatch(
        new RegExp(`^no answer from http://127\\.0\\.0\\.1:${server.port}/api/v1/bookie/state within 1 s; `),
      );
      expect(run.elapsedMs).toBeLessThan(4000);
    } finally {
      await server.close();
    }
  });
});

describeWithTools(PROBE_TOOLS, 'lab-health-probe: client', () => {
  it('is healthy when the OMB worker serves its counters, not when anything else answers', async () => {
    const worker = await httpServer({
      '/counters-stats': json(200, { messagesSent: 0, messagesReceived: 0, messageSendErrors: 0 }),
    });
    const other = await httpServer({});
    try {
      const client = (port: number) =>
        runProbe(['--role', 'client', '--check', 'endpoints', '--worker-port', String(port)]);
      const run = await client(worker.port);
      expect(run.code).toBe(0);
      expect(checkDetails(run)).toEqual([[`omb worker :${worker.port}/counters-stats`, true, 'answers']]);
      const wrong = await client(other.port);
      expect(wrong.code).toBe(1);
      expect(wrong.report.checks[0]!.detail).toMatch(/^HTTP 404, not an OMB worker's answer: Not Found; /);
      expect(wrong.report.checks[0]!.detail).toMatch(heldByTestServer(other.port, 'omb-worker.service'));
    } finally {
      await worker.close();
      await other.close();
    }
  });

  it('is unhealthy when nothing listens', async () => {
    const port = await freePort();
    const run = await runProbe(['--role', 'client', '--check', 'endpoints', '--worker-port', String(port)]);
    expect(run.code).toBe(1);
    expect(run.report.checks[0]!.detail).toContain('cannot connect');
  });
});

describeWithTools(PROBE_TOOLS, 'lab-health-probe: services', () => {
  it.each([
    ['bookkeeper', 'bookkeeper.service', 'active', true],
    ['broker', 'pulsar-broker.service', 'activating', false],
    ['client', 'omb-worker.service', 'failed', false],
  ])('%s checks %s (%s)', async (role, unit, state, ok) => {
    await writeFile(join(unitsDir, unit), `${state}\n`);
    try {
      const run = await runProbe(['--role', role, '--check', 'services']);
      expect(run.code).toBe(ok ? 0 : 1);
      expect(checkDetails(run)).toEqual([[unit, ok, state]]);
    } finally {
      await rm(join(unitsDir, unit), { force: true });
    }
  });

  it('bounds a systemctl that hangs', async () => {
    await writeFile(join(unitsDir, 'zookeeper.service'), 'hang\n');
    try {
      const run = await runProbe(['--role', 'zookeeper', '--check', 'services', '--timeout', '1']);
      expect(run.code).toBe(1);
      expect(run.report.checks[0]!.detail).toBe('systemctl is-active gave no answer within 1 s');
      expect(run.elapsedMs).toBeLessThan(4000);
    } finally {
      await rm(join(unitsDir, 'zookeeper.service'), { force: true });
    }
  });

  it('says when systemctl is missing', async () => {
    const run = await runProbe(['--role', 'zookeeper', '--check', 'services'], {
      LAB_SYSTEMCTL: join(workDir, 'no-such-systemctl'),
    });
    expect(run.report.checks[0]!.detail).toBe(`${join(workDir, 'no-such-systemctl')} not found`);
  });
});

describeWithTools(PROBE_TOOLS, 'lab-health-probe: usage errors still print one JSON document', () => {
  it.each([
    [['--role', 'kafka'], "unknown role 'kafka' (expected zookeeper, bookkeeper, broker or client)"],
    [
      ['--role', 'broker', '--check', 'everything'],
      "--check must be services, endpoints or all, got 'everything'",
    ],
    [['--role', 'broker', '--timeout', '0'], "--timeout must be a positive integer, got '0'"],
    [['--role'], '--role needs a value'],
    [['--bogus'], 'unknown argument: --bogus (see --help)'],
    [[], 'etc/lab/cluster.json is not readable'],
  ])('%j', async (args, message) => {
    const run = await runProbe(args);
    expect(run.code).toBe(2);
    expect(run.report.ok).toBe(false);
    expect(run.report.error).toContain(message);
  });

  it('rejects a cluster document without a role', async () => {
    await mkdir(join(workDir, 'etc/lab'), { recursive: true });
    await writeFile(join(workDir, 'etc/lab/cluster.json'), JSON.stringify({ experimentId: 'exp-1' }));
    try {
      const run = await runProbe([]);
      expect(run.code).toBe(2);
      expect(run.report.error).toMatch(/cluster\.json has no string field "role"$/);
    } finally {
      await rm(join(workDir, 'etc'), { recursive: true, force: true });
    }
  });
});

describe('lab-health-probe source', () => {
  describeWithTools(['shellcheck'], 'shellcheck', ({ shellcheck }) => {
    it('is shellcheck-clean', () => {
      expect(() => execFileSync(shellcheck, ['--severity=style', PROBE], { encoding: 'utf8' })).not.toThrow();
    });
  });

  it('is executable and starts with the lab shebang and strict mode', async () => {
    const { readFile, stat } = await import('node:fs/promises');
    const source = await readFile(PROBE, 'utf8');
    expect(source.startsWith('#!/usr/bin/env bash\n')).toBe(true);
    expect(source).toContain('set -euo pipefail');
    expect((await stat(PROBE)).mode & 0o111).not.toBe(0);
  });
});
