import type { CommandInvocation } from '@aws-sdk/client-ssm';
import type { Emitter } from '@lab/core';
import type { Plan } from './plan.js';
import { describeOutcome, invocationOutcome, isFinalStatus } from './status.js';
import { type InstanceResult, type InvocationStatus, SSM_STDERR_LIMIT, SSM_STDOUT_LIMIT } from './types.js';

/** What the runner knows about one instance's invocation so far. */
export interface InstanceState {
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

/** One SendCommand the runner is following. */
export interface TrackedCommand {
  commandId: string;
  /** The batch's instances; undefined for tag targets. */
  instanceIds: string[] | undefined;
  sentAt: number;
  done: boolean;
}

/** Every instance's state, by instance id. */
export type InstanceStates = Map<string, InstanceState>;

export function newState(instanceId: string, commandId: string): InstanceState {
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

/** SSM finished the command without ever listing this instance. */
export function markMissing(state: InstanceState): void {
  state.status = 'Missing';
  state.statusDetails = 'Missing';
  state.outputDone = true;
}

/**
 * Takes one listed invocation into the instance's state and reports a change of status. Tag
 * targets add instances as SSM lists them; a batch ignores instances it did not send to.
 */
export function observeInvocation(
  states: InstanceStates,
  command: TrackedCommand,
  invocation: CommandInvocation,
  emitter: Emitter,
): void {
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
}

export function instanceResult(state: InstanceState, plan: Plan): InstanceResult {
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

/** Results in the order given for `instanceIds`, sorted by instance id for tag targets. */
export function orderedResults(states: InstanceStates, plan: Plan): InstanceResult[] {
  if (plan.batches !== undefined)
    return plan.batches.flat().map((id) => instanceResult(states.get(id)!, plan));
  return [...states.values()]
    .sort((a, b) => a.instanceId.localeCompare(b.instanceId))
    .map((state) => instanceResult(state, plan));
}
