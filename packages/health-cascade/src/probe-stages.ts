import { type BackoffSchedule, isTransientAwsError } from '@lab/backoff';
import { awsErrorCode, type Component, isLabError } from '@lab/core';
import { type ProbeReport, parseProbeOutput } from './probe-output.js';
import type { Observation, Stage, Target } from './types.js';

/** A node the probe runs on: an EC2 instance, or a node of the local target. */
export interface ProbeTarget extends Target {
  /** What the node is for; the stages check that the probe reports the same role. */
  role?: Component;
}

/** One round's request to the command runner: one script for many instances. */
export interface RunCommandRequest {
  instanceIds: string[];
  script: string;
  /** Bound of the whole command (delivery, execution, collecting output). */
  timeoutMs: number;
  signal?: AbortSignal;
}

/** What the runner reports per instance; `@lab/ssm-runner`'s `InstanceResult` has these fields. */
export interface CommandResult {
  instanceId: string;
  /** True when the command ran and exited 0. */
  ok: boolean;
  /** SSM's invocation status: Success, Failed, TimedOut, Cancelled, Undeliverable, … */
  status: string;
  stdout: string;
  stderr: string;
  statusDetails?: string;
  /** The script's exit code; −1 when it never started. */
  responseCode?: number;
}

/**
 * Runs one script on many instances and reports every instance's result. A small local
 * interface rather than an import, so this package does not depend on the runner: wrap
 * `@lab/ssm-runner`'s `runCommand` with `bindRunCommand`, or pass any function of this shape.
 */
export type RunCommand = (request: RunCommandRequest) => Promise<readonly CommandResult[]>;

/**
 * Adapts a runner that takes its client (and other fixed options) in the same options object
 * and returns `{ results }` — `@lab/ssm-runner`'s `runCommand` — to `RunCommand`:
 * `bindRunCommand(runCommand, { ssm, events })`.
 */
export function bindRunCommand<Base extends object>(
  run: (options: NoInfer<Base> & RunCommandRequest) => Promise<{ results: readonly CommandResult[] }>,
  base: Base,
): RunCommand {
  return async (request) => (await run({ ...base, ...request })).results;
}

/**
 * Default schedule of stages 3–4: 0.5 s, ×1.5, capped at 1 s. A round already takes a second
 * or more (SendCommand, execution, collecting results), so the pause between rounds stays short
 * to notice readiness within about two seconds.
 */
export const PROBE_SCHEDULE: Required<BackoffSchedule> = {
  initialDelayMs: 500,
  factor: 1.5,
  maxDelayMs: 1000,
  jitter: 0,
};

/**
 * The poll schedule to give the SSM runner for probe commands (`bindRunCommand(runCommand, {
 * ssm, poll: PROBE_COMMAND_POLL })`): the probe answers within about a second when healthy, so
 * the runner's first look one second after SendCommand usually finds every result — one
 * SendCommand and one ListCommandInvocations per round.
 */
export const PROBE_COMMAND_POLL: Required<BackoffSchedule> = {
  initialDelayMs: 1000,
  factor: 1.5,
  maxDelayMs: 2000,
  jitter: 0,
};

/** Where the AMI installs the probe. */
export const DEFAULT_PROBE_PATH = '/opt/lab/bin/lab-health-probe';

export interface ProbeStageOptions {
  runCommand: RunCommand;
  /** Overrides the stage's name (and its progress label). */
  name?: string;
  /** How long the stage may take. */
  timeoutMs?: number;
  /** Polling schedule; default PROBE_SCHEDULE. */
  schedule?: BackoffSchedule;
  /** Bound of one round's command. Default 60 s (the probe itself needs at most ~16 s). */
  commandTimeoutMs?: number;
  /** Default `/opt/lab/bin/lab-health-probe`. */
  probePath?: string;
  /** Servers in the ZooKeeper ensemble; > 1 makes a standalone ZooKeeper unhealthy. */
  zookeeperEnsembleSize?: number;
  /** Further probe flags, e.g. `['--timeout', '5']`. */
  probeArgs?: readonly string[];
}

/**
 * Stage 3: every instance's systemd unit for its role is active. One command per round runs
 * `lab-health-probe --check services` on all targets (the runner sends it in batches of ≤ 50
 * instances); each instance's probe finds its role in `/etc/lab/cluster.json`.
 */
export function servicesActiveStage(options: ProbeStageOptions): Stage<ProbeTarget> {
  return probeStage('services', options, {
    name: 'services active',
    hint: 'On the instance (aws ssm start-session): systemctl status <unit>, journalctl -u <unit>, and /var/log/lab/bootstrap.log.',
  });
}

/**
 * Stage 4: every instance's endpoints are healthy — ZooKeeper `ruok`/`mntr` with a leader,
 * bookie writable, broker `/admin/v2/brokers/ready` and `/health`, OMB worker counters — in
 * one command per round, like stage 3.
 */
export function endpointsHealthyStage(options: ProbeStageOptions): Stage<ProbeTarget> {
  return probeStage('endpoints', options, {
    name: 'endpoints healthy',
    hint: 'The listed check names the endpoint; on the instance see the service log under /opt/pulsar/logs (or /opt/omb) and journalctl.',
  });
}

function probeStage(
  check: 'services' | 'endpoints',
  options: ProbeStageOptions,
  defaults: { name: string; hint: string },
): Stage<ProbeTarget> {
  const script = probeScript(check, options);
  const probePath = options.probePath ?? DEFAULT_PROBE_PATH;
  return {
    name: options.name ?? defaults.name,
    timeoutMs: options.timeoutMs ?? 10 * 60_000,
    schedule: options.schedule ?? PROBE_SCHEDULE,
    isTransientError: isTransientRunnerError,
    hint: defaults.hint,
    async observe(targets, context) {
      const results = await options.runCommand({
        instanceIds: targets.map((target) => target.id),
        script,
        timeoutMs: Math.max(1000, Math.min(options.commandTimeoutMs ?? 60_000, context.remainingMs)),
        ...(context.signal === undefined ? {} : { signal: context.signal }),
      });
      const byId = new Map(results.map((result) => [result.instanceId, result]));
      return new Map(
        targets.map((target): [string, Observation] => [
          target.id,
          observeResult(target, byId.get(target.id), probePath),
        ]),
      );
    },
  };
}

/** The one script every instance runs in a round. */
export function probeScript(check: 'services' | 'endpoints' | 'all', options: ProbeStageOptions): string {
  const args = [
    options.probePath ?? DEFAULT_PROBE_PATH,
    '--check',
    check,
    ...(options.zookeeperEnsembleSize === undefined
      ? []
      : ['--zk-ensemble-size', String(options.zookeeperEnsembleSize)]),
    ...(options.probeArgs ?? []),
  ];
  return `exec ${args.map(shellQuote).join(' ')}`;
}

function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=,@%+-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * AWS throttling/5xx/network errors, `InvalidInstanceId` (an agent that just registered can
 * briefly be unknown to SendCommand — also when a runner wraps it, as `@lab/ssm-runner`'s
 * `SSM_INSTANCE_NOT_REGISTERED` does, keeping it as the cause) and runner time-outs (a
 * `LabError` code ending in `TIMEOUT` or `DEADLINE_EXCEEDED`, like the runner's
 * `SSM_DEADLINE_EXCEEDED`) make a round "not ready yet"; anything else fails the stage.
 */
export function isTransientRunnerError(error: unknown): boolean {
  if (isTransientAwsError(error)) return true;
  if (isLabError(error) && /(TIMEOUT|DEADLINE_EXCEEDED)$/.test(error.code)) return true;
  // Follow the cause chain (bounded): the AWS code may sit under the runner's own error.
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth += 1) {
    if (awsErrorCode(current) === 'InvalidInstanceId') return true;
    if (isLabError(current) && current.code === 'SSM_INSTANCE_NOT_REGISTERED') return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

function observeResult(
  target: ProbeTarget,
  result: CommandResult | undefined,
  probePath: string,
): Observation {
  if (result === undefined) {
    return { ready: false, detail: 'the command reported no result for this instance' };
  }
  const command = {
    status: result.status,
    ...(result.statusDetails === undefined ? {} : { statusDetails: result.statusDetails }),
    ...(result.responseCode === undefined ? {} : { responseCode: result.responseCode }),
  };
  const parsed = parseProbeOutput(result.stdout);
  if (parsed.problem !== undefined) {
    const stderr = firstLine(result.stderr);
    const missing =
      result.responseCode === 127 || /No such file or directory|command not found/.test(result.stderr);
    if (missing && result.stdout.trim() === '') {
      return {
        ready: false,
        terminal: true,
        detail: `the probe is missing on the instance (${probePath}: ${stderr || 'exit 127'}): was the AMI built with it?`,
        data: { command },
      };
    }
    const status = [
      result.status,
      result.statusDetails === result.status ? undefined : result.statusDetails,
      result.responseCode === undefined ? undefined : `exit ${result.responseCode}`,
    ]
      .filter((part) => part !== undefined && part !== '')
      .join(', ');
    return {
      ready: false,
      detail: `unreadable probe output: ${parsed.problem} (command ${status}${stderr === '' ? '' : `; stderr: ${stderr}`})`,
      data: { command },
    };
  }
  return observeReport(target, parsed.report, command);
}

function observeReport(
  target: ProbeTarget,
  report: ProbeReport,
  command: Record<string, unknown>,
): Observation {
  const data = { command, probe: report as unknown as Record<string, unknown> };
  if (report.error !== undefined) {
    return { ready: false, detail: `the probe could not run: ${report.error}`, data };
  }
  if (target.role !== undefined && report.role !== null && report.role !== target.role) {
    return {
      ready: false,
      terminal: true,
      detail: `the instance reports role "${report.role}" but is tagged "${target.role}": check its /etc/lab/cluster.json`,
      data,
    };
  }
  if (report.ok) {
    const summary = report.checks.map((check) => `${check.name}: ${check.detail}`).join('; ');
    return { ready: true, detail: summary === '' ? 'ok' : summary, data };
  }
  const failing = report.checks.filter((check) => !check.ok);
  return {
    ready: false,
    detail:
      failing.length === 0
        ? 'the probe reported not ok without a failing check'
        : failing.map((check) => `${check.name}: ${check.detail}`).join('; '),
    data,
  };
}

function firstLine(text: string): string {
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
