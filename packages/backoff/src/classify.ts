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

/** Codes of an operation the endpoint does not offer (an emulator, a partition, an old API). */
export const UNSUPPORTED_ERROR_CODES: ReadonlySet<string> = new Set([
  'UnsupportedOperation',
  'UnsupportedOperationException',
  'UnknownOperation',
  'UnknownOperationException',
  'InvalidAction',
  'NotImplemented',
  'OperationNotSupportedException',
]);

/** Codes of a caller who may not do this: the same call is refused again. */
export const DENIED_ERROR_CODES: ReadonlySet<string> = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'UnauthorizedAccess',
  'AuthFailure',
  'InvalidClientTokenId',
  'OptInRequired',
]);

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

// What the SDK says when it cannot read an answer: `@aws-sdk XML parse error: …` and
// `Deserialization error: to see the raw response, inspect the hidden field {error}.$response`.
const MALFORMED_MESSAGE =
  /XML parse error|Deserialization error|Unexpected token .* in JSON|is not valid JSON/;

// Proxies and load balancers answer 502/503/504 with an HTML page of their own while the service
// behind them recovers: such an unreadable answer is a gateway hiccup, worth retrying.
const GATEWAY_STATUSES: ReadonlySet<number> = new Set([502, 503, 504]);

export type TransientKind = 'throttling' | 'server' | 'network';

/** Why a failure cannot succeed on retry. */
export type PermanentKind = 'unsupported' | 'malformed' | 'denied';

/**
 * Why an AWS call's failure can never succeed when simply sent again, or undefined: an operation
 * the endpoint does not implement (`unsupported`), an answer the SDK could not read — an XML or
 * JSON parse error, e.g. an emulator's HTML error page (`malformed`; except behind a 502/503/504,
 * see above), or a caller who is not allowed (`denied`, including HTTP 403).
 */
export function classifyPermanentAwsError(error: unknown): PermanentKind | undefined {
  const code = awsErrorCode(error);
  if (code !== undefined && THROTTLING_ERROR_CODES.has(code)) return undefined;
  const status = awsHttpStatus(error);
  if (code !== undefined && UNSUPPORTED_ERROR_CODES.has(code)) return 'unsupported';
  if (status === 501) return 'unsupported';
  if (code !== undefined && DENIED_ERROR_CODES.has(code)) return 'denied';
  if (status === 403) return 'denied';
  const message = error instanceof Error ? error.message : undefined;
  if (
    message !== undefined &&
    MALFORMED_MESSAGE.test(message) &&
    !(status !== undefined && GATEWAY_STATUSES.has(status))
  ) {
    return 'malformed';
  }
  return undefined;
}

/**
 * Why an AWS call's failure is worth retrying — throttling, a 5xx or a network failure — or
 * undefined when it is not. A permanent failure (`classifyPermanentAwsError`) is never
 * transient, whatever its HTTP status: an unreadable answer on a 500 is not retried.
 */
export function classifyAwsError(error: unknown): TransientKind | undefined {
  const code = awsErrorCode(error);
  if (code !== undefined && THROTTLING_ERROR_CODES.has(code)) return 'throttling';
  if (classifyPermanentAwsError(error) !== undefined) return undefined;
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
