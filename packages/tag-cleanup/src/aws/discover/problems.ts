import { classifyPermanentAwsError, type PermanentKind } from '@lab/backoff';
import { awsErrorCode, awsHttpStatus, errorMessage } from '@lab/core';
import type { DiscoveryProblem, ResourceType } from '../../model.js';
import { operationOf } from '../context.js';

const WHY: Record<PermanentKind, string> = {
  unsupported: 'the endpoint does not offer this operation',
  malformed: 'the answer could not be read',
  denied: 'access denied',
};

/**
 * The words the API itself sent. For an answer the SDK could not parse that is the body it got
 * (an HTML error page, as text), not the parser's complaint about it.
 */
function apiWords(error: unknown): string {
  const body = (error as { $responseBodyText?: unknown } | null)?.$responseBodyText;
  if (typeof body === 'string' && body.trim() !== '') {
    const text = body
      .replace(/<[^>]*>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
    if (text !== '') return text.length > 300 ? `${text.slice(0, 300)}…` : text;
  }
  const message = errorMessage(error).split('\n')[0]!.trim();
  const code = awsErrorCode(error);
  return code === undefined || message.startsWith(code) ? message : `${code}: ${message}`;
}

/**
 * A listing that failed, in words: the operation, and for a failure that cannot succeed on retry
 * (unsupported, unreadable, denied — which is why it was not retried) what kind it is.
 */
export function describeFailure(error: unknown): string {
  const operation = operationOf(error);
  const prefix = operation === undefined ? '' : `${operation}: `;
  const kind = classifyPermanentAwsError(error);
  if (kind === undefined) return `${prefix}${apiWords(error)}`;
  const status = awsHttpStatus(error);
  return `${prefix}${WHY[kind]}${status === undefined ? '' : ` (HTTP ${status})`}, not retried: ${apiWords(error)}`;
}

export function failure(type: ResourceType, region: string, error: unknown): DiscoveryProblem {
  return { type, region, message: describeFailure(error), error };
}
