import { chmodSync, copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  CancelCommandCommand,
  GetCommandInvocationCommand,
  ListCommandInvocationsCommand,
  SendCommandCommand,
} from '@aws-sdk/client-ssm';
import { type Component, createVirtualTime } from '@lab/core';
import { runCommand } from '@lab/ssm-runner';
import { describeWithTools } from '@lab/test-support';
// The simulated SSM agent lives with the runner's tests; shared by relative path, like
// lab-cleanup shares tag-cleanup's test topology.
import { simulatedAgent } from '@lab/test-support/sim-agent';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InstanceTarget, labHealthStages } from '../src/aws.js';
import { bindRunCommand, PROBE_COMMAND_POLL, runCascade, servicesActiveStage } from '../src/index.js';

const PROBE = resolve(import.meta.dirname, '../../../packer/files/lab/bin/lab-health-probe');
const START = Date.UTC(2026, 0, 1, 12, 0, 0);
/** The probe's JSON fits in ListCommandInvocations' output: no GetCommandInvocation at all. */
const GET_PER_ROUND = 0;

/** 3 ZooKeeper, 3 BookKeeper, 2 brokers, 1 client; when (virtual ms after start) each becomes healthy. */
const FLEET: Array<{ id: string; role: Component; servicesAt: number; endpointsAt: number }> = [
  { id: 'i-0aa0000000000zk01', role: 'zookeeper', servicesAt: 2_500, endpointsAt: 6_000 },
  { id: 'i-0aa0000000000zk02', role: 'zookeeper', servicesAt: 3_000, endpointsAt: 6_500 },
  { id: 'i-0aa0000000000zk03', role: 'zookeeper', servicesAt: 3_500, endpointsAt: 7_000 },
  { id: 'i-0aa0000000000bk01', role: 'bookkeeper', servicesAt: 3_200, endpointsAt: 8_500 },
  { id: 'i-0aa0000000000bk02', role: 'bookkeeper', servicesAt: 4_000, endpointsAt: 9_000 },
  { id: 'i-0aa0000000000bk03', role: 'bookkeeper', servicesAt: 4_400, endpointsAt: 10_000 },
  { id: 'i-0aa0000000000br01', role: 'broker', servicesAt: 5_000, endpointsAt: 11_500 },
  { id: 'i-0aa0000000000br02', role: 'broker', servicesAt: 6_000, endpointsAt: 13_000 },
  { id: 'i-0aa0000000000cl01', role: 'client', servicesAt: 3_000, endpointsAt: 5_000 },
];

// systemctl on a simulated instance: active once the virtual clock has passed the instance's time.
const FAKE_SYSTEMCTL = `#!/usr/bin/env bash
set -euo pipefail
now=$(cat "$LAB_SIM_ROOT/sim/now")
if [ "$now" -ge "$(cat "$LAB_SIM_ROOT/sim/services-ready-at")" ]; then echo active; exit 0; fi
echo activating
exit 3
`;

const servers: Server[] = [];
const listen = async (server: Server): Promise<number> => {
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
};

afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((done) => server.close(done))));
});

/**
 * The endpoints of one simulated instance, on free local ports, answering like the real service
 * does before and after it is healthy (as decided by the virtual clock).
 */
async function endpoints(role: Component, healthy: () => boolean): Promise<Record<string, string>> {
  if (role === 'zookeeper') {
    const server = createTcpServer((socket) => {
      socket.once('data', (data) => {
        const word = data.toString('utf8');
        if (word === 'ruok') socket.end('imok');
        else if (word === 'mntr' && healthy()) socket.end('zk_version\t3.9.3\nzk_server_state\tfollower\n');
        else socket.end('This ZooKeeper instance is not currently serving requests\n');
      });
    });
    return { LAB_ZK_PORT: String(await listen(server)) };
  }
  const server = createHttpServer((request, response) => {
    if (role === 'client') {
      if (!healthy()) {
        request.socket.destroy();
        return;
      }
      if (request.url === '/counters-stats') {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ messagesSent: 0, messagesReceived: 0, messageSendErrors: 0 }));
      } else response.writeHead(404).end('no such route');
      return;
    }
    if (role === 'bookkeeper' && request.url === '/api/v1/bookie/state') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ running: true, readOnly: !healthy(), shuttingDown: false }));
      return;
    }
    if (role === 'broker' && request.url === '/admin/v2/brokers/ready') {
      response.writeHead(200).end('ok');
      return;
    }
    if (role === 'broker' && request.url === '/admin/v2/brokers/health') {
      if (healthy()) response.writeHead(200).end('ok');
      else response.writeHead(500).end('Internal error: no bookies available');
      return;
    }
    response.writeHead(404).end();
  });
  const port = String(await listen(server));
  return (
    { bookkeeper: { LAB_BOOKIE_HTTP_PORT: port }, broker: { LAB_BROKER_HTTP_PORT: port } }[
      role as 'bookkeeper' | 'broker'
    ] ?? { LAB_WORKER_PORT: port }
  );
}

// The simulated instances run the real probe, which needs jq and curl.
describeWithTools(
  ['jq', 'curl'],
  'the lab cascade with the real @lab/ssm-runner against a simulated SSM fleet',
  () => {
    const time = createVirtualTime(START);
    const root = mkdtempSync(join(tmpdir(), 'cascade-real-runner-'));
    const env = new Map<string, Record<string, string>>();
    let agent: ReturnType<typeof simulatedAgent>;

    beforeAll(async () => {
      agent = simulatedAgent({
        root,
        instanceIds: FLEET.map((instance) => instance.id),
        clock: time.clock,
        // The probe finishes 0.3–0.9 s after SendCommand, staggered by instance and round.
        latencyMs: (id, round) => 300 + ((id.charCodeAt(17) * 7 + round * 13) % 7) * 100,
        env: (id) => env.get(id) ?? {},
        online: (id, now) => now - START >= 1_000 + FLEET.findIndex((instance) => instance.id === id) * 150,
      });
      for (const instance of FLEET) {
        const base = agent.instanceRoot(instance.id);
        copyFileSync(PROBE, join(base, 'opt/lab/bin/lab-health-probe'));
        chmodSync(join(base, 'opt/lab/bin/lab-health-probe'), 0o755);
        writeFileSync(join(base, 'usr/local/bin/systemctl'), FAKE_SYSTEMCTL, { mode: 0o755 });
        writeFileSync(join(base, 'etc/lab/cluster.json'), JSON.stringify({ role: instance.role }));
        writeFileSync(join(base, 'sim/services-ready-at'), String(START + instance.servicesAt));
        const ports = await endpoints(instance.role, () => time.clock.now() >= START + instance.endpointsAt);
        env.set(instance.id, {
          LAB_ROOT: base,
          LAB_SYSTEMCTL: join(base, 'usr/local/bin/systemctl'),
          LAB_PROBE_TIMEOUT: '5',
          ...ports,
        });
      }
    });
    afterAll(async () => {
      await agent.close();
      rmSync(root, { recursive: true, force: true });
    });

    it('passes all four stages once the probes say healthy, one SendCommand per round for all 9 instances', async () => {
      const ec2 = new EC2Client({
        region: 'us-east-1',
        credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      });
      mockClient(ec2)
        .on(DescribeInstancesCommand)
        .callsFake((input: { InstanceIds?: string[] }) => ({
          Reservations: [
            {
              Instances: (input.InstanceIds ?? []).map((id) => ({
                InstanceId: id,
                State: { Name: 'running' },
              })),
            },
          ],
        }));
      const targets: InstanceTarget[] = FLEET.map((instance) => ({ id: instance.id, role: instance.role }));
      const ssm = agent.ssm;
      const report = await runCascade({
        stages: labHealthStages({
          ec2,
          ssm,
          runCommand: bindRunCommand(runCommand, {
            ssm,
            poll: PROBE_COMMAND_POLL,
            clock: time.clock,
            sleep: time.sleep,
          }),
          targets,
        }),
        targets,
        ...time,
      });

      expect(report.stages.map((stage) => stage.name)).toEqual([
        'instances running',
        'SSM agent online',
        'services active',
        'endpoints healthy',
      ]);
      // Readiness is noticed within about two seconds of the last instance becoming healthy: a
      // round is SendCommand, the runner's polls until the probe finished, and the stage's pause.
      const servicesReady = Math.max(...FLEET.map((instance) => instance.servicesAt));
      const endpointsReady = Math.max(...FLEET.map((instance) => instance.endpointsAt));
      const servicesPassed = report.stages.slice(0, 3).reduce((sum, stage) => sum + stage.elapsedMs, 0);
      expect(servicesPassed - servicesReady).toBeGreaterThanOrEqual(0);
      expect(servicesPassed - servicesReady).toBeLessThan(3_000);
      expect(report.elapsedMs - endpointsReady).toBeGreaterThanOrEqual(0);
      expect(report.elapsedMs - endpointsReady).toBeLessThan(3_000);

      // Every SendCommand carried all 9 instances (≤ 50: one command per round), and every
      // ListCommandInvocations asked for the details (status and output of all of them at once).
      for (const call of agent.mock.commandCalls(SendCommandCommand)) {
        expect(call.args[0].input).toMatchObject({ DocumentName: 'AWS-RunShellScript' });
        expect(call.args[0].input.InstanceIds).toHaveLength(9);
      }
      for (const call of agent.mock.commandCalls(ListCommandInvocationsCommand)) {
        expect(call.args[0].input).toMatchObject({ Details: true });
      }
      const services = callsPerRound('services');
      const endpointsCalls = callsPerRound('endpoints');
      expect(services.rounds).toBe(report.stages[2]!.attempts);
      expect(endpointsCalls.rounds).toBe(report.stages[3]!.attempts);
      for (const stage of [services, endpointsCalls]) {
        expect(stage.sendCommand).toBe(stage.rounds);
        // With PROBE_COMMAND_POLL the runner first looks 1 s after sending: a probe that takes
        // 0.3–0.9 s is done by then, so a round is one SendCommand and one list.
        expect(stage.listCommandInvocations).toBe(stage.rounds);
        expect(
          (stage.sendCommand + stage.listCommandInvocations + stage.getCommandInvocation) / stage.rounds,
        ).toBe(2);
        expect(stage.getCommandInvocation).toBe(GET_PER_ROUND * stage.rounds);
      }
    }, 120_000);

    /** SSM API calls of the rounds of one stage, told apart by the probe's `--check`. */
    function callsPerRound(check: 'services' | 'endpoints') {
      const ids = new Set(
        agent
          .commands()
          .filter((command) => command.script.includes(`--check ${check}`))
          .map((command) => command.commandId),
      );
      const count = (calls: ReadonlyArray<{ args: readonly [{ input: { CommandId?: string } }] }>) =>
        calls.filter((call) => ids.has(call.args[0].input.CommandId ?? '')).length;
      return {
        rounds: ids.size,
        sendCommand: ids.size,
        listCommandInvocations: count(agent.mock.commandCalls(ListCommandInvocationsCommand)),
        getCommandInvocation: count(agent.mock.commandCalls(GetCommandInvocationCommand)),
      };
    }
  },
);

describe('runner errors that only mean "not ready yet" (real @lab/ssm-runner)', () => {
  const SMALL = ['i-0bb0000000000zk01', 'i-0bb0000000000zk02', 'i-0bb0000000000zk03'];
  // A stand-in probe: the real one is exercised above; these tests are about the runner's errors.
  const HEALTHY = `#!/usr/bin/env bash
echo '{"probe":"lab-health-probe","version":1,"role":"zookeeper","check":"services","ok":true,"checks":[{"name":"zookeeper.service","kind":"service","ok":true,"detail":"active"}]}'
`;

  async function fleetWith(options: Partial<Parameters<typeof simulatedAgent>[0]>) {
    const time = createVirtualTime(START);
    const root = mkdtempSync(join(tmpdir(), 'cascade-runner-errors-'));
    const agent = simulatedAgent({ root, instanceIds: SMALL, clock: time.clock, ...options });
    for (const id of SMALL) {
      writeFileSync(join(agent.instanceRoot(id), 'opt/lab/bin/lab-health-probe'), HEALTHY, { mode: 0o755 });
    }
    const stage = servicesActiveStage({
      runCommand: bindRunCommand(runCommand, { ssm: agent.ssm, clock: time.clock, sleep: time.sleep }),
      commandTimeoutMs: 20_000,
      timeoutMs: 5 * 60_000,
    });
    const targets = SMALL.map((id) => ({ id, role: 'zookeeper' as const }));
    return {
      agent,
      time,
      run: () => runCascade({ stages: [stage], targets, ...time }),
      async close() {
        await agent.close();
        rmSync(root, { recursive: true, force: true });
      },
    };
  }

  it('a round whose command misses its deadline (SSM_DEADLINE_EXCEEDED) is retried, not a failure', async () => {
    // The first round's command hangs on one instance: the runner cancels it at 20 s.
    const fleet = await fleetWith({
      latencyMs: (id, number) => (number === 1 && id === SMALL[1] ? 10 * 60_000 : 500),
    });
    try {
      const report = await fleet.run();
      expect(report.stages[0]).toMatchObject({ name: 'services active', attempts: 2 });
      expect(fleet.agent.mock.commandCalls(CancelCommandCommand)).toHaveLength(1);
      expect(report.elapsedMs).toBeGreaterThanOrEqual(20_000);
    } finally {
      await fleet.close();
    }
  });

  it('SendCommand refusing a just-registered agent (InvalidInstanceId) is retried, not a failure', async () => {
    const fleet = await fleetWith({ acceptsCommands: (_id, now) => now - START >= 3_000 });
    try {
      const report = await fleet.run();
      expect(report.stages[0]!.attempts).toBeGreaterThan(1);
      const sent = fleet.agent.mock.commandCalls(SendCommandCommand);
      expect(sent.length).toBe(report.stages[0]!.attempts);
    } finally {
      await fleet.close();
    }
  });
});
