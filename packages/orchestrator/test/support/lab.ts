import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  CostExplorerClient,
  GetCostAndUsageCommand,
  ListCostAllocationTagsCommand,
} from '@aws-sdk/client-cost-explorer';
import { DescribeImagesCommand, DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { PricingClient } from '@aws-sdk/client-pricing';
import { DescribeInstanceInformationCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { resolveConfigSources } from '@lab/config';
import { createVirtualTime, LabError, type LabEvent, type VirtualTime } from '@lab/core';
import { type Manifest, openStore } from '@lab/experiment-store';
import { mockClient } from 'aws-sdk-client-mock';
import type { CleanupByTagsRequest, RemainingResource } from '../../src/cleanup-port.js';
import type { OrchestratorDeps, RemoteOps } from '../../src/deps.js';

export const REPO = resolve(import.meta.dirname, '../../../..');
/** The lab's real Terraform module: only its presence is checked; the fixture terraform runs instead. */
export const MODULE_DIR = join(REPO, 'terraform');
export const TERRAFORM_FIXTURE = resolve(import.meta.dirname, '../fixtures/terraform');
export const OMB_RESULT = readFileSync(resolve(import.meta.dirname, '../fixtures/omb-result.json'), 'utf8');
export const START_MS = Date.UTC(2026, 0, 1, 12, 0, 0);
export const AMI_ID = 'ami-0123456789abcdef0';
/** The fixture terraform's instances: 3 ZooKeeper, 3 bookies, 2 brokers, 2 clients. */
export const INSTANCES = [
  ...['zk', 'bk'].flatMap((role) => [1, 2, 3].map((n) => `i-0${role}0000000000000${n}`)),
  ...['br', 'cl'].flatMap((role) => [1, 2].map((n) => `i-0${role}0000000000000${n}`)),
];
export const DRIVER_CLIENT = 'i-0cl00000000000001';

/** Two short runs: 1 min warm-up + 2 min test, 5 min margin (timeout 8 min). */
export const TWO_RUNS = `name: two-runs
workload: { topics: 1, partitionsPerTopic: 2, messageSize: 1024, testDurationMinutes: 2, warmupDurationMinutes: 1 }
timeoutMarginMinutes: 5
runs:
  - { type: fixed-rate, name: first, producerRate: 1000 }
  - { type: fixed-rate, name: second, producerRate: 2000 }
`;

/** What OMB does on the simulated client, per run id. */
export interface OmbBehaviour {
  /** Exit code written to `exit-code` (OMB's own exit code says little: the result decides). */
  exitCode?: number;
  /** `missing`: OMB wrote no result file; `invalid`: a file that is no OMB result. */
  result?: 'ok' | 'missing' | 'invalid';
  /** The process disappears without an exit code. */
  vanish?: boolean;
  /** Never exits: the run hits its timeout and is stopped. */
  hang?: boolean;
}

export interface LabOptions {
  /** A terraform subcommand that fails (the fixture's TF_FIXTURE_FAIL). */
  terraformFails?: 'init' | 'plan' | 'apply' | 'destroy' | 'output';
  /** DescribeImages finds no lab AMI. */
  noAmi?: boolean;
  /** SSM agents never come online: the cascade's second stage times out. */
  ssmOffline?: boolean;
  /** OMB's behaviour per run id (default: runs, then exits 0 with a valid result). */
  omb?: Record<string, OmbBehaviour>;
  /** What the tag-based cleanup still finds. */
  remaining?: RemainingResource[];
  /** The tag-based cleanup itself fails (e.g. no permission to list). */
  cleanupFails?: string;
  /**
   * An SSM client that simulates the fleet itself; the lifecycle then uses the real
   * `@lab/ssm-runner` (no `remote` in the deps) against it.
   */
  ssm?: (time: VirtualTime) => SSMClient;
}

export interface RemoteCall {
  op: 'runCommand' | 'putFile' | 'fetchFile';
  instanceIds: readonly string[];
  script?: string;
  path?: string;
}

/**
 * The orchestrator's world in one object: a temporary store, virtual time, mocked EC2, SSM,
 * Cost Explorer and Pricing clients, the fixture terraform (through `TerraformSettings.env`, no
 * global environment), a simulated cluster behind `RemoteOps` (or the real runner against a
 * simulated SSM fleet) and a recording tag-based cleanup. Every event lands in `events`.
 */
export async function createLab(options: LabOptions = {}) {
  const home = await mkdtemp(join(tmpdir(), 'orchestrator-lab-'));
  const tfLog = join(home, 'terraform-calls.log');
  const time = createVirtualTime(START_MS);
  const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

  const ec2 = new EC2Client({ region: 'us-east-1', credentials });
  const ec2Mock = mockClient(ec2);
  mockClient(STSClient).on(GetCallerIdentityCommand).resolves({ Account: '123456789012' });
  const ssm = options.ssm?.(time) ?? new SSMClient({ region: 'us-east-1', credentials });
  const ssmMock = options.ssm === undefined ? mockClient(ssm) : undefined;
  const ce = new CostExplorerClient({ region: 'us-east-1', credentials });
  const ceMock = mockClient(ce);
  const pricing = new PricingClient({ region: 'us-east-1', credentials });
  const pricingMock = mockClient(pricing);
  // CPU credits: the first instance asked about ran out during the run, the others did not.
  const cloudwatch = new CloudWatchClient({ region: 'us-east-1', credentials });
  mockClient(cloudwatch)
    .on(GetMetricDataCommand)
    .callsFake((input: { MetricDataQueries?: Array<{ Id?: string }> }) => ({
      MetricDataResults: (input.MetricDataQueries ?? []).map((query, index) => ({
        Id: query.Id,
        Values: [index === 0 ? 0 : 57.5],
        StatusCode: 'Complete',
      })),
    }));

  ec2Mock.on(DescribeImagesCommand).resolves({
    Images:
      options.noAmi === true
        ? []
        : [
            {
              ImageId: AMI_ID,
              Name: 'pulsar-base-4.0.4-20251120',
              State: 'available',
              CreationDate: '2025-11-20T10:00:00.000Z',
              Tags: [
                { Key: 'PulsarVersion', Value: '4.0.4' },
                { Key: 'Project', Value: 'pulsar-aws-lab' },
              ],
            },
          ],
  });
  ec2Mock.on(DescribeInstancesCommand).callsFake((input: { InstanceIds?: string[] }) => ({
    Reservations: [
      { Instances: (input.InstanceIds ?? []).map((id) => ({ InstanceId: id, State: { Name: 'running' } })) },
    ],
  }));
  ssmMock
    ?.on(DescribeInstanceInformationCommand)
    .callsFake((input: { Filters?: Array<{ Values?: string[] }> }) => ({
      InstanceInformationList: (input.Filters?.[0]?.Values ?? []).map((id) => ({
        InstanceId: id,
        PingStatus: options.ssmOffline === true ? 'ConnectionLost' : 'Online',
        LastPingDateTime: new Date(time.clock.now()),
      })),
    }));
  ceMock.on(ListCostAllocationTagsCommand).resolves({
    CostAllocationTags: [{ TagKey: 'ExperimentID', Type: 'UserDefined', Status: 'Active' }],
  });
  ceMock.on(GetCostAndUsageCommand).resolves({
    ResultsByTime: [
      {
        TimePeriod: { Start: '2026-01-01', End: '2026-01-02' },
        Groups: [
          {
            Keys: ['Amazon Elastic Compute Cloud - Compute'],
            Metrics: { UnblendedCost: { Amount: '0.42', Unit: 'USD' } },
          },
        ],
      },
    ],
  });

  const remoteCalls: RemoteCall[] = [];
  const remote = fakeCluster(remoteCalls, options.omb ?? {});
  const cleanupCalls: CleanupByTagsRequest[] = [];
  const events: LabEvent[] = [];
  const store = openStore({ home, clock: time.clock });

  const deps: OrchestratorDeps = {
    store,
    aws: () => ({
      ec2: async () => ec2,
      ssm: async () => ssm,
      costExplorer: async () => ce,
      pricing: async () => pricing,
      cloudwatch: async () => cloudwatch,
    }),
    terraform: {
      moduleDir: MODULE_DIR,
      binary: TERRAFORM_FIXTURE,
      env: { TF_FIXTURE_LOG: tfLog, TF_FIXTURE_FAIL: options.terraformFails ?? '', TF_FIXTURE_OUTPUT: '' },
    },
    cleanupByTags: async (request) => {
      cleanupCalls.push(request);
      if (options.cleanupFails !== undefined) throw new LabError('ACCESS_DENIED', options.cleanupFails);
      return { remaining: options.remaining ?? [] };
    },
    ...(options.ssm === undefined ? { remote } : {}),
    clock: time.clock,
    sleep: time.sleep,
    events: (event) => events.push(event),
  };

  return {
    home,
    store,
    time,
    deps,
    events,
    ec2Mock,
    ssmMock,
    ceMock,
    pricingMock,
    remoteCalls,
    cleanupCalls,
    /** The terraform subcommands the fixture ran, in order. */
    terraformCalls: async (): Promise<string[]> =>
      (await readFile(tfLog, 'utf8').catch(() => ''))
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => line.split(' ').find((word) => !word.startsWith('-chdir=')) ?? line),
    manifest: async (id = 'latest'): Promise<Manifest> => (await store.open(id)).readManifest(),
    /** Event types (with their source's prefix stripped) in order. */
    eventTypes: () => events.map((event) => event.type),
    cleanup: () => rm(home, { recursive: true, force: true }),
  };
}

export type Lab = Awaited<ReturnType<typeof createLab>>;

/** A test plan (`null`: none) and infrastructure, resolved the way `loadExperimentConfig` would. */
export function resolvePlan(testPlan: string | null = TWO_RUNS, infrastructure = '{}') {
  return resolveConfigSources({
    files: [
      { section: 'infrastructure', file: 'infra.yaml', text: infrastructure },
      ...(testPlan === null ? [] : [{ section: 'testPlan' as const, file: 'plan.yaml', text: testPlan }]),
    ],
  });
}

/** Setup options that accept any cost (like `--yes`). */
export const acceptCost = { confirmCost: async () => undefined };

const ROLE_OF: Record<string, string> = { zk: 'zookeeper', bk: 'bookkeeper', br: 'broker', cl: 'client' };
const roleOf = (instanceId: string) => ROLE_OF[instanceId.slice(3, 5)] ?? 'unknown';
const PUB_RATE =
  '12:00:10.000 [main] INFO WorkloadGenerator - Pub rate   998.3 msg/s /  1.0 MB/s | Pub err     0.0 err/s | Cons rate   998.1 msg/s /  1.0 MB/s | Backlog:  0.0 K';

/**
 * The cluster behind `RemoteOps`: every probe answers healthy; OMB starts, is running at the
 * first poll and then does what `omb[runId]` says. Results and logs come from the fixture.
 */
function fakeCluster(calls: RemoteCall[], omb: Record<string, OmbBehaviour>): RemoteOps {
  const polls = new Map<string, number>();
  const runIdOf = (path: string) => /\/([^/]+)\/[^/]+$/.exec(path)?.[1] ?? '';
  const result = (instanceId: string, stdout: string) => ({
    instanceId,
    commandId: `cmd-${calls.length}`,
    status: 'Success',
    statusDetails: 'Success',
    outcome: 'success',
    message: 'succeeded',
    responseCode: 0,
    stdout,
    stderr: '',
    stdoutTruncated: false,
    stderrTruncated: false,
    ok: true,
  });
  const transfer = (instanceId: string, remotePath: string, content?: Buffer) => ({
    instanceId,
    remotePath,
    size: content?.length ?? 1,
    sha256: '',
    compressedSize: 1,
    chunks: 1,
    commands: 1,
    elapsedMs: 1,
    ...(content === undefined ? {} : { content }),
  });
  const stdoutFor = (instanceId: string, script: string): string => {
    if (script.includes('lab-health-probe')) {
      const check = script.includes('endpoints') ? 'endpoints' : 'services';
      return JSON.stringify({
        probe: 'lab-health-probe',
        version: 1,
        role: roleOf(instanceId),
        check,
        ok: true,
        checks: [{ name: `${roleOf(instanceId)} ${check}`, kind: 'service', ok: true, detail: 'ok' }],
      });
    }
    const dir = /dir=(\S+)/.exec(script)?.[1] ?? '';
    const behaviour = omb[dir.split('/').pop() ?? ''] ?? {};
    if (script.includes('setsid nohup')) return 'started 4242';
    if (script.includes('Pub rate')) {
      const count = (polls.get(dir) ?? 0) + 1;
      polls.set(dir, count);
      if (count === 1 || behaviour.hang === true) return `running\n${PUB_RATE}`;
      if (behaviour.vanish === true) return 'vanished\n';
      return `exited ${behaviour.exitCode ?? 0}\n${PUB_RATE}`;
    }
    if (script.includes('kill -TERM')) return 'stopped';
    return '';
  };
  return {
    runCommand: (async (request: {
      instanceIds?: readonly string[];
      script?: string;
      signal?: AbortSignal;
    }) => {
      request.signal?.throwIfAborted();
      const script = request.script ?? '';
      const ids = request.instanceIds ?? [];
      calls.push({ op: 'runCommand', instanceIds: ids, script });
      return {
        description: 'fake',
        commandIds: ['cmd'],
        results: ids.map((id) => result(id, stdoutFor(id, script))),
        ok: true,
        elapsedMs: 1,
        apiCalls: {},
      };
    }) as unknown as RemoteOps['runCommand'],
    putFile: (async (request: { instanceId: string; remotePath: string }) => {
      calls.push({ op: 'putFile', instanceIds: [request.instanceId], path: request.remotePath });
      return transfer(request.instanceId, request.remotePath);
    }) as unknown as RemoteOps['putFile'],
    fetchFile: (async (request: { instanceId: string; remotePath: string }) => {
      calls.push({ op: 'fetchFile', instanceIds: [request.instanceId], path: request.remotePath });
      const behaviour = omb[runIdOf(request.remotePath)] ?? {};
      if (request.remotePath.endsWith('/omb.log')) {
        return transfer(request.instanceId, request.remotePath, Buffer.from(`INFO ${PUB_RATE}\n`));
      }
      if (behaviour.result === 'missing') {
        throw new LabError(
          'REMOTE_FILE_NOT_FOUND',
          `${request.remotePath} does not exist on ${request.instanceId}`,
        );
      }
      const content = Buffer.from(behaviour.result === 'invalid' ? '{"workload": 42}' : OMB_RESULT);
      return transfer(request.instanceId, request.remotePath, content);
    }) as unknown as RemoteOps['fetchFile'],
  };
}
