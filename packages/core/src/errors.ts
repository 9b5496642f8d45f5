/** Options shared by every lab error. */
export interface LabErrorOptions {
  /** What the person at the terminal can do about it. */
  hint?: string;
  /** The error this one explains. */
  cause?: unknown;
  /** Machine-readable facts (ids, paths, fields) for `--json` output and logs. */
  details?: Record<string, unknown>;
}

/**
 * The base of every error a lab library throws. `code` is stable and safe to branch on;
 * `message` says what happened; `hint` says what to do about it.
 */
export class LabError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, options: LabErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
    this.details = options.details;
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      ...(this.hint === undefined ? {} : { hint: this.hint }),
      ...(this.details === undefined ? {} : { details: this.details }),
      ...(this.cause === undefined ? {} : { cause: serializeCause(this.cause) }),
    };
  }
}

/** One problem found in an input: where it is, what was expected, what was found. */
export interface ValidationIssue {
  /** Dotted path of the offending field, e.g. `roles.bookkeeper.count`; empty for the whole input. */
  path: string;
  message: string;
  file?: string;
  line?: number;
  column?: number;
  expected?: string;
  received?: string;
}

/** Bad input: configuration, tags, ids, flags. Raised before any side effect. */
export class ValidationError extends LabError {
  readonly issues: readonly ValidationIssue[];

  constructor(
    message: string,
    issues: readonly ValidationIssue[],
    options: Omit<LabErrorOptions, 'details'> = {},
  ) {
    super('VALIDATION_FAILED', message, { ...options, details: { issues } });
    this.issues = issues;
  }
}

/** An operation was stopped through its AbortSignal. */
export class AbortedError extends LabError {
  constructor(message = 'The operation was aborted', options: LabErrorOptions = {}) {
    super('ABORTED', message, options);
  }
}

export function isLabError(error: unknown): error is LabError {
  return error instanceof LabError;
}

/** A readable message for anything that was thrown. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error);
  } catch {
    return String(error);
  }
}

/**
 * Wraps `error` in a LabError that says what was being done, keeping the original as `cause`.
 * A LabError keeps its code so callers can still branch on it.
 */
export function withContext(
  error: unknown,
  context: string,
  options: Omit<LabErrorOptions, 'cause'> = {},
): LabError {
  const code = isLabError(error) ? error.code : 'UNEXPECTED';
  const hint = options.hint ?? (isLabError(error) ? error.hint : undefined);
  return new LabError(code, `${context}: ${errorMessage(error)}`, {
    ...options,
    ...(hint === undefined ? {} : { hint }),
    cause: error,
  });
}

/** Formats an issue as `file:line:column path: message (expected …, got …)`. */
export function formatIssue(issue: ValidationIssue): string {
  const location = [issue.file, issue.line, issue.column].filter((part) => part !== undefined).join(':');
  const where = [location, issue.path].filter((part) => part !== '').join(' ');
  const comparison =
    issue.expected !== undefined || issue.received !== undefined
      ? ` (expected ${issue.expected ?? 'something else'}, got ${issue.received ?? 'nothing'})`
      : '';
  return `${where === '' ? '' : `${where}: `}${issue.message}${comparison}`;
}

function serializeCause(cause: unknown): unknown {
  if (cause instanceof LabError) return cause.toJSON();
  if (cause instanceof Error) return { name: cause.name, message: cause.message };
  return cause;
}
