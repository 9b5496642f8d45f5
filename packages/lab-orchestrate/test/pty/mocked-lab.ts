// `lab-orchestrate` as a program of its own with AWS mocked and a simulated cluster behind the
// SSM runner, as the lifecycle tests have it (test/support/harness.ts), so that it can run on a
// terminal: the pseudo-terminal tests and the README recording start it.
//
//   node --import tsx test/pty/mocked-lab.ts full --test-plan configs/test-plans/poc.yaml \
//     --terraform-bin packages/orchestrator/test/fixtures/terraform --terraform-dir terraform
//
// Environment: PULSAR_AWS_LAB_HOME, TF_FIXTURE_LOG (and the other TF_FIXTURE_* of the fixture
// terraform), LAB_TIME_SCALE: how much faster than real time the lifecycle's clock and waits run
// (default 60: a 3-minute OMB run takes 3 s). The SSM agents come online a role at a time, 20 s
// apart, so the health cascade has hosts to wait for.
import { readFileSync } from 'node:fs';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import {
  CostExplorerClient,
  GetCostAndUsageCommand,
  ListCostAllocationTagsCommand,
} from '@aws-sdk/client-cost-explorer';
import { DescribeImagesCommand, DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { PricingClient } from '@aws-sdk/client-pricing';
import { DescribeInstanceInformationCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { Clock, Sleep } from '@lab/core';
import type { RemoteOps } from '@lab/orchestrator';
import { mockClient } from 'aws-sdk-client-mock';
import { main } from '../../src/main.js';

const OMB_RESULT = readFileSync(new URL('../fixtures/omb-result.json', import.meta.url), 'utf8');
const SCALE = Number(process.env.LAB_TIME_SCALE ?? 60);
const ROLE_OF: Record<string, string> = { zk: 'zookeeper', bk: 'bookkeeper', br: 'broker', cl: 'client' };
/** How long after the first SSM check each role's agents are online (lifecycle time). */
const ONLINE_AFTER_MS: Record<string, number> = {
  zookeeper: 0,
  bookkeeper: 20_000,
  broker: 40_000,
  client: 60_000,
};
const roleOf = (instanceId: string) => ROLE_OF[instanceId.slice(3, 5)] ?? 'unknown';

const started = Date.now();
const clock: Clock = { now: () => started + (Date.now() - started) * SCALE };
const sleep: Sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    const timer = setTimeout(resolve, ms / SCALE);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const ec2 = new EC2Client({ region: 'us-east-1', credentials });
const ssm = new SSMClient({ region: 'us-east-1', credentials });
const costExplorer = new CostExplorerClient({ region: 'us-east-1', credentials });
const pricing = new PricingClient({ region: 'us-east-1', credentials });
mockClient(pricing);
const cloudwatch = new CloudWatchClient({ region: 'us-east-1', credentials });
mockClient(cloudwatch);
// Every STS client (the AMI cache asks GetCallerIdentity through the EC2 client's credentials).
mockClient(STSClient).on(GetCallerIdentityCommand).resolves({ Account: '123456789012' });
mockClient(ec2)
  .on(DescribeImagesCommand)
  .resolves({
    Images: [
      {
        ImageId: 'ami-0123456789abcdef0',
        Name: 'pulsar-base-4.0.4-20251120',
        State: 'available',
        CreationDate: '2025-11-20T10:00:00.000Z',
        Tags: [
          { Key: 'PulsarVersion', Value: '4.0.4' },
          { Key: 'Project', Value: 'pulsar-aws-lab' },
        ],
      },
    ],
  })
  .on(DescribeInstancesCommand)
  .callsFake((input: { InstanceIds?: string[] }) => ({
    Reservations: [
      { Instances: (input.InstanceIds ?? []).map((id) => ({ InstanceId: id, State: { Name: 'running' } })) },
    ],
  }));
let firstSsmCheck: number | undefined;
mockClient(ssm)
  .on(DescribeInstanceInformationCommand)
  .callsFake((input: { Filters?: Array<{ Values?: string[] }> }) => {
    firstSsmCheck ??= clock.now();
    const waited = clock.now() - firstSsmCheck;
    return {
      InstanceInformationList: (input.Filters?.[0]?.Values ?? []).map((id) => ({
        InstanceId: id,
        PingStatus: waited >= (ONLINE_AFTER_MS[roleOf(id)] ?? 0) ? 'Online' : 'ConnectionLost',
        LastPingDateTime: new Date(clock.now()),
      })),
    };
  });
mockClient(costExplorer)
  .on(ListCostAllocationTagsCommand)
  .resolves({ CostAllocationTags: [{ TagKey: 'ExperimentID', Type: 'UserDefined', Status: 'Active' }] })
  .on(GetCostAndUsageCommand)
  .resolves({ ResultsByTime: [] });

/** The cluster behind the SSM runner: healthy probes; OMB publishes at about its target rate until its time is up. */
const uploaded = new Map<string, string>();
const runs = new Map<string, { startedAt: number; minutes: number; rate: number }>();
const commandResult = (instanceId: string, stdout: string) => ({
  instanceId,
  commandId: 'cmd',
  status: 'Success',
  statusDetails: 'Success',
  outcome: 'success',
  message: 'succeeded',
  responseCode: 0,
  stdout,
  stderr: '',
  stdoutTruncated: false,
  stderrTruncated: false,
  startedAt: undefined,
  endedAt: undefined,
  ok: true,
});
const workloadOf = (dir: string) =>
  [...uploaded.entries()].find(([path]) => path.startsWith(dir) && path.endsWith('workload.yaml'))?.[1] ?? '';
const stdoutFor = (script: string, instanceId: string): string => {
  if (script.includes('lab-health-probe')) {
    const check = script.includes('endpoints') ? 'endpoints' : 'services';
    const role = roleOf(instanceId);
    return JSON.stringify({
      probe: 'lab-health-probe',
      version: 1,
      role,
      check,
      ok: true,
      checks: [
        {
          name: `${role} ${check}`,
          kind: check === 'services' ? 'service' : 'endpoint',
          ok: true,
          detail: 'ok',
        },
      ],
    });
  }
  const dir = /dir=(\S+)/.exec(script)?.[1] ?? '';
  if (script.includes('setsid nohup')) {
    const workload = workloadOf(dir);
    const minutes =
      Number(/testDurationMinutes: (\d+)/.exec(workload)?.[1] ?? 1) +
      Number(/warmupDurationMinutes: (\d+)/.exec(workload)?.[1] ?? 0);
    runs.set(dir, {
      startedAt: clock.now(),
      minutes,
      rate: Number(/producerRate: (\d+)/.exec(workload)?.[1] ?? 1000),
    });
    return 'started 4242';
  }
  if (script.includes('Pub rate')) {
    const run = runs.get(dir);
    if (run === undefined || clock.now() - run.startedAt >= run.minutes * 60_000) return 'exited 0\n';
    const rate = run.rate * (0.985 + ((clock.now() / 10_000) % 3) * 0.005);
    return `running\n12:00:10.000 [main] INFO WorkloadGenerator - Pub rate ${rate.toFixed(1)} msg/s /  1.0 MB/s | Pub err     0.0 err/s | Cons rate ${(rate - 0.2).toFixed(1)} msg/s /  1.0 MB/s | Backlog:  0.0 K`;
  }
  return script.includes('kill -TERM') ? 'stopped' : '';
};
/** The fixture's OMB result (a 10,000 msg/s run) with its rates scaled to `rate`. */
const resultAt = (rate: number): string => {
  const result = JSON.parse(OMB_RESULT) as Record<string, unknown>;
  for (const key of ['publishRate', 'consumeRate']) {
    result[key] = (result[key] as number[]).map((value) => Math.round(value * rate) / 10_000);
  }
  return JSON.stringify(result);
};
const transfer = (instanceId: string, remotePath: string, content: Buffer) => ({
  instanceId,
  remotePath,
  content,
  size: content.length,
  sha256: '',
  compressedSize: content.length,
  chunks: 1,
  commands: 1,
  elapsedMs: 1,
});
const remote: RemoteOps = {
  runCommand: (async (request: {
    instanceIds?: readonly string[];
    script?: string;
    signal?: AbortSignal;
  }) => {
    request.signal?.throwIfAborted();
    const ids = request.instanceIds ?? [];
    const results = ids.map((id) => commandResult(id, stdoutFor(request.script ?? '', id)));
    return { description: 'simulated', commandIds: ['cmd'], results, ok: true, elapsedMs: 1, apiCalls: {} };
  }) as unknown as RemoteOps['runCommand'],
  putFile: (async (request: { instanceId: string; remotePath: string; content: string | Uint8Array }) => {
    uploaded.set(request.remotePath, String(request.content));
    return transfer(request.instanceId, request.remotePath, Buffer.from(String(request.content)));
  }) as unknown as RemoteOps['putFile'],
  fetchFile: (async (request: { instanceId: string; remotePath: string }) => {
    const run = [...runs.entries()].find(([dir]) => request.remotePath.startsWith(dir))?.[1];
    const content = Buffer.from(
      request.remotePath.endsWith('omb.log') ? 'INFO Pub rate 998.3 msg/s\n' : resultAt(run?.rate ?? 10_000),
    );
    return transfer(request.instanceId, request.remotePath, content);
  }) as unknown as RemoteOps['fetchFile'],
};

process.exitCode = await main(process.argv.slice(2), {
  clock,
  sleep,
  aws: () => ({
    ec2: async () => ec2,
    ssm: async () => ssm,
    costExplorer: async () => costExplorer,
    pricing: async () => pricing,
    cloudwatch: async () => cloudwatch,
  }),
  remote,
  cleanupByTags: async () => ({ remaining: [] }),
});
