import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CancelCommandCommand,
  type CommandInvocation,
  type CommandPluginStatus,
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  type InstanceInformationStringFilter,
  ListCommandInvocationsCommand,
  ListCommandsCommand,
  SendCommandCommand,
  type SendCommandCommandInput,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';

/** Absolute paths the simulated instances keep under their own root (a chroot, by rewriting). */
export const SIMULATED_PREFIXES = [
  '/var/lib/lab',
  '/var/log/lab',
  '/opt/omb',
  '/opt/lab',
  '/etc/lab',
  '/tmp',
];

export interface SimAgentOptions {
  /** A temporary directory; instance `i-…` lives in `<root>/<i-…>`. */
  root: string;
  instanceIds: readonly string[];
  /** The test's clock (virtual time): statuses turn final only once it has advanced. */
  clock: { now(): number };
  /** Virtual milliseconds from SendCommand until an invocation is reported final. Default 1000. */
  latencyMs?: (instanceId: string, commandNumber: number) => number;
  /** Extra environment of the scripts an instance runs. */
  env?: (instanceId: string) => Record<string, string>;
  /** Whether the agent is registered and Online (DescribeInstanceInformation). Default always. */
  online?: (instanceId: string, now: number) => boolean;
  /**
   * Whether SendCommand accepts the instance; when not, it fails with InvalidInstanceId, as SSM
   * does for an agent that has only just registered. Default always.
   */
  acceptsCommands?: (instanceId: string, now: number) => boolean;
}

interface Invocation {
  instanceId: string;
  script: string;
  done: Promise<void>;
  child: ChildProcess;
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  cancelled: boolean;
  finalAt: number;
}

interface SimCommand {
  commandId: string;
  input: SendCommandCommandInput;
  /** The script as the runner submitted it (before the simulated chroot's path rewriting). */
  script: string;
  sentAt: number;
  invocations: Invocation[];
}

const ERROR_MARKER = '\n----------ERROR-------\n';

/**
 * A simulated fleet behind an aws-sdk-client-mock'ed SSM client. SendCommand really runs the
 * `commands` parameter on this machine the way the SSM agent does (`sh -c`, which is how
 * `bash -c …` from the runner starts), one process per instance, asynchronously. Each instance
 * has its own file system root: the absolute paths in SIMULATED_PREFIXES are rewritten to
 * `<root>/<instance><path>` in the script, and back in what it prints, so scripts written for
 * `/var/lib/lab/…` or `/tmp` work unchanged. Invocations stay InProgress until the process has
 * exited and the test's clock has passed `latencyMs`; ListCommandInvocations (with Details),
 * GetCommandInvocation, ListCommands, CancelCommand and DescribeInstanceInformation answer from
 * that state with SSM's output limits. `<root>/<instance>/sim/now` holds the virtual time of
 * the last SSM call, for background processes that should follow virtual time.
 */
export function simulatedAgent(options: SimAgentOptions) {
  const ssm = new SSMClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const mock = mockClient(ssm);
  const commands = new Map<string, SimCommand>();
  let counter = 0;

  const instanceRoot = (instanceId: string) => join(options.root, instanceId);
  for (const id of options.instanceIds) {
    for (const prefix of [...SIMULATED_PREFIXES, '/opt/lab/bin', '/sim', '/usr/local/bin']) {
      mkdirSync(join(instanceRoot(id), prefix), { recursive: true });
    }
  }
  const tick = () => {
    const now = String(Math.floor(options.clock.now()));
    // Atomically: a script may be reading it right now.
    for (const id of options.instanceIds) {
      const file = join(instanceRoot(id), 'sim', 'now');
      writeFileSync(`${file}.tmp`, now);
      renameSync(`${file}.tmp`, file);
    }
  };
  tick();

  const start = (instanceId: string, script: string, cwd: string, finalAt: number): Invocation => {
    const base = instanceRoot(instanceId);
    const child = spawn('sh', ['-c', toInstance(script, base)], {
      cwd: toInstance(cwd, base),
      env: {
        ...process.env,
        PATH: `${base}/usr/local/bin:${base}/opt/lab/bin:${process.env.PATH ?? '/usr/bin:/bin'}`,
        LAB_SIM_ROOT: base,
        LAB_SIM_NOW: String(Math.floor(options.clock.now())),
        LAB_INSTANCE_ID: instanceId,
        ...options.env?.(instanceId),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const invocation: Invocation = {
      instanceId,
      script,
      child,
      exitCode: undefined,
      stdout: '',
      stderr: '',
      cancelled: false,
      finalAt,
      done: Promise.resolve(),
    };
    child.stdout?.setEncoding('utf8').on('data', (text: string) => (invocation.stdout += text));
    child.stderr?.setEncoding('utf8').on('data', (text: string) => (invocation.stderr += text));
    invocation.done = new Promise((resolve) => {
      child.on('close', (code) => {
        invocation.exitCode = code ?? -1;
        invocation.stdout = fromInstance(invocation.stdout, base);
        invocation.stderr = fromInstance(invocation.stderr, base);
        resolve();
      });
      child.on('error', (error) => {
        invocation.exitCode = -1;
        invocation.stderr += String(error);
        resolve();
      });
    });
    return invocation;
  };

  mock.on(SendCommandCommand).callsFake((input: SendCommandCommandInput) => {
    tick();
    counter += 1;
    const commandId = `sim-${String(counter).padStart(8, '0')}-0000-0000-0000-000000000000`;
    const ids = input.InstanceIds ?? [];
    const unknown = ids.filter(
      (id) =>
        !options.instanceIds.includes(id) || !(options.acceptsCommands?.(id, options.clock.now()) ?? true),
    );
    if (unknown.length > 0)
      throw awsError('InvalidInstanceId', `Instances [[${unknown.join(', ')}]] not in a valid state`);
    const parameters = input.Parameters ?? {};
    const script = (parameters.commands ?? []).join('\n');
    const cwd = parameters.workingDirectory?.[0] ?? '/';
    const now = options.clock.now();
    const number = counter;
    const invocations = ids.map((id) =>
      start(id, script, cwd, now + (options.latencyMs?.(id, number) ?? 1000)),
    );
    commands.set(commandId, { commandId, input, script, sentAt: now, invocations });
    return { Command: { CommandId: commandId, InstanceIds: ids, Status: 'Pending' } };
  });

  const state = (invocation: Invocation) => {
    if (invocation.cancelled) return { status: 'Cancelled', details: 'Cancelled', final: true };
    if (invocation.exitCode === undefined || options.clock.now() < invocation.finalAt) {
      return { status: 'InProgress', details: 'InProgress', final: false };
    }
    return invocation.exitCode === 0
      ? { status: 'Success', details: 'Success', final: true }
      : { status: 'Failed', details: 'Failed', final: true };
  };

  // A real agent keeps running while nobody asks; awaiting the processes here keeps virtual time
  // from racing past a script that is still running in real time.
  const settle = (command: SimCommand) =>
    Promise.all(command.invocations.map((invocation) => invocation.done));

  mock
    .on(ListCommandInvocationsCommand)
    .callsFake(async (input: { CommandId?: string; Details?: boolean }) => {
      tick();
      const command = commands.get(input.CommandId ?? '');
      if (command === undefined) return { CommandInvocations: [] };
      await settle(command);
      const invocations: CommandInvocation[] = command.invocations.map((invocation) => {
        const current = state(invocation);
        const output = `${invocation.stdout}${invocation.stderr === '' ? '' : `${ERROR_MARKER}${invocation.stderr}`}`;
        return {
          CommandId: command.commandId,
          InstanceId: invocation.instanceId,
          Status: current.status as CommandInvocation['Status'],
          StatusDetails: current.details,
          ...(input.Details === true
            ? {
                CommandPlugins: [
                  {
                    Name: 'aws:runShellScript',
                    Status: current.status as CommandPluginStatus,
                    ResponseCode: current.final ? (invocation.exitCode ?? -1) : -1,
                    ResponseStartDateTime: new Date(command.sentAt),
                    ...(current.final ? { ResponseFinishDateTime: new Date(invocation.finalAt) } : {}),
                    Output: current.final ? output.slice(0, 2500) : '',
                  },
                ],
              }
            : {}),
        };
      });
      return { CommandInvocations: invocations };
    });

  mock
    .on(GetCommandInvocationCommand)
    .callsFake(async (input: { CommandId?: string; InstanceId?: string }) => {
      tick();
      const command = commands.get(input.CommandId ?? '');
      const invocation = command?.invocations.find((candidate) => candidate.instanceId === input.InstanceId);
      if (command === undefined || invocation === undefined) {
        throw awsError('InvocationDoesNotExist', 'Invocation does not exist');
      }
      await invocation.done;
      const current = state(invocation);
      return {
        CommandId: command.commandId,
        InstanceId: invocation.instanceId,
        Status: current.status,
        StatusDetails: current.details,
        ResponseCode: current.final ? (invocation.exitCode ?? -1) : -1,
        StandardOutputContent: current.final ? invocation.stdout.slice(0, 24_000) : '',
        StandardErrorContent: current.final ? invocation.stderr.slice(0, 8_000) : '',
        ExecutionStartDateTime: new Date(command.sentAt).toISOString(),
        ExecutionEndDateTime: current.final ? new Date(invocation.finalAt).toISOString() : '',
      };
    });

  mock.on(ListCommandsCommand).callsFake(async (input: { CommandId?: string }) => {
    const command = commands.get(input.CommandId ?? '');
    if (command === undefined) throw awsError('InvalidCommandId', 'Invalid command id');
    await settle(command);
    const final = command.invocations.every((invocation) => state(invocation).final);
    return {
      Commands: [
        {
          CommandId: command.commandId,
          Status: final ? 'Success' : 'InProgress',
          TargetCount: command.invocations.length,
        },
      ],
    };
  });

  mock.on(CancelCommandCommand).callsFake((input: { CommandId?: string }) => {
    const command = commands.get(input.CommandId ?? '');
    if (command === undefined) throw awsError('InvalidCommandId', 'Invalid command id');
    for (const invocation of command.invocations) {
      if (!state(invocation).final) {
        invocation.cancelled = true;
        invocation.child.kill('SIGTERM');
      }
    }
    return {};
  });

  mock
    .on(DescribeInstanceInformationCommand)
    .callsFake((input: { Filters?: InstanceInformationStringFilter[] }) => {
      const wanted = input.Filters?.find((filter) => filter.Key === 'InstanceIds')?.Values ?? [
        ...options.instanceIds,
      ];
      const now = options.clock.now();
      return {
        InstanceInformationList: wanted
          .filter((id) => options.instanceIds.includes(id) && (options.online?.(id, now) ?? true))
          .map((id) => ({
            InstanceId: id,
            PingStatus: 'Online',
            AgentVersion: '3.3.0.0',
            LastPingDateTime: new Date(now),
          })),
      };
    });

  return {
    ssm,
    mock,
    instanceRoot,
    /** Every command sent, in order. */
    commands: () => [...commands.values()],
    /** Kills what is still running (a background process a script started is the test's to stop). */
    async close() {
      for (const command of commands.values()) {
        for (const invocation of command.invocations) {
          if (invocation.exitCode === undefined) invocation.child.kill('SIGKILL');
        }
        await settle(command);
      }
    },
  };
}

function awsError(code: string, message: string): Error {
  return Object.assign(new Error(message), {
    name: code,
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
  });
}

const PREFIX_PATTERN = new RegExp(
  `(^|[\\s'"=:;(<>|&])(${SIMULATED_PREFIXES.map((prefix) => prefix.replaceAll('/', '\\/')).join('|')})(?=[/'"\\s;)|&]|$)`,
  'gm',
);
const ENCODED = /^bash -c "\$\(printf '%s' '([A-Za-z0-9+/=]+)' \| base64 -d\)" (\S+)$/;

/** Maps the instance's absolute paths into its root, also inside a base64-encoded script. */
export function toInstance(script: string, base: string): string {
  const encoded = ENCODED.exec(script);
  if (encoded !== null) {
    const inner = toInstance(Buffer.from(encoded[1]!, 'base64').toString('utf8'), base);
    return `bash -c "$(printf '%s' '${Buffer.from(inner, 'utf8').toString('base64')}' | base64 -d)" ${encoded[2]}`;
  }
  if (script === '/') return base;
  return script.replace(PREFIX_PATTERN, (_match, before: string, path: string) => `${before}${base}${path}`);
}

function fromInstance(text: string, base: string): string {
  return text.replaceAll(base, '');
}

export {
  BROKER_ADMIN_CURL,
  HEALTHY_PROBE,
  ombBenchmarkStandIn,
  stockSimulatedCluster,
} from './sim-cluster.js';
