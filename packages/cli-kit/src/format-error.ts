import { errorMessage, formatIssue, isLabError, ValidationError } from '@lab/core';
import type { Palette } from './color.js';

/** Renders an error for a person: the message, every validation issue, the hint, and the causes. */
export function formatError(error: unknown, palette: Palette): string {
  const lines = [`${palette.red(palette.bold('error'))}: ${errorMessage(error)}`];
  if (error instanceof ValidationError) {
    for (const issue of error.issues) lines.push(`  ${formatIssue(issue)}`);
  }
  let cause = error instanceof Error ? error.cause : undefined;
  const seen = new Set<unknown>([error]);
  while (cause !== undefined && !seen.has(cause)) {
    seen.add(cause);
    const message = errorMessage(cause);
    if (!lines.some((line) => line.includes(message))) lines.push(palette.dim(`  caused by: ${message}`));
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  if (isLabError(error) && error.hint !== undefined) lines.push(`${palette.cyan('hint')}: ${error.hint}`);
  return lines.join('\n');
}

/** The same error as one JSON object, for `--json`. */
export function errorToJson(error: unknown): Record<string, unknown> {
  if (isLabError(error)) return error.toJSON();
  return {
    name: error instanceof Error ? error.name : 'Error',
    code: 'UNEXPECTED',
    message: errorMessage(error),
  };
}
