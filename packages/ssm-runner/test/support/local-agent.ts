import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
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

interface Execution {
  instanceId: string;
  script: string;
  exitCode: number;
  stdout: string;
  stderr: string;
  startedAt: Date;
  endedAt: Date;
}

export interface LocalAgentOptions {
  /** Rewrite a script before it runs (simulates corruption on the way in). */
  tamperScript?: (script: string) => string;
  /** Rewrite what a script printed (simulates corruption on the way back). */
  tamperStdout?: (stdout: string, script: string) => string;
}

/**
 * An SSM client whose SendCommand really runs the `commands` parameter on this machine, the way
 * the SSM agent does: with `sh` (dash here, as on Debian and Ubuntu instances), in the
 * `workingDirectory`. Output is cut at SSM's limits. The other calls serve what happened.
 */
export function localAgent(options: LocalAgentOptions = {}) {
  const ssm = new SSMClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const mock = mockClient(ssm);
  const commands = new Map<string, { input: SendCommandCommandInput; executions: Execution[] }>();
  const scripts: string[] = [];

  mock.on(SendCommandCommand).callsFake((input: SendCommandCommandInput) => {
    const commandId = randomUUID();
    const parameters = input.Parameters ?? {};
    let script = (parameters.commands ?? []).join('\n');
    if (options.tamperScript !== undefined) script = options.tamperScript(script);
    scripts.push(script);
    const cwd = parameters.workingDirectory?.[0] ?? process.cwd();
    const executions = (input.InstanceIds ?? []).map((instanceId): Execution => {
      const startedAt = new Date();
      const run = spawnSync('sh', ['-c', script], {
        cwd,
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, LAB_INSTANCE_ID: instanceId },
      });
      const stdout = options.tamperStdout?.(run.stdout ?? '', script) ?? run.stdout ?? '';
      return {
        instanceId,
        script,
        exitCode: run.error === undefined ? (run.status ?? -1) : -1,
        stdout: stdout.slice(0, 24_000),
        stderr: (run.error === undefined ? (run.stderr ?? '') : String(run.error)).slice(0, 8_000),
        startedAt,
        endedAt: new Date(),
      };
    });
    commands.set(commandId, { input, executions });
    return { Command: { CommandId: commandId, InstanceIds: input.InstanceIds, Status: 'Pending' } };
  });

  mock.on(ListCommandInvocationsCommand).callsFake((input: { CommandId?: string }) => {
    const command = commands.get(input.CommandId ?? '');
    const invocations: CommandInvocation[] = (command?.executions ?? []).map((execution) => ({
      CommandId: input.CommandId,
      InstanceId: execution.instanceId,
      Status: execution.exitCode === 0 ? 'Success' : 'Failed',
      StatusDetails: execution.exitCode === 0 ? 'Success' : 'Failed',
      CommandPlugins: [
        {
          Name: 'aws:runShellScript',
          ResponseCode: execution.exitCode,
          ResponseStartDateTime: execution.startedAt,
          ResponseFinishDateTime: execution.endedAt,
          Output:
            `${execution.stdout}${execution.stderr === '' ? '' : `\n----------ERROR-------\n${execution.stderr}`}`.slice(
              0,
              2500,
            ),
        },
      ],
    }));
    return { CommandInvocations: invocations };
  });

  mock.on(GetCommandInvocationCommand).callsFake((input: { CommandId?: string; InstanceId?: string }) => {
    const execution = commands
      .get(input.CommandId ?? '')
      ?.executions.find((candidate) => candidate.instanceId === input.InstanceId);
    if (execution === undefined) {
      throw Object.assign(new Error('Invocation does not exist'), { name: 'InvocationDoesNotExist' });
    }
    return {
      CommandId: input.CommandId,
      InstanceId: input.InstanceId,
      Status: execution.exitCode === 0 ? 'Success' : 'Failed',
      StatusDetails: execution.exitCode === 0 ? 'Success' : 'Failed',
      ResponseCode: execution.exitCode,
      StandardOutputContent: execution.stdout,
      StandardErrorContent: execution.stderr,
      ExecutionStartDateTime: execution.startedAt.toISOString(),
      ExecutionEndDateTime: execution.endedAt.toISOString(),
    };
  });

  mock.on(ListCommandsCommand).callsFake((input: { CommandId?: string }) => {
    const command = commands.get(input.CommandId ?? '');
    return {
      Commands: [
        { CommandId: input.CommandId, Status: 'Success', TargetCount: command?.executions.length ?? 0 },
      ],
    };
  });
  mock.on(CancelCommandCommand).resolves({});

  return { ssm, mock, scripts, commands };
}
