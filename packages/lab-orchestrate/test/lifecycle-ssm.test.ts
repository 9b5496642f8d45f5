import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SendCommandCommand } from '@aws-sdk/client-ssm';
import 'aws-sdk-client-mock-vitest/extend';
import { openStore } from '@lab/experiment-store';
import { planExperiment, storedConfig, storedOutputs } from '@lab/orchestrator';
import { describeWithTools } from '@lab/test-support';
// The simulated SSM agent lives with the runner's tests; shared by relative path, like
// lab-cleanup shares tag-cleanup's test topology.
import { simulatedAgent, stockSimulatedCluster } from '@lab/test-support/sim-agent';
import { afterEach, expect, it, vi } from 'vitest';
import { createHarness } from './support/harness.js';

const EXPERIMENT = 'exp-20260101-120000';
const CLIENT = 'i-0cl00000000000001';
// The fixture terraform's cluster: 3 ZooKeeper, 3 bookies, 2 brokers, 2 clients.
const INSTANCES = [
  ...['zk', 'bk'].flatMap((role) => [1, 2, 3].map((n) => `i-0${role}0000000000000${n}`)),
  ...['br', 'cl'].flatMap((role) => [1, 2].map((n) => `i-0${role}0000000000000${n}`)),
];
const OMB_RESULT = readFileSync(resolve(import.meta.dirname, 'fixtures/omb-result.json'));
const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex');

const PLAN = `name: one-run
description: One short fixed-rate run through the real SSM runner.
workload:
  topics: 1
  partitionsPerTopic: 4
  messageSize: 1024
  payload:
    type: file
    file: payload/payload-1Kb.data
  subscriptionsPerTopic: 1
  consumerPerSubscription: 1
  producersPerTopic: 1
  testDurationMinutes: 2
  warmupDurationMinutes: 1
timeoutMarginMinutes: 5
runs:
  - name: fixed-1k
    type: fixed-rate
    producerRate: 1000
`;

afterEach(() => {
  vi.unstubAllEnvs();
});

// The simulated instances' probe reads its cluster document with jq.
describeWithTools(
  ['jq'],
  'lab-orchestrate full through the real @lab/ssm-runner and a simulated SSM fleet',
  () => {
    it('uploads byte for byte, runs OMB with the start/poll scripts, fetches the verified result and reports', async () => {
      const root = mkdtempSync(join(tmpdir(), 'lifecycle-ssm-'));
      let agent: ReturnType<typeof simulatedAgent> | undefined;
      const lab = await createHarness({
        ssm: (time) => {
          agent = simulatedAgent({
            root,
            instanceIds: INSTANCES,
            clock: time.clock,
            latencyMs: () => 600,
          });
          return agent.ssm;
        },
      });
      const sim = agent!;
      try {
        // OMB runs the workload's warm-up and duration: 3 virtual minutes.
        stockSimulatedCluster(sim.instanceRoot, {
          instances: INSTANCES,
          client: CLIENT,
          ombResult: OMB_RESULT,
          benchmarkMinutes: 3,
        });
        const client = sim.instanceRoot(CLIENT);
        const planFile = join(root, 'one-run.yaml');
        writeFileSync(planFile, PLAN);

        const started = Date.now();
        const code = await lab.run(['full', '--test-plan', planFile, ...lab.terraformArgs, '--yes']);
        expect(lab.out.stderr).not.toMatch(/Error|ERROR/);
        expect(code).toBe(0);
        expect(Date.now() - started).toBeLessThan(30_000);

        // Every remote action went through SendCommand: the probes on all 10 instances, and on
        // the client the uploads, OMB's start/poll scripts and the fetches.
        const commands = sim.commands();
        expect(commands.length).toBeGreaterThan(5);
        expect(lab.remoteCalls).toEqual([]);
        const probeRounds = commands.filter((command) => command.script.includes('lab-health-probe'));
        expect(probeRounds.map((command) => command.input.InstanceIds?.length)).toEqual([10, 10]);
        // The host sampler: put on every instance, started before the run and stopped after it,
        // its samples fetched (uploads, start, stop and fetch all name its directory).
        const sampling = commands.filter((command) => command.script.includes('/var/lib/lab/host-sampler/'));
        expect(new Set(sampling.flatMap((command) => command.input.InstanceIds ?? []))).toEqual(
          new Set(INSTANCES),
        );
        const onClient = commands.filter(
          (command) => !command.script.includes('lab-health-probe') && !sampling.includes(command),
        );
        for (const command of onClient) expect(command.input.InstanceIds).toEqual([CLIENT]);
        expect(onClient.filter((command) => command.script.includes('setsid nohup'))).toHaveLength(1);
        expect(
          onClient.filter((command) => command.script.includes('Pub rate')).length,
        ).toBeGreaterThanOrEqual(2);
        expect(onClient.some((command) => command.script.includes('kill -TERM'))).toBe(false);

        // The uploads arrived byte for byte: the simulated client's files against what the plan made.
        const dir = await lab.experimentDir();
        const remoteDir = join(client, 'var/lib/lab/omb', EXPERIMENT);
        const driver = readFileSync(join(remoteDir, 'driver.yaml'));
        const workload = readFileSync(join(remoteDir, '001-fixed-1k/workload.yaml'));
        expect(driver.toString('utf8')).toContain('serviceUrl: pulsar://10.42.1.90:6650,10.42.1.91:6650');
        expect(workload.toString('utf8')).toContain('producerRate: 1000');
        // What the orchestrator planned to upload, recomputed the way its run phase does.
        const experiment = await openStore({ home: lab.home }).open(EXPERIMENT);
        const outputs = await storedOutputs(experiment);
        const plan = planExperiment({
          resolved: await storedConfig(experiment),
          experimentId: EXPERIMENT,
          createdAtMs: Date.parse((await experiment.readManifest()).createdAt),
          hosts: { brokers: outputs.roles.broker.privateIps, clients: outputs.roles.client.privateIps },
          terraform: { moduleDir: join(root, 'unused'), workDir: join(root, 'unused') },
        });
        expect(sha256(driver)).toBe(sha256(plan.files['omb/driver.yaml']!));
        expect(sha256(workload)).toBe(sha256(plan.files[plan.runs[0]!.workloadPath]!));
        expect(driver.toString('utf8')).toBe(plan.files['omb/driver.yaml']);

        // OMB ran from /opt/omb with the uploaded files, and exited by itself.
        expect(readFileSync(join(remoteDir, '001-fixed-1k/exit-code'), 'utf8').trim()).toBe('0');
        const remoteLog = readFileSync(join(remoteDir, '001-fixed-1k/omb.log'), 'utf8');
        expect(remoteLog).toContain('INFO done');

        // The result came home verified and stored; the log next to it; nothing left in /tmp.
        const stored = await readFile(join(dir, 'benchmark_results/001-fixed-1k.json'));
        expect(sha256(stored)).toBe(sha256(OMB_RESULT));
        expect(await readFile(join(dir, 'benchmark_results/001-fixed-1k.log'), 'utf8')).toBe(remoteLog);
        expect(readdirNames(join(client, 'tmp'))).toEqual([]);
        const manifest = await lab.manifest();
        expect(manifest.details.runs).toEqual([
          expect.objectContaining({
            id: '001-fixed-1k',
            status: 'succeeded',
            resultFile: 'benchmark_results/001-fixed-1k.json',
          }),
        ]);
        expect(manifest.outcome?.result).toBe('succeeded');

        // Each instance's samples came home and were read (the bookies' without disk labels: the
        // simulated instances have no /data volumes). The samples themselves carry real time,
        // outside this test's virtual run, so none falls inside it.
        const hosts = JSON.parse(
          await readFile(join(dir, 'benchmark_results/001-fixed-1k.hosts.json'), 'utf8'),
        ) as {
          series: Array<{ host: string; role: string; samples: unknown[] }>;
          missing: unknown[];
        };
        expect(hosts.missing).toEqual([]);
        expect(hosts.series.map((series) => series.host).sort()).toEqual(
          expect.arrayContaining(['bookkeeper-1', 'broker-1', 'client-1', 'zookeeper-1']),
        );
        expect(hosts.series).toHaveLength(INSTANCES.length);

        // The report was written from the fetched result.
        const summary = JSON.parse(await readFile(join(dir, 'report/summary.json'), 'utf8')) as {
          runs: Array<Record<string, unknown>>;
        };
        expect(summary.runs).toHaveLength(1);
        expect(existsSync(join(dir, 'report/index.html'))).toBe(true);
        const log = await readFile(join(dir, 'log.txt'), 'utf8');
        expect(log).toContain('publishing 998 msg/s');
        expect(sim.mock).toHaveReceivedCommand(SendCommandCommand);
      } finally {
        await sim.close();
        rmSync(root, { recursive: true, force: true });
      }
    });
  },
);

function readdirNames(path: string): string[] {
  return existsSync(path) ? readdirSync(path) : [];
}
