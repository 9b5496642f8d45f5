export {
  cancelCommand,
  describeCommand,
  getInvocation,
  isNotYetVisible,
  listInvocations,
  type SsmCallContext,
  sendCommand,
} from './api.js';
export { assertAllSucceeded } from './assert.js';
export {
  RemoteFileNotFoundError,
  SsmAbortedError,
  SsmApiError,
  SsmCommandFailedError,
  SsmDeadlineError,
  SsmInstanceNotRegisteredError,
  type StoppedCommandState,
  TransferChecksumError,
  TransferError,
} from './errors.js';
export {
  type CommandTarget,
  DEFAULT_POLL_SCHEDULE,
  type PollSchedule,
  type RunCommandOptions,
  type RunCommandResult,
  type SsmCallOptions,
  tagTargets,
} from './options.js';
export { completePluginOutput, parseSsmDate } from './output.js';
export { agentCommands, SCRIPT_NAME, shellJoin, shellQuote } from './quote.js';
export { runCommand } from './run.js';
export { describeOutcome, invocationOutcome, isFinalCommandStatus, isFinalStatus } from './status.js';
export {
  type FetchedFile,
  type FetchFileOptions,
  fetchFile,
  MAX_FETCH_CHUNK_BYTES,
  type PutFileOptions,
  putFile,
  type TransferOptions,
  type TransferResult,
} from './transfer.js';
export {
  DEFAULT_MAX_SCRIPT_BYTES,
  type InstanceResult,
  type InvocationOutcome,
  type InvocationStatus,
  SSM_MAX_INSTANCE_IDS,
  SSM_PLUGIN_OUTPUT_LIMIT,
  SSM_STDERR_LIMIT,
  SSM_STDOUT_LIMIT,
} from './types.js';
