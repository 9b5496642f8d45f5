// Simulates a 9-instance cluster (3 ZooKeeper, 3 BookKeeper, 2 brokers, 1 client) whose stages
// become ready at staggered, randomized times, and measures in virtual time
//   (a) the lag between the last target truly becoming ready and the cascade reporting ready,
//   (b) the API calls per round of stages 3–4,
// for this package's cascade and for the earlier design's serial baseline (one SSM command per
// instance per service, each polled on 5 s ×1.5 capped at 30 s).
// Usage: pnpm --filter @lab/health-cascade bench
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { DEFAULT_SCHEDULE, pollUntil } from '@lab/backoff';
import { type Component, createVirtualTime, type VirtualTime } from '@lab/core';
import { type InstanceTarget, labHealthStages } from '../src/aws.js';
import { type CommandResult, type RunCommand, runCascade } from '../src/index.js';

const TRIALS = 200;
const API_LATENCY_MS = 150;
/** SSM agent pick-up plus the probe's run time on the instance. */
const EXECUTION_MS: [number, number] = [300, 900];
/** How the simulated runner polls ListCommandInvocations: first after 1 s, then every 0.5 s. */
const RUNNER_FIRST_POLL_MS = 1000;
const RUNNER_NEXT_POLL_MS = 500;

function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface SimInstance {
  id: string;
  role: Component;
  /** Absolute virtual times (ms) at which each stage's condition becomes true. */
  runningAt: number;
  onlineAt: number;
  servicesAt: number;
  healthyAt: number;
}

const ROLES: Component[] = [
  'zookeeper',
  'zookeeper',
  'zookeeper',
  'bookkeeper',
  'bookkeeper',
  'bookkeeper',
  'broker',
  'broker',
  'client',
];
/** Checks per instance in the baseline: one command each. */
const SERVICES: Record<Component, number> = { zookeeper: 1, bookkeeper: 1, broker: 1, client: 1 };
const ENDPOINTS: Record<Component, number> = { zookeeper: 1, bookkeeper: 1, broker: 2, client: 1 };

function simulateCluster(random: () => number, origin: number): SimInstance[] {
  const between = (low: number, high: number) => (low + random() * (high - low)) * 1000;
  const instances = ROLES.map((role, index) => {
    const runningAt = origin + between(10, 40);
    const onlineAt = runningAt + between(15, 60);
    const servicesAt = onlineAt + between(3, 20);
    return {
      id: `i-${String(index).padStart(17, '0')}`,
      role,
      runningAt,
      onlineAt,
      servicesAt,
      healthyAt: 0,
    };
  });
  const latest = (role: Component, key: 'servicesAt' | 'healthyAt') =>
    Math.max(...instances.filter((instance) => instance.role === role).map((instance) => instance[key]));
  // ZooKeeper elects a leader once its servers are up; bookies need ZooKeeper; brokers need bookies.
  for (const instance of instances.filter((i) => i.role === 'zookeeper')) {
    instance.healthyAt = latest('zookeeper', 'servicesAt') + between(2, 8);
  }
  for (const instance of instances.filter((i) => i.role === 'bookkeeper')) {
    instance.healthyAt = Math.max(instance.servicesAt, latest('zookeeper', 'healthyAt')) + between(3, 15);
  }
  for (const instance of instances.filter((i) => i.role === 'broker')) {
    instance.healthyAt = Math.max(instance.servicesAt, latest('bookkeeper', 'healthyAt')) + between(5, 30);
  }
  for (const instance of instances.filter((i) => i.role === 'client')) {
    instance.healthyAt = instance.servicesAt + between(1, 5);
  }
  return instances;
}

interface Counters {
  describe: number;
  /** SSM calls (SendCommand + result polls) per round of stage 3 (services) and 4 (endpoints). */
  probeRounds: { services: number[]; endpoints: number[] };
}

/** EC2 and SSM clients that answer from the simulated cluster, with API latency. */
function fakeClients(cluster: SimInstance[], time: VirtualTime, counters: Counters) {
  const ec2 = {
    // Only DescribeInstances is sent to this client.
    send: async () => {
      counters.describe += 1;
      time.advance(API_LATENCY_MS);
      const now = time.clock.now();
      return {
        Reservations: [
          {
            Instances: cluster.map((instance) => ({
              InstanceId: instance.id,
              State: { Name: now >= instance.runningAt ? 'running' : 'pending' },
            })),
          },
        ],
      };
    },
  } as unknown as EC2Client;
  const ssm = {
    // Only DescribeInstanceInformation is sent to this client.
    send: async () => {
      counters.describe += 1;
      time.advance(API_LATENCY_MS);
      const now = time.clock.now();
      return {
        InstanceInformationList: cluster
          .filter((instance) => now >= instance.onlineAt)
          .map((instance) => ({ InstanceId: instance.id, PingStatus: 'Online' })),
      };
    },
  } as unknown as SSMClient;
  return { ec2, ssm };
}

/**
 * A Run Command runner like @lab/ssm-runner: one SendCommand for all instances, then
 * ListCommandInvocations until every invocation finished. Each instance's probe sees the state
 * at the moment it executes.
 */
function simulatedRunner(
  cluster: SimInstance[],
  time: VirtualTime,
  random: () => number,
  counters: Counters,
): RunCommand {
  const byId = new Map(cluster.map((instance) => [instance.id, instance]));
  return async (request) => {
    let calls = 1;
    time.advance(API_LATENCY_MS);
    const sentAt = time.clock.now();
    const check = request.script.includes('--check services') ? 'services' : 'endpoints';
    const finished = request.instanceIds.map(
      (id) => [id, sentAt + EXECUTION_MS[0] + random() * (EXECUTION_MS[1] - EXECUTION_MS[0])] as const,
    );
    const last = Math.max(...finished.map(([, at]) => at));
    await time.sleep(RUNNER_FIRST_POLL_MS);
    for (;;) {
      calls += 1;
      time.advance(API_LATENCY_MS);
      if (time.clock.now() >= last) break;
      await time.sleep(RUNNER_NEXT_POLL_MS);
    }
    counters.probeRounds[check].push(calls);
    return finished.map(([id, executedAt]): CommandResult => {
      const instance = byId.get(id)!;
      const ok = executedAt >= (check === 'services' ? instance.servicesAt : instance.healthyAt);
      const stdout = JSON.stringify({
        probe: 'lab-health-probe',
        version: 1,
        role: instance.role,
        check,
        ok,
        checks: [{ name: check, kind: check, ok, detail: ok ? 'ok' : 'not yet' }],
      });
      return {
        instanceId: id,
        ok,
        status: ok ? 'Success' : 'Failed',
        stdout,
        stderr: '',
        responseCode: ok ? 0 : 1,
      };
    });
  };
}

interface TrialResult {
  lagMs: number;
  totalMs: number;
  /** API calls per round (a check of every instance once) of stage 3 and of stage 4. */
  callsPerRound: { services: number[]; endpoints: number[] };
  /** SSM commands per such round. */
  commandsPerRound: { services: number; endpoints: number };
  probeCalls: number;
}

async function runNewDesign(
  cluster: SimInstance[],
  time: VirtualTime,
  random: () => number,
): Promise<TrialResult> {
  const counters: Counters = { describe: 0, probeRounds: { services: [], endpoints: [] } };
  const { ec2, ssm } = fakeClients(cluster, time, counters);
  const targets: InstanceTarget[] = cluster.map((instance) => ({ id: instance.id, role: instance.role }));
  const start = time.clock.now();
  await runCascade({
    stages: labHealthStages({
      ec2,
      ssm,
      runCommand: simulatedRunner(cluster, time, random, counters),
      targets,
    }),
    targets,
    clock: time.clock,
    sleep: time.sleep,
  });
  const truthMs = Math.max(...cluster.map((instance) => instance.healthyAt));
  return {
    lagMs: time.clock.now() - truthMs,
    totalMs: time.clock.now() - start,
    callsPerRound: counters.probeRounds,
    commandsPerRound: { services: 1, endpoints: 1 },
    probeCalls: [...counters.probeRounds.services, ...counters.probeRounds.endpoints].reduce(
      (sum, calls) => sum + calls,
      0,
    ),
  };
}

/**
 * The earlier design: stages 1–2 on the lab default schedule; stages 3–4 check one instance and
 * one service at a time, each check one SSM command polled with GetCommandInvocation on 5 s ×1.5
 * capped at 30 s, and each check repeated on the same schedule until it passes.
 */
async function runBaseline(
  cluster: SimInstance[],
  time: VirtualTime,
  random: () => number,
): Promise<TrialResult> {
  const counters: Counters = { describe: 0, probeRounds: { services: [], endpoints: [] } };
  const { ec2, ssm } = fakeClients(cluster, time, counters);
  const start = time.clock.now();
  const poll = <T>(check: () => Promise<T>, until: (value: T) => boolean) =>
    pollUntil(check, {
      until,
      timeoutMs: 3_600_000,
      ...DEFAULT_SCHEDULE,
      clock: time.clock,
      sleep: time.sleep,
    });
  type Described = { Reservations: Array<{ Instances: Array<{ State: { Name: string } }> }> };
  type Information = { InstanceInformationList: unknown[] };
  await poll(
    async () => ((await ec2.send({} as never)) as unknown as Described).Reservations[0]!.Instances,
    (list) => list.every((instance) => instance.State.Name === 'running'),
  );
  await poll(
    async () => ((await ssm.send({} as never)) as unknown as Information).InstanceInformationList,
    (list) => list.length === cluster.length,
  );
  let probeCalls = 0;
  const commandCalls: number[] = [];
  /** One SSM command on one instance; returns the state its check saw. */
  const command = async (readyAt: number): Promise<boolean> => {
    let calls = 1;
    time.advance(API_LATENCY_MS);
    const executedAt = time.clock.now() + EXECUTION_MS[0] + random() * (EXECUTION_MS[1] - EXECUTION_MS[0]);
    // The first GetCommandInvocation comes after the schedule's first delay, then on the schedule.
    await time.sleep(DEFAULT_SCHEDULE.initialDelayMs);
    await poll(
      async () => {
        calls += 1;
        time.advance(API_LATENCY_MS);
        return time.clock.now() >= executedAt;
      },
      (done) => done,
    );
    probeCalls += calls;
    commandCalls.push(calls);
    return executedAt >= readyAt;
  };
  const serialStage = async (checks: Record<Component, number>, key: 'servicesAt' | 'healthyAt') => {
    for (const instance of cluster) {
      for (let service = 0; service < checks[instance.role]; service += 1) {
        await poll(
          () => command(instance[key]),
          (ok) => ok,
        );
      }
    }
  };
  await serialStage(SERVICES, 'servicesAt');
  const stage3Calls = [...commandCalls];
  commandCalls.length = 0;
  await serialStage(ENDPOINTS, 'healthyAt');
  const perCommand = (list: number[]) => list.reduce((sum, calls) => sum + calls, 0) / list.length;
  const pairs = (checks: Record<Component, number>) =>
    cluster.reduce((sum, instance) => sum + checks[instance.role], 0);
  const truthMs = Math.max(...cluster.map((instance) => instance.healthyAt));
  return {
    lagMs: time.clock.now() - truthMs,
    totalMs: time.clock.now() - start,
    // A "round" checks every instance once: one command per instance per service.
    callsPerRound: {
      services: [perCommand(stage3Calls) * pairs(SERVICES)],
      endpoints: [perCommand(commandCalls) * pairs(ENDPOINTS)],
    },
    commandsPerRound: { services: pairs(SERVICES), endpoints: pairs(ENDPOINTS) },
    probeCalls,
  };
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
};
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

const designs = [
  ['cascade (this package)', runNewDesign],
  ['serial baseline', runBaseline],
] as const;
const results = new Map<string, TrialResult[]>(designs.map(([name]) => [name, []]));
for (let trial = 0; trial < TRIALS; trial += 1) {
  for (const [name, run] of designs) {
    const time = createVirtualTime();
    const cluster = simulateCluster(mulberry32(trial + 1), time.clock.now());
    results.get(name)!.push(await run(cluster, time, mulberry32(10_000 + trial)));
  }
}

console.log(
  `Simulated cluster: 3 ZooKeeper, 3 BookKeeper, 2 brokers, 1 client; ${TRIALS} randomized trials in virtual time.`,
);
console.log(
  `API latency ${API_LATENCY_MS} ms; probe executes ${EXECUTION_MS[0]}–${EXECUTION_MS[1]} ms after SendCommand; ` +
    `runner polls after ${RUNNER_FIRST_POLL_MS} ms, then every ${RUNNER_NEXT_POLL_MS} ms.\n`,
);
const rows: Array<[string, (list: TrialResult[]) => string]> = [
  [
    'lag after truly ready, median',
    (list) =>
      seconds(
        quantile(
          list.map((r) => r.lagMs),
          0.5,
        ),
      ),
  ],
  [
    'lag after truly ready, p90',
    (list) =>
      seconds(
        quantile(
          list.map((r) => r.lagMs),
          0.9,
        ),
      ),
  ],
  ['lag after truly ready, max', (list) => seconds(Math.max(...list.map((r) => r.lagMs)))],
  ['stage 3 SSM commands per round', (list) => String(list[0]!.commandsPerRound.services)],
  ['stage 4 SSM commands per round', (list) => String(list[0]!.commandsPerRound.endpoints)],
  [
    'stage 3 API calls per round, median',
    (list) =>
      quantile(
        list.flatMap((r) => r.callsPerRound.services),
        0.5,
      ).toFixed(1),
  ],
  [
    'stage 4 API calls per round, median',
    (list) =>
      quantile(
        list.flatMap((r) => r.callsPerRound.endpoints),
        0.5,
      ).toFixed(1),
  ],
  [
    'stage 3–4 API calls per round, max',
    (list) =>
      Math.max(...list.flatMap((r) => [...r.callsPerRound.services, ...r.callsPerRound.endpoints])).toFixed(
        1,
      ),
  ],
  [
    'stage 3–4 API calls in total, median',
    (list) =>
      String(
        quantile(
          list.map((r) => r.probeCalls),
          0.5,
        ),
      ),
  ],
  [
    'time to healthy, median',
    (list) =>
      seconds(
        quantile(
          list.map((r) => r.totalMs),
          0.5,
        ),
      ),
  ],
];
const width = 40;
console.log('metric'.padEnd(width), ...designs.map(([name]) => name.padStart(24)));
for (const [label, format] of rows) {
  console.log(label.padEnd(width), ...designs.map(([name]) => format(results.get(name)!).padStart(24)));
}
const ours = results.get('cascade (this package)')!;
const medianLag = quantile(
  ours.map((r) => r.lagMs),
  0.5,
);
const medianCalls = quantile(
  ours.flatMap((r) => [...r.callsPerRound.services, ...r.callsPerRound.endpoints]),
  0.5,
);
console.log(
  `\nGoal: median lag ≤ 2 s (${seconds(medianLag)}: ${medianLag <= 2000 ? 'met' : 'NOT met'}), ` +
    `≤ 2 API calls per round for stages 3–4 (${medianCalls.toFixed(1)}: ${medianCalls <= 2 ? 'met' : 'NOT met'}).`,
);
