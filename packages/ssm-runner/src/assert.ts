import { SsmCommandFailedError } from './errors.js';
import type { RunCommandResult } from './options.js';

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

function lastLines(text: string, count: number): string {
  return text.trimEnd().split('\n').slice(-count).join('\n');
}

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((line) => `${prefix}${line}`)
    .join('\n');
}
