import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CancelCommandCommand,
  GetCommandInvocationCommand,
  ListCommandInvocationsCommand,
  ListCommandsCommand,
  SendCommandCommand,
} from '@aws-sdk/client-ssm';
import { AbortedError, collectEvents, createVirtualTime, ValidationError } from '@lab/core';
import { describe, expect, it } from 'vitest';
import 'aws-sdk-client-mock-vitest/extend';
import {
  assertAllSucceeded,
  completePluginOutput,
  runCommand,
  SsmAbortedError,
  SsmApiError,
  SsmCommandFailedError,
  SsmDeadlineError,
  SsmInstanceNotRegisteredError,
  tagTargets,
} from '../src/index.js';
import { awsError, fleet, instanceIds, type Step } from './support/fleet.js';

const ONE = 'i-0123456789abcdef0';
const success = (stdout = ''): Step => ({ status: 'Success', rc: 0, stdout });

describe('runCommand: one instance', () => {
  it('sends AWS-RunShellScript with both timeouts, follows Pending → InProgress → Success, fetches output once', async () => {
    const steps: Array<Step | undefined> = [
      undefined,
      { status: 'Pending' },
      { status: 'InProgress' },
      { ...success('hello\n'), stderr: 'warn\n' },
    ];
    const { ssm, mock } = fleet((_, n) => steps[Math.min(n, steps.length) - 1]);
    const time = createVirtualTime();
    const { sink, events } = collectEvents();
    const result = await runCommand({
      ssm,
      instanceIds: [ONE],
      script: 'echo hello; echo warn >&2',
      workingDirectory: '/opt/pulsar',
      executionTimeoutSeconds: 120,
      deliveryTimeoutSeconds: 60,
      comment: 'say hello',
      maxConcurrency: '50%',
      maxErrors: 0,
      events: sink,
      ...time,
    });

    expect(mock).toHaveReceivedCommandTimes(SendCommandCommand, 1);
    const input = mock.commandCalls(SendCommandCommand)[0]!.args[0].input;
    expect(input).toMatchObject({
      DocumentName: 'AWS-RunShellScript',
      InstanceIds: [ONE],
      TimeoutSeconds: 60,
      Comment: 'say hello',
      MaxConcurrency: '50%',
      MaxErrors: '0',
      Parameters: { executionTimeout: ['120'], workingDirectory: ['/opt/pulsar'] },
    });
    expect(input.Parameters?.commands).toEqual(["bash -c 'echo hello; echo warn >&2' lab-ssm-runner"]);
    expect(mock).toHaveReceivedCommandWith(ListCommandInvocationsCommand, { Details: true });
    expect(mock).toHaveReceivedCommandTimes(ListCommandInvocationsCommand, 4);
    expect(mock).toHaveReceivedCommandTimes(GetCommandInvocationCommand, 1);

    expect(result.ok).toBe(true);
    expect(result.apiCalls).toEqual({ SendCommand: 1, ListCommandInvocations: 4, GetCommandInvocation: 1 });
    expect(result.results).toEqual([
      expect.objectContaining({
        instanceId: ONE,
        status: 'Success',
        outcome: 'success',
        responseCode: 0,
        stdout: 'hello\n',
        stderr: 'warn\n',
        stdoutTruncated: false,
        stderrTruncated: false,
        startedAt: new Date('2026-01-01T00:00:01Z'),
        endedAt: new Date('2026-01-01T00:00:03Z'),
        ok: true,
      }),
    ]);
    // The short default schedule, 250 ms ×1.5; the first look comes one delay after sending.
    expect(time.sleeps).toEqual([250, 375, 562.5, 843.75]);
    expect(events.map((event) => event.type)).toEqual([
      'ssm.command.sent',
      'ssm.invocation.status',
      'ssm.invocation.status',
      'ssm.invocation.status',
      'ssm.command.finished',
    ]);
    expect(events.every((event) => event.source === '@lab/ssm-runner')).toBe(true);
  });

  it('quotes every argv element', async () => {
    const { ssm, mock } = fleet(() => success());
    await runCommand({ ssm, instanceIds: [ONE], argv: ['touch', "a'; rm -rf * #"], ...createVirtualTime() });
    const commands = mock.commandCalls(SendCommandCommand)[0]!.args[0].input.Parameters?.commands ?? [];
    // Run what the agent would run, in an empty directory: exactly one file, with that name.
    const cwd = mkdtempSync(join(tmpdir(), 'argv-'));
    const run = spawnSync('sh', ['-c', commands.join('\n')], { cwd, encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(readdirSync(cwd)).toEqual(["a'; rm -rf * #"]);
  });

  it('skips GetCommandInvocation when nothing was printed, and with output: none', async () => {
    const quiet = fleet(() => success());
    const result = await runCommand({
      ssm: quiet.ssm,
      instanceIds: [ONE],
      script: 'true',
      ...createVirtualTime(),
    });
    expect(result.ok).toBe(true);
    expect(quiet.mock).toHaveReceivedCommandTimes(GetCommandInvocationCommand, 0);

    const loud = fleet(() => success('lots'));
    await runCommand({
      ssm: loud.ssm,
      instanceIds: [ONE],
      script: 'x',
      output: 'none',
      ...createVirtualTime(),
    });
    expect(loud.mock).toHaveReceivedCommandTimes(GetCommandInvocationCommand, 0);
  });

  it('takes output the list holds whole from the list, and asks GetCommandInvocation for the rest', async () => {
    const json = JSON.stringify({ role: 'broker', healthy: true });
    const small = fleet(() => success(json));
    const result = await runCommand({
      ssm: small.ssm,
      instanceIds: [ONE],
      script: 'probe',
      ...createVirtualTime(),
    });
    expect(result.results[0]!.stdout).toBe(json);
    expect(small.mock).toHaveReceivedCommandTimes(GetCommandInvocationCommand, 0);

    // Near the list's 2,500-character cut, or with stderr, only GetCommandInvocation has it all.
    const long = fleet(() => success('x'.repeat(2460)));
    await runCommand({ ssm: long.ssm, instanceIds: [ONE], script: 'x', ...createVirtualTime() });
    expect(long.mock).toHaveReceivedCommandTimes(GetCommandInvocationCommand, 1);
    const noisy = fleet(() => ({ ...success('out'), stderr: 'err' }));
    const both = await runCommand({
      ssm: noisy.ssm,
      instanceIds: [ONE],
      script: 'x',
      ...createVirtualTime(),
    });
    expect(noisy.mock).toHaveReceivedCommandTimes(GetCommandInvocationCommand, 1);
    expect(both.results[0]).toMatchObject({ stdout: 'out', stderr: 'err' });
  });

  it('completePluginOutput accepts only output that is provably whole', () => {
    expect(completePluginOutput('{"ok":true}\n')).toBe('{"ok":true}\n');
    expect(completePluginOutput('')).toBe('');
    expect(completePluginOutput(undefined)).toBeUndefined();
    expect(completePluginOutput('a\n----------ERROR-------\nb')).toBeUndefined();
    expect(completePluginOutput('y'.repeat(2499))).toBeUndefined();
  });

  it('marks output that reached SSM limits as truncated', async () => {
    const { ssm } = fleet(() => ({
      status: 'Success',
      rc: 0,
      stdout: 'x'.repeat(24_000),
      stderr: 'y'.repeat(8_000),
    }));
    const [result] = (
      await runCommand({ ssm, instanceIds: [ONE], script: 'cat big', ...createVirtualTime() })
    ).results;
    expect(result).toMatchObject({ stdoutTruncated: true, stderrTruncated: true });
    expect(result!.stdout).toHaveLength(24_000);
  });
});

describe('runCommand: every status', () => {
  const table: Array<[string, Step, string, boolean]> = [
    ['success', { status: 'Success', rc: 0 }, 'success', true],
    ['script exits 3', { status: 'Failed', rc: 3, stderr: 'line 1\nline 2\nboom\n' }, 'failed', false],
    [
      'execution timeout',
      { status: 'TimedOut', details: 'Execution Timed Out', rc: 124 },
      'execution-timed-out',
      false,
    ],
    [
      'delivery timeout',
      { status: 'TimedOut', details: 'Delivery Timed Out', rc: -1 },
      'delivery-timed-out',
      false,
    ],
    ['cancelled', { status: 'Cancelled', details: 'Cancelled', rc: -1 }, 'cancelled', false],
    ['undeliverable', { status: 'Failed', details: 'Undeliverable', rc: -1 }, 'undeliverable', false],
    ['terminated (MaxErrors)', { status: 'Failed', details: 'Terminated', rc: -1 }, 'terminated', false],
    ['never started', { status: 'Failed', details: 'Failed', rc: -1 }, 'not-started', false],
    ['timed out, no details', { status: 'TimedOut', details: '', rc: 1 }, 'execution-timed-out', false],
  ];
  const ids = instanceIds(table.length);

  it('waits through Pending, InProgress, Delayed and Cancelling, then maps each final status', async () => {
    const transitional = ['Pending', 'Delayed', 'InProgress', 'Cancelling'];
    const { ssm } = fleet((id, n) => {
      const index = ids.indexOf(id);
      return n <= transitional.length ? { status: transitional[n - 1]! } : table[index]![1];
    });
    const result = await runCommand({
      ssm,
      instanceIds: ids,
      script: 'work',
      executionTimeoutSeconds: 100,
      deliveryTimeoutSeconds: 30,
      ...createVirtualTime(),
    });
    expect(result.ok).toBe(false);
    result.results.forEach((instance, index) => {
      const [name, step, outcome, ok] = table[index]!;
      expect({ name, outcome: instance.outcome, ok: instance.ok, status: instance.status }).toEqual({
        name,
        outcome,
        ok,
        status: step.status,
      });
    });
    const messages = result.results.map((instance) => instance.message);
    expect(messages[1]).toBe('exited with code 3');
    expect(messages[2]).toContain('execution timeout (100 s)');
    expect(messages[3]).toContain('delivery timeout (30 s)');
    expect(messages[7]).toContain('response code -1');

    const error = (() => {
      try {
        assertAllSucceeded(result);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(SsmCommandFailedError);
    const failed = error as SsmCommandFailedError;
    expect(failed.code).toBe('SSM_COMMAND_FAILED');
    expect(failed.failed.map((instance) => instance.instanceId)).toEqual(ids.slice(1));
    expect(failed.message).toContain(`${ids[1]}: exited with code 3\n    | line 1\n    | line 2\n    | boom`);
  });

  it('assertAllSucceeded passes a clean run through', async () => {
    const { ssm } = fleet(() => success());
    const result = await runCommand({ ssm, instanceIds: [ONE], script: 'true', ...createVirtualTime() });
    expect(assertAllSucceeded(result)).toBe(result);
  });
});

describe('runCommand: fan-out', () => {
  it('sends 120 instances as 3 parallel SendCommands and lists each command once per round', async () => {
    const ids = instanceIds(120);
    const { ssm, mock } = fleet((_, n) => (n < 3 ? { status: 'InProgress' } : success()));
    const result = await runCommand({ ssm, instanceIds: ids, script: 'uptime', ...createVirtualTime() });
    const sent = mock.commandCalls(SendCommandCommand).map((call) => call.args[0].input.InstanceIds);
    expect(sent.map((batch) => batch?.length)).toEqual([50, 50, 20]);
    expect(sent.flat()).toEqual(ids);
    // 3 rounds × 3 commands; never a GetCommandInvocation per instance per round.
    expect(result.apiCalls).toEqual({ SendCommand: 3, ListCommandInvocations: 9 });
    expect(result.results.map((instance) => instance.instanceId)).toEqual(ids);
    expect(result.ok).toBe(true);
  });

  it('follows ListCommandInvocations pagination', async () => {
    const ids = instanceIds(50);
    const { ssm, mock } = fleet((_, n) => (n < 2 ? { status: 'InProgress' } : success()), { pageSize: 20 });
    const result = await runCommand({ ssm, instanceIds: ids, script: 'uptime', ...createVirtualTime() });
    expect(result.ok).toBe(true);
    expect(result.results).toHaveLength(50);
    const tokens = mock
      .commandCalls(ListCommandInvocationsCommand)
      .map((call) => call.args[0].input.NextToken);
    expect(tokens).toEqual([undefined, '20', '40', undefined, '20', '40']);
  });

  it('de-duplicates instance ids', async () => {
    const { ssm, mock } = fleet(() => success());
    const result = await runCommand({ ssm, instanceIds: [ONE, ONE], script: 'x', ...createVirtualTime() });
    expect(result.results).toHaveLength(1);
    expect(mock.commandCalls(SendCommandCommand)[0]!.args[0].input.InstanceIds).toEqual([ONE]);
  });
});

describe('runCommand: eventual consistency', () => {
  it('keeps waiting while the list is empty and GetCommandInvocation says InvocationDoesNotExist', async () => {
    // stderr output: the list's Output is not the whole story, so GetCommandInvocation is asked.
    const { ssm, mock } = fleet((_, n) => (n <= 3 ? undefined : { ...success('done'), stderr: 'note' }));
    mock.on(GetCommandInvocationCommand).rejectsOnce(awsError('InvocationDoesNotExist')).resolves({
      Status: 'Success',
      ResponseCode: 0,
      StandardOutputContent: 'done',
      StandardErrorContent: 'note',
    });
    const result = await runCommand({ ssm, instanceIds: [ONE], script: 'x', ...createVirtualTime() });
    expect(result.ok).toBe(true);
    expect(result.results[0]!.stdout).toBe('done');
    expect(result.apiCalls.GetCommandInvocation).toBe(2);
  });

  it('treats InvalidCommandId from a list right after sending as "not yet"', async () => {
    const { ssm, mock } = fleet(() => success());
    mock
      .on(ListCommandInvocationsCommand)
      .rejectsOnce(awsError('InvalidCommandId'))
      .callsFakeOnce(() => ({
        CommandInvocations: [
          { InstanceId: ONE, Status: 'Success', CommandPlugins: [{ ResponseCode: 0, Output: '' }] },
        ],
      }));
    const result = await runCommand({ ssm, instanceIds: [ONE], script: 'x', ...createVirtualTime() });
    expect(result.ok).toBe(true);
  });

  it('reports an instance SSM never lists once the command has finished and the window has passed', async () => {
    const [a, b] = instanceIds(2);
    const { ssm, mock } = fleet((id) => (id === a ? success() : undefined));
    const time = createVirtualTime();
    const result = await runCommand({
      ssm,
      instanceIds: [a!, b!],
      script: 'x',
      consistencyWindowMs: 5000,
      ...time,
    });
    expect(result.results.map((instance) => [instance.status, instance.outcome])).toEqual([
      ['Success', 'success'],
      ['Missing', 'missing'],
    ]);
    expect(mock).toHaveReceivedCommandTimes(ListCommandsCommand, 1);
    expect(result.elapsedMs).toBeGreaterThanOrEqual(5000);
  });
});

describe('runCommand: tag targets', () => {
  it('sends one command with Targets and waits for SSM to list every matched instance', async () => {
    const targets = ['i-0bbbbbbbbbbbbbbbb', 'i-0aaaaaaaaaaaaaaaa'];
    const { ssm, mock } = fleet(
      (id, n) => (n < 2 ? undefined : id === targets[0] && n < 3 ? { status: 'InProgress' } : success()),
      {
        targetInstances: targets,
        commandStatus: (_, n) => (n < 3 ? 'InProgress' : 'Success'),
      },
    );
    const result = await runCommand({
      ssm,
      targets: tagTargets({ Component: 'broker', ExperimentID: 'exp-1' }),
      script: 'x',
      ...createVirtualTime(),
    });
    expect(mock).toHaveReceivedCommandWith(SendCommandCommand, {
      Targets: [
        { Key: 'tag:Component', Values: ['broker'] },
        { Key: 'tag:ExperimentID', Values: ['exp-1'] },
      ],
    });
    expect(result.results.map((instance) => instance.instanceId)).toEqual([...targets].sort());
    expect(result.ok).toBe(true);
  });

  it('returns no results (and assertAllSucceeded complains) when the targets match nothing', async () => {
    const { ssm } = fleet(() => undefined, { targetInstances: [] });
    const result = await runCommand({
      ssm,
      targets: tagTargets({ Component: 'nothing' }),
      script: 'x',
      ...createVirtualTime(),
    });
    expect(result).toMatchObject({ ok: false, results: [] });
    expect(() => assertAllSucceeded(result)).toThrow(/no instance ran the command/);
  });
});

describe('runCommand: throttling and API errors', () => {
  it('retries throttled calls with backoff and never drops them', async () => {
    const { ssm, mock } = fleet((_, n) => (n < 2 ? { status: 'InProgress' } : success('ok')));
    mock
      .on(SendCommandCommand)
      .rejectsOnce(awsError('ThrottlingException'))
      .rejectsOnce(awsError('ThrottlingException'))
      .resolves({ Command: { CommandId: '11111111-1111-1111-1111-111111111111' } });
    mock
      .on(ListCommandInvocationsCommand)
      .rejectsOnce(awsError('ThrottlingException'))
      .callsFake(() => ({
        CommandInvocations: [
          {
            InstanceId: ONE,
            Status: 'Success',
            CommandPlugins: [{ ResponseCode: 0, Output: 'ok\n----------ERROR-------\nwarn' }],
          },
        ],
      }));
    mock.on(GetCommandInvocationCommand).rejectsOnce(awsError('ServiceUnavailable', 503)).resolves({
      Status: 'Success',
      ResponseCode: 0,
      StandardOutputContent: 'ok',
      StandardErrorContent: 'warn',
    });
    const { sink, events } = collectEvents();
    const result = await runCommand({
      ssm,
      instanceIds: [ONE],
      script: 'x',
      events: sink,
      random: () => 0.5,
      ...createVirtualTime(),
    });
    expect(result.ok).toBe(true);
    expect(result.apiCalls).toEqual({ SendCommand: 3, ListCommandInvocations: 2, GetCommandInvocation: 2 });
    expect(events.filter((event) => event.type === 'ssm.api.retry')).toHaveLength(4);
  });

  it('keeps polling when throttling outlasts one call’s retries', async () => {
    const { ssm, mock } = fleet(() => success());
    let calls = 0;
    mock.on(ListCommandInvocationsCommand).callsFake(() => {
      calls += 1;
      if (calls <= 9) throw awsError('ThrottlingException');
      return {
        CommandInvocations: [
          { InstanceId: ONE, Status: 'Success', CommandPlugins: [{ ResponseCode: 0, Output: '' }] },
        ],
      };
    });
    const result = await runCommand({
      ssm,
      instanceIds: [ONE],
      script: 'x',
      timeoutMs: 600_000,
      ...createVirtualTime(),
    });
    expect(result.ok).toBe(true);
    expect(calls).toBe(10);
  });

  it('does not retry a SendCommand that failed with a 5xx (it may have run) and says what was sent', async () => {
    const { ssm, mock } = fleet(() => success());
    mock.on(SendCommandCommand).rejects(awsError('InternalServerError', 500));
    const error = await runCommand({
      ssm,
      instanceIds: [ONE],
      script: 'x',
      description: 'start bookie',
      ...createVirtualTime(),
    }).catch((caught: unknown) => caught);
    expect(mock).toHaveReceivedCommandTimes(SendCommandCommand, 1);
    expect(error).toBeInstanceOf(SsmApiError);
    expect((error as SsmApiError).message).toContain('start bookie');
    expect((error as SsmApiError).awsCode).toBe('InternalServerError');
  });

  it('turns InvalidInstanceId into a typed error, cancelling batches that were accepted', async () => {
    const ids = instanceIds(60);
    const { ssm, mock } = fleet(() => ({ status: 'InProgress' }));
    mock
      .on(SendCommandCommand)
      .resolvesOnce({ Command: { CommandId: '11111111-1111-1111-1111-111111111111' } })
      .rejectsOnce(awsError('InvalidInstanceId'));
    const error = await runCommand({ ssm, instanceIds: ids, script: 'x', ...createVirtualTime() }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(SsmInstanceNotRegisteredError);
    const typed = error as SsmInstanceNotRegisteredError;
    expect(typed.code).toBe('SSM_INSTANCE_NOT_REGISTERED');
    expect(typed.hint).toContain('PingStatus=Online');
    expect(typed.instanceIds).toEqual(ids.slice(50));
    expect(mock).toHaveReceivedCommandWith(CancelCommandCommand, {
      CommandId: '11111111-1111-1111-1111-111111111111',
    });
  });

  it('fails with context on a permanent API error while polling, and cancels the command', async () => {
    const { ssm, mock } = fleet(() => ({ status: 'InProgress' }));
    mock.on(ListCommandInvocationsCommand).rejects(awsError('AccessDeniedException'));
    const error = await runCommand({ ssm, instanceIds: [ONE], script: 'x', ...createVirtualTime() }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(SsmApiError);
    expect((error as SsmApiError).hint).toContain('ssm:ListCommandInvocations');
    expect(mock).toHaveReceivedCommandTimes(CancelCommandCommand, 1);
  });
});

describe('runCommand: deadline and abort', () => {
  it('cancels at the deadline and lists the instances still running', async () => {
    const [done, stuck] = instanceIds(2);
    const { ssm, mock } = fleet((id) => (id === done ? success() : { status: 'InProgress' }));
    const time = createVirtualTime();
    const start = time.clock.now();
    const error = await runCommand({
      ssm,
      instanceIds: [done!, stuck!],
      script: 'sleep 999',
      timeoutMs: 10_000,
      ...time,
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SsmDeadlineError);
    const typed = error as SsmDeadlineError;
    expect(typed.code).toBe('SSM_DEADLINE_EXCEEDED');
    expect(typed.running).toEqual([stuck]);
    expect(typed.cancelled).toBe(true);
    expect(typed.message).toContain(stuck!);
    expect(typed.results.find((result) => result.instanceId === done)?.outcome).toBe('success');
    expect(typed.results.find((result) => result.instanceId === stuck)?.outcome).toBe('unfinished');
    expect(mock).toHaveReceivedCommandWith(CancelCommandCommand, { CommandId: typed.commandIds[0] });
    expect(time.clock.now() - start).toBe(10_000);
    expect(time.sleeps.slice(0, 3)).toEqual([250, 375, 562.5]);
    expect(Math.max(...time.sleeps)).toBeLessThanOrEqual(3000);
  });

  it('says so, with the command to run by hand, when CancelCommand fails', async () => {
    const { ssm, mock } = fleet(() => ({ status: 'InProgress' }));
    mock.on(CancelCommandCommand).rejects(awsError('AccessDeniedException'));
    const error = (await runCommand({
      ssm,
      instanceIds: [ONE],
      script: 'x',
      timeoutMs: 2000,
      ...createVirtualTime(),
    }).catch((caught: unknown) => caught)) as SsmDeadlineError;
    expect(error.cancelled).toBe(false);
    expect(error.message).toContain('CancelCommand FAILED');
    expect(error.hint).toContain('aws ssm cancel-command --command-id');
  });

  it('cancels on abort and rejects with an ABORTED error', async () => {
    const controller = new AbortController();
    const { ssm, mock } = fleet((_, n) => {
      if (n === 2) controller.abort();
      return { status: 'InProgress' };
    });
    const error = await runCommand({
      ssm,
      instanceIds: [ONE],
      script: 'x',
      signal: controller.signal,
      ...createVirtualTime(),
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SsmAbortedError);
    expect(error).toBeInstanceOf(AbortedError);
    expect((error as SsmAbortedError).code).toBe('ABORTED');
    expect((error as SsmAbortedError).running).toEqual([ONE]);
    expect(mock).toHaveReceivedCommandTimes(CancelCommandCommand, 1);
  });

  it('makes no call at all when already aborted', async () => {
    const { ssm, mock } = fleet(() => success());
    const controller = new AbortController();
    controller.abort();
    await expect(
      runCommand({ ssm, instanceIds: [ONE], script: 'x', signal: controller.signal }),
    ).rejects.toBeInstanceOf(AbortedError);
    expect(mock.calls()).toHaveLength(0);
  });
});

describe('runCommand: validation before any call', () => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['no target', { script: 'x' }, 'instanceIds'],
    [
      'both targets',
      { instanceIds: [ONE], targets: [{ Key: 'tag:A', Values: ['b'] }], script: 'x' },
      'instanceIds',
    ],
    ['bad instance id', { instanceIds: ['web-1'], script: 'x' }, 'instanceIds.0'],
    ['script and argv', { instanceIds: [ONE], script: 'x', argv: ['y'] }, 'script'],
    ['empty argv', { instanceIds: [ONE], argv: [] }, 'argv'],
    [
      'execution timeout',
      { instanceIds: [ONE], script: 'x', executionTimeoutSeconds: 172_801 },
      'executionTimeoutSeconds',
    ],
    [
      'delivery timeout',
      { instanceIds: [ONE], script: 'x', deliveryTimeoutSeconds: 5 },
      'deliveryTimeoutSeconds',
    ],
    ['long comment', { instanceIds: [ONE], script: 'x', comment: 'c'.repeat(101) }, 'comment'],
    ['concurrency', { instanceIds: [ONE], script: 'x', maxConcurrency: '0' }, 'maxConcurrency'],
    ['errors', { instanceIds: [ONE], script: 'x', maxErrors: 'ten' }, 'maxErrors'],
    ['huge script', { instanceIds: [ONE], script: 'x'.repeat(60_000) }, 'script'],
    ['NUL in argv', { instanceIds: [ONE], argv: ['a\0b'] }, 'argv'],
  ];
  it.each(cases)('%s', async (_, options, path) => {
    const { ssm, mock } = fleet(() => success());
    const error = await runCommand({ ssm, ...options } as Parameters<typeof runCommand>[0]).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((issue) => issue.path)).toContain(path);
    expect(mock.calls()).toHaveLength(0);
  });
});
