import { collectEvents, createVirtualTime, LabError } from '@lab/core';
import { describe, expect, it } from 'vitest';
import type { InstanceTarget } from '../src/aws.js';
import {
  bindRunCommand,
  type CascadeStageError,
  type CommandResult,
  endpointsHealthyStage,
  parseProbeOutput,
  probeScript,
  type RunCommand,
  type RunCommandRequest,
  runCascade,
  servicesActiveStage,
} from '../src/index.js';

const targets: InstanceTarget[] = [
  { id: 'i-zk1', role: 'zookeeper', label: 'zookeeper-1' },
  { id: 'i-bk1', role: 'bookkeeper', label: 'bookkeeper-1' },
  { id: 'i-br1', role: 'broker', label: 'broker-1' },
];

function probeJson(role: string, ok: boolean, checks: Array<[string, boolean, string]>): string {
  return `${JSON.stringify({
    probe: 'lab-health-probe',
    version: 1,
    role,
    check: 'services',
    ok,
    elapsedMs: 12,
    checks: checks.map(([name, checkOk, detail]) => ({ name, kind: 'service', ok: checkOk, detail })),
  })}\n`;
}

const success = (instanceId: string, stdout: string): CommandResult => ({
  instanceId,
  ok: true,
  status: 'Success',
  stdout,
  stderr: '',
  responseCode: 0,
});

/** A runner that answers each round from `rounds` (the last one repeats) and records requests. */
function scriptedRunner(
  rounds: Array<(id: string) => CommandResult>,
): RunCommand & { requests: RunCommandRequest[] } {
  const requests: RunCommandRequest[] = [];
  const run = async (request: RunCommandRequest) => {
    requests.push(request);
    const answer = rounds[Math.min(requests.length - 1, rounds.length - 1)]!;
    return request.instanceIds.map(answer);
  };
  return Object.assign(run, { requests });
}

const roleOf = (id: string) => targets.find((target) => target.id === id)!.role!;
const healthy = (id: string) => success(id, probeJson(roleOf(id), true, [['unit', true, 'active']]));

describe('servicesActiveStage / endpointsHealthyStage', () => {
  it('sends one command per round for all targets and passes when every probe says ok', async () => {
    const runner = scriptedRunner([
      (id) =>
        id === 'i-br1'
          ? {
              ...success(id, probeJson('broker', false, [['pulsar-broker.service', false, 'activating']])),
              ok: false,
              status: 'Failed',
              responseCode: 1,
            }
          : healthy(id),
      healthy,
    ]);
    const { sink, events } = collectEvents();
    const report = await runCascade({
      stages: [servicesActiveStage({ runCommand: runner, zookeeperEnsembleSize: 3 })],
      targets,
      events: sink,
      ...createVirtualTime(),
    });
    expect(report.stages[0]).toMatchObject({ name: 'services active', attempts: 2 });
    expect(runner.requests).toHaveLength(2);
    expect(runner.requests[0]!.instanceIds).toEqual(['i-zk1', 'i-bk1', 'i-br1']);
    expect(runner.requests[0]!.script).toBe(
      'exec /opt/lab/bin/lab-health-probe --check services --zk-ensemble-size 3',
    );
    expect(runner.requests[0]!.timeoutMs).toBe(60_000);
    const brokerFirst = events.find(
      (event) => event.type === 'cascade.stage.target' && event.data?.target === 'i-br1',
    );
    expect(brokerFirst?.data?.detail).toBe('pulsar-broker.service: activating');
  });

  it('runs the endpoints check with its own script', async () => {
    const runner = scriptedRunner([healthy]);
    await runCascade({
      stages: [
        endpointsHealthyStage({
          runCommand: runner,
          probeArgs: ['--timeout', '5'],
          probePath: '/opt/my lab/probe',
        }),
      ],
      targets,
      ...createVirtualTime(),
    });
    expect(runner.requests[0]!.script).toBe("exec '/opt/my lab/probe' --check endpoints --timeout 5");
  });

  it('treats malformed JSON, missing results and failed commands as not ready, with a clear detail', async () => {
    const runner = scriptedRunner([
      (id) => {
        if (id === 'i-zk1') return success(id, '{"probe": "lab-health-probe", "ok": tru');
        if (id === 'i-bk1') {
          return {
            instanceId: id,
            ok: false,
            status: 'TimedOut',
            statusDetails: 'Execution Timed Out',
            stdout: '',
            stderr: '',
            responseCode: -1,
          };
        }
        return success('i-other', '');
      },
    ]);
    const error = (await runCascade({
      stages: [endpointsHealthyStage({ runCommand: runner, timeoutMs: 3000 })],
      targets,
      ...createVirtualTime(),
    }).catch((caught: unknown) => caught)) as CascadeStageError;
    expect(error.reason).toBe('timeout');
    const details = Object.fromEntries(
      error.notReady.map((entry) => [entry.target.id, entry.observation.detail]),
    );
    expect(details['i-zk1']).toMatch(
      /^unreadable probe output: not JSON \(.+\): '\{"probe": "lab-health-probe", "ok": tru' \(command Success, exit 0\)$/,
    );
    expect(details['i-bk1']).toBe(
      'unreadable probe output: the probe printed nothing (command TimedOut, Execution Timed Out, exit -1)',
    );
    expect(details['i-br1']).toBe('the command reported no result for this instance');
    expect(error.message).toContain('endpoints healthy');
  });

  it('fails fast when the probe is missing on the instance', async () => {
    const runner = scriptedRunner([
      (id) => ({
        instanceId: id,
        ok: false,
        status: 'Failed',
        stdout: '',
        stderr: 'line 1: /opt/lab/bin/lab-health-probe: No such file or directory',
        responseCode: 127,
      }),
    ]);
    const error = (await runCascade({
      stages: [servicesActiveStage({ runCommand: runner })],
      targets,
      ...createVirtualTime(),
    }).catch((caught: unknown) => caught)) as CascadeStageError;
    expect(error.reason).toBe('terminal');
    expect(error.notReady[0]!.observation.detail).toMatch(
      /the probe is missing on the instance .*was the AMI built with it\?/,
    );
  });

  it('fails fast when an instance reports a different role than its tag', async () => {
    const runner = scriptedRunner([
      (id) => success(id, probeJson('client', true, [['omb-worker.service', true, 'active']])),
    ]);
    const error = (await runCascade({
      stages: [servicesActiveStage({ runCommand: runner })],
      targets: [targets[0]!],
      ...createVirtualTime(),
    }).catch((caught: unknown) => caught)) as CascadeStageError;
    expect(error.reason).toBe('terminal');
    expect(error.notReady[0]!.observation.detail).toBe(
      'the instance reports role "client" but is tagged "zookeeper": check its /etc/lab/cluster.json',
    );
  });

  it('reports a probe that could not run (its error field) as not ready', async () => {
    const runner = scriptedRunner([
      (id) =>
        success(
          id,
          JSON.stringify({
            probe: 'lab-health-probe',
            role: null,
            check: 'services',
            ok: false,
            checks: [],
            error: 'no --role given and /etc/lab/cluster.json is not readable',
          }),
        ),
    ]);
    const error = (await runCascade({
      stages: [servicesActiveStage({ runCommand: runner, timeoutMs: 2000 })],
      targets: [targets[0]!],
      ...createVirtualTime(),
    }).catch((caught: unknown) => caught)) as CascadeStageError;
    expect(error.notReady[0]!.observation.detail).toBe(
      'the probe could not run: no --role given and /etc/lab/cluster.json is not readable',
    );
  });

  it('retries a round after throttling or a runner time-out, and fails on other runner errors', async () => {
    let calls = 0;
    const flaky: RunCommand = async (request) => {
      calls += 1;
      if (calls === 1) throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
      if (calls === 2) throw new LabError('SSM_COMMAND_TIMEOUT', 'command did not finish');
      return request.instanceIds.map(healthy);
    };
    await runCascade({
      stages: [servicesActiveStage({ runCommand: flaky })],
      targets,
      ...createVirtualTime(),
    });
    expect(calls).toBe(3);

    const broken: RunCommand = async () => {
      throw Object.assign(new Error('User is not authorized to perform ssm:SendCommand'), {
        name: 'AccessDeniedException',
      });
    };
    const error = (await runCascade({
      stages: [servicesActiveStage({ runCommand: broken })],
      targets,
      ...createVirtualTime(),
    }).catch((caught: unknown) => caught)) as CascadeStageError;
    expect(error.reason).toBe('error');
    expect(error.message).toContain('not authorized to perform ssm:SendCommand');
  });

  it('bounds each command by the time the stage has left', async () => {
    const runner = scriptedRunner([(id) => success(id, 'garbage')]);
    const time = createVirtualTime();
    await runCascade({
      stages: [servicesActiveStage({ runCommand: runner, timeoutMs: 20_000, commandTimeoutMs: 15_000 })],
      targets: [targets[0]!],
      ...time,
    }).catch(() => undefined);
    const timeouts = runner.requests.map((request) => request.timeoutMs);
    expect(timeouts[0]).toBe(15_000);
    expect(timeouts.at(-1)).toBe(1000);
  });
});

describe('bindRunCommand', () => {
  it('adapts a runner shaped like @lab/ssm-runner (options with the client in, { results } out)', async () => {
    interface RealOptions {
      ssm: { send(): void };
      instanceIds: string[];
      script: string;
      executionTimeoutSeconds?: number;
      timeoutMs?: number;
      deadline?: number;
      signal?: AbortSignal;
    }
    interface RealResult extends CommandResult {
      statusDetails: string;
      responseCode: number;
      stdoutTruncated: boolean;
      stderrTruncated: boolean;
    }
    const seen: RealOptions[] = [];
    const realRunCommand = async (
      options: RealOptions,
    ): Promise<{ commandIds: string[]; results: RealResult[] }> => {
      seen.push(options);
      return {
        commandIds: ['c-1'],
        results: options.instanceIds.map((instanceId) => ({
          ...healthy(instanceId),
          statusDetails: 'Success',
          responseCode: 0,
          stdoutTruncated: false,
          stderrTruncated: false,
        })),
      };
    };
    const ssm = { send() {} };
    const runCommand = bindRunCommand(realRunCommand, { ssm });
    const results = await runCommand({ instanceIds: ['i-zk1'], script: 'exec true', timeoutMs: 5000 });
    expect(results.map((result) => result.instanceId)).toEqual(['i-zk1']);
    expect(seen[0]).toEqual({ ssm, instanceIds: ['i-zk1'], script: 'exec true', timeoutMs: 5000 });
  });
});

describe('parseProbeOutput', () => {
  it('reads the document, also when something was printed before it', () => {
    const document = probeJson('broker', true, [['pulsar-broker.service', true, 'active']]);
    expect(parseProbeOutput(document).problem).toBeUndefined();
    expect(parseProbeOutput(`warning: something\n${document}`)).toMatchObject({
      report: { role: 'broker', ok: true },
    });
  });

  it.each([
    ['', 'the probe printed nothing'],
    ['[1, 2]', 'not a JSON object'],
    ['{"checks": []}', 'no boolean "ok" field'],
    ['{"ok": true}', 'no "checks" list'],
    ['{"ok": true, "checks": [{"ok": true}]}', 'a check without a name'],
  ])('says what is wrong with %j', (stdout, problem) => {
    expect(parseProbeOutput(stdout).problem).toContain(problem);
  });

  it('quotes only what needs quoting in the script', () => {
    expect(probeScript('all', { runCommand: async () => [], probeArgs: ["it's"] })).toBe(
      `exec /opt/lab/bin/lab-health-probe --check all 'it'\\''s'`,
    );
  });
});
