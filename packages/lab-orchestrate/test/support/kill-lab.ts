// The real lab-orchestrate process (dist/cli.js) against moto, for kill -9 trials: a fresh moto
// account with a lab AMI, the AWS front (moto + a simulated SSM fleet), the terraform stand-in
// that creates the cluster in moto, and helpers to start, watch and SIGKILL the process.
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  CreateImageCommand,
  CreateTagsCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeInternetGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVolumesCommand,
  DescribeVpcsCommand,
  type EC2Client,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { type Manifest, openStore } from '@lab/experiment-store';
import { type MotoAccount, motoAccount, motoEndpoint } from '@lab/test-support';
import { BROKER_ADMIN_CURL } from '@lab/test-support/sim-agent';
import { type Front, startFront } from './aws-front.js';

export const REPO = resolve(import.meta.dirname, '../../../..');
const CLI = resolve(import.meta.dirname, '../../dist/cli.js');
const TERRAFORM = resolve(import.meta.dirname, 'moto-terraform');
const OMB_RESULT = readFileSync(resolve(import.meta.dirname, '../fixtures/omb-result.json'));

// One short run: OMB (the stand-in below) writes its result a few seconds after it starts.
const PLAN = `name: kill
description: One short fixed-rate run, for the kill -9 trials.
workload:
  topics: 1
  partitionsPerTopic: 1
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

// The health probe on every instance: healthy, unless the test holds the cascade.
const PROBE = `#!/usr/bin/env bash
set -euo pipefail
role=$(jq -r .role "$LAB_SIM_ROOT/etc/lab/cluster.json")
check=services
while [ $# -gt 0 ]; do case "$1" in --check) check=$2; shift 2 ;; *) shift ;; esac; done
ok=true
if [ -n "\${KILL_HOLD_CASCADE:-}" ] && [ -e "$KILL_HOLD_CASCADE" ]; then ok=false; fi
jq -cn --arg role "$role" --arg check "$check" --argjson ok "$ok" \\
  '{probe: "lab-health-probe", version: 1, role: $role, check: $check, ok: $ok,
    checks: [{name: ($role + " " + $check), kind: "service", ok: $ok, detail: (if $ok then "ok" else "starting" end)}]}'
`;

// OMB's bin/benchmark: logs rates like OMB; writes the result after a few seconds, or runs until
// killed while the test holds the run.
const BENCHMARK = `#!/usr/bin/env bash
set -euo pipefail
output=''
while [ $# -gt 0 ]; do case "$1" in --output) output=$2; shift 2 ;; *) shift ;; esac; done
for _ in $(seq 3); do
  echo "12:00:10.000 [main] INFO WorkloadGenerator - Pub rate   998.3 msg/s /  1.0 MB/s | Pub err     0.0 err/s | Cons rate   998.1 msg/s /  1.0 MB/s | Backlog:  0.0 K"
  sleep 1
done
while [ -n "\${KILL_HOLD_RUN:-}" ] && [ -e "$KILL_HOLD_RUN" ]; do
  echo "12:00:20.000 [main] INFO WorkloadGenerator - Pub rate   998.3 msg/s /  1.0 MB/s | Pub err     0.0 err/s | Cons rate   998.1 msg/s /  1.0 MB/s | Backlog:  0.0 K"
  sleep 1
done
cp "$LAB_SIM_ROOT/opt/omb/fixture-result.json" "$output"
echo 'INFO done'
`;

export interface KillLab {
  account: MotoAccount;
  home: string;
  front: Front;
  /** Files that hold the cascade or the run while they exist. */
  holdCascade: string;
  holdRun: string;
  /** Starts `lab-orchestrate <args>` against moto; `slow` sets the terraform stand-in's pauses. */
  start(args: string[], slow?: Slow): Running;
  /** Whether the terraform stand-in left the marker `applying` or `destroying` (its slow part began). */
  marker(name: 'applying' | 'destroying' | 'applied-late'): boolean;
  /** Whether the stand-in's `terraform apply` is still running. */
  terraformAlive(): boolean;
  /** Kills a terraform the killed process left running (its own process group), as a dead machine would. */
  killOrphanedTerraform(): void;
  /** Resources in moto tagged with the experiment, as `type id` (instances not terminated). */
  tagged(experimentId: string): Promise<string[]>;
  manifest(): Promise<Manifest>;
  close(): Promise<void>;
}

/** The terraform stand-in's pauses (seconds), and whether a slow apply creates a resource late. */
export interface Slow {
  apply?: number;
  destroy?: number;
  lateResource?: boolean;
}

export interface Running {
  process: ChildProcess;
  stderr(): string;
  /** Resolves once stderr contains `text`. */
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<void>;
  exited: Promise<number | null>;
}

async function registerLabImage(ec2: EC2Client, image: string): Promise<void> {
  const builder = (await ec2.send(new RunInstancesCommand({ ImageId: image, MinCount: 1, MaxCount: 1 })))
    .Instances![0]!.InstanceId!;
  const ami = (
    await ec2.send(new CreateImageCommand({ InstanceId: builder, Name: 'pulsar-base-4.0.4-20251120' }))
  ).ImageId!;
  await ec2.send(
    new CreateTagsCommand({
      Resources: [ami],
      Tags: [
        { Key: 'PulsarVersion', Value: '4.0.4' },
        { Key: 'Project', Value: 'pulsar-aws-lab' },
      ],
    }),
  );
  await ec2.send(new TerminateInstancesCommand({ InstanceIds: [builder] }));
}

/** The pid in `pidFile` if that process is still the terraform stand-in (pids get reused). */
function standIn(pidFile: string): number | undefined {
  try {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('moto-terraform') ? pid : undefined;
  } catch {
    return undefined;
  }
}

export async function createKillLab(): Promise<KillLab> {
  const account = await motoAccount();
  const dir = await mkdtemp(join(tmpdir(), 'lab-kill-'));
  const home = join(dir, 'home');
  const state = join(dir, 'state');
  const sim = join(dir, 'sim');
  for (const path of [state, sim]) mkdirSync(path, { recursive: true });
  const holdCascade = join(state, 'hold-cascade');
  const holdRun = join(state, 'hold-run');
  const planFile = join(dir, 'plan.yaml');
  writeFileSync(planFile, PLAN);
  const image = (await account.ec2.send(new DescribeImagesCommand({ Owners: ['amazon'], MaxResults: 5 })))
    .Images![0]!.ImageId!;
  await registerLabImage(account.ec2, image);

  const front = await startFront({
    moto: motoEndpoint!,
    root: sim,
    instancesFile: join(state, 'instances.json'),
    env: () => ({ KILL_HOLD_CASCADE: holdCascade, KILL_HOLD_RUN: holdRun }),
    prepare: (root, instance) => {
      writeFileSync(join(root, 'etc/lab/cluster.json'), JSON.stringify({ role: instance.role }));
      writeFileSync(join(root, 'opt/lab/bin/lab-health-probe'), PROBE);
      chmodSync(join(root, 'opt/lab/bin/lab-health-probe'), 0o755);
      if (instance.role !== 'client') return;
      mkdirSync(join(root, 'opt/omb/bin'), { recursive: true });
      mkdirSync(join(root, 'etc/lab/omb'), { recursive: true });
      writeFileSync(join(root, 'opt/omb/bin/benchmark'), BENCHMARK);
      chmodSync(join(root, 'opt/omb/bin/benchmark'), 0o755);
      writeFileSync(join(root, 'opt/omb/fixture-result.json'), OMB_RESULT);
      writeFileSync(join(root, 'etc/lab/omb/workers.yaml'), 'workers:\n  - http://10.42.1.130:8080\n');
      mkdirSync(join(root, 'usr/local/bin'), { recursive: true });
      writeFileSync(join(root, 'usr/local/bin/curl'), BROKER_ADMIN_CURL, { mode: 0o755 });
    },
  });
  const running = new Set<ChildProcess>();
  const credentials = account.connection.credentials;

  const start = (args: string[], slow: Slow = {}): Running => {
    const withPlan = args[0] === 'full' || args[0] === 'setup' ? [...args, '--test-plan', planFile] : args;
    const child = spawn(
      process.execPath,
      [
        CLI,
        ...withPlan,
        '--terraform-bin',
        TERRAFORM,
        '--terraform-dir',
        join(REPO, 'terraform'),
        '--endpoint-url',
        front.url,
        '--region',
        account.region,
      ],
      {
        cwd: REPO,
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
          AWS_SESSION_TOKEN: credentials.sessionToken ?? '',
          AWS_REGION: account.region,
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          PULSAR_AWS_LAB_HOME: home,
          KILL_STATE_DIR: state,
          KILL_SLOW_APPLY: slow.apply === undefined ? '' : String(slow.apply),
          KILL_SLOW_DESTROY: slow.destroy === undefined ? '' : String(slow.destroy),
          KILL_LATE_RESOURCE: slow.lateResource === true ? '1' : '',
          TF_FIXTURE_LOG: join(state, 'terraform-calls.log'),
          NO_COLOR: '1',
          CI: '1',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    running.add(child);
    let stderr = '';
    const waiters: Array<{ match: string | RegExp; resolve: () => void }> = [];
    const check = () => {
      for (const waiter of [...waiters]) {
        if (typeof waiter.match === 'string' ? stderr.includes(waiter.match) : waiter.match.test(stderr)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      }
    };
    child.stderr!.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
      check();
    });
    child.stdout!.resume();
    const exited = new Promise<number | null>((done) =>
      child.on('exit', (code) => {
        running.delete(child);
        done(code);
      }),
    );
    return {
      process: child,
      stderr: () => stderr,
      exited,
      waitFor: (match, timeoutMs = 90_000) =>
        new Promise<void>((resolvePromise, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`no ${String(match)} within ${timeoutMs} ms; stderr:\n${stderr}`)),
            timeoutMs,
          );
          void exited.then(() => {
            setTimeout(() => reject(new Error(`exited before ${String(match)}; stderr:\n${stderr}`)), 50);
          });
          waiters.push({
            match,
            resolve: () => {
              clearTimeout(timer);
              resolvePromise();
            },
          });
          check();
        }),
    };
  };

  const describe = async <T>(send: () => Promise<T[] | undefined>, id: (item: T) => string, type: string) =>
    ((await send()) ?? []).map((item) => `${type} ${id(item)}`);

  return {
    account,
    home,
    front,
    holdCascade,
    holdRun,
    start,
    marker: (name) => existsSync(join(state, name)),
    terraformAlive: () => standIn(join(state, 'terraform-apply.pid')) !== undefined,
    killOrphanedTerraform: () => {
      for (const name of ['terraform-apply.pid', 'terraform-destroy.pid']) {
        const pid = standIn(join(state, name));
        // The process runner starts terraform in a process group of its own.
        if (pid !== undefined) process.kill(-pid, 'SIGKILL');
      }
    },
    tagged: async (experimentId) => {
      const { ec2 } = account;
      const Filters = [{ Name: 'tag:ExperimentID', Values: [experimentId] }];
      return [
        ...(await describe(
          async () =>
            (
              await ec2.send(new DescribeInstancesCommand({ Filters }))
            ).Reservations?.flatMap((reservation) => reservation.Instances ?? []).filter(
              (instance) => instance.State?.Name !== 'terminated',
            ),
          (instance) => instance.InstanceId!,
          'instance',
        )),
        ...(await describe(
          async () => (await ec2.send(new DescribeVolumesCommand({ Filters }))).Volumes,
          (v) => v.VolumeId!,
          'volume',
        )),
        ...(await describe(
          async () => (await ec2.send(new DescribeSecurityGroupsCommand({ Filters }))).SecurityGroups,
          (group) => group.GroupId!,
          'security-group',
        )),
        ...(await describe(
          async () => (await ec2.send(new DescribeSubnetsCommand({ Filters }))).Subnets,
          (s) => s.SubnetId!,
          'subnet',
        )),
        ...(await describe(
          async () => (await ec2.send(new DescribeRouteTablesCommand({ Filters }))).RouteTables,
          (table) => table.RouteTableId!,
          'route-table',
        )),
        ...(await describe(
          async () => (await ec2.send(new DescribeInternetGatewaysCommand({ Filters }))).InternetGateways,
          (gateway) => gateway.InternetGatewayId!,
          'internet-gateway',
        )),
        ...(await describe(
          async () => (await ec2.send(new DescribeVpcsCommand({ Filters }))).Vpcs,
          (vpc) => vpc.VpcId!,
          'vpc',
        )),
      ];
    },
    manifest: async () => (await openStore({ home }).open('latest')).readManifest(),
    close: async () => {
      for (const child of running) child.kill('SIGKILL');
      await front.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
