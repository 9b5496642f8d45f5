import { readFileSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
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
import type { SignalSource } from '@lab/cli-kit';
import { createVirtualTime, LabError, type VirtualTime } from '@lab/core';
import { type Manifest, openStore } from '@lab/experiment-store';
import type { CleanupByTagsRequest, RemainingResource, RemoteOps } from '@lab/orchestrator';
import { mockClient } from 'aws-sdk-client-mock';
import { vi } from 'vitest';
import { main } from '../../src/main.js';

export const REPO = resolve(import.meta.dirname, '../../../..');
/** The account STS names for the harness's credentials: the AMI cache is kept per account. */
export const ACCOUNT = '123456789012';
export const TERRAFORM_FIXTURE = resolve(REPO, 'packages/orchestrator/test/fixtures/terraform');
const OMB_RESULT = readFileSync(resolve(import.meta.dirname, '../fixtures/omb-result.json'), 'utf8');

const ROLE_OF: Record<string, string> = { zk: 'zookeeper', bk: 'bookkeeper', br: 'broker', cl: 'client' };
const roleOf = (instanceId: string) => ROLE_OF[instanceId.slice(3, 5)] ?? 'unknown';

export interface HarnessOptions {
  /** DescribeImages finds no lab AMI. */
  noAmi?: boolean;
  /** The terraform subcommand that fails (TF_FIXTURE_FAIL). */
  terraformFails?: string;
  /** terraform apply takes 30 s and handles SIGINT. */
  slowApply?: boolean;
  /** SSM agents never come online. */
  ssmOffline?: boolean;
  /** Runs whose result file OMB never writes. */
  missingResults?: string[];
  /** What the tag-based cleanup still finds after deleting. */
  remaining?: RemainingResource[];
  /** Called with each stderr chunk (to press Ctrl-C at the right moment). */
  onStderr?: (text: string, interrupt: () => void) => void;
  /**
   * An SSM client that simulates the cluster itself (given the harness's virtual time). The
   * lifecycle then uses the real `@lab/ssm-runner` against it instead of the stand-in below.
   */
  ssm?: (time: VirtualTime) => SSMClient;
}

/**
 * What lab-host-sampler writes: a header, then raw counters every 2 s, the last sample 2 s
 * before `nowMs` (inside the run); the second disk is a journal at about 98 % utilisation.
 */
function hostSamples(nowMs: number): string {
  const at = (index: number) => (nowMs / 1000 - 8 + 2 * index).toFixed(1);
  return [
    '{"format":"lab-host-sampler/1","host":"ip-10-0-1-5","intervalSeconds":2,"cpus":4,"disks":{"nvme0n1":"root","nvme1n1":"journal"}}',
    `{"t":${at(0)},"cpu":[1000,0,400,8000,100,0,50,0],"mem":[16000000,12000000],"disks":{"nvme0n1":[900,8000,700,500,9000,800,2000,2500],"nvme1n1":[0,0,0,1000,400000,900,1000,1500]},"net":{"ens5":[5000000,4000000]}}`,
    `{"t":${at(1)},"cpu":[1300,0,500,8500,200,0,60,0],"mem":[16000000,11900000],"disks":{"nvme0n1":[900,8000,700,510,9100,810,2010,2510],"nvme1n1":[0,0,0,9000,800000,21000,2960,31500]},"net":{"ens5":[65000000,34000000]}}`,
    `{"t":${at(2)},"cpu":[1600,0,600,9000,300,0,70,0],"mem":[16000000,11800000],"disks":{"nvme0n1":[900,8000,700,520,9200,820,2020,2520],"nvme1n1":[0,0,0,17000,1200000,41000,4940,61500]},"net":{"ens5":[125000000,64000000]}}`,
    `{"t":${at(3)},"cpu":[1900,0,700,9500,400,0,80,0],"mem":[16000000,11700000],"disks":{"nvme0n1":[900,8000,700,530,9300,830,2030,2530],"nvme1n1":[0,0,0,25000,1600000,61000,6900,91500]},"net":{"ens5":[185000000,94000000]}}`,
    '',
  ].join('\n');
}

/** Everything around `main`: mocked AWS, a simulated cluster behind the SSM runner, the fixture terraform. */
export async function createHarness(options: HarnessOptions = {}) {
  const home = await mkdtemp(join(tmpdir(), 'lab-orchestrate-'));
  const tfLog = join(home, 'terraform-calls.log');
  vi.stubEnv('TF_FIXTURE_LOG', tfLog);
  vi.stubEnv('TF_FIXTURE_OUTPUT', '');
  vi.stubEnv('TF_FIXTURE_FAIL', options.terraformFails ?? '');
  vi.stubEnv('TF_FIXTURE_SLOW', options.slowApply === true ? '1' : '');
  const time = createVirtualTime(Date.UTC(2026, 0, 1, 12, 0, 0));

  const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
  const ec2 = new EC2Client({ region: 'us-east-1', credentials });
  const ssm = options.ssm?.(time) ?? new SSMClient({ region: 'us-east-1', credentials });
  const ce = new CostExplorerClient({ region: 'us-east-1', credentials });
  const ec2Mock = mockClient(ec2);
  // Every STS client (the AMI cache asks GetCallerIdentity through the EC2 client's credentials).
  mockClient(STSClient).on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT });
  // A simulated cluster's client is mocked already; the harness only mocks its own.
  const ssmMock = options.ssm === undefined ? mockClient(ssm) : undefined;
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
    Images: options.noAmi
      ? []
      : [
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
  });
  ec2Mock.on(DescribeInstancesCommand).callsFake((input: { InstanceIds?: string[] }) => ({
    Reservations: [
      {
        Instances: (input.InstanceIds ?? []).map((id) => ({ InstanceId: id, State: { Name: 'running' } })),
      },
    ],
  }));
  ssmMock
    ?.on(DescribeInstanceInformationCommand)
    .callsFake((input: { Filters?: Array<{ Values?: string[] }> }) => ({
      InstanceInformationList: (input.Filters?.[0]?.Values ?? []).map((id) => ({
        InstanceId: id,
        PingStatus: options.ssmOffline ? 'ConnectionLost' : 'Online',
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

  // The cluster behind the SSM runner: the probe answers healthy, OMB starts, runs one poll, exits.
  const remoteCalls: Array<{ op: string; instanceIds?: readonly string[]; path?: string; script?: string }> =
    [];
  const polls = new Map<string, number>();
  const uploaded = new Map<string, string>();
  const result = (instanceId: string, stdout: string, ok = true) => ({
    instanceId,
    commandId: `cmd-${remoteCalls.length}`,
    status: ok ? 'Success' : 'Failed',
    statusDetails: ok ? 'Success' : 'Failed',
    outcome: ok ? 'success' : 'failed',
    message: ok ? 'succeeded' : 'exited with code 1',
    responseCode: ok ? 0 : 1,
    stdout,
    stderr: '',
    stdoutTruncated: false,
    stderrTruncated: false,
    startedAt: undefined,
    endedAt: undefined,
    ok,
  });
  const remote: RemoteOps = {
    runCommand: (async (request: {
      instanceIds?: readonly string[];
      script?: string;
      signal?: AbortSignal;
    }) => {
      request.signal?.throwIfAborted();
      const script = request.script ?? '';
      const ids = request.instanceIds ?? [];
      remoteCalls.push({ op: 'runCommand', instanceIds: ids, script });
      const stdoutFor = (id: string): string => {
        if (script.includes('lab-health-probe')) {
          const check = script.includes('endpoints') ? 'endpoints' : 'services';
          return JSON.stringify({
            probe: 'lab-health-probe',
            version: 1,
            role: roleOf(id),
            check,
            ok: true,
            checks: [
              {
                name: `${roleOf(id)} ${check}`,
                kind: check === 'services' ? 'service' : 'endpoint',
                ok: true,
                detail: 'ok',
              },
            ],
          });
        }
        const dir = /dir=(\S+)/.exec(script)?.[1] ?? '';
        if (script.includes('setsid nohup')) return 'started 4242';
        if (script.includes('Pub rate')) {
          const count = (polls.get(dir) ?? 0) + 1;
          polls.set(dir, count);
          return count === 1
            ? 'running\n12:00:10.000 [main] INFO WorkloadGenerator - Pub rate   998.3 msg/s /  1.0 MB/s | Pub err     0.0 err/s | Cons rate   998.1 msg/s /  1.0 MB/s | Backlog:  0.0 K'
            : 'exited 0\n';
        }
        if (script.includes('kill -TERM')) return 'stopped';
        return '';
      };
      const results = ids.map((id) => result(id, stdoutFor(id)));
      return { description: 'fake', commandIds: ['cmd'], results, ok: true, elapsedMs: 1, apiCalls: {} };
    }) as unknown as RemoteOps['runCommand'],
    putFile: (async (request: { instanceId: string; remotePath: string; content: string | Uint8Array }) => {
      remoteCalls.push({ op: 'putFile', instanceIds: [request.instanceId], path: request.remotePath });
      uploaded.set(request.remotePath, String(request.content));
      return {
        instanceId: request.instanceId,
        remotePath: request.remotePath,
        size: 1,
        sha256: '',
        compressedSize: 1,
        chunks: 1,
        commands: 1,
        elapsedMs: 1,
      };
    }) as unknown as RemoteOps['putFile'],
    fetchFile: (async (request: { instanceId: string; remotePath: string }) => {
      remoteCalls.push({ op: 'fetchFile', instanceIds: [request.instanceId], path: request.remotePath });
      const run = /\/([^/]+)\/(result\.json|omb\.log)$/.exec(request.remotePath);
      if (run?.[2] === 'result.json' && options.missingResults?.includes(run[1] ?? '')) {
        throw new LabError(
          'REMOTE_FILE_NOT_FOUND',
          `${request.remotePath} does not exist on ${request.instanceId}`,
        );
      }
      const content = Buffer.from(
        request.remotePath.endsWith('.jsonl')
          ? hostSamples(time.clock.now())
          : run?.[2] === 'omb.log'
            ? 'INFO Pub rate 998.3 msg/s\n'
            : OMB_RESULT,
      );
      return {
        instanceId: request.instanceId,
        remotePath: request.remotePath,
        content,
        size: content.length,
        sha256: '',
        compressedSize: 1,
        chunks: 1,
        commands: 1,
        elapsedMs: 1,
      };
    }) as unknown as RemoteOps['fetchFile'],
  };

  const cleanupCalls: CleanupByTagsRequest[] = [];
  const cleanupByTags = async (request: CleanupByTagsRequest) => {
    cleanupCalls.push(request);
    return { remaining: request.execute ? (options.remaining ?? []) : (options.remaining ?? []) };
  };

  const out = { stdout: '', stderr: '' };
  const listeners = new Map<string, (signal: NodeJS.Signals) => void>();
  let interrupted = false;
  const interrupt = () => {
    if (interrupted) return;
    interrupted = true;
    listeners.get('SIGINT')?.('SIGINT');
  };
  const signals: SignalSource = {
    on: (event, listener) => listeners.set(event, listener),
    off: (event) => listeners.delete(event),
    exit: (code) => {
      throw new Error(`process.exit(${code})`);
    },
  };

  /** Every region the lifecycle asked AWS clients for. */
  const awsRegions = new Set<string>();
  const run = (argv: readonly string[]) =>
    main(argv, {
      stdout: { write: (chunk: string) => (out.stdout += chunk) },
      stderr: {
        write: (chunk: string) => {
          out.stderr += chunk;
          options.onStderr?.(chunk, interrupt);
          return true;
        },
      },
      env: { PULSAR_AWS_LAB_HOME: home, NO_COLOR: '1', CI: '1' },
      process: signals,
      cwd: REPO,
      clock: time.clock,
      sleep: time.sleep,
      aws: (region) => {
        awsRegions.add(region);
        return {
          ec2: async () => ec2,
          ssm: async () => ssm,
          costExplorer: async () => ce,
          pricing: async () => pricing,
          cloudwatch: async () => cloudwatch,
        };
      },
      ...(options.ssm === undefined ? { remote } : {}),
      cleanupByTags,
    });

  const store = openStore({ home });
  return {
    home,
    out,
    run,
    time,
    ec2Mock,
    ssmMock,
    ceMock,
    pricingMock,
    remoteCalls,
    uploaded,
    cleanupCalls,
    awsRegions,
    terraformCalls: async () =>
      (await readFile(tfLog, 'utf8').catch(() => ''))
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => line.split(' ').find((word) => !word.startsWith('-chdir=')) ?? line),
    manifest: async (): Promise<Manifest> => (await store.open('latest')).readManifest(),
    experimentDir: async () => (await store.open('latest')).paths.root,
    terraformArgs: ['--terraform-bin', TERRAFORM_FIXTURE, '--terraform-dir', join(REPO, 'terraform')],
  };
}
