import type { ValidationIssue } from '@lab/core';
import type { z } from 'zod';
import { closest, describeValue, formatPath, getIn, type PathSegment } from './paths.js';
import { knownKeys } from './schema-walk.js';

/** Where an issue points: a file position, a command-line flag, or nowhere (a default). */
export interface IssueLocation {
  file?: string;
  line?: number;
  column?: number;
}

export interface IssueContext {
  schema: z.ZodType;
  /** The data that was validated (for "got …"). */
  data: unknown;
  /** Prepended to displayed paths (`infrastructure`), empty for a single file. */
  displayPrefix: readonly PathSegment[];
  /** Locates a path; `at: 'key'` for unknown or missing keys, `'value'` for a bad value. */
  locate(path: readonly PathSegment[], at: 'key' | 'value'): IssueLocation;
}

type ZodIssue = z.core.$ZodIssue;

const TYPE_NAMES: Record<string, string> = { int: 'an integer', number: 'a number', string: 'a string' };

// Why a field is absent from some run types: said instead of a bare "unknown key".
const KEY_HINTS: Record<string, string> = {
  consumerBacklogSizeGB:
    'only a backlog run builds a backlog (OMB cannot search for the max rate while building one): use type: backlog with a producerRate',
  producerRate:
    'max-rate runs search for the rate themselves (OMB producerRate 0) and ramps use startRate/stepRate/steps',
  consumersPerSubscription: 'OMB spells it consumerPerSubscription (singular)',
};

/** Turns zod issues into lab ValidationIssues with positions, expected and received values. */
export function toValidationIssues(issues: readonly ZodIssue[], context: IssueContext): ValidationIssue[] {
  const result: ValidationIssue[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((segment): segment is PathSegment => typeof segment !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeys(context.schema, path, context.data);
      for (const key of issue.keys) {
        const keyPath = [...path, key];
        const suggestion = closest(key, known);
        const hint = KEY_HINTS[key];
        result.push({
          path: display(context, keyPath),
          ...context.locate(keyPath, 'key'),
          message: `unknown field "${key}"${suggestion === undefined ? '' : ` — did you mean "${suggestion}"?`}${hint === undefined ? '' : ` (${hint})`}`,
          expected: known.length > 0 ? `one of ${known.join(', ')}` : 'no fields here',
          received: key,
        });
      }
      continue;
    }
    const received = getIn(context.data, path);
    const missing = received === undefined;
    const base: ValidationIssue = {
      path: display(context, path),
      ...context.locate(path, missing ? 'key' : 'value'),
      message: issue.message,
      received: describeValue(received),
    };
    switch (issue.code) {
      case 'invalid_type': {
        const expected = TYPE_NAMES[issue.expected] ?? issue.expected;
        result.push({
          ...base,
          message: missing ? 'required field is missing' : `wrong type`,
          expected,
        });
        break;
      }
      case 'too_small':
        result.push({
          ...base,
          message: 'value is too small',
          expected:
            issue.origin === 'array'
              ? `at least ${issue.minimum} item(s)`
              : issue.origin === 'string'
                ? `at least ${issue.minimum} character(s)`
                : `${issue.inclusive === false ? 'more than' : 'at least'} ${issue.minimum}`,
          ...(issue.message.startsWith('Too small') ? {} : { message: issue.message }),
        });
        break;
      case 'too_big':
        result.push({
          ...base,
          message: 'value is too big',
          expected:
            issue.origin === 'array'
              ? `at most ${issue.maximum} item(s)`
              : issue.origin === 'string'
                ? `at most ${issue.maximum} character(s)`
                : `${issue.inclusive === false ? 'less than' : 'at most'} ${issue.maximum}`,
        });
        break;
      case 'invalid_value':
        result.push({
          ...base,
          message: 'value is not allowed',
          expected: `one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}`,
        });
        break;
      case 'invalid_union': {
        const options = (issue as { options?: unknown[] }).options;
        result.push({
          ...base,
          message: options === undefined ? 'value matches none of the allowed forms' : 'unknown type',
          expected:
            options === undefined
              ? 'one of the forms in the JSON Schema'
              : `one of ${options.map((value) => JSON.stringify(value)).join(', ')}`,
        });
        break;
      }
      case 'invalid_format':
        result.push({
          ...base,
          message: issue.message.startsWith('Invalid') ? 'value has the wrong format' : issue.message,
          expected: issue.format === 'regex' ? 'the documented format' : issue.format,
        });
        break;
      case 'custom': {
        const params = (issue.params ?? {}) as { expected?: string; received?: string };
        result.push({
          ...base,
          ...(params.expected === undefined ? {} : { expected: params.expected }),
          ...(params.received === undefined ? {} : { received: params.received }),
        });
        break;
      }
      default:
        result.push(base);
    }
  }
  return result;
}

function display(context: IssueContext, path: readonly PathSegment[]): string {
  return formatPath([...context.displayPrefix, ...path]);
}
