import { DescribeImagesCommand, RunInstancesCommand } from '@aws-sdk/client-ec2';
import {
  type CommandInvocation,
  GetCommandInvocationCommand,
  type ListCommandInvocationsCommandInput,
  ListCommandsCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { createEmitter, createVirtualTime, ValidationError } from '@lab/core';
import { describeWithMoto, injectFaults, motoAccount } from '@lab/test-support';
import type { InitializeHandler, InitializeHandlerArguments } from '@smithy/types';
import { expect, it } from 'vitest';
import {
  describeCommand,
  getInvocation,
  runCommand,
  SsmApiError,
  type SsmCallContext,
  SsmInstanceNotRegisteredError,
  sendCommand,
  tagTargets,
} from '../src/index.js';
import { instanceIds } from './support/fleet.js';

/**
 * moto serves SendCommand, ListCommands and GetCommandInvocation but not
 * ListCommandInvocations. This middleware answers ListCommandInvocations from moto's own
 * ListCommands + GetCommandInvocation, so the runner's whole path runs against moto's real
 * request/response shapes for the calls it does serve.
 */
function serveListCommandInvocations(ssm: SSMClient, backend: SSMClient): void {
  ssm.middlewareStack.add(
    // biome-ignore lint/suspicious/noExplicitAny: the SSM client's stack is typed by its command unions
    (next: InitializeHandler<any, any>, context) => async (args: InitializeHandlerArguments<any>) => {
      if (context.commandName !== 'ListCommandInvocationsCommand') return next(args);
      const input = args.input as ListCommandInvocationsCommandInput;
      // A separate client, so that faults injected into `ssm` hit only the runner's own calls.
      const listed = await backend.send(new ListCommandsCommand({ CommandId: input.CommandId }));
      const ids = listed.Commands?.[0]?.InstanceIds ?? [];
      const invocations: CommandInvocation[] = await Promise.all(
        ids.map(async (instanceId) => {
          const invocation = await backend.send(
            new GetCommandInvocationCommand({ CommandId: input.CommandId, InstanceId: instanceId }),
          );
          return {
            CommandId: invocation.CommandId,
            InstanceId: invocation.InstanceId,
            Status: invocation.Status,
            StatusDetails: invocation.StatusDetails,
            CommandPlugins: [
              {
                Name: invocation.PluginName,
                ResponseCode: invocation.ResponseCode,
                Output: invocation.StandardOutputContent,
              },
            ],
          };
        }),
      );
      return { output: { CommandInvocations: invocations, $metadata: {} }, response: {} };
    },
    { step: 'initialize', name: 'motoListCommandInvocations', priority: 'low' },
  );
}

/**
 * Makes moto's (always empty) plugin output look non-empty, so that the runner fetches each
 * invocation's full output with GetCommandInvocation.
 */
function pretendOutput(ssm: SSMClient): void {
  ssm.middlewareStack.add(
    // biome-ignore lint/suspicious/noExplicitAny: see serveListCommandInvocations
    (next: InitializeHandler<any, any>, context) => async (args: InitializeHandlerArguments<any>) => {
      const result = await next(args);
      if (context.commandName === 'ListCommandInvocationsCommand') {
        // Output with a stderr part: the list cannot hold it whole, so GetCommandInvocation is asked.
        for (const invocation of result.output.CommandInvocations ?? [])
          invocation.CommandPlugins[0].Output = '…\n----------ERROR-------\n…';
      }
      return result;
    },
    { step: 'initialize', name: 'pretendOutput', priority: 'normal' },
  );
}

function callContext(ssm: SSMClient): SsmCallContext {
  const time = createVirtualTime();
  return { ssm, ...time, emitter: createEmitter({ source: 'test' }), calls: {} };
}

describeWithMoto('@lab/ssm-runner against moto', () => {
  it('sends batches of at most 50 with the parameters SSM stores, and reads moto’s invocations', async () => {
    const account = await motoAccount();
    const { ssm } = account;
    serveListCommandInvocations(ssm, new SSMClient(account.connection));
    const ids = instanceIds(120);
    const result = await runCommand({
      ssm,
      instanceIds: ids,
      argv: ['cat', "/var/log/it's here.log"],
      workingDirectory: '/opt/pulsar',
      executionTimeoutSeconds: 900,
      deliveryTimeoutSeconds: 120,
      comment: 'integration',
      maxConcurrency: 10,
      maxErrors: '10%',
      ...createVirtualTime(),
    });
    expect(result.commandIds).toHaveLength(3);
    expect(result.apiCalls.SendCommand).toBe(3);
    expect(result.ok).toBe(true);
    expect(result.results.map((instance) => instance.instanceId)).toEqual(ids);
    expect(result.results[0]).toMatchObject({
      status: 'Success',
      statusDetails: 'Success',
      responseCode: 0,
      stdout: '',
    });

    const stored = await Promise.all(result.commandIds.map((id) => describeCommand(callContext(ssm), id)));
    expect(stored.map((command) => command.InstanceIds?.length).sort()).toEqual([20, 50, 50]);
    expect(stored[0]).toMatchObject({
      DocumentName: 'AWS-RunShellScript',
      Comment: 'integration',
      TimeoutSeconds: 120,
      MaxConcurrency: '10',
      MaxErrors: '10%',
      Parameters: {
        commands: [`bash -c 'cat '\\''/var/log/it'\\''\\'\\'''\\''s here.log'\\''' lab-ssm-runner`],
        executionTimeout: ['900'],
        workingDirectory: ['/opt/pulsar'],
      },
    });
  });

  it('parses moto’s zone-less timestamps from GetCommandInvocation as UTC', async () => {
    const account = await motoAccount();
    const { ssm } = account;
    const context = callContext(ssm);
    const before = Date.now();
    const command = await sendCommand(
      context,
      {
        DocumentName: 'AWS-RunShellScript',
        InstanceIds: ['i-0123456789abcdef0'],
        Parameters: { commands: ['true'] },
      },
      'test',
    );
    const invocation = await getInvocation(context, command.CommandId, 'i-0123456789abcdef0');
    expect(invocation.ExecutionStartDateTime).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+$/);
    pretendOutput(ssm);
    serveListCommandInvocations(ssm, new SSMClient(account.connection));
    const result = await runCommand({
      ssm,
      instanceIds: ['i-0123456789abcdef0'],
      script: 'true',
      ...createVirtualTime(),
    });
    const startedAt = result.results[0]!.startedAt ?? new Date(0);
    expect(Math.abs(startedAt.getTime() - before)).toBeLessThan(60_000);
  });

  it('GetCommandInvocation for an instance outside the command: InvocationDoesNotExist, retried, then typed', async () => {
    const account = await motoAccount();
    const { ssm } = account;
    const context = callContext(ssm);
    const command = await sendCommand(
      context,
      {
        DocumentName: 'AWS-RunShellScript',
        InstanceIds: ['i-0123456789abcdef0'],
        Parameters: { commands: ['true'] },
      },
      'test',
    );
    const error = await getInvocation(context, command.CommandId, 'i-0fffffffffffffff0').catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(SsmApiError);
    expect((error as SsmApiError).awsCode).toBe('InvocationDoesNotExist');
    expect(context.calls.GetCommandInvocation).toBe(7);
  });

  it('ListCommands for an unknown command id: InvalidCommandId', async () => {
    const account = await motoAccount();
    const { ssm } = account;
    const error = await describeCommand(callContext(ssm), '11111111-2222-3333-4444-555555555555').catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(SsmApiError);
    expect((error as SsmApiError).awsCode).toBe('InvalidCommandId');
  });

  it('moto accepts any well-formed instance id; malformed ones never leave this library', async () => {
    const account = await motoAccount();
    const { ssm } = account;
    const context = callContext(ssm);
    const command = await sendCommand(
      context,
      {
        DocumentName: 'AWS-RunShellScript',
        InstanceIds: ['i-00000000000000000'],
        Parameters: { commands: ['true'] },
      },
      'test',
    );
    expect(command.InstanceIds).toEqual(['i-00000000000000000']);
    const faults = injectFaults(ssm, [{ code: 'Unexpected' }]);
    await expect(
      runCommand({ ssm, instanceIds: ['not-an-instance'], script: 'true' }),
    ).rejects.toBeInstanceOf(ValidationError);
    expect(faults.injected).toEqual([]);
  });

  it('survives injected throttling and eventual consistency', async () => {
    const account = await motoAccount();
    const { ssm } = account;
    serveListCommandInvocations(ssm, new SSMClient(account.connection));
    const faults = injectFaults(ssm, [
      { command: 'SendCommandCommand', code: 'ThrottlingException', times: 2 },
      { command: 'ListCommandInvocationsCommand', code: 'RequestLimitExceeded', status: 503 },
    ]);
    const result = await runCommand({
      ssm,
      instanceIds: ['i-0123456789abcdef0'],
      script: 'true',
      ...createVirtualTime(),
    });
    expect(result.ok).toBe(true);
    expect(faults.injected.map((fault) => fault.code)).toEqual([
      'ThrottlingException',
      'ThrottlingException',
      'RequestLimitExceeded',
    ]);
    expect(result.apiCalls.SendCommand).toBe(3);
  });

  it('fetches output with GetCommandInvocation through an injected InvocationDoesNotExist', async () => {
    const account = await motoAccount();
    const { ssm } = account;
    pretendOutput(ssm);
    serveListCommandInvocations(ssm, new SSMClient(account.connection));
    const faults = injectFaults(ssm, [
      { command: 'GetCommandInvocationCommand', code: 'InvocationDoesNotExist' },
    ]);
    const result = await runCommand({
      ssm,
      instanceIds: ['i-0123456789abcdef0'],
      script: 'true',
      ...createVirtualTime(),
    });
    expect(result.ok).toBe(true);
    expect(faults.injected).toEqual([
      { command: 'GetCommandInvocationCommand', code: 'InvocationDoesNotExist' },
    ]);
    expect(result.apiCalls.GetCommandInvocation).toBe(2);
  });

  it('InvalidInstanceId from SendCommand becomes SSM_INSTANCE_NOT_REGISTERED', async () => {
    const account = await motoAccount();
    const { ssm } = account;
    injectFaults(ssm, [{ command: 'SendCommandCommand', code: 'InvalidInstanceId' }]);
    const error = await runCommand({ ssm, instanceIds: ['i-0123456789abcdef0'], script: 'true' }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(SsmInstanceNotRegisteredError);
    expect((error as SsmInstanceNotRegisteredError).instanceIds).toEqual(['i-0123456789abcdef0']);
  });

  it('runs on instances chosen by tag', async () => {
    const account = await motoAccount();
    const { ssm, ec2 } = account;
    serveListCommandInvocations(ssm, new SSMClient(account.connection));
    const images = await ec2.send(new DescribeImagesCommand({}));
    const imageId = images.Images?.[0]?.ImageId ?? 'ami-12c6146b';
    const launch = async (component: string, count: number) => {
      const reservation = await ec2.send(
        new RunInstancesCommand({
          ImageId: imageId,
          MinCount: count,
          MaxCount: count,
          TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Component', Value: component }] }],
        }),
      );
      return (reservation.Instances ?? []).map((instance) => instance.InstanceId ?? '');
    };
    const brokers = await launch('broker', 3);
    await launch('bookkeeper', 2);
    const result = await runCommand({
      ssm,
      targets: tagTargets({ Component: 'broker' }),
      script: 'true',
      ...createVirtualTime(),
    });
    expect(result.results.map((instance) => instance.instanceId)).toEqual([...brokers].sort());
    expect(result.ok).toBe(true);
    expect(result.apiCalls.SendCommand).toBe(1);
  });
});
