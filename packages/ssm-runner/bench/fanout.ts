// Runs one command on 1, 50 and 200 instances against a simulated SSM in virtual time and
// prints API calls and elapsed time for @lab/ssm-runner beside a naive baseline (one
// SendCommand per instance, one GetCommandInvocation per instance per poll round).
// Usage: pnpm --filter @lab/ssm-runner bench
import {
  type Command,
  type CommandInvocation,
  GetCommandInvocationCommand,
  SendCommandCommand,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import type { Clock, Sleep } from '@lab/core';
import { DEFAULT_POLL_SCHEDULE, runCommand } from '../src/index.js';

/** A discrete-event clock: concurrent sleeps overlap, as real waiting does. */
class Simulation {
  now = 0;
  private timers: Array<{ at: number; seq: number; resolve: () => void }> = [];
  private seq = 0;
  readonly clock: Clock = { now: () => this.now };
  readonly sleep: Sleep = (ms) =>
    new Promise<void>((resolve) => {
      this.seq += 1;
      this.timers.push({ at: this.now + Math.max(0, ms), seq: this.seq, resolve });
    });

  async run<T>(main: () => Promise<T>): Promise<T> {
    let settled = false;
    let value: T | undefined;
    let failure: unknown;
    main().then(
      (result) => {
        settled = true;
        value = result;
      },
      (error: unknown) => {
        settled = true;
        failure = error;
      },
    );
    for (;;) {
      // Let every promise chain run before time moves on.
      await new Promise((resolve) => setImmediate(resolve));
      if (settled) break;
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const timer = this.timers.shift();
      if (timer === undefined) throw new Error('simulation stalled: nothing scheduled');
      this.now = Math.max(this.now, timer.at);
      timer.resolve();
    }
    if (failure !== undefined) throw failure;
    return value as T;
  }
}

interface Scenario {
  name: string;
  latencyMs: number;
  /** Requests per second each API serves; excess requests queue. Infinity = no limit. */
  ratePerSecond: number;
}

/** A fake SSM: instances finish 2–6 s after SendCommand; invocations appear after 1 s. */
function simulatedSsm(simulation: Simulation, scenario: Scenario, stdout = 'ok\n') {
  const calls: Record<string, number> = {};
  const nextFree: Record<string, number> = {};
  const commands = new Map<string, { sentAt: number; instances: string[] }>();
  let seed = 7;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const finishAt = new Map<string, number>();
  let counter = 0;
  let round = 0;
  const listPerRound: number[] = [];

  const invocation = (commandId: string, instanceId: string): CommandInvocation | undefined => {
    const command = commands.get(commandId)!;
    if (simulation.now < command.sentAt + 1000) return undefined;
    const done = simulation.now >= finishAt.get(`${commandId}/${instanceId}`)!;
    return {
      CommandId: commandId,
      InstanceId: instanceId,
      Status: done ? 'Success' : 'InProgress',
      StatusDetails: done ? 'Success' : 'InProgress',
      CommandPlugins: [
        // ListCommandInvocations cuts a plugin's Output at 2,500 characters.
        {
          Name: 'aws:runShellScript',
          ResponseCode: done ? 0 : -1,
          Output: done ? stdout.slice(0, 2500) : '',
        },
      ],
    };
  };

  const handle = (name: string, input: Record<string, unknown>): unknown => {
    switch (name) {
      case 'SendCommandCommand': {
        counter += 1;
        const commandId = `cmd-${counter}`;
        const instances = input.InstanceIds as string[];
        commands.set(commandId, { sentAt: simulation.now, instances });
        for (const id of instances)
          finishAt.set(`${commandId}/${id}`, simulation.now + 2000 + random() * 4000);
        return { Command: { CommandId: commandId, InstanceIds: instances } satisfies Command };
      }
      case 'ListCommandInvocationsCommand': {
        listPerRound[round] = (listPerRound[round] ?? 0) + 1;
        const command = commands.get(input.CommandId as string)!;
        return {
          CommandInvocations: command.instances
            .map((id) => invocation(input.CommandId as string, id))
            .filter((entry) => entry !== undefined),
        };
      }
      case 'GetCommandInvocationCommand': {
        const found = invocation(input.CommandId as string, input.InstanceId as string);
        if (found === undefined) {
          throw Object.assign(new Error('not yet'), {
            name: 'InvocationDoesNotExist',
            $metadata: { httpStatusCode: 400 },
          });
        }
        return {
          Status: found.Status,
          StatusDetails: found.StatusDetails,
          ResponseCode: found.CommandPlugins?.[0]?.ResponseCode,
          StandardOutputContent: found.Status === 'Success' ? stdout : '',
          StandardErrorContent: '',
        };
      }
      default:
        throw new Error(`not simulated: ${name}`);
    }
  };

  const ssm = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      const name = command.constructor.name;
      const api = name.replace(/Command$/, '');
      calls[api] = (calls[api] ?? 0) + 1;
      // A per-API server-side queue: request n starts no earlier than n / rate.
      const slot = Math.max(simulation.now, nextFree[api] ?? 0);
      nextFree[api] = slot + (Number.isFinite(scenario.ratePerSecond) ? 1000 / scenario.ratePerSecond : 0);
      await simulation.sleep(slot - simulation.now + scenario.latencyMs);
      return handle(name, command.input);
    },
  } as unknown as SSMClient;

  /** The poller's sleep: each call starts a new round. */
  const pollSleep: Sleep = (ms) => {
    round += 1;
    return simulation.sleep(ms);
  };
  return { ssm, calls, listPerRound, pollSleep, rounds: () => round + 1 };
}

/** One SendCommand per instance; then, every round, one GetCommandInvocation per unfinished instance. */
async function naive(ssm: SSMClient, ids: string[], simulation: Simulation, pollSleep: Sleep) {
  const sent = await Promise.all(
    ids.map(async (id) => {
      const output = await ssm.send(
        new SendCommandCommand({
          DocumentName: 'AWS-RunShellScript',
          InstanceIds: [id],
          Parameters: { commands: ['uptime'] },
        }),
      );
      return { id, commandId: output.Command?.CommandId ?? '' };
    }),
  );
  let pending = sent;
  let delay = DEFAULT_POLL_SCHEDULE.initialDelayMs;
  const perRound: number[] = [];
  for (;;) {
    perRound.push(pending.length);
    const states = await Promise.all(
      pending.map(async (entry) => {
        try {
          const output = await ssm.send(
            new GetCommandInvocationCommand({ CommandId: entry.commandId, InstanceId: entry.id }),
          );
          return output.Status === 'Success' ? undefined : entry;
        } catch {
          return entry;
        }
      }),
    );
    pending = states.filter((entry) => entry !== undefined);
    if (pending.length === 0) return perRound;
    await pollSleep(delay);
    delay = Math.min(delay * DEFAULT_POLL_SCHEDULE.factor, DEFAULT_POLL_SCHEDULE.maxDelayMs);
    if (simulation.now > 3_600_000) throw new Error('naive baseline did not finish');
  }
}

const scenarios: Scenario[] = [
  { name: '50 ms latency, no rate limit', latencyMs: 50, ratePerSecond: Number.POSITIVE_INFINITY },
  { name: '50 ms latency, each API serves 20 requests/s', latencyMs: 50, ratePerSecond: 20 },
];
const sizes = [1, 50, 200];
const ids = (count: number) =>
  Array.from({ length: count }, (_, index) => `i-${String(index + 1).padStart(17, '0')}`);
const format = (calls: Record<string, number>, api: string) => String(calls[api] ?? 0);

console.log('One command (script runs 2–6 s per instance), simulated SSM in virtual time.\n');
for (const scenario of scenarios) {
  console.log(`## ${scenario.name}\n`);
  console.log(
    '| instances | approach | SendCommand | list/get calls per round (max) | ListCommandInvocations | GetCommandInvocation | total calls | elapsed |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const size of sizes) {
    const variants = [
      { label: 'output: full, 3 B stdout', output: 'full', stdout: 'ok\n' },
      { label: 'output: full, 3 KB stdout', output: 'full', stdout: 'x'.repeat(3000) },
      { label: 'output: none', output: 'none', stdout: 'ok\n' },
    ] as const;
    for (const { label, output, stdout } of variants) {
      const simulation = new Simulation();
      const fake = simulatedSsm(simulation, scenario, stdout);
      const result = await simulation.run(() =>
        runCommand({
          ssm: fake.ssm,
          instanceIds: ids(size),
          script: 'uptime',
          output,
          clock: simulation.clock,
          sleep: fake.pollSleep,
          timeoutMs: 3_600_000,
        }),
      );
      if (!result.ok) throw new Error('the runner did not succeed');
      const total = Object.values(fake.calls).reduce((sum, count) => sum + count, 0);
      console.log(
        `| ${size} | @lab/ssm-runner (${label}) | ${format(fake.calls, 'SendCommand')} | ${Math.max(...fake.listPerRound.filter(Number.isFinite))} | ${format(fake.calls, 'ListCommandInvocations')} | ${format(fake.calls, 'GetCommandInvocation')} | ${total} | ${(result.elapsedMs / 1000).toFixed(1)} s |`,
      );
    }
    {
      const simulation = new Simulation();
      const fake = simulatedSsm(simulation, scenario);
      const perRound = await simulation.run(() => naive(fake.ssm, ids(size), simulation, fake.pollSleep));
      const total = Object.values(fake.calls).reduce((sum, count) => sum + count, 0);
      console.log(
        `| ${size} | naive | ${format(fake.calls, 'SendCommand')} | ${Math.max(...perRound)} | 0 | ${format(fake.calls, 'GetCommandInvocation')} | ${total} | ${(simulation.now / 1000).toFixed(1)} s |`,
      );
    }
  }
  console.log('');
}
