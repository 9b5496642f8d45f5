import { getInvocation, type SsmCallContext } from './api.js';
import { mapLimit } from './map-limit.js';
import type { RunCommandOptions } from './options.js';
import type { InstanceState, InstanceStates } from './state.js';
import { isFinalStatus } from './status.js';

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

/** SSM's ISO-8601 strings; a string without a zone (as moto sends) is UTC. */
export function parseSsmDate(text: string | undefined): Date | undefined {
  if (text === undefined || text === '') return undefined;
  const zoned = /(Z|[+-]\d\d:?\d\d)$/i.test(text) ? text : `${text}Z`;
  const date = new Date(zoned);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * Completes the output of every finished instance that lacks it: from the listed plugin output
 * when that is whole, otherwise with one GetCommandInvocation each (`outputConcurrency` at once).
 */
export async function fetchOutputs(
  context: SsmCallContext,
  states: InstanceStates,
  options: Pick<RunCommandOptions, 'output' | 'outputConcurrency'>,
): Promise<void> {
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
}
