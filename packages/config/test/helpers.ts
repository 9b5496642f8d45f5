import { ValidationError, type ValidationIssue } from '@lab/core';
import { expect } from 'vitest';

/** Runs `action`, expects a ValidationError and returns its issues. */
export function issuesOf(action: () => unknown): readonly ValidationIssue[] {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).issues;
  }
  throw new Error('expected a ValidationError, but nothing was thrown');
}

export async function issuesOfAsync(action: () => Promise<unknown>): Promise<readonly ValidationIssue[]> {
  try {
    await action();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).issues;
  }
  throw new Error('expected a ValidationError, but nothing was thrown');
}
