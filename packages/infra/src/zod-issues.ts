import { ValidationError, type ValidationIssue } from '@lab/core';
import type { z } from 'zod';

/** Converts zod's issues to the lab's ValidationIssue shape (dotted path, expected, received). */
export function toValidationIssues(error: z.ZodError, file?: string): ValidationIssue[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    const expected = 'expected' in issue && typeof issue.expected === 'string' ? issue.expected : undefined;
    const received =
      'input' in issue && issue.input !== undefined
        ? safeJson(issue.input)
        : issue.code === 'invalid_type'
          ? 'nothing'
          : undefined;
    return {
      path,
      message: issue.message,
      ...(file === undefined ? {} : { file }),
      ...(expected === undefined ? {} : { expected }),
      ...(received === undefined ? {} : { received }),
    };
  });
}

export function parseWith<T>(
  schema: z.ZodType<T>,
  input: unknown,
  what: string,
  options: { file?: string; hint: string },
): T {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  const issues = toValidationIssues(result.error, options.file);
  throw new ValidationError(`Invalid ${what}: ${issues.length} problem(s)`, issues, { hint: options.hint });
}

function safeJson(value: unknown): string {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? String(value) : text.length > 200 ? `${text.slice(0, 200)}…` : text;
  } catch {
    return String(value);
  }
}
