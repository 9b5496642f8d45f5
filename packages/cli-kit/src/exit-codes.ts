import { AbortedError, isLabError } from '@lab/core';

/** The exit codes every lab CLI uses; documented in each CLI's `--help` and README. */
export const EXIT_CODES = {
  /** Everything asked for was done. */
  ok: 0,
  /** An operation failed (AWS error, timeout, failed run …). */
  failure: 1,
  /** Bad input: flags, configuration, test plan, ids. Nothing was changed. */
  usage: 2,
  /** The work finished but something is left over (e.g. resources cleanup could not delete). */
  incomplete: 3,
  /** Confirmation was declined or impossible (no TTY and no --yes). Nothing was changed. */
  declined: 4,
  /** Interrupted by Ctrl-C / SIGTERM. */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

const USAGE_CODES = new Set(['VALIDATION_FAILED', 'USAGE', 'EXPERIMENT_NOT_FOUND', 'EXPERIMENT_AMBIGUOUS']);

/** The exit code for an error that ended a command. */
export function exitCodeFor(error: unknown): ExitCode {
  if (error instanceof AbortedError) return EXIT_CODES.interrupted;
  if (!isLabError(error)) return EXIT_CODES.failure;
  if (USAGE_CODES.has(error.code)) return EXIT_CODES.usage;
  if (error.code === 'CONFIRMATION_DECLINED' || error.code === 'CONFIRMATION_REQUIRED')
    return EXIT_CODES.declined;
  if (error.code === 'ABORTED') return EXIT_CODES.interrupted;
  if (error.code === 'INCOMPLETE') return EXIT_CODES.incomplete;
  return EXIT_CODES.failure;
}

/** Text for a CLI's `--help` footer and README. */
export const EXIT_CODES_HELP = [
  'Exit codes:',
  '  0    success',
  '  1    failure (AWS error, timeout, failed run)',
  '  2    bad input (flags, configuration, ids); nothing was changed',
  '  3    finished, but something is left over (see the output)',
  '  4    confirmation declined or impossible without --yes; nothing was changed',
  '  130  interrupted (Ctrl-C)',
].join('\n');
