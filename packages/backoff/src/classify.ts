import { awsErrorCode, awsHttpStatus } from '@lab/core';

/** Error codes the AWS SDK v3 itself classifies as throttling. */
export const THROTTLING_ERROR_CODES: ReadonlySet<string> = new Set([
  'ThrottlingException',
  'RequestLimitExceeded',
  'Throttling',
  'TooManyRequestsException',
  'RequestThrottled',
  'RequestThrottledException',
  'EC2ThrottledException',
  'ProvisionedThroughputExceededException',
  'BandwidthLimitExceeded',
  'PriorRequestNotComplete',
  'SlowDown',
]);

/** HTTP statuses that mean "the service had a problem, try again". */
export const TRANSIENT_HTTP_STATUSES: ReadonlySet<number> = new Set([429, 500, 502, 503, 504]);

const TRANSIENT_NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

export type TransientKind = 'throttling' | 'server' | 'network';

/** Why an AWS call's failure is worth retrying, or undefined when it is not. */
export function classifyAwsError(error: unknown): TransientKind | undefined {
  const code = awsErrorCode(error);
  if (code !== undefined && THROTTLING_ERROR_CODES.has(code)) return 'throttling';
  const status = awsHttpStatus(error);
  if (status === 429) return 'throttling';
  if (status !== undefined && TRANSIENT_HTTP_STATUSES.has(status)) return 'server';
  if (code !== undefined && TRANSIENT_NETWORK_CODES.has(code)) return 'network';
  return undefined;
}

/** True for throttling, 5xx and network failures: the default retry classifier. */
export function isTransientAwsError(error: unknown): boolean {
  return classifyAwsError(error) !== undefined;
}
