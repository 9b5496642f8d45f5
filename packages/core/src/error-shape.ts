/**
 * Reads the error code of an AWS SDK v3 error (or of the plain objects tests build) without
 * importing the SDK: `name` for modeled exceptions, `Code`/`code` for others.
 */
export function awsErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const record = error as Record<string, unknown>;
  for (const key of ['Code', 'code', 'name'] as const) {
    const value = record[key];
    if (typeof value === 'string' && value !== '' && value !== 'Error') return value;
  }
  return undefined;
}

/** The HTTP status of an AWS SDK v3 error's response, when it had one. */
export function awsHttpStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const metadata = (error as { $metadata?: { httpStatusCode?: unknown } }).$metadata;
  return typeof metadata?.httpStatusCode === 'number' ? metadata.httpStatusCode : undefined;
}
