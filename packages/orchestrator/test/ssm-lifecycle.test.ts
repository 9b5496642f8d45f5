import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendCommandCommand } from '@aws-sdk/client-ssm';
import { describeWithTools } from '@lab/test-support';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, expect, it } from 'vitest';
import { full } from '../src/full.js';
import type { RunRecord } from '../src/run.js';
import { RunsFailedError } from '../src/run.js';
import { acceptCost, createLab, DRIVER_CLIENT, type Lab, OMB_RESULT, resolvePlan } from './support/lab.js';
import { simulatedCluster } from './support/sim-cluster.js';

const EXPERIMENT = 'exp-20260101-120000';
// One minute per run, no warm-up: few polls, so the real processes behind the agent stay quick.
const PLAN = `name: ssm
workload: { topics: 1, partitionsPerTopic: 2, messageSize: 1024, testDurationMinutes: 1, warmupDurationMinutes: 0 }
timeoutMarginMinutes: 5
runs:
  - { type: fixed-rate, name: first, producerRate: 1000 }
  - { type: fixed-rate, name: second, producerRate: 2000 }
`;

let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

async function simulatedLab(failRun?: string) {
  const root = mkdtempSync(join(tmpdir(), 'orchestrator-ssm-'));
  let agent: ReturnType<typeof simulatedCluster> | undefined;
  const lab: Lab = await createLab({
    ssm: (time) => {
      agent = simulatedCluster({ root, clock: time.clock, ...(failRun === undefined ? {} : { failRun }) });
      return agent.ssm;
    },
  });
  const sim = agent!;
  cleanup.push(
    () => rmSync(root, { recursive: true, force: true }),
    () => lab.cleanup(),
    () => sim.close(),
  );
  const remoteDir = join(sim.instanceRoot(DRIVER_CLIENT), 'var/lib/lab/omb', EXPERIMENT);
  return { lab, sim, remoteDir };
}

// The simulated instances' probe reads its cluster document with jq.
describeWithTools(['jq'], 'the lifecycle through the real @lab/ssm-runner and a simulated SSM fleet', () => {
  it('full: probes, uploads, OMB start/poll and verified fetches all go through SendCommand', async () => {
    const { lab, sim, remoteDir } = await simulatedLab();
    const result = await full(lab.deps, { resolved: resolvePlan(PLAN), ...acceptCost, actualCost: false });

    expect(result.run?.runs.map((run) => run.status)).toEqual(['succeeded', 'succeeded']);
    expect(result.teardown.complete).toBe(true);
    expect(lab.remoteCalls).toEqual([]);
    const commands = sim.commands();
    const probes = commands.filter((command) => command.script.includes('lab-health-probe'));
    expect(probes.map((command) => command.input.InstanceIds?.length)).toEqual([10, 10]);
    // The host sampler's uploads, starts, stops and fetches all name its directory.
    const sampling = commands.filter((command) => command.script.includes('/var/lib/lab/host-sampler/'));
    expect(new Set(sampling.flatMap((command) => command.input.InstanceIds ?? [])).size).toBe(10);
    const onClient = commands.filter(
      (command) => !command.script.includes('lab-health-probe') && !sampling.includes(command),
    );
    for (const command of onClient) expect(command.input.InstanceIds).toEqual([DRIVER_CLIENT]);
    expect(onClient.filter((command) => command.script.includes('setsid nohup'))).toHaveLength(2);
    expect(onClient.some((command) => command.script.includes('kill -TERM'))).toBe(false);
    expect(sim.mock).toHaveReceivedCommand(SendCommandCommand);

    // OMB ran with the uploaded files and exited by itself; the result came home byte for byte.
    expect(readFileSync(join(remoteDir, '001-first/workload.yaml'), 'utf8')).toContain('producerRate: 1000');
    expect(readFileSync(join(remoteDir, '002-second/exit-code'), 'utf8').trim()).toBe('0');
    const root = (await lab.store.open(EXPERIMENT)).paths.root;
    expect(await readFile(join(root, 'benchmark_results/002-second.json'), 'utf8')).toBe(OMB_RESULT);
    expect(await readFile(join(root, 'benchmark_results/001-first.log'), 'utf8')).toContain('INFO done');
    expect(existsSync(join(root, 'report/index.html'))).toBe(true);
    expect((await lab.manifest()).outcome?.result).toBe('succeeded');
  });

  it('OMB exits 3 without a result: that run fails with its log kept, the next one runs, teardown happens', async () => {
    const { lab, remoteDir } = await simulatedLab('001-first');
    let error: unknown;
    try {
      await full(lab.deps, { resolved: resolvePlan(PLAN), ...acceptCost, actualCost: false });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(RunsFailedError);
    expect(readFileSync(join(remoteDir, '001-first/exit-code'), 'utf8').trim()).toBe('3');

    const manifest = await lab.manifest();
    const records = manifest.details.runs as RunRecord[];
    expect(records.map((record) => [record.id, record.status])).toEqual([
      ['001-first', 'failed'],
      ['002-second', 'succeeded'],
    ]);
    expect(records[0]?.reason).toContain('OMB wrote no result (exit code 3)');
    const root = (await lab.store.open(EXPERIMENT)).paths.root;
    expect(await readFile(join(root, 'benchmark_results/001-first.log'), 'utf8')).toContain(
      'Not enough non-faulty bookies available',
    );
    expect(manifest.phases.teardown?.status).toBe('succeeded');
    expect(manifest.outcome?.result).toBe('failed');
  });
});
