import {
  CancelCommandCommand,
  type CommandInvocation,
  GetCommandInvocationCommand,
  ListCommandInvocationsCommand,
  ListCommandsCommand,
  SendCommandCommand,
  type SendCommandCommandInput,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';

/** What ListCommandInvocations says about one instance; undefined = not listed (yet). */
export interface Step {
  status: string;
  details?: string;
  rc?: number;
  stdout?: string;
  stderr?: string;
}

export interface FleetOptions {
  /** Invocations per ListCommandInvocations page; default all in one. */
  pageSize?: number;
  /** Instances SSM resolves for tag targets. */
  targetInstances?: string[];
  /** Status ListCommands reports; default Success once every listed instance is final, else InProgress. */
  commandStatus?: (commandId: string, listCall: number) => string;
}

const FINAL = new Set(['Success', 'Failed', 'TimedOut', 'Cancelled']);

export function awsError(code: string, status = 400): Error {
  return Object.assign(new Error(`${code} (simulated)`), {
    name: code,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
  });
}

/**
 * A simulated SSM: `plan(instanceId, n)` says what the n-th ListCommandInvocations call (1-based,
 * per command) reports for an instance.
 */
export function fleet(
  plan: (instanceId: string, listCall: number) => Step | undefined,
  options: FleetOptions = {},
) {
  const ssm = new SSMClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const mock = mockClient(ssm);
  const commands = new Map<
    string,
    { input: SendCommandCommandInput; instances: string[]; listCalls: number }
  >();
  const last = new Map<string, Step>();
  let counter = 0;

  mock.on(SendCommandCommand).callsFake((input: SendCommandCommandInput) => {
    counter += 1;
    const commandId = `00000000-0000-0000-0000-${String(counter).padStart(12, '0')}`;
    const instances = input.InstanceIds ?? options.targetInstances ?? [];
    commands.set(commandId, { input, instances, listCalls: 0 });
    return { Command: { CommandId: commandId, InstanceIds: input.InstanceIds ?? [], Status: 'Pending' } };
  });

  const invocations = (commandId: string, listCall: number): CommandInvocation[] => {
    const command = commands.get(commandId);
    if (command === undefined) return [];
    return command.instances.flatMap((instanceId) => {
      const step = plan(instanceId, listCall);
      if (step === undefined) return [];
      last.set(`${commandId}/${instanceId}`, step);
      const output = `${step.stdout ?? ''}${step.stderr === undefined || step.stderr === '' ? '' : `\n----------ERROR-------\n${step.stderr}`}`;
      return [
        {
          CommandId: commandId,
          InstanceId: instanceId,
          Status: step.status as CommandInvocation['Status'],
          StatusDetails: step.details ?? step.status,
          CommandPlugins: [
            {
              Name: 'aws:runShellScript',
              ResponseCode: step.rc ?? (FINAL.has(step.status) ? 0 : -1),
              ResponseStartDateTime: new Date('2026-01-01T00:00:01Z'),
              ...(FINAL.has(step.status) ? { ResponseFinishDateTime: new Date('2026-01-01T00:00:03Z') } : {}),
              Output: output.slice(0, 2500),
            },
          ],
        },
      ];
    });
  };

  mock.on(ListCommandInvocationsCommand).callsFake((input: { CommandId?: string; NextToken?: string }) => {
    const command = commands.get(input.CommandId ?? '');
    if (command === undefined) return { CommandInvocations: [] };
    if (input.NextToken === undefined) command.listCalls += 1;
    const all = invocations(input.CommandId ?? '', command.listCalls);
    const size = options.pageSize ?? all.length;
    const offset = Number(input.NextToken ?? '0');
    const page = all.slice(offset, offset + Math.max(size, 1));
    const next = offset + page.length < all.length ? String(offset + page.length) : undefined;
    return { CommandInvocations: page, ...(next === undefined ? {} : { NextToken: next }) };
  });

  mock.on(GetCommandInvocationCommand).callsFake((input: { CommandId?: string; InstanceId?: string }) => {
    const step = last.get(`${input.CommandId}/${input.InstanceId}`);
    if (step === undefined) throw awsError('InvocationDoesNotExist');
    return {
      CommandId: input.CommandId,
      InstanceId: input.InstanceId,
      Status: step.status,
      StatusDetails: step.details ?? step.status,
      ResponseCode: step.rc ?? 0,
      StandardOutputContent: step.stdout ?? '',
      StandardErrorContent: step.stderr ?? '',
      ExecutionStartDateTime: '2026-01-01T00:00:01.000Z',
      ExecutionEndDateTime: '2026-01-01T00:00:03.000Z',
    };
  });

  mock.on(ListCommandsCommand).callsFake((input: { CommandId?: string }) => {
    const command = commands.get(input.CommandId ?? '');
    if (command === undefined) throw awsError('InvalidCommandId');
    const listed = command.instances.map((id) => plan(id, command.listCalls));
    const status =
      options.commandStatus?.(input.CommandId ?? '', command.listCalls) ??
      (listed.every((step) => step === undefined || FINAL.has(step.status)) ? 'Success' : 'InProgress');
    return {
      Commands: [{ CommandId: input.CommandId, Status: status, TargetCount: command.instances.length }],
    };
  });

  mock.on(CancelCommandCommand).resolves({});
  return { ssm, mock, commands };
}

/** Instance ids i-00000000000000001 … */
export function instanceIds(count: number): string[] {
  return Array.from({ length: count }, (_, index) => `i-${String(index + 1).padStart(17, '0')}`);
}
