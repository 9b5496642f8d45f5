import type { CommandInvocation, SendCommandCommandInput, SSMClient } from '@aws-sdk/client-ssm';
import { isTransientAwsError, PollTimeoutError, pollUntil } from '@lab/backoff';
import {
  AbortedError,
  abortReason,
  awsErrorCode,
  type Clock,
  createEmitter,
  type EventSink,
  isLabError,
  realSleep,
  type Sleep,
  systemClock,
  ValidationError,
  type ValidationIssue,
} from '@lab/core';
import {
  cancelCommand,
  describeCommand,
  getInvocation,
  isNotYetVisible,
  listInvocations,
  type SsmCallContext,
  sendCommand,
} from './api.js';
import {
  SsmAbortedError,
  SsmApiError,
  SsmCommandFailedError,
  SsmDeadlineError,
  SsmInstanceNotRegisteredError,
  type StoppedCommandState,
} from './errors.js';
import { agentCommands, commandsSize, shellJoin } from './quote.js';
import { describeOutcome, invocationOutcome, isFinalCommandStatus, isFinalStatus } from './status.js';
import {
  DEFAULT_MAX_SCRIPT_BYTES,
  type InstanceResult,
  type InvocationStatus,
  SSM_MAX_INSTANCE_IDS,
  SSM_STDERR_LIMIT,
  SSM_STDOUT_LIMIT,
} from './types.js';

/** How often to look at progress: `initialDelayMs × factor^n`, capped at `maxDelayMs`. */
export interface PollSchedule {
  initialDelayMs?: number;
  factor?: number;
  maxDelayMs?: number;
  /** Fraction (0–1) of each delay taken off at random. */
  jitter?: number;
}

/** Short, because most commands finish in seconds: 250 ms, ×1.5, capped at 3 s. */
export const DEFAULT_POLL_SCHEDULE: Required<PollSchedule> = {
  initialDelayMs: 250,
  factor: 1.5,
  maxDelayMs: 3000,
  jitter: 0,
};

/** SSM's tag/resource targets, e.g. `{ Key: 'tag:Component', Values: ['broker'] }`. */
export interface CommandTarget {
  Key: string;
  Values: string[];
}

/** Options shared by `runCommand`, `fetchFile` and `putFile`. */
export interface SsmCallOptions {
  /** The SSM client to use; this library never creates one. */
  ssm: SSMClient;
  /** Give up (cancel, then reject) this many milliseconds after the call starts. */
  timeoutMs?: number;
  /** Give up at this absolute time (clock milliseconds). The earlier of the two wins. */
  deadline?: number;
  /** Aborting cancels the command on the instances, then rejects with SsmAbortedError. */
  signal?: AbortSignal;
  /** Receives `ssm.*` progress events. */
  events?: EventSink;
  clock?: Clock;
  sleep?: Sleep;
  random?: () => number;
  /** Progress polling schedule; default DEFAULT_POLL_SCHEDULE. */
  poll?: PollSchedule;
  /** Execution timeout on the instance (document parameter `executionTimeout`). Default 3600 s, max 172800 s. */
  executionTimeoutSeconds?: number;
  /** Delivery timeout (SendCommand `TimeoutSeconds`): how long SSM tries to reach the agent. Default 600 s. */
  deliveryTimeoutSeconds?: number;
  /** Shown in the SSM console and command history (at most 100 characters). */
  comment?: string;
  /**
   * How long an instance may stay unlisted after SendCommand before the runner asks SSM whether
   * the command has finished without it. Default 30 s.
   */
  consistencyWindowMs?: number;
}

export interface RunCommandOptions extends SsmCallOptions {
  /** Instances to run on; sent in batches of 50 (SendCommand's limit), in parallel. */
  instanceIds?: readonly string[];
  /** Or tag targets (`tag:Key`), resolved by SSM; one SendCommand. */
  targets?: readonly CommandTarget[];
  /** A bash script. */
  script?: string;
  /** Or a command as an argument vector; every element is quoted. */
  argv?: readonly string[];
  /** Directory the script starts in (document parameter `workingDirectory`). */
  workingDirectory?: string;
  /** SendCommand `MaxConcurrency` (e.g. 10 or `'25%'`); applies to each batch of 50. */
  maxConcurrency?: number | string;
  /** SendCommand `MaxErrors` (e.g. 0 or `'10%'`); applies to each batch of 50. */
  maxErrors?: number | string;
  /**
   * `full` (default): every instance's stdout and stderr, up to 24,000/8,000 characters. Output
   * that ListCommandInvocations already holds whole (under its 2,500-character cut, nothing on
   * stderr) costs no further call; anything else one GetCommandInvocation per instance.
   * `none`: statuses and exit codes only.
   */
  output?: 'full' | 'none';
  /** GetCommandInvocation calls in flight at once. Default 8. */
  outputConcurrency?: number;
  /** Refuse scripts larger than this many bytes. Default 48 KiB (SSM: document + parameters ≤ 64 KB). */
  maxScriptBytes?: number;
  /** What the command does, for messages and events ("start bookies"). */
  description?: string;
}

export interface RunCommandResult {
  description: string;
  commandIds: string[];
  /** One per instance: in the order given for `instanceIds`, sorted by id for `targets`. */
  results: InstanceResult[];
  /** Every instance succeeded (and there was at least one). */
  ok: boolean;
  elapsedMs: number;
  /** SSM API requests made, by operation, including retries. */
  apiCalls: Record<string, number>;
}

const INSTANCE_ID = /^(i-(\w{8}|\w{17})|mi-\w{17})$/;
const RATE = /^([1-9][0-9]*|[1-9][0-9]?%|100%)$/;
const ERRORS = /^([0-9]+|[0-9][0-9]?%|100%)$/;
const SOURCE = '@lab/ssm-runner';

interface InstanceState {
  instanceId: string;
  commandId: string;
  status: InvocationStatus | undefined;
  statusDetails: string | undefined;
  responseCode: number | undefined;
  startedAt: Date | undefined;
  endedAt: Date | undefined;
  pluginOutput: string | undefined;
  stdout: string;
  stderr: string;
  outputDone: boolean;
}

interface TrackedCommand {
  commandId: string;
  /** The batch's instances; undefined for tag targets. */
  instanceIds: string[] | undefined;
  sentAt: number;
  done: boolean;
}

interface Plan {
  description: string;
  commands: string[];
  batches: string[][] | undefined;
  targets: CommandTarget[] | undefined;
  executionTimeoutSeconds: number;
  deliveryTimeoutSeconds: number;
}

/**
 * Runs a script (or an argument vector) on many instances through SSM Run Command and resolves
 * with one result per instance. Instances that fail do not make it reject: check `ok`, or call
 * `assertAllSucceeded`. Rejects with ValidationError (before any call), SsmInstanceNotRegisteredError,
 * SsmDeadlineError / SsmAbortedError (after CancelCommand), or SsmApiError.
 */
export async function runCommand(options: RunCommandOptions): Promise<RunCommandResult> {
  const plan = planCommand(options);
  const clock = options.clock ?? systemClock;
  const sleep = options.sleep ?? realSleep;
  const signal = options.signal;
  const start = clock.now();
  const deadline = resolveDeadline(start, options, plan);
  const window = options.consistencyWindowMs ?? 30_000;
  const emitter = createEmitter({ source: SOURCE, sink: options.events, clock });
  const context: SsmCallContext = {
    ssm: options.ssm,
    clock,
    sleep,
    random: options.random,
    signal,
    deadline,
    emitter,
    calls: {},
  };
  if (signal?.aborted) throw abortReason(signal);

  const states = new Map<string, InstanceState>();
  const tracked = await sendAll(context, options, plan, states);

  const refresh = async (command: TrackedCommand): Promise<void> => {
    try {
      const invocations = await listInvocations(context, command.commandId);
      for (const invocation of invocations) observe(command, invocation);
      if (command.instanceIds !== undefined) {
        const pending = command.instanceIds.filter((id) => !isFinalStatus(states.get(id)?.status));
        if (pending.length === 0) {
          command.done = true;
          return;
        }
        const unlisted = pending.filter((id) => states.get(id)?.status === undefined);
        // Everything SSM lists is final, yet some instances never appeared: once the
        // consistency window has passed, ask whether the command itself has finished.
        if (unlisted.length === pending.length && clock.now() - command.sentAt >= window) {
          const described = await describeCommand(context, command.commandId);
          if (isFinalCommandStatus(described.Status)) {
            for (const id of unlisted) markMissing(states.get(id)!);
            command.done = true;
          }
        }
        return;
      }
      // Tag targets: only SSM knows how many instances matched.
      if (invocations.every((invocation) => isFinalStatus(invocation.Status))) {
        const described = await describeCommand(context, command.commandId);
        if (isFinalCommandStatus(described.Status) && invocations.length >= (described.TargetCount ?? 0)) {
          command.done = true;
        }
      }
    } catch (error) {
      if (isNotYetVisible(error)) {
        if (clock.now() - command.sentAt < window) return;
        throw error instanceof SsmApiError
          ? error
          : new SsmApiError(
              'ListCommandInvocations',
              `command ${command.commandId}`,
              awsErrorCode(error),
              error,
            );
      }
      throw error;
    }
  };

  const observe = (command: TrackedCommand, invocation: CommandInvocation): void => {
    const instanceId = invocation.InstanceId;
    if (instanceId === undefined) return;
    let state = states.get(instanceId);
    if (state === undefined) {
      if (command.instanceIds !== undefined) return;
      state = newState(instanceId, command.commandId);
      states.set(instanceId, state);
    }
    if (isFinalStatus(state.status)) return;
    const plugin = invocation.CommandPlugins?.[0];
    const status = invocation.Status as InvocationStatus | undefined;
    const statusDetails = invocation.StatusDetails ?? plugin?.StatusDetails;
    const changed = status !== state.status || statusDetails !== state.statusDetails;
    state.status = status;
    state.statusDetails = statusDetails;
    state.responseCode = plugin?.ResponseCode ?? state.responseCode;
    state.startedAt = plugin?.ResponseStartDateTime ?? state.startedAt;
    state.endedAt = plugin?.ResponseFinishDateTime ?? state.endedAt;
    state.pluginOutput = plugin?.Output;
    if (changed && status !== undefined) {
      const final = isFinalStatus(status);
      const outcome = final ? invocationOutcome(status, statusDetails, state.responseCode) : undefined;
      emitter.emit(
        'ssm.invocation.status',
        `${instanceId}: ${status}${statusDetails !== undefined && statusDetails !== status ? ` (${statusDetails})` : ''}`,
        {
          commandId: command.commandId,
          instanceId,
          status,
          statusDetails,
          ...(outcome === undefined ? {} : { outcome, responseCode: state.responseCode }),
        },
        outcome === undefined || outcome === 'success' ? 'info' : 'warn',
      );
    }
  };

  const fetchOutputs = async (): Promise<void> => {
    const waiting = [...states.values()].filter((state) => isFinalStatus(state.status) && !state.outputDone);
    const toFetch: InstanceState[] = [];
    for (const state of waiting) {
      const complete = completePluginOutput(state.pluginOutput);
      if (options.output === 'none') state.outputDone = true;
      else if (complete !== undefined) {
        state.stdout = complete;
        state.outputDone = true;
      } else toFetch.push(state);
    }
    await mapLimit(toFetch, options.outputConcurrency ?? 8, async (state) => {
      const output = await getInvocation(context, state.commandId, state.instanceId);
      state.stdout = output.StandardOutputContent ?? '';
      state.stderr = output.StandardErrorContent ?? '';
      state.responseCode ??= output.ResponseCode;
      state.startedAt ??= parseSsmDate(output.ExecutionStartDateTime);
      state.endedAt ??= parseSsmDate(output.ExecutionEndDateTime);
      state.outputDone = true;
    });
  };

  const settled = (): boolean =>
    tracked.every((command) => command.done) &&
    [...states.values()].every((state) => !isFinalStatus(state.status) || state.outputDone);

  try {
    await pollUntil(
      async ({ attempt }) => {
        // Nothing finishes in the milliseconds after SendCommand: the first look comes one delay later.
        if (attempt === 1) return false;
        await Promise.all(tracked.filter((command) => !command.done).map(refresh));
        await fetchOutputs();
        return settled();
      },
      {
        until: (done) => done,
        deadline,
        ...DEFAULT_POLL_SCHEDULE,
        ...options.poll,
        isTransientError: isTransientAwsError,
        clock,
        sleep,
        ...(options.random === undefined ? {} : { random: options.random }),
        ...(signal === undefined ? {} : { signal }),
        description: plan.description,
      },
    );
  } catch (error) {
    const state = await stop(context, tracked, states, plan);
    if (error instanceof PollTimeoutError) {
      const lastError = error.lastError;
      throw new SsmDeadlineError(plan.description, clock.now() - start, state, lastError ?? error);
    }
    if (error instanceof AbortedError || signal?.aborted)
      throw new SsmAbortedError(plan.description, state, error);
    if (isLabError(error)) throw error;
    throw new SsmApiError('Run Command', plan.description, awsErrorCode(error), error);
  }

  const results = orderedResults(states, plan);
  const elapsedMs = clock.now() - start;
  const succeeded = results.filter((result) => result.ok).length;
  const byOutcome: Record<string, number> = {};
  for (const result of results) byOutcome[result.outcome] = (byOutcome[result.outcome] ?? 0) + 1;
  emitter.emit(
    'ssm.command.finished',
    `${plan.description}: ${succeeded}/${results.length} instance(s) succeeded in ${(elapsedMs / 1000).toFixed(1)} s`,
    {
      commandIds: tracked.map((command) => command.commandId),
      outcomes: byOutcome,
      elapsedMs,
      apiCalls: context.calls,
    },
    succeeded === results.length && results.length > 0 ? 'info' : 'warn',
  );
  return {
    description: plan.description,
    commandIds: tracked.map((command) => command.commandId),
    results,
    ok: results.length > 0 && succeeded === results.length,
    elapsedMs,
    apiCalls: context.calls,
  };

  function toResult(state: InstanceState): InstanceResult {
    return instanceResult(state, plan);
  }

  function orderedResults(all: Map<string, InstanceState>, current: Plan): InstanceResult[] {
    if (current.batches !== undefined) return current.batches.flat().map((id) => toResult(all.get(id)!));
    return [...all.values()].sort((a, b) => a.instanceId.localeCompare(b.instanceId)).map(toResult);
  }
}

/**
 * Throws SsmCommandFailedError unless every instance succeeded, listing each failed instance with
 * its outcome and the last lines of its stderr. Returns the result for chaining.
 */
export function assertAllSucceeded(result: RunCommandResult, tailLines = 5): RunCommandResult {
  if (result.ok) return result;
  const failed = result.results.filter((instance) => !instance.ok);
  const lines = failed
    .map((instance) => {
      const tail = lastLines(instance.stderr || instance.stdout, tailLines);
      return `  ${instance.instanceId}: ${instance.message}${tail === '' ? '' : `\n${indent(tail, '    | ')}`}`;
    })
    .join('\n');
  throw new SsmCommandFailedError(result.description, result.commandIds, failed, lines);
}

function planCommand(options: RunCommandOptions): Plan {
  const issues: ValidationIssue[] = [];
  const hasIds = options.instanceIds !== undefined;
  const hasTargets = options.targets !== undefined;
  if (hasIds === hasTargets) {
    issues.push({ path: 'instanceIds', message: 'give exactly one of instanceIds and targets' });
  }
  let batches: string[][] | undefined;
  if (options.instanceIds !== undefined) {
    const unique = [...new Set(options.instanceIds)];
    if (unique.length === 0)
      issues.push({ path: 'instanceIds', message: 'no instance ids', expected: 'at least one' });
    unique.forEach((id, index) => {
      if (!INSTANCE_ID.test(id)) {
        issues.push({
          path: `instanceIds.${index}`,
          message: 'not an instance id',
          expected: 'i- followed by 8 or 17 characters (or mi-…)',
          received: id,
        });
      }
    });
    batches = [];
    for (let i = 0; i < unique.length; i += SSM_MAX_INSTANCE_IDS) {
      batches.push(unique.slice(i, i + SSM_MAX_INSTANCE_IDS));
    }
  }
  if (options.targets !== undefined) {
    if (options.targets.length < 1 || options.targets.length > 5) {
      issues.push({
        path: 'targets',
        message: 'wrong number of targets',
        expected: '1 to 5',
        received: String(options.targets.length),
      });
    }
    options.targets.forEach((target, index) => {
      if (target.Key === '' || target.Values.length === 0) {
        issues.push({ path: `targets.${index}`, message: 'a target needs a Key and at least one value' });
      }
    });
  }
  if ((options.script === undefined) === (options.argv === undefined)) {
    issues.push({ path: 'script', message: 'give exactly one of script and argv' });
  }
  if (options.argv !== undefined && options.argv.length === 0) {
    issues.push({ path: 'argv', message: 'empty argument vector', expected: 'at least the program name' });
  }
  const executionTimeoutSeconds = options.executionTimeoutSeconds ?? 3600;
  checkInteger(issues, 'executionTimeoutSeconds', executionTimeoutSeconds, 1, 172_800);
  const deliveryTimeoutSeconds = options.deliveryTimeoutSeconds ?? 600;
  checkInteger(issues, 'deliveryTimeoutSeconds', deliveryTimeoutSeconds, 30, 2_592_000);
  if (options.comment !== undefined && options.comment.length > 100) {
    issues.push({
      path: 'comment',
      message: 'too long',
      expected: 'at most 100 characters',
      received: `${options.comment.length}`,
    });
  }
  if (options.maxConcurrency !== undefined && !RATE.test(String(options.maxConcurrency))) {
    issues.push({
      path: 'maxConcurrency',
      message: 'not a count or percentage',
      expected: 'e.g. 10 or 25%',
      received: String(options.maxConcurrency),
    });
  }
  if (options.maxErrors !== undefined && !ERRORS.test(String(options.maxErrors))) {
    issues.push({
      path: 'maxErrors',
      message: 'not a count or percentage',
      expected: 'e.g. 0 or 10%',
      received: String(options.maxErrors),
    });
  }
  if (
    options.workingDirectory !== undefined &&
    (options.workingDirectory === '' || options.workingDirectory.includes('\0'))
  ) {
    issues.push({ path: 'workingDirectory', message: 'must be a non-empty path without NUL bytes' });
  }
  if (options.timeoutMs !== undefined && !(options.timeoutMs > 0)) {
    issues.push({ path: 'timeoutMs', message: 'must be positive', received: String(options.timeoutMs) });
  }
  let commands: string[] = [];
  if (issues.length === 0) {
    try {
      const script = options.script ?? shellJoin(options.argv ?? []);
      commands = agentCommands(script);
    } catch (error) {
      if (error instanceof ValidationError) issues.push(...error.issues);
      else throw error;
    }
    const limit = options.maxScriptBytes ?? DEFAULT_MAX_SCRIPT_BYTES;
    const size = commandsSize(commands);
    if (size > limit) {
      issues.push({
        path: options.script === undefined ? 'argv' : 'script',
        message: 'script too large for one SSM command',
        expected: `at most ${limit} bytes (SSM: document and parameters together at most 64 KB)`,
        received: `${size} bytes`,
      });
    }
  }
  if (issues.length > 0) throw new ValidationError('Invalid runCommand options', issues);
  const description =
    options.description ??
    (options.argv !== undefined
      ? shortText(shellJoin(options.argv))
      : shortText(firstLine(options.script ?? '')));
  return {
    description,
    commands,
    batches,
    targets: options.targets?.map((target) => ({ Key: target.Key, Values: [...target.Values] })),
    executionTimeoutSeconds,
    deliveryTimeoutSeconds,
  };
}

async function sendAll(
  context: SsmCallContext,
  options: RunCommandOptions,
  plan: Plan,
  states: Map<string, InstanceState>,
): Promise<TrackedCommand[]> {
  const base: SendCommandCommandInput = {
    DocumentName: 'AWS-RunShellScript',
    Parameters: {
      commands: plan.commands,
      executionTimeout: [String(plan.executionTimeoutSeconds)],
      ...(options.workingDirectory === undefined ? {} : { workingDirectory: [options.workingDirectory] }),
    },
    TimeoutSeconds: plan.deliveryTimeoutSeconds,
    ...(options.comment === undefined ? {} : { Comment: options.comment }),
    ...(options.maxConcurrency === undefined ? {} : { MaxConcurrency: String(options.maxConcurrency) }),
    ...(options.maxErrors === undefined ? {} : { MaxErrors: String(options.maxErrors) }),
  };
  const requests: Array<{ input: SendCommandCommandInput; instanceIds: string[] | undefined; what: string }> =
    plan.batches !== undefined
      ? plan.batches.map((batch) => ({
          input: { ...base, InstanceIds: batch },
          instanceIds: batch,
          what: `${plan.description} on ${batch.length} instance(s) (${batch[0]}…)`,
        }))
      : [
          {
            input: { ...base, Targets: plan.targets },
            instanceIds: undefined,
            what: `${plan.description} on tag targets`,
          },
        ];

  const outcomes = await Promise.allSettled(
    requests.map(async (request) => {
      const command = await sendCommand(context, request.input, request.what);
      const tracked: TrackedCommand = {
        commandId: command.CommandId,
        instanceIds: request.instanceIds,
        sentAt: context.clock.now(),
        done: false,
      };
      for (const id of request.instanceIds ?? []) states.set(id, newState(id, command.CommandId));
      context.emitter.emit(
        'ssm.command.sent',
        `${plan.description}: sent command ${command.CommandId} to ${request.instanceIds === undefined ? 'tag targets' : `${request.instanceIds.length} instance(s)`}`,
        {
          commandId: command.CommandId,
          description: plan.description,
          ...(request.instanceIds === undefined
            ? { targets: plan.targets }
            : { instanceIds: request.instanceIds }),
        },
      );
      return tracked;
    }),
  );
  const sent = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
  const failures = outcomes.flatMap((outcome) =>
    outcome.status === 'rejected' ? [outcome.reason as unknown] : [],
  );
  if (failures.length === 0) return sent;

  // Some batches were accepted and others not: do not leave half a fleet running the command.
  const state = await stop(context, sent, states, plan);
  const notRegistered = failures.filter(
    (failure): failure is SsmInstanceNotRegisteredError => failure instanceof SsmInstanceNotRegisteredError,
  );
  if (notRegistered.length > 0) {
    throw new SsmInstanceNotRegisteredError(
      notRegistered.flatMap((failure) => failure.instanceIds),
      notRegistered[0]!.cause,
    );
  }
  const first = failures[0];
  if (first instanceof AbortedError || context.signal?.aborted)
    throw new SsmAbortedError(plan.description, state, first);
  if (isLabError(first)) throw first;
  throw new SsmApiError('SendCommand', plan.description, awsErrorCode(first), first);
}

/** Cancels every unfinished command and reports what was still running. */
async function stop(
  context: SsmCallContext,
  tracked: readonly TrackedCommand[],
  states: Map<string, InstanceState>,
  plan: Plan,
): Promise<StoppedCommandState> {
  const unfinished = tracked.filter((command) => !command.done);
  const failures: unknown[] = [];
  await Promise.all(
    unfinished.map(async (command) => {
      try {
        await cancelCommand(context, command.commandId);
        context.emitter.emit(
          'ssm.command.cancelled',
          `${plan.description}: cancelled command ${command.commandId}`,
          { commandId: command.commandId },
          'warn',
        );
      } catch (error) {
        failures.push(error);
        context.emitter.emit(
          'ssm.command.cancel-failed',
          `${plan.description}: could not cancel command ${command.commandId}: ${error instanceof Error ? error.message : String(error)}`,
          { commandId: command.commandId },
          'error',
        );
      }
    }),
  );
  const all = [...states.values()];
  return {
    commandIds: tracked.map((command) => command.commandId),
    running: all.filter((state) => !isFinalStatus(state.status)).map((state) => state.instanceId),
    results: all.map((state) => instanceResult(state, plan)),
    cancelled: failures.length === 0,
    ...(failures.length === 0 ? {} : { cancelError: failures[0] }),
  };
}

function instanceResult(state: InstanceState, plan: Plan): InstanceResult {
  const final = isFinalStatus(state.status) || state.status === 'Missing';
  const status: InvocationStatus = state.status ?? 'Pending';
  const outcome = final ? invocationOutcome(status, state.statusDetails, state.responseCode) : 'unfinished';
  return {
    instanceId: state.instanceId,
    commandId: state.commandId,
    status,
    statusDetails: state.statusDetails ?? status,
    outcome,
    message: describeOutcome(outcome, state.responseCode, plan),
    responseCode: state.responseCode,
    stdout: state.stdout,
    stderr: state.stderr,
    stdoutTruncated: state.stdout.length >= SSM_STDOUT_LIMIT,
    stderrTruncated: state.stderr.length >= SSM_STDERR_LIMIT,
    startedAt: state.startedAt,
    endedAt: state.endedAt,
    ok: status === 'Success' && state.responseCode === 0,
  };
}

function newState(instanceId: string, commandId: string): InstanceState {
  return {
    instanceId,
    commandId,
    status: undefined,
    statusDetails: undefined,
    responseCode: undefined,
    startedAt: undefined,
    endedAt: undefined,
    pluginOutput: undefined,
    stdout: '',
    stderr: '',
    outputDone: false,
  };
}

function markMissing(state: InstanceState): void {
  state.status = 'Missing';
  state.statusDetails = 'Missing';
  state.outputDone = true;
}

function resolveDeadline(start: number, options: RunCommandOptions, plan: Plan): number {
  const candidates = [
    options.timeoutMs === undefined ? Number.POSITIVE_INFINITY : start + options.timeoutMs,
    options.deadline ?? Number.POSITIVE_INFINITY,
  ];
  const explicit = Math.min(...candidates);
  if (Number.isFinite(explicit)) return explicit;
  // Without a caller deadline: as long as SSM itself could take, plus a minute.
  return start + (plan.deliveryTimeoutSeconds + plan.executionTimeoutSeconds + 60) * 1000;
}

function checkInteger(
  issues: ValidationIssue[],
  path: string,
  value: number,
  min: number,
  max: number,
): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    issues.push({
      path,
      message: 'out of range',
      expected: `an integer from ${min} to ${max}`,
      received: String(value),
    });
  }
}

/** SSM's ISO-8601 strings; a string without a zone (as moto sends) is UTC. */
export function parseSsmDate(text: string | undefined): Date | undefined {
  if (text === undefined || text === '') return undefined;
  const zoned = /(Z|[+-]\d\d:?\d\d)$/i.test(text) ? text : `${text}Z`;
  const date = new Date(zoned);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** Runs `work` on every item with at most `limit` in flight. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

function lastLines(text: string, count: number): string {
  return text.trimEnd().split('\n').slice(-count).join('\n');
}

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((line) => `${prefix}${line}`)
    .join('\n');
}

function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .map((line) => line.trim())
      .find((line) => line !== '' && !line.startsWith('#') && !line.startsWith('set -')) ?? 'script'
  );
}

function shortText(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Tag targets for SendCommand: `{ Component: 'broker' }` → `[{ Key: 'tag:Component', Values: ['broker'] }]`. */
export function tagTargets(tags: Readonly<Record<string, string | readonly string[]>>): CommandTarget[] {
  return Object.entries(tags).map(([key, value]) => ({
    Key: `tag:${key}`,
    Values: typeof value === 'string' ? [value] : [...value],
  }));
}

/** ListCommandInvocations cuts a plugin's Output at this many characters. */
const PLUGIN_OUTPUT_LIMIT = 2500;
/** The agent appends stderr to a plugin's Output after this line. */
const STDERR_MARKER = '----------ERROR-------';

/**
 * The stdout a plugin's Output holds when it is provably whole: shorter than the list's cut and
 * without a stderr part. Undefined when GetCommandInvocation must be asked.
 */
export function completePluginOutput(output: string | undefined): string | undefined {
  if (output === undefined || output.length >= PLUGIN_OUTPUT_LIMIT - 50) return undefined;
  return output.includes(STDERR_MARKER) ? undefined : output;
}
